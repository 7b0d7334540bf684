#!/usr/bin/env python3
"""Writes the pp-join golden inputs in this directory (run it from anywhere;
review the diff of the .jsonl files it rewrites).

trace.jsonl  sock records as pp-trace writes them
sniff.jsonl  flow/dns/tls/http/ssh records as pp-sniff writes them
mixed.jsonl  both, in the order a live pipeline would see them: the sniffer
             reports each record 0.2 s late, polled sockets when polled,
             so many records arrive before the ones they match
dns-ttl.jsonl  names over time: TTLs, --max-ttl, a TTL of 0, a name answered
             (in the file) after the connection that used it

The scenarios, and what pp-join must make of them, are listed in
tests/e2e/join.sh and man/pp-join.1 (MATCHING)."""
import json
import os

T0 = 1763900000.0
HERE = os.path.dirname(os.path.abspath(__file__))


def rec(typ, t, **kw):
    r = {"type": typ, "ts": round(T0 + t, 6)}
    r.update(kw)
    return r


def tup(proto, src, sport, dst, dport):
    return {"proto": proto, "src": src, "sport": sport, "dst": dst, "dport": dport}


def proc(pid, comm, exe, cmdline, **kw):
    p = {"pid": pid, "ppid": 1000, "uid": 1000, "comm": comm, "exe": exe, "cmdline": cmdline}
    p.update(kw)
    return p


def sock(t, event, tu, p, direction="out", source="ebpf", **kw):
    states = {"connect": "SYN-SENT", "accept": "ESTAB", "close": "CLOSE", "udp": "UNCONN", "listen": "LISTEN"}
    r = rec("sock", t, event=event)
    if event != "listen":
        r["dir"] = direction
    r.update(tu)
    r["state"] = states[event]
    r.update(kw)
    r.update(p)
    r["source"] = source
    return r


def sniff(typ, t, tu, **kw):
    r = rec(typ, t)
    r.update(tu)
    r.update(kw)
    return r


def flow(t, event, tu, iface="eth0", **kw):
    return sniff("flow", t, tu, event=event, iface=iface, **kw)


trace, sniffed = [], []

# 1. curl resolves www.example.org (CNAME chain) from its own UDP socket,
#    then fetches it over TLS.
curl = proc(4242, "curl", "/usr/bin/curl", ["curl", "-s", "https://www.example.org/"])
dnsq = tup("udp", "10.0.0.2", 40000, "10.0.0.1", 53)
trace.append(sock(0.010, "udp", dnsq, curl))
sniffed.append(sniff("dns", 0.0101, dnsq, msg="query", id=4660, qname="www.example.org", qtype="A", transport="udp"))
sniffed.append(sniff("dns", 0.0102, dnsq, msg="query", id=4661, qname="www.example.org", qtype="AAAA", transport="udp"))
chain = [
    {"name": "www.example.org", "type": "CNAME", "ttl": 3600, "data": "www.example.org.cdn.example.net"},
    {"name": "www.example.org.cdn.example.net", "type": "CNAME", "ttl": 60, "data": "e1.edge.example.net"},
]
sniffed.append(sniff("dns", 0.012, dnsq, msg="response", id=4660, qname="www.example.org", qtype="A", rcode="NOERROR",
                     answers=chain + [{"name": "e1.edge.example.net", "type": "A", "ttl": 300, "data": "198.51.100.10"}],
                     transport="udp"))
sniffed.append(sniff("dns", 0.0125, dnsq, msg="response", id=4661, qname="www.example.org", qtype="AAAA", rcode="NOERROR",
                     answers=chain + [{"name": "e1.edge.example.net", "type": "AAAA", "ttl": 300, "data": "2001:db8:cafe::10"}],
                     transport="udp"))
trace.append(sock(0.013, "close", dnsq, curl))
web = tup("tcp", "10.0.0.2", 51514, "198.51.100.10", 443)
trace.append(sock(0.020, "connect", web, curl))
sniffed.append(flow(0.02005, "start", web))
sniffed.append(sniff("tls", 0.031, web, msg="client_hello", sni="www.example.org", alpn=["h2", "http/1.1"],
                     versions=["TLS 1.3", "TLS 1.2"], ja4="t13d1516h2_8daaf6152771_02713d6af862"))
