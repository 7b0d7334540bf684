#!/usr/bin/python3
# demo_stream.py [SECONDS]: a stream of PortPulse records as pp-trace
# --update | pp-join would write them for a small desktop (a download, a
# browser, ssh, DNS, a local web server and its client), timestamped now and
# paced in real time, for the screenshots of pp-fmt --top (scripts/
# screenshots.sh). The addresses are documentation ranges.
import json, sys, time

secs = float(sys.argv[1]) if len(sys.argv) > 1 else 8
t0 = time.time()
out = sys.stdout

def emit(**r):
    r.setdefault("ts", round(time.time(), 6))
    out.write(json.dumps(r, separators=(",", ":")) + "\n")
    out.flush()

P = {
    "curl": dict(pid=4242, ppid=1200, uid=1000, comm="curl", exe="/usr/bin/curl",
                 cmdline=["curl", "-O", "https://downloads.example.org/debian.iso"]),
    "firefox": dict(pid=3100, ppid=1, uid=1000, comm="firefox-esr", exe="/usr/lib/firefox-esr/firefox-esr"),
    "ssh": dict(pid=5150, ppid=4000, uid=1000, comm="ssh", exe="/usr/bin/ssh", cmdline=["ssh", "build01"]),
    "nginx": dict(pid=812, ppid=1, uid=33, comm="nginx", exe="/usr/sbin/nginx",
                  container="3f4e5d6c7b8a9f0e1d2c3b4a5f6e7d8c"),
    "wget": dict(pid=6001, ppid=1200, uid=1000, comm="wget", exe="/usr/bin/wget"),
    "resolved": dict(pid=501, ppid=1, uid=101, comm="systemd-resolve", exe="/usr/lib/systemd/systemd-resolved"),
}
conns = [  # process, proto, src, sport, dst, dport, dir, rate down, rate up, sni/app
    ("curl", "tcp", "192.0.2.10", 51514, "198.51.100.20", 443, "out", 2.4e6, 3e4, "downloads.example.org"),
    ("firefox", "tcp", "192.0.2.10", 40100, "203.0.113.80", 443, "out", 3.1e5, 2e4, "www.example.com"),
    ("firefox", "tcp", "192.0.2.10", 40102, "203.0.113.81", 443, "out", 4e4, 6e3, "cdn.example.net"),
    ("ssh", "tcp", "192.0.2.10", 51600, "192.0.2.50", 22, "out", 1.2e3, 8e2, None),
    ("wget", "tcp", "127.0.0.1", 45000, "127.0.0.1", 8080, "out", 9e5, 1e2, None),
    ("nginx", "tcp", "127.0.0.1", 45000, "127.0.0.1", 8080, "in", 1e2, 9e5, None),
]
emit(type="sock", event="listen", proto="tcp", src="0.0.0.0", sport=8080, state="LISTEN", source="ebpf", **P["nginx"])
for q, a in (("downloads.example.org", "198.51.100.20"), ("www.example.com", "203.0.113.80")):
    emit(type="dns", msg="response", proto="udp", src="192.0.2.10", sport=40000, dst="192.0.2.1", dport=53,
         qname=q, qtype="A", rcode="NOERROR", answers=[{"name": q, "type": "A", "ttl": 300, "data": a}], **P["resolved"])
for c in conns:
    p, proto, s, sp, d, dp, di, _, _, sni = c
    emit(type="sock", event="connect" if di == "out" else "accept", dir=di, proto=proto, src=s, sport=sp, dst=d,
         dport=dp, state="ESTAB" if di == "in" else "SYN-SENT", source="ebpf", **P[p])
    if sni:
        emit(type="tls", msg="client_hello", proto=proto, src=s, sport=sp, dst=d, dport=dp, sni=sni,
             alpn=["h2", "http/1.1"], versions=["TLS 1.3", "TLS 1.2"], ja4="t13d1516h2_8daaf6152771_02713d6af862", **P[p])
    elif dp == 22:
        emit(type="ssh", proto=proto, src=s, sport=sp, dst=d, dport=dp, client="SSH-2.0-OpenSSH_9.2p1",
             server="SSH-2.0-OpenSSH_9.2p1 Debian-2", **P[p])
    elif dp == 8080 and di == "out":
        emit(type="http", msg="request", proto=proto, src=s, sport=sp, dst=d, dport=dp, method="GET",
             host="localhost:8080", path="/backup.tar", **P[p])
tx = [0.0] * len(conns)
rx = [0.0] * len(conns)
closed = False
while time.time() - t0 < secs:
    time.sleep(0.5)
    for i, c in enumerate(conns):
        p, proto, s, sp, d, dp, di, down, up, _ = c
        rx[i] += down * 0.5
        tx[i] += up * 0.5
        emit(type="sock", event="update", dir=di, proto=proto, src=s, sport=sp, dst=d, dport=dp, state="ESTAB",
             tx_bytes=int(tx[i]), rx_bytes=int(rx[i]), source="ebpf", **P[p])
    if not closed and time.time() - t0 > 2:
        closed = True
        emit(type="sock", event="close", dir="out", proto="tcp", src="192.0.2.10", sport=51700, dst="203.0.113.9",
             dport=80, state="CLOSE", tx_bytes=75, rx_bytes=1256, duration=0.6, source="ebpf", **P["curl"])
time.sleep(3600)
