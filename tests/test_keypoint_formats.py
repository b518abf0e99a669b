"""Pose-estimator keypoint formats (OpenPose body25, MediaPipe 33, COCO-17) and their conversion to the models'
formats, on hand-made poses (the reference body of motionzoo.data.reference_pose)."""
from __future__ import annotations

import numpy as np
import pytest
import torch

import motionzoo
from motionzoo.data import (conversion_rules, convert_keypoints, get_topology, list_keypoint_conversions,
                            reference_pose)


def test_body25_table():
    t = get_topology("openpose")
    assert t.name == "body25" and t.num_joints == 25
    # OpenPose BODY_25 output order, spot-checked by index
    assert [t.joint_names[i] for i in (0, 1, 4, 8, 11, 14, 15, 18, 19, 21, 24)] == [
        "nose", "neck", "r_wrist", "mid_hip", "r_ankle", "l_ankle", "r_eye", "l_ear", "l_big_toe", "l_heel", "r_heel"]
    # the bones are OpenPose's 24 rendering pairs
    pairs = {(1, 8), (1, 2), (1, 5), (2, 3), (3, 4), (5, 6), (6, 7), (8, 9), (9, 10), (10, 11), (8, 12), (12, 13),
             (13, 14), (1, 0), (0, 15), (15, 17), (0, 16), (16, 18), (14, 19), (19, 20), (14, 21), (11, 22),
             (22, 23), (11, 24)}
    assert {frozenset(b) for b in t.bones} == {frozenset(p) for p in pairs}
    assert t.mirror[2] == 5 and t.mirror[19] == 22 and t.mirror[8] == 8


def test_mediapipe33_table():
    t = get_topology("mediapipe")
    assert t.name == "mediapipe33" and t.num_joints == 33
    assert [t.joint_names[i] for i in (0, 2, 5, 7, 11, 16, 21, 24, 29, 32)] == [
        "nose", "l_eye", "r_eye", "l_ear", "l_shoulder", "r_wrist", "l_thumb", "r_hip", "l_heel", "r_foot_index"]
    assert len(t.edges) == 35 and (11, 23) in t.edges and (27, 31) in t.edges   # MediaPipe's POSE_CONNECTIONS
    # tree bones not in MediaPipe's list are exactly the documented nose-mouth and nose-shoulder links
    extra = {frozenset(b) for b in t.bones} - {frozenset(e) for e in t.edges}
    assert extra == {frozenset(p) for p in ((9, 0), (10, 0), (11, 0), (12, 0))}


SOURCES = ("coco17", "body25", "mediapipe33")


@pytest.mark.parametrize("src,dst", [p for p in list_keypoint_conversions() if p[0] in SOURCES])
def test_estimator_conversions_on_the_reference_body(src, dst):
    """Observed joints land exactly on the destination's reference points; synthesised ones within 12 cm of them
    (the feet from the ankle when the source has no foot, 11.7 cm, is the farthest) on a 1.75 m body."""
    x = reference_pose(src)
    out, valid = convert_keypoints(x, src, dst, synthesize=True)
    ref = reference_pose(dst)
    err = np.linalg.norm(out - ref, axis=-1)
    assert out.shape == ref.shape and out.dtype == np.float32
    np.testing.assert_allclose(err[valid], 0, atol=1e-6)
    assert err.max() < 0.12, {r.joint: e for r, e in zip(conversion_rules(src, dst), err)}
    rules = conversion_rules(src, dst)
    assert [r.observed for r in rules] == valid.tolist()
    assert [r.joint for r in rules] == list(get_topology(dst).joint_names)


def test_missing_joints_are_stated_and_need_consent():
    x = reference_pose("coco17", dims=2)[None, None]               # (M=1, T=1, 17, 2), 2D image keypoints
    with pytest.raises(ValueError) as e:
        convert_keypoints(x, "coco17", "ntu25")
    msg = str(e.value)
    assert "synthesize=True" in msg and "13 of 25" in msg
    assert "spine_base = mean(l_hip, r_hip)" in msg and "l_foot <- l_ankle (stand-in)" in msg
    out, valid = motionzoo.convert_keypoints(x, "coco17", "ntu25", synthesize=True)
    assert out.shape == (1, 1, 25, 2)
    ntu = get_topology("ntu25").joint_names
    assert sorted(ntu[j] for j in np.flatnonzero(~valid)) == sorted(
        ["spine_base", "spine_mid", "neck", "head", "spine_shoulder", "l_hand", "r_hand", "l_hand_tip", "r_hand_tip",
         "l_thumb", "r_thumb", "l_foot", "r_foot"])
    np.testing.assert_allclose(out[0, 0, ntu.index("spine_base")], x[0, 0, [11, 12]].mean(0))
    # conversions that only pick joints need no consent
    b25 = reference_pose("body25", dims=2)
    coco, valid = convert_keypoints(b25, "body25", "coco17")
    assert valid.all() and np.array_equal(coco, reference_pose("coco17", dims=2))


def test_conversion_keeps_scores_torch_and_nan_local():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(2, 6, 33, 4)).astype(np.float32)       # MediaPipe x, y, z, visibility
    x[0, 3, 31] = np.nan                                          # one lost landmark (left foot index)
    out, valid = convert_keypoints(x, "mediapipe33", "kinect_v1_20", synthesize=True)
    t_out, _ = convert_keypoints(torch.from_numpy(x), "mediapipe33", "kinect_v1_20", synthesize=True)
    assert isinstance(t_out, torch.Tensor) and t_out.shape == (2, 6, 20, 4)
    np.testing.assert_allclose(t_out.numpy(), out, rtol=1e-6, equal_nan=True)
    k20 = get_topology("kinect_v1_20").joint_names
    bad = np.isnan(out).any(-1)
    assert bad.sum() == 1 and bad[0, 3, k20.index("foot_left")]   # only the joint made from it
    np.testing.assert_array_equal(out[..., k20.index("elbow_right"), :], x[..., 14, :])
    with pytest.raises(ValueError, match="V=25"):
        convert_keypoints(x[..., :25, :], "mediapipe33", "coco17")
