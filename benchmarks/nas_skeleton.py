"""Train NAS-Bench-201 cells on skeleton images (the Koblenz skeleton-NAS thesis, spec nas-bench-201.md §7).

Every (architecture, seed) is one `motionzoo.engine.fit` run with the recipe `nasbench201/utd_mhad_thesis` (the
thesis' schedule, no augmentation; `motionzoo.recipes`), on UTD-MHAD images made by the cfg's pipeline
(`resolve_transforms`).  One JSON line per (architecture, seed) is appended to `--out` (fsync'd), so a killed
sweep continues where it stopped: finished pairs are skipped on restart.  A file written with a different
schedule/dataset is refused instead of being mixed.  (`benchmarks/utd_mhad.py` trains the default cell with
motionzoo's augmented recipe `nasbench201/utd_mhad` instead.)

Examples:
    # the thesis' full protocol for three cells and seeds
    python benchmarks/nas_skeleton.py --archs 9930 11472 1462 --seeds 777 888 999
    # a documented short CPU schedule on a random sample
    python benchmarks/nas_skeleton.py --sample 36 --sample-seed 0 --epochs 10 --time-budget-min 35

Protocols: "xsub" trains on subjects 1, 3, 5, 7 and evaluates on 2, 4, 6, 8 after every `--eval-every` epochs
(the thesis stores those accuracies per epoch; the reported number is the last epoch's); "thesis" holds subject 7
out as the validation split the thesis used (x-valid) and evaluates on it as well.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import random
import time
from pathlib import Path

import torch
from torch.utils.data import TensorDataset

import motionzoo
from motionzoo.data import UTDMHADDataset
from motionzoo.engine import evaluate, fit, make_loader, resolve_device, seed_everything
from motionzoo.models.nasbench201 import INPUT_PRESETS, NUM_ARCHS, describe_arch, resolve_arch
from motionzoo.recipes import get_recipe

REPO = Path(__file__).resolve().parents[1]
DEFAULT_DATA = REPO.parent / "shared" / "data" / "utd_mhad"
PROTOCOLS = {"xsub": dict(train=(1, 3, 5, 7), valid=()), "thesis": dict(train=(1, 3, 5), valid=(7,))}


def load_images(root: Path, protocol: str) -> dict[str, TensorDataset]:
    """UTD-MHAD as normalised skeleton images, joints in the UTD *file* order as in the thesis (§7.1).  The
    pipeline is deterministic (no augmentation in the thesis), so every image is made once."""
    to_image = motionzoo.resolve_transforms("nasbench201", recipe="utd_mhad_thesis")
    parts = {"train": ("train", PROTOCOLS[protocol]["train"]), "test": ("test", None)}
    if PROTOCOLS[protocol]["valid"]:
        parts["valid"] = ("train", PROTOCOLS[protocol]["valid"])
    out = {}
    for name, (split, subjects) in parts.items():
        ds = UTDMHADDataset(root, split=split, subjects=subjects, canonical=False, transform=to_image)
        xs, ys = zip(*(ds[i] for i in range(len(ds))))
        out[name] = TensorDataset(torch.stack(xs), torch.tensor(ys))
    return out


def forward_flops(model: torch.nn.Module, input_size) -> int:
    from torch.utils.flop_counter import FlopCounterMode
    p = next(model.parameters())
    with torch.no_grad(), FlopCounterMode(display=False) as counter:
        model.eval()(torch.zeros(1, *input_size, device=p.device))
    return int(counter.get_total_flops())


def run_job(arch: str, seed: int, recipe, data: dict, args, device) -> dict:
    """One (architecture, seed): the thesis seeds before building each network, then trains with `fit`."""
    seed_everything(seed)
    model = motionzoo.create_model("nasbench201", arch=arch, num_classes=args.num_classes,
                                   **recipe.model_kwargs).to(device)
    flops = forward_flops(model, tuple(data["train"].tensors[0].shape[1:]))
    history: dict[str, list] = {}

    def record(epoch: int, rec: dict) -> None:
        history.setdefault("train", []).append(rec.get("train_top1"))
        history.setdefault("train_loss", []).append(rec.get("train_loss"))
        if "val_top1" in rec:
            history.setdefault("test", []).append(rec["val_top1"])
            history.setdefault("test_epochs", []).append(epoch + 1)
            if "valid" in data:
                acc = evaluate(model, make_loader(data["valid"], 256, train=False), device, progress=False)["top1"]
                history.setdefault("valid", []).append(acc)

    t0 = time.perf_counter()
    fit(model, make_loader(data["train"], recipe.batch_size, train=True, seed=seed, drop_last=recipe.drop_last),
        make_loader(data["test"], 256, train=False), recipe, None, device=device, progress=False,
        eval_every=args.eval_every, plots=False, on_epoch_end=record)
    return {"model": model, "flops": flops, "history": history, "time_s": time.perf_counter() - t0}


# -----------------------------------------------------------------------------------------------------------
# Results file (append-only JSONL)
# -----------------------------------------------------------------------------------------------------------
def schedule_fingerprint(recipe, args) -> dict:
    """What makes two runs comparable: the recipe's schedule fields, the dataset, the protocol."""
    keys = ("epochs", "batch_size", "optimizer", "lr", "min_lr", "momentum", "nesterov", "weight_decay", "schedule")
    return {"recipe": recipe.name, "protocol": args.protocol, "num_classes": args.num_classes,
            **{k: getattr(recipe, k) for k in keys}}


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


