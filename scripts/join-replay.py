#!/usr/bin/python3
"""Recorded streams into a live pp-join, cut and interleaved at random.

    join-replay.py fifos N STREAM... FIFO...   each stream into its own FIFO
    join-replay.py one N STREAM... FIFO        all shuffled into one FIFO

Chunks of 1 to 500 lines, from a stream chosen at random, with a pause of
up to 10 ms now and then; each stream keeps its own order. Used by
scripts/join-truth.sh -R and scripts/join-repro-replay.sh.
"""
import os, random, sys, time
mode, n, out = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
streams = [open(f, "rb").read().splitlines(keepends=True) for f in out[:n]]
fifos = out[n:]
rnd = random.Random()
if mode == "one":  # every stream's lines, shuffled together, into one pipe
    w = [open(fifos[0], "wb", buffering=0)] * len(streams)
else:
    w = [open(f, "wb", buffering=0) for f in fifos]
pos = [0] * len(streams)
if mode == "one":
    # Each producer's first line is its start mark, written before any
    # record (pp-trace and pp-sniff do so): on one pipe, pp-join can only
    # wait for producers it has heard of (pp-join(1) EVENT TIME).
    for i, s in enumerate(streams):
        if s and b'"type":"mark"' in s[0]:
            w[i].write(s[0])
            pos[i] = 1
while any(p < len(s) for p, s in zip(pos, streams)):
    i = rnd.choice([k for k in range(len(streams)) if pos[k] < len(streams[k])])
    n = rnd.choice([1, 1, 2, 5, 50, 500])
    w[i].write(b"".join(streams[i][pos[i]:pos[i] + n]))
    pos[i] += n
    if pos[i] >= len(streams[i]) and mode != "one":
        w[i].close()  # as its producer would end
    if rnd.random() < 0.05:
        time.sleep(rnd.random() * 0.01)
for f in set(w):
    if not f.closed:
        f.close()
