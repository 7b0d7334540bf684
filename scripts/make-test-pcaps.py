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


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else 'tests/pcap'
    os.makedirs(out, exist_ok=True)
    for f in (http_vlan, sll_dns, sll2_tls, null_v6_ssh, raw_v4opts, frag4, frag6, truncated,
              dns_loop, tcp_lifecycle, pcapng_mixed, tunnels_starttls, icmp_errors, http_to_ssh):
        f(out)
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import make_app_pcaps  # the application dissectors' captures
    make_app_pcaps.main(out, sys.modules[__name__])
    print('wrote %d captures to %s' % (len(os.listdir(out)), out), file=sys.stderr)


if __name__ == '__main__':
    main()
