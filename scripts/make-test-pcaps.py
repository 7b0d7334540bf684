#!/usr/bin/python3
"""Make pp-sniff's own small test captures (tests/pcap/*.pcap[ng]).

usage: scripts/make-test-pcaps.py [OUTDIR]      (default tests/pcap)

Packets are built with scapy (python3-scapy; /usr/bin/python3, where Debian
installs it); the capture files are written here byte by byte, so that
link types, caplen < len (snaplen truncation) and timestamps are exactly as
stated. Deterministic: running it again gives the same files. Each capture
is one link type or edge case; tests/TESTLIST and tests/e2e/sniff_own.sh
say what pp-sniff must make of it.

The canary string CANARY appears in HTTP bodies and DNS TXT data only: no
record may ever contain it (metadata only, never payload).
"""
import os
import struct
import sys

from scapy.all import (DNS, DNSQR, DNSRR, ICMP, ICMPv6DestUnreach, ICMPv6PacketTooBig,
                       ICMPv6TimeExceeded, IP, IPerror, IPerror6, TCP, TCPerror, UDP, UDPerror,
                       Dot1AD, Dot1Q, Ether,
                       IPv6, IPv6ExtHdrDestOpt, IPv6ExtHdrFragment, IPv6ExtHdrHopByHop,
                       IPOption_NOP, IPOption_RR, Raw, fragment)
from scapy.contrib.mpls import MPLS
from scapy.layers.tls.all import (TLS, TLSClientHello, TLS_Ext_ALPN, TLS_Ext_ServerName,
                                  ProtocolName, ServerName)

CANARY = b'CANARY-7f3a9c-payload-must-not-leak'
T0 = 1700000000.0

LINKTYPE_NULL, LINKTYPE_ETHERNET, LINKTYPE_RAW = 0, 1, 101
LINKTYPE_LINUX_SLL, LINKTYPE_LINUX_SLL2 = 113, 276


def write_pcap(path, linktype, pkts, snaplen=262144):
    """pkts: list of (time, bytes[, wirelen]); caplen is min(len, snaplen)."""
    with open(path, 'wb') as f:
        f.write(struct.pack('<IHHiIII', 0xa1b2c3d4, 2, 4, 0, 0, snaplen, linktype))
        for p in pkts:
            t, data = p[0], bytes(p[1])
            wire = p[2] if len(p) > 2 else len(data)
            data = data[:snaplen]
            sec = int(t)
            usec = int(round((t - sec) * 1e6))
            f.write(struct.pack('<IIII', sec, usec, len(data), wire))
            f.write(data)


def write_pcapng(path, linktype, pkts):
    def block(btype, body):
        body += b'\0' * (-len(body) % 4)
        n = 12 + len(body)
        return struct.pack('<II', btype, n) + body + struct.pack('<I', n)
    with open(path, 'wb') as f:
        f.write(block(0x0a0d0d0a, struct.pack('<IHHq', 0x1a2b3c4d, 1, 0, -1)))
        f.write(block(0x00000001, struct.pack('<HHI', linktype, 0, 262144)))
        for t, data in pkts:
            data = bytes(data)
            us = int(round(t * 1e6))
            f.write(block(0x00000006, struct.pack('<IIIII', 0, us >> 32, us & 0xffffffff,
                                                  len(data), len(data)) + data))


class Tcp:
    """One TCP connection: builds segments with the right sequence numbers."""

    def __init__(self, ip_c, ip_s, cport, sport, mk=IP, isn_c=1000, isn_s=50000):
        self.ip = (ip_c, ip_s)
        self.port = (cport, sport)
        self.mk = mk
        self.nxt = [isn_c, isn_s]

    def seg(self, side, flags, data=b'', seq=None, advance=True):
        a, b = (0, 1) if side == 0 else (1, 0)
        s = self.nxt[a] if seq is None else seq
        p = self.mk(src=self.ip[a], dst=self.ip[b]) / TCP(
            sport=self.port[a], dport=self.port[b], flags=flags, seq=s,
            ack=self.nxt[b] if 'A' in flags else 0, window=65535) / Raw(data)
        if advance and seq is None:
            self.nxt[a] += len(data) + ('S' in flags) + ('F' in flags)
        return p

    def handshake(self):
        return [self.seg(0, 'S'), self.seg(1, 'SA'), self.seg(0, 'A')]

    def close(self):
        return [self.seg(0, 'FA'), self.seg(1, 'FA'), self.seg(0, 'A')]


def times(pkts, start=T0, step=0.001):
    return [(start + i * step, p) for i, p in enumerate(pkts)]


def eth(p, vlans=()):
    e = Ether(src='02:00:00:00:00:01', dst='02:00:00:00:00:02')
    for i, v in enumerate(vlans):
        e = e / (Dot1AD(vlan=v) if i == 0 and len(vlans) > 1 else Dot1Q(vlan=v))
    return e / p


def client_hello(sni, alpn):
    return bytes(TLS(msg=[TLSClientHello(
        gmt_unix_time=0, random_bytes=b'\x11' * 28, ciphers=[0x1301, 0x1302, 0xc02f],
        ext=[TLS_Ext_ServerName(servernames=[ServerName(servername=sni)]),
             TLS_Ext_ALPN(protocols=[ProtocolName(protocol=a) for a in alpn])])]))


def http_vlan(out):
    """QinQ (outer 802.1ad 100, inner 802.1Q 200). HTTP request in two
    segments, the second arriving first; a retransmission of the first with
    other bytes (the first copy must win); a response with a canary body."""
    c = Tcp('10.1.0.1', '10.1.0.2', 40000, 8080)
    req = (b'GET /vlan/path?q=1 HTTP/1.1\r\nHost: vlan.example\r\n'
           b'User-Agent: pp-test/1.0\r\nAccept: */*\r\n\r\n')
    a, b = req[:20], req[20:]
    pkts = c.handshake()
    seq0 = c.nxt[0]
    pkts.append(c.seg(0, 'PA', b, seq=seq0 + len(a)))               # out of order
    pkts.append(c.seg(0, 'PA', a, seq=seq0))                         # fills the hole
    pkts.append(c.seg(0, 'PA', b'XXXXXXXXXXXXXXXXXXXXXXXX', seq=seq0))  # overlapping rewrite
    c.nxt[0] += len(req)
    body = b'hello ' + CANARY + b'\n'
    pkts.append(c.seg(1, 'PA', b'HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n' % len(body) + body))
    pkts.append(c.seg(0, 'A'))
    pkts += c.close()
    write_pcap(os.path.join(out, 'eth_qinq_http.pcap'), LINKTYPE_ETHERNET,
               [(t, eth(p, (100, 200))) for t, p in times(pkts)])


