#!/usr/bin/env python3
"""A reader of Zeek's ASCII (TSV) logs, written from Zeek's documentation
(docs.zeek.org: "Zeek Logs", the LogAscii writer's options, the types of
the Zeek script language), not from pp-fmt's code, to check pp-fmt --zeek.

    zeek_tsv.py LOG...   prints each row as one JSON object (with "_path"),
                         exit 1 with "file:line: why" on the first problem.

Checked: the header lines in Zeek's order (#separator \\x09, #set_separator,
#empty_field, #unset_field, #path, #open, #fields, #types), as many types as
fields, known types only, every row with exactly one value per field, every
value valid for its type (time/interval with six decimals, count, int, port,
addr, bool T/F, enum, string with \\xHH escapes, set[T]/vector[T] split on
the set separator), no raw control bytes, and a #close line last.
"""
import ipaddress
import json
import re
import sys

TIME = re.compile(r"^-?[0-9]+\.[0-9]{6}$")
STAMP = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}-[0-9]{2}-[0-9]{2}-[0-9]{2}$")
ENUM = re.compile(r"^[A-Za-z_][A-Za-z0-9_:]*$")
ATOMIC = {"time", "interval", "count", "int", "port", "addr", "subnet", "bool", "enum",
          "string", "double"}


class Bad(Exception):
    pass


def unescape(s):
    out = bytearray()
    i = 0
    b = s.encode("latin-1")  # the file is read as bytes mapped 1:1
    while i < len(b):
        if b[i] == 0x5C:  # backslash: only \xHH is written by Zeek's writer
            m = re.match(rb"\\x([0-9a-fA-F]{2})", b[i:i + 4])
            if not m:
                raise Bad("bad escape at %r" % s[i:i + 4])
            out.append(int(m.group(1), 16))
            i += 4
        else:
            if b[i] < 0x20 or b[i] == 0x7F:
                raise Bad("raw control byte 0x%02x" % b[i])
            out.append(b[i])
            i += 1
    return out.decode("utf-8", errors="surrogateescape")


def atom(t, v, empty):
    if t in ("time", "interval"):
        if not TIME.match(v):
            raise Bad("%s %r" % (t, v))
        return float(v)
    if t == "double":
        return float(v)
    if t == "count":
        if not v.isdigit():
            raise Bad("count %r" % v)
        return int(v)
    if t == "int":
        if not re.match(r"^-?[0-9]+$", v):
            raise Bad("int %r" % v)
        return int(v)
    if t == "port":
        if not v.isdigit() or int(v) > 65535:
            raise Bad("port %r" % v)
        return int(v)
    if t == "addr":
        a = ipaddress.ip_address(v)  # raises ValueError
        if str(a) != v:
            raise Bad("addr not canonical %r" % v)
        return v
    if t == "subnet":
        return str(ipaddress.ip_network(v))
    if t == "bool":
        if v not in ("T", "F"):
            raise Bad("bool %r" % v)
        return v == "T"
    if t == "enum":
        if not ENUM.match(v):
            raise Bad("enum %r" % v)
        return v
    if t == "string":
        return "" if v == empty else unescape(v)
    raise Bad("type %r" % t)


def value(t, v, unset, empty, setsep):
    if v == unset:
        return None
    m = re.match(r"^(set|vector|table)\[(\w+)\]$", t)
    if m:
        if m.group(2) not in ATOMIC:
            raise Bad("element type %r" % t)
        if v == empty:
            return []
        return [atom(m.group(2), e, empty) for e in v.split(setsep)]
    if t not in ATOMIC:
        raise Bad("unknown type %r" % t)
    return atom(t, v, empty)


def read(path, emit):
    with open(path, "rb") as f:
        lines = f.read().decode("latin-1").split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    else:
        raise Bad("%s: no newline at the end" % path)
    n = 0

    def meta(key):
        nonlocal n
        if n >= len(lines) or not lines[n].startswith("#" + key):
            raise Bad("%s:%d: expected #%s" % (path, n + 1, key))
        rest = lines[n][len(key) + 1:]
        n += 1
        if key == "separator":
            if rest != " \\x09":
                raise Bad("%s:1: separator %r" % (path, rest))
            return "\t"
        if not rest.startswith("\t"):
            raise Bad("%s:%d: #%s not followed by the separator" % (path, n, key))
        return rest[1:]

    meta("separator")
    setsep = unescape(meta("set_separator"))
    empty = meta("empty_field")
    unset = meta("unset_field")
    logpath = meta("path")
    if not STAMP.match(meta("open")):
        raise Bad("%s: #open stamp" % path)
    fields = meta("fields").split("\t")
    types = meta("types").split("\t")
    if len(fields) != len(types) or len(set(fields)) != len(fields):
        raise Bad("%s: %d fields, %d types (or a name twice)" % (path, len(fields), len(types)))
    rows = 0
    closed = False
    while n < len(lines):
        line = lines[n]
        n += 1
        if line.startswith("#close"):
            if not STAMP.match(line[7:]) or line[6] != "\t" or n != len(lines):
                raise Bad("%s:%d: #close must be the last line, with a stamp" % (path, n))
            closed = True
            break
        if line.startswith("#"):
            raise Bad("%s:%d: unexpected meta line" % (path, n))
        vals = line.split("\t")
        if len(vals) != len(fields):
            raise Bad("%s:%d: %d values for %d fields" % (path, n, len(vals), len(fields)))
        rec = {"_path": logpath}
        for name, t, v in zip(fields, types, vals):
            try:
                rec[name] = value(t, v, unset, empty, setsep)
            except (Bad, ValueError) as e:
                raise Bad("%s:%d: %s: %s" % (path, n, name, e))
        emit(rec)
        rows += 1
    if not closed:
        raise Bad("%s: no #close line" % path)
    if rows == 0:
        raise Bad("%s: no rows (Zeek creates a log at its first row)" % path)


def main():
    try:
        for p in sys.argv[1:]:
            read(p, lambda r: print(json.dumps(r, sort_keys=True)))
    except Bad as e:
        print("zeek_tsv.py: %s" % e, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
