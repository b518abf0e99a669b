"""Train NAS-Bench-201 cells on skeleton images (the Koblenz skeleton-NAS thesis, spec nas-bench-201.md §7).

One JSON line per (architecture, seed) is appended to `--out` (fsync'd), so a killed sweep continues where it
stopped: finished (architecture, seed) pairs are skipped on restart.  A file written with a different
schedule/dataset is refused instead of being mixed.

Examples:
    # the thesis' full protocol for three cells and seeds
    python benchmarks/nas_skeleton.py --archs 9930 11472 1462 --seeds 777 888 999
    # a documented short CPU schedule on a random sample
    python benchmarks/nas_skeleton.py --sample 36 --sample-seed 0 --epochs 10 --time-budget-min 35
    # everything (15,625 x seeds), several networks at once on a GPU
    python benchmarks/nas_skeleton.py --all --concurrent 8

Data: UTD-MHAD `.mat` skeletons read from `--data-root` (default ../shared/data/utd_mhad) with
`motionzoo.data.utd_mhad` and encoded as in the thesis (§7.1) by `motionzoo.data.SkeletonToImage`.
"""
from __future__ import annotations

import argparse
import json
import math
import os
import platform
import random
import time
from pathlib import Path

import torch
import torch.nn.functional as F

from motionzoo import create_model
from motionzoo.models.nasbench201 import INPUT_PRESETS, NUM_ARCHS, RECIPE_UTD_MHAD, describe_arch, resolve_arch

REPO = Path(__file__).resolve().parents[1]
DEFAULT_DATA = REPO.parent / "shared" / "data" / "utd_mhad"

# Subject splits (spec §7.2): "xsub" = the standard cross-subject protocol, "thesis" = the runs actually used in
# the thesis (train S1/S3/S5, x-valid S7, ori-test S2/S4/S6/S8).
PROTOCOLS = {
    "xsub": dict(train=(1, 3, 5, 7), valid=(), test=(2, 4, 6, 8)),
    "thesis": dict(train=(1, 3, 5), valid=(7,), test=(2, 4, 6, 8)),
}


# -----------------------------------------------------------------------------------------------------------
# Data (spec §7.1): motionzoo.data's UTD-MHAD reader and the thesis' skeleton -> image transform
# -----------------------------------------------------------------------------------------------------------
def load_utd_mhad_images(root: Path, preset: str = "utd_mhad") -> dict:
    """All UTD-MHAD sequences as normalised skeleton images: {"x": N x 3 x H x W, "y": N (0..26), "subject": N,
    "names": [...]}.  Joints stay in the UTD *file* order, as in the thesis."""
    from motionzoo.data import SkeletonToImage
    from motionzoo.data.utd_mhad import list_utd_mhad, read_utd_mhad
    items = list_utd_mhad(root)
    if not items:
        raise FileNotFoundError(f"{root}: no a*_s*_t*_skeleton.mat files")
    to_image = SkeletonToImage.preset(INPUT_PRESETS[preset]["transform_preset"])
    xs = [to_image(read_utd_mhad(it["path"], canonical=False)) for it in items]   # each 3 x H x W
    return {"x": torch.stack(xs), "y": torch.tensor([it["label"] for it in items]),
            "subject": torch.tensor([it["subject"] for it in items]), "names": [it["name"] for it in items]}


def split_dataset(data: dict, protocol: str) -> dict[str, tuple[torch.Tensor, torch.Tensor]]:
    out = {}
    for part, subjects in PROTOCOLS[protocol].items():
        if subjects:
            mask = torch.isin(data["subject"], torch.tensor(subjects))
            out[part] = (data["x"][mask], data["y"][mask])
    return out


# -----------------------------------------------------------------------------------------------------------
# Training: several (architecture, seed) jobs advance in lock-step, each on its own CUDA stream
# -----------------------------------------------------------------------------------------------------------
def cosine_lr(base_lr: float, epoch: int, epochs: int, min_lr: float = 0.0) -> float:
    """Per-epoch cosine (the NAS-Bench-201 schedule is evaluated once per epoch, spec §6)."""
    return min_lr + 0.5 * (base_lr - min_lr) * (1 + math.cos(math.pi * epoch / epochs))


def forward_flops(model: torch.nn.Module, input_size) -> int:
    from torch.utils.flop_counter import FlopCounterMode
    was_training = model.training
    model.eval()
    p = next(model.parameters())
    with torch.no_grad(), FlopCounterMode(display=False) as counter:
        model(torch.zeros(1, *input_size, device=p.device))
    model.train(was_training)
    return int(counter.get_total_flops())


