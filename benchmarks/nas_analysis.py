"""Analyse a NAS-Bench-201 skeleton sweep (the JSONL written by benchmarks/nas_skeleton.py).

Prints the best and worst cells, accuracy by operation counts and by topology (parallel vs sequential
convolutions, input discarded, ...), and saves PNG plots next to the results (or in --plots-dir).  Runs of the
same cell with different seeds are averaged first.

    python benchmarks/nas_analysis.py results/nas_skeleton/utd_mhad_xsub_e4_b32.jsonl
"""
from __future__ import annotations

import argparse
import json
import math
import statistics
from collections import defaultdict
from datetime import datetime
from pathlib import Path

from motionzoo.models.nasbench201 import OPS, describe_arch

TOPOLOGIES = ("disconnected", "no_conv", "single", "parallel", "sequential")


def load_runs(paths: list[Path]) -> list[dict]:
    runs = []
    for path in paths:
        for lineno, line in enumerate(path.read_text().splitlines(), start=1):
            if not line.strip():
                continue
            try:
                runs.append(json.loads(line))
            except json.JSONDecodeError as e:
                raise ValueError(f"{path}:{lineno}: not valid JSON ({e})") from e
    if not runs:
        raise SystemExit(f"no runs in {', '.join(map(str, paths))}")
    schedules = {json.dumps(r["schedule"], sort_keys=True) for r in runs}
    if len(schedules) > 1:
        raise SystemExit(f"runs from {len(schedules)} different schedules; analyse one schedule at a time")
    return runs


def per_arch(runs: list[dict], metric: str) -> list[dict]:
    """One row per architecture: mean/std of `metric` over seeds plus its description."""
    by_arch: dict[str, list[dict]] = defaultdict(list)
    for r in runs:
        if metric not in r:
            raise SystemExit(f"metric {metric!r} not in the runs (has: {', '.join(sorted(k for k in r if 'acc' in k))})")
        by_arch[r["arch"]].append(r)
    rows = []
    for arch, rs in by_arch.items():
        accs = [r[metric] for r in rs]
        d = describe_arch(arch, rs[0]["schedule"]["num_classes"])
        rows.append({**d, "acc": statistics.fmean(accs), "acc_std": statistics.stdev(accs) if len(accs) > 1 else 0.0,
                     "seeds": sorted(r["seed"] for r in rs), "params": rs[0]["params"], "flops": rs[0]["flops"],
                     "train_time_s": statistics.fmean(r["train_time_s"] for r in rs)})
    return sorted(rows, key=lambda r: -r["acc"])


def _stats(values: list[float]) -> str:
    if not values:
        return "      -"
    sd = statistics.stdev(values) if len(values) > 1 else 0.0
    return f"{statistics.fmean(values):6.2f} ± {sd:5.2f} (n={len(values)})"


def _spearman(xs: list[float], ys: list[float]) -> float:
    def ranks(v):
        order = sorted(range(len(v)), key=v.__getitem__)
        r = [0.0] * len(v)
        i = 0
        while i < len(v):                       # average ranks over ties
            j = i
            while j + 1 < len(v) and v[order[j + 1]] == v[order[i]]:
                j += 1
            for k in range(i, j + 1):
                r[order[k]] = (i + j) / 2
            i = j + 1
        return r
    rx, ry = ranks(xs), ranks(ys)
    mx, my = statistics.fmean(rx), statistics.fmean(ry)
    num = sum((a - mx) * (b - my) for a, b in zip(rx, ry))
    den = math.sqrt(sum((a - mx) ** 2 for a in rx) * sum((b - my) ** 2 for b in ry))
    return num / den if den else float("nan")


