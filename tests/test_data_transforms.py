"""Skeleton transforms: two-centre normalisation, time handling, HPC 350-frame resampling, augmentation,
skeleton -> image (reproduces the NAS thesis statistics on UTD-MHAD), keypoint converters."""
from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from conftest import need_shared
from motionzoo.data import (SkeletonToImage, bones, first_frame_normalize, motion, center_on_joint, convert_keypoints, fixed_length,
                            get_topology, hpc_frame_features, random_start_crop, resample_hpc350, resample_linspace,
                            rnn_windows, rotation_matrix, select_most_active, skeleton_to_image, temporal_window,
                            two_centre_normalize)


def _rand(M=1, T=7, V=25, seed=0):
    return np.random.default_rng(seed).normal(0, 1, (M, T, V, 3)).astype(np.float32)


def test_two_centre_normalize_ntu():
    x = _rand(T=4)
    x[:, 2] = 0  # a padding frame stays zero
    y = two_centre_normalize(x, "ntu25")
    up = x[0, 0, [2, 8, 4, 20]].mean(0)
    lo = x[0, 0, [1, 0, 16, 12]].mean(0)
    arm = [4, 5, 6, 7, 8, 9, 10, 11, 21, 22, 23, 24]
    other = [j for j in range(25) if j not in arm]
    np.testing.assert_allclose(y[0, 0, arm], x[0, 0, arm] - up, atol=1e-6)
    np.testing.assert_allclose(y[0, 0, other], x[0, 0, other] - lo, atol=1e-6)
    assert not y[0, 2].any()
    t = two_centre_normalize(torch.from_numpy(x), "ntu25")
    assert isinstance(t, torch.Tensor) and torch.allclose(t, torch.from_numpy(y))
    k = two_centre_normalize(_rand(V=20), "kinect_v1_20_utd")  # file orders use the analogous joints
    assert k.shape == (1, 7, 20, 3)


def test_center_and_body_selection():
    x = _rand(M=2)
    c = center_on_joint(x, "ntu25")
    assert not c[:, :, 0].any()
    f = center_on_joint(x, "ntu25", mode="first")
    np.testing.assert_allclose(f[:, 0, 0], 0, atol=1e-6)
    x[1] *= 5  # body 1 moves most
    s = select_most_active(x, k=3)
    assert s.shape == (3, 7, 25, 3) and np.array_equal(s[0], x[1]) and not s[2].any()


def test_time_handling_including_one_frame():
    x = _rand(T=1)
    assert fixed_length(x, 5, pad="prepend").shape == (1, 5, 25, 3)
    assert np.array_equal(fixed_length(x, 5, pad="prepend")[0, -1], x[0, 0])
    assert np.array_equal(fixed_length(x, 5, pad="append")[0, 0], x[0, 0])
    assert np.array_equal(resample_linspace(x, 4)[0, 3], x[0, 0])
    assert rnn_windows(x, 100) == []  # < 5 frames: dropped
    long = _rand(T=130)
    w = rnn_windows(long, 100, train=True)
    assert len(w) == 2 and np.array_equal(w[0], long[:, :100]) and np.array_equal(w[1], long[:, 30:])
    assert len(rnn_windows(long, 100, train=False)) == 1
    mid = rnn_windows(_rand(T=60), 100)[0]
    assert mid.shape[1] == 100 and not mid[:, :40].any() and mid[:, 40:].all()
    assert temporal_window(long, 10, "last").shape[1] == 10
    y = random_start_crop(long, p=1.0, rng=np.random.default_rng(3))
    k = int((np.abs(y).sum(axis=(0, 2, 3)) == 0).sum())
    assert y.shape == long.shape and 0 <= k <= 39 and np.array_equal(y[:, k:], long[:, k:])
    assert np.array_equal(resample_linspace(_rand(T=10), 4)[0, 1], _rand(T=10)[0, 3])


