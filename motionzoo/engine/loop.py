"""The one train / evaluate loop every benchmark uses.

    from motionzoo.engine import fit, evaluate, make_loader, seed_everything
    from motionzoo.recipes import get_recipe
    recipe = get_recipe("my_arch", "my_dataset")
    seed_everything(0)
    model = motionzoo.create_model("my_arch", num_classes=60, **recipe.model_kwargs)
    train = make_loader(train_ds, recipe.batch_size, train=True, seed=0, drop_last=recipe.drop_last)
    val = make_loader(val_ds, recipe.batch_size, train=False)
    result = fit(model, train, val, recipe, "runs/my_arch", resume=True)

Batches are `(inputs, targets)` (extra items ignored) or mappings with `input(s)` and `target`/`label`; inputs may
be a tensor (`model(x)`), a tuple (`model(*x)`) or a mapping (`model(**x)`).  Models may return a tensor of
logits, a mapping with `"logits"`, or a tuple whose first item is the logits; the loss hook receives the raw
output.  Under `torchrun` the loop runs DistributedDataParallel (NCCL on CUDA, gloo on CPU); `make_loader` then
builds DistributedSamplers and `evaluate` all-gathers the predictions, removes the sampler's padding duplicates
and computes exact metrics over the whole split on every rank.  Only rank 0 writes files.
"""
from __future__ import annotations

import contextlib
import json
import logging
import math
import os
import sys
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping, Sequence

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.data import DataLoader, DistributedSampler

from . import distributed as D
from .checkpoint import get_rng_state, load_checkpoint, publish_copy, save_checkpoint, set_rng_state
from .env import resolve_device, seed_worker
from .metrics import classification_metrics, write_confusion_csv, write_per_class_csv
from .optim import build_optimizer, set_epoch_lr
from .._json import jsonable
from ..recipes import Recipe, build_loss, build_param_groups
from ..recipes.losses import LossFn, cross_entropy_loss, logits_of

__all__ = ["fit", "evaluate", "make_loader", "logits_of", "cross_entropy_loss", "FitResult", "LossFn"]

_logger = logging.getLogger(__name__)

def make_loader(dataset, batch_size: int, train: bool, seed: int = 0, num_workers: int = 0,
                drop_last: bool = False, collate_fn=None, pin_memory: bool | None = None, **kwargs) -> DataLoader:
    """A DataLoader whose order depends only on (seed, epoch): DistributedSampler under torchrun (`batch_size` is
    then per process), otherwise `EpochShuffleSampler`.  Shuffled for training, dataset order for evaluation."""
    if D.is_distributed():
        sampler = DistributedSampler(dataset, shuffle=train, seed=seed, drop_last=False)
    else:
        sampler = D.EpochShuffleSampler(dataset, seed=seed, shuffle=train)
    if pin_memory is None:
        pin_memory = torch.cuda.is_available()
    # no persistent workers: their seeds would be drawn once, so a resumed run would augment differently
    return DataLoader(dataset, batch_size=batch_size, sampler=sampler, num_workers=num_workers, drop_last=drop_last,
                      collate_fn=collate_fn, pin_memory=pin_memory, worker_init_fn=seed_worker, **kwargs)


# -- batches -----------------------------------------------------------------------------------------------
def _split_batch(batch) -> tuple[Any, Any]:
    if isinstance(batch, Mapping):
        x = next((batch[k] for k in ("inputs", "input") if k in batch), None)
        y = next((batch[k] for k in ("target", "targets", "label", "labels") if k in batch), None)
        if x is None or y is None:
            raise KeyError(f"batch mapping needs 'input(s)' and 'target'/'label' keys, got {sorted(batch)}")
        return x, y
    if isinstance(batch, (tuple, list)) and len(batch) >= 2:
        return batch[0], batch[1]
    raise TypeError(f"a batch must be (inputs, targets, ...) or a mapping, got {type(batch).__name__}")


def _to(obj, device: torch.device):
    if isinstance(obj, torch.Tensor):
        return obj.to(device, non_blocking=True)
    if isinstance(obj, Mapping):
        return {k: _to(v, device) for k, v in obj.items()}
    if isinstance(obj, (tuple, list)):
        return type(obj)(_to(v, device) for v in obj)
    return obj


