"""The captures of pp-sniff's mail, file-transfer, discovery and UDP
dissectors (SMTP, IMAP, POP3, FTP, SIP, MQTT, BitTorrent, DHCP, NTP, STUN,
SSDP), written by scripts/make-test-pcaps.py, which passes itself as h for
its helpers (Tcp, eth, times, write_pcap, CANARY).

Each protocol runs on its usual port and once on another one (content
detection), and carries the canary where a secret or payload would be: a
password, a SASL exchange, an IMAP literal, a message body, an SNMP
community, a TURN relayed payload, an MQTT payload. No record may contain it.
"""
import base64
import os
import struct

from scapy.all import IP, UDP, Raw, BOOTP, DHCP, DNS, DNSQR, DNSRR, DNSRRSRV
from scapy.layers.ntp import NTP

T1 = 1700000100.0


def tcp_session(h, cli, srv, cport, sport, lines, isn=(7000, 90000)):
    """lines: (side, bytes) with side 0 the client; handshake and close."""
    c = h.Tcp(cli, srv, cport, sport, isn_c=isn[0], isn_s=isn[1])
    pkts = c.handshake()
    for side, data in lines:
        pkts.append(c.seg(side, 'PA', data))
    return pkts + c.close()


def mail_ftp(out, h):
    """SMTP with AUTH and a body, IMAP with literals, POP3, FTP with AUTH
    TLS, an SMTP STARTTLS, on their ports and on others; an ambiguous
    greeting nobody answers, HTTP on port 25, and an HTTP request to an SMTP
    server."""
    can = h.CANARY
    plain = base64.b64encode(b'\0alice\0' + can)
    smtp = [
        (1, b'220 mail.example.org ESMTP Postfix (Debian/GNU)\r\n'),
        (0, b'EHLO client.example.net\r\n'),
        (1, b'250-mail.example.org\r\n250-AUTH PLAIN LOGIN\r\n250 8BITMIME\r\n'),
        (0, b'AUTH PLAIN ' + plain + b'\r\n'),
        (1, b'235 2.7.0 Authentication successful\r\n'),
        (0, b'MAIL FROM:<alice@example.net>\r\n'),
        (1, b'250 2.1.0 Ok\r\n'),
        (0, b'RCPT TO:<bob@example.org>\r\n'),
        (1, b'250 2.1.5 Ok\r\n'),
        (0, b'DATA\r\n'),
        (1, b'354 End data with <CR><LF>.<CR><LF>\r\n'),
        (0, b'Subject: ' + can + b'\r\n\r\nVRFY inside the body\r\nQUIT\r\n' + can + b'\r\n.\r\n'),
        (1, b'250 2.0.0 Ok: queued\r\n'),
        (0, b'NOOP\r\n'),
        (1, b'250 2.0.0 Ok\r\n'),
        (0, b'QUIT\r\n'),
        (1, b'221 2.0.0 Bye\r\n'),
    ]
    login = [
        (1, b'220 smtp.example.com ESMTP Exim 4.96 Tue, 14 Nov 2023 22:13:20 +0000\r\n'),
        (0, b'EHLO laptop\r\n'),
        (1, b'250-smtp.example.com Hello laptop\r\n250 AUTH LOGIN\r\n'),
        (0, b'AUTH LOGIN\r\n'),
        (1, b'334 VXNlcm5hbWU6\r\n'),
        (0, base64.b64encode(b'alice') + b'\r\n'),
        (1, b'334 UGFzc3dvcmQ6\r\n'),
        (0, base64.b64encode(can) + b'\r\n'),
        (1, b'235 Authentication succeeded\r\n'),
        (0, b'BDAT %d LAST\r\n' % len(b'X-Secret: \r\nRSET\r\n' + can) + b'X-Secret: ' + can + b'\r\nRSET\r\n'),
        (1, b'250 OK\r\n'),
        (0, b'QUIT\r\n'),
    ]
    imap = [
        (1, b'* OK [CAPABILITY IMAP4rev1 LITERAL+ AUTH=PLAIN] Dovecot (Debian) ready.\r\n'),
        (0, b'a1 CAPABILITY\r\n'),
        (1, b'* CAPABILITY IMAP4rev1 LITERAL+\r\na1 OK done\r\n'),
        (0, b'a2 LOGIN {5}\r\n'),
        (1, b'+ OK\r\n'),
        (0, b'alice {%d+}\r\n' % len(can) + can + b'\r\n'),
        (1, b'a2 OK Logged in\r\n'),
        (0, b'a3 SELECT INBOX\r\n'),
        (1, b'* 1 EXISTS\r\na3 OK [READ-WRITE] done\r\n'),
        (0, b'a4 APPEND INBOX {%d+}\r\n' % (len(can) + 21) + b'a5 DELETE x\r\n' + can + b'\r\nQUIT\r\n' + b'\r\n'),
        (1, b'a4 OK appended\r\n'),
        (0, b'a6 FETCH 1 BODY[]\r\n'),
        (1, b'* 1 FETCH (BODY[] {%d}\r\n' % len(can) + can + b')\r\na6 OK\r\n'),
        (0, b'a7 LOGOUT\r\n'),
        (1, b'* BYE\r\na7 OK\r\n'),
    ]
    pop3 = [
        (1, b'+OK Dovecot ready.\r\n'),
        (0, b'CAPA\r\n'),
        (1, b'+OK\r\nUSER\r\nUIDL\r\n.\r\n'),
        (0, b'USER alice\r\n'),
        (1, b'+OK\r\n'),
        (0, b'PASS ' + can + b'\r\n'),
        (1, b'+OK Logged in.\r\n'),
        (0, b'STAT\r\n'),
        (1, b'+OK 1 40\r\n'),
        (0, b'RETR 1\r\n'),
        (1, b'+OK 40 octets\r\nSubject: hi\r\n\r\n' + can + b'\r\n.\r\n'),
        (0, b'QUIT\r\n'),
        (1, b'+OK Logging out.\r\n'),
    ]
    ftp = [
        (1, b'220 (vsFTPd 3.0.3)\r\n'),
        (0, b'USER anonymous\r\n'),
        (1, b'331 Please specify the password.\r\n'),
        (0, b'PASS ' + can + b'\r\n'),
        (1, b'230 Login successful.\r\n'),
        (0, b'SYST\r\n'),
        (1, b'215 UNIX Type: L8\r\n'),
        (0, b'PASV\r\n'),
        (1, b'227 Entering Passive Mode (10,20,0,2,156,64).\r\n'),
        (0, b'RETR secret.txt\r\n'),
        (1, b'150 Opening BINARY mode data connection.\r\n226 Transfer complete.\r\n'),
        (0, b'QUIT\r\n'),
        (1, b'221 Goodbye.\r\n'),
    ]
    hello = h.client_hello('ftp.example', ['ftp'])
    ftps = [
        (1, b'220-FileZilla Server 1.7.3\r\n220 Please visit https://filezilla-project.org/\r\n'),
        (0, b'AUTH TLS\r\n'),
        (1, b'234 Using authentication type TLS.\r\n'),
        (0, bytes(hello)),
    ]
    hello2 = h.client_hello('smtp.example', ['smtp'])
    smtps = [
        (1, b'220 mx.example.com ESMTP ready\r\n'),
        (0, b'EHLO mta.example.net\r\n'),
        (1, b'250-mx.example.com\r\n250 STARTTLS\r\n'),
        (0, b'STARTTLS\r\n'),
        (1, b'220 2.0.0 Ready to start TLS\r\n'),
        (0, bytes(hello2)),
    ]
    hello3 = h.client_hello('imap.example', ['imap'])
    imaps = [
        (1, b'* OK [CAPABILITY IMAP4rev1 STARTTLS LOGINDISABLED] Cyrus IMAP v3.6.1 server ready\r\n'),
        (0, b'A001 CAPABILITY\r\n'),
        (1, b'* CAPABILITY IMAP4rev1 STARTTLS LOGINDISABLED\r\nA001 OK Completed\r\n'),
        (0, b'A002 STARTTLS\r\n'),
        (1, b'A002 OK Begin TLS negotiation now\r\n'),
        (0, bytes(hello3)),
    ]
    pkts = []
    pkts += tcp_session(h, '10.20.0.1', '10.20.0.2', 41000, 25, smtp)
    pkts += tcp_session(h, '10.20.0.1', '10.20.0.2', 41001, 2500, login)
    pkts += tcp_session(h, '10.20.0.1', '10.20.0.2', 41002, 143, imap)
    pkts += tcp_session(h, '10.20.0.1', '10.20.0.2', 41003, 1100, pop3)
    pkts += tcp_session(h, '10.20.0.1', '10.20.0.2', 41004, 21, ftp)
    pkts += tcp_session(h, '10.20.0.1', '10.20.0.2', 41005, 2121, ftps)
    pkts += tcp_session(h, '10.20.0.1', '10.20.0.2', 41006, 587, smtps)
    pkts += tcp_session(h, '10.20.0.1', '10.20.0.2', 41009, 1430, imaps)
    # an HTTP request to an SMTP server: its greeting, and the request on its own
    pkts += tcp_session(h, '10.20.0.1', '10.20.0.2', 41010, 25,
                        [(1, b'220 mx.example.org ESMTP Postfix\r\n'),
                         (0, b'GET /to-smtp HTTP/1.1\r\nHost: mx.example.org\r\n\r\n'),
                         (1, b'502 5.5.2 Error: command not recognized\r\n')])
    # a "220" that says neither protocol, on a port of neither, never answered
    pkts += tcp_session(h, '10.20.0.1', '10.20.0.2', 41007, 7777, [(1, b'220 welcome\r\n')])
    # HTTP on the SMTP port: the port does not make it SMTP
    pkts += tcp_session(h, '10.20.0.1', '10.20.0.2', 41008, 25,
                        [(0, b'GET /port25 HTTP/1.1\r\nHost: web.example\r\n\r\n'),
                         (1, b'HTTP/1.1 204 No Content\r\n\r\n')])
    h.write_pcap(os.path.join(out, 'mail_ftp.pcap'), h.LINKTYPE_ETHERNET,
                 [(t, h.eth(p)) for t, p in h.times(pkts, start=T1)])