@pytest.mark.parametrize("L, expect", [
    (100, dict(R=4, full_gaps=83, partial=1)),
    (128, dict(R=3, full_gaps=111, partial=0)),
    (50, dict(R=7, full_gaps=49, partial=0)),
    (175, dict(R=2, full_gaps=174, partial=0)),
])
def test_resample_hpc350_matches_spec(L, expect):
    f = np.arange(L, dtype=np.float64)[:, None] * np.ones((1, 68))
    out = resample_hpc350(f)
    assert out.shape == (350, 68)
    v = out[:, 0]
    R = expect["R"]
    assert R == math.ceil(350 / L)
    # the first gap holds R-1 evenly spaced inserts at j/R
    np.testing.assert_allclose(v[:R + 1], np.arange(R + 1) / R)
    n_inserted_full = expect["full_gaps"] * (R - 1) + expect["partial"]
    assert n_inserted_full == min(350 - L, (L - 1) * (R - 1))
    # after the budget is spent the remaining originals follow, then copies of the last frame
    assert v[-1] == L - 1 and np.all(np.diff(v) >= 0)
    assert len(np.unique(v)) == L + n_inserted_full


def test_resample_hpc350_edges():
    assert np.array_equal(resample_hpc350(np.ones((1, 3))), np.ones((350, 3)))
    out = resample_hpc350(np.arange(100.0)[:, None])
    assert out[249 + 83, 0] == 83 and out[249 + 84, 0] == 83.25 and out[249 + 85, 0] == 84  # gap 84: one insert
    with pytest.raises(ValueError, match="351 > 350"):
        resample_hpc350(np.zeros((351, 2)))
    assert resample_hpc350(np.zeros((400, 2)), subsample_long=True).shape == (350, 2)
    t = resample_hpc350(torch.zeros(10, 68))
    assert isinstance(t, torch.Tensor) and t.shape == (350, 68)


def test_hpc_frame_features_order():
    x = np.zeros((2, 1, 17, 3))
    x[1, 0, 3, 2] = 7.0  # person 1, joint 3, channel 2
    f = hpc_frame_features(x)
    assert f.shape == (1, 68) and f[0, 3 * 4 + 1 * 2 + 1] == 7.0


def test_rotation_matrix_convention_and_augment():
    a = rotation_matrix(ax_deg=90)
    np.testing.assert_allclose(np.array([0, 1, 0]) @ a, [0, 0, 1], atol=1e-12)  # row vector through R_x
    a = rotation_matrix(ay_deg=90)
    np.testing.assert_allclose(np.array([1, 0, 0]) @ a, [0, 0, -1], atol=1e-12)
    np.testing.assert_allclose(rotation_matrix(scale=1.1), 1.1 * np.eye(3))
    x = _rand(T=5)
    x[:, 0] = 0
    from motionzoo.data.pipeline import SkeletonSequencePipeline
    aug = SkeletonSequencePipeline(topology="ntu25", clip_len=5, normalization="none", temporal="resample",
                                   random_rotate=(10, 10, 0), random_scale=(0.9, 1.1), random_affine_p=1.0,
                                   train=True)
    y = aug(x, rng=np.random.default_rng(0)).numpy()
    assert not y[0].any()  # padding stays zero
    # rotation + isotropic scale: pairwise distances scale uniformly
    d0 = np.linalg.norm(x[0, 1, 0] - x[0, 1, 1])
    d1 = np.linalg.norm(y[1, 0] - y[1, 1])
    d2 = np.linalg.norm(x[0, 2, 3] - x[0, 2, 9])
    d3 = np.linalg.norm(y[2, 3] - y[2, 9])
    assert 0.9 <= d1 / d0 <= 1.1 and d1 / d0 == pytest.approx(d3 / d2, rel=1e-4)
    off = SkeletonSequencePipeline(topology="ntu25", clip_len=5, normalization="none", temporal="resample",
                                   random_rotate=(10, 10, 0), random_affine_p=0.0, train=True)
    np.testing.assert_array_equal(off(x, rng=np.random.default_rng(0)).numpy(), x[0])