sniffed.append(sniff("tls", 0.042, web, msg="server_hello", version="TLS 1.3", alpn=["h2"], cipher="TLS_AES_128_GCM_SHA256"))
trace.append(sock(1.500, "close", web, curl, tx_bytes=517, rx_bytes=5120, duration=1.48))
sniffed.append(flow(1.5003, "end", web, app="tls", orig_pkts=12, orig_bytes=1301, resp_pkts=10, resp_bytes=6020,
                    duration=1.48025, reason="fin"))

# 2. IPv6: ssh.
ssh = proc(5001, "ssh", "/usr/bin/ssh", ["ssh", "git@2001:db8::1"])
s6 = tup("tcp", "2001:db8::2", 50022, "2001:db8::1", 22)
trace.append(sock(2.0, "connect", s6, ssh))
sniffed.append(flow(2.00004, "start", s6))
sniffed.append(sniff("ssh", 2.01, s6, client="SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3", client_software="OpenSSH_9.2p1",
                     server="SSH-2.0-OpenSSH_9.6", server_software="OpenSSH_9.6", version="2.0"))
trace.append(sock(5.0, "close", s6, ssh, tx_bytes=3100, rx_bytes=4200, duration=3.0))
sniffed.append(flow(5.0001, "end", s6, app="ssh", orig_pkts=20, orig_bytes=4300, resp_pkts=18, resp_bytes=5400,
                    duration=3.00006, reason="fin"))

# 3. A dual-stack socket reports its IPv4 peer as ::ffff:a.b.c.d; the wire
#    shows plain IPv4.
py = proc(5100, "python3", "/usr/bin/python3.11", ["python3", "poll_status.py"])
trace.append(sock(6.0, "connect", tup("tcp", "::ffff:10.0.0.2", 52000, "::ffff:10.0.0.9", 8080), py))
h4 = tup("tcp", "10.0.0.2", 52000, "10.0.0.9", 8080)
sniffed.append(sniff("http", 6.001, h4, msg="request", method="GET", host="api.internal:8080", path="/v1/status",
                     user_agent="python-requests/2.28.1", version="HTTP/1.1"))
sniffed.append(sniff("http", 6.003, h4, msg="response", status=200, version="HTTP/1.1"))
trace.append(sock(6.01, "close", tup("tcp", "::ffff:10.0.0.2", 52000, "::ffff:10.0.0.9", 8080), py,
                  tx_bytes=160, rx_bytes=420, duration=0.01))

# 4. One 5-tuple, three connections one after the other: wget, then
#    python3, then one no socket was seen for (0.5 s after the second
#    closed, within --window): it must not inherit python3's pid.
reuse = tup("tcp", "10.0.0.2", 45000, "10.0.0.5", 80)
wget = proc(6001, "wget", "/usr/bin/wget", ["wget", "http://old.example/"])
py2 = proc(6002, "python3", "/usr/bin/python3.11", ["python3", "-m", "pip", "download", "x"])
for pid_p, t, host in ((wget, 10.0, "old.example"), (py2, 15.0, "new.example")):
    trace.append(sock(t, "connect", reuse, pid_p))
    sniffed.append(flow(t + 0.00005, "start", reuse))
    sniffed.append(sniff("http", t + 0.001, reuse, msg="request", method="GET", host=host, path="/", version="HTTP/1.1"))
    trace.append(sock(t + 1.0, "close", reuse, pid_p, tx_bytes=80, rx_bytes=900, duration=1.0))
    sniffed.append(flow(t + 1.0002, "end", reuse, app="http", orig_pkts=5, orig_bytes=380, resp_pkts=4, resp_bytes=1200,
                        duration=1.00015, reason="fin"))
sniffed.append(flow(16.5, "start", reuse))
sniffed.append(sniff("http", 16.501, reuse, msg="request", method="GET", host="third.example", path="/", version="HTTP/1.1"))
sniffed.append(flow(17.0, "end", reuse, app="http", orig_pkts=5, orig_bytes=380, resp_pkts=4, resp_bytes=1200,
                    duration=0.5, reason="fin"))

# 5. A socket no packet was seen for.
psql = proc(7100, "psql", "/usr/lib/postgresql/15/bin/psql", ["psql", "-h", "10.0.0.7", "app"])
pg = tup("tcp", "10.0.0.2", 47000, "10.0.0.7", 5432)
trace.append(sock(20.0, "connect", pg, psql))
trace.append(sock(20.5, "close", pg, psql, tx_bytes=0, rx_bytes=0, duration=0.5))