def sll_dns(out):
    """Linux cooked v1: a DNS query and its answer, and an ARP to skip."""
    def sll(p, proto=0x0800, pkttype=0):
        return struct.pack('>HHH8sH', pkttype, 1, 6, b'\x02\0\0\0\0\x01\0\0', proto) + bytes(p)
    q = IP(src='192.0.2.10', dst='192.0.2.53') / UDP(sport=33333, dport=53) / DNS(
        id=0x1234, rd=1, qd=DNSQR(qname='sll.example', qtype='A'))
    r = IP(src='192.0.2.53', dst='192.0.2.10') / UDP(sport=53, dport=33333) / DNS(
        id=0x1234, qr=1, ra=1, qd=DNSQR(qname='sll.example', qtype='A'),
        an=DNSRR(rrname='sll.example', type='A', ttl=300, rdata='198.51.100.7'))
    arp = bytes.fromhex('0001080006040001020000000001c0000a0a000000000000c0000235')
    write_pcap(os.path.join(out, 'sll_dns.pcap'), LINKTYPE_LINUX_SLL,
               [(T0, sll(arp, 0x0806)), (T0 + 0.001, sll(q, pkttype=4)), (T0 + 0.002, sll(r))])


def sll2_tls(out):
    """Linux cooked v2 (as `-i any` gives): a ClientHello in three segments
    that overlap, the last one first."""
    def sll2(p, ifindex=3, proto=0x0800):
        return struct.pack('>HHIHBB8s', proto, 0, ifindex, 1, 4, 6, b'\x02\0\0\0\0\x01\0\0') + bytes(p)
    c = Tcp('10.2.0.1', '10.2.0.2', 40001, 4433)
    ch = client_hello(b'split.example', [b'h2', b'http/1.1'])
    pkts = c.handshake()
    s0 = c.nxt[0]
    pkts.append(c.seg(0, 'PA', ch[70:], seq=s0 + 70))
    pkts.append(c.seg(0, 'PA', ch[:40], seq=s0))
    pkts.append(c.seg(0, 'PA', ch[30:80], seq=s0 + 30))
    c.nxt[0] += len(ch)
    pkts.append(c.seg(1, 'A'))
    pkts.append(c.seg(1, 'RA'))
    write_pcap(os.path.join(out, 'sll2_tls_split.pcap'), LINKTYPE_LINUX_SLL2,
               [(t, sll2(p)) for t, p in times(pkts)])


def null_v6_ssh(out):
    """BSD loopback (AF_INET6 = 30, little-endian as macOS writes it): IPv6
    with hop-by-hop and destination-options headers, SSH banners both ways,
    the server's banner split in two segments."""
    def v6(**kw):
        return IPv6(**kw) / IPv6ExtHdrHopByHop() / IPv6ExtHdrDestOpt()
    c = Tcp('2001:db8::1', '2001:db8::2', 50022, 22, mk=v6)
    pkts = c.handshake()
    pkts.append(c.seg(1, 'PA', b'SSH-2.0-OpenSSH_9.2p1 Deb'))
    pkts.append(c.seg(1, 'PA', b'ian-2+deb12u3\r\n'))
    pkts.append(c.seg(0, 'PA', b'SSH-2.0-PuTTY_Release_0.81\r\n'))
    pkts += c.close()
    write_pcap(os.path.join(out, 'null_ipv6_ext_ssh.pcap'), LINKTYPE_NULL,
               [(t, struct.pack('<I', 30) + bytes(p)) for t, p in times(pkts)])


def raw_v4opts(out):
    """Raw IP: IPv4 with options (record route), a DNS query over it; an
    ICMP echo request and reply; a reply alone."""
    opts = [IPOption_RR(routers=['0.0.0.0'] * 2), IPOption_NOP()]
    q = IP(src='203.0.113.5', dst='203.0.113.53', options=opts) / UDP(sport=44444, dport=53) / DNS(
        id=7, rd=1, qd=DNSQR(qname='opts.example', qtype='AAAA'))
    e1 = IP(src='203.0.113.5', dst='203.0.113.9') / ICMP(type=8, id=1, seq=1) / Raw(b'ping')
    e2 = IP(src='203.0.113.9', dst='203.0.113.5') / ICMP(type=0, id=1, seq=1) / Raw(b'ping')
    # a reply whose request was not captured: the requester is the originator
    e3 = IP(src='203.0.113.21', dst='203.0.113.20') / ICMP(type=0, id=2, seq=1) / Raw(b'pong')
    write_pcap(os.path.join(out, 'raw_ipv4_options.pcap'), LINKTYPE_RAW,
               times([q, e1, e2, e3]))


def txt_response(src, dst, sport, dport, v6=False):
    mk = IPv6 if v6 else IP
    strings = [CANARY + b'-%03d' % i + b'x' * 180 for i in range(10)]
    return mk(src=src, dst=dst) / UDP(sport=sport, dport=dport) / DNS(
        id=0x4242, qr=1, ra=1, qd=DNSQR(qname='frag.example', qtype='TXT'),
        an=DNSRR(rrname='frag.example', type='TXT', ttl=60, rdata=strings[:5]) /
        DNSRR(rrname='frag.example', type='A', ttl=60, rdata='192.0.2.99'))


