"""PNG plots with matplotlib's Agg canvas (no pyplot, so no global backend switch and no display needed)."""
from __future__ import annotations

from pathlib import Path
from typing import Mapping, Sequence

import numpy as np

__all__ = ["plot_training_curves", "plot_confusion_matrix"]


def _figure(w: float, h: float):
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    fig = Figure(figsize=(w, h), dpi=100)
    FigureCanvasAgg(fig)
    return fig


def plot_training_curves(history: Sequence[Mapping[str, float]], path: str | Path, title: str = "") -> Path:
    """Loss (left) and accuracy (right) per epoch from `fit`'s history; lr on a twin axis of the loss panel."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig = _figure(11, 4)
    ax_loss, ax_acc = fig.subplots(1, 2)
    epochs = [h["epoch"] for h in history]

    def series(key):
        return [h.get(key, np.nan) for h in history]

    for key in sorted({k for h in history for k in h if k.endswith("loss")}):
        ax_loss.plot(epochs, series(key), marker=".", label=key)
    ax_loss.set_xlabel("epoch")
    ax_loss.set_ylabel("loss")
    if any("lr" in h for h in history):
        ax_lr = ax_loss.twinx()
        ax_lr.plot(epochs, series("lr"), color="grey", linestyle=":", label="lr")
        ax_lr.set_ylabel("lr")
    ax_loss.legend(loc="upper right", fontsize=8)
    for key in ("train_top1", "val_top1", "val_top5", "val_mean_class_accuracy"):
        if any(key in h for h in history):
            ax_acc.plot(epochs, series(key), marker=".", label=key)
    ax_acc.set_xlabel("epoch")
    from matplotlib.ticker import MaxNLocator
    for ax in (ax_loss, ax_acc):
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax_acc.set_ylabel("accuracy (%)")
    ax_acc.legend(loc="lower right", fontsize=8)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    fig.savefig(path)
    return path


def plot_confusion_matrix(cm, path: str | Path, class_names: Sequence[str] | None = None, normalize: bool = True,
                          title: str = "") -> Path:
    """Rows = true classes, columns = predictions; row-normalised (recall) by default.  Counts are written in
    the cells for up to 30 classes, beyond that only the colours are readable."""
    cm = np.asarray(cm, dtype=np.float64)
    n = cm.shape[0]
    names = list(class_names) if class_names is not None else [str(i) for i in range(n)]
    shown = cm / np.maximum(cm.sum(axis=1, keepdims=True), 1) if normalize else cm
    size = min(max(6.0, 0.32 * n + 3), 40.0)
    fig = _figure(size, size)
    ax = fig.subplots()
    im = ax.imshow(shown, cmap="Blues", vmin=0, vmax=1 if normalize else None)
    fig.colorbar(im, ax=ax, fraction=0.046, pad=0.04)
    ax.set_xticks(range(n))
    ax.set_yticks(range(n))
    fs = 8 if n <= 30 else 5
    ax.set_xticklabels(names, rotation=90, fontsize=fs)
    ax.set_yticklabels(names, fontsize=fs)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    if n <= 30:
        for i in range(n):
            for j in range(n):
                if cm[i, j]:
                    ax.text(j, i, f"{int(cm[i, j])}", ha="center", va="center", fontsize=6,
                            color="white" if shown[i, j] > 0.5 * (shown.max() or 1) else "black")
    if title:
        ax.set_title(title)
    fig.tight_layout()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path)
    return path