def stun_msg(mtype, tid, attrs):
    body = b''
    for at, val in attrs:
        body += struct.pack('!HH', at, len(val)) + val + b'\0' * (-len(val) % 4)
    return struct.pack('!HHI', mtype, len(body), 0x2112A442) + tid + body


def xor_addr4(ip, port):
    a = bytes(int(x) for x in ip.split('.'))
    x = bytes(b ^ c for b, c in zip(a, b'\x21\x12\xa4\x42'))
    return struct.pack('!BBH', 0, 1, port ^ 0x2112) + x


def snmp_get(community):
    """An SNMPv2c GetRequest for sysDescr.0 (BER by hand)."""
    def tlv(t, v):
        return bytes([t, len(v)]) + v
    oid = tlv(0x06, b'\x2b\x06\x01\x02\x01\x01\x01\x00')
    vb = tlv(0x30, tlv(0x30, oid + b'\x05\x00'))
    pdu = tlv(0xa0, tlv(0x02, b'\x01') + tlv(0x02, b'\x00') + tlv(0x02, b'\x00') + vb)
    return tlv(0x30, tlv(0x02, b'\x01') + tlv(0x04, community) + pdu)


def udp_apps(out, h):
    """DHCP DORA with host name, vendor class and requested address; NTP
    client and server on 123 and on another port; STUN binding and TURN
    allocate with mapped and relayed addresses, a Send indication carrying
    the canary; SSDP M-SEARCH, response and NOTIFY; an mDNS PTR query and
    answer; an SNMP community."""
    mac = bytes.fromhex('02aabbccddee')
    can = h.CANARY
    pk = []

    def dhcp(src, dst, op, opts, yiaddr='0.0.0.0'):
        return (IP(src=src, dst=dst) / UDP(sport=68 if op == 1 else 67, dport=67 if op == 1 else 68) /
                BOOTP(op=op, chaddr=mac + b'\0' * 10, xid=0x1234abcd, yiaddr=yiaddr) / DHCP(options=opts))
    common = [('hostname', b'laptop-7'), ('vendor_class_id', b'MSFT 5.0'), ('param_req_list', [1, 3, 6, 15, 119, 252])]
    pk.append(dhcp('0.0.0.0', '255.255.255.255', 1, [('message-type', 'discover')] + common + ['end']))
    pk.append(dhcp('10.30.0.1', '255.255.255.255', 2, [('message-type', 'offer'), ('server_id', '10.30.0.1'),
                                                      ('lease_time', 3600), 'end'], yiaddr='10.30.0.50'))
    pk.append(dhcp('0.0.0.0', '255.255.255.255', 1, [('message-type', 'request'), ('requested_addr', '10.30.0.50'),
                                                      ('server_id', '10.30.0.1')] + common + ['end']))
    pk.append(dhcp('10.30.0.1', '255.255.255.255', 2, [('message-type', 'ack'), ('server_id', '10.30.0.1'),
                                                      ('lease_time', 3600), 'end'], yiaddr='10.30.0.50'))
    # NTP: a client query and a stratum-2 reply, then the same on port 4123
    for sport, dport in ((40123, 123), (40124, 4123)):
        q = NTP(leap=0, version=4, mode=3, stratum=0, poll=6, precision=-20, ref=0, orig=0, recv=0,
                sent=3909000000.5)
        r = NTP(leap=0, version=4, mode=4, stratum=2, poll=6, precision=-24, id='192.0.2.123',
                ref=3908999000.0, orig=3909000000.5, recv=3909000000.6, sent=3909000000.7)
        pk.append(IP(src='10.30.0.9', dst='10.30.0.123') / UDP(sport=sport, dport=dport) / q)
        pk.append(IP(src='10.30.0.123', dst='10.30.0.9') / UDP(sport=dport, dport=sport) / r)
    r1 = bytearray(bytes(NTP(leap=0, version=4, mode=4, stratum=1, poll=4, precision=-29,
                             ref=3908999999.0, orig=3909000001.0, recv=3909000001.1, sent=3909000001.2)))
    r1[12:16] = b'GPS\0'  # a stratum-1 reference id is a clock name
    pk.append(IP(src='10.30.0.124', dst='10.30.0.9') / UDP(sport=123, dport=40125) / Raw(bytes(r1)))
    # STUN binding on 3478 and on a random port; TURN allocate and a Send
    tid = bytes(range(1, 13))
    for cport, sport in ((50000, 3478), (50002, 40999)):
        pk.append(IP(src='10.30.0.9', dst='198.51.100.3') / UDP(sport=cport, dport=sport) /
                  Raw(stun_msg(0x0001, tid, [(0x8022, b'libwebrtc')])))
        pk.append(IP(src='198.51.100.3', dst='10.30.0.9') / UDP(sport=sport, dport=cport) /
                  Raw(stun_msg(0x0101, tid, [(0x0020, xor_addr4('203.0.113.77', 61000)),
                                             (0x8022, b'Coturn-4.6.1')])))
    tid2 = bytes(range(21, 33))
    pk.append(IP(src='10.30.0.9', dst='198.51.100.3') / UDP(sport=50004, dport=3478) /
              Raw(stun_msg(0x0003, tid2, [(0x0019, b'\x11\0\0\0'), (0x0006, b'user:' + can)])))
    pk.append(IP(src='198.51.100.3', dst='10.30.0.9') / UDP(sport=3478, dport=50004) /
              Raw(stun_msg(0x0103, tid2, [(0x0016, xor_addr4('198.51.100.3', 49152)),
                                          (0x0020, xor_addr4('203.0.113.77', 61001))])))
    pk.append(IP(src='10.30.0.9', dst='198.51.100.3') / UDP(sport=50004, dport=3478) /
              Raw(stun_msg(0x0016, tid2, [(0x0012, xor_addr4('192.0.2.99', 5000)), (0x0013, can)])))
    # SSDP
    pk.append(IP(src='10.30.0.9', dst='239.255.255.250') / UDP(sport=50010, dport=1900) /
              Raw(b'M-SEARCH * HTTP/1.1\r\nHOST: 239.255.255.250:1900\r\nMAN: "ssdp:discover"\r\nMX: 2\r\n'
                  b'ST: urn:schemas-upnp-org:device:MediaRenderer:1\r\nUSER-AGENT: Linux/6.1 UPnP/2.0 pp-test/1.0\r\n\r\n'))
    pk.append(IP(src='10.30.0.40', dst='10.30.0.9') / UDP(sport=1900, dport=50010) /
              Raw(b'HTTP/1.1 200 OK\r\nCACHE-CONTROL: max-age=1800\r\nEXT:\r\nLOCATION: http://10.30.0.40:49152/desc.xml\r\n'
                  b'SERVER: Linux/4.9 UPnP/1.0 Sonos/70.3\r\nST: urn:schemas-upnp-org:device:MediaRenderer:1\r\n'
                  b'USN: uuid:RINCON_000E58A0::urn:schemas-upnp-org:device:MediaRenderer:1\r\n\r\n'))
    pk.append(IP(src='10.30.0.41', dst='239.255.255.250') / UDP(sport=1900, dport=1900) /
              Raw(b'NOTIFY * HTTP/1.1\r\nHOST: 239.255.255.250:1900\r\nNT: urn:dial-multiscreen-org:service:dial:1\r\n'
                  b'NTS: ssdp:alive\r\nLOCATION: http://10.30.0.41:8008/ssdp/device-desc.xml\r\n'
                  b'USN: uuid:3e1cc7c0::urn:dial-multiscreen-org:service:dial:1\r\n\r\n'))
    # mDNS service discovery: the DNS dissector's records carry it
    pk.append(IP(src='10.30.0.9', dst='224.0.0.251') / UDP(sport=5353, dport=5353) /
              DNS(id=0, qr=0, qd=DNSQR(qname='_googlecast._tcp.local', qtype='PTR')))
    pk.append(IP(src='10.30.0.42', dst='224.0.0.251') / UDP(sport=5353, dport=5353) /
              DNS(id=0, qr=1, aa=1, qd=None,
                  an=DNSRR(rrname='_googlecast._tcp.local', type='PTR', ttl=120,
                           rdata='Living-Room-TV._googlecast._tcp.local') /
                  DNSRRSRV(rrname='Living-Room-TV._googlecast._tcp.local', ttl=120, port=8009,
                           target='living-room.local')))
    # SNMP: never dissected, its community never written
    pk.append(IP(src='10.30.0.9', dst='10.30.0.1') / UDP(sport=50020, dport=161) / Raw(snmp_get(can)))
    h.write_pcap(os.path.join(out, 'udp_apps.pcap'), h.LINKTYPE_ETHERNET,
                 [(t, h.eth(p)) for t, p in h.times(pk, start=T1 + 100)])


