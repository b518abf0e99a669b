"""Benchmark framework: declarative rows, one runner over seeds, results as JSON + CSV + markdown.

A benchmark script declares its rows and hands them to `run_benchmark`:

    # benchmarks/utd_mhad.py
    try:
        from benchmarks._common import BenchmarkData, BenchmarkRow, Protocol, run_benchmark
    except ImportError:                       # run as `python benchmarks/utd_mhad.py`
        from _common import BenchmarkData, BenchmarkRow, Protocol, run_benchmark

    XSUB = Protocol("utd_mhad", "xsub", num_classes=27, expected_test_samples=430,
                    description="subjects 1,3,5,7 train / 2,4,6,8 test, 1 clip, last epoch")

    def load(data_root, quick):               # -> BenchmarkData(train, test, class_names, fingerprint)
        ...

    ROWS = [BenchmarkRow("nb201_resnet/xsub", model="nasbench201", model_kwargs={"arch": 9930}, protocol=XSUB,
                         data=load, recipe=RECIPE, published=None, published_source="thesis (not accessible)",
                         quick={"epochs": 5}, quick_reason="CPU smoke schedule: 5 of 200 epochs")]

    if __name__ == "__main__":
        run_benchmark("utd_mhad", ROWS)

Command line (every script): `--models PATTERN.. --data-root DIR --seeds 0 1 2 --mode train|eval [--quick]
[--synthetic] [--epochs N] [--run-name NAME] [--resume] [--device cuda] [--allow-fingerprint-mismatch]`.
Multi-GPU: `torchrun --nproc_per_node=8 -m benchmarks.ntu ...` (recipe batch sizes are global and divided
between the processes).

Conventions:
- `--quick` applies each row's documented `quick` recipe override (and the data loader may subsample); every
  quick number is labelled with the override and its reason.
- `--synthetic` replaces the data by class-dependent random tensors of the model's input size (a smoke test of
  the whole pipeline); a loader may also return `BenchmarkData(synthetic=True)`.  Synthetic numbers are labelled
  "SYNTHETIC — not comparable to the paper" in every output.
- Training reports the last epoch on the test split (no test-set model selection).  `--mode eval` evaluates the
  row's pretrained weights once: std 0, n = 1, labelled as a weights evaluation.
- Outputs (git-ignored): `results/<benchmark>/<run>.json|.csv|.md` and per row
  `results/<benchmark>/<run>/<row>/per_class_accuracy.csv|confusion_matrix.csv`; checkpoints and logs of each
  training under `runs/<benchmark>/<run>/<row>/seed<k>/`.
"""
from __future__ import annotations

import argparse
import csv
import dataclasses
import datetime
import fnmatch
import hashlib
import json
import math
import os
import re
import shlex
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping, Sequence

import numpy as np
import torch
from torch import nn
from torch.utils.data import Dataset, TensorDataset

from motionzoo.engine import (Recipe, describe_device, describe_env, evaluate, fit, get_world_size,
                              init_distributed, is_main_process, make_loader, resolve_device, seed_everything,
                              write_confusion_csv)
from motionzoo.engine.metrics import most_confused_pairs

__all__ = ["Protocol", "BenchmarkRow", "BenchmarkData", "RowResult", "run_benchmark", "make_parser", "run_row",
           "write_results", "format_mean_std", "summarize", "synthetic_data", "fingerprint_files",
           "fingerprint_tensors", "FingerprintMismatch", "SYNTHETIC_LABEL", "REPO"]

REPO = Path(__file__).resolve().parents[1]
SYNTHETIC_LABEL = "SYNTHETIC — not comparable to the paper"
METRICS = ("top1", "top5", "mean_class_accuracy")


class FingerprintMismatch(RuntimeError):
    pass


# -- declarations ------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Protocol:
    dataset: str                                   # e.g. "ntu60"
    split: str                                     # e.g. "xsub"
    num_classes: int
    expected_test_samples: int | None = None       # the split's sample count; num_samples_evaluated must match
    description: str = ""                          # clips x crops, clip length, sampling, clip/video level
    eval: Mapping[str, Any] = field(default_factory=dict)   # the model's eval_protocol, as data

    def label(self) -> str:
        return f"{self.dataset} {self.split}" + (f" ({self.description})" if self.description else "")


