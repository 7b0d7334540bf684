# tmux helpers for tests that drive a terminal program like a person:
# a private tmux server, a clean shell, keys sent, the screen captured.
#   tmux_start NAME COLS ROWS   (after pp_tmpdir; SKIPs the caller when no tmux)
#   screen                      the visible text now
#   wait_for REGEX [SECONDS]    until the screen matches (grep -E)
#   type_line TEXT              type TEXT and Enter
#   keys KEY...                 tmux send-keys (names like Tab, Enter, Down, C-c)
tmux_start() {
    have tmux || { skip "$1 in tmux: tmux not installed"; exit 0; }
    TMUX_SOCK=pp-$1-$$
    pp_on_exit "tmux -L $TMUX_SOCK kill-server"
    tmux -u -L "$TMUX_SOCK" new-session -d -s t -x "$2" -y "$3" \
        "env -i PATH=$PATH HOME=$PP_TMP TERM=xterm-256color TZ=UTC ${ASAN_OPTIONS:+ASAN_OPTIONS=$ASAN_OPTIONS} ${UBSAN_OPTIONS:+UBSAN_OPTIONS=$UBSAN_OPTIONS} bash --norc --noprofile" ||
        { fail "$1: tmux could not start a session"; exit 0; }
    type_line "PS1='READY\$ '; cd '$PP_TMP'"
    wait_for '^READY\$' 10 || { fail "$1: the shell prompt never came"; exit 0; }
}
T() { tmux -u -L "$TMUX_SOCK" "$@"; }
screen() { T capture-pane -p -t t; }
wait_for() {
    local i
    for ((i = 0; i < ${2:-10} * 10; i++)); do
        screen | grep -qE -- "$1" && return 0
        sleep 0.1
    done
    return 1
}
type_line() { T send-keys -t t -l "$1"; T send-keys -t t Enter; }
keys() { T send-keys -t t "$@"; }
