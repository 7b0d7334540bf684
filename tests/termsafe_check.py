# termsafe_check.py FILE: exit 1 (saying where) if FILE holds anything a
# terminal would act on beyond line ends: a C0 control other than \n (and
# the SGR sequences of our own colours, when --sgr-ok), DEL, a C1 control
# (U+0080..U+009F), a bidi override, or bytes that are not UTF-8.
import re, sys
data = open(sys.argv[1], 'rb').read()
if '--sgr-ok' in sys.argv:
    data = re.sub(rb'\x1b\[[0-9;]*[mKJH]', b'', data)
try:
    text = data.decode('utf-8')
except UnicodeDecodeError as e:
    sys.exit('not UTF-8 at byte %d' % e.start)
for i, ch in enumerate(text):
    c = ord(ch)
    if (c < 0x20 and ch not in '\n\r') or c == 0x7f or 0x80 <= c <= 0x9f or \
       0x202a <= c <= 0x202e or 0x2066 <= c <= 0x2069 or c in (0x2028, 0x2029):
        sys.exit('control U+%04X at character %d: %r' % (c, i, text[max(0, i - 20):i + 20]))
