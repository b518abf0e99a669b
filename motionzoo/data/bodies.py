"""Body selection for multi-body NTU files (skeleton-data.md §1.9).

Every rule maps a parsed `NtuSkeleton` to a list of samples ``(x, mask)`` with ``x`` float32 (M, T, V, 3) and
``mask`` bool (M, T) (True where the body is present; absent bodies are zero-filled):

- ``moving_bodies``  the two-stream RNN authors' rule: every moving bodyID becomes its own sample (M = 1)
- ``denoised_top2``  the SGN / CTR-GCN denoising pipeline (M = 2), frames without any actor removed
- ``energy_top2``    the ST-GCN / MS-G3D rule: body *slots*, the 2 most energetic (M = 2, T = frame_count)
- ``most_active``    bodyIDs ranked by motion (variance sum), the top ``k`` aligned on the file's frames
"""
from __future__ import annotations

from typing import Callable

import numpy as np

from .ntu import NtuSkeleton

__all__ = ["BODY_RULES", "select_bodies", "moving_bodies", "denoised_top2", "energy_top2", "most_active",
           "group_by_body_id"]

Sample = tuple[np.ndarray, np.ndarray]


def group_by_body_id(rec: NtuSkeleton) -> list[tuple[int, np.ndarray, np.ndarray]]:
    """[(bodyID, frames (n,), xyz (n, 25, 3))] in order of first appearance; frames in file order."""
    out = []
    for bid in rec.unique_body_ids():
        sel = np.flatnonzero(rec.body_ids == bid)
        out.append((int(bid), rec.frame_of_body[sel], rec.xyz[sel]))
    return out


def _motion(xyz: np.ndarray) -> float:
    """Sum over x, y, z of the variance of the coordinates over all frames and joints."""
    return float(np.var(xyz.reshape(-1, 3), axis=0).sum()) if len(xyz) else 0.0


def _stack(bodies: list[tuple[np.ndarray, np.ndarray]], num_frames: int, m: int) -> Sample:
    """Place (frames, xyz) bodies into slots of a zero-filled (m, T, 25, 3) array."""
    x = np.zeros((m, num_frames, 25, 3), np.float32)
    mask = np.zeros((m, num_frames), bool)
    for k, (frames, xyz) in enumerate(bodies[:m]):
        x[k, frames] = xyz
        mask[k, frames] = True
    return x, mask


def moving_bodies(rec: NtuSkeleton, threshold: float = 0.1) -> list[Sample]:
    """(a) Keep every bodyID whose per-frame summed |dx| or |dy| has population std > threshold (metres);
    if none does, the one with the largest sx + sy.  Each kept id is a separate sample made of only the frames
    in which it appears (no gaps)."""
    groups = group_by_body_id(rec)
    scores = []
    for _, _, xyz in groups:
        if len(xyz) < 2:
            scores.append((0.0, 0.0))
            continue
        d = np.abs(np.diff(xyz[..., :2].astype(np.float64), axis=0)).sum(axis=1)  # (n-1, 2): dx(t), dy(t)
        sx, sy = d.std(axis=0)
        scores.append((float(sx), float(sy)))
    keep = [k for k, (sx, sy) in enumerate(scores) if sx > threshold or sy > threshold]
    if not keep and groups:
        keep = [int(np.argmax([sx + sy for sx, sy in scores]))]
    out = []
    for k in keep:
        xyz = groups[k][2].astype(np.float32)[None]  # (1, n, 25, 3)
        out.append((xyz, np.ones(xyz.shape[:2], bool)))
    return out


