#!/usr/bin/env python3
"""Real peers for tests/e2e/trace_ebpf*.sh: each subcommand is one process
doing real socket calls on loopback and printing, as one JSON line, what the
test needs to check pp-trace against (pids, ports, byte counts).

  tcp-server FAMILY ADDR N_ACCEPTS REPLY_BYTES   listen; a forked child accepts
  tcp-client ADDR PORT SEND_BYTES                 connect, send, read the reply
  udp-server FAMILY ADDR                          recvfrom, reply, until "quit"
  udp-client ADDR PORT MODE                       MODE: sendto | connected
  churn ADDR N                                    N connect/accept/close in one process
"""
import json
import os
import socket
import sys
import time


def out(**kw):
    print(json.dumps(kw), flush=True)


def fam(name):
    return socket.AF_INET6 if name == "6" else socket.AF_INET


def tcp_server(family, addr, n, reply):
    s = socket.socket(fam(family), socket.SOCK_STREAM)
    if family == "6":
        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)  # dual stack
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((addr, 0))
    s.listen(16)
    r, w = os.pipe()
    child = os.fork()
    if child == 0:
        # The accepting process is not the one that listened.
        os.close(r)
        for _ in range(int(n)):
            c, peer = s.accept()
            got = 0
            while True:
                b = c.recv(65536)
                if not b:
                    break
                got += len(b)
            c.sendall(b"r" * int(reply))
            c.close()
            os.write(w, (json.dumps({"accepted_from": list(peer)[:2], "got": got}) + "\n").encode())
        os._exit(0)
    os.close(w)
    out(pid=os.getpid(), child=child, port=s.getsockname()[1])
    with os.fdopen(r) as f:
        for line in f:
            sys.stdout.write(line)
            sys.stdout.flush()
    os.waitpid(child, 0)


def tcp_client(addr, port, n):
    c = socket.create_connection((addr, int(port)))
    c.sendall(b"s" * int(n))
    c.shutdown(socket.SHUT_WR)
    got = 0
    while True:
        b = c.recv(65536)
        if not b:
            break
        got += len(b)
    sport = c.getsockname()[1]
    c.close()
    out(pid=os.getpid(), sport=sport, got=got)


def udp_server(family, addr):
    s = socket.socket(fam(family), socket.SOCK_DGRAM)
    s.bind((addr, 0))
    out(pid=os.getpid(), port=s.getsockname()[1])
    while True:
        b, peer = s.recvfrom(2048)
        if b == b"quit":
            break
        s.sendto(b"pong:" + b, peer)
        out(peer=list(peer)[:2])


def udp_client(addr, port, mode):
    family = socket.AF_INET6 if ":" in addr else socket.AF_INET
    s = socket.socket(family, socket.SOCK_DGRAM)
    s.settimeout(5)
    if mode == "connected":
        s.connect((addr, int(port)))
        s.send(b"ping")
        s.recv(2048)
    else:
        s.sendto(b"ping", (addr, int(port)))
        s.recvfrom(2048)
    out(pid=os.getpid(), sport=s.getsockname()[1])


def churn(addr, n):
    s = socket.socket()
    s.bind((addr, 0))
    s.listen(128)
    port = s.getsockname()[1]
    for _ in range(int(n)):
        c = socket.create_connection((addr, port))
        a, _ = s.accept()
        c.close()
        a.close()
    out(pid=os.getpid(), port=port)


def main():
    cmd, args = sys.argv[1], sys.argv[2:]
    {"tcp-server": tcp_server, "tcp-client": tcp_client, "udp-server": udp_server,
     "udp-client": udp_client, "churn": churn}[cmd](*args)


if __name__ == "__main__":
    main()
