#!/usr/bin/env python3
"""tshark as the oracle of pp-fmt --zeek's logs for one capture.

    zeek_oracle.py CAPTURE ROWS.jsonl

ROWS.jsonl: the rows of every log, as tests/zeek_tsv.py prints them.
Prints "ok WHAT" or "bad WHAT: why" per check, for the shell test to count:
  conn-ip-bytes  orig/resp_ip_bytes and pkts = tshark's IP lengths per direction
  conn-payload   orig/resp_bytes = TCP sequence span of data segments (tshark's
                 tcp.seq_raw + tcp.len, retransmissions counted once), UDP
                 payload sums (udp.length - 8)
  uids           every dns/ssl/http/ssh row's uid is a conn.log row with the
                 same id.* fields
  dns            (trans_id, query) of dns.log = those of tshark's DNS messages
  http           (method, host, uri) of http.log = tshark's requests
  ssl            server_name values of ssl.log = tshark's SNIs
  ssh            client/server strings of ssh.log = tshark's ssh.protocol
Only captures without tunnels or fragments are given to it (one IP header
per packet, as tshark's fields are then unambiguous).
"""
import collections
import json
import subprocess
import sys

FIELDS = ["ip.src", "ipv6.src", "ip.dst", "ipv6.dst", "ip.len", "ipv6.plen", "tcp.srcport",
          "tcp.dstport", "udp.srcport", "udp.dstport", "udp.length", "tcp.seq_raw", "tcp.len",
          "tcp.flags.syn", "dns.id", "dns.qry.name", "http.request.method", "http.host",
          "http.request.uri", "tls.handshake.extensions_server_name", "ssh.protocol",
          "ip.flags.mf", "ip.frag_offset", "frame.time_epoch"]


def tshark(cap):
    out = subprocess.run(["tshark", "-r", cap, "-T", "fields", "-E", "occurrence=a",
                          "-E", "aggregator=|"] + sum((["-e", f] for f in FIELDS), []),
                         capture_output=True, text=True, check=True).stdout
    for line in out.split("\n"):
        if line:
            yield dict(zip(FIELDS, line.split("\t")))