def _forward(model: nn.Module, x):
    if isinstance(x, Mapping):
        return model(**x)
    if isinstance(x, (tuple, list)):
        return model(*x)
    return model(x)


def _batch_size(y) -> int:
    if isinstance(y, torch.Tensor):
        return int(y.shape[0])
    if isinstance(y, Mapping):
        return _batch_size(next(iter(y.values())))
    return len(y)


def _autocast(device: torch.device, amp: bool):
    """bf16 autocast: on CUDA by default; on CPU only when asked (`amp=True`), where it pays on processors with
    bf16 instructions (AVX512-BF16, AMX) and costs precision everywhere."""
    if amp and device.type in ("cuda", "cpu"):
        return torch.autocast(device.type, dtype=torch.bfloat16)
    return contextlib.nullcontext()


def _progress(iterable, enabled: bool | None, desc: str, total: int | None = None):
    from tqdm.auto import tqdm
    if enabled is None:
        enabled = sys.stderr.isatty()
    return tqdm(iterable, desc=desc, total=total, leave=False, dynamic_ncols=True,
                disable=not (enabled and D.is_main_process()))


def _unwrap(model: nn.Module) -> nn.Module:
    return model.module if isinstance(model, nn.parallel.DistributedDataParallel) else model


# -- evaluation --------------------------------------------------------------------------------------------
@torch.no_grad()
def evaluate(model: nn.Module, loader: Iterable, device: str | torch.device | None = None,
             num_classes: int | None = None, logits_fn: Callable[[Any], torch.Tensor] = logits_of,
             amp: bool | None = None, progress: bool | None = None, desc: str = "eval") -> dict[str, Any]:
    """Metrics over the whole loader: top1, top5, mean_class_accuracy, per_class_accuracy, confusion_matrix,
    num_samples, loss (plain cross-entropy), plus `logits` (N, C) and `targets` (N,) in dataset order.

    Distributed: each rank evaluates its shard; predictions and the sampler's indices are all-gathered and every
    dataset index is kept once, so the numbers are those of a single process on the full split."""
    device = resolve_device(device) if device is not None else next(_unwrap(model).parameters()).device
    amp = device.type == "cuda" if amp is None else amp
    net = _unwrap(model)  # no DDP hooks: shards may differ in length
    was_training = net.training
    net.eval()
    logits_list, target_list = [], []
    for batch in _progress(loader, progress, desc):
        x, y = _split_batch(batch)
        with _autocast(device, amp):
            out = _forward(net, _to(x, device))
        logits_list.append(logits_fn(out).float().cpu())
        target_list.append(torch.as_tensor(y).long().cpu())
    net.train(was_training)
    logits = torch.cat(logits_list) if logits_list else torch.zeros(0, num_classes or 0)
    targets = torch.cat(target_list) if target_list else torch.zeros(0, dtype=torch.long)
    if D.is_distributed():
        logits, targets = _gather_dedup(loader, logits, targets)
    num_classes = num_classes or logits.shape[1]
    metrics = classification_metrics(logits, targets, num_classes)
    metrics["loss"] = float(F.cross_entropy(logits, targets)) if len(targets) else math.nan
    metrics["logits"], metrics["targets"] = logits, targets
    return metrics


