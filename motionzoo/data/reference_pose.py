"""A reference body: one standing pose (arms hanging, slightly abducted) in metres, for every keypoint format.

It gives each format's *reference bone lengths* (what ``motionzoo.check_input`` compares a sample's bone-length
ratios with) and hand-made test poses.  The segment lengths follow the classical anthropometric proportions of
body height H (Drillis & Contini 1966, as tabulated in Winter, *Biomechanics and Motor Control of Human
Movement*): upper arm 0.186 H, forearm 0.146 H, hand 0.108 H, thigh 0.245 H, shank 0.246 H, shoulder width
0.259 H (here biacromial ~0.23 H), hip width 0.191 H, with H = 1.75 m.  Only ratios matter to the checks; the
absolute scale is metres so that a 3D sample's unit can be recognised.

Coordinates follow Kinect camera space for a subject facing the camera (the convention of the Kinect-family
datasets): x towards the subject's right, y up, z away from the camera (the subject's forward is -z).

    >>> reference_pose("coco17").shape
    (17, 3)
"""
from __future__ import annotations

import numpy as np

from .topology import get_topology

__all__ = ["reference_pose", "reference_point_name", "REFERENCE_POINTS"]

# name -> (x, y, z) in metres; bilateral points are given for the left side (x < 0) and mirrored for the right
_LEFT = {
    "eye_inner": (-0.018, 1.66, -0.085), "eye": (-0.032, 1.66, -0.080), "eye_outer": (-0.048, 1.66, -0.075),
    "ear": (-0.075, 1.63, 0.0), "mouth": (-0.025, 1.57, -0.090),
    "shoulder": (-0.200, 1.43, 0.0), "elbow": (-0.220, 1.12, 0.0), "wrist": (-0.240, 0.87, 0.0),
    "hand": (-0.245, 0.82, 0.0), "hand_tip": (-0.250, 0.70, 0.0), "thumb": (-0.235, 0.79, -0.04),
    "pinky": (-0.265, 0.80, 0.01), "index": (-0.240, 0.79, -0.02),
    "hip": (-0.090, 0.93, 0.0), "knee": (-0.100, 0.50, 0.0), "ankle": (-0.100, 0.08, 0.0),
    "heel": (-0.100, 0.02, 0.05), "foot": (-0.110, 0.02, -0.10), "big_toe": (-0.090, 0.01, -0.17),
    "small_toe": (-0.140, 0.01, -0.14), "foot_index": (-0.100, 0.01, -0.17)
}
_MIDLINE = {
    "head": (0.0, 1.62, 0.0), "nose": (0.0, 1.62, -0.10),
    "neck": (0.0, 1.52, 0.0),             # Kinect v2 neck: halfway up the neck
    "spine_shoulder": (0.0, 1.44, 0.0),   # base of the neck between the shoulders (OpenPose "neck", Kinect v1
                                          # shoulder_center, OpenNI neck)
    "spine_mid": (0.0, 1.20, 0.0),        # Kinect v2 spine_mid, OpenNI torso
    "spine": (0.0, 1.10, 0.0),            # Kinect v1 spine (lower)
    "mid_hip": (0.0, 0.95, 0.0),          # Kinect spine_base / hip_center, OpenPose mid_hip
}
REFERENCE_POINTS: dict[str, tuple[float, float, float]] = dict(_MIDLINE)
for _n, (_x, _y, _z) in _LEFT.items():
    REFERENCE_POINTS["l_" + _n] = (_x, _y, _z)
    REFERENCE_POINTS["r_" + _n] = (-_x, _y, _z)

# joint names that mean another reference point in a given format
_FORMAT_ALIASES = {
    "ntu25": {"spine_base": "mid_hip"},
    "kinect_v1_20": {"hip_center": "mid_hip", "shoulder_center": "spine_shoulder"},
    "sbu15": {"neck": "spine_shoulder", "torso": "spine_mid"},
    "body25": {"neck": "spine_shoulder"},
}


def _side_first(name: str) -> str:
    """'shoulder_left' -> 'l_shoulder' (Kinect v1 SDK names put the side last)."""
    for suffix, prefix in (("_left", "l_"), ("_right", "r_")):
        if name.endswith(suffix):
            return prefix + name[: -len(suffix)]
    return name


def reference_point_name(keypoint_format: str, joint: str) -> str:
    """The reference point that joint ``joint`` of ``keypoint_format`` stands for."""
    topo = get_topology(keypoint_format)
    base = topo.canonical or topo.name
    base = "ntu25" if base.startswith("ntu25") else base
    name = _FORMAT_ALIASES.get(base, {}).get(joint, _side_first(joint))
    if name not in REFERENCE_POINTS:
        raise KeyError(f"{keypoint_format}: joint {joint!r} has no reference point")
    return name


def reference_pose(keypoint_format: str, dims: int = 3) -> np.ndarray:
    """(V, dims) float32: the reference body in ``keypoint_format``'s joint order (dims=2: the frontal
    projection x, y, as a camera facing the subject sees it)."""
    topo = get_topology(keypoint_format)
    pts = np.array([REFERENCE_POINTS[reference_point_name(topo.name, j)] for j in topo.joint_names], np.float32)
    return pts[:, :dims]
