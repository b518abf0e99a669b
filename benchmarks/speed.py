"""Cost of every registered model, measured side by side in one run: parameters, GFLOPs per sample (torch's
FlopCounterMode, plus an analytic count for LSTMs, which it does not count; 1 MAC = 2 FLOPs), forward latency at batch 1, and training throughput (samples/s) at a stated
batch, on CPU and (when present) CUDA with bf16 autocast.

    python benchmarks/speed.py                          # every model at its cfg's input size
    python benchmarks/speed.py --models 'drsr*' --small # reduced spatial size where the family allows it
    python benchmarks/speed.py --json results/speed.json
    python benchmarks/speed.py --models two_stream_rnn lstm_baseline pose_lstm --train-batch 16 --frames 25 \
        --threads 1                                     # the engine-overhead column on the skeleton models

Engine overhead column ("engine / bare"): the same model, batch and optimiser trained for one epoch of K steps
(K: about one second of work, at least 5) through `motionzoo.engine.fit` (a list of K identical batches as the
train loader, no validation, no files), against a bare `opt.zero_grad(); loss.backward(); opt.step()` loop over the
same K batches; every round times one bare and one engine epoch back to back, and the column is the median over
`--overhead-rounds` rounds of engine / bare (the step times shown are the best of the rounds; CPU time of this
process on the CPU, wall time on CUDA).  The fit time includes its
per-epoch work (optimiser set-up, lr, RNG state), spread over the K steps.  `--overhead-steps 0` skips it.
`--frames T` shortens the time axis of skeleton inputs (a smaller two_stream_rnn step).

Timings on a shared machine are noisy: each figure is the median of `--repeats` runs after a warm-up, and the
table also gives each model's latency relative to the first model of the run (a ratio from the same process).
Not a test: nothing here asserts a time.
"""
from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

import torch
from torch.utils.flop_counter import FlopCounterMode

import motionzoo

# --small: reduced inputs for the heaviest video models (DRSR needs T = 64 and H, W multiples of 32).
SMALL = {"drsr": (3, 64, 64, 64), "drsr_capf": (3, 64, 64, 64), "i3d": (3, 16, 224, 224)}


def example_inputs(arch: str, cfg, batch: int, small: bool, frames: int | None = None) -> tuple[tuple, dict]:
    """Random inputs of the model's contract; SMnet and DRSR take several tensors."""
    size = input_size(arch, cfg, small, frames)
    if arch == "smnet":
        c, t, h, w = size
        x = {m: torch.randn(batch, c, t, h, w) for m in ("rgb", "depth", "skeleton")}
        x["lengths"] = torch.full((batch,), t, dtype=torch.long)
        return (x,), {}
    if arch.startswith("drsr"):
        c, t, h, w = size
        clip, garr = torch.randn(batch, c, t, h, w), torch.rand(batch, 1, t, h, w)
        if arch == "drsr_capf":
            return (clip, torch.randn(batch, c, t, h, w), garr, torch.rand(batch, 1, t, h, w)), {}
        return (clip, garr), {}
    return (torch.randn(batch, *size),), {}


def input_size(arch: str, cfg, small: bool, frames: int | None = None) -> tuple:
    size = tuple(SMALL.get(arch, cfg.input_size) if small else cfg.input_size)
    if frames and cfg.modality == "skeleton" and cfg.input_layout in ("NTVC", "NMTVC", "NTF"):
        t = cfg.input_layout.index("T") - 1  # position of T in the per-sample size
        size = size[:t] + (frames,) + size[t + 1:]
    return size


def _logits(out):
    if isinstance(out, dict):
        return out.get("logits", next(iter(out.values())))
    if isinstance(out, (tuple, list)):
        return out[-1] if isinstance(out[-1], torch.Tensor) and out[-1].dim() == 2 else out[0]
    return out


