"""pyskl / mmaction2 skeleton annotation pickles, read without running pickle code.

The de-facto interchange format of skeleton action recognition (pyskl's ``tools/data`` and mmaction2's
``PoseDataset``) is one pickle holding

    {"split": {"xsub_train": [frame_dir, ...], "xsub_val": [...], ...},
     "annotations": [{"frame_dir": str, "label": int, "keypoint": (M, T, V, C) float,
                      "keypoint_score": (M, T, V) float (2D pose-estimator data), "total_frames": T,
                      "img_shape": (h, w) (optional), ...}, ...]}

Pickles can run arbitrary code when loaded, so they are read through ``motionzoo._hub.safe_pickle_load``: only
plain containers and numpy arrays are admitted, and anything else is refused with an error naming the global
it refused, before it is called.  The files do not record their keypoint format: 17 joints are coco17 (pyskl's
HRNet 2D data); for 25 joints (ntu25 3D, or OpenPose body25) pass ``keypoint_format``.

    ds = PysklDataset("ntu60_hrnet.pkl", split="xsub_train")          # (sample (M, T, V, 3) x, y, score, label)
"""
from __future__ import annotations

import os
import pickle
from pathlib import Path
from typing import Any, Callable, Mapping, Sequence

import numpy as np

from .._hub import safe_pickle_load
from .datasets import SkeletonDataset, assemble_sample
from .errors import SkeletonFormatError
from .topology import KEYPOINT_FORMATS, get_topology, list_topologies

__all__ = ["read_pyskl", "write_pyskl", "PysklDataset", "infer_keypoint_format"]

def _fail(path, i, ann, field, message):
    who = f"annotation {i}" + (f" ({ann.get('frame_dir')!r})" if isinstance(ann, Mapping) and "frame_dir" in ann
                               else "")
    raise SkeletonFormatError(path, f"{who}: {message}", field=field)


def _check_annotation(path, i: int, ann) -> dict:
    if not isinstance(ann, Mapping):
        _fail(path, i, None, None, f"expected a dict, got {type(ann).__name__}")
    for key in ("frame_dir", "label", "keypoint", "total_frames"):
        if key not in ann:
            _fail(path, i, ann, key, f"missing key {key!r} (keys: {sorted(ann)})")
    out = dict(ann)
    if not isinstance(ann["frame_dir"], str):
        _fail(path, i, ann, "frame_dir", f"must be a string, got {type(ann['frame_dir']).__name__}")
    try:
        out["label"] = int(ann["label"])
    except (TypeError, ValueError):
        _fail(path, i, ann, "label", f"must be an integer, got {ann['label']!r}")
    if out["label"] < 0:
        _fail(path, i, ann, "label", f"must be >= 0, got {out['label']}")
    kp = ann["keypoint"]
    if not isinstance(kp, np.ndarray) or kp.ndim != 4 or not np.issubdtype(kp.dtype, np.number):
        _fail(path, i, ann, "keypoint", f"must be a numeric (M, T, V, C) array, got "
                                        f"{getattr(kp, 'shape', type(kp).__name__)}")
    if not np.isfinite(kp).all():
        _fail(path, i, ann, "keypoint", "contains NaN or infinite values")
    T = kp.shape[1]
    if int(ann["total_frames"]) != T:
        _fail(path, i, ann, "total_frames", f"{ann['total_frames']} but keypoint has T={T} frames")
    if T == 0:
        _fail(path, i, ann, "keypoint", "has 0 frames")
    out["keypoint"] = kp.astype(np.float32, copy=False)
    if ann.get("keypoint_score") is not None:
        sc = ann["keypoint_score"]
        if not isinstance(sc, np.ndarray) or sc.shape != kp.shape[:3]:
            _fail(path, i, ann, "keypoint_score", f"must be (M, T, V) = {kp.shape[:3]}, got "
                                                  f"{getattr(sc, 'shape', type(sc).__name__)}")
        out["keypoint_score"] = sc.astype(np.float32, copy=False)
    if ann.get("img_shape") is not None:
        shape = tuple(int(v) for v in ann["img_shape"])
        if len(shape) != 2:
            _fail(path, i, ann, "img_shape", f"must be (height, width), got {ann['img_shape']!r}")
        out["img_shape"] = shape
    return out


def _validate(path, obj) -> dict:
    if not isinstance(obj, Mapping) or "annotations" not in obj:
        raise SkeletonFormatError(path, "expected a dict with 'annotations' (and 'split'), got "
                                  + (f"keys {sorted(obj)}" if isinstance(obj, Mapping) else type(obj).__name__),
                                  field="annotations")
    anns = [_check_annotation(path, i, a) for i, a in enumerate(obj["annotations"])]
    V = {a["keypoint"].shape[2] for a in anns}
    C = {a["keypoint"].shape[3] for a in anns}
    if len(V) > 1 or len(C) > 1:
        raise SkeletonFormatError(path, f"annotations differ in joints V {sorted(V)} or channels C {sorted(C)}",
                                  field="keypoint")
    dirs = [a["frame_dir"] for a in anns]
    if len(set(dirs)) != len(dirs):
        raise SkeletonFormatError(path, "frame_dir values must be unique", field="frame_dir")
    split = obj.get("split") or {}
    if not isinstance(split, Mapping):
        raise SkeletonFormatError(path, f"split must be a dict of name lists, got {type(split).__name__}",
                                  field="split")
    known = set(dirs)
    out_split = {}
    for name, members in split.items():
        members = [str(m) for m in members]
        unknown = [m for m in members if m not in known]
        if unknown:
            raise SkeletonFormatError(path, f"split {name!r} names {len(unknown)} frame_dir(s) that have no "
                                      f"annotation, e.g. {unknown[:3]}", field="split")
        out_split[str(name)] = members
    return {"split": out_split, "annotations": anns}


