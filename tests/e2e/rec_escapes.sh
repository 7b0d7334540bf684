#!/bin/bash
# Escaped and plain spellings of the same JSON are the same record to the
# one reader: every record is written three more times, with its string
# values, its keys, or both spelled as \uXXXX escapes (and '/' as '\/').
# jq must find the four files equal (the oracle that the spellings mean
# the same); then every pp-fmt filter term must pick the same records from
# each of them, and every pp-nft selector must print the same script.
source "$(dirname "$0")/../lib.sh"
pp_tmpdir
FMT=$PP_BIN/pp-fmt
NFT=$PP_BIN/pp-nft
if ! have jq || ! have python3; then skip "rec escapes: needs jq and python3"; exit 0; fi
export SOURCE_DATE_EPOCH=1700000000

python3 - "$PP_TMP" <<'PY'
import json, sys
d = sys.argv[1]
def rec(pid, comm, exe, proto, src, dst, dport, sni, state, ev, cg, uid):
    return {"type": "sock", "ts": 1700000000.5 + pid, "event": ev, "proto": proto,
            "src": src, "sport": 40000 + pid, "dst": dst, "dport": dport, "pid": pid,
            "uid": uid, "comm": comm, "exe": exe, "state": state, "dst_name": sni,
            "cgroup": cg, "container": "abc%d" % pid, "sni": sni}
recs = [
    rec(1, "curl", "/usr/bin/curl", "tcp", "10.0.0.1", "93.184.216.34", 443, "example.com",
        "ESTAB", "connect", "/system.slice/a.service", 1000),
    rec(2, "ssh", "/usr/bin/ssh", "tcp", "10.0.0.2", "192.0.2.7", 22, "git.example.org",
        "ESTAB", "connect", "/system.slice/b.service", 1000),
    rec(3, "dig", "/usr/bin/dig", "udp", "192.168.1.5", "192.0.2.53", 53, "www.example.com",
        "UNCONN", "udp", "/user.slice/c.scope", 0),
    rec(4, "curl", "/opt/curl", "tcp", "2001:db8::1", "2001:db8::2", 80, "other.test",
        "CLOSE", "close", "/system.slice/a.service", 1001),
]
def esc(s):  # every character as \uXXXX, '/' as '\/'
    return "".join("\\/" if c == "/" else "\\u%04x" % ord(c) for c in s)
def write(name, ek, ev):
    with open("%s/%s.jsonl" % (d, name), "w") as f:
        for r in recs:
            parts = []
            for k, v in r.items():
                key = '"%s"' % (esc(k) if ek else k)
                val = '"%s"' % esc(v) if ev and isinstance(v, str) else json.dumps(v)
                parts.append(key + ":" + val)
            f.write("{" + ",".join(parts) + "}\n")
recs[3]["type"] = "flow"
write("plain", False, False)
write("values", False, True)
write("keys", True, False)
write("both", True, True)
PY

spellings="values keys both"
for s in $spellings; do
    check "rec escapes: jq reads $s.jsonl as the same records" \
        cmp -s <(jq -cS . "$PP_TMP/plain.jsonl") <(jq -cS . "$PP_TMP/$s.jsonl")
done

# pp-fmt: the pids each term picks, from each spelling.
terms=(proto:tcp proto:UDP comm:curl process:curl process:dig pid:2 'pid:>2' port:443 sport:40003
       dport:22 src:10.0.0.0/8 src:2001:db8::/32 dst:192.0.2.7 sni:example.com name:example.com
       host:example.org state:estab type:sock event:connect container:abc3 uid:1001
       'exe:"/usr/bin/ssh"' 'comm:/^cu/' '/example/' '!comm:curl' 'cgroup:/a\.service$/'
       destination:192.0.2.53:53)
bad=0 picked=0
for t in "${terms[@]}"; do
    "$FMT" --csv --no-header -f pid "$t" "$PP_TMP/plain.jsonl" >"$PP_TMP/want" 2>>"$PP_TMP/fmt.err"
    n=$(wc -l <"$PP_TMP/want")
    # Each term must pick some records and leave others, or it proves nothing.
    if [ "$n" -eq 0 ] || [ "$n" -eq 4 ]; then
        fail "rec escapes: pp-fmt term '$t' picks $n of 4 plain records (test data needs fixing)"
        bad=$((bad + 1))
        continue
    fi
    for s in $spellings; do
        "$FMT" --csv --no-header -f pid "$t" "$PP_TMP/$s.jsonl" >"$PP_TMP/got" 2>>"$PP_TMP/fmt.err"
        if ! cmp -s "$PP_TMP/want" "$PP_TMP/got"; then
            fail "rec escapes: pp-fmt '$t' picks pids $(tr '\r\n' '  ' <"$PP_TMP/want")from plain, $(tr '\r\n' '  ' <"$PP_TMP/got")from $s"
            bad=$((bad + 1))
        fi
        picked=$((picked + 1))
    done
done
[ $bad -eq 0 ] && pass "rec escapes: ${#terms[@]} pp-fmt terms pick the same records from plain, escaped-value, escaped-key and fully escaped files ($picked comparisons)"
for s in $spellings; do
    check "rec escapes: pp-fmt -j writes the same records from $s.jsonl" \
        cmp -s <("$FMT" -j "$PP_TMP/plain.jsonl" | jq -cS .) <("$FMT" -j "$PP_TMP/$s.jsonl" | jq -cS .)
done
check "rec escapes: pp-fmt no sanitizer report" san_clean "$PP_TMP/fmt.err"

# pp-nft: the same script for each selector, whatever the spelling.
sels=(pid=1 comm=curl exe=/usr/bin/ssh uid=1001 cgroup=/system.slice/a.service container=abc1
      dst=192.0.2.0/24 name=example.com)
