"""Keypoint-format converters (zoo-conventions.md §4.6).  Every converter returns ``(keypoints, valid)``:
keypoints (..., V_dst, C) in the destination joint order and a bool mask (V_dst,) that is False where a joint
was synthesised rather than observed."""
from __future__ import annotations

import numpy as np
import torch

from .topology import get_topology

__all__ = ["convert_keypoints", "list_keypoint_conversions"]


def _gather(x, index):
    if isinstance(x, torch.Tensor):
        return x[..., torch.as_tensor(index), :]
    return np.asarray(x)[..., list(index), :]


def _ntu25_to_kinect_v1_20(x, shoulder_center_from: str = "neck"):
    if shoulder_center_from not in ("neck", "spine_shoulder"):
        raise ValueError("shoulder_center_from must be 'neck' or 'spine_shoulder'")
    # kinect_v1_20 names by index: hip_center<-spine_base, spine<-spine_mid, shoulder_center<-neck|spine_shoulder,
    # head<-head, then arms and legs 4..19 identical by name
    idx = [0, 1, 2 if shoulder_center_from == "neck" else 20, 3] + list(range(4, 20))
    return _gather(x, idx), np.ones(20, bool)


def _kinect_v1_20_to_ntu25(x):
    # spine_shoulder <- shoulder_center; hand tips and thumbs <- hands (synthesised, flagged invalid)
    idx = list(range(20)) + [2, 7, 7, 11, 11]
    valid = np.ones(25, bool)
    valid[20:] = False
    return _gather(x, idx), valid


def _ntu25_to_natops8(x):
    return _gather(x, [21, 23, 5, 9, 6, 10, 22, 24]), np.ones(8, bool)


def _kinect_v1_20_to_sbu15(x):
    # approximate: OpenNI joint definitions differ from the Kinect SDK ones
    idx = [3, 2, 1, 4, 5, 7, 8, 9, 11, 12, 13, 15, 16, 17, 19]
    return _gather(x, idx), np.ones(15, bool)


def _file_order_to_canonical(name):
    def conv(x):
        t = get_topology(name)
        return _gather(x, t.to_canonical), np.ones(t.num_joints, bool)
    return conv


_CONVERTERS = {
    ("ntu25", "kinect_v1_20"): _ntu25_to_kinect_v1_20,
    ("kinect_v1_20", "ntu25"): _kinect_v1_20_to_ntu25,
    ("ntu25", "natops8"): _ntu25_to_natops8,
    ("kinect_v1_20", "sbu15"): _kinect_v1_20_to_sbu15,
    ("kinect_v1_20_utd", "kinect_v1_20"): _file_order_to_canonical("kinect_v1_20_utd"),
    ("kinect_v1_20_msr", "kinect_v1_20"): _file_order_to_canonical("kinect_v1_20_msr"),
}


def list_keypoint_conversions() -> list[tuple[str, str]]:
    return list(_CONVERTERS)


def convert_keypoints(x, src: str, dst: str, **options):
    """(keypoints, valid) in format ``dst`` from ``x`` (..., V_src, C) in format ``src``.  Identity when equal.
    Options: ``shoulder_center_from`` for ntu25 -> kinect_v1_20.  coco17 conversions need explicit synthesis
    rules and are not implicit."""
    s, d = get_topology(src).name, get_topology(dst).name
    V = get_topology(s).num_joints
    if x.shape[-2] != V:
        raise ValueError(f"keypoints have V={x.shape[-2]} joints, format {s!r} has {V}")
    if s == d:
        return x, np.ones(V, bool)
    if (s, d) not in _CONVERTERS:
        raise ValueError(f"no converter {s} -> {d}; available: {list_keypoint_conversions()}")
    return _CONVERTERS[(s, d)](x, **options)