def report(runs: list[dict], rows: list[dict], metric: str, top: int) -> str:
    out = []
    sched = runs[0]["schedule"]
    stamps = sorted(datetime.fromisoformat(r["finished_at"]) for r in runs)
    train_h = sum(r["train_time_s"] for r in runs) / 3600
    out.append(f"{len(runs)} runs, {len(rows)} architectures, seeds {sorted({r['seed'] for r in runs})}; "
               f"metric {metric}")
    out.append(f"schedule: {sched}")
    out.append(f"device: {', '.join(sorted({r['device'] for r in runs}))}")
    out.append(f"training time {train_h * 60:.1f} min in total -> {len(runs) / train_h:.1f} runs per hour of training"
               + (f"; {(stamps[-1] - stamps[0]).total_seconds() / 60:.1f} min between first and last result"
                  if len(stamps) > 1 else ""))

    def line(r):
        return (f"  {r['acc']:6.2f}%  idx {r['index']:5d}  {r['topology']:<12s} params {r['params']:>9,}  "
                f"{r['arch']}")
    out.append(f"\nbest {min(top, len(rows))}:")
    out += [line(r) for r in rows[:top]]
    out.append(f"\nworst {min(top, len(rows))}:")
    out += [line(r) for r in rows[::-1][:top]]

    out.append("\naccuracy by number of edges with each operation (mean ± std over architectures):")
    out.append("  count  " + "  ".join(f"{op:>26s}" for op in OPS))
    for count in range(7):
        cells = [_stats([r["acc"] for r in rows if r["op_counts"][op] == count]) for op in OPS]
        if any(c.strip() != "-" for c in cells):
            out.append(f"  {count:5d}  " + "  ".join(f"{c:>26s}" for c in cells))

    out.append("\naccuracy by topology of the live convolutions:")
    for t in TOPOLOGIES:
        out.append(f"  {t:<12s} {_stats([r['acc'] for r in rows if r['topology'] == t])}")
    out.append("  (parallel: >= 2 convolutions, none chained; sequential: a path through >= 2 convolutions)")
    out.append("\ninput reaches output:")
    for flag in (True, False):
        out.append(f"  {str(flag):<12s} {_stats([r['acc'] for r in rows if r['input_reaches_output'] == flag])}")
    only_pool = [r["acc"] for r in rows if r["only_avg_pool"]]
    out.append(f"  only avg-pool (and none) edges: {_stats(only_pool)}")

    k = min(top, len(rows))
    best = rows[:k]
    out.append(f"\nin the best {k}: mean 3x3 convs {statistics.fmean(r['op_counts']['nor_conv_3x3'] for r in best):.2f}, "
               f"1x1 convs {statistics.fmean(r['op_counts']['nor_conv_1x1'] for r in best):.2f}, "
               f"skips {statistics.fmean(r['op_counts']['skip_connect'] for r in best):.2f}; "
               f"topologies {dict(sorted(_count(r['topology'] for r in best).items()))}")
    if len(rows) > 2:
        out.append(f"Spearman rank correlation of accuracy with params: "
                   f"{_spearman([r['params'] for r in rows], [r['acc'] for r in rows]):.3f}, "
                   f"with FLOPs: {_spearman([r['flops'] for r in rows], [r['acc'] for r in rows]):.3f}")
    return "\n".join(out)


def _count(items) -> dict:
    c: dict = defaultdict(int)
    for i in items:
        c[i] += 1
    return c


def plot(rows: list[dict], metric: str, title: str, out_dir: Path) -> list[Path]:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    out_dir.mkdir(parents=True, exist_ok=True)
    colors = dict(zip(TOPOLOGIES, ("tab:gray", "tab:orange", "tab:green", "tab:blue", "tab:red")))
    written = []

    fig, ax = plt.subplots(figsize=(7, 4.5))
    for t in TOPOLOGIES:
        sel = [r for r in rows if r["topology"] == t]
        if sel:
            ax.scatter([r["params"] / 1e6 for r in sel], [r["acc"] for r in sel], s=22, c=colors[t], label=t)
    ax.set(xlabel="parameters (M)", ylabel=f"{metric} (%)", title=title)
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    written.append(out_dir / "acc_vs_params.png")
    fig.tight_layout()
    fig.savefig(written[-1], dpi=120)
    plt.close(fig)

    fig, ax = plt.subplots(figsize=(7, 4.5))
    groups = [(t, [r["acc"] for r in rows if r["topology"] == t]) for t in TOPOLOGIES]
    groups = [(t, v) for t, v in groups if v]
    ax.boxplot([v for _, v in groups], showmeans=True)
    ax.set_xticks(range(1, len(groups) + 1), [f"{t}\n(n={len(v)})" for t, v in groups])
    for i, (t, v) in enumerate(groups, start=1):
        ax.scatter([i] * len(v), v, s=10, c=colors[t], alpha=0.7, zorder=3)
    ax.set(ylabel=f"{metric} (%)", title=f"{title}: accuracy by topology")
    ax.grid(alpha=0.3, axis="y")
    written.append(out_dir / "acc_by_topology.png")
    fig.tight_layout()
    fig.savefig(written[-1], dpi=120)
    plt.close(fig)

    fig, ax = plt.subplots(figsize=(7, 4.5))
    for op in OPS:
        xs, ys = [], []
        for count in range(7):
            v = [r["acc"] for r in rows if r["op_counts"][op] == count]
            if v:
                xs.append(count)
                ys.append(statistics.fmean(v))
        ax.plot(xs, ys, marker="o", label=op)
    ax.set(xlabel="number of edges with the operation", ylabel=f"mean {metric} (%)",
           title=f"{title}: accuracy by operation count")
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    written.append(out_dir / "acc_by_op_count.png")
    fig.tight_layout()
    fig.savefig(written[-1], dpi=120)
    plt.close(fig)
    return written


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("results", type=Path, nargs="+", help="JSONL file(s) from benchmarks/nas_skeleton.py")
    p.add_argument("--metric", default="test_acc", help="test_acc (final epoch), test_acc_max, valid_acc, ...")
    p.add_argument("--top", type=int, default=5)
    p.add_argument("--plots-dir", type=Path, default=None, help="default: <results stem>_plots/")
    p.add_argument("--no-plots", action="store_true")
    args = p.parse_args(argv)
    runs = load_runs(args.results)
    rows = per_arch(runs, args.metric)
    print(report(runs, rows, args.metric, args.top))
    if not args.no_plots:
        s = runs[0]["schedule"]
        title = f"NAS-Bench-201 on {s['dataset']} {s['protocol']}, {s['epochs']} epochs"
        out_dir = args.plots_dir or args.results[0].with_name(args.results[0].stem + "_plots")
        for path in plot(rows, args.metric, title, out_dir):
            print(f"wrote {path}")


if __name__ == "__main__":
    main()