def test_first_frame_normalize_bones_and_motion():
    x = _rand(M=2, T=6)
    x[1, 4:] = 0                                    # body 1 leaves after frame 3
    y = first_frame_normalize(x)
    first = y[:, 0].reshape(-1, 3)
    np.testing.assert_allclose(first.mean(0), 0, atol=1e-5)
    assert np.linalg.norm(first, axis=1).mean() == pytest.approx(1.0, rel=1e-4)
    assert not y[1, 4:].any(), "absent joints stay zero"
    # relative positions survive up to the common scale
    s = np.linalg.norm(x[:, 0].reshape(-1, 3) - x[:, 0].reshape(-1, 3).mean(0), axis=1).mean()
    np.testing.assert_allclose(y[1, 2, 3] - y[0, 2, 3], (x[1, 2, 3] - x[0, 2, 3]) / s, rtol=1e-4, atol=1e-5)
    topo = get_topology("ntu25")
    b = bones(x, "ntu25")
    j, p = 3, topo.parents[3]
    np.testing.assert_allclose(b[0, 1, j], x[0, 1, j] - x[0, 1, p], rtol=1e-6)
    root = topo.roots[0]
    np.testing.assert_allclose(b[0, 1, root], x[0, 1, root])          # roots keep their position
    assert not bones(x, "ntu25", root="zero")[0, 1, root].any()
    assert not b[1, 4:].any()
    m = motion(x)
    np.testing.assert_allclose(m[0, 2], x[0, 3] - x[0, 2], rtol=1e-6)
    assert not m[:, -1].any() and not m[1, 3:].any(), "no motion into, out of or after absent frames"



# The GCN lineage's bone pairs (1-based joint, the joint it is measured from), as CTR-GCN's feeders list them:
# NTU (feeders/bone_pairs.py) and NW-UCLA (feeders/feeder_ucla.py).  Each joint's partner is its neighbour one step
# towards the centre joint; the centre is paired with itself (a zero bone).
_NTU_GCN_BONES = ((1, 2), (2, 21), (3, 21), (4, 3), (5, 21), (6, 5), (7, 6), (8, 7), (9, 21), (10, 9), (11, 10),
                  (12, 11), (13, 1), (14, 13), (15, 14), (16, 15), (17, 1), (18, 17), (19, 18), (20, 19), (22, 23),
                  (21, 21), (23, 8), (24, 25), (25, 12))
_UCLA_GCN_BONES = ((1, 2), (2, 3), (3, 3), (4, 3), (5, 3), (6, 5), (7, 6), (8, 7), (9, 3), (10, 9), (11, 10),
                   (12, 11), (13, 1), (14, 13), (15, 14), (16, 15), (17, 1), (18, 17), (19, 18), (20, 19))


@pytest.mark.parametrize("topology, pairs", [("ntu25", _NTU_GCN_BONES), ("kinect_v1_20", _UCLA_GCN_BONES)])
def test_centre_rooted_bones_are_the_gcn_bone_stream(topology, pairs):
    V = get_topology(topology).num_joints
    x = _rand(M=2, T=5, V=V)
    x[1, 3:] = 0                                                    # body 1 absent from frame 3
    expected = np.zeros_like(x)
    for j, p in pairs:
        expected[:, :, j - 1] = x[:, :, j - 1] - x[:, :, p - 1]
    np.testing.assert_allclose(bones(x, topology, root="zero", tree="centre"), expected, atol=1e-6)
    assert not np.allclose(bones(x, topology, root="zero"), expected)     # the parents tree is rooted elsewhere
    with pytest.raises(ValueError, match="tree"):
        bones(x, topology, tree="center")
    with pytest.warns(DeprecationWarning, match="tree='parents'"):        # "layout" means tensor axes only
        np.testing.assert_array_equal(bones(x, topology, tree="layout"), bones(x, topology, tree="parents"))


