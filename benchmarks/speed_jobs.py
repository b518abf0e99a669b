"""Training throughput on a CPU: one process using every core against `--jobs`-style processes of one thread each,
side by side in one run (what `benchmarks/<script>.py --jobs N --threads 1` does with independent trainings).

    python benchmarks/speed_jobs.py --model two_stream_rnn --dataset sbu
    python benchmarks/speed_jobs.py --model lstm_baseline --dataset utd_mhad \
        --json model_cards/speed/speed_jobs_baseline_utd.json

Each configuration runs `--steps` training steps per process (`speed.py`'s bare step: forward, cross-entropy,
backward, AdamW step) on random input of the recipe's shape (batch size, clip length, persons, joints): "1 x T" is
one process with T = cores threads, "P x 1" is P = cores processes of one thread each, started together;
throughput = steps done / wall time, in samples/s.
The configurations alternate for `--rounds` rounds after a warm-up step in every process, and the ratio column is
the median over rounds of (P x 1) / (1 x T) throughput, measured a few seconds apart on the same machine.  Not a
test: nothing here asserts a time.
"""
from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import statistics
import sys
import time
from pathlib import Path


def _worker(model: str, dataset: str, threads: int, steps: int, start, done) -> None:
    import contextlib
    import torch
    import motionzoo
    from motionzoo.recipes import get_recipe
    try:
        from benchmarks.speed import _bare_step, input_size
    except ImportError:  # run as `python benchmarks/speed_jobs.py`
        from speed import _bare_step, input_size
    torch.set_num_threads(threads)
    recipe = get_recipe(model, dataset)
    net = motionzoo.create_model(model, num_classes=10, **recipe.model_kwargs)
    size = input_size(model, net.pretrained_cfg, small=False, frames=recipe.pipeline.get("clip_len"))
    args = (torch.randn(recipe.batch_size, *size),)
    target = torch.randint(0, 10, (recipe.batch_size,))
    opt = torch.optim.AdamW(net.parameters(), lr=1e-3)
    amp = contextlib.nullcontext()
    _bare_step(net, args, target, opt, amp)              # warm-up: allocations, oneDNN primitives
    start.wait()
    for _ in range(steps):
        _bare_step(net, args, target, opt, amp)
    done.put(time.perf_counter())


def _measure(model: str, dataset: str, processes: int, threads: int, steps: int) -> float:
    """Samples per second over all processes, from the common start to the last process's end."""
    from motionzoo.recipes import get_recipe
    ctx = mp.get_context("spawn")
    start, done = ctx.Barrier(processes + 1), ctx.Queue()
    procs = [ctx.Process(target=_worker, args=(model, dataset, threads, steps, start, done)) for _ in range(processes)]
    for p in procs:
        p.start()
    start.wait()
    t0 = time.perf_counter()
    ends = [done.get() for _ in procs]
    for p in procs:
        p.join()
        if p.exitcode:
            raise SystemExit(f"a worker failed (exit {p.exitcode})")
    return processes * steps * get_recipe(model, dataset).batch_size / (max(ends) - t0)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--model", default="two_stream_rnn")
    p.add_argument("--dataset", default="sbu")
    p.add_argument("--cores", type=int, default=os.cpu_count() or 1)
    p.add_argument("--steps", type=int, default=10, help="training steps per process and round")
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--json", type=Path, default=None)
    args = p.parse_args(argv)
    one, many = f"1 x {args.cores}", f"{args.cores} x 1"
    rows = []
    for r in range(args.rounds):
        a = _measure(args.model, args.dataset, 1, args.cores, args.steps)
        b = _measure(args.model, args.dataset, args.cores, 1, args.steps)
        rows.append({"round": r, one: a, many: b, "ratio": b / a})
        print(f"round {r}: {one} threads {a:.1f} samples/s, {many} thread {b:.1f} samples/s, ratio {b / a:.2f}",
              flush=True)
    ratio = statistics.median(x["ratio"] for x in rows)
    print(f"{args.model} on {args.dataset}'s recipe shape, {args.steps} steps per process and round: "
          f"{many} processes train {ratio:.2f} x the samples per second of one {args.cores}-thread process "
          f"(median of {args.rounds} rounds)")
    if args.json:
        import platform
        import torch
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps({
            "command": "python benchmarks/speed_jobs.py " + " ".join(argv if argv is not None else sys.argv[1:]),
            "model": args.model, "dataset": args.dataset, "cores": args.cores, "steps": args.steps,
            "rounds": rows, "median_ratio": ratio, "torch": torch.__version__, "machine": platform.machine(),
            "cpu_capability": torch.backends.cpu.get_cpu_capability()}, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
