#!/usr/bin/env python3
"""Compare pp-sniff's records for one capture with tshark's ground truth.

usage: sniff_compare.py CAPTURE EXPECTED.tsv RECORDS.jsonl KNOWN_DIFFS.tsv KINDS

EXPECTED.tsv is made by ../shared/pcaps/make-expected.sh (one row per
relevant packet; columns documented there). KINDS is a comma-separated list
of the fact kinds to check (dns, tls, http, ssh, quic, gquic): the ones
whose dissector is in the tree. Each kind of fact that occurs in the capture gets
one output line:

    PASS pcap NAME KIND: N agree [, M known differences]
    FAIL pcap NAME KIND: what differs
    SKIP pcap NAME KIND: why

A fact is what both tools report about one message: DNS question name,
response flag and answers; TLS ClientHello SNI and ALPN; HTTP request host,
method, path and User-Agent; SSH banner; QUIC ClientHello SNI and ALPN;
Google QUIC CHLO SNI (a quic record whose version is Qnnn).
Facts are matched on the unordered pair of endpoints (pp-sniff writes the
originator first, tshark the packet's sender) and on their values. A fact
only one side has is a difference. Differences listed in KNOWN_DIFFS.tsv
(capture, frame or "extra", kind, reason) are expected: the reason says
why tshark, not pp-sniff, is wrong, or why the two differ by design. A
listed difference that no longer occurs fails too, so that the list stays
true.
"""
import json
import sys


class Any:
    """A value tshark's output cannot pin down: equal to anything."""
    def __eq__(self, other):
        return True

    def __repr__(self):
        return '*'


ANY = Any()


def same(x, y):
    return all(a[0] == b[0] and (a[1] is ANY or b[1] is ANY or a[1] == b[1]) for a, b in zip(x, y))


def endpoints(a, ap, b, bp):
    return frozenset([(a, str(ap)), (b, str(bp))])


def split(v):
    return [x for x in v.split('|')] if v else []


def expected_facts(path):
    facts = []
    with open(path, encoding='utf-8', errors='replace') as f:
        for line in f:
            if line.startswith('#') or not line.strip():
                continue
            c = line.rstrip('\n').split('\t')
            c += [''] * (22 - len(c))
            frame, src, sport, dst, dport, proto = c[0:6]
            ep = endpoints(src, sport, dst, dport)
            kind = proto.split('/')[0]
            if kind == 'tls':
                facts.append(dict(frame=frame, kind='tls', ep=ep,
                                  vals=(('sni', c[6]), ('alpn', tuple(split(c[7]))))))
            elif kind in ('dns', 'mdns', 'llmnr'):
                names, resp = split(c[8]), split(c[18])
                if len(resp) > 1 and len(names) == len(resp):
                    # Several DNS messages in one frame (pipelined over TCP):
                    # one fact each; tshark's answers cannot be told apart.
                    for n, r in zip(names, resp):
                        facts.append(dict(frame=frame, kind='dns', ep=ep,
                                          vals=(('qname', n), ('response', r == '1'), ('answers', ANY))))
                    continue
                facts.append(dict(frame=frame, kind='dns', ep=ep,
                                  vals=(('qname', names[0] if names else ''),
                                        ('response', resp[:1] == ['1']),
                                        ('answers', tuple(split(c[10]))))))
            elif kind == 'http':
                facts.append(dict(frame=frame, kind='http', ep=ep,
                                  vals=(('host', c[11]), ('method', c[12]), ('path', c[13]),
                                        ('user_agent', c[19]))))
            elif kind == 'ssh':
                facts.append(dict(frame=frame, kind='ssh', ep=ep, vals=(('banner', c[14]),)))
            elif kind == 'quic':
                if c[6] or c[7]:  # Initials that complete a ClientHello
                    facts.append(dict(frame=frame, kind='quic', ep=ep,
                                      vals=(('sni', c[6]), ('alpn', tuple(split(c[7]))))))
            elif kind == 'gquic':
                facts.append(dict(frame=frame, kind='gquic', ep=ep, vals=(('sni', c[6]),)))
    return facts


def answer_str(a):
    """An answer as make-expected.sh writes it: TYPE=value for the types
    whose value tshark prints, TYPE alone for the others."""
    t, d = a.get('type', ''), str(a.get('data', ''))
    if t in ('A', 'AAAA', 'CNAME', 'NS', 'PTR'):
        return '%s=%s' % (t, d)
    if t == 'MX':  # "preference exchange"
        return '%s=%s' % (t, d.split(' ', 1)[-1])
    if t in ('SVCB', 'HTTPS'):  # "priority target params..."
        parts = d.split(' ')
        target = parts[1] if len(parts) > 1 else ''
        if target in ('.', ''):
            target = '<Root>'
        return '%s=%s' % (t, target.rstrip('.') if target != '<Root>' else target)
    return t


