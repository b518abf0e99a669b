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
[--synthetic] [--epochs N] [--split val [--val-folds K]] [--run-name NAME] [--resume] [--device cuda]
[--allow-fingerprint-mismatch]`.
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
- Ensemble rows (`BenchmarkRow.ensemble = {member row name: weight}`) train nothing: per seed and fold they add the
  members' test scores (logits) with the weights (`motionzoo.engine.ensemble_scores`) and score the sum.  Selecting
  an ensemble row runs its members first; member rows with a `stream` are selected by their row name only (a model
  pattern such as `ctrgcn*` does not pull in every stream).
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
import inspect
import io
import json
import math
import os
import re
import shlex
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping, Sequence

import numpy as np
import torch
from torch import nn
from torch.utils.data import Dataset, TensorDataset

from motionzoo._json import jsonable
from motionzoo.recipes import Recipe
from motionzoo.engine import (describe_device, describe_env, evaluate, fit, get_world_size,
                              init_distributed, is_main_process, make_loader, resolve_device, seed_everything,
                              write_confusion_csv)
from motionzoo.engine.metrics import most_confused_pairs

__all__ = ["Protocol", "BenchmarkRow", "BenchmarkData", "RowResult", "run_benchmark", "make_parser", "run_row",
           "run_ensemble_row",
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
    default: bool = True                           # run without --models (else only when a pattern selects it)
    ensemble: Mapping[str, float] = field(default_factory=dict)  # member row name -> weight (see the module doc)

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
    split: str = "test"                            # "val": evaluated on a validation split carved from train
    num_folds: int = 1
    folds_run: list[int] | None = None             # --folds: a subset of the protocol's folds
    wall_s: float | None = None
    scores: list[list[tuple[torch.Tensor, torch.Tensor]]] = field(default_factory=list)  # [seed][fold]: (logits, y)


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
    p.add_argument("--models", nargs="+", default=None,
                   help="fnmatch patterns over row names and model names (default: the script's default rows; "
                        "'*' for every row)")
    p.add_argument("--data-root", type=Path, default=None)
    p.add_argument("--seeds", nargs="+", type=int, default=[0])
    p.add_argument("--mode", choices=("train", "eval"), default="train")
    p.add_argument("--quick", action="store_true", help="each row's documented short schedule (labelled)")
    p.add_argument("--synthetic", action="store_true", help="random class-dependent data (labelled SYNTHETIC)")
    p.add_argument("--epochs", type=int, default=None, help="override the recipe's epochs (recorded and labelled)")
    p.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                   help="override a recipe field (lr=3e-3), a pipeline field (pipeline.clip_len=48), a builder "
                        "keyword (model_kwargs.window=16) or a loss keyword (loss_kwargs.x=1) of every selected "
                        "row, or of the rows a --models pattern names (stgcn:lr=0.1, so that the baseline trained "
                        "beside it keeps its own recipe); recorded and labelled")
    p.add_argument("--folds", nargs="+", type=int, default=None,
                   help="run only these folds (1-based) of a multi-fold protocol, e.g. to explore a recipe on the "
                        "validation split of one fold; the row then says which folds it covers")
    p.add_argument("--split", choices=("test", "val"), default="test",
                   help="val: train on the training data minus a validation split carved from it (by subject / "
                        "fold where the data has them) and evaluate on that split; the test set is not read. "
                        "Recipes are chosen this way; test is for the final numbers")
    p.add_argument("--val-folds", type=int, default=1, metavar="K",
                   help="with --split val on a single-split protocol: K-fold cross-validation over the training "
                        "data (by subject where the data has them, else stratified by class) instead of one carved "
                        "split; each validation fold is a fold of the row (--folds picks some), and per seed the "
                        "mean over them is reported. For datasets whose one carve is a few dozen samples")
    p.add_argument("--eval-every", type=int, default=0, help="evaluate every N epochs for the curves (0: last only)")
    p.add_argument("--run-name", default=None, help="default: UTC timestamp (+ -quick / -synthetic)")
    p.add_argument("--resume", action="store_true", help="continue interrupted trainings of --run-name")
    p.add_argument("--out", type=Path, default=REPO / "results")
    p.add_argument("--runs-dir", type=Path, default=REPO / "runs")
    p.add_argument("--device", default=None, help="default: CUDA if available")
    p.add_argument("--deterministic", action="store_true")
    p.add_argument("--threads", type=int, default=None, help="torch CPU threads (default: torch's choice)")
    p.add_argument("--jobs", type=int, default=1, metavar="N",
                   help="train N (row, seed, fold) units side by side, each in its own process (`--threads` each, "
                        "default cores / N), then evaluate them all from their checkpoints; logs under "
                        "runs/<benchmark>/<run>/_jobs/")
    p.add_argument("--amp", action=argparse.BooleanOptionalAction, default=None,
                   help="bf16 autocast (default: on for CUDA, off for CPU; --amp on a CPU with bf16 instructions)")
    p.add_argument("--num-workers", type=int, default=None,
                   help="DataLoader workers (default: 0 on machines with <= 2 cores, else half the cores, at most 8)")
    p.add_argument("--allow-fingerprint-mismatch", action="store_true")
    p.add_argument("--no-progress", action="store_true", help="no progress bars (default: only on a terminal)")
    p.add_argument("--no-plots", action="store_true")
    p.add_argument("--jobs-unit", action="store_true", help=argparse.SUPPRESS)   # set by --jobs on its units
    return p


def _select(rows: Sequence[BenchmarkRow], patterns: Sequence[str] | None) -> list[BenchmarkRow]:
    names = [r.name for r in rows]
    if len(set(names)) != len(names):
        raise ValueError(f"duplicate row names: {sorted(n for n in set(names) if names.count(n) > 1)}")
    if patterns is None:
        chosen = [r for r in rows if r.default]
    else:
        streams = {n for r in rows for n in r.ensemble}

        def by_model(r: BenchmarkRow) -> bool:
            return not r.ensemble and not (r.stream and r.name in streams)
        chosen = [r for r in rows if any(_row_matches(r, p, by_model=by_model(r)) for p in patterns)]
    if not chosen:
        raise SystemExit(f"--models {' '.join(patterns)} matches no row; rows: {', '.join(names)}")
    return _with_members(rows, chosen)


def _with_members(rows: Sequence[BenchmarkRow], chosen: list[BenchmarkRow]) -> list[BenchmarkRow]:
    """`chosen` plus the members of its ensemble rows, every member before the first ensemble that needs it."""
    by_name = {r.name: r for r in rows}
    out: list[BenchmarkRow] = []
    for r in chosen:
        for name in r.ensemble:
            if name not in by_name or by_name[name].ensemble:
                raise ValueError(f"ensemble row {r.name!r}: member {name!r} is not a plain row of this benchmark")
            if by_name[name] not in out:
                out.append(by_name[name])
        if r not in out:
            out.append(r)
    return out


def run_benchmark(benchmark: str, rows: Sequence[BenchmarkRow], argv: Sequence[str] | None = None,
                  record_argv: Sequence[str] | None = None) -> dict | None:
    """Parse the command line, run the selected rows over the seeds, write the results (rank 0).  Returns the
    JSON document on rank 0.  `record_argv`: the arguments to record as the rerun command when the script
    consumed some of its own options before calling (default: `argv`)."""
    args = make_parser(benchmark).parse_args(argv)
    t_start = time.perf_counter()
    code = code_version()       # the checkout that trains: commits made while a long run goes on are not its code
    if args.threads:
        torch.set_num_threads(args.threads)
    init_distributed()
    device = resolve_device(args.device)
    if is_main_process():
        print(f"[{benchmark}] device: {describe_device(device)}, world size {get_world_size()}, "
              f"{torch.get_num_threads()} CPU thread(s)", flush=True)
    run_name = args.run_name or (datetime.datetime.now(datetime.timezone.utc).strftime("%Y%m%d-%H%M%S")
                                 + ("-val" if args.split == "val" else "") + ("-quick" if args.quick else "")
                                 + ("-synthetic" if args.synthetic else ""))
    if args.resume and not args.run_name:
        raise SystemExit("--resume needs the --run-name of the interrupted run")
    selected = _select(rows, args.models)
    for item in args.overrides:     # (a --jobs unit is narrowed to one row: the parent has checked its command)
        scope = parse_override(item)[0]
        if scope and not args.jobs_unit and not any(_row_matches(r, scope) for r in selected):
            raise SystemExit(f"--set {item}: {scope!r} matches none of the selected rows "
                             f"({', '.join(r.name for r in selected)})")
    data_cache: dict = {}
    if args.jobs > 1 and args.mode == "train":
        if get_world_size() > 1:
            raise SystemExit("--jobs runs its own processes; under torchrun leave it at 1")
        _train_in_processes(benchmark, selected, args, run_name,
                            list(record_argv if record_argv is not None else argv if argv is not None else sys.argv[1:]),
                            data_cache)
        args.resume = True      # every training has finished: what follows evaluates the checkpoints
    results = []
    for row in selected:
        t0 = time.perf_counter()
        if row.ensemble:
            results.append(run_ensemble_row(row, args, {r.row.name: r for r in results}, benchmark))
        else:
            results.append(run_row(row, args, device, benchmark, run_name, data_cache))
        results[-1].wall_s = time.perf_counter() - t0
    if not is_main_process():
        return None
    command = _command_line(benchmark, record_argv if record_argv is not None else argv)
    wall = time.perf_counter() - t_start
    env = describe_env(device)
    if args.jobs > 1 and args.mode == "train":
        env["training_processes"] = args.jobs    # each with the thread count `device` states (set to match)
    doc = write_results(args.out, benchmark, run_name, results, command=command, env=env, wall_s=wall, code=code)
    print(f"[{benchmark}] wrote {args.out / benchmark / run_name}.json / .csv / .md", flush=True)
    print(f"[{benchmark}] wall time {wall / 60:.1f} min", flush=True)
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


def _train_in_processes(benchmark: str, rows: Sequence[BenchmarkRow], args, run_name: str,
                        argv: list[str], data_cache: dict) -> None:
    """`--jobs N`: every (row, seed, fold) of `rows` (ensembles train nothing; a one-split row is one unit per seed)
    as `python -m benchmarks.<benchmark>` with the caller's arguments narrowed to that row, seed and fold, N at a
    time, into the same run directory.  A fold is a unit of its own because each fold starts from the seed
    (`seed_everything` per fold), so it trains the same alone or after the others, and SBU's 5 folds x 3 seeds are
    15 units to spread over the workers instead of 3 long ones.  Options given later on a command line override
    earlier ones, so the unit's own `--models`, `--seeds`, `--folds`, `--run-name`, ... are appended to the
    caller's.  A failed unit stops the run after the running ones finish (their checkpoints stay, so `--resume`
    continues); nothing is evaluated until every unit has trained.  The folds are counted from the data, loaded
    here into `data_cache` for the evaluation that follows."""
    import subprocess
    from concurrent.futures import ThreadPoolExecutor, as_completed
    units: list[tuple[BenchmarkRow, int, int | None]] = []
    for row in rows:
        if row.ensemble:
            continue
        n_folds = len(_load_data(row, args, _effective_recipe(row, args)[0], data_cache))
        # the unit's --folds decides its checkpoint directory (fold<k>/ whenever --folds is given), as in the parent
        fold_ids: list[int | None] = (_fold_ids(row, n_folds, args.folds) if args.folds or n_folds > 1
                                      else [None])
        units += [(row, seed, fold) for seed in args.seeds for fold in fold_ids]
    threads = args.threads or max(1, (os.cpu_count() or 1) // args.jobs)
    # the evaluation here runs with the units' thread count, so the recorded device describes how they trained
    torch.set_num_threads(threads)
    log_dir = args.runs_dir / benchmark / run_name / "_jobs"
    log_dir.mkdir(parents=True, exist_ok=True)
    print(f"[{benchmark}] --jobs {args.jobs}: {len(units)} trainings, {threads} thread(s) each, logs in {log_dir}",
          flush=True)

    def train(row: BenchmarkRow, seed: int, fold: int | None) -> tuple[int, float, Path]:
        unit = f"{row.slug()}-seed{seed}" + (f"-fold{fold}" if fold else "")
        log = log_dir / f"{unit}.log"
        # each unit's own result files (a by-product: the parent evaluates every checkpoint afterwards) go to a
        # folder of its own, as N units finishing together would otherwise write the same <run>.json
        cmd = [sys.executable, "-m", f"benchmarks.{benchmark}", *argv, "--models", row.name, "--seeds", str(seed),
               *(["--folds", str(fold)] if fold else []),
               "--run-name", run_name, "--runs-dir", str(args.runs_dir), "--out", str(log_dir / "results" / unit),
               "--threads", str(threads), "--no-progress", "--no-plots", "--jobs", "1", "--jobs-unit"]
        if args.num_workers is None:       # loader processes per unit would multiply by N
            cmd += ["--num-workers", "0"]
        t0 = time.perf_counter()
        with open(log, "w") as f:
            f.write(shlex.join(cmd) + "\n")
            f.flush()
            rc = subprocess.run(cmd, cwd=REPO, stdout=f, stderr=subprocess.STDOUT,
                                preexec_fn=_die_with_parent).returncode
        return rc, time.perf_counter() - t0, log

    failed = []
    with ThreadPoolExecutor(args.jobs) as pool:
        futures = {pool.submit(train, *unit): unit for unit in units}
        for i, fut in enumerate(as_completed(futures), 1):
            (row, seed, fold), (rc, secs, log) = futures[fut], fut.result()
            what = f"{row.name} seed {seed}" + (f" fold {fold}" if fold else "")
            print(f"[{benchmark}] {i}/{len(units)} {what}: "
                  + (f"trained in {secs / 60:.1f} min" if rc == 0 else f"FAILED (exit {rc}; {log})"), flush=True)
            if rc:
                failed.append(log)
    if failed:
        raise SystemExit(_failure_report(benchmark, failed, run_name))


def _failure_report(benchmark: str, failed: Sequence[Path], run_name: str) -> str:
    """What a `--jobs` run says when units failed: how many, every failed unit's log, the end of the first one's (or
    why it cannot be shown), and how to continue."""
    try:
        tail = "ends:\n" + "\n".join(failed[0].read_text(errors="replace").splitlines()[-15:])
    except OSError as e:
        tail = f"cannot be read ({e.strerror})"
    others = "".join(f"\n  also failed, log: {log}" for log in failed[1:])
    return (f"[{benchmark}] {len(failed)} training(s) failed; the first one's log ({failed[0]}) {tail}{others}"
            f"\nrerun with --run-name {run_name} --resume to continue")


def _die_with_parent() -> None:
    """In a `--jobs` unit's process (before it starts): on Linux, be sent SIGTERM when the process that started it
    ends, so that a killed or timed-out run leaves no trainings behind (each has checkpointed its last epoch; a
    rerun with --resume continues).  Elsewhere a no-op."""
    if sys.platform.startswith("linux"):
        import ctypes
        import signal
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)     # 1 = PR_SET_PDEATHSIG


def _load_data(row: BenchmarkRow, args, recipe: Recipe | None, cache: dict) -> list[BenchmarkData]:
    """The row's data as a list of folds (one item for a fixed split).  Loaders are called as
    `row.data(data_root, quick, recipe=..., split=...)`: the recipe's pipeline and builder keywords shape the
    samples, and `split="val"` asks for (training data minus a carved validation split, that split);
    `--val-folds K` adds `val_folds=K` (loaders that cross-validate declare that keyword)."""
    val_folds = args.val_folds
    if val_folds > 1:
        if args.split != "val" or args.synthetic:
            raise SystemExit(f"--val-folds {val_folds} cross-validates on the real training data: it needs --split "
                             "val and no --synthetic")
        if row.data is not None and "val_folds" not in inspect.signature(row.data).parameters:
            raise SystemExit(f"--val-folds: row {row.name!r}'s data loader does not cross-validate")
    if args.synthetic:
        shape = row.synthetic_input_shape
        if shape is None:
            import motionzoo
            shape = tuple(motionzoo.model_info(row.model)["input_size"])
        key = ("synthetic", row.protocol.num_classes, tuple(shape))
        if key not in cache:
            cache[key] = [synthetic_data(row.protocol.num_classes, shape, n_train=64 if args.quick else 256,
                                         n_test=32 if args.quick else 128)]
        return cache[key]
    if row.data is None:
        raise SystemExit(f"row {row.name!r} declares no data loader (use --synthetic for a smoke run)")
    key = (row.data, args.data_root, args.quick, args.split, val_folds, row.model,
           repr(sorted(recipe.pipeline.items())) if recipe else None,
           repr(sorted(recipe.model_kwargs.items())) if recipe else None)
    if key not in cache:
        data = row.data(args.data_root, args.quick, recipe=recipe, split=args.split,
                        **({"val_folds": val_folds} if val_folds > 1 else {}))
        cache[key] = list(data) if isinstance(data, (list, tuple)) else [data]
    return cache[key]


def _seed_dataset(dataset, seed: int) -> None:
    """Give the dataset that draws the augmentation (under any Subset-style wrappers) the run's seed, so seeds are
    independent runs in initialisation, order and augmentation."""
    while dataset is not None:
        if hasattr(dataset, "set_epoch") and hasattr(dataset, "seed"):
            dataset.seed = seed
        dataset = getattr(dataset, "dataset", None)


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
    for item in args.overrides:
        scope, key, value = parse_override(item)
        if scope and not _row_matches(row, scope):
            continue
        group, _, field_name = key.rpartition(".")
        if group:
            if group not in ("pipeline", "model_kwargs", "loss_kwargs"):
                raise SystemExit(f"--set {item}: only pipeline.X, model_kwargs.X and loss_kwargs.X may be dotted")
            changes[group] = {**dict(changes.get(group, getattr(row.recipe, group))), field_name: value}
        else:
            changes[key] = value
        reasons.append(f"--set {item}")
    recipe = row.recipe.replace(**changes) if changes else row.recipe
    return recipe, ({"changes": changes, "reason": "; ".join(reasons)} if changes else {})


def parse_override(item: str) -> tuple[str, str, Any]:
    """`[ROWS:]KEY=VALUE` -> (ROWS or "", KEY, Python literal of VALUE, or the string itself).  ROWS is a --models
    pattern: without it the override applies to every selected row, the baseline included."""
    import ast
    key, sep, raw = item.partition("=")
    scope, _, key = key.rpartition(":")
    if not sep or not key.strip():
        raise SystemExit(f"--set {item!r}: expected [ROWS:]KEY=VALUE")
    try:
        value = ast.literal_eval(raw)
    except (ValueError, SyntaxError):
        value = raw
    return scope.strip(), key.strip(), value


def _row_matches(row: BenchmarkRow, pattern: str, by_model: bool = True) -> bool:
    """A --models pattern names a row by its name, or (`by_model`) by its model's name."""
    return fnmatch.fnmatch(row.name, pattern) or (by_model and fnmatch.fnmatch(row.model, pattern))


def default_num_workers() -> int:
    """No worker processes on small machines (skeleton samples are cheap; workers are re-created every epoch and
    would compete with the training threads for the same cores), else half the cores, at most 8."""
    cores = os.cpu_count() or 1
    return 0 if cores <= 2 else min(8, cores // 2)


def _build(row: BenchmarkRow, pretrained: bool, num_classes: int, recipe: Recipe | None = None) -> nn.Module:
    kwargs = {**row.model_kwargs, **(recipe.model_kwargs if recipe is not None else {})}
    if row.build_model is not None:
        return row.build_model(pretrained=pretrained, num_classes=num_classes, **kwargs)
    import motionzoo
    return motionzoo.create_model(row.model, pretrained=pretrained, num_classes=num_classes, **kwargs)


def _fold_ids(row: BenchmarkRow, n_folds: int, chosen: Sequence[int] | None) -> list[int]:
    """The 1-based folds of `row` to run: all `n_folds`, or `--folds` (checked against them)."""
    if not chosen:
        return list(range(1, n_folds + 1))
    bad = [k for k in chosen if not 1 <= k <= n_folds]
    if bad:
        raise SystemExit(f"--folds {bad}: row {row.name!r} has folds 1..{n_folds}")
    return sorted(set(chosen))


def run_row(row: BenchmarkRow, args, device: torch.device, benchmark: str, run_name: str,
            data_cache: dict | None = None) -> RowResult:
    recipe, overrides = _effective_recipe(row, args)
    folds = _load_data(row, args, recipe, {} if data_cache is None else data_cache)
    fold_ids = _fold_ids(row, len(folds), args.folds)
    folds = [folds[k - 1] for k in fold_ids]
    fp_ok = None
    fingerprint = "+".join(d.fingerprint for d in folds) if len(folds) > 1 else folds[0].fingerprint
    if row.expected_fingerprint and not any(d.synthetic for d in folds):
        fp_ok = fingerprint == row.expected_fingerprint
        if not fp_ok and not args.allow_fingerprint_mismatch:
            raise FingerprintMismatch(
                f"row {row.name!r}: data fingerprint {fingerprint} differs from the model card's "
                f"{row.expected_fingerprint}; another release or split would make the comparison meaningless. "
                "Pass --allow-fingerprint-mismatch to run anyway (the row is then flagged).")
    n_classes = row.protocol.num_classes
    for d in folds:
        if len(d.class_names) != n_classes:
            raise ValueError(f"row {row.name!r}: {len(d.class_names)} class names for {n_classes} classes")
    world = get_world_size()
    workers = default_num_workers() if args.num_workers is None else args.num_workers
    per_seed, per_class = [], []
    confusion = np.zeros((n_classes, n_classes), np.int64)
    seeds = list(args.seeds) if args.mode == "train" or row.stochastic_eval else [args.seeds[0]]
    scores = []
    for seed in seeds:
        fold_metrics = []
        for k, data in enumerate(folds):
            seed_everything(seed, deterministic=args.deterministic)
            if args.mode == "train":
                m = _train_fold(row, args, recipe, data, seed, device, world, workers, n_classes,
                                args.runs_dir / benchmark / run_name / row.slug()
                                / (f"fold{fold_ids[k]}" if len(fold_ids) > 1 or args.folds else "") / f"seed{seed}")
            else:
                model = _build(row, pretrained=not data.synthetic, num_classes=n_classes, recipe=recipe).to(device)
                batch = (recipe.batch_size // world) if recipe is not None else 32
                m = evaluate(model, make_loader(data.test, batch, train=False, num_workers=workers), device,
                             num_classes=n_classes, progress=False if args.no_progress else None,
                             **{k: v for k, v in row.fit_kwargs.items() if k == "logits_fn"})
            fold_metrics.append(m)
            confusion += np.asarray(m["confusion_matrix"], dtype=np.int64)
            if is_main_process() and len(folds) > 1:
                print(f"[{benchmark}] {row.name} seed {seed} fold {fold_ids[k]}: top1 {m['top1']:.2f}", flush=True)
        scores.append([(m.get("logits"), m.get("targets")) for m in fold_metrics])
        per_seed.append(_seed_entry(benchmark, row.name, seed, fold_metrics, per_class,
                                    fold_ids if len(folds) > 1 or args.folds else None))
    return RowResult(row=row, mode=args.mode, seeds=seeds, per_seed=per_seed, confusion=confusion,
                     per_class=per_class, class_names=list(folds[0].class_names), recipe=recipe,
                     recipe_overrides=overrides, data_fingerprint=fingerprint, fingerprint_ok=fp_ok,
                     synthetic=any(d.synthetic for d in folds) or args.synthetic, quick=args.quick,
                     data_notes=folds[0].notes, split=args.split, num_folds=len(folds),
                     folds_run=fold_ids if args.folds else None, scores=scores)


def _seed_entry(benchmark: str, name: str, seed: int, fold_metrics: list[dict], per_class: list,
                fold_ids: Sequence[int] | None = None) -> dict[str, Any]:
    """One value per seed: the mean over folds (folds are not seeds); `fold_ids` (when folds are reported) number
    them.  Appends the seed's per-class accuracy to `per_class`."""
    entry = {"seed": seed, **{k: float(np.mean([m[k] for m in fold_metrics])) for k in METRICS},
             "num_samples": int(sum(m["num_samples"] for m in fold_metrics))}
    trained = all("train_s" in m for m in fold_metrics)
    if trained:
        entry["train_s"] = round(sum(m["train_s"] for m in fold_metrics), 3)
    if fold_ids is not None:
        entry["folds"] = [{"fold": f, **{k: m[k] for k in (*METRICS, "num_samples")},
                           **({"train_s": m["train_s"]} if trained else {})}
                          for f, m in zip(fold_ids, fold_metrics)]
    per_class.append(list(np.nanmean([m["per_class_accuracy"] for m in fold_metrics], axis=0)))
    if is_main_process():
        print(f"[{benchmark}] {name} seed {seed}: top1 {entry['top1']:.2f}  top5 {entry['top5']:.2f}  "
              f"mean-class {entry['mean_class_accuracy']:.2f}  ({entry['num_samples']} samples"
              + (f", mean over {len(fold_metrics)} folds" if len(fold_metrics) > 1 else "") + ")", flush=True)
    return entry


def run_ensemble_row(row: BenchmarkRow, args, members: Mapping[str, RowResult], benchmark: str = "") -> RowResult:
    """Score the weighted sum of the member rows' logits, seed by seed and fold by fold (nothing is trained)."""
    from motionzoo.engine import ensemble_scores
    from motionzoo.engine.metrics import classification_metrics
    runs = [members[name] for name in row.ensemble]
    first = runs[0]
    for r in runs[1:]:
        if r.seeds != first.seeds or r.num_folds != first.num_folds:
            raise ValueError(f"ensemble row {row.name!r}: members ran different seeds or folds "
                             f"({first.row.name}: {first.seeds}, {r.row.name}: {r.seeds})")
    n_classes = row.protocol.num_classes
    per_seed, per_class, scores = [], [], []
    confusion = np.zeros((n_classes, n_classes), np.int64)
    for i, seed in enumerate(first.seeds):
        fold_metrics = []
        for k in range(first.num_folds):
            targets = first.scores[i][k][1]
            for r in runs:
                if r.scores[i][k][0] is None or not torch.equal(r.scores[i][k][1], targets):
                    raise ValueError(f"ensemble row {row.name!r}: {r.row.name} scored other samples (or kept no "
                                     f"scores) in seed {seed}, fold index {k}")
            fused = ensemble_scores({r.row.name: r.scores[i][k][0] for r in runs}, dict(row.ensemble)).float()
            m = classification_metrics(fused, targets, n_classes)
            confusion += np.asarray(m["confusion_matrix"], dtype=np.int64)
            fold_metrics.append(m)
        scores.append([(None, None)] * first.num_folds)
        fold_ids = first.folds_run or list(range(1, first.num_folds + 1))
        per_seed.append(_seed_entry(benchmark, row.name, seed, fold_metrics, per_class,
                                    fold_ids if first.num_folds > 1 or first.folds_run else None))
    weights = ", ".join(f"{name} x {w:g}" for name, w in row.ensemble.items())
    return RowResult(row=row, mode=args.mode, seeds=list(first.seeds), per_seed=per_seed, confusion=confusion,
                     per_class=per_class, class_names=first.class_names, recipe=None,
                     recipe_overrides=first.recipe_overrides,
                     data_fingerprint=first.data_fingerprint, fingerprint_ok=first.fingerprint_ok,
                     synthetic=any(r.synthetic for r in runs), quick=any(r.quick for r in runs),
                     data_notes=f"ensemble of the logits of {weights}", split=first.split,
                     num_folds=first.num_folds, folds_run=first.folds_run, scores=scores)


def _train_fold(row: BenchmarkRow, args, recipe: Recipe | None, data: BenchmarkData, seed: int, device, world: int,
                workers: int, n_classes: int, run_dir: Path) -> dict[str, Any]:
    if recipe is None:
        raise SystemExit(f"row {row.name!r} has no recipe; it can only run with --mode eval")
    if data.train is None:
        raise SystemExit(f"row {row.name!r}: the data loader returned no training set")
    if recipe.batch_size % world:
        raise ValueError(f"recipe batch {recipe.batch_size} is not divisible by {world} processes")
    batch = recipe.batch_size // world
    _seed_dataset(data.train, seed)
    model = _build(row, pretrained=False, num_classes=n_classes, recipe=recipe)
    res = fit(model, make_loader(data.train, batch, train=True, seed=seed, num_workers=workers,
                                 drop_last=recipe.drop_last),
              make_loader(data.test, batch, train=False, num_workers=workers), recipe, run_dir,
              device=device, resume=args.resume, progress=False if args.no_progress else None,
              class_names=data.class_names, eval_every=args.eval_every, plots=not args.no_plots, amp=args.amp,
              **dict(row.fit_kwargs))
    # the time spent training, summed over the checkpointed epochs: with --resume most of it may predate this
    # invocation, whose wall time alone would understate the cost
    return {**res.final, "train_s": round(sum(h.get("time_s", 0.0) for h in res.history), 3)}


# -- writing -----------------------------------------------------------------------------------------------
def _train_seconds(per_seed: Sequence[Mapping[str, Any]]) -> float | None:
    """Seconds of training behind a row (every seed and fold, whichever invocation ran them); None when nothing
    was trained (weights evaluation, ensembles)."""
    if not per_seed or any("train_s" not in s for s in per_seed):
        return None
    return round(sum(s["train_s"] for s in per_seed), 3)


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
        "name": row.name, "model": row.model,
        "model_kwargs": {**row.model_kwargs, **(r.recipe.model_kwargs if r.recipe is not None else {})},
        "stream": row.stream, "split_evaluated": r.split, "num_folds": r.num_folds, "folds_run": r.folds_run,
        "wall_s": r.wall_s, "train_s": _train_seconds(r.per_seed),
        "dataset": row.protocol.dataset, "split": row.protocol.split, "mode": r.mode,
        "evaluation_kind": "weights-evaluation" if weights_eval else "retraining",
        "protocol": {**dataclasses.asdict(row.protocol), "eval": dict(row.protocol.eval)},
        "metric": row.metric, "published": row.published, "published_source": row.published_source,
        "reproduced_mean": main["mean"], "reproduced_std": main["std"], "n_seeds": main["n"], "seeds": r.seeds,
        "per_seed": r.per_seed, "metrics": stats, "measured": measured,
        "delta_vs_published": delta, "tolerance": row.tolerance, "flag": bool(flags), "flags": flags,
        "num_samples_evaluated": n_eval, "expected_num_samples": expected,
        "data_fingerprint": r.data_fingerprint, "expected_fingerprint": row.expected_fingerprint,
        "recipe": jsonable(r.recipe.to_dict()) if r.recipe is not None else None,
        "recipe_overrides": jsonable(r.recipe_overrides), "quick": r.quick, "synthetic": r.synthetic,
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


CSV_COLUMNS = ("name", "model", "dataset", "split", "stream", "mode", "metric", "published", "reproduced_mean",
               "reproduced_std", "n_seeds", "seeds", "per_seed", "delta_vs_published", "flag", "flags",
               "num_samples_evaluated", "expected_num_samples", "data_fingerprint", "synthetic", "label")


def write_results(out_root: str | os.PathLike, benchmark: str, run_name: str, results: Sequence[RowResult],
                  command: str, env: Mapping[str, Any], wall_s: float | None = None,
                  code: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """`<out>/<benchmark>/<run>.json`, `.csv` (one line per row) and `.md` (the comparison table), plus each
    row's per-class and confusion CSVs under `<out>/<benchmark>/<run>/<row>/`.  `code`: the checkout the run started
    from (`code_version()` when it began; default: now); when the checkout has moved since, the file says so in
    `code_at_write` as well."""
    out_root = Path(out_root)
    bench_dir = out_root / benchmark
    rows = [_row_document(r, bench_dir / run_name / r.row.slug(), out_root, command) for r in results]
    synthetic = any(r["synthetic"] for r in rows)
    doc = {
        "benchmark": benchmark, "run": run_name,
        "created_utc": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "command": command, "code": code if code is not None else code_version(), "env": dict(env),
        "device": env.get("device"),
        "synthetic": synthetic,
        "label": SYNTHETIC_LABEL if synthetic else "", "split": results[0].split if results else "test",
        "wall_s": wall_s, "rows": rows,
    }
    if code is not None and (now := code_version()) != code:
        doc["code_at_write"] = now
    doc = jsonable(doc)
    bench_dir.mkdir(parents=True, exist_ok=True)
    _atomic_write(bench_dir / f"{run_name}.json", json.dumps(doc, indent=2, ensure_ascii=False) + "\n")
    _atomic_write(bench_dir / f"{run_name}.md", markdown_table(doc))
    buf = io.StringIO(newline="")
    w = csv.DictWriter(buf, fieldnames=CSV_COLUMNS)
    w.writeheader()
    for r in rows:
        w.writerow({k: json.dumps(r[k]) if isinstance(r[k], (list, dict)) else r[k] for k in CSV_COLUMNS})
    _atomic_write(bench_dir / f"{run_name}.csv", buf.getvalue())
    return doc


def code_version(repo: Path = REPO) -> dict[str, Any] | None:
    """The git commit of the checkout that writes a result file, and whether tracked files differed from it
    (`dirty`); None outside a git checkout.  Rows merged with --resume from earlier invocations' checkpoints
    were trained by the code of those invocations, not necessarily this one."""
    import subprocess
    try:
        head = subprocess.run(["git", "-C", str(repo), "rev-parse", "HEAD"], capture_output=True, text=True,
                              timeout=30, check=True).stdout.strip()
        changed = subprocess.run(["git", "-C", str(repo), "status", "--porcelain", "--untracked-files=no"],
                                 capture_output=True, text=True, timeout=30, check=True).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    return {"commit": head, "dirty": bool(changed)}


def _atomic_write(path: Path, text: str) -> None:
    """Write `path` whole or not at all.  The temporary file's name is unique to this call (not `<name>.part`), so
    two processes writing the same file cannot rename each other's temporary away: the last one wins."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
            f.write(text)
        os.chmod(tmp, 0o644)                        # mkstemp's 0600 would make result files private
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


BASELINE_MODEL = "lstm_baseline"
VALIDATION_LABEL = "VALIDATION split carved from the training data — for choosing recipes, not a test result"


def markdown_table(doc: Mapping[str, Any]) -> str:
    """The comparison table: published | measured | delta to published | delta to the plain baseline of the same
    run (every skeleton table has one: a zoo model below it is a bug to find, not a number to report)."""
    lines = [f"# {doc['benchmark']} — {doc['run']}", ""]
    validation = doc.get("split") == "val"
    if doc.get("synthetic"):
        lines += [f"**{SYNTHETIC_LABEL}.** Every number below comes from synthetic data.", ""]
    if validation:
        lines += [f"**{VALIDATION_LABEL}.**", ""]
    wall = f" Wall time {doc['wall_s'] / 60:.1f} min." if doc.get("wall_s") else ""
    trained = [r["train_s"] for r in doc["rows"] if r.get("train_s")]
    if trained:  # differs from the wall time when --resume continued trainings of earlier invocations
        wall += f" Training time (every epoch of every row, seed and fold): {sum(trained) / 60:.1f} min."
    code = doc.get("code")
    code = f"; code {code['commit'][:10]}{' (uncommitted changes)' if code['dirty'] else ''}" if code else ""
    cpu = f", {doc['env']['cpu_capability']} CPU kernels" if doc["env"].get("cpu_capability") else ""
    lines += [f"Device: {doc['device']}{cpu}; torch {doc['env'].get('torch')}, CUDA {doc['env'].get('cuda')}, "
              f"deterministic {doc['env'].get('deterministic')}{code}.{wall}", ""]
    base = {(r["dataset"], r["split"]): r for r in doc["rows"] if r["model"] == BASELINE_MODEL}
    lines += ["| model | published | measured mean ± std (n seeds) | delta | vs baseline | protocol | command |",
              "|---|---|---|---|---|---|---|"]
    for r in doc["rows"]:
        published = "—" if r["published"] is None else f"{r['published']:.1f}"
        if r["published"] is not None and r["published_source"]:
            published += f" ({r['published_source']})"
        measured = f"{r['measured']} {r['metric']}"
        if r["evaluation_kind"] == "weights-evaluation":
            measured += ", weights evaluation"
        if r["synthetic"]:
            measured += f" — {SYNTHETIC_LABEL}"
        if validation:
            measured += " (validation)"
        delta = "—" if validation else _signed(r["delta_vs_published"])
        if "delta" in r["flags"] and not validation:
            delta += " ⚠"
        b = base.get((r["dataset"], r["split"]))
        vs_base = "—" if b is None or b is r else _signed(r["reproduced_mean"] - b["reproduced_mean"])
        if b is not None and b is not r and r["reproduced_mean"] < b["reproduced_mean"]:
            vs_base += " ✗"
        protocol = f"{r['dataset']} {r['split']}"
        if r["stream"]:
            protocol += f", {r['stream']}"
        if r["protocol"].get("description"):
            protocol += f", {r['protocol']['description']}"
        protocol += f"; {r['num_samples_evaluated']} samples"
        if r.get("folds_run"):
            protocol += f" on fold(s) {r['folds_run']} only"
        elif r.get("num_folds", 1) > 1:
            protocol += f" over {r['num_folds']} folds (per seed: mean over folds)"
        if "num_samples" in r["flags"]:
            protocol += f" (split has {r['expected_num_samples']})"
        if r["recipe"]:
            protocol += f"; recipe `{r['recipe']['name']}`"
        if r["recipe_overrides"]:
            protocol += f"; recipe override {r['recipe_overrides']['changes']} ({r['recipe_overrides']['reason']})"
        if r.get("train_s"):
            protocol += f"; {r['train_s'] / 60:.1f} min training"
        elif r.get("wall_s"):
            protocol += f"; {r['wall_s'] / 60:.1f} min"
        model = r["model"] + (f" `{r['name']}`" if r["name"] != r["model"] else "")
        cells = [model, published, measured, delta, vs_base, protocol, f"`{doc['command']}`"]
        lines.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    lines.append("")
    return "\n".join(lines)
