#!/usr/bin/python3
"""Make a large mixed-traffic capture for scripts/bench-sniff.sh.

usage: scripts/make-bench-pcap.py OUT.pcap [MEGABYTES]     (default 300)

Sessions of TLS (ClientHello with SNI and ALPN, a server flight, bulk
data), HTTP/1.1 (request, response, body), SSH (banners, then encrypted
bulk), DNS over UDP (query and answer) and plain UDP, between many hosts
and ports, until the file reaches the size asked for. Packets are built
once per kind with scapy (python3-scapy: /usr/bin/python3 on Debian), then
copied with other addresses, ports and sequence numbers, so that hundreds
of MB take seconds. Deterministic for a given size.
"""
import random
import struct
import sys

from scapy.all import DNS, DNSQR, DNSRR, IP, TCP, UDP, Ether, Raw
from scapy.layers.tls.all import (TLS, TLSClientHello, TLSServerHello, TLS_Ext_ALPN, TLS_Ext_ServerName,
                                  ProtocolName, ServerName)

MSS = 1448


def frame(src, dst, sport, dport, flags, seq, ack, data=b''):
    return bytes(Ether(src='02:00:00:00:00:01', dst='02:00:00:00:00:02') /
                 IP(src=src, dst=dst) / TCP(sport=sport, dport=dport, flags=flags, seq=seq, ack=ack,
                                            window=65535) / Raw(data))


def tcp_session(c2s, s2c, bulk_from_server):
    """The frames of one TCP connection as templates: client 10.0.0.1:1111,
    server 10.0.0.2:2222, sequence numbers from 1000 and 5000."""
    cs, ss = 1000, 5000
    out = [(0, frame('10.0.0.1', '10.0.0.2', 1111, 2222, 'S', cs, 0)),
           (1, frame('10.0.0.2', '10.0.0.1', 2222, 1111, 'SA', ss, cs + 1)),
           (0, frame('10.0.0.1', '10.0.0.2', 1111, 2222, 'A', cs + 1, ss + 1))]
    cs, ss = cs + 1, ss + 1
    for d in c2s:
        out.append((0, frame('10.0.0.1', '10.0.0.2', 1111, 2222, 'PA', cs, ss, d)))
        cs += len(d)
    for d in s2c:
        for i in range(0, len(d), MSS):
            out.append((1, frame('10.0.0.2', '10.0.0.1', 2222, 1111, 'PA', ss, cs, d[i:i + MSS])))
            ss += len(d[i:i + MSS])
    for n in range(bulk_from_server):
        out.append((1, frame('10.0.0.2', '10.0.0.1', 2222, 1111, 'A', ss, cs, bytes([n & 0xff]) * MSS)))
        ss += MSS
        if n % 2:
            out.append((0, frame('10.0.0.1', '10.0.0.2', 1111, 2222, 'A', cs, ss)))
    out += [(0, frame('10.0.0.1', '10.0.0.2', 1111, 2222, 'FA', cs, ss)),
            (1, frame('10.0.0.2', '10.0.0.1', 2222, 1111, 'FA', ss, cs + 1)),
            (0, frame('10.0.0.1', '10.0.0.2', 1111, 2222, 'A', cs + 1, ss + 1))]
    return out


def client_hello(sni):
    return bytes(TLS(msg=[TLSClientHello(
        gmt_unix_time=0, random_bytes=b'\x22' * 28, ciphers=[0x1301, 0x1302, 0x1303, 0xc02b, 0xc02f],
        ext=[TLS_Ext_ServerName(servernames=[ServerName(servername=sni)]),
             TLS_Ext_ALPN(protocols=[ProtocolName(protocol=b'h2'), ProtocolName(protocol=b'http/1.1')])])]))


def templates():
    server_flight = bytes(TLS(msg=[TLSServerHello(
        gmt_unix_time=0, random_bytes=b'\x33' * 28, cipher=0xc02f,
        ext=[TLS_Ext_ALPN(protocols=[ProtocolName(protocol=b'h2')])])])) + \
        b'\x17\x03\x03\x0b\xb8' + b'\x44' * 3000
    t = {
        'tls': tcp_session([client_hello(b'bench.example.com')], [server_flight], 40),
        'http': tcp_session([b'GET /bench/index.html HTTP/1.1\r\nHost: www.bench.example\r\n'
                             b'User-Agent: bench/1.0\r\nAccept: */*\r\n\r\n'],
                            [b'HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 28960\r\n\r\n'], 20),
        'ssh': tcp_session([b'SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3\r\n'],
                           [b'SSH-2.0-OpenSSH_8.9p1 Ubuntu-3\r\n'], 10),
    }
    q = Ether() / IP(src='10.0.0.1', dst='10.0.0.2') / UDP(sport=1111, dport=53) / DNS(
        id=1, rd=1, qd=DNSQR(qname='www.bench.example', qtype='A'))
    r = Ether() / IP(src='10.0.0.2', dst='10.0.0.1') / UDP(sport=53, dport=1111) / DNS(
        id=1, qr=1, qd=DNSQR(qname='www.bench.example', qtype='A'),
        an=DNSRR(rrname='www.bench.example', rdata='192.0.2.1') / DNSRR(rrname='www.bench.example', rdata='192.0.2.2'))
    t['dns'] = [(0, bytes(q)), (1, bytes(r))]
    u = Ether() / IP(src='10.0.0.1', dst='10.0.0.2') / UDP(sport=1111, dport=2222) / Raw(b'\x55' * 1200)
    t['udp'] = [(0, bytes(u)), (1, bytes(u))] * 5
    return t


def main():
    out = sys.argv[1]
    target = int(sys.argv[2] if len(sys.argv) > 2 else 300) << 20
    rnd = random.Random(5)
    tpl = templates()
    kinds = ['tls'] * 4 + ['http'] * 2 + ['ssh'] + ['dns'] * 6 + ['udp']
    written = 24
    t = 1700000000.0
    n_sess = 0
    with open(out, 'wb') as f:
        f.write(struct.pack('<IHHiIII', 0xa1b2c3d4, 2, 4, 0, 0, 262144, 1))
        while written < target:
            kind = rnd.choice(kinds)
            cli = struct.pack('>I', 0x0a000000 | rnd.randrange(1, 1 << 20))
            srv = struct.pack('>I', 0xc6336400 | rnd.randrange(1, 250))
            cport = struct.pack('>H', rnd.randrange(1024, 65535))
            sport = {'tls': 443, 'http': 80, 'ssh': 22, 'dns': 53, 'udp': 9999}[kind]
            sport = struct.pack('>H', sport)
            dseq = rnd.randrange(1 << 31)
            for d, fr in tpl[kind]:
                b = bytearray(fr)
                a, z = (cli, srv) if d == 0 else (srv, cli)
                b[26:30], b[30:34] = a, z
                b[34:36], b[36:38] = (cport, sport) if d == 0 else (sport, cport)
                if b[23] == 6:  # TCP: move both sequence spaces
                    seq, ack = struct.unpack('>II', b[38:46])
                    b[38:46] = struct.pack('>II', (seq + dseq) & 0xffffffff, (ack + dseq) & 0xffffffff if ack else 0)
                t += 0.0002
                sec = int(t)
                f.write(struct.pack('<IIII', sec, int((t - sec) * 1e6), len(b), len(b)))
                f.write(b)
                written += 16 + len(b)
            n_sess += 1
    print('%s: %d sessions, %.0f MB' % (out, n_sess, written / 1e6), file=sys.stderr)


if __name__ == '__main__':
    main()
