#!/bin/bash
# pp-fmt filters, sorting and service names end to end: how command-line
# words split into terms and files, repeated -F, jq as the oracle for what a
# filter should select, the services file and its built-in fallback, and
# that filtered output still streams per batch.
source "$(dirname "$0")/../lib.sh"
pp_tmpdir
FMT=$PP_BIN/pp-fmt
DATA=$PP_ROOT/tests/data/conns.jsonl
cd "$PP_TMP" || exit 1

# A word shaped like a term is a term, whatever files exist; ./ makes it a file.
cp "$DATA" 'port:80'
"$FMT" -j -f type port:80 <"$DATA" >words.out 2>words.err; rc=$?
check "term-shaped word is a term (reads stdin)" [ "$rc:$(wc -l <words.out)" = 0:8 ]
"$FMT" -j -f type ./port:80 >file.out 2>file.err; rc=$?
check "./name is a file" [ "$rc:$(wc -l <file.out)" = 0:26 ]
"$FMT" -j -f type type:sock "$DATA" comm:curl >mixed.out; rc=$?
check "terms and files mixed, in any order" [ "$rc:$(wc -l <mixed.out)" = 0:4 ]

# -F repeated: all must hold.
"$FMT" -j -f comm -F type:sock -F 'event:close' -F '!comm:curl' "$DATA" >f.out
check "-F repeated is AND" [ "$(tr -d '\n' <f.out)" = '{"comm":"nginx"}{"comm":"firefox-bin"}{"comm":"ssh"}' ]

# jq as the oracle: the same selections, record for record.
oracle() {   # name, pp-fmt terms..., -- jq condition
    local name=$1; shift
    local terms=()
    while [ "$1" != -- ]; do terms+=("$1"); shift; done
    shift
    "$FMT" -j "${terms[@]}" "$DATA" | jq -c . >pp.sel
    jq -c "select($1)" "$DATA" >jq.sel
    if [ -s jq.sel ] && cmp -s pp.sel jq.sel; then pass "oracle jq: $name"
    else fail "oracle jq: $name ($(wc -l <pp.sel) vs $(wc -l <jq.sel) records)"; fi
}
oracle "port" port:443 -- '.sport == 443 or .dport == 443'
oracle "dport list" dport:22,53 -- '.dport == 22 or .dport == 53'
oracle "negation" '!type:sock' -- '.type != "sock"'
oracle "cidr" dst:93.184.216.0/24 -- '(.dst // "") | startswith("93.184.216.")'
oracle "numeric compare" 'rx_bytes:>4000' -- '(.rx_bytes // -1) > 4000'
oracle "regex any value" '/example\.(com|org)/' -- '[.. | strings | select(test("example\\.(com|org)"))] | length > 0'
oracle "field regex" 'comm:/^s/' -- '(.comm // "") | test("^s")'
oracle "case-insensitive proto" proto:TCP -- '.proto == "tcp"'
oracle "and of three" type:sock 'event:close' 'duration:<1' -- '.type == "sock" and .event == "close" and .duration < 1'
# A negated term needs the field: '!comm:curl' is a process that is not
# curl, not every record without a process; '!has:comm' asks for those.
oracle "negation needs the field" '!comm:curl' -- 'has("comm") and .comm != "curl"'
oracle "missing field: !has:" '!has:comm' -- 'has("comm") | not'
oracle "has: any of" 'has:sni,qname' -- 'has("sni") or has("qname")'

# JSON literals compare as JSON values; the pp-fmt(1) example of failed
# lookups; fields no record has are warned about once, the status kept.
cat >lit.jsonl <<'L'
{"type":"sock","ts":1,"initial":true,"n":null,"dport":53}
{"type":"sock","ts":2,"initial":false,"dport":"53"}
{"type":"dns","ts":3,"qname":"www.example.com","msg":"query"}
{"type":"dns","ts":4,"qname":"www.example.com","msg":"response","rcode":"NXDOMAIN"}
{"type":"dns","ts":5,"qname":"www.example.com","msg":"response","rcode":"NOERROR"}
{"type":"dns","ts":6,"qname":"other.org","msg":"response","rcode":"SERVFAIL"}
L
DATA=lit.jsonl
oracle "boolean true" initial:true -- '.initial == true'
oracle "boolean false" initial:false -- '.initial == false'
oracle "null" n:null -- 'has("n") and .n == null'
oracle "!boolean" '!initial:true' -- 'has("initial") and .initial != true'
oracle "pp-fmt(1): lookups that failed" type:dns name:example.com '!rcode:NOERROR' -- \
    '.type == "dns" and (.qname | endswith("example.com")) and has("rcode") and .rcode != "NOERROR"'
DATA=$PP_ROOT/tests/data/conns.jsonl
"$FMT" -j -f ts,nosuch,nosuch 'nosuch:x' '!nosuch:y' type:sock "$DATA" >w.out 2>w.err
rc=$?
check "unknown fields: status 0 (unchanged)" [ $rc = 0 ]
check "unknown field in -f: warned once" [ "$(grep -c "^pp-fmt: -f: no record had the field 'nosuch'$" w.err)" = 1 ]
check "unknown field in the filter: warned once" [ "$(grep -c "^pp-fmt: filter: no record had the field 'nosuch'" w.err)" = 1 ]
"$FMT" -j -f ts,source,comm type:sock comm:curl "$DATA" >w2.out 2>w2.err
check "known and virtual fields: no warning" [ ! -s w2.err ]

