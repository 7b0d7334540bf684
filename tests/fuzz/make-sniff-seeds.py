#!/usr/bin/env python3
"""Seeds for tests/fuzz/fuzz_sniff_packets.c from the project's own captures
(tests/pcap): each capture becomes one input in the target's format (a
link-type byte, then length, time step and bytes per packet)."""
import os
import struct
import sys

here = os.path.dirname(os.path.abspath(__file__))
DLTS = [1, 113, 276, 0, 108, 12, 228, 229, 9, 104, 239, 10, 105, 127, 192, 230]
LINKTYPE_TO_DLT = {101: 12}


def packets(path):
    d = open(path, 'rb').read()
    if d[:4] == b'\xd4\xc3\xb2\xa1':  # pcap, little-endian
        lt = struct.unpack('<I', d[20:24])[0]
        off = 24
        while off + 16 <= len(d):
            sec, usec, cap, _ = struct.unpack('<IIII', d[off:off + 16])
            yield lt, sec + usec / 1e6, d[off + 16:off + 16 + cap]
            off += 16 + cap
    elif d[:4] == b'\x0a\x0d\x0d\x0a':  # pcapng as make-test-pcaps.py writes it
        off, lt = 0, 1
        while off + 12 <= len(d):
            bt, bl = struct.unpack('<II', d[off:off + 8])
            if bt == 1:
                lt = struct.unpack('<H', d[off + 8:off + 10])[0]
            elif bt == 6:
                _, hi, lo, cap, _ = struct.unpack('<IIIII', d[off + 8:off + 28])
                yield lt, ((hi << 32) | lo) / 1e6, d[off + 28:off + 28 + cap]
            off += bl


def main():
    src = sys.argv[1] if len(sys.argv) > 1 else os.path.join(here, '..', 'pcap')
    out = os.path.join(here, 'seeds', 'fuzz_sniff_packets')
    os.makedirs(out, exist_ok=True)
    for name in sorted(os.listdir(src)):
        pk = list(packets(os.path.join(src, name)))
        if not pk:
            continue
        dlt = LINKTYPE_TO_DLT.get(pk[0][0], pk[0][0])
        b = bytes([DLTS.index(dlt)])
        last = pk[0][1]
        for _, t, data in pk:
            step = min(255, max(0, int((t - last) * 16)))
            last = t
            b += struct.pack('>HB', len(data), step) + data
        open(os.path.join(out, name.split('.')[0]), 'wb').write(b)


if __name__ == '__main__':
    main()
