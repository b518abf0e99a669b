"""Graph-convolution training cost on the CPU: FLOPs and time of one training step of `ctrgcn` and `stgcn` at the
shared datasets' CPU-recipe settings, and motionzoo's CTR-GCN against the per-frame formulation, side by side.

    python benchmarks/speed_gcn.py --threads 1 --clock cpu          # a shared CPU: process CPU time, one thread
    python benchmarks/speed_gcn.py --frames 64 --batch 64 --joints 25 --persons 2   # NTU-like steps

- One step = forward, cross-entropy, backward and an SGD update on a batch of random inputs (UTD-MHAD-sized by
  default: 32 samples, 1 person, 32 frames, 20 joints, 27 classes).
- FLOPs: `torch.utils.flop_counter.FlopCounterMode` over forward and backward (2 FLOPs per multiply-accumulate).
- "Per-frame formulation": the same weights in a model whose CTR-GC relation convs (`conv1`, `conv2`) run on every
  frame before the temporal mean, as the official code orders them (motionzoo's port did so until it moved the
  mean first: the convs are 1x1, so both give the same numbers).  Outputs are compared before timing.
- Timing alternates the two models after a warm-up and reports min and median; ratio = per-frame / motionzoo, so
  > 1 means motionzoo is faster.  `--clock cpu` measures process CPU time, which other jobs on a shared machine
  disturb far less than the wall clock (use it with `--threads 1`).
"""
from __future__ import annotations

import argparse
import copy
import json
import platform
import statistics
import time

import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.flop_counter import FlopCounterMode

import motionzoo
from motionzoo.models.ctrgcn import CTRGC


class PerFrameCTRGC(nn.Module):
    """CTR-GC with the relation convs applied to every frame, then averaged over time (the official order)."""

    def __init__(self, ours: CTRGC):
        super().__init__()
        self.conv1, self.conv2, self.conv3, self.conv4 = ours.conv1, ours.conv2, ours.conv3, ours.conv4

    def forward(self, x, A, alpha):
        a = self.conv1(x).mean(dim=-2)                                 # (N, R, V): conv on (N, C, T, V) first
        b = self.conv2(x).mean(dim=-2)
        topo = self.conv4(torch.tanh(a.unsqueeze(-1) - b.unsqueeze(-2))) * alpha + A
        return torch.einsum("ncuv,nctv->nctu", topo, self.conv3(x))


def per_frame_copy(model: nn.Module) -> nn.Module:
    port = copy.deepcopy(model)
    for module in list(port.modules()):
        for name, child in list(module.named_children()):
            if isinstance(child, CTRGC):
                setattr(module, name, PerFrameCTRGC(child))
    return port


def gflops_per_step(model: nn.Module, x: torch.Tensor) -> float:
    counter = FlopCounterMode(display=False)
    with counter:
        model(x).sum().backward()
    model.zero_grad(set_to_none=True)
    return counter.get_total_flops() / 1e9


def time_steps(models: dict[str, nn.Module], x, y, repeats: int, clock) -> dict[str, list[float]]:
    opts = {k: torch.optim.SGD(m.parameters(), lr=0.01, momentum=0.9) for k, m in models.items()}

    def step(k):
        t0 = clock()
        opts[k].zero_grad(set_to_none=True)
        F.cross_entropy(models[k](x), y).backward()
        opts[k].step()
        return clock() - t0

    for k in models:                                                    # warm-up
        step(k)
    times = {k: [] for k in models}
    for _ in range(repeats):
        for k in models:
            times[k].append(step(k))
    return times


def main(argv=None) -> dict:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--batch", type=int, default=32)
    p.add_argument("--frames", type=int, default=32)
    p.add_argument("--joints", type=int, choices=(20, 25, 15, 8), default=20,
                   help="20: kinect_v1_20 (UTD-MHAD, MSR), 25: ntu25, 15: sbu15, 8: natops8")
    p.add_argument("--persons", type=int, default=1)
    p.add_argument("--classes", type=int, default=27)
    p.add_argument("--repeats", type=int, default=5)
    p.add_argument("--threads", type=int, default=None)
    p.add_argument("--clock", choices=("wall", "cpu"), default="wall")
    p.add_argument("--json", default=None, help="also write the results here")
    args = p.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    clock = time.process_time if args.clock == "cpu" else time.perf_counter
    topology = {20: "kinect_v1_20", 25: "ntu25", 15: "sbu15", 8: "natops8"}[args.joints]
    kw = dict(num_classes=args.classes, topology=topology, num_person=args.persons)
    torch.manual_seed(0)
    x = torch.randn(args.batch, args.persons, args.frames, args.joints, 3)
    y = torch.randint(0, args.classes, (args.batch,))
    res: dict = {"env": {"torch": torch.__version__, "threads": torch.get_num_threads(), "clock": args.clock,
                         "cpu": platform.processor() or platform.machine()},
                 "step": f"batch {args.batch}, {args.persons} person(s) x {args.frames} frames x {args.joints} joints "
                         f"({topology}), {args.classes} classes: forward + backward + SGD"}

    ctr = motionzoo.create_model("ctrgcn", **kw)
    with torch.no_grad():                                               # weights that make every path matter
        for m in ctr.modules():
            if isinstance(m, nn.BatchNorm2d):
                m.weight.fill_(1.0)
        for name, prm in ctr.named_parameters():
            if name.endswith("alpha"):
                prm.fill_(0.5)
    port = per_frame_copy(ctr)
    with torch.no_grad():                                               # training mode: batch statistics
        ref, out = port(x), ctr(x)
    res["max_rel_diff_vs_per_frame"] = float((out - ref).abs().max() / ref.abs().max())
    res["gflops_ctrgcn"], res["gflops_per_frame"] = gflops_per_step(ctr, x), gflops_per_step(port, x)
    stgcn = motionzoo.create_model("stgcn", **kw)
    res["gflops_stgcn"] = gflops_per_step(stgcn, x)

    times = time_steps({"ctrgcn": ctr, "per_frame": port, "stgcn": stgcn}, x, y, args.repeats, clock)
    for k, ts in times.items():
        res[f"{k}_step_s_median"], res[f"{k}_step_s_min"], res[f"{k}_step_s_all"] = statistics.median(ts), min(ts), ts
    res["ratio_per_frame_over_ctrgcn_median"] = res["per_frame_step_s_median"] / res["ctrgcn_step_s_median"]
    res["ratio_per_frame_over_ctrgcn_min"] = res["per_frame_step_s_min"] / res["ctrgcn_step_s_min"]
    print(f"{res['step']} ({res['env']['threads']} thread(s), {args.clock} clock)")
    print(f"ctrgcn     {res['gflops_ctrgcn']:.1f} GFLOPs/step, median {res['ctrgcn_step_s_median']:.3f} s "
          f"(min {res['ctrgcn_step_s_min']:.3f})")
    print(f"per-frame  {res['gflops_per_frame']:.1f} GFLOPs/step, median {res['per_frame_step_s_median']:.3f} s "
          f"(min {res['per_frame_step_s_min']:.3f}); ratio per-frame / ctrgcn: median "
          f"{res['ratio_per_frame_over_ctrgcn_median']:.3f}, min {res['ratio_per_frame_over_ctrgcn_min']:.3f} "
          f"(max relative logit difference {res['max_rel_diff_vs_per_frame']:.1e})")
    print(f"stgcn      {res['gflops_stgcn']:.1f} GFLOPs/step, median {res['stgcn_step_s_median']:.3f} s "
          f"(min {res['stgcn_step_s_min']:.3f})")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(res, f, indent=2)
    return res


if __name__ == "__main__":
    main()