bad=0
for q in "${sels[@]}"; do
    "$NFT" --quarantine "$q" "$PP_TMP/plain.jsonl" >"$PP_TMP/want.nft" 2>"$PP_TMP/want.err"; rc=$?
    if [ $rc -ne 0 ] || ! grep -q 'table inet pp_quarantine' "$PP_TMP/want.nft"; then
        fail "rec escapes: pp-nft --quarantine $q on the plain records: status $rc, no table ($(head -c 200 "$PP_TMP/want.err"))"
        bad=$((bad + 1))
        continue
    fi
    for s in $spellings; do
        "$NFT" --quarantine "$q" "$PP_TMP/$s.jsonl" >"$PP_TMP/got.nft" 2>>"$PP_TMP/nft.err"; rc2=$?
        if [ $rc2 -ne $rc ] || ! cmp -s "$PP_TMP/want.nft" "$PP_TMP/got.nft"; then
            fail "rec escapes: pp-nft --quarantine $q: $s.jsonl gives another script (status $rc2):"
            diff "$PP_TMP/want.nft" "$PP_TMP/got.nft" | head -n 6 | sed 's/^/  /'
            bad=$((bad + 1))
        fi
    done
done
[ $bad -eq 0 ] && pass "rec escapes: ${#sels[@]} pp-nft selectors print the same script from every spelling"
touch "$PP_TMP/nft.err"
check "rec escapes: pp-nft no sanitizer report" san_clean "$PP_TMP/nft.err"

# pp-join: the same joins from every spelling ("proto":"t\u0063p" is tcp,
# an escaped address is that address, an escaped key is that key). The
# records of two sources on one 5-tuple, a DNS answer naming its server.
JOIN=$PP_BIN/pp-join
python3 - "$PP_TMP" <<'PY'
import json, sys
d = sys.argv[1]
tup = {"proto": "tcp", "src": "10.0.0.1", "sport": 40001, "dst": "93.184.216.34", "dport": 443}
tup6 = {"proto": "udp", "src": "2001:db8::1", "sport": 40002, "dst": "2001:db8::53", "dport": 53}
proc = {"pid": 4242, "comm": "curl", "exe": "/usr/bin/curl", "cmdline": ["curl", "https://example.com/"]}
def r(t, ts, **kw):
    o = {"type": t, "ts": ts}
    o.update(kw)
    return o
recs = [
    r("sock", 1700000000.0, event="udp", dir="out", **tup6, **proc),
    r("dns", 1700000000.1, **tup6, msg="response", qname="example.com",
      answers=[{"name": "example.com", "type": "CNAME", "ttl": 60, "data": "edge.example.net"},
               {"name": "edge.example.net", "type": "A", "ttl": 60, "data": "93.184.216.34"}]),
    r("sock", 1700000001.0, event="connect", dir="out", state="ESTAB", **tup, **proc),
    r("flow", 1700000001.1, event="start", **tup),
    r("tls", 1700000001.2, msg="client_hello", sni="example.com", alpn=["h2"], **tup),
    r("http", 1700000001.3, method="GET", host="example.com", path="/", **tup),
    r("flow", 1700000002.0, event="end", orig_pkts=5, orig_bytes=500, resp_pkts=4, resp_bytes=900, **tup),
    r("sock", 1700000002.1, event="close", dir="out", tx_bytes=500, rx_bytes=900, duration=1.1, **tup, **proc),
]
def esc(s):
    return "".join("\\/" if c == "/" else "\\u%04x" % ord(c) for c in s)
def val(v, ev):
    if isinstance(v, str):
        return '"%s"' % esc(v) if ev else json.dumps(v)
    if isinstance(v, list):
        return "[" + ",".join(val(x, ev) for x in v) + "]"
    if isinstance(v, dict):
        return "{" + ",".join('"%s":%s' % (k, val(x, ev)) for k, x in v.items()) + "}"
    return json.dumps(v)
def write(name, ek, ev):
    with open("%s/join-%s.jsonl" % (d, name), "w") as f:
        for o in recs:
            f.write("{" + ",".join('"%s":%s' % (esc(k) if ek else k, val(v, ev)) for k, v in o.items()) + "}\n")
write("plain", False, False)
write("values", False, True)
write("keys", True, False)
write("both", True, True)
PY
"$JOIN" -q "$PP_TMP/join-plain.jsonl" >"$PP_TMP/join-plain.out" 2>"$PP_TMP/join.err"
# What the plain records give (so that the comparison proves something):
# the ClientHello, the request and both flow records get curl's pid, the
# DNS answer its socket's, the connect its SNI, HTTP host and DNS name.
joined=$(jq -c 'select(.pid == 4242 and .type != "sock")' "$PP_TMP/join-plain.out" | wc -l)
named=$(jq -c 'select(.type == "sock" and .event == "connect" and .sni == "example.com" and .http_host == "example.com" and .dst_name == "example.com")' "$PP_TMP/join-plain.out" | wc -l)
check "rec escapes: pp-join joins the plain records (5 sniffed with curl's pid: $joined; connect named: $named)" \
    [ "$joined" = 5 ] && [ "$named" = 1 ]
for s in $spellings; do
    "$JOIN" -q "$PP_TMP/join-$s.jsonl" >"$PP_TMP/join-$s.out" 2>>"$PP_TMP/join.err"
    check "rec escapes: pp-join joins join-$s.jsonl as the plain records" \
        cmp -s <(jq -cS . "$PP_TMP/join-plain.out") <(jq -cS . "$PP_TMP/join-$s.out")
done
check "rec escapes: pp-join no sanitizer report" san_clean "$PP_TMP/join.err"