def _lstm_flops(model: torch.nn.Module):
    """FlopCounterMode has no formula for ATen's fused LSTM, so LSTMs are counted analytically through forward
    hooks: per step, layer and direction 2 * 4H (I + H) FLOPs for the gate matmuls (elementwise gates ignored, as
    for every other layer).  Returns (hook handles, counter)."""
    total = [0]

    def hook(mod: torch.nn.LSTM, args, _out):
        x = args[0]
        if isinstance(x, torch.nn.utils.rnn.PackedSequence):
            steps = int(x.data.shape[0])                      # sum of lengths
        else:
            steps = int(x.shape[0] * x.shape[1])              # N * T
        dirs = 2 if mod.bidirectional else 1
        h = mod.hidden_size
        for layer in range(mod.num_layers):
            i = mod.input_size if layer == 0 else h * dirs
            total[0] += steps * dirs * 2 * 4 * h * (i + h)
    handles = [m.register_forward_hook(hook) for m in model.modules() if isinstance(m, torch.nn.LSTM)]
    return handles, total


def _time(fn, repeats: int, sync) -> float:
    fn()
    sync()
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        sync()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def _bare_step(model, args: tuple, target: torch.Tensor, opt, amp) -> None:
    """One training step with nothing around it: forward, cross-entropy, zero_grad, backward, step."""
    with amp:
        out = _logits(model(*args))
        loss = torch.nn.functional.cross_entropy(out.float(), target)
    opt.zero_grad(set_to_none=True)
    loss.backward()
    opt.step()


def engine_overhead(model: torch.nn.Module, args: tuple, target: torch.Tensor, device: torch.device, steps: int,
                    rounds: int) -> dict:
    """Engine and bare seconds per step (best round), steps, median engine / bare ratio: see the module doc."""
    import copy

    from motionzoo.engine import fit
    from motionzoo.engine.optim import build_optimizer
    from motionzoo.recipes import Recipe

    recipe = Recipe(name="speed/overhead", epochs=1, batch_size=len(target), optimizer="sgd", lr=1e-4)
    x = args[0] if len(args) == 1 else tuple(args)
    amp = torch.autocast("cuda", dtype=torch.bfloat16) if device.type == "cuda" else torch.autocast("cpu",
                                                                                                     enabled=False)
    sync = torch.cuda.synchronize if device.type == "cuda" else (lambda: None)
    # CPU: this process's CPU time (other jobs on a shared machine move it less than wall time); CUDA: wall time
    clock = time.perf_counter if device.type == "cuda" else time.process_time
    bare_model, engine_model = copy.deepcopy(model), copy.deepcopy(model)
    opt = build_optimizer(bare_model, recipe)

    def bare(k):
        for _ in range(k):
            _bare_step(bare_model, args, target, opt, amp)

    def engine(k):
        fit(engine_model, [(x, target)] * k, None, recipe, None, device=device, progress=False, plots=False)

    t0 = time.perf_counter()
    bare(1)
    sync()
    if steps <= 0:  # auto: about one second of bare steps
        steps = max(5, min(200, int(1.0 / max(time.perf_counter() - t0, 1e-4))))
    engine(1)
    best = {"bare": float("inf"), "engine": float("inf")}
    ratios = []
    for _ in range(rounds):
        took = {}
        for name, fn in (("bare", bare), ("engine", engine)):
            sync()
            t0 = clock()
            fn(steps)
            sync()
            took[name] = (clock() - t0) / steps
            best[name] = min(best[name], took[name])
        ratios.append(took["engine"] / took["bare"])  # a pair measured back to back
    return {"engine_step_s": best["engine"], "bare_step_s": best["bare"], "overhead_steps": steps,
            "engine_over_bare": statistics.median(ratios)}


