"""What the skeleton benchmarks share: a dataset's protocol and its rows, one per model, each trained with the
recipe `motionzoo.recipes.get_recipe(model, dataset)` and fed by `motionzoo.resolve_transforms(model, recipe=...)`,
the same pipeline users get.  Every table has the `lstm_baseline` row, trained by the same loop in the same run.

Stream ensembles (`skeleton_rows(..., streams={"ctrgcn": STREAMS})`): one row per extra input stream (the recipe with
`pipeline.stream` changed: bone, joint_motion, bone_motion; the model's own row is the joint stream) and an ensemble
row that adds the streams' test logits with fixed weights (`motionzoo.engine.STREAM_WEIGHT_PRESETS`, default the
official CTR-GCN weights: joint 0.6, bone 0.6, joint motion 0.4, bone motion 0.4).  `--models ctrgcn/xsub/ensemble`
trains the four streams and prints five rows; `--models 'ctrgcn*'` stays the joint row alone.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any, Callable, Mapping, Sequence

from torch.utils.data import Subset

try:
    from benchmarks._common import BASELINE_MODEL, BenchmarkData, BenchmarkRow, Protocol
except ImportError:  # run as `python benchmarks/<name>.py`
    from _common import BASELINE_MODEL, BenchmarkData, BenchmarkRow, Protocol

import motionzoo
from motionzoo.data import DatasetNotFoundError, carve_validation
from motionzoo.data.datasets import default_data_root
from motionzoo.recipes import Recipe, get_recipe

__all__ = ["SkeletonBenchmark", "skeleton_rows", "skeleton_loader", "data_root_or_shared", "STREAMS"]

STREAMS = ("joint", "bone", "joint_motion", "bone_motion")


@dataclass(frozen=True)
class SkeletonBenchmark:
    """One dataset protocol: `key` names the recipes (`get_recipe(model, key)`); `folds` > 1 runs the protocol's
    folds (`split_kwargs` then get `fold=k`) and reports, per seed, the mean over folds."""

    key: str
    dataset_cls: type
    subdir: str
    protocol: Protocol
    split_kwargs: Mapping[str, Any] = field(default_factory=dict)
    folds: int = 1
    val_group: str | None = "auto"         # see motionzoo.data.carve_validation
    quick_epochs: int = 4


def data_root_or_shared(data_root: Path | None, subdir: str) -> Path:
    if data_root is not None:
        return Path(data_root)
    base = default_data_root()
    if base is None or not (base / subdir).exists():
        raise SystemExit(f"no data: pass --data-root (the folder holding {subdir!r}'s files) or set $MOTIONZOO_DATA")
    return base / subdir


def _load(bench: SkeletonBenchmark, model: str, fixed_root: Path | None, synthetic: bool, data_root: Path | None,
          quick: bool, recipe: Recipe | None = None, split: str = "test", val_folds: int = 1) -> list[BenchmarkData]:
    if val_folds > 1 and split != "val":
        raise SystemExit(f"--val-folds {val_folds}: cross-validation on the training data needs --split val")
    if val_folds > 1 and bench.folds > 1:
        raise SystemExit(f"--val-folds {val_folds}: {bench.key} has {bench.folds} test folds, and --split val already "
                         "validates each on one of its training folds")
    root = Path(fixed_root) if fixed_root is not None else data_root_or_shared(data_root, bench.subdir)
    recipe = recipe if recipe is not None else get_recipe(model, bench.key)
    net = motionzoo.create_model(model, num_classes=bench.protocol.num_classes, **recipe.model_kwargs)
    train_t = motionzoo.resolve_transforms(net, train=True, recipe=recipe)
    eval_t = motionzoo.resolve_transforms(net, train=False, recipe=recipe)
    out = []
    for k in range(bench.folds):
        kw = {**{a: b for a, b in bench.split_kwargs.items() if b is not None}, **({"fold": k} if bench.folds > 1 else {})}
        try:
            train = bench.dataset_cls(root, split="train", transform=train_t, **kw)
            if split == "val":        # the test split is not even read
                train_eval = bench.dataset_cls(root, split="train", transform=eval_t, **kw)
                parts = []            # one (train, validation) pair per validation fold
                for v in range(val_folds):
                    tr_idx, val_idx, how = carve_validation(train.meta, train.labels, bench.val_group,
                                                            num_folds=val_folds, fold=v)
                    parts.append((Subset(train, tr_idx), Subset(train_eval, val_idx), f"VALIDATION: {how}",
                                  f"{train.fingerprint}:val" + (f"{v + 1}of{val_folds}" if val_folds > 1 else "")))
                skipped = train.summary["skipped"]
            else:
                test = bench.dataset_cls(root, split="test", transform=eval_t, **kw)
                skipped = train.summary["skipped"] + test.summary["skipped"]
                parts = [(train, test, f"{len(train)} train / {len(test)} test samples",
                          f"{train.fingerprint}+{test.fingerprint}")]
        except DatasetNotFoundError as e:
            raise SystemExit(str(e))
        classes = list(train.classes)
        if synthetic:  # synthetic NTU files use the first K action classes
            classes = classes[: bench.protocol.num_classes]
        for train_part, test, notes, fingerprint in parts:
            notes += f"; pipeline {eval_t}; recipe {recipe.name}"
            if skipped:
                notes += f"; skipped {len(skipped)} file(s): " + ", ".join(n for n, _ in skipped)
            out.append(BenchmarkData(train_part, test, classes, fingerprint=fingerprint, synthetic=synthetic,
                                     notes=notes))
    return out


def skeleton_loader(bench: SkeletonBenchmark, model: str, root: Path | None = None,
                    synthetic: bool = False) -> Callable[..., list[BenchmarkData]]:
    """A `BenchmarkRow.data` callable: `(data_root, quick, recipe=..., split=...)` -> one BenchmarkData per fold.
    `root` fixes the data folder (else --data-root, else ../shared/data/<subdir>); `synthetic` labels the numbers
    SYNTHETIC."""
    return partial(_load, bench, model, root, synthetic)


def skeleton_rows(bench: SkeletonBenchmark, models: Sequence[str],
                  published: Mapping[str, tuple[float | None, str]] | None = None, root: Path | None = None,
                  synthetic: bool = False, recipes: Mapping[str, Recipe] | None = None,
                  extra_models: Sequence[str] = (), streams: Mapping[str, Sequence[str]] | None = None,
                  stream_weights: str | Mapping[str, float] = "ctrgcn") -> list[BenchmarkRow]:
    """One row per model (the baseline first), each with its recipe for `bench.key` (or `recipes[model]`).
    `extra_models` get rows that run only when `--models` selects them (e.g. `--models '*'`).  `streams[model]`
    adds that model's stream rows and their ensemble row (selected by name; see the module doc), weighted by
    `stream_weights` (a preset of `motionzoo.engine.STREAM_WEIGHT_PRESETS` or {stream: weight}); the ensemble
    row's published number is `published[f"{model}/ensemble"]` (the papers' GCN tables report ensembles)."""
    published = dict(published or {})
    models = [BASELINE_MODEL] + [m for m in models if m != BASELINE_MODEL]
    rows = []
    for model in [*models, *extra_models]:
        recipe = (recipes or {}).get(model) or get_recipe(model, bench.key)
        value, source = published.get(model, (None, f"no published number for {model} on {bench.protocol.dataset}"))
        rows.append(BenchmarkRow(
            f"{model}/{bench.protocol.split}", model=model, protocol=bench.protocol,
            data=skeleton_loader(bench, model, root, synthetic), recipe=recipe, published=value,
            published_source=source, quick={"epochs": bench.quick_epochs},
            quick_reason=f"smoke schedule: {bench.quick_epochs} epochs", default=model not in extra_models))
        if model in (streams or {}):
            value, source = published.get(f"{model}/ensemble", (None, f"no published ensemble for {model}"))
            rows += _stream_rows(rows[-1], streams[model], stream_weights, value, source)
    return rows


def _stream_rows(joint: BenchmarkRow, streams: Sequence[str], weights: str | Mapping[str, float],
                 published: float | None = None, published_source: str = "") -> list[BenchmarkRow]:
    """The extra stream rows of `joint` (a model's row, trained on joints) and the ensemble row over all streams."""
    from motionzoo.engine import STREAM_WEIGHT_PRESETS
    weights = STREAM_WEIGHT_PRESETS[weights] if isinstance(weights, str) else dict(weights)
    unknown = [s for s in streams if s not in STREAMS or s not in weights]
    if unknown or "joint" not in streams:
        raise ValueError(f"{joint.name}: streams {list(streams)} must include 'joint' and come from {STREAMS} with "
                         f"a weight each (weights: {weights})")
    rows, members = [], {joint.name: weights["joint"]}
    for stream in streams:
        if stream == "joint":
            continue
        row = dataclasses.replace(joint, name=f"{joint.name}/{stream}", stream=stream, default=False,
                                  recipe=joint.recipe.with_pipeline(stream=stream), published=None,
                                  published_source="the papers report stream ensembles, not this stream alone")
        rows.append(row)
        members[row.name] = weights[stream]
    label = " + ".join(f"{s} {weights[s]:g}" for s in streams)
    rows.append(dataclasses.replace(joint, name=f"{joint.name}/ensemble", stream=f"ensemble: {label}", recipe=None,
                                    data=None, default=False, ensemble=members, published=published,
                                    published_source=published_source))
    return rows
