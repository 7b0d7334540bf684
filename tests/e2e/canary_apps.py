"""Peers for tests/e2e/canary.sh part 5: each application protocol pp-sniff
dissects, spoken on the loopback of the test's namespace, with a secret
where the protocol carries one. SMTP's server is Python's smtpd (a real
SMTP implementation); the others are scripted here, both ends.

usage: canary_apps.py CANARY-PREFIX     (run by /usr/bin/python3)
Every secret is PREFIX plus a tag; the script prints nothing on success."""
import asyncore
import base64
import smtplib
import socket
import struct
import sys
import threading
import time
import warnings

warnings.simplefilter('ignore')
import smtpd  # noqa: E402  (deprecated, still in Debian 12's Python 3.11)

C = sys.argv[1]
HOST = '127.0.0.1'


class Sink(smtpd.SMTPServer):
    def process_message(self, *a, **kw):
        return None


def smtp():
    Sink((HOST, 2525), None)
    threading.Thread(target=asyncore.loop, kwargs={'timeout': 0.1}, daemon=True).start()
    time.sleep(0.2)
    s = smtplib.SMTP(HOST, 2525, local_hostname='canary-client.test')
    s.ehlo('canary-client.test')
    s.docmd('AUTH', 'PLAIN ' + base64.b64encode(('\0alice\0' + C + 'SmtpPass').encode()).decode())
    s.sendmail('a@x.test', ['b@y.test'], 'Subject: %sSmtpSubj\r\n\r\n%sSmtpBody\r\n' % (C, C))
    s.quit()


def scripted(port, greeting, replies):
    """A server that greets, then answers each line with the next reply."""
    srv = socket.socket()
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind((HOST, port))
    srv.listen(1)

    def run():
        c, _ = srv.accept()
        c.sendall(greeting)
        f = c.makefile('rb')
        for r in replies:
            if not f.readline():
                break
            c.sendall(r)
        time.sleep(0.3)
        c.close()
    t = threading.Thread(target=run, daemon=True)
    t.start()
    return t


def client(port, lines):
    s = socket.create_connection((HOST, port))
    s.recv(4096)
    for line in lines:
        s.sendall(line)
        s.recv(4096)
    s.close()


def text_protocols():
    t = scripted(1430, b'* OK [CAPABILITY IMAP4rev1] ready\r\n',
                 [b'a1 OK\r\n', b'a2 OK\r\n', b'* BYE\r\na3 OK\r\n'])
    client(1430, [b'a1 LOGIN alice "%sImapPass"\r\n' % C.encode(), b'a2 SELECT INBOX\r\n', b'a3 LOGOUT\r\n'])
    t.join()
    t = scripted(1100, b'+OK ready\r\n', [b'+OK\r\n', b'+OK\r\n', b'+OK bye\r\n'])
    client(1100, [b'USER alice\r\n', b'PASS %sPopPass\r\n' % C.encode(), b'QUIT\r\n'])
    t.join()
    t = scripted(2121, b'220 FTP server ready\r\n', [b'331 pw\r\n', b'230 ok\r\n', b'221 bye\r\n'])
    client(2121, [b'USER alice\r\n', b'PASS %sFtpPass\r\n' % C.encode(), b'QUIT\r\n'])
    t.join()


def mqtt():
    def s16(b):
        return struct.pack('!H', len(b)) + b

    def pkt(first, body):
        return bytes([first, len(body)]) + body
    t = scripted(1883, b'', [])
    s = socket.create_connection((HOST, 1883))
    s.sendall(pkt(0x10, s16(b'MQTT') + b'\x04\xc2\x00\x3c' + s16(b'canary-dev') + s16(b'alice') +
                  s16((C + 'MqttPass').encode())))
    s.sendall(pkt(0x30, s16(b'canary/topic') + (C + 'MqttPayload').encode()))
    time.sleep(0.2)
    s.close()
    t.join(1)


def udp():
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sinks = []
    for port in (5060, 3478, 161):
        k = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        k.bind((HOST, port))
        sinks.append(k)
    body = ('v=0\r\ns=%sSipBody\r\n' % C).encode()
    u.sendto(b'REGISTER sip:reg.test SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1\r\nFrom: <sip:a@reg.test>;tag=1\r\n'
             b'To: <sip:a@reg.test>\r\nCall-ID: 1\r\nCSeq: 1 REGISTER\r\n'
             b'Authorization: Digest username="a", response="' + (C + 'SipAuth').encode() + b'"\r\n'
             b'Content-Length: %d\r\n\r\n' % len(body) + body, (HOST, 5060))
    data = (C + 'TurnData').encode()
    data += b'\0' * (-len(data) % 4)
    attrs = struct.pack('!HH', 0x0012, 8) + b'\x00\x01\x34\x56\x5e\x12\xa4\x43' + \
        struct.pack('!HH', 0x0013, len(data)) + data
    u.sendto(struct.pack('!HHI', 0x0016, len(attrs), 0x2112A442) + b'\1' * 12 + attrs, (HOST, 3478))
    comm = (C + 'SnmpCommunity').encode()
    pdu = bytes([0xa0, 0x0b, 2, 1, 1, 2, 1, 0, 2, 1, 0, 0x30, 0])
    msg = bytes([2, 1, 1, 4, len(comm)]) + comm + pdu
    u.sendto(bytes([0x30, len(msg)]) + msg, (HOST, 161))
    time.sleep(0.2)


smtp()
text_protocols()
mqtt()
udp()
