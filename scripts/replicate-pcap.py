#!/usr/bin/python3
"""Repeat a capture of real clients until it has PACKETS packets.

usage: scripts/replicate-pcap.py IN.pcap OUT.pcap PACKETS

Used by scripts/make-handshake-pcap.sh. Copy k of the input moves the
client's addresses (10.77.0.1 and fd77::1, the client namespace's) to
addresses of its own and its timestamps after copy k-1, so that every copy
is a new set of flows from another client; the server side is unchanged.
IPv4 header checksums and TCP/UDP/ICMPv6 checksums are adjusted
incrementally (RFC 1624), so that what was right stays right. Ethernet
(linktype 1) pcap with microsecond timestamps, as tcpdump -w writes it.
"""
import struct
import sys

CLI4 = bytes([10, 77, 0, 1])
CLI6 = bytes.fromhex('fd770000000000000000000000000001')


def addrs(k):
    """The client addresses of copy k (copy 0 keeps the captured ones)."""
    if k == 0:
        return CLI4, CLI6
    v4 = bytes([10, 100 + k // 60000 % 100, k // 240 % 250 + 1, k % 240 + 1])
    v6 = CLI6[:8] + struct.pack('>Q', 0x10000 + k)
    return v4, v6


def words(b):
    return [b[i] << 8 | b[i + 1] for i in range(0, len(b), 2)]


def adjust(ck, old, new):
    """RFC 1624 eqn. 3: the checksum after the 16-bit words old became new."""
    s = ~ck & 0xffff
    for m in words(old):
        s += ~m & 0xffff
    for m in words(new):
        s += m
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff


def fix_l4(b, l4, proto, old, new):
    off = {6: 16, 17: 6, 58: 2}.get(proto)
    if off is None or len(b) < l4 + off + 2:
        return
    ck = b[l4 + off] << 8 | b[l4 + off + 1]
    if proto == 17 and ck == 0:
        return  # IPv4 UDP without a checksum
    ck = adjust(ck, old, new)
    if proto == 17 and ck == 0:
        ck = 0xffff
    b[l4 + off:l4 + off + 2] = struct.pack('>H', ck)


def rewrite(b, v4, v6):
    if len(b) < 14:
        return
    et, l3 = b[12] << 8 | b[13], 14
    if et == 0x0800 and len(b) >= l3 + 20:
        ihl = (b[l3] & 15) * 4
        for a in (l3 + 12, l3 + 16):
            if b[a:a + 4] == CLI4:
                ck = b[l3 + 10] << 8 | b[l3 + 11]
                b[l3 + 10:l3 + 12] = struct.pack('>H', adjust(ck, CLI4, v4))
                if (b[l3 + 6] << 8 | b[l3 + 7]) & 0x1fff == 0:
                    fix_l4(b, l3 + ihl, b[l3 + 9], CLI4, v4)
                b[a:a + 4] = v4
    elif et == 0x86dd and len(b) >= l3 + 40:
        for a in (l3 + 8, l3 + 24):
            if b[a:a + 16] == CLI6:
                fix_l4(b, l3 + 40, b[l3 + 6], CLI6, v6)
                b[a:a + 16] = v6


def main():
    src, dst, want = sys.argv[1], sys.argv[2], int(sys.argv[3])
    with open(src, 'rb') as f:
        data = f.read()
    magic, = struct.unpack('<I', data[:4])
    if magic != 0xa1b2c3d4:
        sys.exit('replicate-pcap: %s: not a little-endian microsecond pcap' % src)
    if struct.unpack('<I', data[20:24])[0] != 1:
        sys.exit('replicate-pcap: %s: not Ethernet' % src)
    pkts, off = [], 24
    while off + 16 <= len(data):
        sec, usec, incl, orig = struct.unpack('<IIII', data[off:off + 16])
        pkts.append((sec * 1000000 + usec, orig, data[off + 16:off + 16 + incl]))
        off += 16 + incl
    if not pkts:
        sys.exit('replicate-pcap: %s: no packets' % src)
    t0 = pkts[0][0]
    span = pkts[-1][0] - t0 + 1000000
    syns = sum(1 for _, _, b in pkts if len(b) > 47 and b[23] == 6 and b[47] & 0x12 == 0x02)
    n, k = 0, 0
    with open(dst, 'wb') as f:
        f.write(data[:24])
        while n < want:
            v4, v6 = addrs(k)
            base = k * span
            for ts, orig, b in pkts:
                if n >= want:
                    break
                b = bytearray(b)
                rewrite(b, v4, v6)
                ts += base
                f.write(struct.pack('<IIII', ts // 1000000, ts % 1000000, len(b), orig))
                f.write(b)
                n += 1
            k += 1
        size = f.tell()
    print('   %s: %d packets (%d captured, %d IPv4 TCP connections, repeated %d times), %.0f MB'
          % (dst, n, len(pkts), syns, k, size / 1e6), file=sys.stderr)


if __name__ == '__main__':
    main()