def _gather_dedup(loader, logits: torch.Tensor, targets: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    sampler = getattr(loader, "sampler", None)
    if sampler is None:
        raise TypeError("distributed evaluation needs a DataLoader with a sampler (see make_loader)")
    indices = torch.tensor(list(iter(sampler)), dtype=torch.long)
    if len(indices) != len(targets):
        raise RuntimeError(f"rank {D.get_rank()}: the sampler yields {len(indices)} indices but {len(targets)} "
                           "samples were evaluated (drop_last on an evaluation loader?)")
    all_idx = torch.cat(D.all_gather_varlen(indices))
    all_logits = torch.cat(D.all_gather_varlen(logits))
    all_targets = torch.cat(D.all_gather_varlen(targets))
    # DistributedSampler pads the last round with repeated indices: keep each dataset index once
    order = torch.argsort(all_idx, stable=True)
    sorted_idx = all_idx[order]
    keep = torch.ones_like(sorted_idx, dtype=torch.bool)
    keep[1:] = sorted_idx[1:] != sorted_idx[:-1]
    order = order[keep]
    return all_logits[order], all_targets[order]


# -- training ----------------------------------------------------------------------------------------------
@dataclass
class FitResult:
    history: list[dict[str, Any]]
    final: dict[str, Any]            # metrics of the last epoch on val_loader (with per-class and confusion)
    best: dict[str, Any] | None      # {"metric", "value", "epoch"}
    out_dir: Path | None
    model: nn.Module                 # the trained module (unwrapped from DDP)
    extra: dict[str, Any] = field(default_factory=dict)


def _warn_tiny_last_batch(model: nn.Module, loader: Iterable) -> None:
    """Warn when every epoch ends on a batch of under a quarter of the batch size that BatchNorm layers will
    normalise over: on SBU (2-6 samples left of 32) CTR-GCN at lr 0.1 never fitted its training folds until that
    batch was dropped (motionzoo/recipes/gcn.py)."""
    batch, n = getattr(loader, "batch_size", None), len(getattr(loader, "dataset", ()))
    if not batch or getattr(loader, "drop_last", True) or D.is_distributed():
        return
    left = n % batch
    if 0 < left < batch / 4 and any(isinstance(m, nn.modules.batchnorm._BatchNorm) for m in model.modules()):
        warnings.warn(f"{n} training samples at batch {batch} end every epoch on a batch of {left}, which the "
                      f"model's BatchNorm layers normalise over; a recipe with drop_last=True skips it",
                      stacklevel=3)


def fit(model: nn.Module, train_loader: Iterable, val_loader: Iterable | None, recipe: Recipe,
        out_dir: str | os.PathLike | None, device: str | torch.device | None = None, loss_fn: LossFn | None = None,
        resume: bool = False, logits_fn: Callable[[Any], torch.Tensor] = logits_of,
        param_groups: Callable[[nn.Module], Sequence[Mapping[str, Any]]] | None = None, amp: bool | None = None,
        progress: bool | None = None, class_names: Sequence[str] | None = None, select_metric: str = "top1",
        eval_every: int = 1, plots: bool = True, sync_bn: bool = False, find_unused_parameters: bool = False,
        on_epoch_end: Callable[[int, dict[str, Any]], None] | None = None,
        checkpoint_every_s: float = 60.0) -> FitResult:
    """Train `model` with `recipe`; evaluate on `val_loader` after every `eval_every` epochs (0: only after the
    last one) and after the last.

    - loss: `loss_fn(outputs, targets, epoch) -> (total, {name: value})`; default: the loss the recipe names
      (`motionzoo.recipes.build_loss(model, recipe)`: `recipe.loss`, `recipe.loss_kwargs`).
    - optimiser / lr: `recipe.optimizer`, `recipe.schedule` (per epoch), `recipe.grad_clip` (global L2 norm);
      parameter groups: `param_groups(model)` when given, else the rule the recipe names (`recipe.param_groups`,
      see motionzoo.recipes.param_groups); groups may carry `lr` (kept) or `lr_scale`, and `weight_decay`.
    - batches: a `train_loader` with a `drop_last` attribute (DataLoader, DeviceLoader) must agree with
      `recipe.drop_last`, so a recipe that drops the incomplete last batch is not silently fed one.
    - BatchNorm: `recipe.bn_momentum`, when set, replaces every BatchNorm layer's running-average momentum.
    - precision: bf16 autocast on CUDA unless `amp=False`; CPU runs in float32 unless `amp=True`.
    - files (rank 0, when `out_dir` is given): checkpoint `last/` (see checkpoint.py) after the first epoch, after
      every epoch that ends `checkpoint_every_s` seconds or more after the previous checkpoint (0: every epoch),
      after the last epoch and with every new `best/`; `log.jsonl` (one JSON object per epoch, then a summary),
      `per_class_accuracy.csv`, `confusion_matrix.csv`, `training_curves.png`, `confusion_matrix.png`.
      Why not every epoch: with optimiser state a checkpoint is three copies of the weights, written and synced;
      for two_stream_rnn (24 M parameters) that is ~0.4 s, 4 % of a 9 s SBU epoch on two CPU cores.
    - `resume=True` continues from `out_dir/last` (optimiser, RNG states, history) and reaches the same weights as
      an uninterrupted run when the loaders come from `make_loader` (order depends only on seed and epoch); an
      interrupted run loses the epochs after its newest checkpoint (at most ~`checkpoint_every_s` of training).
      A checkpoint trained under another recipe is refused (ValueError naming the fields); `source`, `notes` and
      `epochs` may differ.
    - `best` is chosen by `val_<select_metric>`; the reported `final` metrics are always the last epoch's, so no
      result is selected on the test set.
    """
    loader_drops = getattr(train_loader, "drop_last", None)
    if loader_drops is not None and loader_drops != recipe.drop_last:
        raise ValueError(f"recipe {recipe.name!r} has drop_last={recipe.drop_last} but the training loader "
                         f"drop_last={loader_drops}; build it with make_loader(..., drop_last=recipe.drop_last)")
    _warn_tiny_last_batch(model, train_loader)
    D.init_distributed()
    device = resolve_device(device)
    amp = device.type == "cuda" if amp is None else amp
    out_dir = Path(out_dir) if out_dir is not None else None
    main = D.is_main_process()
    model.to(device)
    if recipe.bn_momentum is not None:
        # TF-style momentum 0.01 (I3D, DRSR) needs hundreds of steps before the running statistics that evaluation
        # uses describe the network; a short run sets its own (the model keeps it after training)
        for m in model.modules():
            if isinstance(m, nn.modules.batchnorm._BatchNorm):
                m.momentum = recipe.bn_momentum
    if sync_bn and D.is_distributed():
        model = nn.SyncBatchNorm.convert_sync_batchnorm(model)
    if loss_fn is None:
        loss_fn = build_loss(model, recipe)
    optimizer = build_optimizer(param_groups(model) if param_groups else build_param_groups(model, recipe), recipe)

    start_epoch, history, best, rng_to_restore = 0, [], None, None
    if resume and out_dir is not None and ((out_dir / "last").exists() or (out_dir / "last.old").exists()):
        sd, state = load_checkpoint(out_dir, "last")
        _check_recipe(state.get("recipe", {}), recipe, out_dir)
        model.load_state_dict(sd)
        optimizer.load_state_dict(state["optimizer"])
        start_epoch, history, best = state["epoch"] + 1, list(state["history"]), state.get("best")
        rngs = state["rng"]
        rng_to_restore = rngs[D.get_rank()] if len(rngs) == D.get_world_size() else rngs[0]
        if len(rngs) != D.get_world_size():
            _logger.warning("resuming with %d processes from a checkpoint written by %d: RNG streams differ, "
                            "the run will not be bit-identical", D.get_world_size(), len(rngs))
        if main:
            print(f"[motionzoo] resuming {out_dir} after epoch {state['epoch']}", file=sys.stderr)
    elif resume and main:
        print(f"[motionzoo] resume requested but no checkpoint in {out_dir}: starting from epoch 0", file=sys.stderr)

    net = model
    if D.is_distributed():
        net = nn.parallel.DistributedDataParallel(
            model, device_ids=[device.index] if device.type == "cuda" else None,
            find_unused_parameters=find_unused_parameters)
    log_path = out_dir / "log.jsonl" if out_dir is not None else None
    if main and log_path is not None:
        out_dir.mkdir(parents=True, exist_ok=True)
        # the checkpoint's history is authoritative: drop log lines of epochs that were not checkpointed
        log_path.write_text("".join(json.dumps(h) + "\n" for h in history))
    if rng_to_restore is not None:
        set_rng_state(rng_to_restore)

    params = [p for p in model.parameters() if p.requires_grad]
    final = None
    saved_at = None                       # time of this invocation's newest checkpoint (None: none written yet)
    for epoch in range(start_epoch, recipe.epochs):
        t0 = time.time()
        lr = set_epoch_lr(optimizer, recipe, epoch)
        _set_epoch(train_loader, epoch)
        record = {"epoch": epoch, "lr": lr, **_train_one_epoch(net, train_loader, optimizer, loss_fn, logits_fn,
                                                               recipe, params, device, amp, epoch, progress)}
        is_last = epoch == recipe.epochs - 1
        is_best = False
        if val_loader is not None and (is_last or (eval_every > 0 and (epoch + 1) % eval_every == 0)):
            val = evaluate(model, val_loader, device, logits_fn=logits_fn, amp=amp, progress=progress,
                           desc=f"val {epoch}")
            record.update({f"val_{k}": val[k] for k in ("top1", "top5", "mean_class_accuracy", "loss", "num_samples")})
            if is_last:
                final = val
            value = record.get(f"val_{select_metric}")
            if value is not None and not math.isnan(value) and (best is None or value > best["value"]):
                best, is_best = {"metric": select_metric, "value": value, "epoch": epoch}, True
        record["time_s"] = round(time.time() - t0, 3)
        history.append(record)
        rngs = D.all_gather_objects(get_rng_state())
        due = (saved_at is None or is_last or is_best or time.time() - saved_at >= checkpoint_every_s)
        if main and out_dir is not None and due:
            state = {"epoch": epoch, "optimizer": optimizer.state_dict(),
                     "scheduler": {"name": recipe.schedule, "next_epoch": epoch + 1}, "rng": rngs,
                     "history": history, "best": best, "recipe": jsonable(recipe.to_dict()),
                     "world_size": D.get_world_size()}
            save_checkpoint(out_dir, "last", model.state_dict(), state,
                            metadata={"motionzoo.epoch": str(epoch), "motionzoo.recipe": recipe.name})
            if is_best:
                publish_copy(out_dir, "last", "best")
            saved_at = time.time()
        if main and out_dir is not None:
            with open(log_path, "a") as f:
                f.write(json.dumps(record) + "\n")
        if main:
            _logger.info("epoch %d: %s", epoch, record)
        D.barrier()
        if on_epoch_end is not None:
            on_epoch_end(epoch, record)

    if final is None and val_loader is not None:  # resumed a finished run, or no eval on the last epoch
        final = evaluate(model, val_loader, device, logits_fn=logits_fn, amp=amp, progress=progress)
    if main and out_dir is not None:
        _write_summary(out_dir, history, final, best, recipe, class_names, plots)
    D.barrier()
    return FitResult(history=history, final=final or {}, best=best, out_dir=out_dir, model=model)


def _set_epoch(loader, epoch: int) -> None:
    """Tell the sampler (order) and the dataset (augmentation draws, a function of (seed, epoch, index)) which
    epoch runs.  Workers are re-created every epoch (no persistent workers), so they see the new epoch too."""
    objs = [getattr(loader, "sampler", None), getattr(loader, "batch_sampler", None)]
    ds = getattr(loader, "dataset", None)
    while ds is not None:                    # through Subset-style wrappers to the dataset that draws
        objs.append(ds)
        ds = getattr(ds, "dataset", None)
    for obj in objs:
        if hasattr(obj, "set_epoch"):
            obj.set_epoch(epoch)


_FINITE_CHECK_EVERY = 32  # steps between the checks for a non-finite loss (each check waits for the device)


def _train_one_epoch(net, loader, optimizer, loss_fn, logits_fn, recipe, params, device, amp, epoch, progress):
    # Per step only the work the step needs: the losses and correct counts stay on the device, unreduced, and are
    # summed once per epoch; the loss is checked for NaN/inf every _FINITE_CHECK_EVERY steps (a check is a
    # device sync), naming the first bad step.  A non-finite loss is raised within the epoch, before any
    # checkpoint of that epoch is written.
    net.train()
    seen = scored = 0
    batch_sizes: list[int] = []
    totals: list[torch.Tensor] = []
    part_values: dict[str, list] = {}        # loss part name -> [(value, batch size)] of the steps that have it
    correct: list[torch.Tensor] = []
    checked = 0
    for step, batch in enumerate(_progress(loader, progress, f"train {epoch}")):
        x, y = _split_batch(batch)
        x, y = _to(x, device), _to(y, device)
        bs = _batch_size(y)
        with _autocast(device, amp):
            out = _forward(net, x)
        total, parts = loss_fn(out, y, epoch)
        optimizer.zero_grad(set_to_none=True)
        total.backward()
        if recipe.grad_clip:
            torch.nn.utils.clip_grad_norm_(params, recipe.grad_clip)
        optimizer.step()
        seen += bs
        batch_sizes.append(bs)
        totals.append(total.detach())
        for name, value in dict(parts).items():
            part_values.setdefault(name, []).append((value, bs))
        if isinstance(y, torch.Tensor) and y.ndim == 1 and not y.is_floating_point():
            with torch.no_grad():
                correct.append((logits_fn(out).argmax(1) == y).sum())
            scored += bs
        if len(totals) - checked >= _FINITE_CHECK_EVERY:
            checked = _check_finite(totals, checked, epoch, recipe, optimizer)
    _check_finite(totals, checked, epoch, recipe, optimizer)
    # total -> train_loss; a part "ce" -> train_ce_loss (every loss column ends in "loss" for the plots)
    record = {}
    if totals:
        weights = torch.tensor(batch_sizes, dtype=torch.float64, device=device)
        sums = {"loss": (torch.stack(totals).double() * weights).sum()}
        for name, pairs in part_values.items():
            values = torch.stack([_as_tensor(v, device) for v, _ in pairs]).double()
            sums[name] = (values * torch.tensor([b for _, b in pairs], dtype=torch.float64, device=device)).sum()
        for name, value in sums.items():
            key = f"train_{name}" if name.endswith("loss") else f"train_{name}_loss"
            record[key] = D.reduce_mean(float(value) / max(seen, 1), seen)
    if scored > 0 or D.is_distributed():
        n_correct = float(torch.stack(correct).sum()) if correct else 0.0
        record["train_top1"] = D.reduce_mean(100.0 * n_correct / max(scored, 1), scored)
    return record


def _as_tensor(value, device) -> torch.Tensor:
    return value.detach() if isinstance(value, torch.Tensor) else torch.tensor(float(value), device=device)


def _check_finite(totals: list[torch.Tensor], start: int, epoch: int, recipe, optimizer) -> int:
    """Raise FloatingPointError naming the first non-finite loss among totals[start:]; returns len(totals)."""
    if len(totals) > start:
        ok = torch.isfinite(torch.stack(totals[start:]))
        if not bool(ok.all()):
            step = start + int(torch.nonzero(~ok)[0])
            raise FloatingPointError(f"non-finite loss {float(totals[step])} at epoch {epoch}, step {step} "
                                     f"(recipe {recipe.name!r}, lr {optimizer.param_groups[0]['lr']:g})")
    return len(totals)


# Recipe fields a checkpoint resumes across: the prose (`source`, `notes`) and `epochs`, so that a finished run can be
# extended (the schedule then follows the new length from the resumed epoch on).
_RESUMABLE_ACROSS = ("source", "notes", "epochs")


def _check_recipe(saved: Mapping[str, Any], recipe: Recipe, out_dir: Path) -> None:
    """Refuse to continue a checkpoint under another recipe: the result would be reported as the new recipe's while
    part of it trained under the old one (a baseline trained by SGD under another model's `--set` overrides once
    came close to being resumed as the AdamW baseline)."""
    now = jsonable(recipe.to_dict())
    diff = sorted(k for k in set(saved) | set(now) if k not in _RESUMABLE_ACROSS and saved.get(k) != now.get(k))
    if diff:
        changes = "; ".join(f"{k}: {saved.get(k)!r} in the checkpoint, {now.get(k)!r} now" for k in diff)
        raise ValueError(f"cannot resume {out_dir / 'last'}: it was trained under another recipe ({changes}); "
                         f"start a new run (another --run-name or --out) or restore the recipe it was trained with")


def _write_summary(out_dir: Path, history, final, best, recipe: Recipe, class_names, plots: bool) -> None:
    summary = {"event": "summary", "recipe": recipe.name, "epochs_run": len(history), "best": best}
    if final:
        summary["final"] = {k: final[k] for k in ("top1", "top5", "mean_class_accuracy", "loss", "num_samples")}
        cm = np.asarray(final["confusion_matrix"])
        names = list(class_names) if class_names is not None and len(class_names) == cm.shape[0] else None
        write_per_class_csv(cm, out_dir / "per_class_accuracy.csv", names)
        write_confusion_csv(cm, out_dir / "confusion_matrix.csv", names)
    with open(out_dir / "log.jsonl", "a") as f:
        f.write(json.dumps(summary) + "\n")
    if plots:
        from .plots import plot_confusion_matrix, plot_training_curves
        if history:
            plot_training_curves(history, out_dir / "training_curves.png", title=recipe.name)
        if final:
            plot_confusion_matrix(final["confusion_matrix"], out_dir / "confusion_matrix.png", names)
