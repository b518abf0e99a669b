"""How far CTR-GCN's graph convolutions grew in during training: per unit, the mean |scale| of the BN that closes its
graph branch (`l<i>.gcn1.bn.weight`, official init 1e-6: every unit starts as its shortcut) beside the shortcut BN's
(`l<i>.gcn1.down.1.weight`, init 1; units l1, l5, l8) and the refinement weight alpha (init 0).  The graph branch is
the only place where joints mix, so a scale that stays near zero leaves a per-joint temporal network.

    python benchmarks/ctrgcn_branch_scale.py runs/natops/<run> --json model_cards/results/natops/<run>/branch_scale.json

reads every `<run>/**/last/model.safetensors` (the engine's last-epoch checkpoints).
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from safetensors.torch import load_file


def branch_scales(path: Path) -> dict:
    sd = load_file(str(path))
    units = sorted({k.split(".")[0] for k in sd if k.endswith(".gcn1.bn.weight")}, key=lambda u: int(u[1:]))
    if not units:
        raise SystemExit(f"{path}: no CTR-GCN units (no key l<i>.gcn1.bn.weight); is this a ctrgcn checkpoint?")
    out = {}
    for u in units:
        down = sd.get(f"{u}.gcn1.down.1.weight")
        out[u] = {"graph_bn_scale": round(sd[f"{u}.gcn1.bn.weight"].abs().mean().item(), 4),
                  "shortcut_bn_scale": None if down is None else round(down.abs().mean().item(), 4),
                  "alpha": round(sd[f"{u}.gcn1.alpha"].item(), 4)}
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("run", type=Path, help="a run directory (runs/<dataset>/<run>) or one model.safetensors")
    ap.add_argument("--json", type=Path, help="write the per-checkpoint scales here")
    argv = sys.argv[1:] if argv is None else list(argv)
    args = ap.parse_args(argv)
    paths = [args.run] if args.run.is_file() else sorted(args.run.glob("**/last/model.safetensors"))
    if not paths:
        raise SystemExit(f"{args.run}: no **/last/model.safetensors below it")
    result = {}
    for p in paths:
        scales = branch_scales(p)
        key = str(p.parent.parent.relative_to(args.run)) if p != args.run else p.name
        result[key] = scales
        graph = [s["graph_bn_scale"] for s in scales.values()]
        shortcut = [s["shortcut_bn_scale"] for s in scales.values() if s["shortcut_bn_scale"] is not None]
        print(f"{key}: graph-branch BN scale {min(graph):.3f}..{max(graph):.3f} over {len(graph)} units, "
              f"shortcut BNs {min(shortcut):.2f}..{max(shortcut):.2f}")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        command = " ".join(["python", "benchmarks/ctrgcn_branch_scale.py", *argv])
        args.json.write_text(json.dumps({"command": command, "checkpoints": result}, indent=1) + "\n")
        print(f"wrote {args.json}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
