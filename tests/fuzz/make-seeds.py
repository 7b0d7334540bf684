#!/usr/bin/env python3
"""Writes the seed inputs of the pp-sniff dissector fuzz targets
(tests/fuzz/seeds/fuzz_{dns,http,ssh}/). Each seed starts with the control
byte the target reads (direction/step/split), then the bytes."""
import os
import struct

here = os.path.dirname(os.path.abspath(__file__))


def put(target, name, data):
    d = os.path.join(here, "seeds", target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def name(s):
    out = b""
    for label in s.split("."):
        if label:
            out += bytes([len(label)]) + label.encode()
    return out + b"\0"


def rr(nm, typ, ttl, rdata, cls=1):
    return nm + struct.pack(">HHIH", typ, cls, ttl, len(rdata)) + rdata


def dns(id_, flags, qs, ans, ar=()):
    h = struct.pack(">HHHHHH", id_, flags, len(qs), len(ans), 0, len(ar))
    return h + b"".join(qs) + b"".join(ans) + b"".join(ar)


q = name("www.example.com") + struct.pack(">HH", 1, 1)
ptr = b"\xc0\x0c"
resp = dns(0x1234, 0x8180, [q], [
    rr(ptr, 5, 300, name("cdn.example.net")),
    rr(ptr, 1, 60, bytes([192, 0, 2, 1])),
    rr(ptr, 28, 60, bytes(15) + b"\1"),
    rr(ptr, 15, 60, struct.pack(">H", 10) + b"\4mail\xc0\x10"),
    rr(ptr, 16, 60, b"\x05hello\x05world"),
    rr(ptr, 33, 60, struct.pack(">HHH", 1, 2, 443) + b"\3sip\xc0\x10"),
    rr(ptr, 6, 60, b"\3ns1\xc0\x10\4host\xc0\x10" + struct.pack(">IIIII", 1, 2, 3, 4, 5)),
    rr(ptr, 65, 60, struct.pack(">H", 1) + b"\0" + struct.pack(">HH", 1, 3) + b"\2h2"
       + struct.pack(">HH", 4, 4) + bytes([192, 0, 2, 7])),
])
query = dns(0x1234, 0x0100, [q], [], [rr(b"\0", 41, 0, b"", cls=4096)])
mdns = dns(0, 0x8400, [name("_ipp._tcp.local") + struct.pack(">HH", 12, 0x8001)],
           [rr(b"\xc0\x0c", 12, 4500, b"\7Printer\xc0\x0c", cls=0x8001)])
loop = dns(1, 0, [b"\1a\xc0\x12" + struct.pack(">HH", 1, 1) + b"\1b\xc0\x0c"], [])
put("fuzz_dns", "query", b"\0" + query)
put("fuzz_dns", "response", b"\1" + resp)
put("fuzz_dns", "mdns", b"\7" + mdns)
put("fuzz_dns", "loop", b"\0" + loop)
put("fuzz_dns", "tcp-two", b"\x10" + struct.pack(">H", len(query)) + query
    + struct.pack(">H", len(resp)) + resp)

req = (b"GET /index.html HTTP/1.1\r\nHost: www.example.com\r\n"
       b"User-Agent: curl/8.0\r\nAccept: */*\r\n\r\n"
       b"POST /p HTTP/1.1\r\nHost: h\r\nContent-Length: 4\r\n\r\nbody"
       b"PUT /c HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nbody\r\n0\r\n\r\n")
res = (b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"
       b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n"
       b"HTTP/1.0 404 Not Found\r\n\r\nrest")
split = len(req) * 15 // (len(req) + len(res))
put("fuzz_http", "pipeline", bytes([split << 4 | 3]) + req + res)
put("fuzz_http", "request", b"\xf0" + req)
put("fuzz_http", "lf-only", b"\x81" + b"HEAD / HTTP/1.0\nHost: x\n\n" + b"HTTP/1.0 200 OK\nContent-Length: 9\n\n")

put("fuzz_ssh", "client", b"\x01SSH-2.0-OpenSSH_9.6p1 Ubuntu-3\r\n\0\0\4\x2c\x0a\x14")
put("fuzz_ssh", "server-pre", b"\x04Welcome\r\nSSH-2.0-OpenSSH_7.4p1 Debian-10+deb9u3\r\n")
put("fuzz_ssh", "v1", b"\x00SSH-1.99-Cisco-1.25\n")
