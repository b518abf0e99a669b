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

Last, the training input paths side by side (`device_vs_loader`; CUDA when present, else the CPU): the data-loader
path against the device-resident split (motionzoo.data.device_dataset), samples/s of the input alone and of a
one-epoch training of --train-model.
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
    ap.add_argument("--device-epochs", type=int, default=3, help="input-path comparison epochs (0: skip it)")
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--workers", type=int, default=0, help="DataLoader workers of the data-loader path")
    ap.add_argument("--train-model", default="lstm_baseline", help="model of the training comparison ('' skips it)")
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
        if args.device_epochs > 0:
            device_vs_loader(root, args)


def device_vs_loader(root, args):
    """Training input paths side by side: the data-loader path (cached dataset + the training pipeline with its
    random rotation + scale, per item on the host, make_loader, batches copied to the device) against the
    device-resident path (the split materialised once on the device with the pipeline's deterministic steps,
    motionzoo.data.device_dataset: on-device batched rotation + scale).  samples/s of the input alone (batches
    drawn and placed on the device), and of one-epoch trainings of `--train-model` through motionzoo.engine.fit."""
    import motionzoo
    from motionzoo.data.device_dataset import DeviceAffine, DeviceSplit
    from motionzoo.data.pipeline import SkeletonSequencePipeline
    from motionzoo.engine import fit, make_loader
    from motionzoo.recipes import Recipe

    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    sync = torch.cuda.synchronize if device.type == "cuda" else (lambda: None)
    dtype = torch.float16 if device.type == "cuda" else torch.float32
    common = dict(clip_len=args.frames, temporal="resample", persons="concat", num_person=2, normalization="scene")
    train_pipe = SkeletonSequencePipeline(**common, random_rotate=(17, 17, 17), random_scale=(0.9, 1.1),
                                          random_affine_p=1.0, train=True)
    train_ds = NTUSkeletonDataset(root, protocol="ntu60_xsub", split="all", transform=train_pipe, seed=0)
    eval_ds = NTUSkeletonDataset(root, protocol="ntu60_xsub", split="all", transform=SkeletonSequencePipeline(**common))
    t0 = time.perf_counter()
    split = DeviceSplit.from_dataset(eval_ds, device=device, dtype=dtype)
    sync()
    build = time.perf_counter() - t0
    paths = {
        "data loader (host pipeline, per item)": make_loader(train_ds, args.batch, train=True, seed=0,
                                                             num_workers=args.workers),
        "device-resident (batched on device)": split.loader(args.batch, seed=0,
                                                            augment=DeviceAffine.from_pipeline(train_pipe)),
    }
    print(f"\ninput paths on {device} ({str(dtype).replace('torch.', '')} storage, "
          f"{split.x.numel() * split.x.element_size() / 1e6:.1f} MB for {len(split)} samples, built in {build:.2f} s);"
          f" batch {args.batch}, {args.workers} loader workers, best of {args.device_epochs} epochs:")
    rates = {}
    for name, loader in paths.items():
        best = float("inf")
        for epoch in range(args.device_epochs):
            loader.sampler.set_epoch(epoch)
            sync()
            t0, n = time.perf_counter(), 0
            for x, y in loader:
                x, y = x.to(device, non_blocking=True), y.to(device, non_blocking=True)
                n += len(y)
            sync()
            best = min(best, time.perf_counter() - t0)
        rates[name] = n / best
        print(f"  {name:40s} {rates[name]:10,.0f} samples/s (input only)")
    a, b = rates.values()
    print(f"  device-resident / data loader: {b / a:.1f}x")
    if args.train_model:
        recipe = Recipe(name="speed/input", epochs=1, batch_size=args.batch, optimizer="sgd", lr=1e-3)
        best = {name: float("inf") for name in paths}
        for _ in range(2):  # alternate the paths; the first round also warms up the model's kernels
            for name, loader in paths.items():
                torch.manual_seed(0)
                model = motionzoo.create_model(args.train_model, num_classes=60)
                t0 = time.perf_counter()
                fit(model, loader, None, recipe, None, device=device, progress=False, plots=False)
                sync()
                best[name] = min(best[name], time.perf_counter() - t0)
        for name, t in best.items():
            print(f"  {name:40s} {len(split) / t:10,.1f} samples/s (train {args.train_model}, one epoch, best of "
                  f"2{', bf16 autocast' if device.type == 'cuda' else ''})")
        a, b = best.values()
        print(f"  device-resident / data loader (training): {a / b:.2f}x")


if __name__ == "__main__":
    main()