def test_motion_plain_difference_as_the_gcn_feeders():
    x = _rand(M=2, T=6)
    x[1, :2] = 0                                                    # body 1 enters at frame 2
    plain = motion(x, mask_absent=False)
    np.testing.assert_allclose(plain[:, :-1], x[:, 1:] - x[:, :-1], atol=1e-6)
    assert not plain[:, -1].any()
    np.testing.assert_allclose(plain[1, 1], x[1, 2], atol=1e-6)     # the entry is one jump from zero ...
    assert not motion(x)[1, 1].any()                                # ... which the default masks
    t = torch.from_numpy(x)
    assert isinstance(motion(t, mask_absent=False), torch.Tensor)

def test_skeleton_to_image_basic():
    x = _rand(M=2, T=30)
    img = skeleton_to_image(x, 28, 84)
    assert img.shape == (3, 28, 84) and 0 <= float(img.min()) and float(img.max()) <= 1
    raw = skeleton_to_image(x)  # no resize: rows = joints, columns = frames
    assert raw.shape == (3, 25, 30)
    with pytest.raises(ValueError, match="constant"):
        skeleton_to_image(np.zeros((1, 38, 20, 3)))
    assert SkeletonToImage.preset("ntu60_xsub_28x84")(x).shape == (3, 28, 84)


def test_skeleton_to_image_reproduces_thesis_stats_on_utd_mhad():
    from motionzoo.data.utd_mhad import list_utd_mhad, read_utd_mhad
    root = need_shared("data", "utd_mhad")
    entries = [d for d in list_utd_mhad(root) if d["subject"] in (1, 3, 5, 7)]
    assert len(entries) == 431
    imgs = torch.stack([skeleton_to_image(read_utd_mhad(d["path"], canonical=False), 20, 68) for d in entries])
    mean = (imgs.mean(dim=(0, 2, 3)) * 255).tolist()
    std = (imgs.transpose(0, 1).reshape(3, -1).std(dim=1, unbiased=False) * 255).tolist()
    assert mean == pytest.approx([60.3459, 48.0431, 241.8297], abs=1e-3)
    assert std == pytest.approx([8.8771, 28.9472, 11.0785], abs=1e-3)


def test_keypoint_converters():
    x = _rand(V=25)
    k, valid = convert_keypoints(x, "ntu25", "kinect_v1_20")
    assert k.shape == (1, 7, 20, 3) and valid.all() and np.array_equal(k[..., 2, :], x[..., 2, :])
    k2, _ = convert_keypoints(x, "ntu25", "kinect_v1_20", shoulder_center_from="spine_shoulder")
    assert np.array_equal(k2[..., 2, :], x[..., 20, :])
    n, valid = convert_keypoints(k, "kinect_v1_20", "ntu25")
    assert n.shape[-2] == 25 and valid.sum() == 20 and not valid[20:].any()
    assert np.array_equal(n[..., 21, :], k[..., 7, :])  # l_hand_tip <- l_hand
    a, _ = convert_keypoints(x, "ntu25", "natops8")
    names8 = get_topology("natops8").joint_names
    names25 = get_topology("ntu25").joint_names
    for j, name in enumerate(names8):  # converter picks the joint of the same name
        assert np.array_equal(a[..., j, :], x[..., names25.index(name), :])
    s, _ = convert_keypoints(k, "kinect_v1_20", "sbu15")
    assert s.shape[-2] == 15 and np.array_equal(s[..., 1, :], k[..., 2, :])  # neck <- shoulder_center
    u = _rand(V=20)
    c, _ = convert_keypoints(u, "kinect_v1_20_utd", "kinect_v1_20")
    assert np.array_equal(c[..., 0, :], u[..., 3, :])
    with pytest.raises(ValueError, match="synthesize=True"):  # coco17 -> others: rules accepted explicitly (§4.6)
        convert_keypoints(_rand(V=17), "coco17", "ntu25")
    with pytest.raises(ValueError, match="no converter"):
        convert_keypoints(_rand(V=15), "sbu15", "coco17")
    with pytest.raises(ValueError, match="V=25"):
        convert_keypoints(x, "sbu15", "kinect_v1_20")