def build_record(arch: str, seed: int, job: dict, args, fingerprint: dict, device_name: str) -> dict:
    h = job["history"]
    rec = {
        "arch": arch, "seed": seed, **{k: v for k, v in describe_arch(arch, args.num_classes).items()
                                       if k in ("index", "op_counts", "topology", "conv_depth",
                                                "input_reaches_output", "live_edges")},
        "params": sum(p.numel() for p in job["model"].parameters()), "flops": job["flops"],
        "train_time_s": round(job["time_s"], 3), "train_acc": h["train"][-1], "train_loss": h["train_loss"][-1],
        "test_acc": h["test"][-1], "test_acc_max": max(h["test"]),
        "history": h, "schedule": fingerprint, "device": device_name,
        "torch": torch.__version__, "python": platform.python_version(),
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
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    sel = p.add_argument_group("architectures")
    sel.add_argument("--archs", nargs="*", help="benchmark indices or architecture strings")
    sel.add_argument("--range", help="benchmark index range A:B (B exclusive)")
    sel.add_argument("--sample", type=int, default=0, help="number of random benchmark indices")
    sel.add_argument("--sample-seed", type=int, default=0)
    sel.add_argument("--all", action="store_true", help="all 15,625 architectures")
    p.add_argument("--seeds", type=int, nargs="+", default=[777])
    p.add_argument("--protocol", default="xsub", choices=sorted(PROTOCOLS))
    p.add_argument("--data-root", type=Path, default=DEFAULT_DATA)
    p.add_argument("--epochs", type=int, default=None, help="override the recipe's 200 epochs (recorded)")
    p.add_argument("--eval-every", type=int, default=1, help="evaluate every N epochs (0: only the last)")
    p.add_argument("--device", default=None, help="default: cuda if available, else cpu")
    p.add_argument("--threads", type=int, default=None, help="torch CPU threads")
    p.add_argument("--time-budget-min", type=float, default=None,
                   help="start no new job after this many minutes (finished jobs are kept)")
    p.add_argument("--out", type=Path, default=None,
                   help="JSONL file (default results/nas_skeleton/utd_mhad_<protocol>_e<E>_b<B>.jsonl)")
    args = p.parse_args(argv)
    args.num_classes = INPUT_PRESETS["utd_mhad"]["num_classes"]
    return args


def main(argv=None) -> None:
    args = parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    recipe = get_recipe("nasbench201", "utd_mhad_thesis")
    if args.epochs is not None:
        recipe = recipe.replace(epochs=args.epochs)
    if args.out is None:
        args.out = (REPO / "results" / "nas_skeleton"
                    / f"utd_mhad_{args.protocol}_e{recipe.epochs}_b{recipe.batch_size}.jsonl")
    device = resolve_device(args.device)
    device_name = (f"cuda:{torch.cuda.get_device_name(device)} (bf16 autocast)" if device.type == "cuda"
                   else f"cpu ({torch.get_num_threads()} threads, {platform.processor() or platform.machine()})")

    archs = select_archs(args)
    fingerprint = schedule_fingerprint(recipe, args)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    done = read_results(args.out, fingerprint)
    todo = [(a, s) for a in archs for s in args.seeds if (a, s) not in done]
    print(f"device {device_name}; {len(archs)} architectures x {len(args.seeds)} seeds, {len(todo)} to run "
          f"({len(archs) * len(args.seeds) - len(todo)} already in {args.out}); schedule {fingerprint}", flush=True)
    if not todo:
        return
    data = load_images(args.data_root, args.protocol)
    print("split sizes: " + ", ".join(f"{k} {len(v)}" for k, v in data.items()), flush=True)
    start = time.perf_counter()
    finished = 0
    for arch, seed in todo:
        if args.time_budget_min is not None and (time.perf_counter() - start) / 60 >= args.time_budget_min:
            print(f"time budget of {args.time_budget_min} min reached after {finished} jobs; rerun to continue")
            break
        job = run_job(arch, seed, recipe, data, args, device)
        rec = build_record(arch, seed, job, args, fingerprint, device_name)
        append_result(args.out, rec)
        finished += 1
        print(f"[{len(done) + finished}/{len(archs) * len(args.seeds)}] index {rec['index']:5d} seed {seed} "
              f"test {rec['test_acc']:.2f}% (max {rec['test_acc_max']:.2f}) train {rec['train_acc']:.1f}% "
              f"params {rec['params']:,} {job['time_s']:.0f}s {arch}", flush=True)
    hours = (time.perf_counter() - start) / 3600
    if finished:
        print(f"{finished} jobs in {hours * 60:.1f} min: {finished / hours:.1f} (architecture, seed) runs per hour "
              f"on {device_name}, {recipe.epochs} epochs each", flush=True)


if __name__ == "__main__":
    main()
