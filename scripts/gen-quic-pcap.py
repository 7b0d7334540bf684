#!/usr/bin/env python3
"""Write a QUIC-heavy capture for the benchmark: N client connections, each a
real QUIC v1 client Initial (RFC 9001 protection: keys from a random DCID,
AES-128-GCM, header protection) carrying a ClientHello with a distinct SNI
and ALPN h3, padded to 1200 bytes, then a few 1-RTT (short header) packets
each way that the dissector must pass over quickly.

Usage: gen-quic-pcap.py OUT.pcap [CONNECTIONS]   (default 20000)
Needs python3-cryptography. Deterministic (seeded), so runs compare.
"""
import random
import struct
import sys

from cryptography.hazmat.primitives import hashes, hmac
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDFExpand

SALT_V1 = bytes.fromhex("38762cf7f55934b34d179ae6a4c80cadccbb7f0a")


def expand_label(secret, label, n):
    full = b"tls13 " + label
    info = struct.pack(">HB", n, len(full)) + full + b"\x00"
    return HKDFExpand(hashes.SHA256(), n, info).derive(secret)


def client_keys(dcid):
    h = hmac.HMAC(SALT_V1, hashes.SHA256())
    h.update(dcid)
    secret = expand_label(h.finalize(), b"client in", 32)
    return (expand_label(secret, b"quic key", 16), expand_label(secret, b"quic iv", 12),
            expand_label(secret, b"quic hp", 16))


def ext(t, body):
    return struct.pack(">HH", t, len(body)) + body


def client_hello(rng, sni):
    name = sni.encode()
    exts = [
        ext(0x0000, struct.pack(">HBH", len(name) + 3, 0, len(name)) + name),
        ext(0x000a, bytes.fromhex("0006001d00170018")),
        ext(0x0010, bytes.fromhex("0003026833")),
        ext(0x000d, bytes.fromhex("000804030804040105030805")),
        ext(0x002b, bytes.fromhex("020304")),
        ext(0x002d, bytes.fromhex("0101")),
        ext(0x0033, bytes.fromhex("0024001d0020") + rng.randbytes(32)),
        ext(0x0039, rng.randbytes(40)),
    ]
    e = b"".join(exts)
    body = (b"\x03\x03" + rng.randbytes(32) + b"\x00" + bytes.fromhex("0006130113021303")
            + b"\x01\x00" + struct.pack(">H", len(e)) + e)
    return b"\x01" + len(body).to_bytes(3, "big") + body


def initial(rng, dcid, scid, payload):
    key, iv, hp = client_keys(dcid)
    pn = 0
    payload = payload + bytes(1200 - 1 - 4 - 1 - len(dcid) - 1 - len(scid) - 1 - 2 - 4 - 16 - len(payload))
    length = 4 + len(payload) + 16
    hdr = (bytes([0xc3]) + b"\x00\x00\x00\x01" + bytes([len(dcid)]) + dcid + bytes([len(scid)])
           + scid + b"\x00" + struct.pack(">H", 0x4000 | length) + pn.to_bytes(4, "big"))
    nonce = bytearray(iv)
    ct = AESGCM(key).encrypt(bytes(nonce), payload, hdr)
    pn_off = len(hdr) - 4
    sample = ct[0:16]
    mask = Cipher(algorithms.AES(hp), modes.ECB()).encryptor().update(sample)
    h = bytearray(hdr)
    h[0] ^= mask[0] & 0x0F
    for i in range(4):
        h[pn_off + i] ^= mask[1 + i]
    return bytes(h) + ct


def udp_ip(src, dst, sport, dport, payload):
    udp = struct.pack(">HHHH", sport, dport, 8 + len(payload), 0) + payload
    ip = struct.pack(">BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 0, 0x4000, 64, 17, 0, src, dst)
    return b"\x00\x11\x22\x33\x44\x55\x66\x77\x88\x99\xaa\xbb\x08\x00" + ip + udp


def main():
    out = sys.argv[1]
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 20000
    rng = random.Random(20261123)
    ts = 1763881726.0
    with open(out, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))

        def pkt(frame):
            nonlocal ts
            ts += 0.0001
            sec = int(ts)
            f.write(struct.pack("<IIII", sec, int((ts - sec) * 1e6), len(frame), len(frame)))
            f.write(frame)

        for i in range(n):
            cli = bytes([10, 1 + (i >> 16) % 200, (i >> 8) & 255, i & 255])
            srv = bytes([192, 0, 2, 1 + i % 250])
            sport = 20000 + i % 40000
            dcid, scid = rng.randbytes(8), rng.randbytes(8)
            ch = client_hello(rng, "host%d.example.com" % i)
            frame = b"\x06\x00" + struct.pack(">H", 0x4000 | len(ch)) + ch
            pkt(udp_ip(cli, srv, sport, 443, initial(rng, dcid, scid, frame)))
            for k in range(3):  # 1-RTT traffic both ways
                pkt(udp_ip(srv, cli, 443, sport, bytes([0x40 | k]) + scid + rng.randbytes(1000)))
                pkt(udp_ip(cli, srv, sport, 443, bytes([0x40 | k]) + rng.randbytes(8) + rng.randbytes(60)))


if __name__ == "__main__":
    main()
