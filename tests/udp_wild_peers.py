#!/usr/bin/python3
"""Peers with wildcard-bound, unconnected UDP sockets (tests/e2e/trace_udp_wild.sh,
join-wild.sh): what they saw, to judge pp-trace's records by.

  udp_wild_peers.py server PORT LOG
      UDP servers on 0.0.0.0:PORT and [::]:PORT (v6 only); per datagram one
      line "PID PEER PEER-PORT LOCAL PORT" in LOG, LOCAL the address it came
      to (IP_PKTINFO / IPV6_PKTINFO); each datagram goes back to its sender.
  udp_wild_peers.py client 4|6|6d|6hd|6big DEST:PORT...
      one unconnected socket bound to 0.0.0.0 (4) or :: (6, dual stack: an
      IPv4 DEST is sent to as ::ffff:DEST), a datagram to each DEST in turn,
      each answer awaited (2 s); prints "PID PORT". 6d: IPv6 only, with a
      destination options header on every datagram (IPV6_DSTOPTS); 6hd: a
      hop-by-hop options header (IPV6_HOPOPTS, 16 bytes) before that one;
      6big: a hop-by-hop options header of 640 bytes, past what pp-trace's
      packet programs follow (bpf/pkt.h: 512).
  udp_wild_peers.py dns SERVER NAME
      a DNS query (id: the pid) from an unconnected socket bound to
      0.0.0.0:0, as resolvers without connect() do; its answer awaited.
"""
import os
import select
import socket
import struct
import sys

IP_PKTINFO = 8  # <linux/in.h>; not every python names it


def server(port, log):
    s4 = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s4.setsockopt(socket.IPPROTO_IP, IP_PKTINFO, 1)
    s4.bind(("0.0.0.0", port))
    s6 = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
    s6.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
    s6.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_RECVPKTINFO, 1)
    s6.bind(("::", port))
    out = open(log, "a", buffering=1)
    while True:
        for s in select.select([s4, s6], [], [])[0]:
            data, anc, _, peer = s.recvmsg(2048, 256)
            local = "?"
            for _, typ, d in anc:
                if s is s4 and typ == IP_PKTINFO:
                    local = socket.inet_ntop(socket.AF_INET, d[8:12])  # ipi_addr
                elif s is s6 and typ == socket.IPV6_PKTINFO:
                    local = socket.inet_ntop(socket.AF_INET6, d[:16])
            out.write("%d %s %d %s %d\n" % (os.getpid(), peer[0], peer[1], local, port))
            s.sendto(data, peer)


def client(fam, dests):
    six = fam in ("6", "6d", "6hd", "6big")
    c = socket.socket(socket.AF_INET6 if six else socket.AF_INET, socket.SOCK_DGRAM)
    if six:
        c.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
    if fam == "6hd":
        # next header (the kernel's), length 1 (16 bytes), a PadN of 12 bytes
        c.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_HOPOPTS, bytes([0, 1, 1, 12] + [0] * 12))
    if fam == "6big":
        # length 79 (640 bytes): three options of a type receivers skip
        # (0x1e: unknown, action "skip"; long padding is refused, RFC 8504)
        # of 255, 255 and 126 bytes, and two Pad1
        c.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_HOPOPTS,
                     bytes([0, 79, 0x1e, 253] + [0] * 253 + [0x1e, 253] + [0] * 253 +
                           [0x1e, 124] + [0] * 124 + [0, 0]))
    if fam in ("6d", "6hd"):
        # next header (the kernel's), length 0, a PadN of 4 bytes
        c.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_DSTOPTS, bytes([0, 0, 1, 4, 0, 0, 0, 0]))
    c.bind(("::" if six else "0.0.0.0", 0))
    c.settimeout(2)
    for d in dests:
        host, port = d.rsplit(":", 1)
        host = host.strip("[]")
        if six and ":" not in host:
            host = "::ffff:" + host
        try:
            c.sendto(b"pp-wild", (host, int(port)))
            c.recvfrom(2048)
        except OSError:
            pass  # no route, no answer: the next one
    print(os.getpid(), c.getsockname()[1], flush=True)


def dns(server_addr, name):
    qname = b"".join(bytes([len(p)]) + p for p in name.encode().split(b"."))
    q = struct.pack(">HHHHHH", os.getpid() & 0xFFFF, 0x0100, 1, 0, 0, 0) + qname + b"\0" + \
        struct.pack(">HH", 1, 1)
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    u.bind(("0.0.0.0", 0))
    u.settimeout(3)
    u.sendto(q, (server_addr, 53))
    u.recvfrom(512)
    print(os.getpid(), u.getsockname()[1], flush=True)


if __name__ == "__main__":
    if sys.argv[1] == "server":
        server(int(sys.argv[2]), sys.argv[3])
    elif sys.argv[1] == "client":
        client(sys.argv[2], sys.argv[3:])
    else:
        dns(sys.argv[2], sys.argv[3])