# 6. A flow no socket was seen for.
ghost = tup("tcp", "10.0.0.2", 48000, "10.0.0.8", 443)
sniffed.append(flow(21.0, "start", ghost))
sniffed.append(sniff("tls", 21.01, ghost, msg="client_hello", sni="untraced.example", alpn=["http/1.1"], versions=["TLS 1.2"]))
sniffed.append(flow(21.3, "end", ghost, app="tls", orig_pkts=6, orig_bytes=700, resp_pkts=5, resp_bytes=3000,
                    duration=0.3, reason="fin"))

# 7. Both ends on this host (lo): the originator's process wins.
nginx = proc(7002, "nginx", "/usr/sbin/nginx", ["nginx: worker process"], uid=33)
curl2 = proc(7001, "curl", "/usr/bin/curl", ["curl", "-sk", "https://localhost:8443/"])
trace.append(sock(0.0, "listen", {"proto": "tcp", "src": "127.0.0.1", "sport": 8443}, nginx))
lo = tup("tcp", "127.0.0.1", 33000, "127.0.0.1", 8443)
trace.append(sock(22.0, "connect", lo, curl2))
trace.append(sock(22.0003, "accept", lo, nginx, direction="in"))
sniffed.append(flow(21.99995, "start", lo, iface="lo"))  # the SYN: before connect() returns
sniffed.append(sniff("tls", 22.001, lo, msg="client_hello", sni="localhost", alpn=["h2", "http/1.1"], versions=["TLS 1.3"]))
sniffed.append(sniff("tls", 22.002, lo, msg="server_hello", version="TLS 1.3", alpn=["h2"], cipher="TLS_AES_256_GCM_SHA384"))
trace.append(sock(22.2, "close", lo, curl2, tx_bytes=600, rx_bytes=2400, duration=0.2))
trace.append(sock(22.2001, "close", lo, nginx, direction="in", tx_bytes=2400, rx_bytes=600, duration=0.1998))
sniffed.append(flow(22.2002, "end", lo, iface="lo", app="tls", orig_pkts=9, orig_bytes=1200, resp_pkts=8,
                    resp_bytes=3000, duration=0.2, reason="fin"))

# 8. pp-sniff -i any on a Docker host: the container's flow is seen on
#    the veth and on docker0 (same 5-tuple: fine), and NATed on eth0 (a
#    5-tuple no socket had: no process, but still a name).
node = proc(8001, "node", "/usr/local/bin/node", ["node", "server.js"],
            cgroup="/system.slice/docker-3f4e5d6c7b8a9f0e1d2c3b4a5f6e7d8c9b0a1f2e3d4c5b6a7f8e9d0c1b2a3f4e.scope",
            container="3f4e5d6c7b8a")
ct = tup("tcp", "172.17.0.2", 41000, "198.51.100.10", 443)
nat = tup("tcp", "192.168.1.5", 61000, "198.51.100.10", 443)
trace.append(sock(30.0, "connect", ct, node))
sniffed.append(flow(30.00002, "start", ct, iface="veth3f4e5d6"))
sniffed.append(flow(30.00003, "start", ct, iface="docker0"))
sniffed.append(flow(30.00006, "start", nat, iface="eth0"))
sniffed.append(sniff("tls", 30.01, ct, msg="client_hello", sni="www.example.org", alpn=["http/1.1"], versions=["TLS 1.3"]))
sniffed.append(sniff("tls", 30.01003, nat, msg="client_hello", sni="www.example.org", alpn=["http/1.1"], versions=["TLS 1.3"]))
trace.append(sock(31.0, "close", ct, node, tx_bytes=900, rx_bytes=8000, duration=1.0))

# 9. Two network namespaces, one 5-tuple at the same time (two containers
#    with the same addresses): which one sent it? No match.
dig1 = proc(9001, "dig", "/usr/bin/dig", ["dig", "a.example"], netns=4026532001)
dig2 = proc(9002, "dig", "/usr/bin/dig", ["dig", "b.example"], netns=4026532002)
dd = tup("udp", "10.88.0.2", 40100, "10.88.0.1", 53)
trace.append(sock(40.0, "udp", dd, dig1))
trace.append(sock(40.0005, "udp", dd, dig2))
sniffed.append(sniff("dns", 40.001, dd, msg="query", id=1, qname="a.example", qtype="A", transport="udp"))