@dataclass
class BenchmarkData:
    train: Dataset | None                          # None is fine for --mode eval
    test: Dataset
    class_names: Sequence[str]
    fingerprint: str                               # see fingerprint_files / fingerprint_tensors
    synthetic: bool = False
    notes: str = ""                                # e.g. "quick: first 512 test samples"


@dataclass(frozen=True)
class BenchmarkRow:
    name: str                                      # unique row id, e.g. "two_stream_rnn/xsub"; selects with --models
    model: str                                     # registry name: arch (train) or arch.tag (eval)
    protocol: Protocol
    data: Callable[[Path | None, bool], BenchmarkData] | None = None   # (data_root, quick) -> data
    recipe: Recipe | None = None                   # the authors' recipe (required for --mode train)
    model_kwargs: Mapping[str, Any] = field(default_factory=dict)
    stream: str = ""                               # stream / modality, e.g. "joint", "depth"
    published: float | None = None                 # in percent, for `metric`
    published_source: str = ""                    # "Paper, Table 3"
    metric: str = "top1"
    tolerance: float = 1.0                         # the flag fires when |delta| > max(2 std, tolerance)
    quick: Mapping[str, Any] = field(default_factory=dict)   # Recipe overrides under --quick
    quick_reason: str = ""
    expected_fingerprint: str | None = None        # from the model card; a mismatch refuses to run
    build_model: Callable[..., nn.Module] | None = None      # default: motionzoo.create_model
    fit_kwargs: Mapping[str, Any] = field(default_factory=dict)  # loss_fn, param_groups, logits_fn, ...
    synthetic_input_shape: tuple[int, ...] | None = None     # default: the model cfg's input_size
    stochastic_eval: bool = False                  # --mode eval over every seed (stochastic inference options)

    def slug(self) -> str:
        return re.sub(r"[^A-Za-z0-9_.-]+", "_", self.name).strip("_")


@dataclass
class RowResult:
    row: BenchmarkRow
    mode: str
    seeds: list[int]
    per_seed: list[dict[str, Any]]                 # {"seed", "top1", "top5", "mean_class_accuracy", "num_samples"}
    confusion: np.ndarray                          # summed over seeds
    per_class: list[list[float]]                   # per seed
    class_names: list[str]
    recipe: Recipe | None
    recipe_overrides: dict[str, Any]
    data_fingerprint: str
    fingerprint_ok: bool | None
    synthetic: bool
    quick: bool
    data_notes: str = ""


# -- statistics and formatting -----------------------------------------------------------------------------
def summarize(values: Sequence[float], weights_eval: bool = False) -> dict[str, Any]:
    """mean, sample std (ddof = 1; None for one retraining, 0 for a deterministic weights evaluation), n."""
    vals = np.asarray(values, dtype=np.float64)
    n = int(vals.size)
    mean = float(vals.mean()) if n else math.nan
    if weights_eval:
        std = 0.0
    else:
        std = float(vals.std(ddof=1)) if n > 1 else None
    return {"mean": mean, "std": std, "n": n}


def format_mean_std(mean: float, std: float | None, n: int, digits: int = 1) -> str:
    """`87.8 ± 0.2 (n=3)`; a single retraining has no std: `87.8 (n=1)`."""
    if mean is None or math.isnan(mean):
        return "—"
    if std is None:
        return f"{mean:.{digits}f} (n={n})"
    return f"{mean:.{digits}f} ± {std:.{digits}f} (n={n})"


def _signed(x: float | None, digits: int = 1) -> str:
    return "—" if x is None or math.isnan(x) else f"{x:+.{digits}f}"


