"""Keypoint-format converters (zoo-conventions.md §4.6).

Every conversion is a table of rules, one per destination joint, written with joint names:

    same(j)          the source's joint j is the same body point (observed)
    mean(a, b, ...)  synthesised: the mean of source joints (e.g. Kinect spine_base = mean of the hips)
    weighted({...})  synthesised: a weighted sum of source joints whose weights add up to 1 (e.g. a hand
                     extrapolated along the forearm: wrist + 0.2 (wrist - elbow))
    stand_in(j)      synthesised: the nearest source joint stands in for a point the source lacks (e.g. a foot
                     from the ankle)

``convert_keypoints`` returns ``(keypoints, valid)``: keypoints (..., V_dst, C) in the destination order and a bool
mask (V_dst,) that is False for every synthesised joint.  ``conversion_rules(src, dst)`` lists the rules (the
missing joints and how they are made), so nothing is filled in silently.  Rules act on every channel alike, so a
score channel is averaged the same way as the coordinates (a stand-in joint gets its stand-in's score).

Conversions from the pose-estimator formats (coco17, OpenPose body25, MediaPipe mediapipe33) that synthesise
joints need ``synthesize=True``: the caller accepts the rules explicitly (§4.6: "never implicit").  The
Kinect-family conversions synthesise only what §4.6's table prescribes and need no flag.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Mapping

import numpy as np
import torch

from .topology import ESTIMATOR_FORMATS, get_topology

__all__ = ["convert_keypoints", "list_keypoint_conversions", "conversion_rules", "KeypointRule"]

_logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class KeypointRule:
    """How one destination joint is made: ``weights`` {source joint name: weight} (adding up to 1)."""

    joint: str
    weights: tuple[tuple[str, float], ...]
    observed: bool
    kind: str                               # same | mean | weighted | stand_in

    def __str__(self) -> str:
        if self.kind in ("same", "stand_in"):
            return f"{self.joint} <- {self.weights[0][0]}" + ("" if self.observed else " (stand-in)")
        if self.kind == "mean":
            return f"{self.joint} = mean({', '.join(n for n, _ in self.weights)})"
        terms = " + ".join(f"{w:g}*{n}" for n, w in self.weights)
        return f"{self.joint} = {terms}"


def same(j: str):
    return ("same", ((j, 1.0),))


def stand_in(j: str):
    return ("stand_in", ((j, 1.0),))


def mean(*js: str):
    return ("mean", tuple((j, 1.0 / len(js)) for j in js))


def weighted(w: Mapping[str, float]):
    return ("weighted", tuple(w.items()))


def _extrapolate(near: str, far: str, t: float):
    """near + t (near - far): a point beyond ``near`` on the line from ``far`` (e.g. a hand past the wrist)."""
    return weighted({near: 1.0 + t, far: -t})


def _by_name(src: str, dst: str, rename: Mapping[str, str] | None = None) -> dict:
    """Rules for a destination whose joints all exist in the source under the same (or renamed) names."""
    s = get_topology(src).joint_names
    rename = rename or {}
    return {j: same(rename.get(j, j)) for j in get_topology(dst).joint_names if rename.get(j, j) in s}


# -- Kinect family (§4.6 table) -------------------------------------------------------------------------------
def _ntu25_to_kinect_v1_20(shoulder_center_from: str = "neck") -> dict:
    if shoulder_center_from not in ("neck", "spine_shoulder"):
        raise ValueError("shoulder_center_from must be 'neck' or 'spine_shoulder'")
    k20, ntu = get_topology("kinect_v1_20").joint_names, get_topology("ntu25").joint_names
    # by index: hip_center <- spine_base, spine <- spine_mid, shoulder_center <- neck | spine_shoulder, head; the
    # arms and legs 4..19 correspond joint for joint
    rules = {k20[i]: same(ntu[i]) for i in range(20)}
    rules["shoulder_center"] = same(shoulder_center_from)
    return rules


def _kinect_v1_20_to_ntu25() -> dict:
    k20, ntu = get_topology("kinect_v1_20").joint_names, get_topology("ntu25").joint_names
    rules = {ntu[i]: same(k20[i]) for i in range(20)}
    rules.update(spine_shoulder=stand_in("shoulder_center"), l_hand_tip=stand_in("hand_left"),
                 l_thumb=stand_in("hand_left"), r_hand_tip=stand_in("hand_right"), r_thumb=stand_in("hand_right"))
    return rules


def _kinect_v1_20_to_sbu15() -> dict:
    # approximate: OpenNI joint definitions differ from the Kinect SDK ones (the model card says so)
    return {"head": same("head"), "neck": same("shoulder_center"), "torso": same("spine"),
            "l_shoulder": same("shoulder_left"), "l_elbow": same("elbow_left"), "l_hand": same("hand_left"),
            "r_shoulder": same("shoulder_right"), "r_elbow": same("elbow_right"), "r_hand": same("hand_right"),
            "l_hip": same("hip_left"), "l_knee": same("knee_left"), "l_foot": same("foot_left"),
            "r_hip": same("hip_right"), "r_knee": same("knee_right"), "r_foot": same("foot_right")}


# -- pose-estimator sources -> the models' formats --------------------------------------------------------------
# Shared pieces.  Hands are extrapolated along the forearm (hand 0.2, tip 0.7 forearm lengths past the wrist:
# Drillis-Contini hand length 0.108 H vs forearm 0.146 H), a head centre is the mean of the ears, a Kinect
# spine point a mix of the hip and shoulder midpoints at its height on the trunk.
_HIPS_SHOULDERS = {"l_hip": 0.25, "r_hip": 0.25, "l_shoulder": 0.25, "r_shoulder": 0.25}
_K1_SPINE = {"l_hip": 1 / 3, "r_hip": 1 / 3, "l_shoulder": 1 / 6, "r_shoulder": 1 / 6}
_NTU_NECK = {"l_shoulder": 0.25, "r_shoulder": 0.25, "l_ear": 0.25, "r_ear": 0.25}


def _limbs(hand, tip, thumb, foot) -> dict:
    """ntu25-named arm and leg rules for sources with l_/r_ shoulder..ankle; the hand/tip/thumb/foot rules are
    given per side as functions of the side prefix."""
    rules = {}
    for s in ("l_", "r_"):
        for j in ("shoulder", "elbow", "wrist", "hip", "knee", "ankle"):
            rules[s + j] = same(s + j)
        rules[s + "hand"], rules[s + "hand_tip"], rules[s + "thumb"] = hand(s), tip(s), thumb(s)
        rules[s + "foot"] = foot(s)
    return rules


def _to_kinect_v1_20(ntu_rules: dict, spine) -> dict:
    """kinect_v1_20 rules from a source's ntu25 rules (same body points, Kinect v1 names)."""
    rules = {"hip_center": ntu_rules["spine_base"], "spine": spine, "shoulder_center": ntu_rules["spine_shoulder"],
             "head": ntu_rules["head"]}
    for side, s in (("left", "l_"), ("right", "r_")):
        for j in ("shoulder", "elbow", "wrist", "hand", "hip", "knee", "ankle", "foot"):
            rules[f"{j}_{side}"] = ntu_rules[s + j]
    return rules


