#!/bin/bash
# The option table (README.md "Option letters", docs/options.md, the OPTION
# LETTERS section of each man page) holds for all five commands: the copies
# agree, a letter in a command's column is in its --help with the long name
# the cell gives, a letter not in its column is refused, and every letter a
# --help shows is in the table.
source "$(dirname "$0")/../lib.sh"
pp_tmpdir

for cmd in pp-trace pp-sniff pp-join pp-fmt pp-nft; do
    [ -x "$PP_BIN/$cmd" ] || { skip "options: $cmd not built"; exit 0; }
    "$PP_BIN/$cmd" --help >"$PP_TMP/$cmd.help" 2>&1
done
python3 - "$PP_ROOT" "$PP_TMP" "$PP_BIN" <<'EOF'
import os, re, subprocess, sys

root, tmp, bindir = sys.argv[1], sys.argv[2], sys.argv[3]
CMDS = ["pp-trace", "pp-sniff", "pp-join", "pp-fmt", "pp-nft"]

def say(ok, name, why=""):
    print(("PASS " if ok else "FAIL ") + "options: " + name + ("" if ok else ": " + why))

def md_table(path):
    """letter -> {command: cell} of the first '| letter | meaning |' table."""
    text = open(os.path.join(root, path)).read()
    at = text.find("| letter | meaning |")
    rows = {}
    for line in text[at:].split("\n")[2:]:
        if not line.startswith("|"):
            break
        c = [x.strip() for x in line.strip().strip("|").split("|")]
        rows[c[0]] = dict(zip(CMDS, c[2:]))
    return rows

readme = md_table("README.md")
say(len(readme) > 20, "README's table read (%d rows)" % len(readme), "no table found")
say(md_table("docs/options.md") == readme, "docs/options.md's table is README's", "they differ")

# Man pages: ".It Li LETTERS Ta meaning Ta used by"; "all:" is every command.
for cmd in CMDS:
    text = open(os.path.join(root, "man", cmd + ".1")).read()
    sec = text[text.find(".Sh OPTION LETTERS"):text.find(".Sh SEE ALSO")]
    man = {}
    for m in re.finditer(r"^\.It Li (.*?) Ta .*? Ta (.*)$", sec, re.M):
        used = CMDS if m.group(2).startswith("all:") else [c for c in CMDS if re.search(r"\b%s\b" % c, m.group(2))]
        man[m.group(1)] = set(used)
    want = {k.replace("`", "").replace("  ", " "): {c for c in CMDS if v[c]} for k, v in readme.items()}
    say(man == want, "%s(1) OPTION LETTERS is README's table" % cmd,
        "differs in " + ", ".join(sorted(set(man) ^ set(want) | {k for k in man if k in want and man[k] != want[k]})))

# The commands against the table.
helps = {c: open(os.path.join(tmp, c + ".help")).read() for c in CMDS}
listed = {c: set() for c in CMDS}
for key, cells in readme.items():
    letters = list(dict.fromkeys(re.findall(r"`-(\w)", key)))
    for cmd in CMDS:
        cell = cells[cmd]
        if cell:
            longs = re.findall(r"`(--[\w-]+)`", cell)
            for i, l in enumerate(letters):
                listed[cmd].add(l)
                lng = longs[i] if i < len(longs) else None
                pat = r"(^|\s)-%s, %s\b" % (l, re.escape(lng) if lng else "--")
                say(re.search(pat, helps[cmd], re.M) is not None,
                    "%s -%s is %s in its --help" % (cmd, l, lng), "no line '-%s, %s' in the help" % (l, lng))
        else:
            for l in letters:
                # (a timeout: should the letter be accepted after all,
                # the command must not run on)
                try:
                    err = subprocess.run([os.path.join(bindir, cmd), "-" + l], stdin=subprocess.DEVNULL,
                                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                         timeout=5).stderr.decode(errors="replace")
                except subprocess.TimeoutExpired:
                    err = "(accepted: still running after 5 s)"
                say("invalid option -- '%s'" % l in err, "%s -%s refused (not in its column)" % (cmd, l),
                    "said: " + err.strip().split("\n")[0][:120])
for cmd in CMDS:
    shown = set(re.findall(r"(?:^|\s)-(\w), --", helps[cmd], re.M))
    say(shown <= listed[cmd], "%s: every letter of its --help is in the table" % cmd,
        "not in the table: " + " ".join("-" + l for l in sorted(shown - listed[cmd])))
EOF