# Sorting agrees with jq's sort_by (stable, like ours).
"$FMT" -j -f pid,ts --sort pid,-ts type:sock "$DATA" | jq -c . >s.pp
jq -c 'select(.type == "sock") | {pid, ts}' "$DATA" | jq -sc 'sort_by(.pid, -.ts) | .[]' >s.jq
check "sort agrees with jq sort_by" cmp -s s.pp s.jq

# Grouping: counts per comm agree with jq's group_by.
"$FMT" -j -g comm -f comm,count --sort comm type:sock "$DATA" | jq -c . >g.pp
jq -c 'select(.type == "sock")' "$DATA" | jq -sc 'group_by(.comm) | .[] | {comm: .[0].comm, count: length}' >g.jq
check "group counts agree with jq group_by" cmp -s g.pp g.jq

# Service names: /etc/services, the built-in table when it is missing (same
# names for common ports), a file of one's own, --numeric.
"$FMT" -t -f destination type:sock >svc.etc <"$DATA"
PP_SERVICES=/nonexistent "$FMT" -t -f destination type:sock >svc.builtin <"$DATA"
check "built-in service table when the file is missing" cmp -s svc.etc svc.builtin
check "service names shown" grep -q '93.184.216.34:https' svc.etc
printf 'mysecure 443/tcp\nmyweb\t80/tcp  www  # comment\n' >my.services
PP_SERVICES=my.services "$FMT" -t -f destination dport:80,443 <"$DATA" >svc.mine
check "services file of one's own" grep -q '93.184.216.34:mysecure' svc.mine
check "services file: second column" grep -q '172.17.0.2:myweb' svc.mine
PP_SERVICES=my.services "$FMT" -j -f dport port:mysecure <"$DATA" >svc.term
check "port:NAME through the services file" [ "$(sort -u svc.term)" = '{"dport":443}' ]
"$FMT" -t --numeric -f destination type:sock <"$DATA" >svc.num
check "--numeric" bash -c "grep -q '93.184.216.34:443' svc.num && ! grep -q https svc.num"

# A filtered live stream still comes out per batch.
mkfifo fifo
"$FMT" -t -f comm comm:early <fifo >stream.out &
fmt_pid=$!
exec 7>fifo
echo '{"type":"x","ts":1,"comm":"late"}' >&7
echo '{"type":"x","ts":1,"comm":"early"}' >&7
for _ in $(seq 50); do grep -q early stream.out && break; sleep 0.1; done
check "filtered table streams per batch" grep -q early stream.out
check "filtered out record not shown" bash -c "! grep -q late stream.out"
exec 7>&-
wait $fmt_pid

# Sorting waits for the end of the input, and -c without sorting stops early.
yes "$(head -1 "$DATA")" | head -n 100000 >many
"$FMT" -j -c 3 -f type many >n.out 2>n.err; rc=$?
check "-c stops after N records" [ "$rc:$(wc -l <n.out)" = 0:3 ]
"$FMT" -j --limit 3 -f type many >l.out 2>&1
check "--limit: the old name of --count" cmp -s n.out l.out
"$FMT" --csv --sort -ts many 2>head.err | head -n 2 >/dev/null
check "sorted output into a closed pipe: quiet" [ ! -s head.err ]

# Bad options around sorting and grouping are usage errors.
"$FMT" --sort '' "$DATA" >/dev/null 2>&1
check "--sort with no field: status 2" [ $? = 2 ]
"$FMT" -c -1 "$DATA" >/dev/null 2>&1
check "-c negative: status 2" [ $? = 2 ]
"$FMT" --top --sort ts "$DATA" >/dev/null 2>&1
check "--top with --sort: status 2" [ $? = 2 ]

# The letters as in the other commands and tcpdump (docs/options.md): -c N
# a count, -n numeric; the old ones say what they are now.
"$FMT" -t -n -f destination type:sock <"$DATA" >svc.n
check "-n: numeric ports, as --numeric" cmp -s svc.n svc.num
"$FMT" -c "$DATA" >old.out 2>old.err; rc=$?
check "-c FILE (was CSV): status 2, nothing written" [ "$rc:$(wc -c <old.out)" = 2:0 ]
check "-c FILE (was CSV): says CSV is --csv" grep -q "^pp-fmt: -c: '.*conns.jsonl' is not a count; .*CSV is --csv" old.err
"$FMT" -c >/dev/null 2>old.err </dev/null; rc=$?
check "-c alone: status 2" [ "$rc" = 2 ]
check "-c alone: says CSV is --csv" grep -q 'CSV is --csv' old.err
"$FMT" -n 10 "$DATA" >old.out 2>old.err; rc=$?
check "-n 10 (was the first 10 rows): status 2, nothing written" [ "$rc:$(wc -c <old.out)" = 2:0 ]
check "-n 10 (was the first 10 rows): says -c N" grep -q "^pp-fmt: 10: no such file; -n is now --numeric .*-c N" old.err
"$FMT" -s ts "$DATA" >/dev/null 2>old.err; rc=$?
check "-s (was sort): status 2" [ "$rc" = 2 ]
check "-s (was sort): says --sort" grep -q 'sorting is --sort' old.err
"$FMT" -u "$DATA" >/dev/null 2>old.err; rc=$?
check "-u (was UTC): status 2" [ "$rc" = 2 ]
check "-u (was UTC): says --utc" grep -q 'UTC is --utc' old.err
check "no sanitizer report" san_clean words.err
