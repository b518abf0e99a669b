"""Synthetic NTU RGB+D ``.skeleton`` files: valid files in the original text format (CRLF, 10-field body lines,
25 x 12 joint records), real file names ``SsssCcccPpppRrrrAaaa`` spread over performers, cameras and setups so the
xsub / xview protocols both have train and test samples, 1 body (2 for the NTU mutual classes), realistic bone
lengths, and class-dependent limb motions that a model can learn.  They are read by the same reader as real files.

    paths = write_synthetic_ntu("/tmp/ntu_syn", num_classes=10, samples_per_class=12, frames=48, seed=0)
    ds = NTUSkeletonDataset("/tmp/ntu_syn", protocol="ntu60_xsub", split="train")
"""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from .ntu import NTU_MUTUAL_ACTIONS
from .topology import get_topology

__all__ = ["write_synthetic_ntu", "synthetic_ntu_sequence", "ntu_rest_pose", "format_ntu_skeleton"]

# rest pose of ntu25 in metres (x right of the camera = subject's left when facing it, y up, z away)
_OFFSETS = {  # joint: (parent-relative offset)
    1: (0, 0.28, 0), 20: (0, 0.24, 0), 2: (0, 0.07, 0), 3: (0, 0.13, 0),
    4: (0.17, -0.02, 0), 5: (0.02, -0.27, 0), 6: (0.01, -0.24, 0), 7: (0, -0.07, 0), 22: (0.03, -0.04, -0.02),
    21: (0, -0.05, 0),
    8: (-0.17, -0.02, 0), 9: (-0.02, -0.27, 0), 10: (-0.01, -0.24, 0), 11: (0, -0.07, 0), 24: (-0.03, -0.04, -0.02),
    23: (0, -0.05, 0),
    12: (0.08, -0.05, 0), 13: (0.01, -0.40, 0), 14: (0, -0.38, 0), 15: (0, -0.03, -0.12),
    16: (-0.08, -0.05, 0), 17: (-0.01, -0.40, 0), 18: (0, -0.38, 0), 19: (0, -0.03, -0.12),
}
# motion pivots: (joint whose subtree rotates, axis) candidates per body region
_PIVOTS = [(8, "x"), (8, "z"), (9, "x"), (4, "x"), (4, "z"), (5, "x"), (16, "x"), (17, "x"), (12, "x"), (13, "x"),
           (1, "x"), (1, "z"), (2, "x"), (2, "y")]


def ntu_rest_pose(scale: float = 1.0) -> np.ndarray:
    """(25, 3) rest pose in metres, spine base at the origin (built along the ntu25 bone tree)."""
    topo = get_topology("ntu25")
    pos = np.zeros((25, 3))
    order = sorted(range(25), key=lambda j: _depth(topo.parents, j))
    for j in order:
        p = topo.parents[j]
        if p >= 0:
            pos[j] = pos[p] + scale * np.asarray(_OFFSETS[j], float)
    return pos


def _depth(parents, j):
    d = 0
    while parents[j] >= 0:
        j, d = parents[j], d + 1
    return d


def _descendants(parents, j):
    out = []
    for k in range(len(parents)):
        a = k
        while parents[a] >= 0:
            a = parents[a]
            if a == j:
                out.append(k)
                break
    return out


def _rot(axis: str, theta: np.ndarray) -> np.ndarray:
    """(T, 3, 3) rotations about a coordinate axis (column-vector convention)."""
    c, s = np.cos(theta), np.sin(theta)
    o, z = np.ones_like(theta), np.zeros_like(theta)
    if axis == "x":
        m = [[o, z, z], [z, c, -s], [z, s, c]]
    elif axis == "y":
        m = [[c, z, s], [z, o, z], [-s, z, c]]
    else:
        m = [[c, -s, z], [s, c, z], [z, z, o]]
    return np.moveaxis(np.array(m), (0, 1), (1, 2))


def _class_program(action: int, num_pivots: int = 3):
    """Deterministic motion program of a class: [(pivot, axis, amplitude rad, cycles, phase)] + translation."""
    rng = np.random.default_rng(7919 * action + 17)
    idx = rng.choice(len(_PIVOTS), size=num_pivots, replace=False)
    prog = [(*_PIVOTS[i], rng.uniform(0.3, 1.2) * rng.choice([-1, 1]), rng.uniform(0.5, 3.0),
             rng.uniform(0, 2 * np.pi)) for i in idx]
    drift = rng.uniform(-0.4, 0.4, 3) * np.array([1, 0, 1]) * (rng.random() < 0.4)
    return prog, drift


