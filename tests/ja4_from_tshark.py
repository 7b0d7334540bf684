#!/usr/bin/env python3
"""JA4 computed independently of pp-sniff, from the fields tshark reports.

Usage: ja4_from_tshark.py CAPTURE

For every TLS or QUIC ClientHello tshark finds in CAPTURE, prints one
tab-separated line:  frame  src  sport  dst  dport  t|q  sni  ja4
built from tshark's tls.handshake.ciphersuite, tls.handshake.extension.type,
tls.handshake.sig_hash_alg (of the signature_algorithms extension only),
tls.handshake.extensions_alpn_str, tls.handshake.extensions.supported_version
and tls.handshake.version, following FoxIO's JA4 specification
(technical_details/JA4.md). tshark's JSON output keeps each extension in its
own object, so signature_algorithms_cert (which tshark reports with the same
sig_hash_alg field) is not mixed in.
"""
import hashlib
import json
import subprocess
import sys

TSHARK_OPTS = [
    "-o", "tcp.desegment_tcp_streams:TRUE", "-o", "tcp.reassemble_out_of_order:TRUE",
    "-o", "tcp.try_heuristic_first:TRUE", "-o", "tls.desegment_ssl_records:TRUE",
    "-o", "ip.defragment:TRUE", "-o", "ipv6.defragment:TRUE",
]
VERSIONS = {0x0304: "13", 0x0303: "12", 0x0302: "11", 0x0301: "10",
            0x0300: "s3", 0x0200: "s2", 0x0100: "s1"}


def grease(v):
    return (v & 0x0F0F) == 0x0A0A and (v >> 8) == (v & 0xFF)


def num(s):
    return int(s, 0)


def as_list(v):
    if v is None:
        return []
    return v if isinstance(v, list) else [v]


def sha12(s):
    return hashlib.sha256(s.encode()).hexdigest()[:12] if s else "000000000000"


def alpn_chars(value):
    """First and last characters of the first ALPN value, or their hex
    nibbles when either is not an ASCII letter or digit."""
    if not value:
        return "00"
    b = value.encode("latin-1", "replace") if isinstance(value, str) else value
    f, l = chr(b[0]), chr(b[-1])
    if f.isascii() and f.isalnum() and l.isascii() and l.isalnum():
        return f + l
    h = b.hex()
    return h[0] + h[-1]


def extensions(hs):
    """The extension objects of a handshake, in wire order."""
    for k, v in hs.items():
        if k.startswith("Extension: "):
            for e in as_list(v):
                if isinstance(e, dict):
                    yield e


def ja4(hs, proto):
    ciphers = [num(c) for c in as_list(hs.get("tls.handshake.ciphersuites", {})
                                       .get("tls.handshake.ciphersuite"))]
    ciphers = [c for c in ciphers if not grease(c)]
    exts, sigalgs, alpn, versions, sni = [], [], [], [], None
    for e in extensions(hs):
        t = num(e["tls.handshake.extension.type"])
        if grease(t):
            continue
        exts.append(t)
        if t == 0:
            sni = ""
            for k, v in e.items():
                if isinstance(v, dict) and "tls.handshake.extensions_server_name" in v:
                    sni = as_list(v["tls.handshake.extensions_server_name"])[0]
        elif t == 13:
            algs = e.get("tls.handshake.sig_hash_algs", {}).get("tls.handshake.sig_hash_alg")
            sigalgs = [num(a) for a in as_list(algs) if not grease(num(a))]
        elif t == 16:
            alpn = as_list(e.get("tls.handshake.extensions_alpn_list", {})
                           .get("tls.handshake.extensions_alpn_str"))
        elif t == 43:
            versions = [num(v) for v in as_list(e.get("tls.handshake.extensions.supported_version"))]
            versions = [v for v in versions if not grease(v)]
    if versions:
        version = max(versions)
    else:
        version = num(hs["tls.handshake.version"])
    a = "%s%s%s%02d%02d%s" % (proto, VERSIONS.get(version, "00"), "i" if sni is None else "d",
                              min(len(ciphers), 99), min(len(exts), 99),
                              alpn_chars(alpn[0] if alpn else ""))
    b = sha12(",".join("%04x" % c for c in sorted(ciphers)))
    ext_s = ",".join("%04x" % x for x in sorted(x for x in exts if x not in (0, 16)))
    if sigalgs:
        ext_s += "_" + ",".join("%04x" % x for x in sigalgs)
    return sni or "", "%s_%s_%s" % (a, b, sha12(ext_s))


def hellos(obj):
    """Every ClientHello handshake object under obj."""
    if isinstance(obj, dict):
        if obj.get("tls.handshake.type") == "1" and "tls.handshake.ciphersuites" in obj:
            yield obj
        for v in obj.values():
            yield from hellos(v)
    elif isinstance(obj, list):
        for v in obj:
            yield from hellos(v)


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: ja4_from_tshark.py CAPTURE")
    out = subprocess.run(["tshark", "-n", "-r", sys.argv[1], *TSHARK_OPTS,
                          "-Y", "tls.handshake.type == 1 && !icmp && !icmpv6",
                          "-T", "json", "--no-duplicate-keys"],
                         capture_output=True, text=True, errors="replace").stdout
    for pkt in json.loads(out or "[]"):
        layers = pkt["_source"]["layers"]
        frame = layers["frame"]["frame.number"]
        net = layers.get("ipv6") or layers.get("ip") or {}
        if isinstance(net, list):  # tunnels: the innermost header
            net = net[-1]
        src = as_list(net.get("ipv6.src") or net.get("ip.src"))[-1:] or [""]
        dst = as_list(net.get("ipv6.dst") or net.get("ip.dst"))[-1:] or [""]
        tr = layers.get("tcp") or layers.get("udp") or {}
        if isinstance(tr, list):
            tr = tr[-1]
        sport = tr.get("tcp.srcport") or tr.get("udp.srcport") or ""
        dport = tr.get("tcp.dstport") or tr.get("udp.dstport") or ""
        proto = "q" if "quic" in layers else "t"
        for hs in hellos(layers.get("quic") or layers.get("tls") or layers):
            sni, fp = ja4(hs, proto)
            print("\t".join([frame, src[0], sport, dst[0], dport, proto, sni, fp]))


if __name__ == "__main__":
    main()