# -- data helpers ------------------------------------------------------------------------------------------
def fingerprint_files(paths: Iterable[str | os.PathLike], root: str | os.PathLike | None = None,
                      content: bool = False) -> str:
    """sha256 over the sorted (relative name, size[, content sha256]) of the files.  Names and sizes are a fast
    check that the same release and split is used; `content=True` hashes every byte."""
    from motionzoo._hub import sha256_file
    h = hashlib.sha256()
    entries = []
    for p in paths:
        p = Path(p)
        rel = p.relative_to(root).as_posix() if root is not None else p.name
        entries.append((rel, p))
    for rel, p in sorted(entries):
        h.update(f"{rel}\0{p.stat().st_size}\0".encode())
        if content:
            h.update(sha256_file(p).encode())
    return "sha256:" + h.hexdigest()


def fingerprint_tensors(*tensors: torch.Tensor | np.ndarray) -> str:
    """sha256 over the shapes, dtypes and bytes of in-memory arrays (e.g. a preprocessed split)."""
    h = hashlib.sha256()
    for t in tensors:
        a = t.detach().cpu().contiguous().numpy() if isinstance(t, torch.Tensor) else np.ascontiguousarray(t)
        h.update(f"{a.shape}{a.dtype}".encode())
        h.update(a.tobytes())
    return "sha256:" + h.hexdigest()


def synthetic_data(num_classes: int, input_shape: Sequence[int], n_train: int = 256, n_test: int = 128,
                   seed: int = 0) -> BenchmarkData:
    """Gaussian inputs plus a class-specific pattern, so a working pipeline learns something.  Marked synthetic."""
    g = torch.Generator().manual_seed(seed)
    patterns = torch.randn(num_classes, *input_shape, generator=g)

    def split(n):
        y = torch.arange(n) % num_classes
        x = torch.randn(n, *input_shape, generator=g) + patterns[y]
        return TensorDataset(x, y)
    train, test = split(n_train), split(n_test)
    return BenchmarkData(train, test, [f"class_{i}" for i in range(num_classes)],
                         fingerprint_tensors(*test.tensors), synthetic=True,
                         notes=f"synthetic: {n_train} train / {n_test} test samples of shape {tuple(input_shape)}")


# -- command line ------------------------------------------------------------------------------------------
def make_parser(benchmark: str) -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog=f"benchmarks.{benchmark}",
                                description=f"Run the {benchmark} benchmark rows through motionzoo.engine.")
    p.add_argument("--models", nargs="+", default=["*"], help="fnmatch patterns over row names and model names")
    p.add_argument("--data-root", type=Path, default=None)
    p.add_argument("--seeds", nargs="+", type=int, default=[0])
    p.add_argument("--mode", choices=("train", "eval"), default="train")
    p.add_argument("--quick", action="store_true", help="each row's documented short schedule (labelled)")
    p.add_argument("--synthetic", action="store_true", help="random class-dependent data (labelled SYNTHETIC)")
    p.add_argument("--epochs", type=int, default=None, help="override the recipe's epochs (recorded and labelled)")
    p.add_argument("--eval-every", type=int, default=0, help="evaluate every N epochs for the curves (0: last only)")
    p.add_argument("--run-name", default=None, help="default: UTC timestamp (+ -quick / -synthetic)")
    p.add_argument("--resume", action="store_true", help="continue interrupted trainings of --run-name")
    p.add_argument("--out", type=Path, default=REPO / "results")
    p.add_argument("--runs-dir", type=Path, default=REPO / "runs")
    p.add_argument("--device", default=None, help="default: CUDA if available")
    p.add_argument("--deterministic", action="store_true")
    p.add_argument("--num-workers", type=int, default=4)
    p.add_argument("--allow-fingerprint-mismatch", action="store_true")
    p.add_argument("--no-progress", action="store_true", help="no progress bars (default: only on a terminal)")
    p.add_argument("--no-plots", action="store_true")
    return p


def _select(rows: Sequence[BenchmarkRow], patterns: Sequence[str]) -> list[BenchmarkRow]:
    names = [r.name for r in rows]
    if len(set(names)) != len(names):
        raise ValueError(f"duplicate row names: {sorted(n for n in set(names) if names.count(n) > 1)}")
    chosen = [r for r in rows if any(fnmatch.fnmatch(r.name, p) or fnmatch.fnmatch(r.model, p) for p in patterns)]
    if not chosen:
        raise SystemExit(f"--models {' '.join(patterns)} matches no row; rows: {', '.join(names)}")
    return chosen


