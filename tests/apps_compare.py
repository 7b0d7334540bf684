#!/usr/bin/env python3
"""Compare pp-sniff's application records (smtp, imap, pop3, ftp, dhcp, ntp,
stun, ssdp, sip, mqtt, bittorrent) for one capture with tshark's fields.

usage: apps_compare.py CAPTURE RECORDS.jsonl KNOWN_DIFFS.tsv [tshark -d args...]

tshark is run here, once, with the fields of every protocol. A fact is what
one message (UDP) or one session (TCP: greeting, commands) says; facts are
matched on the unordered pair of endpoints and, for datagrams, the frame
time. Output, one line per protocol seen by either tool:

    PASS NAME PROTO: N agree [, M known differences]
    FAIL NAME PROTO: what differs

A fact only one side has is a difference, so a record pp-sniff writes for
traffic tshark does not take for that protocol (a wrong guess) fails, and
so does a message tshark dissects and pp-sniff misses. KNOWN_DIFFS.tsv
(capture, proto, field, tshark's value, pp-sniff's value, reason) lists
the expected ones (field "*": every difference of that protocol in a
fuzzed capture), each with why tshark is the one that is wrong or why the
two differ by design; a listed difference that does not occur fails too.
Exit status 1 on any FAIL.
"""
import collections
import json
import os
import subprocess
import sys

FIELDS = [
    'frame.number', 'frame.time_epoch', 'ip.src', 'ipv6.src', 'ip.dst', 'ipv6.dst',
    'tcp.srcport', 'tcp.dstport', 'udp.srcport', 'udp.dstport', 'tcp.stream',
    'smtp.req.command', 'smtp.req.parameter', 'smtp.response.code', 'smtp.rsp.parameter',
    'imap.request.command', 'pop.request.command', 'pop.response.indicator',
    'pop.response.description', 'ftp.request.command', 'ftp.response.code', 'ftp.response.arg',
    'dhcp.option.dhcp', 'dhcp.hw.mac_addr', 'dhcp.option.hostname', 'dhcp.option.vendor_class_id',
    'dhcp.option.requested_ip_address', 'dhcp.ip.your', 'dhcp.option.dhcp_server_id',
    'dhcp.option.ip_address_lease_time', 'dhcp.type',
    'ntp.flags.vn', 'ntp.flags.mode', 'ntp.stratum', 'ntp.ppoll',
    'stun.type.method', 'stun.type.class', 'stun.att.ipv4', 'stun.att.ipv6', 'stun.att.port',
    'stun.att.software',
    'http.request.method', 'http.server', 'http.location', 'http.user_agent', 'ssdp',
    'sip.Method', 'sip.Status-Code', 'sip.from.host', 'sip.to.host', 'sip.Server',
    'mqtt.msgtype', 'mqtt.clientid', 'mqtt.topic',
    'bittorrent.info_hash', 'bt-dht.bencoded.string',
]
F = {n: i for i, n in enumerate(FIELDS)}

DHCP_TYPES = {1: 'discover', 2: 'offer', 3: 'request', 4: 'decline', 5: 'ack', 6: 'nak',
              7: 'release', 8: 'inform'}
NTP_MODES = {1: 'symmetric_active', 2: 'symmetric_passive', 3: 'client', 4: 'server',
             5: 'broadcast'}
STUN_METHODS = {1: 'binding', 3: 'allocate', 4: 'refresh', 6: 'send', 7: 'data',
                8: 'create_permission', 9: 'channel_bind'}
# tshark's class value is C1 << 4 | C0 (the bits as they sit in the type)
STUN_CLASSES = {0: 'request', 1: 'indication', 16: 'success', 17: 'error'}
MQTT_TYPES = {1: 'connect', 3: 'publish', 8: 'subscribe'}


def dedup(xs):
    out = []
    for x in xs:
        if x and x not in out:
            out.append(x)
    return out


def tshark_rows(cap, decode):
    cmd = ['tshark', '-n', '-r', cap, '-o', 'tcp.desegment_tcp_streams:TRUE'] + decode + [
        '-T', 'fields', '-E', 'separator=\t', '-E', 'occurrence=a', '-E', 'aggregator=\x1f']
    for f in FIELDS:
        cmd += ['-e', f]
    out = subprocess.run(cmd, capture_output=True, text=True, errors='replace').stdout
    rows = []
    for line in out.splitlines():
        c = line.split('\t')
        if len(c) < len(FIELDS):
            c += [''] * (len(FIELDS) - len(c))
        rows.append(c)
    return rows


def vals(row, name):
    v = row[F[name]]
    return v.split('\x1f') if v else []


