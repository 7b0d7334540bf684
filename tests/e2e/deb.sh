#!/bin/bash
# make deb, make install/uninstall.
# - make install DESTDIR=tmp then make uninstall: every file back out.
# - make deb: lintian reports no error; dpkg -i on this machine; the unit
#   passes systemd-analyze verify; the recorder's command line (the unit's
#   ExecStart) runs and logs a curl connection with curl's pid under
#   /var/log/portpulse; logrotate -f with the installed config rotates the
#   log and the SIGHUP a systemd unit gets (to every process of it) makes
#   pp-join reopen while pp-trace goes on; dpkg --purge leaves nothing.
# The system install is skipped when pp-* commands are already installed
# from somewhere else (never clobbered).
source "$(dirname "$0")/../lib.sh"
pp_tmpdir
T=$PP_TMP
PY=/usr/bin/python3

# --- make install / uninstall --------------------------------------------------
make -s -C "$PP_ROOT" install DESTDIR="$T/dest" PREFIX=/usr >"$T/inst.out" 2>&1
n=$(find "$T/dest" -type f | wc -l)
make -s -C "$PP_ROOT" uninstall DESTDIR="$T/dest" PREFIX=/usr >>"$T/inst.out" 2>&1
check "make install puts the commands and man pages, make uninstall takes every file away" \
    bash -c "[ $n -ge 11 ] && [ -z \"\$(find '$T/dest' -type f)\" ]"

CASES=("make deb builds a package" "lintian: no errors" "dpkg -i installs it"
       "the unit passes systemd-analyze verify" "installed: commands, man pages, /var/log/portpulse 0750"
       "the recorder logs curl's connection with curl's pid"
       "logrotate rotates, SIGHUP to the unit: pp-join reopens, pp-trace goes on"
       "dpkg --purge leaves no file of the package and no log directory")
skip_all() { local c; for c in "${CASES[@]}"; do skip "$c: $1"; done; exit 0; }
need_root || skip_all "needs root (dpkg -i, eBPF)"
for c in dpkg-deb lintian logrotate curl; do have $c || skip_all "$c not installed"; done
if dpkg-query -W -f='${db:Status-Status}' portpulse 2>/dev/null | grep -q installed; then
    skip_all "a portpulse package is installed on this machine already"
fi
for c in pp-trace pp-sniff pp-join pp-fmt pp-nft; do
    [ -e /usr/bin/$c ] && skip_all "/usr/bin/$c exists (not ours to overwrite)"
done
[ -e /var/log/portpulse ] && skip_all "/var/log/portpulse exists (not ours)"

deb=$(make -s -C "$PP_ROOT" deb 2>"$T/deb.err" | tail -1)
deb=$PP_ROOT/$deb
check "${CASES[0]}" bash -c "[ -f '$deb' ] && dpkg-deb -I '$deb' >/dev/null"
[ -f "$deb" ] || { cat "$T/deb.err" >&2; skip_all "no package"; }
lintian --tag-display-limit 0 "$deb" >"$T/lintian.out" 2>&1
grep -q '^W:' "$T/lintian.out" && echo "INFO lintian warnings: $(grep -c '^W:' "$T/lintian.out")"
check "${CASES[1]}" bash -c "! grep -q '^E:' '$T/lintian.out'"
grep '^E:' "$T/lintian.out" >&2