def main():
    cap, rowsf = sys.argv[1], sys.argv[2]
    rows = [json.loads(l) for l in open(rowsf)]
    logs = collections.defaultdict(list)
    for r in rows:
        logs[r["_path"]].append(r)

    pk = collections.defaultdict(list)  # (src, sport, dst, dport, proto) -> packets
    dns, http, sni, ssh = set(), collections.Counter(), set(), set()
    for p in tshark(cap):
        src = p["ip.src"] or p["ipv6.src"]
        dst = p["ip.dst"] or p["ipv6.dst"]
        if not src or "|" in src + dst:
            continue  # not IP, or IP in IP
        if p["ip.flags.mf"] == "1" or p["ip.frag_offset"] not in ("", "0"):
            continue
        t = float(p["frame.time_epoch"])
        ipl = int(p["ip.len"]) if p["ip.len"] else int(p["ipv6.plen"]) + 40
        if p["tcp.srcport"]:
            k = (src, int(p["tcp.srcport"]), dst, int(p["tcp.dstport"]), "tcp")
            pk[k].append((t, ipl, 0, int(p["tcp.seq_raw"] or 0), int(p["tcp.len"] or 0),
                          p["tcp.flags.syn"] in ("1", "True")))
        elif p["udp.srcport"]:
            k = (src, int(p["udp.srcport"]), dst, int(p["udp.dstport"]), "udp")
            pk[k].append((t, ipl, int(p["udp.length"].split("|")[0]) - 8, 0, 0, False))
        else:
            continue
        if p["dns.id"]:  # several messages in one TCP segment: one id and name each
            ids, names = p["dns.id"].split("|"), p["dns.qry.name"].split("|")
            for i, q in zip(ids, names if len(names) == len(ids) else [""] * len(ids)):
                dns.add((int(i, 16), q))
        if p["http.request.method"]:
            http[(p["http.request.method"], p["http.host"], p["http.request.uri"])] += 1
        if p["tls.handshake.extensions_server_name"]:
            sni.add(p["tls.handshake.extensions_server_name"])
        for s in p["ssh.protocol"].split("|"):
            if s:
                ssh.add(s)

    def span(ps):
        """Bytes between the lowest and highest sequence number of data."""
        lo = hi = base = None
        for _, _, _, seq, ln, syn in ps:
            start = seq + (1 if syn else 0)
            if base is None:
                base = start
            if ln == 0:
                continue
            s = (start - base) % (1 << 32)
            if s >= 1 << 31:
                s -= 1 << 32
            lo = s if lo is None else min(lo, s)
            hi = s + ln if hi is None else max(hi, s + ln)
        return 0 if lo is None else hi - lo

    bad = collections.Counter()
    n = collections.Counter()
    for c in logs["conn"]:
        o = (c["id.orig_h"], c["id.orig_p"], c["id.resp_h"], c["id.resp_p"], c["proto"])
        r = (o[2], o[3], o[0], o[1], o[4])
        if c["proto"] not in ("tcp", "udp"):
            continue
        # The packets of this connection: its tuple, within its time.
        t0, t1 = c["ts"] - 1e-6, c["ts"] + (c["duration"] or 0) + 1e-6
        po = [x for x in pk[o] if t0 <= x[0] <= t1]
        pr = [x for x in pk[r] if t0 <= x[0] <= t1]
        n["conn-ip-bytes"] += 1
        mine = (c["orig_ip_bytes"], c["resp_ip_bytes"], c["orig_pkts"], c["resp_pkts"])
        want = (sum(x[1] for x in po), sum(x[1] for x in pr), len(po), len(pr))
        if mine != want:
            bad["conn-ip-bytes"] += 1
            print("  conn %s: ip bytes/pkts %s, tshark %s" % (o, mine, want), file=sys.stderr)
        if c["duration"] is None:
            continue  # Zeek leaves the bytes unset too
        n["conn-payload"] += 1
        if c["proto"] == "tcp":
            want = (span(po), span(pr))
        else:
            want = (sum(x[2] for x in po), sum(x[2] for x in pr))
        if (c["orig_bytes"], c["resp_bytes"]) != want:
            bad["conn-payload"] += 1
            print("  conn %s: payload %s, tshark %s" % (o, (c["orig_bytes"], c["resp_bytes"]), want), file=sys.stderr)

    ids = {c["uid"]: tuple(c[f] for f in ("id.orig_h", "id.orig_p", "id.resp_h", "id.resp_p"))
           for c in logs["conn"]}
    for path in ("dns", "ssl", "http", "ssh"):
        for r in logs[path]:
            n["uids"] += 1
            if ids.get(r["uid"]) != tuple(r[f] for f in ("id.orig_h", "id.orig_p", "id.resp_h", "id.resp_p")):
                bad["uids"] += 1
                print("  %s row uid %s not in conn.log with its id" % (path, r["uid"]), file=sys.stderr)

    # A dns.log row is a query with its response: compare the ids, and the
    # names where a message had one (a malformed response may have none).
    got = ({r["trans_id"] for r in logs["dns"]}, {(r["trans_id"], r["query"]) for r in logs["dns"] if r["query"]})
    dns = ({i for i, _ in dns}, {(i, q) for i, q in dns if q})
    checks = [("dns", got, dns), ("http", collections.Counter(
        (r["method"], r["host"] or "", r["uri"]) for r in logs["http"] if r["method"]), http),
        ("ssl", {r["server_name"] for r in logs["ssl"] if r["server_name"]}, sni),
        ("ssh", {r[k] for r in logs["ssh"] for k in ("client", "server") if r[k]}, ssh)]
    for name, mine, theirs in checks:
        n[name] += 1
        if mine != theirs:
            bad[name] += 1
            print("  %s: pp-fmt %s, tshark %s" % (name, str(mine)[:300], str(theirs)[:300]), file=sys.stderr)
    for k in ["conn-ip-bytes", "conn-payload", "uids", "dns", "http", "ssl", "ssh"]:
        if bad[k]:
            print("bad %s: %d of %d differ" % (k, bad[k], n[k]))
        else:
            print("ok %s (%d)" % (k, n[k]))


if __name__ == "__main__":
    main()