def run_benchmark(benchmark: str, rows: Sequence[BenchmarkRow], argv: Sequence[str] | None = None,
                  record_argv: Sequence[str] | None = None) -> dict | None:
    """Parse the command line, run the selected rows over the seeds, write the results (rank 0).  Returns the
    JSON document on rank 0.  `record_argv`: the arguments to record as the rerun command when the script
    consumed some of its own options before calling (default: `argv`)."""
    args = make_parser(benchmark).parse_args(argv)
    init_distributed()
    device = resolve_device(args.device)
    if is_main_process():
        print(f"[{benchmark}] device: {describe_device(device)}, world size {get_world_size()}", flush=True)
    run_name = args.run_name or (datetime.datetime.now(datetime.timezone.utc).strftime("%Y%m%d-%H%M%S")
                                 + ("-quick" if args.quick else "") + ("-synthetic" if args.synthetic else ""))
    if args.resume and not args.run_name:
        raise SystemExit("--resume needs the --run-name of the interrupted run")
    data_cache: dict = {}
    results = [run_row(row, args, device, benchmark, run_name, data_cache) for row in _select(rows, args.models)]
    if not is_main_process():
        return None
    command = _command_line(benchmark, record_argv if record_argv is not None else argv)
    doc = write_results(args.out, benchmark, run_name, results, command=command, env=describe_env(device))
    print(f"[{benchmark}] wrote {args.out / benchmark / run_name}.json / .csv / .md", flush=True)
    return doc


def _command_line(benchmark: str, argv: Sequence[str] | None) -> str:
    """How to rerun this: the real argv (prefixed with torchrun's layout when distributed), or for a call from
    Python the equivalent `python -m benchmarks.<name>` line."""
    args = list(sys.argv) if argv is None else ["-m", f"benchmarks.{benchmark}", *argv]
    world = int(os.environ.get("WORLD_SIZE", 1))
    if world > 1:
        local = int(os.environ.get("LOCAL_WORLD_SIZE", world))
        return shlex.join(["torchrun", f"--nnodes={max(world // local, 1)}", f"--nproc_per_node={local}", *args])
    return shlex.join(["python", *args])


def _load_data(row: BenchmarkRow, args, cache: dict) -> BenchmarkData:
    if args.synthetic:
        shape = row.synthetic_input_shape
        if shape is None:
            import motionzoo
            shape = tuple(motionzoo.model_info(row.model)["input_size"])
        key = ("synthetic", row.protocol.num_classes, tuple(shape))
        if key not in cache:
            cache[key] = synthetic_data(row.protocol.num_classes, shape, n_train=64 if args.quick else 256,
                                        n_test=32 if args.quick else 128)
        return cache[key]
    if row.data is None:
        raise SystemExit(f"row {row.name!r} declares no data loader (use --synthetic for a smoke run)")
    key = (row.data, args.data_root, args.quick)
    if key not in cache:
        cache[key] = row.data(args.data_root, args.quick)
    return cache[key]


def _effective_recipe(row: BenchmarkRow, args) -> tuple[Recipe | None, dict[str, Any]]:
    if row.recipe is None:
        return None, {}
    changes: dict[str, Any] = {}
    reasons = []
    if args.quick and row.quick:
        changes.update(row.quick)
        reasons.append(f"--quick: {row.quick_reason or 'short schedule'}")
    if args.epochs is not None:
        changes["epochs"] = args.epochs
        reasons.append(f"--epochs {args.epochs}")
    recipe = row.recipe.replace(**changes) if changes else row.recipe
    return recipe, ({"changes": changes, "reason": "; ".join(reasons)} if changes else {})


def _build(row: BenchmarkRow, pretrained: bool, num_classes: int) -> nn.Module:
    if row.build_model is not None:
        return row.build_model(pretrained=pretrained, num_classes=num_classes, **row.model_kwargs)
    import motionzoo
    return motionzoo.create_model(row.model, pretrained=pretrained, num_classes=num_classes, **row.model_kwargs)