# dpkg may be busy (another apt on the machine): wait for its lock.
dpkg_retry() {
    local i
    for i in $(seq 1 60); do
        "$@" >"$T/dpkg.out" 2>&1 && return 0
        grep -q 'lock' "$T/dpkg.out" || return 1
        sleep 1
    done
    return 1
}
pp_on_exit "dpkg --purge portpulse"
dpkg_retry dpkg -i "$deb"
check "${CASES[2]}" bash -c "dpkg-query -W -f='\${db:Status-Status}' portpulse | grep -qx installed"
systemd-analyze verify /lib/systemd/system/portpulse-recorder.service >"$T/verify.out" 2>&1
check "${CASES[3]}" bash -c "[ $? = 0 ] && [ ! -s '$T/verify.out' ]"
cat "$T/verify.out" >&2
check "${CASES[4]}" bash -c "/usr/bin/pp-trace --version >/dev/null && man -w pp-join >/dev/null && man -w 5 pp-records >/dev/null &&
    [ \"\$(stat -c '%a %U %G' /var/log/portpulse)\" = '750 root adm' ]"

# The unit's own command line, run as systemd would (its own process group,
# standing in for the unit's cgroup).
cmd=$(sed -n "s/^ExecStart=\/bin\/sh -c '\(.*\)'\$/\1/p" /lib/systemd/system/portpulse-recorder.service)
LOG=/var/log/portpulse/connections.jsonl
setsid /bin/sh -c "$cmd" </dev/null >/dev/null 2>"$T/recorder.err" &
rpid=$!
pp_on_exit "kill -TERM -- -$rpid"
mkdir "$T/www" && echo hi >"$T/www/index.html"
"$PY" -m http.server --bind 127.0.0.1 --directory "$T/www" 0 >"$T/http.out" 2>&1 &
hpid=$!
pp_on_exit "kill $hpid"
port=
for i in $(seq 1 50); do
    port=$(sed -n 's/.*port \([0-9]*\).*/\1/p' "$T/http.out" | head -1)
    [ -n "$port" ] && break
    sleep 0.1
done
curl_pid() { sh -c 'echo $$ >"$1"; exec curl -s --max-time 5 -o /dev/null "http://127.0.0.1:$2/"' sh "$T/curl.pid" "$port"; cat "$T/curl.pid"; }
# A connect of curl's pid to the port, in FILE (within 10 s).
logged() {
    local i
    for i in $(seq 1 100); do
        jq -s -e --argjson p "$2" --argjson port "$port" \
            'any(.[]; .type=="sock" and .event=="connect" and .pid==$p and .dport==$port)' "$1" >/dev/null 2>&1 && return 0
        sleep 0.1
    done
    return 1
}
# pp-trace may take a while to load its programs on a busy machine: the
# first curl that is logged counts (each with its own pid), three tries.
ok=1
for try in 1 2 3; do
    c1=$(curl_pid)
    logged "$LOG" "$c1" && { ok=0; break; }
done
check "${CASES[5]}" [ $ok = 0 ]
logrotate -f -s "$T/logrotate.state" /etc/logrotate.d/portpulse 2>"$T/logrotate.err"
lrc=$?
# What systemctl kill --signal=HUP does to the unit: every process of it.
kill -HUP -- -"$rpid"
sleep 1
c2=$(curl_pid)
logged "$LOG" "$c2"
ok=$?
check "${CASES[6]}" bash -c "[ $lrc = 0 ] && [ -f $LOG.1 ] && [ $ok = 0 ] && ! grep -q '\"pid\":$c2,' $LOG.1 &&
    kill -0 $rpid && [ \$(pgrep -g $rpid -c) -ge 2 ]"
[ $ok = 0 ] && [ -f $LOG.1 ] || { echo "logrotate status $lrc, curl $c2 logged: $ok" >&2; cat "$T/logrotate.err" "$T/recorder.err" >&2; ls -l /var/log/portpulse >&2; }
kill -TERM -- -"$rpid"
for i in $(seq 1 50); do kill -0 "$rpid" 2>/dev/null || break; sleep 0.1; done
files=$(dpkg -L portpulse | while read -r f; do [ -f "$f" ] && echo "$f"; done)
dpkg_retry dpkg --purge portpulse
left=$(for f in $files; do [ -e "$f" ] && echo "$f"; done)
check "${CASES[7]}" bash -c "[ -n '$files' ] && [ -z '$left' ] && [ ! -e /var/log/portpulse ] &&
    ! dpkg-query -W -f='\${db:Status-Status}' portpulse 2>/dev/null | grep -q installed"