def first(row, name):
    v = vals(row, name)
    return v[0] if v else ''


def endpoints(row):
    src = first(row, 'ip.src') or first(row, 'ipv6.src')
    dst = first(row, 'ip.dst') or first(row, 'ipv6.dst')
    sp = first(row, 'tcp.srcport') or first(row, 'udp.srcport')
    dp = first(row, 'tcp.dstport') or first(row, 'udp.dstport')
    return (src, sp), (dst, dp)


def pair(a, b):
    return tuple(sorted([a, b]))


def tcp_sessions(rows):
    """tshark's view of each text session: proto -> endpoints -> facts."""
    sess = collections.defaultdict(dict)
    for r in rows:
        a, b = endpoints(r)
        key = pair(a, b)
        for proto, cmd, code, text in (
                ('smtp', 'smtp.req.command', 'smtp.response.code', 'smtp.rsp.parameter'),
                ('pop3', 'pop.request.command', 'pop.response.indicator', 'pop.response.description'),
                ('ftp', 'ftp.request.command', 'ftp.response.code', 'ftp.response.arg'),
                ('imap', 'imap.request.command', None, None)):
            cmds = vals(r, cmd)
            codes = vals(r, code) if code else []
            if not cmds and not codes:
                continue
            s = sess[proto].setdefault(key, {'commands': [], 'banner': None, 'helo': None})
            for i, c in enumerate(cmds):
                c = c.upper()
                s['commands'].append(c)
                if proto == 'smtp' and c in ('EHLO', 'HELO', 'LHLO') and s['helo'] is None:
                    p = vals(r, 'smtp.req.parameter')
                    s['helo'] = p[i].split(' ')[0] if i < len(p) else ''
            if codes and s['banner'] is None and codes[0] in ('220', '+OK'):
                t = vals(r, text)
                s['banner'] = t[0] if t else ''
    return sess


def pp_records(path):
    recs = collections.defaultdict(list)
    with open(path) as f:
        for line in f:
            try:
                r = json.loads(line)
            except ValueError:
                continue
            recs[r.get('type')].append(r)
    return recs


def pp_key(r):
    return pair((r['src'], str(r['sport'])), (r['dst'], str(r['dport'])))


def fmt_ts(t):
    return '%.6f' % float(t)


class Diffs:
    def __init__(self, path, cap):
        self.rows = []
        self.cap = cap
        with open(path) as f:
            for line in f:
                if line.startswith('#') or not line.strip():
                    continue
                c = line.rstrip('\n').split('\t')
                if len(c) >= 6 and c[0] == cap:
                    self.rows.append({'proto': c[1], 'field': c[2], 'tshark': c[3], 'pp': c[4],
                                      'used': False})

    def known(self, proto, field, ts, pp):
        for d in self.rows:
            if d['proto'] == proto and (d['field'] == '*' or (
                    d['field'] == field and d['tshark'] == ts and d['pp'] == pp)):
                d['used'] = True
                return True
        return False

    def unused(self, proto):
        return [d for d in self.rows if d['proto'] == proto and not d['used']]


