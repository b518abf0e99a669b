"""MSR Action3D (Real3D skeletons), skeleton-data.md §4: ``aXX_sYY_eZZ_skeleton3D.txt``, 20 rows of
``x y z confidence`` per frame, MSR file order (gathered into ``kinect_v1_20`` by default)."""
from __future__ import annotations

import os
import re
from pathlib import Path

import numpy as np

from ._text import load_table
from .errors import SkeletonFormatError
from .topology import get_topology

__all__ = ["read_msr_action3d", "parse_msr_name", "list_msr_action3d", "MSR_ACTION3D_CLASSES", "MSR_BAD_FILES",
           "MSR_ACTION_SETS", "AllZeroSequenceError"]

MSR_ACTION3D_CLASSES = (
    "high arm wave", "horizontal arm wave", "hammer", "hand catch", "forward punch", "high throw", "draw x",
    "draw tick", "draw circle", "hand clap", "two hand wave", "side-boxing", "bend", "forward kick", "side kick",
    "jogging", "tennis swing", "tennis serve", "golf swing", "pick up & throw")  # [paper · L · unverified]
# known bad recordings: excluded by the dataset (with a warning, counted in its summary)
MSR_BAD_FILES = {"a13_s09_e02": "all coordinates are zero", "a13_s09_e03": "936-frame corrupt recording"}
# the 8-class subsets of Li et al. 2010 (1-based action ids) [paper · L · unverified]
MSR_ACTION_SETS = {"AS1": (2, 3, 5, 6, 10, 13, 18, 20), "AS2": (1, 4, 7, 8, 9, 11, 12, 14),
                   "AS3": (6, 14, 15, 16, 17, 18, 19, 20)}
_NAME = re.compile(r"^a(\d\d)_s(\d\d)_e(\d\d)")


class AllZeroSequenceError(SkeletonFormatError):
    """Every coordinate of the sequence is zero (e.g. MSR Action3D a13_s09_e02)."""


def parse_msr_name(name: str | os.PathLike) -> dict:
    m = _NAME.match(Path(name).name)
    if not m:
        raise ValueError(f"{name!r} is not an MSR Action3D name aXX_sYY_eZZ")
    a, s, e = map(int, m.groups())
    return {"action": a, "label": a - 1, "subject": s, "repetition": e, "name": f"a{a:02d}_s{s:02d}_e{e:02d}"}


def read_msr_action3d(path: str | os.PathLike, canonical: bool = True, return_confidence: bool = False,
                      allow_all_zero: bool = False):
    """(1, T, 20, 3) float32 metres (+ (1, T, 20) confidence).  A row count not divisible by 20 and an
    all-zero sequence raise `SkeletonFormatError` (`AllZeroSequenceError`) unless ``allow_all_zero``."""
    a = load_table(path, 4, field_names=("x", "y", "z", "confidence"))
    if len(a) % 20:
        raise SkeletonFormatError(path, f"{len(a)} rows is not a multiple of 20 joints (truncated file?)",
                                  line=len(a))
    a = a.reshape(-1, 20, 4)
    if canonical:
        a = a[:, list(get_topology("kinect_v1_20_msr").to_canonical)]
    if not allow_all_zero and not a[..., :3].any():
        raise AllZeroSequenceError(path, f"all coordinates are zero ({len(a)} frames)")
    x = np.ascontiguousarray(a[None, ..., :3], dtype=np.float32)
    return (x, np.ascontiguousarray(a[None, ..., 3], dtype=np.float32)) if return_confidence else x


def list_msr_action3d(root: str | os.PathLike) -> list[dict]:
    root = Path(root)
    d = root / "MSRAction3DSkeletonReal3D" if (root / "MSRAction3DSkeletonReal3D").is_dir() else root
    return [{"path": p, **parse_msr_name(p)} for p in sorted(d.glob("a??_s??_e??_skeleton3D.txt"))]
