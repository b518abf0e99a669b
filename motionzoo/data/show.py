"""Draw skeleton sequences: a PNG grid of frames or an animated GIF (matplotlib, Pillow writer).

    show(sample, "ntu25", "out.png", frames=8)
    show_path("sbu[3]", "out.gif")                       # DATASET[IDX] (root from $MOTIONZOO_DATA or ../shared/data)
    show_path("S001C001P001R001A050.skeleton", "a.png")  # a file in any supported format
"""
from __future__ import annotations

import os
import re
from pathlib import Path

import numpy as np

from .topology import SkeletonTopology, get_topology

__all__ = ["show", "show_path", "load_any"]

_COLORS = ("tab:blue", "tab:red", "tab:green", "tab:purple")


def _project(x: np.ndarray) -> np.ndarray:
    """(..., C) -> (..., 2) drawing coordinates: x right, y up (Kinect camera space is already y-up)."""
    return x[..., :2]


def show(sample, topology: str | SkeletonTopology, out_path: str | os.PathLike, frames: int | list[int] = 8,
         joint_indices: bool = False, title: str | None = None, fps: int = 10) -> Path:
    """Draw ``sample`` ((M, T, V, C) or (T, V, C), numpy or torch) with the bones of ``topology``.
    ``out_path`` ending in .gif -> an animation over ``frames`` (a count spread over T, or explicit indices);
    otherwise a PNG grid of those frames.  Absent (all-zero) bodies are not drawn.  Returns the path."""
    import matplotlib
    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    x = sample.detach().cpu().numpy() if hasattr(sample, "detach") else np.asarray(sample)
    if x.ndim == 3:
        x = x[None]
    if x.ndim != 4:
        raise ValueError(f"show expects (M, T, V, C) or (T, V, C), got shape {x.shape}")
    topo = get_topology(topology)
    M, T, V, C = x.shape
    if V != topo.num_joints:
        raise ValueError(f"sample has V={V} joints but topology {topo.name!r} has {topo.num_joints}")
    if T < 1:
        raise ValueError("cannot show a sequence with 0 frames")
    idx = (np.unique(np.round(np.linspace(0, T - 1, min(frames, T))).astype(int)).tolist()
           if isinstance(frames, int) else [int(f) for f in frames])
    p = _project(x.astype(np.float64))
    present = np.abs(x).sum(axis=(2, 3)) > 0  # (M, T)
    pts = p[present] if present.any() else p.reshape(-1, 2)
    lo, hi = pts.reshape(-1, 2).min(0), pts.reshape(-1, 2).max(0)
    pad = 0.08 * max(float((hi - lo).max()), 1e-6)

    def draw(ax, t):
        ax.clear()
        for m in range(M):
            if not present[m, t]:
                continue
            q = p[m, t]
            for a, b in topo.edges:
                ax.plot([q[a, 0], q[b, 0]], [q[a, 1], q[b, 1]], "-", color=_COLORS[m % 4], lw=2)
            ax.scatter(q[:, 0], q[:, 1], s=10, color="k", zorder=3)
            if joint_indices:
                for j in range(V):
                    ax.annotate(str(j), q[j], fontsize=6, xytext=(2, 2), textcoords="offset points")
        ax.set_xlim(lo[0] - pad, hi[0] + pad)
        ax.set_ylim(lo[1] - pad, hi[1] + pad)
        ax.set_aspect("equal")
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_title(f"t={t}", fontsize=8)

    out = Path(out_path)
    out.parent.mkdir(parents=True, exist_ok=True)
    if out.suffix.lower() == ".gif":
        from matplotlib.animation import FuncAnimation, PillowWriter
        fig, ax = plt.subplots(figsize=(4, 4))
        if title:
            fig.suptitle(title, fontsize=9)
        anim = FuncAnimation(fig, lambda k: draw(ax, idx[k]), frames=len(idx))
        anim.save(str(out), writer=PillowWriter(fps=fps))
    else:
        cols = min(len(idx), 4)
        rows = (len(idx) + cols - 1) // cols
        fig, axes = plt.subplots(rows, cols, figsize=(2.6 * cols, 2.6 * rows), squeeze=False)
        for k, ax in enumerate(axes.flat):
            if k < len(idx):
                draw(ax, idx[k])
            else:
                ax.axis("off")
        if title:
            fig.suptitle(title, fontsize=9)
        fig.tight_layout()
        fig.savefig(out, dpi=100)
    plt.close(fig)
    return out