class Job:
    """One (architecture, seed) training run."""

    def __init__(self, arch: str, seed: int, args, n_classes: int, input_size, device: torch.device):
        self.arch, self.seed, self.args, self.device = arch, seed, args, device
        torch.manual_seed(seed)                 # the thesis seeds before building each network
        self.model = create_model("nasbench201", arch=arch, num_classes=n_classes).to(device)
        self.flops = forward_flops(self.model, input_size)
        self.params = sum(p.numel() for p in self.model.parameters())
        self.opt = torch.optim.SGD(self.model.parameters(), lr=args.lr, momentum=args.momentum,
                                   nesterov=args.nesterov, weight_decay=args.weight_decay)
        self.gen = torch.Generator().manual_seed(seed)   # data order
        self.stream = torch.cuda.Stream(device) if device.type == "cuda" else None
        if self.stream is not None:   # the weights were written on the default stream
            self.stream.wait_stream(torch.cuda.current_stream(device))
        self.history: dict[str, list[float]] = {}
        self.train_correct = self.train_seen = 0
        self.train_loss_sum = 0.0
        self.time_s = 0.0

    def start_epoch(self, epoch: int, n_train: int) -> list[torch.Tensor]:
        for group in self.opt.param_groups:
            group["lr"] = cosine_lr(self.args.lr, epoch, self.args.epochs, self.args.min_lr)
        self.model.train()
        self.train_correct = self.train_seen = 0
        self.train_loss_sum = 0.0
        order = torch.randperm(n_train, generator=self.gen)
        b = self.args.batch_size
        # The thesis' loaders keep the last partial batch (drop_last=False).
        return [order[i:i + b] for i in range(0, n_train, b)]

    def step(self, x: torch.Tensor, y: torch.Tensor) -> None:
        with _autocast(self.device):
            logits = self.model(x)
            loss = F.cross_entropy(logits.float(), y)
        self.opt.zero_grad(set_to_none=True)
        loss.backward()
        self.opt.step()
        # Accumulate on device; read back once per epoch so streams are not serialised by .item().
        self.train_correct = self.train_correct + (logits.argmax(1) == y).sum()
        self.train_loss_sum = self.train_loss_sum + loss.detach() * len(y)
        self.train_seen += len(y)

    @torch.no_grad()
    def evaluate(self, x: torch.Tensor, y: torch.Tensor) -> float:
        self.model.eval()
        correct = 0
        for i in range(0, len(x), 256):
            with _autocast(self.device):
                correct += (self.model(x[i:i + 256]).argmax(1) == y[i:i + 256]).sum()
        return 100.0 * float(correct) / len(x)


def _autocast(device: torch.device):
    if device.type == "cuda":
        return torch.autocast("cuda", dtype=torch.bfloat16)
    return torch.autocast("cpu", enabled=False)


def _stream_ctx(job: Job):
    import contextlib
    return torch.cuda.stream(job.stream) if job.stream is not None else contextlib.nullcontext()


def train_jobs(jobs: list[Job], splits: dict, args) -> None:
    """Train all `jobs` for args.epochs; fills each job's history ({split}@{epoch} accuracies)."""
    x_tr, y_tr = splits["train"]
    n_train = len(x_tr)
    for epoch in range(args.epochs):
        t0 = time.perf_counter()
        batches = [job.start_epoch(epoch, n_train) for job in jobs]
        for step in range(len(batches[0])):
            for job, jb in zip(jobs, batches):   # interleave: job k's kernels overlap job k+1's launches
                with _stream_ctx(job):
                    idx = jb[step].to(x_tr.device, non_blocking=True)
                    job.step(x_tr[idx], y_tr[idx])
        last = epoch == args.epochs - 1
        evaluate_now = last or (args.eval_every > 0 and (epoch + 1) % args.eval_every == 0)
        for job in jobs:
            with _stream_ctx(job):
                job.history.setdefault("train", []).append(100.0 * float(job.train_correct) / job.train_seen)
                job.history.setdefault("train_loss", []).append(float(job.train_loss_sum) / job.train_seen)
                if evaluate_now:
                    for part in ("valid", "test"):
                        if part in splits:
                            acc = job.evaluate(*splits[part])
                            job.history.setdefault(part, []).append(acc)
                            job.history.setdefault(f"{part}_epochs", []).append(epoch + 1)
        if jobs[0].device.type == "cuda":
            torch.cuda.synchronize()
        dt = time.perf_counter() - t0
        for job in jobs:
            job.time_s += dt / len(jobs)     # concurrent jobs share the wall time of the epoch
        if args.verbose:
            accs = " ".join(f"{j.history['train'][-1]:.1f}" for j in jobs)
            print(f"  epoch {epoch + 1}/{args.epochs} {dt:.1f}s train acc {accs}", flush=True)


