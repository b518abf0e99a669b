"""SBU Kinect Interaction v2.0 (clean set), skeleton-data.md §2.

``<set>/<class>/<rep>/skeleton_pos.txt``: CSV, one row per frame, 91 columns (frame index, person A's 15 x xyz,
person B's 15 x xyz).  Values are normalised; ``denormalize=True`` maps them to millimetres (SBU README).
"""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from ._text import load_table
from .errors import SkeletonFormatError

__all__ = ["read_sbu", "sbu_denormalize", "list_sbu", "SBU_CLASSES", "SBU_FOLDS", "sbu_fold_of_set"]

# folder 01..08 -> class (order established on the data, skeleton-data.md §2; NOT the paper's prose order)
SBU_CLASSES = ("approaching", "departing", "kicking", "pushing", "shaking hands", "hugging", "exchanging objects",
               "punching")
# official 5 folds over the 21 subject-pair sets
SBU_FOLDS = (("s01s02", "s03s04", "s05s02", "s06s04"), ("s02s03", "s02s07", "s03s05", "s05s03"),
             ("s01s03", "s01s07", "s07s01", "s07s03"), ("s02s01", "s02s06", "s03s02", "s03s06"),
             ("s04s02", "s04s03", "s04s06", "s06s02", "s06s03"))


def sbu_fold_of_set(set_name: str) -> int:
    """0-based fold index of a subject-pair set."""
    for k, sets in enumerate(SBU_FOLDS):
        if set_name in sets:
            return k
    raise ValueError(f"{set_name!r} is not one of the 21 SBU subject-pair sets")


def sbu_denormalize(x: np.ndarray) -> np.ndarray:
    """(..., 3) normalised SBU values -> millimetres: X = 1280 - 2560x, Y = 960 - 1920y, Z = 10000z / 7.8125."""
    x = np.asarray(x)
    out = np.empty_like(x)
    out[..., 0] = 1280 - 2560 * x[..., 0]
    out[..., 1] = 960 - 1920 * x[..., 1]
    out[..., 2] = x[..., 2] * 10000 / 7.8125
    return out


def read_sbu(path: str | os.PathLike, denormalize: bool = False, return_frames: bool = False):
    """(2, T, 15, 3) float32 (person, frame, joint, xyz); with ``return_frames`` also the (T,) frame indices."""
    a = load_table(path, 91, delimiter=",")
    frames = a[:, 0].astype(np.int64)
    if not np.array_equal(a[:, 0], frames):
        raise SkeletonFormatError(path, "frame index column is not integral", field="frame_index")
    x = a[:, 1:].reshape(-1, 2, 15, 3).transpose(1, 0, 2, 3)
    if denormalize:
        x = sbu_denormalize(x)
    x = np.ascontiguousarray(x, dtype=np.float32)
    return (x, frames) if return_frames else x


def list_sbu(root: str | os.PathLike) -> list[dict]:
    """One entry per ``skeleton_pos.txt``: path, set, fold (0-based), label (0-based), repetition, name."""
    root = Path(root)
    out = []
    for p in sorted(root.glob("s*s*/[0-9][0-9]/*/skeleton_pos.txt")):
        set_name, cls, rep = p.parts[-4], p.parts[-3], p.parts[-2]
        out.append({"path": p, "name": f"{set_name}/{cls}/{rep}", "set": set_name, "fold": sbu_fold_of_set(set_name),
                    "label": int(cls) - 1, "repetition": int(rep), "subject": set_name})
    return out
