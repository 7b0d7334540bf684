#!/bin/bash
# The build's promises (issue 14), from make's own dry runs (make -n -B
# prints every command a target would run, and runs none) and the objects
# make test built: plain make installs nothing and make demo, test and
# bench install through make deps; each binary links its main.o and its
# command's library, tests and fuzz targets the libraries (no file lists
# sources); only pp-trace's objects wait for the BPF skeletons; the BPF
# objects carry BTF and no DWARF; no weak stand-in in a command's sources.
source "$(dirname "$0")/../lib.sh"
cd "$PP_ROOT" || exit 1
dry() { make --no-print-directory -n -B V=1 "$@" 2>&1; }
lacks() { ! grep -qE "$1" <<<"$2"; }  # PATTERN TEXT

out=$(dry all)
check "plain make: builds (the dry run names the binaries)" grep -q -- '-o bin/pp-fmt' <<<"$out"
check "plain make: no package installation" lacks 'deps\.sh|apt-get|apt install|dpkg -i' "$out"
for t in demo bench; do
    check "make $t: make deps first" bash -c "make --no-print-directory -n $t 2>&1 | head -1 | grep -q 'scripts/deps.sh'"
done
check "make test: make deps first" bash -c "grep -qE '^test: deps' Makefile"

for c in pp-fmt pp-join pp-nft pp-sniff pp-trace; do
    line=$(dry "bin/$c" | grep -E " -o bin/$c( |$)")
    check "$c: linked from its main.o and libpp-${c#pp-}.a" bash -c "[[ '$line' == *build/rel/cmd/$c/main.o*build/rel/lib$c.a* ]]"
done
line=$(dry build/rel/tests/test_rec | grep -E " -o build/rel/tests/test_rec( |$)")
check "unit tests link the command libraries" bash -c "[[ '$line' == *build/rel/libpp-fmt.a*build/rel/libppcommon.a* ]]"
line=$(dry build/rel/tests/replay_fuzz_rec | grep -E " -o build/rel/tests/replay_fuzz_rec( |$)")
check "fuzz targets link the command libraries" bash -c "[[ '$line' == *build/rel/libpp-join.a*build/rel/libppcommon.a* ]]"
check "no source list in a test or fuzz target (// uses:)" bash -c "! grep -rlE '^// uses:' tests/unit tests/fuzz"

for c in pp-fmt pp-join pp-nft pp-sniff; do
    check "$c's objects do not wait for the BPF skeletons" lacks 'target bpf|gen skeleton' "$(dry build/rel/lib$c.a)"
done
check "pp-trace's objects do wait for them" grep -q 'gen skeleton' <<<"$(dry build/rel/libpp-trace.a)"

objs=$(ls build/san/*.bpf.o build/rel/*.bpf.o 2>/dev/null)
if [ -z "$objs" ] || ! have readelf; then
    skip "BPF objects: none built here (or no readelf)"
else
    for o in $objs; do
        secs=$(readelf -SW "$o")
        check "$(basename "$(dirname "$o")")/$(basename "$o"): BTF kept" grep -q '\.BTF ' <<<"$secs"
        check "$(basename "$(dirname "$o")")/$(basename "$o"): no DWARF" lacks '\.debug_' "$secs"
    done
fi
check "no weak stand-in in the commands' sources" lacks . "$(grep -rnE '__attribute__\(\(weak\)\)|#pragma weak' cmd)"
check "the dissector table names every dissector" bash -c "grep -q 'SNIFF_DISSECTORS(DIS_ROW)' cmd/pp-sniff/dissect_table.c"
