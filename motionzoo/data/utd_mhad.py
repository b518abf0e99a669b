"""UTD-MHAD skeleton modality, skeleton-data.md §3: ``a<action>_s<subject>_t<trial>_skeleton.mat`` with
``d_skel`` float64 (20, 3, T) in the UTD file order; readers gather it into ``kinect_v1_20`` by default."""
from __future__ import annotations

import os
import re
from pathlib import Path

import numpy as np

from .errors import SkeletonFormatError
from .topology import get_topology

__all__ = ["read_utd_mhad", "parse_utd_name", "list_utd_mhad", "UTD_MHAD_CLASSES", "UTD_MHAD_XSUB_TRAIN"]

UTD_MHAD_CLASSES = (
    "right arm swipe to the left", "right arm swipe to the right", "right hand wave", "two hand front clap",
    "right arm throw", "cross arms in the chest", "basketball shoot", "right hand draw x",
    "right hand draw circle (clockwise)", "right hand draw circle (counter clockwise)", "draw triangle",
    "bowling (right hand)", "front boxing", "baseball swing from right", "tennis right hand forehand swing",
    "arm curl (two arms)", "tennis serve", "two hand push", "right hand knock on door", "right hand catch an object",
    "right hand pick up and throw", "jogging in place", "walking in place", "sit to stand", "stand to sit",
    "forward lunge (left foot forward)", "squat (two arms stretch out)")  # names [README · L · unverified]
UTD_MHAD_XSUB_TRAIN = frozenset((1, 3, 5, 7))
_NAME = re.compile(r"^a(\d+)_s(\d+)_t(\d+)")


def parse_utd_name(name: str | os.PathLike) -> dict:
    m = _NAME.match(Path(name).name)
    if not m:
        raise ValueError(f"{name!r} is not a UTD-MHAD name a<action>_s<subject>_t<trial>")
    a, s, t = map(int, m.groups())
    return {"action": a, "label": a - 1, "subject": s, "trial": t, "name": f"a{a}_s{s}_t{t}"}


def read_utd_mhad(path: str | os.PathLike, canonical: bool = True) -> np.ndarray:
    """(1, T, 20, 3) float32 in metres; ``canonical=True`` gathers into kinect_v1_20 order, else UTD file order."""
    from scipy.io import loadmat

    try:
        mat = loadmat(str(path))
    except Exception as e:  # scipy raises several types for a damaged file
        raise SkeletonFormatError(path, f"not a readable MATLAB file ({type(e).__name__}: {e})") from None
    if "d_skel" not in mat:
        raise SkeletonFormatError(path, f"no variable 'd_skel' (found {sorted(k for k in mat if not k.startswith('_'))})",
                                  field="d_skel")
    d = np.asarray(mat["d_skel"])
    if d.ndim == 2 and d.shape == (20, 3):
        d = d[..., None]
    if d.ndim != 3 or d.shape[:2] != (20, 3) or d.shape[2] < 1:
        raise SkeletonFormatError(path, f"d_skel has shape {d.shape}, expected (20, 3, T>=1)", field="d_skel")
    if not np.isfinite(d).all():
        raise SkeletonFormatError(path, "non-finite coordinates", field="d_skel")
    x = d.transpose(2, 0, 1)  # (T, 20, 3)
    if canonical:
        x = x[:, list(get_topology("kinect_v1_20_utd").to_canonical)]
    return np.ascontiguousarray(x[None], dtype=np.float32)


def list_utd_mhad(root: str | os.PathLike) -> list[dict]:
    root = Path(root)
    d = root / "Skeleton" if (root / "Skeleton").is_dir() else root
    out = []
    for p in sorted(d.glob("a*_s*_t*_skeleton.mat"), key=lambda p: tuple(parse_utd_name(p)[k] for k in
                                                                        ("action", "subject", "trial"))):
        out.append({"path": p, **parse_utd_name(p)})
    return out