def _coco17_to_ntu25() -> dict:
    rules = _limbs(hand=lambda s: _extrapolate(s + "wrist", s + "elbow", 0.2),
                   tip=lambda s: _extrapolate(s + "wrist", s + "elbow", 0.7),
                   thumb=lambda s: _extrapolate(s + "wrist", s + "elbow", 0.2),
                   foot=lambda s: stand_in(s + "ankle"))
    rules.update(spine_base=mean("l_hip", "r_hip"), spine_mid=weighted(_HIPS_SHOULDERS), neck=weighted(_NTU_NECK),
                 head=mean("l_ear", "r_ear"), spine_shoulder=mean("l_shoulder", "r_shoulder"))
    return rules


def _body25_to_ntu25() -> dict:
    rules = _limbs(hand=lambda s: _extrapolate(s + "wrist", s + "elbow", 0.2),
                   tip=lambda s: _extrapolate(s + "wrist", s + "elbow", 0.7),
                   thumb=lambda s: _extrapolate(s + "wrist", s + "elbow", 0.2),
                   foot=lambda s: mean(s + "big_toe", s + "small_toe", s + "heel"))
    # OpenPose's neck is the base of the neck: Kinect v2's spine_shoulder
    rules.update(spine_base=same("mid_hip"), spine_mid=mean("mid_hip", "neck"),
                 neck=weighted({"neck": 0.5, "l_ear": 0.25, "r_ear": 0.25}), head=mean("l_ear", "r_ear"),
                 spine_shoulder=same("neck"))
    return rules


def _mediapipe33_to_ntu25() -> dict:
    # MediaPipe's pinky/index/thumb are finger knuckles and foot_index the toe tip
    rules = _limbs(hand=lambda s: mean(s + "wrist", s + "pinky", s + "index"),
                   tip=lambda s: _extrapolate(s + "index", s + "wrist", 1.0),
                   thumb=lambda s: same(s + "thumb"),
                   foot=lambda s: mean(s + "heel", s + "foot_index"))
    rules.update(spine_base=mean("l_hip", "r_hip"), spine_mid=weighted(_HIPS_SHOULDERS), neck=weighted(_NTU_NECK),
                 head=mean("l_ear", "r_ear"), spine_shoulder=mean("l_shoulder", "r_shoulder"))
    return rules


def _file_order_to_canonical(name: str):
    def rules():
        t = get_topology(name)
        return {get_topology(t.canonical).joint_names[c]: same(t.joint_names[f]) for c, f in enumerate(t.to_canonical)}
    return rules


