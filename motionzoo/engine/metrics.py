"""Classification metrics from logits and integer targets (numpy / torch, no sklearn).

Accuracies are percentages (0-100), the unit papers publish.  Per-class accuracy is NaN for a class with no
samples in the evaluated set; the mean class accuracy averages over the classes that do occur.
"""
from __future__ import annotations

import csv
import math
from pathlib import Path
from typing import Sequence

import numpy as np
import torch

__all__ = ["topk_accuracy", "confusion_matrix", "per_class_accuracy", "mean_class_accuracy",
           "classification_metrics", "most_confused_pairs", "write_per_class_csv", "write_confusion_csv"]


def _np(x) -> np.ndarray:
    if isinstance(x, torch.Tensor):
        return x.detach().float().cpu().numpy() if x.is_floating_point() else x.detach().cpu().numpy()
    return np.asarray(x)


def _check(logits: np.ndarray, targets: np.ndarray) -> None:
    if logits.ndim != 2:
        raise ValueError(f"logits must be (N, num_classes), got shape {tuple(logits.shape)}")
    if targets.ndim != 1 or targets.shape[0] != logits.shape[0]:
        raise ValueError(f"targets must be (N,) with N = {logits.shape[0]}, got shape {tuple(targets.shape)}")
    if targets.size and (targets.min() < 0 or targets.max() >= logits.shape[1]):
        raise ValueError(f"targets must lie in [0, {logits.shape[1]}), got range "
                         f"[{targets.min()}, {targets.max()}]")


def topk_accuracy(logits, targets, k: int = 1) -> float:
    """Percentage of samples whose target is among the k highest logits (ties broken by lower class index)."""
    logits, targets = _np(logits), _np(targets).astype(np.int64)
    _check(logits, targets)
    if targets.size == 0:
        return math.nan
    k = min(k, logits.shape[1])
    # stable argsort of -logits: equal scores keep class order, so results do not depend on the backend
    topk = np.argsort(-logits, axis=1, kind="stable")[:, :k]
    return float((topk == targets[:, None]).any(axis=1).mean() * 100.0)


def confusion_matrix(preds, targets, num_classes: int) -> np.ndarray:
    """(num_classes, num_classes) int64 counts; rows = true classes, columns = predictions."""
    preds, targets = _np(preds).astype(np.int64).ravel(), _np(targets).astype(np.int64).ravel()
    if preds.shape != targets.shape:
        raise ValueError(f"preds {preds.shape} and targets {targets.shape} differ in length")
    for name, arr in (("preds", preds), ("targets", targets)):
        if arr.size and (arr.min() < 0 or arr.max() >= num_classes):
            raise ValueError(f"{name} must lie in [0, {num_classes}), got [{arr.min()}, {arr.max()}]")
    return np.bincount(targets * num_classes + preds, minlength=num_classes * num_classes).reshape(
        num_classes, num_classes)


def per_class_accuracy(cm: np.ndarray) -> np.ndarray:
    """Recall of each true class in percent (NaN where the class has no samples)."""
    cm = np.asarray(cm)
    support = cm.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(support > 0, np.diag(cm) / np.maximum(support, 1) * 100.0, np.nan)


def mean_class_accuracy(cm: np.ndarray) -> float:
    acc = per_class_accuracy(cm)
    return float(np.nanmean(acc)) if np.isfinite(acc).any() else math.nan


def classification_metrics(logits, targets, num_classes: int | None = None, topk: Sequence[int] = (1, 5)) -> dict:
    """top-k accuracies, mean class accuracy, per-class accuracy, confusion matrix and sample count."""
    logits, targets = _np(logits), _np(targets).astype(np.int64)
    _check(logits, targets)
    num_classes = num_classes or logits.shape[1]
    preds = logits.argmax(axis=1) if targets.size else np.zeros(0, np.int64)
    cm = confusion_matrix(preds, targets, num_classes)
    out = {f"top{k}": topk_accuracy(logits, targets, k) for k in topk}
    out.update(mean_class_accuracy=mean_class_accuracy(cm), per_class_accuracy=per_class_accuracy(cm).tolist(),
               confusion_matrix=cm.tolist(), num_samples=int(targets.size))
    return out


def most_confused_pairs(cm, k: int = 5, class_names: Sequence[str] | None = None) -> list[tuple[str, str, int]]:
    """The k largest off-diagonal counts as (true, predicted, count), for model cards."""
    cm = np.array(cm, dtype=np.int64)
    np.fill_diagonal(cm, 0)
    names = list(class_names) if class_names is not None else [str(i) for i in range(cm.shape[0])]
    order = np.argsort(-cm, axis=None, kind="stable")[:k]
    pairs = []
    for flat in order:
        t, p = divmod(int(flat), cm.shape[1])
        if cm[t, p] > 0:
            pairs.append((names[t], names[p], int(cm[t, p])))
    return pairs


def _names(n: int, class_names: Sequence[str] | None) -> list[str]:
    if class_names is None:
        return [str(i) for i in range(n)]
    if len(class_names) != n:
        raise ValueError(f"{len(class_names)} class names for {n} classes")
    return list(class_names)


def write_per_class_csv(cm, path: str | Path, class_names: Sequence[str] | None = None) -> Path:
    cm = np.asarray(cm)
    names, acc = _names(cm.shape[0], class_names), per_class_accuracy(cm)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["class_index", "class_name", "support", "correct", "accuracy"])
        for i, name in enumerate(names):
            w.writerow([i, name, int(cm[i].sum()), int(cm[i, i]), "" if np.isnan(acc[i]) else f"{acc[i]:.4f}"])
    return path


def write_confusion_csv(cm, path: str | Path, class_names: Sequence[str] | None = None) -> Path:
    """Rows = true classes, columns = predictions, both labelled with class names."""
    cm = np.asarray(cm)
    names = _names(cm.shape[0], class_names)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["true \\ predicted", *names])
        for name, row in zip(names, cm):
            w.writerow([name, *(int(v) for v in row)])
    return path
