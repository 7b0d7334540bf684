#!/usr/bin/env python3
"""Seeds for tests/fuzz/fuzz_apps.c from the project's captures of the
application dissectors (tests/pcap/{mail_ftp,udp_apps,sip_mqtt_bt}.pcap):
per TCP connection, both directions' payloads as one stream input; per UDP
flow, its datagrams joined by 0xff (the target's separator); each with the
control byte of the dissector that its port names."""
import os
import struct
import sys

here = os.path.dirname(os.path.abspath(__file__))
# fuzz_apps.c's order
DIS = ['smtp', 'imap', 'pop3', 'ftp', 'dhcp', 'stun', 'ssdp', 'sip', 'mqtt', 'bittorrent', 'ntp']
PORTS = {25: 'smtp', 587: 'smtp', 2500: 'smtp', 143: 'imap', 1430: 'imap', 1100: 'pop3', 21: 'ftp',
         2121: 'ftp', 67: 'dhcp', 3478: 'stun', 40999: 'stun', 1900: 'ssdp', 5060: 'sip', 5090: 'sip',
         1883: 'mqtt', 11883: 'mqtt', 6881: 'bittorrent', 51413: 'bittorrent', 123: 'ntp', 4123: 'ntp'}


def frames(path):
    d = open(path, 'rb').read()
    off = 24
    while off + 16 <= len(d):
        _, _, cap, _ = struct.unpack('<IIII', d[off:off + 16])
        yield d[off + 16:off + 16 + cap]
        off += 16 + cap


def main():
    src = sys.argv[1] if len(sys.argv) > 1 else os.path.join(here, '..', 'pcap')
    out = os.path.join(here, 'seeds', 'fuzz_apps')
    os.makedirs(out, exist_ok=True)
    flows = {}
    for cap in ('mail_ftp', 'udp_apps', 'sip_mqtt_bt'):
        for f in frames(os.path.join(src, cap + '.pcap')):
            ip = f[14:]
            if len(ip) < 20 or ip[0] >> 4 != 4:
                continue
            ihl, proto = (ip[0] & 15) * 4, ip[9]
            l4 = ip[ihl:struct.unpack('!H', ip[2:4])[0]]
            sp, dp = struct.unpack('!HH', l4[:4])
            name = PORTS.get(dp) or PORTS.get(sp)
            if not name:
                continue
            if proto == 6:
                pay = l4[(l4[12] >> 4) * 4:]
                key = (cap, name, 'tcp', min(sp, dp), max(sp, dp))
                fl = flows.setdefault(key, [b'', b''])
                fl[0 if dp in PORTS else 1] += pay
            elif proto == 17:
                key = (cap, name, 'udp', min(sp, dp), max(sp, dp))
                fl = flows.setdefault(key, [b'', b''])
                fl[0] += (b'\xff' if fl[0] else b'') + l4[8:]
    for (cap, name, tr, a, b), (c2s, s2c) in sorted(flows.items()):
        i = DIS.index(name)
        if tr == 'tcp':
            body = c2s + s2c
            seed = bytes([i, min(255, len(c2s) * 255 // max(1, len(body)))]) + body
        else:
            seed = bytes([i | 16, 0]) + c2s
        open(os.path.join(out, '%s-%s-%s-%d' % (name, tr, cap, b)), 'wb').write(seed)


if __name__ == '__main__':
    main()