def compare(name, cap, recs, rows, diffs):
    results = []  # (proto, agree, known, problems)
    sess = tcp_sessions(rows)
    for proto in ('smtp', 'imap', 'pop3', 'ftp'):
        agree = known = 0
        problems = []
        ts_s = sess.get(proto, {})
        pp_s = {pp_key(r): r for r in recs.get(proto, [])}
        for key in sorted(set(ts_s) | set(pp_s)):
            t, p = ts_s.get(key), pp_s.get(key)
            if t is None or p is None:
                # a session only one tool has: field "session", values "yes"/""
                tv, pv = ('', 'yes') if t is None else ('yes', '')
                if diffs.known(proto, 'session', tv, pv):
                    known += 1
                else:
                    problems.append('session %s only in %s' % (key, 'pp-sniff' if t is None else 'tshark'))
                continue
            facts = [('commands', ','.join(dedup(t['commands'])[:16]), ','.join(p.get('commands', [])))]
            if proto != 'imap' and t['banner'] is not None:
                facts.append(('banner', t['banner'], p.get('banner', '')))
            if proto == 'smtp' and t['helo'] is not None:
                facts.append(('helo', t['helo'], p.get('helo', '')))
            for field, tv, pv in facts:
                if field == 'banner' and tv.startswith(pv + ',') and pv:
                    tv = pv  # tshark joins a multi-line greeting's lines with commas
                if tv == pv:
                    agree += 1
                elif diffs.known(proto, field, tv, pv):
                    known += 1
                else:
                    problems.append('%s %s: tshark %r, pp-sniff %r' % (key, field, tv, pv))
        results.append((proto, agree, known, problems))

    # datagrams: one fact per message, matched on time and sender
    by_frame = {}
    for r in rows:
        a, b = endpoints(r)
        by_frame[(fmt_ts(first(r, 'frame.time_epoch') or 0), a)] = r

    def per_frame(proto, present, facts_of):
        """facts_of(row, records of that frame) for every frame either has."""
        agree = known = 0
        problems = []
        seen = set()
        groups = collections.OrderedDict()
        for p in recs.get(proto, []):
            groups.setdefault((fmt_ts(p['ts']), pp_key(p)), []).append(p)
        for (ts, key), ps in groups.items():
            cands = [k for k in by_frame if k[0] == ts and pair(k[1], endpoints(by_frame[k])[1]) == key]
            r = next((by_frame[k] for k in cands if present(by_frame[k])), None)
            if r is None:
                if diffs.known(proto, 'message', '', ts):
                    known += 1
                else:
                    problems.append('%s at %s only in pp-sniff' % (proto, ts))
                continue
            seen.add(first(r, 'frame.number'))
            for field, tv, pv in facts_of(r, ps):
                if tv == pv:
                    agree += 1
                elif diffs.known(proto, field, tv, pv):
                    known += 1
                else:
                    problems.append('frame %s %s: tshark %r, pp-sniff %r' % (first(r, 'frame.number'), field, tv, pv))
        for r in rows:
            if present(r) and first(r, 'frame.number') not in seen:
                if diffs.known(proto, 'message', first(r, 'frame.number'), ''):
                    known += 1
                else:
                    problems.append('frame %s only in tshark' % first(r, 'frame.number'))
        if agree or known or problems:
            results.append((proto, agree, known, problems))

    def udp(proto, present, facts_one):
        def facts_of(r, ps):
            out = [('records', '1', str(len(ps)))]
            for p in ps:
                out += facts_one(r, p)
            return out
        per_frame(proto, present, facts_of)

    def dhcp_facts(r, p):
        t = first(r, 'dhcp.option.dhcp')
        facts = [('msg', DHCP_TYPES.get(int(t), t) if t else ('bootrequest' if first(r, 'dhcp.type') == '1' else 'bootreply'), p.get('msg', ''))]
        facts.append(('client_mac', first(r, 'dhcp.hw.mac_addr'), p.get('client_mac', '')))
        facts.append(('hostname', first(r, 'dhcp.option.hostname'), p.get('hostname', '')))
        facts.append(('vendor_class', first(r, 'dhcp.option.vendor_class_id'), p.get('vendor_class', '')))
        facts.append(('requested_addr', first(r, 'dhcp.option.requested_ip_address'), p.get('requested_addr', '')))
        your = first(r, 'dhcp.ip.your')
        facts.append(('assigned_addr', '' if your in ('', '0.0.0.0') or first(r, 'dhcp.type') != '2' else your,
                      p.get('assigned_addr', '')))
        facts.append(('server_id', first(r, 'dhcp.option.dhcp_server_id'), p.get('server_id', '')))
        facts.append(('lease_time', first(r, 'dhcp.option.ip_address_lease_time'), str(p.get('lease_time', ''))))
        return facts

    def ntp_facts(r, p):
        mode = int(first(r, 'ntp.flags.mode') or 0)
        facts = [('version', first(r, 'ntp.flags.vn'), str(p.get('version', ''))),
                 ('mode', NTP_MODES.get(mode, str(mode)), p.get('mode', ''))]
        if mode != 3:
            facts.append(('stratum', first(r, 'ntp.stratum'), str(p.get('stratum', ''))))
        facts.append(('poll', first(r, 'ntp.ppoll'), str(p.get('poll', ''))))
        return facts

    def stun_facts(r, p):
        m = first(r, 'stun.type.method')
        c = first(r, 'stun.type.class')
        m = int(m, 0) if m else -1
        c = int(c, 0) if c else -1
        facts = [('method', STUN_METHODS.get(m, str(m)), p.get('method', '')),
                 ('class', STUN_CLASSES.get(c, str(c)), p.get('class', ''))]
        addrs = set(vals(r, 'stun.att.ipv4') + vals(r, 'stun.att.ipv6'))
        ports = set(vals(r, 'stun.att.port'))
        for k in ('mapped', 'relayed', 'peer'):
            if k + '_addr' in p:
                facts.append((k + '_addr', p[k + '_addr'] if p[k + '_addr'] in addrs else ','.join(sorted(addrs)), p[k + '_addr']))
                pp_port = str(p[k + '_port'])
                facts.append((k + '_port', pp_port if pp_port in ports else ','.join(sorted(ports)), pp_port))
        facts.append(('software', first(r, 'stun.att.software'), p.get('software', '')))
        return facts

    def ssdp_facts(r, p):
        meth = first(r, 'http.request.method')
        msg = {'M-SEARCH': 'm-search', 'NOTIFY': 'notify'}.get(meth, 'response' if not meth else meth)
        return [('msg', msg, p.get('msg', '')),
                ('server', first(r, 'http.server'), p.get('server', '')),
                ('location', first(r, 'http.location'), p.get('location', '')),
                ('user_agent', first(r, 'http.user_agent'), p.get('user_agent', ''))]

    udp('dhcp', lambda r: bool(first(r, 'dhcp.type')), dhcp_facts)
    udp('ntp', lambda r: bool(first(r, 'ntp.flags.mode')), ntp_facts)
    udp('stun', lambda r: bool(first(r, 'stun.type.method')), stun_facts)
    udp('ssdp', lambda r: bool(first(r, 'ssdp')) or bool(first(r, 'http.request.method') in ('M-SEARCH', 'NOTIFY') and first(r, 'udp.srcport')), ssdp_facts)

    def sip_facts(r, ps):
        p = ps[0]
        facts = [('records', '1', str(len(ps)))]
        meth, code = first(r, 'sip.Method'), first(r, 'sip.Status-Code')
        if meth:
            facts.append(('method', meth, p.get('method', '')))
        else:
            facts.append(('status', code, str(p.get('status', ''))))
        facts.append(('from_host', first(r, 'sip.from.host'), p.get('from_host', '')))
        facts.append(('to_host', first(r, 'sip.to.host'), p.get('to_host', '')))
        facts.append(('server', first(r, 'sip.Server'), p.get('server', '')))
        return facts

    def mqtt_facts(r, ps):
        types = [int(t) for t in vals(r, 'mqtt.msgtype') if t.isdigit()]
        names = {1: 'connect', 2: 'connack', 3: 'publish', 8: 'subscribe'}
        ts_msgs = [names[t] for t in types if t in names]
        pp_msgs = [p.get('msg', '') for p in ps]
        topics = []
        for p in ps:
            topics += p.get('topics', []) + ([p['topic']] if 'topic' in p else [])
        return [('msgs', ','.join(ts_msgs), ','.join(pp_msgs)),
                ('client_id', ','.join(vals(r, 'mqtt.clientid')), ','.join(p['client_id'] for p in ps if 'client_id' in p)),
                ('topics', ','.join(vals(r, 'mqtt.topic')), ','.join(topics))]

    def bt_facts(r, ps):
        hashes = vals(r, 'bittorrent.info_hash')
        if not hashes:  # DHT: tshark lists the bencoded strings, keys and values in turn
            b = vals(r, 'bt-dht.bencoded.string')
            hashes = [b[i + 1] for i in range(len(b) - 1) if b[i] == 'info_hash']
        return [('info_hash', ','.join(hashes), ','.join(p['info_hash'] for p in ps if 'info_hash' in p))]

    per_frame('sip', lambda r: bool(first(r, 'sip.Method') or first(r, 'sip.Status-Code')), sip_facts)
    per_frame('mqtt', lambda r: any(t in ('1', '2', '3', '8') for t in vals(r, 'mqtt.msgtype')), mqtt_facts)
    per_frame('bittorrent', lambda r: bool(first(r, 'bittorrent.info_hash')) or
              'info_hash' in vals(r, 'bt-dht.bencoded.string') and 'q' in vals(r, 'bt-dht.bencoded.string'), bt_facts)

    status = 0
    for proto, agree, known, problems in results:
        problems += ['listed difference did not occur: %s %r / %r' % (d['field'], d['tshark'], d['pp'])
                     for d in diffs.unused(proto)]
        if not agree and not known and not problems:
            continue
        if problems:
            status = 1
            print('FAIL %s %s: %s' % (name, proto, '; '.join(problems[:5]) +
                                     (' (+%d more)' % (len(problems) - 5) if len(problems) > 5 else '')))
        else:
            print('PASS %s %s: %d agree%s' % (name, proto, agree,
                                             ', %d known differences' % known if known else ''))
    return status


def main():
    cap, recs_path, diffs_path = sys.argv[1:4]
    decode = []
    for d in sys.argv[4:]:
        decode += ['-d', d]
    name = os.path.basename(cap)
    rows = tshark_rows(cap, decode)
    sys.exit(compare(name, cap, pp_records(recs_path), rows, Diffs(diffs_path, name)))


if __name__ == '__main__':
    main()
