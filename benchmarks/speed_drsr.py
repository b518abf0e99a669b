"""DRSR cost and speed: FLOPs per clip, forward latency, and motionzoo's DRSR against a straightforward port of
the upstream module graph, side by side in one run.

    python benchmarks/speed_drsr.py                       # 64x224x224, CUDA + bf16 autocast when available
    python benchmarks/speed_drsr.py --size 64 --threads 1 --clock cpu   # small clips, CPU time, on a busy CPU

- FLOPs: `torch.utils.flop_counter.FlopCounterMode` (2 FLOPs per multiply-accumulate; convolutions and matmuls,
  attention included), counted on the meta device, so the full 64x224x224 clip costs nothing to count.  The
  spec's figure for the unimodal network is 146.35 GFLOPs; FusionNet's had not been measured.
- "Straightforward port": the same weights in a model whose attention layers do what upstream's do (explicit
  logits, `topk`, a scattered 0/1 mask, `-inf` fill, softmax, `einsum` with v) and whose RCM builds the full
  512 x 512 channel-score matrix before averaging it.  Both models' outputs are compared before timing.
- Timing alternates the two models (warm-up first) and reports min and median; ratios are port / motionzoo, so
  > 1 means motionzoo is faster.  The two models differ only after the CNN, which is ~98% of the compute, so the
  temporal part (RCM + DTN + heads on fixed tokens) is also timed alone, with many repeats: on a shared CPU the
  whole-forward ratio is within the noise.
"""
from __future__ import annotations

import argparse
import copy
import json
import platform
import statistics
import time

import torch
from einops import rearrange
from torch import nn
from torch.utils.flop_counter import FlopCounterMode

from motionzoo.models.drsr import DRSR, DRSRFusion, KNNAttention, RCM

SPEC_GFLOPS_UNIMODAL = 146.35


# -- the straightforward port of upstream's attention and RCM (written for this comparison) ------------------
class UpstreamStyleAttention(nn.Module):
    """vit-pytorch-style attention with k-NN masking, as upstream computes it."""

    def __init__(self, ours: KNNAttention):
        super().__init__()
        self.heads, self.scale, self.keep_ratio = ours.heads, ours.scale, ours.keep_ratio
        self.to_qkv, self.to_out = ours.to_qkv, ours.to_out

    def forward(self, x):
        q, k, v = (rearrange(t, "b n (h d) -> b h n d", h=self.heads) for t in self.to_qkv(x).chunk(3, dim=-1))
        dots = torch.einsum("bhid,bhjd->bhij", q, k) * self.scale
        top = torch.topk(dots, int(dots.shape[-1] * self.keep_ratio), dim=-1).indices
        mask = torch.zeros_like(dots).scatter_(-1, top, 1.0)
        attn = torch.where(mask > 0, dots, torch.full_like(dots, float("-inf"))).softmax(dim=-1)
        out = torch.einsum("bhij,bhjd->bhid", attn, v)
        return self.to_out(rearrange(out, "b h n d -> b n (h d)"))


class UpstreamStyleRCM(nn.Module):
    """RCM with the explicit C x C channel-score matrix."""

    def __init__(self, ours: RCM):
        super().__init__()
        self.q, self.k, self.project, self.linear, self.scale = ours.q, ours.k, ours.project, ours.linear, ours.scale

    def forward(self, x):
        xc = x.transpose(1, 2)                                           # N x C x T
        time_w = torch.sigmoid(self.project(xc.mean(dim=1)))
        scores = self.q(xc) @ self.k(xc).transpose(1, 2) * self.scale    # N x C x C
        chan_w = torch.sigmoid(scores.mean(dim=1))
        weight = chan_w[:, None, :] * time_w[:, :, None]
        return x * weight, self.linear(time_w), weight


def straightforward_port(model: nn.Module) -> nn.Module:
    port = copy.deepcopy(model)
    for module in list(port.modules()):
        for name, child in list(module.named_children()):
            if isinstance(child, KNNAttention):
                setattr(module, name, UpstreamStyleAttention(child))
            elif isinstance(child, RCM):
                setattr(module, name, UpstreamStyleRCM(child))
    return port


# -- measurements ------------------------------------------------------------------------------------------
def unimodal_inputs(n, size, device):
    return torch.randn(n, 3, 64, size, size, device=device), torch.rand(n, 1, 64, size, size, device=device) * 2


def count_gflops(fusion: bool, size: int) -> float:
    with torch.device("meta"):
        model = (DRSRFusion() if fusion else DRSR()).eval()
        x, g = unimodal_inputs(1, size, "meta")
        args = (x, x, g, g) if fusion else (x, g)
        counter = FlopCounterMode(display=False)
        with counter, torch.no_grad():
            model(*args)
    return counter.get_total_flops() / 1e9


CLOCK = time.perf_counter


def time_pair(a, b, args, repeats, device, autocast):
    def once(m):
        if device.type == "cuda":
            torch.cuda.synchronize()
        t0 = CLOCK()
        with torch.no_grad(), torch.autocast(device.type, dtype=torch.bfloat16, enabled=autocast):
            m(*args)
        if device.type == "cuda":
            torch.cuda.synchronize()
        return CLOCK() - t0

    once(a), once(b)                                                     # warm-up
    ta, tb = [], []
    for _ in range(repeats):
        ta.append(once(a))
        tb.append(once(b))
    return ta, tb


class _Call:
    def __init__(self, fn):
        self.fn = fn

    def __call__(self, *a):
        return self.fn(*a)