def sniff_facts(path):
    facts = []
    with open(path, encoding='utf-8') as f:
        for line in f:
            r = json.loads(line)
            t = r.get('type')
            if t == 'flow':
                continue
            ep = endpoints(r.get('src'), r.get('sport'), r.get('dst'), r.get('dport'))
            if t == 'dns':
                facts.append(dict(kind='dns', ep=ep, rec=r,
                                  vals=(('qname', r.get('qname', '')),
                                        ('response', r.get('msg') == 'response'),
                                        ('answers', tuple(answer_str(a) for a in r.get('answers', []))))))
            elif t == 'tls' and r.get('msg') == 'client_hello':
                facts.append(dict(kind='tls', ep=ep, rec=r,
                                  vals=(('sni', r.get('sni', '')), ('alpn', tuple(r.get('alpn', []))))))
            elif t == 'http' and r.get('msg') == 'request':
                facts.append(dict(kind='http', ep=ep, rec=r,
                                  vals=(('host', r.get('host', '')), ('method', r.get('method', '')),
                                        ('path', r.get('path', '')), ('user_agent', r.get('user_agent', '')))))
            elif t == 'ssh':
                for side in ('client', 'server'):
                    if side in r:
                        facts.append(dict(kind='ssh', ep=ep, rec=r, vals=(('banner', r[side]),)))
            elif t == 'quic' and str(r.get('version', '')).startswith('Q'):
                # Google QUIC's CHLO (Q024-Q050): tshark's gquic.tag.sni.
                facts.append(dict(kind='gquic', ep=ep, rec=r, vals=(('sni', r.get('sni', '')),)))
            elif t == 'quic':
                if 'sni' in r or 'alpn' in r:
                    facts.append(dict(kind='quic', ep=ep, rec=r,
                                      vals=(('sni', r.get('sni', '')), ('alpn', tuple(r.get('alpn', []))))))
    return facts


def load_known(path, capture):
    known = {}
    with open(path, encoding='utf-8') as f:
        for line in f:
            if line.startswith('#') or not line.strip():
                continue
            c = line.rstrip('\n').split('\t')
            if len(c) >= 4 and c[0] == capture:
                known[(c[1], c[2])] = c[3]
    return known


def show(vals):
    return ', '.join('%s=%r' % (k, list(v) if isinstance(v, tuple) else v) for k, v in vals)


def main():
    capture, exp_path, rec_path, known_path, kinds = sys.argv[1:6]
    kinds = set(kinds.split(',')) if kinds else set()
    exp = expected_facts(exp_path)
    got = sniff_facts(rec_path)
    known = load_known(known_path, capture)
    status = 0
    for kind in ('dns', 'tls', 'http', 'ssh', 'quic', 'gquic'):
        e = [x for x in exp if x['kind'] == kind]
        g = [x for x in got if x['kind'] == kind]
        if not e and not g:
            continue
        name = 'pcap %s %s' % (capture, kind)
        if kind not in kinds:
            print('SKIP %s: no %s dissector in this tree' % (name, kind))
            continue
        used = [False] * len(g)
        diffs, agree, known_hit = [], 0, set()
        for x in e:
            hit = None
            for i, y in enumerate(g):
                if not used[i] and y['ep'] == x['ep'] and same(x['vals'], y['vals']):
                    hit = i
                    break
            if hit is not None:
                used[hit] = True
                agree += 1
                continue
            key = (x['frame'], kind)
            if key in known and ('*', kind) not in known:
                known_hit.add(key)
                # pp-sniff's differing record for this message, if any, is
                # part of the known difference.
                for i, y in enumerate(g):
                    if not used[i] and y['ep'] == x['ep']:
                        used[i] = True
                        break
                continue
            near = [y for i, y in enumerate(g) if not used[i] and y['ep'] == x['ep']]
            if near:
                diffs.append('frame %s: tshark %s; pp-sniff %s' % (x['frame'], show(x['vals']), show(near[0]['vals'])))
            else:
                diffs.append('frame %s: tshark %s; no pp-sniff record' % (x['frame'], show(x['vals'])))
        if ('*', kind) in known:
            # The whole capture is excused (fuzzed input): only require that
            # there is something to excuse.
            extras = [y for i, y in enumerate(g) if not used[i]]
            if diffs or extras:
                print('PASS %s: %d agree, the rest excused: %s' % (name, agree, known[('*', kind)]))
            else:
                status = 1
                print('FAIL %s: known difference */%s no longer occurs (update tests/sniff_known_diffs.tsv)' % (name, kind))
            continue
        extras = [y for i, y in enumerate(g) if not used[i]]
        if extras:
            if ('extra', kind) in known:
                known_hit.add(('extra', kind))
            else:
                for y in extras:
                    diffs.append('pp-sniff only: %s' % show(y['vals']))
        stale = [k for k in known if k[1] == kind and k not in known_hit]
        for k in stale:
            diffs.append('known difference %s/%s no longer occurs (update tests/sniff_known_diffs.tsv)' % k)
        if diffs:
            status = 1
            print('FAIL %s: %d difference(s): %s' % (name, len(diffs), ' | '.join(diffs[:4])))
            for d in diffs:
                print('  %s' % d, file=sys.stderr)
        else:
            note = ', %d known difference(s)' % len(known_hit) if known_hit else ''
            print('PASS %s: %d agree%s' % (name, agree, note))
    return status


if __name__ == '__main__':
    sys.exit(main())
