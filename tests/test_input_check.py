"""`motionzoo.check_input`: layout, channel and joint-count errors with their likely cause, and the joint-order
check from bone-length statistics, on real samples from ../shared/data and deliberately broken versions."""
from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch

import motionzoo
from motionzoo import InputCheckWarning, InputMismatchError, check_input
from motionzoo.data import get_topology, reference_pose
from motionzoo.data.joint_order import (ASYM_TOL, BONE_TOL, PENALTY_TOL, diagnose_joint_order,
                                       pairwise_median_distances, structure_score)
from conftest import need_shared

K20 = get_topology("kinect_v1_20")


def _swap(x, *pairs):
    perm = list(range(x.shape[-2]))
    for a, b in pairs:
        perm[a], perm[b] = perm[b], perm[a]
    return x[..., perm, :]


@pytest.fixture(scope="module")
def k20_model():
    return motionzoo.create_model("two_stream_rnn", topology="kinect_v1_20", num_classes=27)


def _utd_files(step=12):
    root = need_shared("data", "utd_mhad", "Skeleton")
    return sorted(root.glob("*_skeleton.mat"))[::step]


def test_real_utd_sample_passes_and_broken_versions_warn_with_cause(k20_model):
    from motionzoo.data import read_utd_mhad
    f = _utd_files()[3]
    x = read_utd_mhad(f)                                     # (1, T, 20, 3), canonical kinect_v1_20
    with warnings.catch_warnings():
        warnings.simplefilter("error")                        # a correct sample raises no warning at all
        report = check_input(x, k20_model)
    assert report.ok and report.joint_order.facing_away < 0.1 and 0.5 < report.joint_order.scale < 2

    with pytest.warns(InputCheckWarning, match="kinect_v1_20_utd.*convert_keypoints"):
        r = check_input(read_utd_mhad(f, canonical=False), k20_model)   # the file order, not the SDK order
    assert r.joint_order.alternative[0] == "the joints are in 'kinect_v1_20_utd' order"

    with pytest.warns(InputCheckWarning, match="exchanged") as w:
        check_input(_swap(x, (6, 10)), k20_model)              # left and right wrist labels exchanged
    assert "wrist_left" in str(w[0].message) or "hand_left" in str(w[0].message)

    mirrored = x[..., list(K20.mirror), :]                    # every left/right label exchanged: lengths all fit
    with pytest.warns(InputCheckWarning, match="faces away from the camera.*left and right"):
        r = check_input(mirrored, k20_model)
    assert not r.joint_order.bad_bones and r.joint_order.facing_away > 0.9

    with pytest.warns(InputCheckWarning, match="millimetres"):
        check_input(x * 1000, k20_model)
    flipped = x.copy()
    flipped[..., 1] *= -1
    with pytest.warns(InputCheckWarning, match="below the hips"):
        check_input(flipped, k20_model)


def test_real_msr_sample_in_file_order(k20_model):
    from motionzoo.data import read_msr_action3d
    f = need_shared("data", "msr_action3d", "MSRAction3DSkeletonReal3D", "a02_s03_e01_skeleton3D.txt")
    assert check_input(read_msr_action3d(f), k20_model, warn=False).ok
    r = check_input(read_msr_action3d(f, canonical=False), k20_model, warn=False)
    assert not r.ok and r.joint_order.alternative[0] == "the joints are in 'kinect_v1_20_msr' order"


def test_real_ntu_excerpt_and_its_mirror():
    from motionzoo.data import read_ntu_skeleton, select_bodies
    f = need_shared("data", "ntu_skeleton_excerpts", "S001C001P001R001A050.first2frames.skeleton")
    x, _ = select_bodies(read_ntu_skeleton(f), "denoised_top2")[0]     # (2, 2, 25, 3): two bodies, two frames
    model = motionzoo.create_model("two_stream_rnn")
    assert check_input(x, model, warn=False).ok
    assert check_input(torch.from_numpy(x)[None], model, warn=False).ok          # a batch (N, M, T, V, C)
    mirrored = x[..., list(get_topology("ntu25").mirror), :]
    r = check_input(model, mirrored, warn=False)                                    # spec's argument order too
    assert any("faces away" in m for m in r.warnings)