# 10. pp-trace --no-ebpf sees the socket only when it polls: the connect
#     record comes 0.8 s after the packets that belong to it.
wget2 = proc(9100, "wget", "/usr/bin/wget", ["wget", "https://late.example/"])
late = tup("tcp", "10.0.0.2", 49000, "198.51.100.20", 443)
sniffed.append(flow(50.0, "start", late))
sniffed.append(sniff("tls", 50.05, late, msg="client_hello", sni="late.example", alpn=["http/1.1"], versions=["TLS 1.3"]))
trace.append(sock(50.8, "connect", late, wget2, source="poll", state="ESTAB"))
sniffed.append(flow(51.7, "end", late, app="tls", orig_pkts=7, orig_bytes=800, resp_pkts=6, resp_bytes=4000,
                    duration=1.7, reason="fin"))
trace.append(sock(52.0, "close", late, wget2, source="poll"))

# 11. Record types pp-join does not know, and records already joined.
sniffed.append(rec("stats", 59.0, packets=1234, drops=0))
sniffed.append(sniff("http", 59.5, reuse, msg="request", method="GET", host="x.example", path="/", pid=1, comm="given"))


def dump(name, recs):
    with open(os.path.join(HERE, name), "w") as f:
        for r in recs:
            f.write(json.dumps(r, separators=(",", ":")) + "\n")


trace.sort(key=lambda r: r["ts"])
sniffed.sort(key=lambda r: r["ts"])
dump("trace.jsonl", trace)
dump("sniff.jsonl", sniffed)


def arrival(r):
    # The sniffer's records come 0.2 s after the packet; polled sockets
    # when polled (their ts already says so); eBPF at once.
    return r["ts"] + (0.2 if r["type"] != "sock" else 0.0)


dump("mixed.jsonl", sorted(trace + sniffed, key=arrival))

# Names over time.
ttl = []
c = proc(9500, "curl", "/usr/bin/curl", ["curl", "https://a.example/"])
rq = tup("udp", "10.0.0.2", 41000, "10.0.0.1", 53)


def answer(t, name, typ, ttl_s, data):
    return sniff("dns", t, rq, msg="response", id=7, qname=name, qtype=typ, rcode="NOERROR",
                 answers=[{"name": name, "type": typ, "ttl": ttl_s, "data": data}], transport="udp")


def conn(t, sport, dst):
    return sock(t, "connect", tup("tcp", "10.0.0.2", sport, dst, 443), c)


ttl.append(answer(100.0, "a.example", "A", 30, "203.0.113.5"))
ttl.append(conn(110.0, 50001, "203.0.113.5"))            # a.example
ttl.append(conn(205.0, 50002, "203.0.113.5"))            # b.example, answered below in the file
ttl.append(answer(200.0, "b.example", "A", 30, "203.0.113.5"))
ttl.append(conn(300.0, 50003, "203.0.113.5"))            # both expired: no name
ttl.append(answer(400.0, "c.example", "A", 86400, "203.0.113.5"))
ttl.append(conn(3900.0, 50004, "203.0.113.5"))           # c.example unless --max-ttl < 3500 s
ttl.append(answer(5000.0, "zero.example", "A", 0, "203.0.113.9"))
ttl.append(conn(5000.05, 50005, "203.0.113.9"))          # TTL 0 still names the next connect
ttl.append(conn(5030.0, 50006, "203.0.113.9"))           # but not one 30 s later
ttl.append(answer(5100.0, "v6.example", "AAAA", 600, "2001:db8::5"))
ttl.append(sock(5100.01, "connect", tup("tcp", "2001:db8::2", 50007, "2001:db8::5", 443), c))
ttl.append(answer(5200.0, "Mixed.Case.Example.", "A", 600, "203.0.113.77"))
ttl.append(conn(5200.01, 50008, "203.0.113.77"))
# A CNAME loop must end, and a CNAME with no address names nothing.
ttl.append(sniff("dns", 5300.0, rq, msg="response", id=8, qname="loop.example", qtype="A", rcode="NOERROR",
                 answers=[{"name": "loop.example", "type": "CNAME", "ttl": 60, "data": "loop2.example"},
                          {"name": "loop2.example", "type": "CNAME", "ttl": 60, "data": "loop.example"},
                          {"name": "loop.example", "type": "A", "ttl": 60, "data": "203.0.113.88"}],
                 transport="udp"))
ttl.append(conn(5300.01, 50009, "203.0.113.88"))
dump("dns-ttl.jsonl", ttl)