# (src, dst) -> rule builder; a pose-estimator source (ESTIMATOR_FORMATS) needs synthesize=True when it synthesises
_CONVERTERS = {
    ("ntu25", "kinect_v1_20"): _ntu25_to_kinect_v1_20,
    ("kinect_v1_20", "ntu25"): _kinect_v1_20_to_ntu25,
    ("ntu25", "natops8"): lambda: _by_name("ntu25", "natops8"),
    ("kinect_v1_20", "sbu15"): _kinect_v1_20_to_sbu15,
    ("kinect_v1_20_utd", "kinect_v1_20"): _file_order_to_canonical("kinect_v1_20_utd"),
    ("kinect_v1_20_msr", "kinect_v1_20"): _file_order_to_canonical("kinect_v1_20_msr"),
    ("coco17", "ntu25"): _coco17_to_ntu25,
    ("coco17", "kinect_v1_20"): lambda: _to_kinect_v1_20(_coco17_to_ntu25(), weighted(_K1_SPINE)),
    ("body25", "coco17"): lambda: _by_name("body25", "coco17"),
    ("body25", "ntu25"): _body25_to_ntu25,
    ("body25", "kinect_v1_20"): lambda: _to_kinect_v1_20(_body25_to_ntu25(),
                                                          weighted({"mid_hip": 2 / 3, "neck": 1 / 3})),
    ("mediapipe33", "coco17"): lambda: _by_name("mediapipe33", "coco17"),
    ("mediapipe33", "ntu25"): _mediapipe33_to_ntu25,
    ("mediapipe33", "kinect_v1_20"): lambda: _to_kinect_v1_20(_mediapipe33_to_ntu25(), weighted(_K1_SPINE)),
}


def list_keypoint_conversions() -> list[tuple[str, str]]:
    return list(_CONVERTERS)


def conversion_rules(src: str, dst: str, **options) -> list[KeypointRule]:
    """The rule of every destination joint, in destination order (``str(rule)`` reads as the rule)."""
    s, d = get_topology(src).name, get_topology(dst).name
    if s == d:
        return [KeypointRule(j, ((j, 1.0),), True, "same") for j in get_topology(s).joint_names]
    if (s, d) not in _CONVERTERS:
        raise ValueError(f"no converter {s} -> {d}; available: {list_keypoint_conversions()}")
    table = _CONVERTERS[(s, d)](**options)
    names_src, names_dst = get_topology(s).joint_names, get_topology(d).joint_names
    missing = [j for j in names_dst if j not in table]
    unknown = sorted({n for kind, w in table.values() for n, _ in w if n not in names_src})
    if missing or unknown or len(table) != len(names_dst):
        raise RuntimeError(f"{s} -> {d} rule table is broken: no rule for {missing}, unknown source joints {unknown}")
    return [KeypointRule(j, table[j][1], table[j][0] == "same", table[j][0]) for j in names_dst]


def _apply(x, rules: list[KeypointRule], src: str):
    index = {n: i for i, n in enumerate(get_topology(src).joint_names)}
    if all(len(r.weights) == 1 for r in rules):     # pure re-indexing: exact, keeps the dtype
        idx = [index[r.weights[0][0]] for r in rules]
        return x[..., torch.as_tensor(idx), :] if isinstance(x, torch.Tensor) else np.asarray(x)[..., idx, :]
    is_torch = isinstance(x, torch.Tensor)
    xs = x if is_torch else np.asarray(x)
    if not (xs.dtype.is_floating_point if is_torch else np.issubdtype(xs.dtype, np.floating)):
        xs = xs.float() if is_torch else xs.astype(np.float32)
    # only the named source joints enter each sum, so a NaN elsewhere stays where it is
    cols = [sum(w * xs[..., index[n], :] for n, w in r.weights) for r in rules]
    return torch.stack(cols, dim=-2) if is_torch else np.stack(cols, axis=-2).astype(xs.dtype, copy=False)


def convert_keypoints(x, src: str, dst: str, synthesize: bool = False, **options):
    """(keypoints, valid) in format ``dst`` from ``x`` (..., V_src, C) in format ``src`` (numpy or torch).

    ``valid`` (V_dst,) bool is False for synthesised joints; ``conversion_rules(src, dst)`` says how each is made.
    ``synthesize=True`` accepts the synthesis rules of a pose-estimator source (coco17, body25, mediapipe33).
    Options: ``shoulder_center_from`` ('neck' | 'spine_shoulder') for ntu25 -> kinect_v1_20.  Identity when equal.

        kp, valid = convert_keypoints(coco, "coco17", "ntu25", synthesize=True)
    """
    s, d = get_topology(src).name, get_topology(dst).name
    V = get_topology(s).num_joints
    if x.shape[-2] != V:
        raise ValueError(f"keypoints have V={x.shape[-2]} joints, format {s!r} has {V}")
    if s == d:
        return x, np.ones(V, bool)
    rules = conversion_rules(s, d, **options)
    synthesised = [r for r in rules if not r.observed]
    if synthesised and s in ESTIMATOR_FORMATS and not synthesize:
        raise ValueError(
            f"{s} -> {d} synthesises {len(synthesised)} of {len(rules)} joints, which needs synthesize=True "
            "(--synthesize on the command line):\n  "
            + "\n  ".join(str(r) for r in synthesised)
            + f"\n(motionzoo.data.conversion_rules({s!r}, {d!r}) lists every rule)")
    if synthesised:
        _logger.info("%s -> %s: synthesised joints %s", s, d, [r.joint for r in synthesised])
    return _apply(x, rules, s), np.array([r.observed for r in rules])
