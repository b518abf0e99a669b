"""Skeleton I/O speed: the motionzoo NTU ``.skeleton`` reader vs. straightforward line-by-line Python readers,
and the cached-dataset load rate.  Not a test.

    python benchmarks/speed_skeleton_io.py [--files 60] [--frames 100] [--repeat 5]

The corpus: the real NTU excerpts in $MOTIONZOO_DATA/ntu_skeleton_excerpts (or ../shared/data; two 2-frame files,
too few to time alone) plus synthetic NTU files (motionzoo.data.write_synthetic_ntu, CRLF, 1 or 2 bodies) written
to a temporary folder.  It is parsed in this process with
  - motionzoo: ``read_ntu_skeleton`` (full parse: all 12 joint fields + the 10 body fields, validated; the
    compiled tokenizer, motionzoo/data/_fasttext.py),
  - motionzoo line-by-line: ``read_ntu_skeleton(fast=False)``, the careful parser that names bad lines,
  - naive: readline / split / float per line into nested lists, then one numpy array,
  - naive-dict: the common upstream style, one dict of 12 named floats per joint.
The fast and the line-by-line parse are first checked bit-identical on every file.  Rounds alternate between the
readers (best of --repeat each); files/s, MB/s and the ratios are given in wall time and in this process's CPU time
(less sensitive to other jobs on a shared machine).  Then ``NTUSkeletonDataset`` is built over the corpus (one
parse into the cache) and ``ds[i]`` is timed over the cached dataset (samples/s, one thread).
"""
from __future__ import annotations

import argparse
import importlib.metadata
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

from motionzoo.data import NTUSkeletonDataset, read_ntu_skeleton, write_synthetic_ntu
from motionzoo.data.datasets import default_data_root

FIELDS = ("x", "y", "z", "depthX", "depthY", "colorX", "colorY", "orientationW", "orientationX", "orientationY",
          "orientationZ", "trackingState")


def naive_reader(path):
    """Line by line: per joint line split + float, into nested lists, then one array."""
    bodies_info, joints = [], []
    with open(path) as fh:
        n_frames = int(fh.readline())
        for _ in range(n_frames):
            n_bodies = int(fh.readline())
            for _ in range(n_bodies):
                info = fh.readline().split()
                bodies_info.append((int(info[0]), [float(v) for v in info[1:]]))
                n_joints = int(fh.readline())
                joints.append([[float(v) for v in fh.readline().split()] for _ in range(n_joints)])
    return n_frames, bodies_info, np.asarray(joints)


def naive_dict_reader(path):
    """The common upstream style: a dict per frame/body/joint."""
    with open(path) as fh:
        seq = {"numFrame": int(fh.readline()), "frameInfo": []}
        for _ in range(seq["numFrame"]):
            frame = {"numBody": int(fh.readline()), "bodyInfo": []}
            for _ in range(frame["numBody"]):
                v = fh.readline().split()
                body = {"bodyID": int(v[0]), "rest": [float(x) for x in v[1:]], "numJoint": int(fh.readline()),
                        "jointInfo": []}
                for _ in range(body["numJoint"]):
                    body["jointInfo"].append({k: float(x) for k, x in zip(FIELDS, fh.readline().split())})
                frame["bodyInfo"].append(body)
            seq["frameInfo"].append(frame)
    return seq


def time_reader(fn, files):
    """(wall, CPU) seconds for one pass over the files."""
    t0, c0 = time.perf_counter(), time.process_time()
    for f in files:
        fn(f)
    return time.perf_counter() - t0, time.process_time() - c0


def _version(pkg):
    try:
        return importlib.metadata.version(pkg)
    except importlib.metadata.PackageNotFoundError:
        return "absent"


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--files", type=int, default=60, help="corpus size (multiple of 12 classes x n)")
    ap.add_argument("--frames", type=int, default=100)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--load-seconds", type=float, default=2.0)
    args = ap.parse_args(argv)
    torch.set_num_threads(1)

    with tempfile.TemporaryDirectory() as tmp:
        os.environ.setdefault("MOTIONZOO_HOME", str(Path(tmp) / "home"))
        root = Path(tmp) / "corpus"
        # classes 49..60 so that about half the files (A050-A060, mutual) have two bodies
        per_class = max(1, args.files // 12)
        write_synthetic_ntu(root, num_classes=60, samples_per_class=per_class, frames=args.frames, seed=0)
        files = sorted(p for p in root.glob("*.skeleton") if int(p.name[17:20]) >= 49)
        excerpts = sorted((default_data_root() or Path("/nonexistent")).glob("ntu_skeleton_excerpts/*.skeleton"))
        files = excerpts + files
        mb = sum(p.stat().st_size for p in files) / 1e6
        print(f"corpus: {len(files)} files ({len(excerpts)} real excerpts), {mb:.1f} MB, {args.frames} frames, "
              f"{sum(int(p.name[17:20]) >= 50 for p in files)} two-body files; python {sys.version.split()[0]}, "
              f"numpy {np.__version__}, numba {_version('numba')}")
        # same output before timing: the fast and the careful parser bit for bit, the naive reader's joints
        for p in files:
            a, b = read_ntu_skeleton(p), read_ntu_skeleton(p, fast=False)
            for k in ("bodies_per_frame", "frame_of_body", "slot_of_body", "body_ids", "body_info", "joints"):
                assert getattr(a, k).tobytes() == getattr(b, k).tobytes(), f"{p.name}: parsers disagree on {k}"
        assert np.array_equal(read_ntu_skeleton(files[-1]).joints, naive_reader(files[-1])[2]), "readers disagree"
        readers = {"motionzoo read_ntu_skeleton": read_ntu_skeleton,
                   "motionzoo line-by-line (fast=False)": lambda p: read_ntu_skeleton(p, fast=False),
                   "naive line-by-line": naive_reader, "naive dict-per-joint": naive_dict_reader}
        wall, cpu = {k: float("inf") for k in readers}, {k: float("inf") for k in readers}
        for _ in range(args.repeat):  # alternate the readers so that load changes hit all of them
            for name, fn in readers.items():
                w, c = time_reader(fn, files)
                wall[name], cpu[name] = min(wall[name], w), min(cpu[name], c)
        for name in readers:
            print(f"{name:36s} {len(files) / wall[name]:8.1f} files/s {mb / wall[name]:7.2f} MB/s  "
                  f"({1e3 * wall[name] / len(files):.2f} ms/file wall, {1e3 * cpu[name] / len(files):.2f} ms CPU)")
        base = "motionzoo read_ntu_skeleton"
        for name in list(readers)[1:]:
            print(f"speed-up of motionzoo over {name}: {wall[name] / wall[base]:.1f}x wall, "
                  f"{cpu[name] / cpu[base]:.1f}x CPU")

        t0 = time.perf_counter()
        ds = NTUSkeletonDataset(root, protocol="ntu60_xsub", split="all")
        build = time.perf_counter() - t0
        t0 = time.perf_counter()
        ds = NTUSkeletonDataset(root, protocol="ntu60_xsub", split="all")
        reopen = time.perf_counter() - t0
        n, t0 = 0, time.perf_counter()
        while time.perf_counter() - t0 < args.load_seconds:
            for i in range(len(ds)):
                ds[i]
            n += len(ds)
        rate = n / (time.perf_counter() - t0)
        print(f"cached dataset: {len(ds)} samples (M=2, T={args.frames}); first build {build:.2f} s, "
              f"re-open {1e3 * reopen:.1f} ms, load rate {rate:,.0f} samples/s (ds[i], 1 thread)")


if __name__ == "__main__":
    main()
