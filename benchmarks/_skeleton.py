"""Data loaders shared by the skeleton benchmarks: a dataset split -> `BenchmarkData` whose samples went through
`motionzoo.resolve_transforms(model, train=...)`, the same pipeline users get."""
from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import Any, Callable, Mapping

try:
    from benchmarks._common import BenchmarkData
except ImportError:  # run as `python benchmarks/<name>.py`
    from _common import BenchmarkData

import motionzoo
from motionzoo._transforms import resolve_transforms
from motionzoo.data import DatasetNotFoundError
from motionzoo.data.datasets import default_data_root

__all__ = ["skeleton_loader", "data_root_or_shared"]


def data_root_or_shared(data_root: Path | None, subdir: str) -> Path:
    if data_root is not None:
        return Path(data_root)
    base = default_data_root()
    if base is None or not (base / subdir).exists():
        raise SystemExit(f"no data: pass --data-root (the folder holding {subdir!r}'s files) or set $MOTIONZOO_DATA")
    return base / subdir


def _load(dataset_cls, subdir: str, model: str, model_kwargs: Mapping[str, Any], split_kwargs: Mapping[str, Any],
          pipeline: Mapping[str, Any], fixed_root: Path | None, synthetic: bool, data_root: Path | None,
          quick: bool) -> BenchmarkData:
    root = Path(fixed_root) if fixed_root is not None else data_root_or_shared(data_root, subdir)
    net = motionzoo.create_model(model, **dict(model_kwargs))
    train_t = resolve_transforms(net, train=True, seed=0, **pipeline)
    test_t = resolve_transforms(net, train=False, **pipeline)
    split_kwargs = {k: v for k, v in split_kwargs.items() if v is not None}
    try:
        train = dataset_cls(root, split="train", transform=train_t, **split_kwargs)
        test = dataset_cls(root, split="test", transform=test_t, **split_kwargs)
    except DatasetNotFoundError as e:
        raise SystemExit(str(e))
    notes = f"{len(train)} train / {len(test)} test samples; pipeline {test_t}"
    if hasattr(train_t, "augment"):
        notes += f"; train augmentation {train_t.augment}, start-crop {train_t.start_crop}"
    skipped = train.summary["skipped"] + test.summary["skipped"]
    if skipped:
        notes += f"; skipped {len(skipped)} file(s): " + ", ".join(n for n, _ in skipped)
    classes = list(train.classes)
    if synthetic:  # synthetic NTU files use the first K action classes
        classes = classes[: len(set(map(int, train.labels)) | set(map(int, test.labels)))]
    return BenchmarkData(train, test, classes, fingerprint=f"{train.fingerprint}+{test.fingerprint}",
                         synthetic=synthetic, notes=notes)


def skeleton_loader(dataset_cls, subdir: str, model: str, model_kwargs: Mapping[str, Any] | None = None,
                    split_kwargs: Mapping[str, Any] | None = None,
                    pipeline: Mapping[str, Any] | None = None, root: Path | None = None,
                    synthetic: bool = False) -> Callable[[Path | None, bool], BenchmarkData]:
    """A `BenchmarkRow.data` callable for one dataset split and one model's input pipeline.  `root` fixes the
    data folder (else --data-root, else ../shared/data/<subdir>); `synthetic` labels the numbers SYNTHETIC."""
    return partial(_load, dataset_cls, subdir, model, dict(model_kwargs or {}), dict(split_kwargs or {}),
                   dict(pipeline or {}), root, synthetic)