def frag_v4(pkt, size, ident):
    """IPv4 fragments of pkt's payload, size bytes each (a multiple of 8)."""
    payload = bytes(pkt[IP].payload)
    out = []
    for off in range(0, len(payload), size):
        more = off + size < len(payload)
        out.append(IP(src=pkt[IP].src, dst=pkt[IP].dst, id=ident, proto=17,
                      flags='MF' if more else 0, frag=off // 8) / Raw(payload[off:off + size]))
    return out


def frag4(out):
    """IPv4: a DNS response with TXT data (canary) in fragments, sent
    last first, with a duplicate of a middle one carrying other bytes (the
    first copy must win); then a datagram whose middle fragment never comes
    (dropped, counted at the end)."""
    r = txt_response('192.0.2.53', '192.0.2.10', 53, 35353)
    fr = frag_v4(r, 296, 777)
    assert len(fr) >= 3, len(fr)
    bad = fr[1].copy()
    bad[Raw].load = b'Z' * len(bad[Raw].load)
    q = IP(src='192.0.2.10', dst='192.0.2.53') / UDP(sport=35353, dport=53) / DNS(
        id=0x4242, rd=1, qd=DNSQR(qname='frag.example', qtype='TXT'))
    lost = IP(src='192.0.2.53', dst='192.0.2.10') / UDP(sport=53, dport=35354) / Raw(b'L' * 1200)
    lf = frag_v4(lost, 400, 778)
    pkts = [q] + list(reversed(fr[1:])) + [bad, fr[0], lf[0], lf[2]]
    write_pcap(os.path.join(out, 'frag_ipv4_dns.pcap'), LINKTYPE_ETHERNET,
               [(t, eth(p)) for t, p in times(pkts)])


def frag6(out):
    """IPv6: the same DNS response in fragments, out of order."""
    r = txt_response('2001:db8::53', '2001:db8::10', 53, 35355, v6=True)
    whole = IPv6(src='2001:db8::53', dst='2001:db8::10') / IPv6ExtHdrFragment(id=0xabcd) / r[UDP]
    from scapy.all import fragment6
    fr = fragment6(whole, 500)
    q = IPv6(src='2001:db8::10', dst='2001:db8::53') / UDP(sport=35355, dport=53) / DNS(
        id=0x4242, rd=1, qd=DNSQR(qname='frag.example', qtype='TXT'))
    pkts = [q] + list(reversed(fr))
    write_pcap(os.path.join(out, 'frag_ipv6_dns.pcap'), LINKTYPE_ETHERNET,
               [(t, Ether(src='02:00:00:00:00:01', dst='02:00:00:00:00:02') / p) for t, p in times(pkts)])


def truncated(out):
    """Snaplen truncation (caplen < len): cut in the IP header, in the TCP
    header, and a DNS response cut in its answer section."""
    c = Tcp('10.3.0.1', '10.3.0.2', 40003, 80)
    syn = eth(c.seg(0, 'S'))
    r = eth(IP(src='10.3.0.53', dst='10.3.0.1') / UDP(sport=53, dport=5555) / DNS(
        id=9, qr=1, qd=DNSQR(qname='trunc.example'),
        an=DNSRR(rrname='trunc.example', rdata='192.0.2.1') / DNSRR(rrname='trunc.example', rdata='192.0.2.2')))
    pk = [(T0, bytes(syn)[:24], len(syn)),        # inside the IPv4 header
          (T0 + 0.001, bytes(syn)[:40], len(syn)),  # inside the TCP header
          (T0 + 0.002, bytes(r)[:90], len(r))]      # inside the DNS answers
    write_pcap(os.path.join(out, 'truncated.pcap'), LINKTYPE_ETHERNET, pk, snaplen=96)


def dns_loop(out):
    """A DNS response whose answer name is a compression pointer to itself,
    then one whose pointers form a two-step loop."""
    q = DNS(id=5, qr=1, qd=DNSQR(qname='loop.example'))
    raw = bytes(q)
    raw = raw[:6] + b'\x00\x01' + raw[8:]               # ANCOUNT = 1
    off = len(raw)
    ans = struct.pack('>H', 0xc000 | off) + struct.pack('>HHIH', 1, 1, 60, 4) + bytes([192, 0, 2, 1])
    p1 = IP(src='192.0.2.53', dst='192.0.2.10') / UDP(sport=53, dport=40053) / Raw(raw + ans)
    off2 = len(raw)
    ans2 = struct.pack('>H', 0xc000 | (off2 + 2)) + struct.pack('>H', 0xc000 | off2) + \
        struct.pack('>HHIH', 1, 1, 60, 4) + bytes([192, 0, 2, 2])
    p2 = IP(src='192.0.2.53', dst='192.0.2.10') / UDP(sport=53, dport=40054) / Raw(raw + ans2)
    write_pcap(os.path.join(out, 'dns_pointer_loop.pcap'), LINKTYPE_ETHERNET,
               [(t, eth(p)) for t, p in times([p1, p2])])


def tcp_lifecycle(out):
    """A capture that starts at a SYN-ACK (the receiver is the originator),
    a connection ended by RST, a new SYN reusing its ports (a new flow),
    TCP Fast Open data in a SYN, and an MPLS-labelled packet."""
    c = Tcp('10.4.0.1', '10.4.0.2', 40004, 443)
    pkts = [c.seg(1, 'SA'), c.seg(0, 'A'), c.seg(0, 'PA', b'\x00' * 10), c.seg(1, 'RA')]
    c2 = Tcp('10.4.0.1', '10.4.0.2', 40004, 443, isn_c=9000, isn_s=90000)
    pkts += c2.handshake() + c2.close()
    c3 = Tcp('10.4.0.3', '10.4.0.2', 40005, 8000)
    pkts += [c3.seg(0, 'S', b'GET /tfo HTTP/1.1\r\nHost: tfo.example\r\n\r\n'), c3.seg(1, 'SA'), c3.seg(0, 'A')]
    frames = [eth(p) for p in pkts]
    m = Ether(src='02:00:00:00:00:01', dst='02:00:00:00:00:02', type=0x8847) / MPLS(label=16, s=0) / \
        MPLS(label=17, s=1) / IP(src='10.5.0.1', dst='10.5.0.2') / UDP(sport=1000, dport=2000) / Raw(b'm')
    frames.append(m)
    write_pcap(os.path.join(out, 'tcp_lifecycle.pcap'), LINKTYPE_ETHERNET, times(frames))


def pcapng_mixed(out):
    """pcapng: an HTTP request on a non-HTTP port and a UDP flow that is not
    DNS; long idle gaps make flows end by timeout within the file."""
    c = Tcp('10.6.0.1', '10.6.0.2', 40006, 2222)
    pk = c.handshake() + [c.seg(0, 'PA', b'POST /up HTTP/1.0\r\nHost: ng.example\r\n\r\n' + CANARY)]
    u1 = IP(src='10.6.0.1', dst='10.6.0.9') / UDP(sport=5000, dport=6000) / Raw(b'u' * 20)
    frames = [(t, eth(p)) for t, p in times(pk)]
    frames.append((T0 + 1, eth(u1)))
    frames.append((T0 + 400, eth(u1)))  # both flows idle out before this
    write_pcapng(os.path.join(out, 'pcapng_mixed.pcapng'), LINKTYPE_ETHERNET, frames)


def tunnels_starttls(out):
    """IMAP STARTTLS ("a1 STARTTLS", then a ClientHello); DNS queries inside
    GTP-U (with a sequence number), VXLAN, GRE (with a key) and 6in4."""
    c = Tcp('10.7.0.1', '10.7.0.2', 40007, 143)
    pkts = c.handshake()
    pkts.append(c.seg(1, 'PA', b'* OK [CAPABILITY IMAP4rev1 STARTTLS] ready\r\n'))
    pkts.append(c.seg(0, 'PA', b'a1 STARTTLS\r\n'))
    pkts.append(c.seg(1, 'PA', b'a1 OK Begin TLS negotiation now\r\n'))
    pkts.append(c.seg(0, 'PA', client_hello(b'imap.example', [b'imap'])))
    frames = [eth(p) for p in pkts]
    inner = IP(src='10.8.0.1', dst='10.8.0.53') / UDP(sport=40008, dport=53) / DNS(
        id=8, rd=1, qd=DNSQR(qname='gtp.example'))
    gtp = struct.pack('>BBHIHBB', 0x32, 0xff, len(bytes(inner)) + 4, 0x1234, 7, 0, 0) + bytes(inner)
    frames.append(eth(IP(src='192.0.2.1', dst='192.0.2.2') / UDP(sport=2152, dport=2152) / Raw(gtp)))
    inner2 = Ether(src='02:00:00:00:00:0a', dst='02:00:00:00:00:0b') / IP(src='10.9.0.1', dst='10.9.0.53') / \
        UDP(sport=40009, dport=53) / DNS(id=9, rd=1, qd=DNSQR(qname='vxlan.example'))
    vx = struct.pack('>BBHI', 0x08, 0, 0, 42 << 8) + bytes(inner2)
    frames.append(eth(IP(src='192.0.2.3', dst='192.0.2.4') / UDP(sport=50000, dport=4789) / Raw(vx)))
    # GRE with a key, carrying IPv4; and IPv6 in IPv4 (6in4)
    inner3 = IP(src='10.10.0.1', dst='10.10.0.53') / UDP(sport=40010, dport=53) / DNS(
        id=10, rd=1, qd=DNSQR(qname='gre.example'))
    gre = struct.pack('>HHI', 0x2000, 0x0800, 77) + bytes(inner3)
    frames.append(eth(IP(src='192.0.2.5', dst='192.0.2.6', proto=47) / Raw(gre)))
    inner4 = IPv6(src='2001:db8:6::1', dst='2001:db8:6::53') / UDP(sport=40011, dport=53) / DNS(
        id=11, rd=1, qd=DNSQR(qname='6in4.example', qtype='AAAA'))
    frames.append(eth(IP(src='192.0.2.7', dst='192.0.2.8', proto=41) / Raw(bytes(inner4))))
    write_pcap(os.path.join(out, 'tunnels_starttls.pcap'), LINKTYPE_ETHERNET, times(frames))


def icmp_errors(out):
    """ICMP errors quoting packets of known flows (attached to them): a UDP
    probe answered by port unreachable, a TCP SYN met twice by time exceeded
    from a router, an IPv6 UDP flow told packet too big, a ping met by time
    exceeded; and an unreachable quoting a flow never seen (a flow of its
    own, as any ICMP message)."""
    u = IP(src='10.11.0.1', dst='10.11.0.2') / UDP(sport=40011, dport=33434) / Raw(b'probe')
    unreach = IP(src='10.11.0.2', dst='10.11.0.1') / ICMP(type=3, code=3) / IPerror(bytes(u))
    c = Tcp('10.11.0.1', '10.11.0.3', 40012, 80)
    syn = c.seg(0, 'S', advance=False)
    te = IP(src='10.11.0.254', dst='10.11.0.1') / ICMP(type=11, code=0) / IPerror(bytes(syn)[:28])
    u6 = IPv6(src='2001:db8:11::1', dst='2001:db8:11::2') / UDP(sport=40013, dport=4500) / Raw(b'x' * 1300)
    ptb = IPv6(src='2001:db8:11::fe', dst='2001:db8:11::1') / ICMPv6PacketTooBig(mtu=1280) / \
        IPerror6(bytes(u6)[:1232])
    ping = IP(src='10.11.0.1', dst='10.11.0.4') / ICMP(type=8, id=7, seq=1) / Raw(b'ping')
    pte = IP(src='10.11.0.254', dst='10.11.0.1') / ICMP(type=11, code=0) / IPerror(bytes(ping))
    lost = IP(src='10.11.0.9', dst='10.11.0.10') / UDP(sport=40014, dport=53) / Raw(b'q' * 12)
    other = IP(src='10.11.0.10', dst='10.11.0.9') / ICMP(type=3, code=1) / IPerror(bytes(lost))
    pkts = [u, unreach, syn, te, syn, te, u6, ptb, ping, pte, other]
    write_pcap(os.path.join(out, 'icmp_errors.pcap'), LINKTYPE_ETHERNET,
               [(t, eth(p)) for t, p in times(pkts)])


def http_to_ssh(out):
    """An HTTP request to an SSH server: the server's banner comes after the
    request, on the direction the HTTP dissector then rejects."""
    c = Tcp('10.12.0.1', '10.12.0.2', 40015, 22)
    pkts = c.handshake()
    pkts.append(c.seg(0, 'PA', b'GET / HTTP/1.1\r\nHost: ssh.example\r\n\r\n'))
    pkts.append(c.seg(1, 'PA', b'SSH-2.0-OpenSSH_9.6 test\r\n'))
    pkts.append(c.seg(1, 'PA', b'Invalid SSH identification string.\r\n'))
    pkts += c.close()
    write_pcap(os.path.join(out, 'http_to_ssh.pcap'), LINKTYPE_ETHERNET, [(t, eth(p)) for t, p in times(pkts)])


# --- issue 20: preambles, tunnels, link types, DNS anywhere, h2c, odd input --

def dns_q(qname, ident, qtype='A'):
    return bytes(DNS(id=ident, rd=1, qd=DNSQR(qname=qname, qtype=qtype)))


def dns_a(qname, ident, addr):
    return bytes(DNS(id=ident, qr=1, ra=1, qd=DNSQR(qname=qname),
                     an=DNSRR(rrname=qname, type='A', ttl=60, rdata=addr)))


def conn(pkts, c, steps):
    """steps: (side, bytes) in order, each its own segment."""
    pkts += c.handshake()
    for side, data in steps:
        pkts.append(c.seg(side, 'PA', data))
    pkts += c.close()


def ldap_msg(ident, op, body):
    inner = b'\x02\x01' + bytes([ident]) + bytes([op, len(body)]) + body
    return b'\x30' + bytes([len(inner)]) + inner


def preambles(out):
    """TLS and HTTP behind what proxies and databases say first: SOCKS 5
    (no auth, and username/password with a canary password that must never
    come out), SOCKS 4a, PROXY v1 and v2, PostgreSQL SSLRequest, MySQL's
    SSL request, LDAP StartTLS, XMPP <starttls/> (no line ends), HTTP
    CONNECT with TLS inside."""
    pk = []
    get = lambda h: b'GET / HTTP/1.1\r\nHost: %s\r\nUser-Agent: pp-test/1.0\r\n\r\n' % h
    ok = b'HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n'
    conn(pk, Tcp('10.20.0.1', '10.20.0.2', 41001, 1080), [
        (0, b'\x05\x01\x00'), (1, b'\x05\x00'),
        (0, b'\x05\x01\x00\x03\x0esocks5.example\x00\x50'), (1, b'\x05\x00\x00\x01\x0a\x14\x00\x09\x00\x50'),
        (0, get(b'socks5.example')), (1, ok)])
    conn(pk, Tcp('10.20.0.1', '10.20.0.2', 41002, 1080), [
        (0, b'\x05\x01\x02'), (1, b'\x05\x02'),
        (0, b'\x01\x04user' + bytes([len(CANARY)]) + CANARY), (1, b'\x01\x00'),
        (0, b'\x05\x01\x00\x01\x0a\x14\x00\x09\x00\x50'), (1, b'\x05\x00\x00\x01\x0a\x14\x00\x09\x00\x50'),
        (0, get(b'socks5auth.example')), (1, ok)])
    conn(pk, Tcp('10.20.0.1', '10.20.0.2', 41003, 1080), [
        (0, b'\x04\x01\x00\x50\x00\x00\x00\x01user\x00socks4.example\x00'), (1, b'\x00\x5a' + bytes(6)),
        (0, get(b'socks4.example')), (1, ok)])
    conn(pk, Tcp('10.20.0.1', '10.20.0.2', 41004, 443), [
        (0, b'PROXY TCP4 192.0.2.1 192.0.2.2 51000 443\r\n' + client_hello(b'proxy1.example', [b'h2']))])
    v2 = struct.pack('>BBH4s4sHH', 0x21, 0x11, 12, bytes([192, 0, 2, 1]), bytes([192, 0, 2, 2]), 51001, 443)
    conn(pk, Tcp('10.20.0.1', '10.20.0.2', 41005, 443), [
        (0, b'\r\n\r\n\x00\r\nQUIT\n' + v2 + client_hello(b'proxy2.example', [b'h2']))])
    conn(pk, Tcp('10.20.0.1', '10.20.0.2', 41006, 5432), [
        (0, b'\x00\x00\x00\x08\x04\xd2\x16\x2f'), (1, b'S'), (0, client_hello(b'pg.example', [b'postgresql']))])
    greet = b'\x0a8.0.36\x00' + b'\x01\x00\x00\x00' + b'abcdefgh\x00' + b'\xff\xff\x21\x02\x00\xff\xc1\x15' + bytes(10) + b'ijklmnopqrst\x00mysql_native_password\x00'
    sslreq = struct.pack('<I', 32)[:3] + b'\x01' + struct.pack('<IIB', 0x0009aa05, 1 << 24, 255) + bytes(23)
    conn(pk, Tcp('10.20.0.1', '10.20.0.2', 41007, 3306), [
        (1, struct.pack('<I', len(greet))[:3] + b'\x00' + greet), (0, sslreq),
        (0, client_hello(b'mysql.example', []))])
    oid = b'1.3.6.1.4.1.1466.20037'
    conn(pk, Tcp('10.20.0.1', '10.20.0.2', 41008, 389), [
        (0, ldap_msg(1, 0x77, b'\x80' + bytes([len(oid)]) + oid)),
        (1, ldap_msg(1, 0x78, b'\x0a\x01\x00\x04\x00\x04\x00')),
        (0, client_hello(b'ldap.example', []))])
    conn(pk, Tcp('10.20.0.1', '10.20.0.2', 41009, 5222), [
        (0, b"<?xml version='1.0'?><stream:stream to='xmpp.example' version='1.0' xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>"),
        (1, b"<?xml version='1.0'?><stream:stream id='1' version='1.0' xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'><stream:features><starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'><required/></starttls></stream:features>"),
        (0, b"<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>"),
        (1, b"<proceed xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>"),
        (0, client_hello(b'xmpp.example', []))])
    conn(pk, Tcp('10.20.0.1', '10.20.0.2', 41010, 3128), [
        (0, b'CONNECT connect.example:443 HTTP/1.1\r\nHost: connect.example:443\r\nUser-Agent: pp-test/1.0\r\n\r\n'),
        (1, b'HTTP/1.1 200 Connection established\r\n\r\n'),
        (0, client_hello(b'connect.example', [b'h2', b'http/1.1']))])
    write_pcap(os.path.join(out, 'preambles.pcap'), LINKTYPE_ETHERNET, [(t, eth(p)) for t, p in times(pk)])


def wlan_data(payload, qos=False, swap=False, tods=True):
    """An 802.11 data frame (to the DS) with LLC/SNAP around an IPv4 packet."""
    fc = 0x88 if qos else 0x08
    fl = 0x01 if tods else 0x02
    h = bytes([fl, fc] if swap else [fc, fl]) + b'\x00\x00' + b'\x02\x00\x00\x00\x00\x0a' * 3 + b'\x10\x00'
    if qos:
        h += b'\x00\x00'
    return h + b'\xaa\xaa\x03\x00\x00\x00\x08\x00' + bytes(payload)


def tunnels_more(out):
    """DNS queries inside Geneve, GRE-in-UDP (RFC 8086), ERSPAN types II
    and III, AYIYA (IPv6 in UDP), CAPWAP (802.11, frame control swapped as
    Cisco sends it), Aruba's 802.11-in-GRE, and PPPoE with a 1-byte PPP
    protocol field."""
    def q(n, i, src='10.30.0.1'):
        return IP(src=src, dst='10.30.0.53') / UDP(sport=42000 + i, dport=53) / Raw(dns_q(n, i))
    outer = lambda i, proto=17: IP(src='192.0.2.%d' % (10 + i), dst='192.0.2.200', proto=proto)
    inner_eth = lambda p: bytes(Ether(src='02:00:00:00:00:0c', dst='02:00:00:00:00:0d') / p)
    fr = []
    gen = struct.pack('>BBHI', 0, 0, 0x6558, 7 << 8) + inner_eth(q('geneve.example', 1))
    fr.append(eth(outer(1) / UDP(sport=50001, dport=6081) / Raw(gen)))
    fr.append(eth(outer(2) / UDP(sport=50002, dport=4754) / Raw(struct.pack('>HH', 0, 0x0800) + bytes(q('greudp.example', 2)))))
    er2 = struct.pack('>HHI', 0x1000, 0x88be, 5) + struct.pack('>HHI', 0x1000 | 0, 0x0001, 0) + inner_eth(q('erspan.example', 3))
    fr.append(eth(outer(3, 47) / Raw(er2)))
    er3 = struct.pack('>HHI', 0x1000, 0x22eb, 6) + struct.pack('>HHII', 0x2000, 0x0001, 0, 0) + inner_eth(q('erspan3.example', 4))
    fr.append(eth(outer(4, 47) / Raw(er3)))
    v6 = IPv6(src='2001:db8:a::1', dst='2001:db8:a::53') / UDP(sport=42005, dport=53) / Raw(dns_q('ayiya.example', 5, 'AAAA'))
    ay = bytes([0x41, 0x52, 0x11, 41]) + struct.pack('>I', 1700000000) + bytes(16) + bytes(20) + bytes(v6)
    fr.append(eth(outer(5) / UDP(sport=5072, dport=5072) / Raw(ay)))
    cw = bytes([0, 2 << 3, (1 << 1) | 1, 0x00]) + bytes(4) + wlan_data(q('capwap.example', 6), swap=True)
    fr.append(eth(outer(6) / UDP(sport=50006, dport=5247) / Raw(cw)))
    ar = struct.pack('>HH', 0, 0x8200) + wlan_data(q('aruba.example', 7), qos=True)
    fr.append(eth(outer(7, 47) / Raw(ar)))
    pppoe = struct.pack('>BBHH', 0x11, 0, 0x1234, len(bytes(q('pppoe.example', 8))) + 1) + b'\x21' + bytes(q('pppoe.example', 8))
    fr.append(Ether(src='02:00:00:00:00:01', dst='02:00:00:00:00:02', type=0x8864) / Raw(pppoe))
    write_pcap(os.path.join(out, 'tunnels_more.pcap'), LINKTYPE_ETHERNET, times(fr))


def link_types(out):
    """The same DNS query and answer as 802.11 (105), behind radiotap (127),
    as Ethernet behind PPI (192), and over FDDI (10)."""
    q = IP(src='10.40.0.1', dst='10.40.0.53') / UDP(sport=43000, dport=53) / Raw(dns_q('wlan.example', 40))
    a = IP(src='10.40.0.53', dst='10.40.0.1') / UDP(sport=53, dport=43000) / Raw(dns_a('wlan.example', 40, '192.0.2.40'))
    frames = [wlan_data(q), wlan_data(a, qos=True, tods=False)]
    write_pcap(os.path.join(out, 'link_wlan.pcap'), 105, times(frames))
    rt = struct.pack('<BBHI', 0, 0, 12, 0x00000002) + b'\x10\x00\x00\x00'  # flags field
    write_pcap(os.path.join(out, 'link_radiotap.pcap'), 127, times([rt + f for f in frames]))
    ppi = struct.pack('<BBHI', 0, 0, 8, 1)
    write_pcap(os.path.join(out, 'link_ppi.pcap'), 192, times([ppi + bytes(eth(q)), ppi + bytes(eth(a))]))
    fddi = lambda p: b'\x50' + b'\x02\x00\x00\x00\x00\x0b' * 2 + b'\xaa\xaa\x03\x00\x00\x00\x08\x00' + bytes(p)
    write_pcap(os.path.join(out, 'link_fddi.pcap'), 10, times([fddi(q), fddi(a)]))


def dns_anyport(out):
    """DNS by content: UDP on 5333, over TCP on 8053; not DNS: HTTP on TCP
    port 53, and a UDP datagram on 9999 that is not a DNS message."""
    pk = [IP(src='10.50.0.1', dst='10.50.0.2') / UDP(sport=44000, dport=5333) / Raw(dns_q('odd-port.example', 50)),
          IP(src='10.50.0.2', dst='10.50.0.1') / UDP(sport=5333, dport=44000) / Raw(dns_a('odd-port.example', 50, '192.0.2.50'))]
    m = dns_q('tcp-odd.example', 51)
    r = dns_a('tcp-odd.example', 51, '192.0.2.51')
    conn(pk, Tcp('10.50.0.1', '10.50.0.2', 44001, 8053), [
        (0, struct.pack('>H', len(m)) + m), (1, struct.pack('>H', len(r)) + r)])
    conn(pk, Tcp('10.50.0.1', '10.50.0.2', 44002, 53), [
        (0, b'GET /not-dns HTTP/1.1\r\nHost: port53.example\r\n\r\n'), (1, b'HTTP/1.1 204 No Content\r\n\r\n')])
    pk.append(IP(src='10.50.0.1', dst='10.50.0.2') / UDP(sport=44003, dport=9999) / Raw(b'\x12\x34\x01\x00\x00\x01' + b'\x00' * 24))
    write_pcap(os.path.join(out, 'dns_anyport.pcap'), LINKTYPE_ETHERNET, [(t, eth(p)) for t, p in times(pk)])


def h2frame(ftype, flags, sid, payload):
    return struct.pack('>I', len(payload))[1:] + bytes([ftype, flags]) + struct.pack('>I', sid) + payload


def h2c_doh(out):
    """DNS over HTTPS without TLS: HTTP/2 with prior knowledge (preface,
    SETTINGS, HEADERS, DATA with a DNS query; the server's SETTINGS and DATA
    with the answer, padded), and after an HTTP/1.1 Upgrade: h2c."""
    pre = b'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n'
    q, a = dns_q('doh.example', 0), dns_a('doh.example', 0, '192.0.2.60')
    hdrs = h2frame(1, 0x04, 1, b'\x83\x86\x84')  # :method POST-ish, HPACK (not decoded)
    pk = []
    conn(pk, Tcp('10.60.0.1', '10.60.0.2', 45000, 80), [
        (0, pre + h2frame(4, 0, 0, b'')), (1, h2frame(4, 0, 0, b'\x00\x03\x00\x00\x00\x64')),
        (0, hdrs + h2frame(0, 0x01, 1, q)),
        (1, h2frame(1, 0x04, 1, b'\x88') + h2frame(0, 0x09, 1, b'\x03' + a + b'\x00\x00\x00'))])
    q2, a2 = dns_q('upgrade.example', 0), dns_a('upgrade.example', 0, '192.0.2.61')
    conn(pk, Tcp('10.60.0.1', '10.60.0.2', 45001, 80), [
        (0, b'GET / HTTP/1.1\r\nHost: doh.example\r\nConnection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAAQAoAAAAAIAAAAA\r\n\r\n'),
        (1, b'HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: h2c\r\n\r\n' + h2frame(4, 0, 0, b'')),
        (0, pre + h2frame(4, 0, 0, b'') + h2frame(1, 0x04, 3, b'\x83') + h2frame(0, 0x01, 3, q2)),
        (1, h2frame(0, 0x01, 3, a2))])
    write_pcap(os.path.join(out, 'h2c_doh.pcap'), LINKTYPE_ETHERNET, [(t, eth(p)) for t, p in times(pk)])


QUIC_SALT_D29 = bytes.fromhex('afbfec289993d24c9e9786f19c6111e04390a899')


def quic_initial(version, dcid, payload, salt):
    from cryptography.hazmat.primitives import hashes, hmac
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM
    from cryptography.hazmat.primitives.kdf.hkdf import HKDFExpand

    def label(secret, lbl, n):
        full = b'tls13 ' + lbl
        return HKDFExpand(hashes.SHA256(), n, struct.pack('>HB', n, len(full)) + full + b'\x00').derive(secret)
    h = hmac.HMAC(salt, hashes.SHA256())
    h.update(dcid)
    sec = label(h.finalize(), b'client in', 32)
    key, iv, hp = label(sec, b'quic key', 16), label(sec, b'quic iv', 12), label(sec, b'quic hp', 16)
    payload = payload + bytes(1200 - 30 - len(dcid) - len(payload))
    hdr = (b'\xc3' + struct.pack('>I', version) + bytes([len(dcid)]) + dcid + b'\x00\x00' +
           struct.pack('>H', 0x4000 | (4 + len(payload) + 16)) + b'\x00\x00\x00\x00')
    ct = AESGCM(key).encrypt(iv, payload, hdr)
    mask = Cipher(algorithms.AES(hp), modes.ECB()).encryptor().update(ct[:16])
    hb = bytearray(hdr)
    hb[0] ^= mask[0] & 0x0f
    for i in range(4):
        hb[len(hdr) - 4 + i] ^= mask[1 + i]
    return bytes(hb) + ct


def chlo(tags):
    """A Google QUIC CHLO: tags in order, values after the table."""
    tbl, vals = b'', b''
    for t, v in tags:
        vals += v
        tbl += t + struct.pack('<I', len(vals))
    return b'CHLO' + struct.pack('<HH', len(tags), 0) + tbl + vals


def odd_hellos(out):
    """An SSLv2-format ClientHello; a ClientHello whose extensions length
    lies (read up to the lie, flagged); Google QUIC Q046 and Q043 CHLOs in
    the clear; an IETF QUIC Initial with the version-negotiation-forcing
    version 0x1a2a3a4a (protected as draft 29)."""
    pk = []
    v2 = b'\x01\x03\x01\x00\x09\x00\x00\x00\x10' + b'\x00\x00\x2f\x00\x00\x35\x00\x00\x0a' + b'\x22' * 16
    conn(pk, Tcp('10.70.0.1', '10.70.0.2', 46000, 443), [(0, bytes([0x80 | (len(v2) >> 8), len(v2) & 0xff]) + v2)])
    ch = bytearray(client_hello(b'liar.example', [b'h2']))
    # the extensions length (after 5 record + 4 handshake + 2 + 32 + 1 + 2+6 ciphers + 2 compression)
    at = 5 + 4 + 2 + 32 + 1 + 2 + 6 + 2
    ch[at:at + 2] = struct.pack('>H', struct.unpack('>H', ch[at:at + 2])[0] + 40)
    conn(pk, Tcp('10.70.0.1', '10.70.0.2', 46001, 443), [(0, bytes(ch))])
    c = chlo([(b'PAD\x00', b'-' * 20), (b'SNI\x00', b'gquic46.example'), (b'UAID', b'pp-test Chrome/80'), (b'VER\x00', b'Q046')])
    q46 = b'\xc3Q046\x50' + b'\x11' * 8 + b'\x00\x00\x00\x01' + b'\x00' * 12 + b'\xa0\x01' + struct.pack('>H', len(c)) + c
    pk.append(IP(src='10.70.0.1', dst='10.70.0.3') / UDP(sport=46002, dport=443) / Raw(q46 + bytes(1350 - len(q46))))
    c = chlo([(b'SNI\x00', b'gquic43.example'), (b'VER\x00', b'Q043')])
    q43 = b'\x09' + b'\x22' * 8 + b'Q043' + b'\x01' + b'\x00' * 12 + b'\xa0\x01' + struct.pack('>H', len(c)) + c
    pk.append(IP(src='10.70.0.1', dst='10.70.0.4') / UDP(sport=46003, dport=443) / Raw(q43 + bytes(1350 - len(q43))))
    hello = client_hello(b'forcing.example', [b'h3-29'])[5:]  # the handshake message
    crypto = b'\x06\x00' + struct.pack('>H', 0x4000 | len(hello)) + hello
    pk.append(IP(src='10.70.0.1', dst='10.70.0.5') / UDP(sport=46004, dport=443) /
              Raw(quic_initial(0x1a2a3a4a, bytes(range(8)), crypto, QUIC_SALT_D29)))
    write_pcap(os.path.join(out, 'odd_hellos.pcap'), LINKTYPE_ETHERNET, [(t, eth(p)) for t, p in times(pk)])


def http_odd(out):
    """Request lines tshark reads: a space in the target, runs of spaces,
    no target or version but headers; pipelined requests separated by blank
    lines; and 150 requests on one keep-alive connection (past the 100 an
    older pp-sniff stopped at)."""
    pk = []
    conn(pk, Tcp('10.80.0.1', '10.80.0.2', 47000, 8000), [
        (0, b'GET /uri afterspace HTTP/1.1\r\nHost: 127.0.0.1:8000\r\nUser-Agent: curl/7.54.0\r\n\r\n'),
        (0, b'GET   /spaced   HTTP/1.1\r\nHost: spaced.example\r\n\r\n'),
        (0, b'GET\r\nHost: bare.example\r\nUser-Agent: bare/1\r\n\r\n')])
    conn(pk, Tcp('10.80.0.1', '10.80.0.2', 47001, 80), [
        (0, b'GET /p1 HTTP/1.1\r\nHost: pipe.example\r\n\r\n\r\n\r\nGET /p2 HTTP/1.1\r\nHost: pipe.example\r\n\r\n\nGET /p3 HTTP/1.1\r\nHost: pipe.example\r\n\r\n')])
    c = Tcp('10.80.0.1', '10.80.0.2', 47002, 80)
    steps = []
    for i in range(150):
        steps.append((0, b'GET /k%d HTTP/1.1\r\nHost: keepalive.example\r\n\r\n' % i))
        steps.append((1, b'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok'))
    conn(pk, c, steps)
    write_pcap(os.path.join(out, 'http_odd.pcap'), LINKTYPE_ETHERNET, [(t, eth(p)) for t, p in times(pk)])


def http_past_cap(out):
    """1600 pipelined requests (about 80 KiB) in 20 segments: the first
    64 KiB of the direction are read, and the rest is said to be lost."""
    reqs = b''.join(b'GET /c%04d HTTP/1.1\r\nHost: cap.example\r\n\r\n' % i for i in range(1600))
    step = (len(reqs) + 19) // 20
    pk = []
    conn(pk, Tcp('10.80.1.1', '10.80.1.2', 47100, 80), [(0, reqs[i:i + step]) for i in range(0, len(reqs), step)])
    write_pcap(os.path.join(out, 'http_past_cap.pcap'), LINKTYPE_ETHERNET, [(t, eth(p)) for t, p in times(pk)])


def frag_first_only(out):
    """The first fragment of a DNS response whose other fragments never
    came (as a mirror port drops them), and one cut by a 120-byte snaplen:
    each read as far as it goes, flagged cut."""
    r = txt_response('192.0.2.53', '192.0.2.10', 53, 35360)
    fr = frag_v4(r, 296, 901)
    r2 = txt_response('192.0.2.53', '192.0.2.10', 53, 35361)
    fr2 = frag_v4(r2, 296, 902)
    write_pcap(os.path.join(out, 'frag_first_only.pcap'), LINKTYPE_ETHERNET,
               [(T0, eth(fr[0])), (T0 + 0.001, bytes(eth(fr2[0]))[:120], len(bytes(eth(fr2[0]))))])


def pcapng_snaplens(out):
    """pcapng merged from captures with different snaplens (libpcap refuses
    such a file) and one interface of another link type (its packet is left
    out and counted)."""
    def block(btype, body):
        body += b'\0' * (-len(body) % 4)
        n = 12 + len(body)
        return struct.pack('<II', btype, n) + body + struct.pack('<I', n)
    q = IP(src='10.90.0.1', dst='10.90.0.53') / UDP(sport=48000, dport=53) / Raw(dns_q('snaplens.example', 90))
    a = IP(src='10.90.0.53', dst='10.90.0.1') / UDP(sport=53, dport=48000) / Raw(dns_a('snaplens.example', 90, '192.0.2.90'))
    sll = struct.pack('>HHH8sH', 0, 1, 6, b'\x02\0\0\0\0\x01\0\0', 0x0800) + bytes(q)
    with open(os.path.join(out, 'pcapng_snaplens.pcapng'), 'wb') as f:
        f.write(block(0x0a0d0d0a, struct.pack('<IHHq', 0x1a2b3c4d, 1, 0, -1)))
        f.write(block(1, struct.pack('<HHI', 1, 0, 262144)))
        f.write(block(1, struct.pack('<HHI', 1, 0, 8192)))
        f.write(block(1, struct.pack('<HHI', 113, 0, 65535)))
        for i, (iface, data) in enumerate([(0, bytes(eth(q))), (1, bytes(eth(a))), (2, sll)]):
            us = int(round((T0 + i * 0.001) * 1e6))
            f.write(block(6, struct.pack('<IIIII', iface, us >> 32, us & 0xffffffff, len(data), len(data)) + data))


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else 'tests/pcap'
    os.makedirs(out, exist_ok=True)
    for f in (http_vlan, sll_dns, sll2_tls, null_v6_ssh, raw_v4opts, frag4, frag6, truncated,
              dns_loop, tcp_lifecycle, pcapng_mixed, tunnels_starttls, icmp_errors, http_to_ssh,
              preambles, tunnels_more, link_types, dns_anyport, h2c_doh, odd_hellos, http_odd,
              frag_first_only, pcapng_snaplens, http_past_cap):
        f(out)
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import make_app_pcaps  # the application dissectors' captures
    make_app_pcaps.main(out, sys.modules[__name__])
    print('wrote %d captures to %s' % (len(os.listdir(out)), out), file=sys.stderr)


if __name__ == '__main__':
    main()