def synthetic_ntu_sequence(action: int, frames: int, rng: np.random.Generator, camera: int = 1,
                           body: int = 0) -> np.ndarray:
    """(T, 25, 3) camera-space positions for one body performing class ``action`` (1-based)."""
    topo = get_topology("ntu25")
    prog, drift = _class_program(action + 1000 * body)
    rest = ntu_rest_pose(rng.uniform(0.9, 1.1))
    t = np.linspace(0, 1, frames)
    pos = np.broadcast_to(rest, (frames, 25, 3)).copy()
    speed = rng.uniform(0.85, 1.15)
    for pivot, axis, amp, cycles, phase in sorted(prog, key=lambda p: -_depth(topo.parents, p[0])):
        theta = amp * rng.uniform(0.8, 1.2) * np.sin(2 * np.pi * cycles * speed * t + phase + rng.normal(0, 0.2))
        R = _rot(axis, theta)  # (T, 3, 3)
        sub = _descendants(topo.parents, pivot)
        rel = pos[:, sub] - pos[:, pivot:pivot + 1]
        pos[:, sub] = pos[:, pivot:pivot + 1] + np.einsum("tij,tkj->tki", R, rel)
    # whole-body placement: yaw by camera (the 3 NTU cameras look from -45, 0, +45 degrees), distance ~3 m
    yaw = np.deg2rad({1: 0.0, 2: 45.0, 3: -45.0}.get(camera, 0.0) + rng.normal(0, 8) + (180.0 if body else 0.0))
    Ry = _rot("y", np.full(frames, yaw))
    pos = np.einsum("tij,tkj->tki", Ry, pos)
    offset = np.array([rng.normal(0, 0.3) + (0.9 if body else 0.0), rng.normal(-0.2, 0.05), 3.0 + rng.normal(0, 0.3)])
    pos = pos + offset + t[:, None, None] * drift * (-1 if body else 1)
    return pos + rng.normal(0, 0.004, pos.shape)


def format_ntu_skeleton(bodies: list[np.ndarray], body_ids: list[int], newline: str = "\r\n") -> str:
    """Text of a ``.skeleton`` file for bodies (each (T, 25, 3), all the same T, metres, z > 0)."""
    T = bodies[0].shape[0]
    lines = [str(T)]
    rows_per_body = []
    for xyz in bodies:
        z = xyz[..., 2:3]
        depth = np.concatenate([256 + 365 * xyz[..., :1] / z, 212 - 365 * xyz[..., 1:2] / z], -1)
        color = np.concatenate([960 + 1060 * xyz[..., :1] / z, 540 - 1060 * xyz[..., 1:2] / z], -1)
        quat = np.zeros(xyz.shape[:2] + (4,))
        quat[..., 0] = 1
        state = np.full(xyz.shape[:2] + (1,), 2.0)
        rec = np.concatenate([xyz, depth, color, quat, state], -1)  # (T, 25, 12)
        rows_per_body.append([" ".join(f"{v:.7G}" for v in row[:11]) + " 2" for row in rec.reshape(-1, 12)])
    for f in range(T):
        lines.append(str(len(bodies)))
        for b, bid in enumerate(body_ids):
            lines.append(f"{bid} 0 1 1 1 1 0 {0.01 * b:.7G} -0.05 2")
            lines.append("25")
            lines.extend(rows_per_body[b][25 * f:25 * f + 25])
    return newline.join(lines) + newline


def _name_fields(k: int) -> tuple[int, int, int, int]:
    """(setup, camera, performer, replication) of the k-th sample of a class: every performer 1..40 and every
    camera 1..3 occur, so the NTU-60 xsub and xview protocols both have train and test samples."""
    return 1 + (k // 6) % 17, 1 + k % 3, 1 + k % 40, 1 + (k // 3) % 2


def write_synthetic_ntu(root: str | os.PathLike, num_classes: int = 10, samples_per_class: int = 12,
                        frames: int | tuple[int, int] = 64, seed: int = 0, newline: str = "\r\n") -> list[Path]:
    """Write ``num_classes * samples_per_class`` synthetic ``.skeleton`` files into ``root`` and return their
    paths.  ``frames``: a fixed count or an inclusive (min, max) range.  Classes are NTU actions 1..num_classes
    (<= 120); mutual classes (A050-A060, A106-A120) get two bodies."""
    if not 1 <= num_classes <= 120:
        raise ValueError("num_classes must be in 1..120")
    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    paths, seen = [], set()
    for action in range(1, num_classes + 1):
        for k in range(samples_per_class):
            s, c, p, r = _name_fields(k)
            name = f"S{s:03d}C{c:03d}P{p:03d}R{r:03d}A{action:03d}"
            if name in seen:
                raise ValueError(f"samples_per_class={samples_per_class} is too large for unique NTU names")
            seen.add(name)
            T = frames if isinstance(frames, int) else int(rng.integers(frames[0], frames[1] + 1))
            n_bodies = 2 if action in NTU_MUTUAL_ACTIONS else 1
            bodies = [synthetic_ntu_sequence(action, T, rng, camera=c, body=b) for b in range(n_bodies)]
            ids = [72057594037927936 + int(rng.integers(0, 10 ** 6)) * 2 + b for b in range(n_bodies)]
            path = root / f"{name}.skeleton"
            tmp = path.with_suffix(".tmp")
            tmp.write_bytes(format_ntu_skeleton(bodies, ids, newline).encode("ascii"))
            os.replace(tmp, path)
            paths.append(path)
    return paths
