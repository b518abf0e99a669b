"""Speed of `motionzoo prepare ntu` (motionzoo/data/prepare.py): files/s of the parallel parse at 1, 2, ... worker
processes, side by side in one run.  Not a test.

    python benchmarks/speed_prepare.py [--files 480] [--frames 100] [--workers 1 2] [--repeat 2]

Writes synthetic NTU files (motionzoo.data.write_synthetic_ntu: CRLF, about half with two bodies) to a temporary
folder, then runs the preparation (parse into shards, then the dataset cache entries of ntu60_xsub and
ntu60_xview) into a fresh cache folder for every worker count, alternating the counts for --repeat rounds, and
prints the best files/s of the parse phase (process start-up included) and of the whole command, and the speed-up
over the first worker count.  On a shared machine the figures move with the other jobs: compare within one run.
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from motionzoo.data import read_ntu_skeleton, write_synthetic_ntu
from motionzoo.data.prepare import prepare_ntu


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--files", type=int, default=480, help="about this many files (60 classes x n)")
    ap.add_argument("--frames", type=int, default=100)
    ap.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--repeat", type=int, default=2)
    ap.add_argument("--shard-size", type=int, default=64)
    args = ap.parse_args(argv)

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "ntu"
        write_synthetic_ntu(root, num_classes=60, samples_per_class=max(1, args.files // 60), frames=args.frames,
                            seed=0)
        files = sorted(root.glob("*.skeleton"))
        mb = sum(p.stat().st_size for p in files) / 1e6
        print(f"corpus: {len(files)} synthetic NTU files, {mb:.1f} MB, {args.frames} frames; {os.cpu_count()} CPU "
              f"cores (shared with other jobs); python {sys.version.split()[0]}, numpy {np.__version__}")
        read_ntu_skeleton(files[0])  # load the compiled tokenizer once (forked workers inherit it)
        best = {w: (float("inf"), float("inf")) for w in args.workers}
        for r in range(args.repeat):
            for w in args.workers:
                cache = Path(tmp) / f"cache_{w}_{r}"
                s = prepare_ntu(root, ["ntu60_xsub", "ntu60_xview"], workers=w, cache_dir=cache,
                                shard_size=args.shard_size, progress=False)
                assert s.complete and s.parsed_files == len(files) and not s.unreadable
                best[w] = (min(best[w][0], s.seconds_parse), min(best[w][1], s.seconds_total))
                print(f"  round {r + 1}, {w} worker(s): parse {s.seconds_parse:.2f} s, total {s.seconds_total:.2f} s")
        base = best[args.workers[0]][0]
        print("\n| workers | parse files/s | parse speed-up | whole command files/s |")
        print("|---:|---:|---:|---:|")
        for w, (tp, tt) in best.items():
            print(f"| {w} | {len(files) / tp:.1f} | {base / tp:.2f}x | {len(files) / tt:.1f} |")


if __name__ == "__main__":
    t0 = time.perf_counter()
    main()
    print(f"({time.perf_counter() - t0:.0f} s)")
