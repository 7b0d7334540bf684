# Records whose comm and sni hold every byte value (raw where JSON allows,
# \u00XX where it does not) and every C1 code point (as \u0080..\u009f
# escapes and as raw UTF-8), for the terminal-safety tests.
import sys
out = sys.stdout.buffer
n = 0
def rec(val):
    global n
    n += 1
    out.write(b'{"type":"sock","ts":1763884800.%d,"event":"connect","dir":"out","proto":"tcp",'
              b'"src":"10.0.0.1","sport":%d,"dst":"10.0.0.2","dport":443,"pid":%d,'
              b'"comm":"a' % (n, 1000 + n, n) + val + b'b","sni":"s' + val + b'.example"}\n')
for b in range(256):
    if b < 0x20 or b in (0x22, 0x5c):
        rec(b'\\u%04x' % b)
    else:
        rec(bytes([b]))
for cp in range(0x80, 0xa0):
    rec(b'\\u%04x' % cp)
    rec(chr(cp).encode('utf-8'))
for cp in (0x202e, 0x2066, 0x2028):
    rec(chr(cp).encode('utf-8'))