def energy_top2(rec: NtuSkeleton, max_slots: int = 4, num: int = 2) -> list[Sample]:
    """(c) Slots (position in the frame's body list) up to ``max_slots``; energy = std(x)+std(y)+std(z) over the
    frames where the slot is not all zero; the ``num`` most energetic slots, in descending order."""
    T = rec.num_frames
    slots = np.zeros((max_slots, T, 25, 3), np.float32)
    present = np.zeros((max_slots, T), bool)
    keep = rec.slot_of_body < max_slots
    slots[rec.slot_of_body[keep], rec.frame_of_body[keep]] = rec.xyz[keep]
    present[rec.slot_of_body[keep], rec.frame_of_body[keep]] = True
    energy = []
    for s in slots:
        valid = s.reshape(T, -1).sum(-1) != 0
        v = s[valid].reshape(-1, 3)
        energy.append(float(v.std(axis=0).sum()) if len(v) else 0.0)
    order = np.argsort(-np.asarray(energy), kind="stable")[:num]
    return [(slots[order], present[order])]


def most_active(rec: NtuSkeleton, k: int = 2) -> list[Sample]:
    """The ``k`` bodyIDs with the largest motion, aligned on the file's frames (zero where absent)."""
    groups = sorted(group_by_body_id(rec), key=lambda g: -_motion(g[2]))
    return [_stack([(f, x) for _, f, x in groups], rec.num_frames, k)]


def denoised_top2(rec: NtuSkeleton, min_frames: int = 11, spread_ratio: float = 0.8,
                  noise_ratio: float = 0.69754) -> list[Sample]:
    """(d) SGN / CTR-GCN denoising: length filter, x/y-spread filter, motion ranking, then actors 1 and 2 are
    filled with non-overlapping bodies; frames where both actors are absent are removed."""
    groups = group_by_body_id(rec)
    if not groups:
        return [(np.zeros((2, 0, 25, 3), np.float32), np.zeros((2, 0), bool))]
    bodies = [{"frames": f, "xyz": x, "motion": _motion(x)} for _, f, x in groups]
    if len(bodies) > 1:
        long_enough = [b for b in bodies if len(b["frames"]) > min_frames]
        bodies = long_enough or [max(bodies, key=lambda b: len(b["frames"]))]
    if len(bodies) > 1:
        kept = []
        for n, b in enumerate(bodies):
            xyz = b["xyz"]
            spread = xyz.max(axis=1) - xyz.min(axis=1)  # (n, 3) per-frame spread over joints
            noisy = spread[:, 0] > spread_ratio * spread[:, 1]
            remaining = len(kept) + len(bodies) - n - 1
            if noisy.mean() >= noise_ratio and remaining >= 1:
                continue
            if (~noisy).any():
                b["motion"] = min(b["motion"], _motion(xyz[~noisy]))
            kept.append(b)
        bodies = kept
    bodies.sort(key=lambda b: -b["motion"])
    actors: list[list[dict]] = [[bodies[0]], []]
    spans = [[int(bodies[0]["frames"].min()), int(bodies[0]["frames"].max())], None]
    for b in bodies[1:]:
        s, e = int(b["frames"].min()), int(b["frames"].max())
        for a in (0, 1):
            span = spans[a]
            if span is None or e < span[0] or s > span[1]:
                actors[a].append(b)
                spans[a] = [s, e] if span is None else [min(s, span[0]), max(e, span[1])]
                break
    x = np.zeros((2, rec.num_frames, 25, 3), np.float32)
    mask = np.zeros((2, rec.num_frames), bool)
    for a in (0, 1):
        for b in actors[a]:
            x[a, b["frames"]] = b["xyz"]
            mask[a, b["frames"]] = True
    frames = mask.any(axis=0)
    return [(x[:, frames], mask[:, frames])]


BODY_RULES: dict[str, Callable[..., list[Sample]]] = {
    "moving_bodies": moving_bodies,
    "denoised_top2": denoised_top2,
    "energy_top2": energy_top2,
    "most_active": most_active,
}


def select_bodies(rec: NtuSkeleton, rule: str = "denoised_top2", **kwargs) -> list[Sample]:
    """Apply a named body-selection rule (see module docstring)."""
    if rule not in BODY_RULES:
        raise ValueError(f"unknown body rule {rule!r}; choose one of {sorted(BODY_RULES)}")
    return BODY_RULES[rule](rec, **kwargs)