# -----------------------------------------------------------------------------------------------------------
# Results file (append-only JSONL)
# -----------------------------------------------------------------------------------------------------------
def schedule_fingerprint(args) -> dict:
    return {k: getattr(args, k) for k in ("dataset", "protocol", "epochs", "batch_size", "lr", "min_lr",
                                          "momentum", "nesterov", "weight_decay", "num_classes")}


def read_results(path: Path, fingerprint: dict) -> set[tuple[str, int]]:
    """(arch, seed) pairs already finished.  A final line cut off by a kill is removed; a line from a different
    schedule raises, so two schedules never end up mixed in one file."""
    if not path.exists():
        return set()
    raw = path.read_bytes()
    if raw and not raw.endswith(b"\n"):
        cut = raw.rfind(b"\n") + 1
        print(f"{path}: dropping an unfinished last line ({len(raw) - cut} bytes) left by a killed run")
        with open(path, "r+b") as f:
            f.truncate(cut)
        raw = raw[:cut]
    done = set()
    for lineno, line in enumerate(raw.decode().splitlines(), start=1):
        if not line.strip():
            continue
        try:
            rec = json.loads(line)
        except json.JSONDecodeError as e:
            raise ValueError(f"{path}:{lineno}: not valid JSON ({e})") from e
        if rec.get("schedule") != fingerprint:
            raise ValueError(f"{path}:{lineno}: written with schedule {rec.get('schedule')}, this run uses "
                             f"{fingerprint}; use another --out")
        done.add((rec["arch"], int(rec["seed"])))
    return done


def append_result(path: Path, record: dict) -> None:
    line = json.dumps(record, sort_keys=True) + "\n"
    with open(path, "a", encoding="utf-8") as f:
        f.write(line)
        f.flush()
        os.fsync(f.fileno())


def build_record(job: Job, args, fingerprint: dict, device_name: str) -> dict:
    h = job.history
    rec = {
        "arch": job.arch, "seed": job.seed, **{k: v for k, v in describe_arch(job.arch, args.num_classes).items()
                                               if k in ("index", "op_counts", "topology", "conv_depth",
                                                        "input_reaches_output", "live_edges")},
        "params": job.params, "flops": job.flops, "train_time_s": round(job.time_s, 3),
        "train_acc": h["train"][-1], "train_loss": h["train_loss"][-1],
        "test_acc": h["test"][-1], "test_acc_max": max(h["test"]),
        "history": h, "schedule": fingerprint, "device": device_name,
        "torch": torch.__version__, "python": platform.python_version(), "concurrent": args.concurrent,
        "finished_at": time.strftime("%Y-%m-%dT%H:%M:%S"),
    }
    if "valid" in h:
        rec.update(valid_acc=h["valid"][-1], valid_acc_max=max(h["valid"]))
    return rec


# -----------------------------------------------------------------------------------------------------------
def select_archs(args) -> list[str]:
    if args.all:
        return [resolve_arch(i) for i in range(NUM_ARCHS)]
    chosen: list[str] = []
    for a in args.archs or ():
        chosen.append(resolve_arch(a))
    if args.range:
        lo, _, hi = args.range.partition(":")
        chosen += [resolve_arch(i) for i in range(int(lo), int(hi))]
    if args.sample:
        chosen += [resolve_arch(i) for i in random.Random(args.sample_seed).sample(range(NUM_ARCHS), args.sample)]
    if not chosen:
        raise SystemExit("choose architectures: --archs, --range A:B, --sample N or --all")
    return list(dict.fromkeys(chosen))  # de-duplicate, keep order