def test_thresholds_separate_real_data_from_broken_orders():
    """The calibration behind BONE_TOL / ASYM_TOL, re-measured: every 12th UTD-MHAD file and every 8th MSR file
    passes as read, and fails when read in its file order or with one wrist pair exchanged."""
    from motionzoo.data import read_msr_action3d, read_utd_mhad
    msr_root = need_shared("data", "msr_action3d", "MSRAction3DSkeletonReal3D")
    samples = [(read_utd_mhad(f), read_utd_mhad(f, canonical=False), "kinect_v1_20_utd") for f in _utd_files()]
    for f in sorted(msr_root.glob("*.txt"))[::8]:
        x = read_msr_action3d(f, allow_all_zero=True)
        if x.any():
            samples.append((x, read_msr_action3d(f, canonical=False, allow_all_zero=True), "kinect_v1_20_msr"))
    worst_bone = worst_pair = worst_penalty = 0.0
    for x, file_order, order_name in samples:
        d = diagnose_joint_order(x, "kinect_v1_20")
        assert d.ok, d.messages
        penalty, _, dev, asym = structure_score(pairwise_median_distances(x.reshape(-1, 20, 3).astype(float)), K20, 3)
        worst_bone, worst_pair = max(worst_bone, np.exp(np.nanmax(dev))), max(worst_pair, np.exp(np.nanmax(asym)))
        worst_penalty = max(worst_penalty, penalty)
        bad = diagnose_joint_order(file_order, "kinect_v1_20")
        assert bad.alternative and order_name in bad.alternative[0]
        assert not diagnose_joint_order(_swap(x, (6, 10)), "kinect_v1_20").ok
    assert len(samples) > 120
    assert worst_bone < BONE_TOL and worst_pair < ASYM_TOL and worst_penalty < PENALTY_TOL, (
        worst_bone, worst_pair, worst_penalty)


def _image_pose(T=12, seed=0):
    """A 2D COCO-17 sequence in image pixels (y down) from the reference body, walking and waving, with noise."""
    rng = np.random.default_rng(seed)
    ref = reference_pose("coco17", dims=2)
    frames = []
    for t in range(T):
        p = ref.copy()
        a = 1.2 * np.sin(t / 3)                                # the left forearm waves about the elbow
        rot = np.array([[np.cos(a), -np.sin(a)], [np.sin(a), np.cos(a)]])
        p[9] = p[7] + rot @ (p[9] - p[7])
        p[[13, 15]] += [0.05 * np.sin(t / 2), 0.0]             # the left leg swings
        frames.append(p)
    xy = np.stack(frames) * [200, -200] + [320, 400]          # metres -> pixels, y pointing down
    xy += rng.normal(scale=1.5, size=xy.shape)
    score = rng.uniform(0.6, 1.0, size=xy.shape[:2] + (1,))
    return np.concatenate([xy, score], -1)[None].astype(np.float32)   # (1, T, 17, 3): x, y, score


def test_image_keypoints_for_pose_lstm():
    model = motionzoo.create_model("pose_lstm")                # NTF, coco17, two persons, (x, y)
    one = _image_pose()[..., :2]
    pair = np.concatenate([one, _image_pose(seed=1)[..., :2] + [150, 0]], axis=0)    # (2, T, 17, 2)
    assert check_input(pair, model, warn=False).ok
    flat = torch.from_numpy(pair).permute(1, 2, 0, 3).reshape(1, pair.shape[1], 68)  # the model's own N,T,F input
    assert check_input(flat, model, warn=False).ok
    # another 17-joint order (here: the arm and leg joints of COCO interleaved the other way round)
    other_order = _swap(pair, (7, 13), (8, 14), (9, 15), (10, 16))
    with pytest.warns(InputCheckWarning, match="do not fit keypoint format 'coco17'"):
        check_input(other_order, model)
    upright = pair.copy()
    upright[..., 1] *= -1                                      # y pointing up: not image coordinates
    with pytest.warns(InputCheckWarning, match="flip y"):
        check_input(upright, model)
    with pytest.raises(InputMismatchError, match="F=68"):
        check_input(torch.zeros(1, 10, 51), model)


def test_shape_errors_name_the_likely_cause(k20_model):
    coco = _image_pose()
    with pytest.raises(InputMismatchError, match=r"17 joints is the count of coco17.*convert_keypoints\(x, 'coco17', "
                                                 r"'kinect_v1_20', synthesize=True\)"):
        check_input(coco, k20_model)
    with pytest.raises(InputMismatchError, match="no converter from sbu15"):
        check_input(np.zeros((1, 5, 15, 3)), k20_model)
    with pytest.raises(InputMismatchError, match=r"N,C,T,V,M.*permute\(0, 4, 2, 3, 1\)"):
        check_input(np.zeros((4, 3, 30, 20, 2)), k20_model)
    with pytest.raises(InputMismatchError, match="2D keypoints for a 3D model"):
        check_input(np.zeros((1, 30, 20, 2)), k20_model)
    with pytest.raises(InputMismatchError, match="exchanged"):
        check_input(np.zeros((1, 30, 3, 20)), k20_model)


def test_video_inputs():
    with pytest.raises(InputMismatchError, match="N,T,C,H,W"):
        check_input(torch.zeros(1, 16, 3, 112, 112), "c3d")
    with pytest.warns(InputCheckWarning, match="raw pixels"):
        check_input(torch.full((1, 3, 16, 112, 112), 200.0), "c3d")
    assert check_input(torch.randn(1, 3, 16, 112, 112), "c3d").ok
    clip = {m: torch.randn(1, 3, 16, 80, 80) for m in ("rgb", "depth", "skeleton")}
    assert check_input(clip, "smnet").ok
    clip["depth"] = clip["depth"].permute(0, 2, 1, 3, 4)
    with pytest.raises(InputMismatchError, match="N,T,C,H,W"):
        check_input(clip, "smnet")
