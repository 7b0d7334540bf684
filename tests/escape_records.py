# escape_records.py < records > records: the same records with every third
# character (by code point) of each string, keys included, written as a
# \uXXXX escape (and '/' as "\/"): another spelling of the same values, for
# the tests that escaped and plain spellings join and filter alike.
import json, sys

def s(v):
    out = []
    for ch in v:
        c = ord(ch)
        if ch == '/':
            out.append('\\/')
        elif c < 0x20 or ch in '"\\' or c % 3 == 0:
            if c > 0xffff:
                c -= 0x10000
                out.append('\\u%04x\\u%04x' % (0xd800 + (c >> 10), 0xdc00 + (c & 0x3ff)))
            else:
                out.append('\\u%04x' % c)
        else:
            out.append(ch)
    return '"' + ''.join(out) + '"'

def dump(v):
    if isinstance(v, dict):
        return '{' + ','.join(s(k) + ':' + dump(x) for k, x in v.items()) + '}'
    if isinstance(v, list):
        return '[' + ','.join(dump(x) for x in v) + ']'
    if isinstance(v, str):
        return s(v)
    return json.dumps(v)

for line in sys.stdin.buffer:
    line = line.decode('utf-8').rstrip('\n')
    try:
        obj = json.loads(line)
    except ValueError:
        print(line)  # not a record: passed on as it is
        continue
    print(dump(obj))