def measure(arch: str, device: torch.device, small: bool, train_batch: int, repeats: int, frames: int | None = None,
            overhead_steps: int = -1, overhead_rounds: int = 3) -> dict:
    model = motionzoo.create_model(arch).to(device)
    cfg = model.pretrained_cfg
    params = sum(p.numel() for p in model.parameters())
    sync = torch.cuda.synchronize if device.type == "cuda" else (lambda: None)
    amp = torch.autocast("cuda", dtype=torch.bfloat16) if device.type == "cuda" else torch.autocast("cpu", enabled=False)
    model.eval()
    args, kwargs = example_inputs(arch, cfg, 1, small, frames)
    args = tuple(a.to(device) if isinstance(a, torch.Tensor) else {k: v.to(device) for k, v in a.items()} for a in args)
    with torch.no_grad():
        counter = FlopCounterMode(display=False)
        handles, lstm = _lstm_flops(model)
        with counter, amp:
            model(*args, **kwargs)
        for h in handles:
            h.remove()
        flops = counter.get_total_flops() + lstm[0]
        with amp:
            latency = _time(lambda: model(*args, **kwargs), repeats, sync)
    model.train()
    targs, _ = example_inputs(arch, cfg, train_batch, small, frames)
    targs = tuple(a.to(device) if isinstance(a, torch.Tensor) else {k: v.to(device) for k, v in a.items()} for a in targs)
    opt = torch.optim.SGD(model.parameters(), lr=1e-3)
    target = torch.randint(0, cfg.num_classes or 2, (train_batch,), device=device)

    step_time = _time(lambda: _bare_step(model, targs, target, opt, amp), max(1, repeats // 2), sync)
    row = {"model": arch, "device": str(device), "input": input_size(arch, cfg, small, frames), "params": params,
           "gflops": flops / 1e9, "latency_ms_b1": latency * 1e3, "train_batch": train_batch,
           "train_samples_per_s": train_batch / step_time}
    if overhead_steps != 0:
        row.update(engine_overhead(model, targs, target, device, overhead_steps, overhead_rounds))
    return row


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--models", nargs="+", default=["*"])
    p.add_argument("--exclude", nargs="*", default=["nasbench201_*"])
    p.add_argument("--small", action="store_true", help="reduced input sizes for the heaviest video models")
    p.add_argument("--train-batch", type=int, default=2)
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--threads", type=int, default=None)
    p.add_argument("--frames", type=int, default=None, help="time steps of skeleton inputs (default: the cfg's)")
    p.add_argument("--overhead-steps", type=int, default=-1,
                   help="steps per engine/bare timing (-1: about one second; 0: skip the column)")
    p.add_argument("--overhead-rounds", type=int, default=7)
    p.add_argument("--json", type=Path, default=None)
    args = p.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    devices = [torch.device("cpu")] + ([torch.device("cuda")] if torch.cuda.is_available() else [])
    archs = motionzoo.list_models(args.models, exclude_filters=args.exclude)
    rows = []
    for device in devices:
        print(f"device: {device} ({torch.get_num_threads()} CPU threads)" if device.type == "cpu" else
              f"device: {torch.cuda.get_device_name()} (bf16 autocast)", flush=True)
        for arch in archs:
            r = measure(arch, device, args.small, args.train_batch, args.repeats, args.frames, args.overhead_steps,
                        args.overhead_rounds)
            rows.append(r)
            print(f"  {arch:<28} {r['params']:>12,}  {r['gflops']:9.2f} GFLOPs  {r['latency_ms_b1']:9.1f} ms  "
                  f"{r['train_samples_per_s']:8.2f} samples/s (train, batch {r['train_batch']})"
                  + (f"  engine {1e3 * r['engine_step_s']:.2f} ms/step vs bare {1e3 * r['bare_step_s']:.2f}: "
                     f"{r['engine_over_bare']:.3f}x ({r['overhead_steps']} steps)" if "engine_step_s" in r else ""),
                  flush=True)
    print("\n| model | device | input | params | GFLOPs/sample | latency b=1 (ms) | x first | train samples/s "
          "| engine / bare step |")
    print("|---|---|---|---:|---:|---:|---:|---:|---:|")
    for device in devices:
        base = next(r for r in rows if r["device"] == str(device))["latency_ms_b1"]
        for r in (r for r in rows if r["device"] == str(device)):
            print(f"| `{r['model']}` | {r['device']} | {'x'.join(map(str, r['input']))} | {r['params']:,} | "
                  f"{r['gflops']:.2f} | {r['latency_ms_b1']:.1f} | {r['latency_ms_b1'] / base:.2f} | "
                  f"{r['train_samples_per_s']:.2f} | "
                  + (f"{r['engine_over_bare']:.3f}x ({1e3 * r['engine_step_s']:.1f} / {1e3 * r['bare_step_s']:.1f} ms) |"
                     if "engine_step_s" in r else "— |"))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(rows, indent=2) + "\n")


if __name__ == "__main__":
    main()
