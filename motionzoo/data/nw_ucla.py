"""Northwestern-UCLA Multiview Action3D, CTR-GCN JSON release (skeleton-data.md §6).

One JSON object per sequence ``aAA_sSS_eEE_vVV.json`` with ``file_name``, ``skeletons`` (T x 20 x 3, Kinect v1
SDK order, metres; one body) and ``label`` (1..10, contiguous).  ``val_label.pkl`` is never unpickled: the
cross-view split comes from the file names (train views 1 + 2, test view 3).
"""
from __future__ import annotations

import json
import os
import re
from pathlib import Path

import numpy as np

from .errors import SkeletonFormatError

__all__ = ["read_nw_ucla", "parse_nw_ucla_name", "list_nw_ucla", "NW_UCLA_CLASSES", "NW_UCLA_ACTION_IDS",
           "NW_UCLA_TRAIN_VIEWS"]

NW_UCLA_ACTION_IDS = (1, 2, 3, 4, 5, 6, 8, 9, 11, 12)  # file-name action id of JSON label 1..10
NW_UCLA_CLASSES = ("pick up with one hand", "pick up with two hands", "drop trash", "walk around", "sit down",
                   "stand up", "donning", "doffing", "throw", "carry")  # [README · L · unverified]
NW_UCLA_TRAIN_VIEWS = frozenset((1, 2))
_NAME = re.compile(r"^a(\d\d)_s(\d\d)_e(\d\d)_v(\d\d)$")


def parse_nw_ucla_name(name: str | os.PathLike) -> dict:
    stem = Path(name).name
    stem = stem[:-5] if stem.endswith(".json") else stem
    m = _NAME.match(stem)
    if not m:
        raise ValueError(f"{name!r} is not a NW-UCLA name aAA_sSS_eEE_vVV")
    a, s, e, v = map(int, m.groups())
    if a not in NW_UCLA_ACTION_IDS:
        raise ValueError(f"{name!r}: action id {a} is not one of {NW_UCLA_ACTION_IDS}")
    return {"name": stem, "action": a, "label": NW_UCLA_ACTION_IDS.index(a), "subject": s, "episode": e, "view": v}


def read_nw_ucla(path: str | os.PathLike) -> tuple[np.ndarray, int]:
    """(x, label): x float32 (1, T, 20, 3) (T >= 1), label 0-based (JSON ``label`` - 1), checked against the
    action id in the file name."""
    try:
        obj = json.loads(Path(path).read_text())
    except json.JSONDecodeError as e:
        raise SkeletonFormatError(path, f"invalid JSON: {e.msg}", line=e.lineno) from None
    for key in ("skeletons", "label"):
        if key not in obj:
            raise SkeletonFormatError(path, f"missing key {key!r}", field=key)
    try:
        x = np.asarray(obj["skeletons"], dtype=np.float64)
    except (ValueError, TypeError):
        raise SkeletonFormatError(path, "skeletons is not a numeric T x 20 x 3 array", field="skeletons") from None
    if x.ndim != 3 or x.shape[1:] != (20, 3) or x.shape[0] < 1:
        raise SkeletonFormatError(path, f"skeletons has shape {x.shape}, expected (T>=1, 20, 3)", field="skeletons")
    if not np.isfinite(x).all():
        raise SkeletonFormatError(path, "non-finite coordinates", field="skeletons")
    label = obj["label"]
    if not isinstance(label, int) or not 1 <= label <= 10:
        raise SkeletonFormatError(path, f"label {label!r} is not an int in 1..10", field="label")
    try:
        meta = parse_nw_ucla_name(obj.get("file_name", Path(path).stem))
    except ValueError as e:
        raise SkeletonFormatError(path, str(e), field="file_name") from None
    if meta["label"] != label - 1:
        raise SkeletonFormatError(path, f"label {label} disagrees with action a{meta['action']:02d} of the name",
                                  field="label")
    return x[None].astype(np.float32), label - 1


def list_nw_ucla(root: str | os.PathLike) -> list[dict]:
    root = Path(root)
    d = root / "all_sqe" if (root / "all_sqe").is_dir() else root
    return [{"path": p, **parse_nw_ucla_name(p)} for p in sorted(d.glob("a??_s??_e??_v??.json"))]