def parse_args(argv=None):
    r = RECIPE_UTD_MHAD
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    sel = p.add_argument_group("architectures")
    sel.add_argument("--archs", nargs="*", help="benchmark indices or architecture strings")
    sel.add_argument("--range", help="benchmark index range A:B (B exclusive)")
    sel.add_argument("--sample", type=int, default=0, help="number of random benchmark indices")
    sel.add_argument("--sample-seed", type=int, default=0)
    sel.add_argument("--all", action="store_true", help="all 15,625 architectures")
    p.add_argument("--seeds", type=int, nargs="+", default=[777])
    p.add_argument("--dataset", default="utd_mhad", choices=["utd_mhad"])
    p.add_argument("--protocol", default="xsub", choices=sorted(PROTOCOLS))
    p.add_argument("--data-root", type=Path, default=DEFAULT_DATA)
    p.add_argument("--epochs", type=int, default=r.epochs)
    p.add_argument("--batch-size", type=int, default=r.batch_size)
    p.add_argument("--lr", type=float, default=r.lr)
    p.add_argument("--min-lr", type=float, default=r.min_lr)
    p.add_argument("--momentum", type=float, default=r.momentum)
    p.add_argument("--nesterov", action=argparse.BooleanOptionalAction, default=r.nesterov)
    p.add_argument("--weight-decay", type=float, default=r.weight_decay)
    p.add_argument("--eval-every", type=int, default=1, help="evaluate every N epochs (0: only the last)")
    p.add_argument("--concurrent", type=int, default=None,
                   help="jobs trained at once (default: 8 on CUDA, 1 on CPU)")
    p.add_argument("--device", default=None, help="default: cuda if available, else cpu")
    p.add_argument("--threads", type=int, default=None, help="torch CPU threads")
    p.add_argument("--time-budget-min", type=float, default=None,
                   help="start no new job after this many minutes (finished jobs are kept)")
    p.add_argument("--out", type=Path, default=None,
                   help="JSONL file (default results/nas_skeleton/<dataset>_<protocol>_e<E>_b<B>.jsonl)")
    p.add_argument("--verbose", action="store_true")
    args = p.parse_args(argv)
    args.num_classes = INPUT_PRESETS[args.dataset]["num_classes"]
    if args.out is None:
        args.out = REPO / "results" / "nas_skeleton" / f"{args.dataset}_{args.protocol}_e{args.epochs}_b{args.batch_size}.jsonl"
    return args


def main(argv=None) -> None:
    args = parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    device = torch.device(args.device or ("cuda" if torch.cuda.is_available() else "cpu"))
    if args.concurrent is None:
        args.concurrent = 8 if device.type == "cuda" else 1
    device_name = (f"cuda:{torch.cuda.get_device_name(device)} (bf16 autocast)" if device.type == "cuda"
                   else f"cpu ({torch.get_num_threads()} threads, {platform.processor() or platform.machine()})")
    if device.type == "cuda":
        torch.backends.cudnn.benchmark = True

    archs = select_archs(args)
    fingerprint = schedule_fingerprint(args)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    done = read_results(args.out, fingerprint)
    todo = [(a, s) for a in archs for s in args.seeds if (a, s) not in done]
    print(f"device {device_name}; {len(archs)} architectures x {len(args.seeds)} seeds, {len(todo)} to run "
          f"({len(archs) * len(args.seeds) - len(todo)} already in {args.out}); schedule {fingerprint}", flush=True)
    if not todo:
        return

    data = load_utd_mhad_images(args.data_root, args.dataset)
    splits = {k: (x.to(device), y.to(device)) for k, (x, y) in split_dataset(data, args.protocol).items()}
    print("split sizes: " + ", ".join(f"{k} {len(v[0])}" for k, v in splits.items()), flush=True)

    input_size = tuple(splits["train"][0].shape[1:])
    start = time.perf_counter()
    finished = 0
    for i in range(0, len(todo), args.concurrent):
        elapsed_min = (time.perf_counter() - start) / 60
        if args.time_budget_min is not None and elapsed_min >= args.time_budget_min:
            print(f"time budget of {args.time_budget_min} min reached after {finished} jobs; rerun to continue")
            break
        group = todo[i:i + args.concurrent]
        jobs = [Job(a, s, args, args.num_classes, input_size, device) for a, s in group]
        train_jobs(jobs, splits, args)
        for job in jobs:
            rec = build_record(job, args, fingerprint, device_name)
            append_result(args.out, rec)
            finished += 1
            print(f"[{len(done) + finished}/{len(archs) * len(args.seeds)}] index {rec['index']:5d} seed {job.seed} "
                  f"test {rec['test_acc']:.2f}% (max {rec['test_acc_max']:.2f}) train {rec['train_acc']:.1f}% "
                  f"params {rec['params']:,} {job.time_s:.0f}s {job.arch}", flush=True)
    hours = (time.perf_counter() - start) / 3600
    if finished:
        print(f"{finished} jobs in {hours * 60:.1f} min: {finished / hours:.1f} (architecture, seed) runs per hour "
              f"on {device_name}, {args.epochs} epochs each", flush=True)


if __name__ == "__main__":
    main()