def read_pyskl(path: str | os.PathLike) -> dict:
    """``{"split": {name: [frame_dir]}, "annotations": [dict]}`` from a pyskl pickle, validated; arrays float32."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"pyskl annotation file not found: {path}")
    try:
        obj = safe_pickle_load(path)
    except (pickle.UnpicklingError, EOFError) as e:
        raise SkeletonFormatError(path, f"not a readable pickle: {e}") from None
    return _validate(path, obj)


def write_pyskl(path: str | os.PathLike, annotations: Sequence[Mapping[str, Any]],
                split: Mapping[str, Sequence[str]] | None = None, protocol: int = 4) -> Path:
    """Write a pyskl pickle of plain dicts and numpy arrays (``total_frames`` is filled in when absent)."""
    path = Path(path)
    anns = [{**a, "total_frames": a.get("total_frames", np.asarray(a["keypoint"]).shape[1]),
             "keypoint": np.asarray(a["keypoint"], np.float32)} for a in annotations]
    obj = _validate(path, {"split": {k: list(v) for k, v in (split or {}).items()}, "annotations": anns})
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as f:
        pickle.dump(obj, f, protocol=protocol)
    return path


def infer_keypoint_format(path, V: int) -> str:
    """The keypoint format with ``V`` joints when exactly one has that many; otherwise an error asking for it."""
    cands = [n for n in KEYPOINT_FORMATS if get_topology(n).num_joints == V]
    if len(cands) == 1:
        return cands[0]
    raise SkeletonFormatError(path, f"{V} joints per frame: pass keypoint_format= (formats with {V} joints: "
                              f"{cands or 'none'}; all formats: {list_topologies()})", field="keypoint")


class PysklDataset(SkeletonDataset):
    """A pyskl annotation pickle as a Dataset: ``(sample (M, T, V, C[+1]) float32, label)``.  ``split`` is a key
    of the file's ``split`` dict (e.g. 'xsub_train') or 'all'.  ``keypoint_score`` is appended as the last
    channel (pyskl's 2D convention x, y, score) unless ``scores='drop'``.  ``classes``: class names (the files
    have none; default ``class_0`` ... up to the largest label)."""

    dataset_name = "pyskl"

    def __init__(self, path, split: str = "all", keypoint_format: str | None = None,
                 classes: Sequence[str] | None = None, transform: Callable | None = None, scores: str = "append",
                 return_meta: bool = False, cache: bool = False, cache_dir=None):
        if scores not in ("append", "drop"):
            raise ValueError(f"scores must be 'append' or 'drop', got {scores!r}")
        data = read_pyskl(path)
        anns = data["annotations"]
        if not anns:
            raise SkeletonFormatError(path, "no annotations", field="annotations")
        if split != "all" and split not in data["split"]:
            raise ValueError(f"{path}: no split {split!r}; splits: {sorted(data['split'])} or 'all'")
        V = anns[0]["keypoint"].shape[2]
        self.topology = get_topology(keypoint_format).name if keypoint_format else infer_keypoint_format(path, V)
        if get_topology(self.topology).num_joints != V:
            raise SkeletonFormatError(path, f"keypoint_format {self.topology!r} has "
                                      f"{get_topology(self.topology).num_joints} joints, the file has {V}",
                                      field="keypoint")
        top = max(a["label"] for a in anns)
        self.classes = tuple(classes) if classes is not None else tuple(f"class_{k}" for k in range(top + 1))
        if top >= len(self.classes):
            raise SkeletonFormatError(path, f"label {top} but only {len(self.classes)} class names", field="label")
        members = set(data["split"][split]) if split != "all" else None
        self._anns = [a for a in anns if members is None or a["frame_dir"] in members]
        self._scores = scores if all(a.get("keypoint_score") is not None for a in self._anns) else "none"
        self.num_bodies = max(a["keypoint"].shape[0] for a in self._anns)
        self.num_channels = anns[0]["keypoint"].shape[3] + (self._scores == "append")
        super().__init__(path, split=split, transform=transform, return_meta=return_meta, cache=cache,
                         cache_dir=cache_dir, keypoint_format=self.topology, scores=self._scores)

    def _check_split(self, split: str) -> None:
        pass   # the file's own split names, checked above

    def _sources(self):
        return [Path(self.root)]

    def _build(self):
        for a in self._anns:
            x, mask = assemble_sample(a["keypoint"], a["keypoint_score"] if self._scores == "append" else None,
                                      self.num_bodies)
            meta = {"name": a["frame_dir"], "num_bodies": int(mask.any(axis=1).sum()), "num_frames": int(x.shape[1])}
            if "img_shape" in a:
                meta["img_shape"] = list(a["img_shape"])
            yield x, mask, a["label"], meta