def _summary(prefix: str, ta: list[float], tb: list[float]) -> dict:
    return {f"{prefix}drsr_latency_s": statistics.median(ta), f"{prefix}port_latency_s": statistics.median(tb),
            f"{prefix}drsr_latency_min_s": min(ta), f"{prefix}port_latency_min_s": min(tb),
            f"{prefix}speed_ratio_port_over_drsr": statistics.median(tb) / statistics.median(ta),
            f"{prefix}speed_ratio_min": min(tb) / min(ta), f"{prefix}drsr_latency_all_s": ta,
            f"{prefix}port_latency_all_s": tb}


def main(argv=None) -> dict:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--size", type=int, default=224, help="H = W of the timed clips (multiple of 32)")
    p.add_argument("--flops-size", type=int, default=224)
    p.add_argument("--repeats", type=int, default=5, help="timed whole forwards per model")
    p.add_argument("--temporal-repeats", type=int, default=50, help="timed temporal-part forwards per model")
    p.add_argument("--threads", type=int, default=None, help="torch CPU threads")
    p.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    p.add_argument("--no-fusion-timing", action="store_true")
    p.add_argument("--clock", choices=("wall", "cpu"), default="wall",
                   help="cpu: process CPU time (with --threads 1, robust to other jobs on a shared CPU)")
    p.add_argument("--json", default=None, help="also write the results here")
    args = p.parse_args(argv)
    global CLOCK
    CLOCK = time.process_time if args.clock == "cpu" else time.perf_counter
    if args.clock == "cpu" and args.device != "cpu":
        p.error("--clock cpu is for CPU runs")
    if args.threads:
        torch.set_num_threads(args.threads)
    device = torch.device(args.device)
    autocast = device.type == "cuda"

    res: dict = {"env": {"torch": torch.__version__, "device": str(device), "threads": torch.get_num_threads(),
                         "cpu": platform.processor() or platform.machine(), "autocast_bf16": autocast, "clock": args.clock,
                         "gpu": torch.cuda.get_device_name(0) if device.type == "cuda" else None}}
    res["gflops_unimodal"] = count_gflops(False, args.flops_size)
    res["gflops_fusion"] = count_gflops(True, args.flops_size)
    res["gflops_spec_unimodal"] = SPEC_GFLOPS_UNIMODAL
    res["flops_clip"] = f"64x{args.flops_size}x{args.flops_size}"
    print(f"GFLOPs per 64x{args.flops_size}x{args.flops_size} clip: drsr {res['gflops_unimodal']:.3f} "
          f"(spec {SPEC_GFLOPS_UNIMODAL}; upstream's FRP Conv1d adds 0.09), drsr_capf {res['gflops_fusion']:.3f}")

    torch.manual_seed(0)
    model = DRSR().eval().to(device)
    port = straightforward_port(model).eval()
    x, g = unimodal_inputs(1, args.size, device)
    with torch.no_grad():
        diff = (model(x, g) - port(x, g)).abs().max().item()
    res["max_abs_diff_vs_port"] = diff
    ta, tb = time_pair(model, port, (x, g), args.repeats, device, autocast)
    res["timed_clip"] = f"1x3x64x{args.size}x{args.size}"
    res.update(_summary("", ta, tb))
    print(f"batch 1, {res['timed_clip']} on {device} ({torch.get_num_threads()} threads"
          f"{', bf16 autocast' if autocast else ''}): drsr median {res['drsr_latency_s']:.3f} s "
          f"(min {res['drsr_latency_min_s']:.3f}), straightforward port median {res['port_latency_s']:.3f} s "
          f"(min {res['port_latency_min_s']:.3f}); ratio port/drsr median {res['speed_ratio_port_over_drsr']:.3f}, "
          f"min {res['speed_ratio_min']:.3f} (max |logit diff| {diff:.2e})")

    # Temporal part alone: RCM + DTN + heads on fixed tokens (where the two implementations differ).
    with torch.no_grad():
        tokens = model.forward_spatial(x, g)
    temporal = lambda m: (lambda t: m.forward_head(m.dtn(t)[0]))  # noqa: E731
    ta, tb = time_pair(_Call(temporal(model)), _Call(temporal(port)), (tokens,), args.temporal_repeats, device, autocast)
    res.update(_summary("temporal_", ta, tb))
    print(f"temporal part (RCM + DTN + heads), batch 1: drsr median {res['temporal_drsr_latency_s'] * 1e3:.2f} ms "
          f"(min {res['temporal_drsr_latency_min_s'] * 1e3:.2f}), port median {res['temporal_port_latency_s'] * 1e3:.2f} ms "
          f"(min {res['temporal_port_latency_min_s'] * 1e3:.2f}); ratio port/drsr median "
          f"{res['temporal_speed_ratio_port_over_drsr']:.3f}, min {res['temporal_speed_ratio_min']:.3f}")

    if not args.no_fusion_timing:
        del port
        fusion = DRSRFusion().eval().to(device)
        fport = straightforward_port(fusion).eval()
        fargs = (x, x.flip(2), g, g.flip(2))
        tf, tfp = time_pair(fusion, fport, fargs, max(1, args.repeats // 2), device, autocast)
        res.update(_summary("fusion_", tf, tfp))
        print(f"drsr_capf batch 1: median {res['fusion_drsr_latency_s']:.3f} s, straightforward port median "
              f"{res['fusion_port_latency_s']:.3f} s (ratio {res['fusion_speed_ratio_port_over_drsr']:.3f})")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(res, f, indent=2)
    return res


if __name__ == "__main__":
    main()
