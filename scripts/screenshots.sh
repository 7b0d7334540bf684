#!/bin/bash
# Screenshots of pp-fmt --top's two views for docs/ (README links them):
# a demo stream (scripts/demo_stream.py) into the view in a 110x28 tmux,
# captured with attributes and rendered by scripts/ansi2png.py.
#   PP_DOCS_DEPS=1 scripts/deps.sh && make && scripts/screenshots.sh
set -euo pipefail
cd "$(dirname "$0")/.."
S=pp-shots-$$ W=110 H=28
trap 'tmux -L $S kill-server 2>/dev/null || true' EXIT
tmux -u -L $S new-session -d -s s -x $W -y $H \
    "/usr/bin/python3 scripts/demo_stream.py 30 | env TZ=UTC TERM=xterm-256color bin/pp-fmt --top -I 0.5"
sleep 5
tmux -u -L $S capture-pane -e -p -t s >/tmp/pp-shot-procs.txt
tmux -u -L $S send-keys -t s Tab
sleep 1.5
tmux -u -L $S capture-pane -e -p -t s >/tmp/pp-shot-conns.txt
tmux -u -L $S send-keys -t s Down Enter
sleep 1
tmux -u -L $S capture-pane -e -p -t s >/tmp/pp-shot-detail.txt
for v in procs conns detail; do
    /usr/bin/python3 scripts/ansi2png.py /tmp/pp-shot-$v.txt docs/top-$v.png $W $H
    rm -f /tmp/pp-shot-$v.txt
done
echo "docs/top-procs.png docs/top-conns.png docs/top-detail.png"