def mqtt_str(b):
    return struct.pack('!H', len(b)) + b


def mqtt_pkt(first, body):
    n, rl = len(body), b''
    while True:
        d, n = n % 128, n // 128
        rl += bytes([d | (0x80 if n else 0)])
        if not n:
            return bytes([first]) + rl + body


def sip_mqtt_bt(out, h):
    """SIP over UDP (INVITE with an SDP body, REGISTER on another port) and
    TCP (OPTIONS); MQTT 3.1.1 and 5.0 with a password and payloads; the
    BitTorrent handshake and a DHT get_peers query."""
    can = h.CANARY
    sdp = b'v=0\r\no=alice 1 1 IN IP4 10.40.0.1\r\ns=' + can + b'\r\nc=IN IP4 10.40.0.1\r\nm=audio 49170 RTP/AVP 0\r\n'
    via = b'Via: SIP/2.0/UDP 10.40.0.1:5060;branch=z9hG4bK776asdhds\r\n'
    invite = (b'INVITE sip:bob@biloxi.example.com SIP/2.0\r\n' + via +
              b'Max-Forwards: 70\r\nTo: Bob <sip:bob@biloxi.example.com>\r\n'
              b'From: "Alice" <sip:alice@atlanta.example.com>;tag=1928301774\r\n'
              b'Call-ID: a84b4c76e66710@pc33.atlanta.example.com\r\nCSeq: 314159 INVITE\r\n'
              b'Contact: <sip:alice@10.40.0.1>\r\nUser-Agent: Linphone/5.2.0 (belle-sip/5.2.0)\r\n'
              b'Content-Type: application/sdp\r\nContent-Length: %d\r\n\r\n' % len(sdp) + sdp)
    def resp(code, reason, cseq, extra=b''):
        return (b'SIP/2.0 %d %s\r\n' % (code, reason) + via +
                b'To: Bob <sip:bob@biloxi.example.com>;tag=a6c85cf\r\n'
                b'From: "Alice" <sip:alice@atlanta.example.com>;tag=1928301774\r\n'
                b'Call-ID: a84b4c76e66710@pc33.atlanta.example.com\r\nCSeq: ' + cseq + b'\r\n' + extra +
                b'Content-Length: 0\r\n\r\n')
    pk = []
    u = lambda a, b, sp, dp, data: IP(src=a, dst=b) / UDP(sport=sp, dport=dp) / Raw(data)
    pk.append(u('10.40.0.1', '10.40.0.2', 5060, 5060, invite))
    pk.append(u('10.40.0.2', '10.40.0.1', 5060, 5060, resp(100, b'Trying', b'314159 INVITE')))
    pk.append(u('10.40.0.2', '10.40.0.1', 5060, 5060, resp(200, b'OK', b'314159 INVITE', b'Server: Asterisk PBX 20.5.0\r\n')))
    pk.append(u('10.40.0.1', '10.40.0.2', 5060, 5060,
                b'BYE sip:bob@10.40.0.2 SIP/2.0\r\n' + via + b'To: <sip:bob@biloxi.example.com>;tag=a6c85cf\r\n'
                b'f: <sip:alice@atlanta.example.com>;tag=1928301774\r\ni: a84b4c76e66710\r\nCSeq: 314160 BYE\r\nl: 0\r\n\r\n'))
    pk.append(u('10.40.0.1', '10.40.0.3', 45090, 5090,
                b'REGISTER sip:registrar.example.org SIP/2.0\r\n' + via +
                b'To: <sip:+15551234@registrar.example.org>\r\nFrom: <sip:+15551234@registrar.example.org>;tag=x1\r\n'
                b'Call-ID: r1@10.40.0.1\r\nCSeq: 1 REGISTER\r\nUser-Agent: Zoiper rv2.10\r\n'
                b'Authorization: Digest username="15551234", response="' + can + b'"\r\nContent-Length: 0\r\n\r\n'))
    pk.append(u('10.40.0.3', '10.40.0.1', 5090, 45090,
                b'SIP/2.0 200 OK\r\n' + via + b'To: <sip:+15551234@registrar.example.org>;tag=s1\r\n'
                b'From: <sip:+15551234@registrar.example.org>;tag=x1\r\nCall-ID: r1@10.40.0.1\r\nCSeq: 1 REGISTER\r\n'
                b'Server: Kamailio (5.7.2 (x86_64/linux))\r\nContent-Length: 0\r\n\r\n'))
    tcp = tcp_session(h, '10.40.0.1', '10.40.0.2', 45061, 5060, [
        (0, b'OPTIONS sip:bob@biloxi.example.com SIP/2.0\r\nVia: SIP/2.0/TCP 10.40.0.1:45061;branch=z9hG4bKo1\r\n'
            b'To: <sip:bob@biloxi.example.com>\r\nFrom: <sip:alice@atlanta.example.com>;tag=o1\r\n'
            b'Call-ID: o1@10.40.0.1\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n'),
        (1, b'SIP/2.0 200 OK\r\nVia: SIP/2.0/TCP 10.40.0.1:45061;branch=z9hG4bKo1\r\n'
            b'To: <sip:bob@biloxi.example.com>;tag=t2\r\nFrom: <sip:alice@atlanta.example.com>;tag=o1\r\n'
            b'Call-ID: o1@10.40.0.1\r\nCSeq: 1 OPTIONS\r\nServer: FreeSWITCH-mod_sofia/1.10.10\r\nContent-Length: 0\r\n\r\n')])
    pk += tcp
    # MQTT 3.1.1: CONNECT with user name and password (the canary)
    connect = mqtt_pkt(0x10, mqtt_str(b'MQTT') + b'\x04\xc2\x00\x3c' + mqtt_str(b'sensor-42') +
                       mqtt_str(b'alice') + mqtt_str(can))
    m1 = [(0, connect), (1, mqtt_pkt(0x20, b'\x00\x00')),
          (0, mqtt_pkt(0x82, b'\x00\x01' + mqtt_str(b'home/+/temperature') + b'\x01' + mqtt_str(b'cmd/sensor-42') + b'\x00')),
          (1, mqtt_pkt(0x90, b'\x00\x01\x01\x00')),
          (0, mqtt_pkt(0x30, mqtt_str(b'home/kitchen/temperature') + b'21.5 ' + can)),
          (1, mqtt_pkt(0x33, mqtt_str(b'cmd/sensor-42') + b'\x00\x07' + can)),
          (0, mqtt_pkt(0xe0, b''))]
    pk += tcp_session(h, '10.40.0.1', '10.40.0.4', 45883, 1883, m1)
    # MQTT 5.0 on another port, with properties
    connect5 = mqtt_pkt(0x10, mqtt_str(b'MQTT') + b'\x05\x02\x00\x1e' + b'\x05\x11\x00\x00\x0e\x10' + mqtt_str(b'phone-app'))
    m5 = [(0, connect5), (1, mqtt_pkt(0x20, b'\x00\x00\x00')),
          (0, mqtt_pkt(0x82, b'\x00\x02\x00' + mqtt_str(b'chat/room1') + b'\x01')),
          (0, mqtt_pkt(0x32, mqtt_str(b'chat/room1') + b'\x00\x03' + b'\x02\x01\x01' + can))]
    pk += tcp_session(h, '10.40.0.1', '10.40.0.4', 45884, 11883, m5)
    # BitTorrent handshakes, on 6881 and on a random port
    ih = bytes.fromhex('c12fe1c06bba254a9dc9f519b335aa7c1367a88a')
    hs = lambda peer: b'\x13BitTorrent protocol' + b'\x00\x00\x00\x00\x00\x10\x00\x05' + ih + peer
    for cport, sport in ((46881, 6881), (46882, 51413)):
        pk += tcp_session(h, '10.40.0.1', '10.40.0.5', cport, sport, [
            (0, hs(b'-qB4650-' + b'abcdefghijkl')), (1, hs(b'-TR4050-' + b'mnopqrstuvwx')),
            (0, b'\x00\x00\x00\x05\x05\xff\xff\xff\xff' + can)])
    pk.append(u('10.40.0.1', '10.40.0.6', 46999, 6881,
                b'd1:ad2:id20:abcdefghij01234567899:info_hash20:' + ih + b'e1:q9:get_peers1:t2:aa1:y1:qe'))
    pk.append(u('10.40.0.6', '10.40.0.1', 6881, 46999,
                b'd1:rd2:id20:mnopqrstuvwxyz1234565:token8:aoeusnth6:valuesl6:axje.u6:idhtnmee1:t2:aa1:y1:re'))
    h.write_pcap(os.path.join(out, 'sip_mqtt_bt.pcap'), h.LINKTYPE_ETHERNET,
                 [(t, h.eth(p)) for t, p in h.times(pk, start=T1 + 200)])


def main(out, h):
    for f in (mail_ftp, udp_apps, sip_mqtt_bt):
        f(out, h)
