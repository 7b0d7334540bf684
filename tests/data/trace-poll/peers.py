#!/usr/bin/python3
"""Real peers for pp-trace's polling tests (tests/e2e/trace_poll*.sh).

  peers.py server NAME READYFILE HOST:PORT/PROTO...   listen (tcp) or bind (udp), answer
                                                      "ping" with "pong", until killed
  peers.py client NAME HOLD HOST:PORT/PROTO... [--] [args...]
                                                      connect to each, ping/pong, hold HOLD
                                                      seconds, close (we close first), exit
  peers.py accept-many NAME READYFILE PORT N          listen on 127.0.0.1:PORT, accept N
                                                      connections and hold them (bench)
  peers.py connect-many NAME READYFILE PORT N         make N connections to 127.0.0.1:PORT
                                                      and hold them (bench)

NAME becomes the process's comm (prctl PR_SET_NAME), so the tests can tell
the peers apart. Extra arguments after "--" are ignored (redaction canaries).
"""
import ctypes
import os
import select
import socket
import sys
import time


def set_comm(name):
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(15, name.encode()[:15], 0, 0, 0)  # PR_SET_NAME


def endpoint(spec):
    hp, proto = spec.rsplit("/", 1)
    host, port = hp.rsplit(":", 1)
    host = host.strip("[]")
    fam = socket.AF_INET6 if ":" in host else socket.AF_INET
    return fam, host, int(port), proto


def server(name, ready, specs):
    set_comm(name)
    socks = {}
    for spec in specs:
        fam, host, port, proto = endpoint(spec)
        s = socket.socket(fam, socket.SOCK_STREAM if proto == "tcp" else socket.SOCK_DGRAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if fam == socket.AF_INET6 and host == "::":
            s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
        s.bind((host, port))
        if proto == "tcp":
            s.listen(128)
        socks[s] = "listen" if proto == "tcp" else "udp"
    with open(ready, "w") as f:
        f.write("ready\n")
    while True:
        r, _, _ = select.select(list(socks), [], [])
        for s in r:
            kind = socks[s]
            if kind == "listen":
                c, _ = s.accept()
                socks[c] = "conn"
            elif kind == "udp":
                data, peer = s.recvfrom(2048)
                if data == b"ping":
                    s.sendto(b"pong", peer)
            else:
                data = s.recv(2048)
                if not data:
                    del socks[s]
                    s.close()
                elif data == b"ping":
                    s.sendall(b"pong")


def client(name, hold, specs):
    set_comm(name)
    socks = []
    for spec in specs:
        fam, host, port, proto = endpoint(spec)
        if proto == "tcp":
            s = socket.create_connection((host, port))
            s.sendall(b"ping")
            assert s.recv(4) == b"pong"
        else:
            s = socket.socket(fam, socket.SOCK_DGRAM)
            s.connect((host, port))
            s.send(b"ping")
            s.settimeout(5)
            assert s.recv(4) == b"pong"
        socks.append(s)
    print(" ".join(str(s.getsockname()[1]) for s in socks), flush=True)
    time.sleep(hold)
    for s in socks:
        s.close()


def hold(ready, keep):
    with open(ready, "w") as f:
        f.write("ready\n")
    while True:
        time.sleep(3600)


def accept_many(name, ready, port, n):
    set_comm(name)
    lst = socket.socket()
    lst.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    lst.bind(("127.0.0.1", port))
    lst.listen(4096)
    open(ready + ".listening", "w").close()
    hold(ready, [lst.accept()[0] for _ in range(n)])


def connect_many(name, ready, port, n):
    set_comm(name)
    keep = []
    for _ in range(n):
        c = socket.socket()
        c.connect(("127.0.0.1", port))
        keep.append(c)
    hold(ready, keep)


def main():
    argv = sys.argv[1:]
    if "--" in argv:
        argv = argv[: argv.index("--")]
    mode = argv[0]
    if mode == "server":
        server(argv[1], argv[2], argv[3:])
    elif mode == "client":
        client(argv[1], float(argv[2]), argv[3:])
    elif mode == "accept-many":
        accept_many(argv[1], argv[2], int(argv[3]), int(argv[4]))
    elif mode == "connect-many":
        connect_many(argv[1], argv[2], int(argv[3]), int(argv[4]))
    else:
        sys.exit("usage: see the docstring")


if __name__ == "__main__":
    main()