def run_row(row: BenchmarkRow, args, device: torch.device, benchmark: str, run_name: str,
            data_cache: dict | None = None) -> RowResult:
    data = _load_data(row, args, {} if data_cache is None else data_cache)
    fp_ok = None
    if row.expected_fingerprint and not data.synthetic:
        fp_ok = data.fingerprint == row.expected_fingerprint
        if not fp_ok and not args.allow_fingerprint_mismatch:
            raise FingerprintMismatch(
                f"row {row.name!r}: data fingerprint {data.fingerprint} differs from the model card's "
                f"{row.expected_fingerprint}; another release or split would make the comparison meaningless. "
                "Pass --allow-fingerprint-mismatch to run anyway (the row is then flagged).")
    n_classes = row.protocol.num_classes
    if len(data.class_names) != n_classes:
        raise ValueError(f"row {row.name!r}: {len(data.class_names)} class names for {n_classes} classes")
    recipe, overrides = _effective_recipe(row, args)
    world = get_world_size()
    per_seed, per_class = [], []
    confusion = np.zeros((n_classes, n_classes), np.int64)
    seeds = list(args.seeds) if args.mode == "train" or row.stochastic_eval else [args.seeds[0]]
    for seed in seeds:
        seed_everything(seed, deterministic=args.deterministic)
        if args.mode == "train":
            if recipe is None:
                raise SystemExit(f"row {row.name!r} has no recipe; it can only run with --mode eval")
            if data.train is None:
                raise SystemExit(f"row {row.name!r}: the data loader returned no training set")
            if recipe.batch_size % world:
                raise ValueError(f"recipe batch {recipe.batch_size} is not divisible by {world} processes")
            batch = recipe.batch_size // world
            model = _build(row, pretrained=False, num_classes=n_classes)
            test_loader = make_loader(data.test, batch, train=False, num_workers=args.num_workers)
            res = fit(model, make_loader(data.train, batch, train=True, seed=seed, num_workers=args.num_workers),
                      test_loader, recipe, args.runs_dir / benchmark / run_name / row.slug() / f"seed{seed}",
                      device=device, resume=args.resume, progress=False if args.no_progress else None,
                      class_names=data.class_names, eval_every=args.eval_every, plots=not args.no_plots,
                      **dict(row.fit_kwargs))
            m = res.final
        else:
            model = _build(row, pretrained=not data.synthetic, num_classes=n_classes).to(device)
            batch = (recipe.batch_size // world) if recipe is not None else 32
            m = evaluate(model, make_loader(data.test, batch, train=False, num_workers=args.num_workers), device,
                         num_classes=n_classes, progress=False if args.no_progress else None,
                         **{k: v for k, v in row.fit_kwargs.items() if k == "logits_fn"})
        per_seed.append({"seed": seed, **{k: m[k] for k in METRICS}, "num_samples": m["num_samples"]})
        per_class.append(list(m["per_class_accuracy"]))
        confusion += np.asarray(m["confusion_matrix"], dtype=np.int64)
        if is_main_process():
            print(f"[{benchmark}] {row.name} seed {seed}: top1 {m['top1']:.2f}  top5 {m['top5']:.2f}  "
                  f"mean-class {m['mean_class_accuracy']:.2f}  ({m['num_samples']} samples)", flush=True)
    return RowResult(row=row, mode=args.mode, seeds=seeds, per_seed=per_seed, confusion=confusion,
                     per_class=per_class, class_names=list(data.class_names), recipe=recipe,
                     recipe_overrides=overrides, data_fingerprint=data.fingerprint, fingerprint_ok=fp_ok,
                     synthetic=data.synthetic or args.synthetic, quick=args.quick, data_notes=data.notes)


# -- writing -----------------------------------------------------------------------------------------------
def _row_document(r: RowResult, side_dir: Path, out_root: Path, command: str) -> dict[str, Any]:
    row = r.row
    weights_eval = r.mode == "eval" and not row.stochastic_eval
    stats = {k: summarize([s[k] for s in r.per_seed], weights_eval) for k in METRICS}
    main = stats[row.metric]
    delta = main["mean"] - row.published if row.published is not None else None
    flags = []
    if delta is not None and abs(delta) > max(2 * (main["std"] or 0.0), row.tolerance):
        flags.append("delta")
    n_eval = r.per_seed[0]["num_samples"] if r.per_seed else 0
    expected = row.protocol.expected_test_samples
    if expected is not None and n_eval != expected:
        flags.append("num_samples")
    if r.fingerprint_ok is False:
        flags.append("fingerprint_mismatch")
    if r.synthetic:
        flags.append("synthetic")
    if r.recipe_overrides:
        flags.append("recipe_override")

    side_dir.mkdir(parents=True, exist_ok=True)
    per_class_csv, confusion_csv = side_dir / "per_class_accuracy.csv", side_dir / "confusion_matrix.csv"
    _write_per_class(per_class_csv, r)
    write_confusion_csv(r.confusion, confusion_csv, r.class_names)
    measured = format_mean_std(main["mean"], main["std"], main["n"])
    return {
        "name": row.name, "model": row.model, "model_kwargs": dict(row.model_kwargs), "stream": row.stream,
        "dataset": row.protocol.dataset, "split": row.protocol.split, "mode": r.mode,
        "evaluation_kind": "weights-evaluation" if weights_eval else "retraining",
        "protocol": {**dataclasses.asdict(row.protocol), "eval": dict(row.protocol.eval)},
        "metric": row.metric, "published": row.published, "published_source": row.published_source,
        "reproduced_mean": main["mean"], "reproduced_std": main["std"], "n_seeds": main["n"], "seeds": r.seeds,
        "per_seed": r.per_seed, "metrics": stats, "measured": measured,
        "delta_vs_published": delta, "tolerance": row.tolerance, "flag": bool(flags), "flags": flags,
        "num_samples_evaluated": n_eval, "expected_num_samples": expected,
        "data_fingerprint": r.data_fingerprint, "expected_fingerprint": row.expected_fingerprint,
        "recipe": _jsonable(r.recipe.to_dict()) if r.recipe is not None else None,
        "recipe_overrides": _jsonable(r.recipe_overrides), "quick": r.quick, "synthetic": r.synthetic,
        "label": SYNTHETIC_LABEL if r.synthetic else "", "data_notes": r.data_notes,
        "per_class_accuracy_csv": per_class_csv.relative_to(out_root).as_posix(),
        "confusion_matrix_csv": confusion_csv.relative_to(out_root).as_posix(),
        "confusion_matrix_note": f"counts summed over {len(r.seeds)} seed(s)",
        "most_confused": [{"true": t, "predicted": p, "count": c}
                          for t, p, c in most_confused_pairs(r.confusion, 5, r.class_names)],
        # the model card's `reproduced_metrics` entry (CONTRIBUTING.md), ready to paste
        "reproduced_metrics": {f"{row.metric}_mean": round(main["mean"], 2),
                               f"{row.metric}_std": None if main["std"] is None else round(main["std"], 2),
                               "n_seeds": main["n"], "protocol": row.protocol.label(), "command": command},
    }


def _write_per_class(path: Path, r: RowResult) -> None:
    support = r.confusion.sum(axis=1) // max(len(r.seeds), 1)
    acc = np.asarray(r.per_class, dtype=np.float64)            # seeds x classes
    with np.errstate(invalid="ignore"):
        mean = np.nanmean(acc, axis=0) if acc.size else np.full(len(r.class_names), np.nan)
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["class_index", "class_name", "support", *(f"accuracy_seed{s}" for s in r.seeds), "accuracy_mean"])
        for i, name in enumerate(r.class_names):
            w.writerow([i, name, int(support[i]), *(_fmt(v) for v in acc[:, i]), _fmt(mean[i])])


