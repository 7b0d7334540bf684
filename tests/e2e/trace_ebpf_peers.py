#!/usr/bin/env python3
"""Real peers for tests/e2e/trace_ebpf*.sh: each subcommand is one process
doing real socket calls on loopback and printing, as one JSON line, what the
test needs to check pp-trace against (pids, ports, byte counts).

  tcp-server FAMILY ADDR N_ACCEPTS REPLY_BYTES   listen; a forked child accepts
  tcp-client ADDR PORT SEND_BYTES                 connect, send, read the reply
  udp-server FAMILY ADDR                          recvfrom, reply, until "quit"
  udp-client ADDR PORT MODE                       MODE: sendto | connected
  churn ADDR N                                    N connect/accept/close in one process
  scenario HOLD                                   the same traffic for both modes (below)
"""
import ctypes
import json
import os
import socket
import sys
import threading
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


# --- scenario: one script of traffic, run once under each mode -------------
# A server process (comm pp-sc-srv) and a client process (pp-sc-cli), each
# socket held HOLD seconds between its steps so that polling sees every
# state: TCP over IPv4 and IPv6, each once with the client closing first
# ("c": the server sits in CLOSE-WAIT with the client's FIN received) and
# once with the server closing first ("s": the client sits in CLOSE-WAIT);
# UDP from a connected IPv4 socket and from an unconnected IPv6 one.
# Prints {"srv":PID,"cli":PID,"ports":{"PORT":"label",...}}.
SC_BYTES = {"c": (1000, 300), "s": (2000, 500)}  # client sends, server replies
SC_UDP = (40, 60)


def set_comm(name):
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(15, name.encode(), 0, 0, 0)  # PR_SET_NAME


def recv_n(c, n):
    got = 0
    while got < n:
        b = c.recv(n - got)
        if not b:
            break
        got += len(b)
    return got


def recv_eof(c):
    while c.recv(65536):
        pass


def sc_server(hold, w):
    set_comm("pp-sc-srv")
    t4 = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    t6 = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
    t6.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
    u4 = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    u6 = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
    for s, a in ((t4, "127.0.0.1"), (t6, "::1"), (u4, "127.0.0.1"), (u6, "::1")):
        s.bind((a, 0))
    t4.listen(8)
    t6.listen(8)
    os.write(w, (json.dumps({"tl4": t4.getsockname()[1], "tl6": t6.getsockname()[1],
                             "us4": u4.getsockname()[1], "us6": u6.getsockname()[1]}) + "\n").encode())

    def conn(c):
        mode = c.recv(1, socket.MSG_PEEK).decode()
        a, b = SC_BYTES[mode]
        recv_n(c, a)
        c.sendall(b"r" * b)
        if mode == "s":
            time.sleep(hold)
            c.close()
        else:
            recv_eof(c)         # the client's FIN: CLOSE-WAIT
            time.sleep(hold)
            c.close()

    def udp(u):
        b, peer = u.recvfrom(2048)
        u.sendto(b"u" * SC_UDP[1], peer)

    threads = []
    for lis in (t4, t4, t6, t6):
        c, _ = lis.accept()
        threads.append(threading.Thread(target=conn, args=(c,)))
        threads[-1].start()
    for u in (u4, u6):
        threads.append(threading.Thread(target=udp, args=(u,)))
        threads[-1].start()
    for t in threads:
        t.join()
    time.sleep(hold)
    for s in (t4, t6, u4, u6):
        s.close()


def sc_client(hold, ports, w):
    set_comm("pp-sc-cli")
    labels = {}
    lock = threading.Lock()

    def tcp(fam, addr, port, mode, label):
        a, b = SC_BYTES[mode]
        c = socket.create_connection((addr, port))
        with lock:
            labels[c.getsockname()[1]] = label
        c.sendall(mode.encode() + b"s" * (a - 1))
        recv_n(c, b)
        if mode == "c":
            time.sleep(hold)
            c.close()
        else:
            recv_eof(c)         # the server's FIN: CLOSE-WAIT
            time.sleep(hold)
            c.close()

    def udp(addr, port, connected, label):
        fam = socket.AF_INET6 if ":" in addr else socket.AF_INET
        u = socket.socket(fam, socket.SOCK_DGRAM)
        u.settimeout(10)
        if connected:
            u.connect((addr, port))
            u.send(b"q" * SC_UDP[0])
            u.recv(2048)
        else:
            u.sendto(b"q" * SC_UDP[0], (addr, port))
            u.recvfrom(2048)
        with lock:
            labels[u.getsockname()[1]] = label
        time.sleep(hold)
        u.close()

    jobs = [(tcp, (socket.AF_INET, "127.0.0.1", ports["tl4"], "c", "c4c")),
            (tcp, (socket.AF_INET, "127.0.0.1", ports["tl4"], "s", "c4s")),
            (tcp, (socket.AF_INET6, "::1", ports["tl6"], "c", "c6c")),
            (tcp, (socket.AF_INET6, "::1", ports["tl6"], "s", "c6s")),
            (udp, ("127.0.0.1", ports["us4"], True, "cu4")),
            (udp, ("::1", ports["us6"], False, "cu6"))]
    threads = [threading.Thread(target=f, args=a) for f, a in jobs]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    os.write(w, (json.dumps({str(k): v for k, v in labels.items()}) + "\n").encode())


def scenario(hold):
    hold = float(hold)
    r, w = os.pipe()
    srv = os.fork()
    if srv == 0:
        os.close(r)
        sc_server(hold, w)
        os._exit(0)
    os.close(w)
    rf = os.fdopen(r)
    ports = json.loads(rf.readline())
    r2, w2 = os.pipe()
    cli = os.fork()
    if cli == 0:
        os.close(r2)
        sc_client(hold, ports, w2)
        os._exit(0)
    os.close(w2)
    with os.fdopen(r2) as f:
        labels = json.loads(f.readline())
    _, st1 = os.waitpid(cli, 0)
    _, st2 = os.waitpid(srv, 0)
    labels.update({str(p): k for k, p in ports.items()})
    out(srv=srv, cli=cli, ports=labels, ok=st1 == 0 and st2 == 0)


def main():
    cmd, args = sys.argv[1], sys.argv[2:]
    {"tcp-server": tcp_server, "tcp-client": tcp_client, "udp-server": udp_server,
     "udp-client": udp_client, "churn": churn, "scenario": scenario}[cmd](*args)


if __name__ == "__main__":
    main()