_SPEC = re.compile(r"^([A-Za-z0-9_\-]+)\[(\d+)\]$")


def load_any(spec: str | os.PathLike):
    """(sample (M, T, V, C) numpy, topology name, title) from a file in any supported format or ``DATASET[IDX]``
    (dataset names of datasets.DATASETS, e.g. ``sbu[3]``, ``utd_mhad[0]``, ``msr_action3d[5]``,
    ``natops[0]``; the split is 'all')."""
    s = str(spec)
    m = _SPEC.match(s)
    if m and not Path(s).exists():
        from .datasets import get_dataset
        name, i = m.group(1), int(m.group(2))
        kwargs = {"protocol": "ntu120_xsub"} if name.lower() == "ntu" else {}
        ds = get_dataset(name, split="all", **kwargs)
        if not 0 <= i < len(ds):
            raise IndexError(f"{name} has {len(ds)} samples; index {i} is out of range")
        x, y = ds[i]
        return x.numpy(), ds.topology, f"{name}[{i}] {ds.meta[i].get('name', '')} label={y}"
    p = Path(s)
    if not p.exists():
        raise FileNotFoundError(f"{s}: no such file, and not a DATASET[IDX] spec")
    n = p.name
    if n.endswith(".skeleton"):
        from .bodies import select_bodies
        from .ntu import read_ntu_skeleton
        x, _ = select_bodies(read_ntu_skeleton(p), "most_active", k=2)[0]
        return x, "ntu25", n
    if n == "skeleton_pos.txt":
        from .sbu import read_sbu
        return read_sbu(p), "sbu15", str(p)
    if n.endswith("_skeleton.mat"):
        from .utd_mhad import read_utd_mhad
        return read_utd_mhad(p), "kinect_v1_20", n
    if n.endswith("_skeleton3D.txt"):
        from .msr_action3d import read_msr_action3d
        return read_msr_action3d(p, allow_all_zero=True), "kinect_v1_20", n
    if n.endswith(".json"):
        from .nw_ucla import read_nw_ucla
        return read_nw_ucla(p)[0], "kinect_v1_20", n
    if n.startswith("joints_s") and n.endswith(".txt"):
        from .utkinect import read_utkinect_joints
        return read_utkinect_joints(p)[1], "kinect_v1_20", n
    if n.endswith(".ts"):
        from .uea_ts import read_natops_ts
        return read_natops_ts(p)[0][0], "natops8", f"{n}[0]"
    if n.endswith(".npy"):
        x = np.load(p, allow_pickle=False)
        V = x.shape[-2]
        topo = {25: "ntu25", 20: "kinect_v1_20", 15: "sbu15", 17: "coco17", 8: "natops8"}.get(V)
        if topo is None:
            raise ValueError(f"{p}: cannot guess a topology for V={V}")
        return x, topo, n
    raise ValueError(f"{p}: unrecognised skeleton file format")


def show_path(spec: str | os.PathLike, out: str | os.PathLike, frames: int = 8, joint_indices: bool = False) -> Path:
    """CLI entry (``motionzoo show``): draw a file in any supported format or ``DATASET[IDX]`` to ``out``
    (.png grid or .gif animation)."""
    x, topo, title = load_any(spec)
    return show(x, topo, out, frames=frames, joint_indices=joint_indices, title=title)