def _fmt(v: float) -> str:
    return "" if v is None or np.isnan(v) else f"{v:.4f}"


def _jsonable(obj):
    if isinstance(obj, Mapping):
        return {str(k): _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_jsonable(v) for v in obj]
    if isinstance(obj, (np.integer, np.floating)):
        return obj.item()
    if isinstance(obj, float) and math.isnan(obj):
        return None
    return obj


CSV_COLUMNS = ("name", "model", "dataset", "split", "stream", "mode", "metric", "published", "reproduced_mean",
               "reproduced_std", "n_seeds", "seeds", "per_seed", "delta_vs_published", "flag", "flags",
               "num_samples_evaluated", "expected_num_samples", "data_fingerprint", "synthetic", "label")


def write_results(out_root: str | os.PathLike, benchmark: str, run_name: str, results: Sequence[RowResult],
                  command: str, env: Mapping[str, Any]) -> dict[str, Any]:
    """`<out>/<benchmark>/<run>.json`, `.csv` (one line per row) and `.md` (the comparison table), plus each
    row's per-class and confusion CSVs under `<out>/<benchmark>/<run>/<row>/`."""
    out_root = Path(out_root)
    bench_dir = out_root / benchmark
    rows = [_row_document(r, bench_dir / run_name / r.row.slug(), out_root, command) for r in results]
    synthetic = any(r["synthetic"] for r in rows)
    doc = {
        "benchmark": benchmark, "run": run_name,
        "created_utc": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "command": command, "env": dict(env), "device": env.get("device"), "synthetic": synthetic,
        "label": SYNTHETIC_LABEL if synthetic else "", "rows": rows,
    }
    doc = _jsonable(doc)
    bench_dir.mkdir(parents=True, exist_ok=True)
    _atomic_write(bench_dir / f"{run_name}.json", json.dumps(doc, indent=2, ensure_ascii=False) + "\n")
    _atomic_write(bench_dir / f"{run_name}.md", markdown_table(doc))
    with open(bench_dir / f"{run_name}.csv.part", "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=CSV_COLUMNS)
        w.writeheader()
        for r in rows:
            w.writerow({k: json.dumps(r[k]) if isinstance(r[k], (list, dict)) else r[k] for k in CSV_COLUMNS})
    os.replace(bench_dir / f"{run_name}.csv.part", bench_dir / f"{run_name}.csv")
    return doc


def _atomic_write(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".part")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def markdown_table(doc: Mapping[str, Any]) -> str:
    lines = [f"# {doc['benchmark']} — {doc['run']}", ""]
    if doc.get("synthetic"):
        lines += [f"**{SYNTHETIC_LABEL}.** Every number below comes from synthetic data.", ""]
    lines += [f"Device: {doc['device']}; torch {doc['env'].get('torch')}, CUDA {doc['env'].get('cuda')}, "
              f"deterministic {doc['env'].get('deterministic')}.", "",
              "| model | published | measured mean ± std (n seeds) | delta | protocol | command |",
              "|---|---|---|---|---|---|"]
    for r in doc["rows"]:
        published = "—" if r["published"] is None else f"{r['published']:.1f}"
        if r["published"] is not None and r["published_source"]:
            published += f" ({r['published_source']})"
        measured = f"{r['measured']} {r['metric']}"
        if r["evaluation_kind"] == "weights-evaluation":
            measured += ", weights evaluation"
        if r["synthetic"]:
            measured += f" — {SYNTHETIC_LABEL}"
        delta = _signed(r["delta_vs_published"])
        if "delta" in r["flags"]:
            delta += " ⚠"
        protocol = f"{r['dataset']} {r['split']}"
        if r["stream"]:
            protocol += f", {r['stream']}"
        if r["protocol"].get("description"):
            protocol += f", {r['protocol']['description']}"
        protocol += f"; {r['num_samples_evaluated']} samples"
        if "num_samples" in r["flags"]:
            protocol += f" (split has {r['expected_num_samples']})"
        if r["recipe_overrides"]:
            protocol += f"; recipe override {r['recipe_overrides']['changes']} ({r['recipe_overrides']['reason']})"
        model = r["model"] + (f" `{r['name']}`" if r["name"] != r["model"] else "")
        cells = [model, published, measured, delta, protocol, f"`{doc['command']}`"]
        lines.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    lines.append("")
    return "\n".join(lines)
