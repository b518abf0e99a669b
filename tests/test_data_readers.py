"""Readers of the original skeleton formats: real files from ../shared/data (skipped when absent) and
synthetic files in the documented formats (NW-UCLA, UTKinect, broken inputs)."""
from __future__ import annotations

import json

import numpy as np
import pytest

from conftest import need_shared
from motionzoo.data import (AllZeroSequenceError, SkeletonFormatError, get_topology, read_missing_list,
                            read_msr_action3d, read_natops_ts, read_ntu_skeleton, read_ntu_statistics, read_nw_ucla,
                            read_sbu, read_utd_mhad, read_utkinect_joints, read_utkinect_labels)
from motionzoo.data.bodies import denoised_top2, energy_top2, most_active, moving_bodies
from motionzoo.data.msr_action3d import list_msr_action3d
from motionzoo.data.ntu import NtuName, ntu_split, parse_ntu_name
from motionzoo.data.sbu import list_sbu, sbu_denormalize
from motionzoo.data.utd_mhad import list_utd_mhad
from motionzoo.data.utkinect import utkinect_segments
from motionzoo.data.synthetic import format_ntu_skeleton, synthetic_ntu_sequence

EXCERPTS = ("data", "ntu_skeleton_excerpts")


# -- NTU .skeleton ------------------------------------------------------------------------------------------------

def test_ntu_excerpt_one_body():
    p = need_shared(*EXCERPTS, "S001C001P001R001A001.first2frames.skeleton")
    r = read_ntu_skeleton(p)
    assert r.num_frames == 2 and r.joints.shape == (2, 25, 12)
    assert r.bodies_per_frame.tolist() == [1, 1]
    assert r.body_ids.dtype == np.uint64 and int(r.body_ids[0]) == 72057594037931101  # exact, > 2**53
    assert r.body_info[0, -3:].tolist() == pytest.approx([0.02764709, 0.05745083, 2])
    line5 = p.read_text().splitlines()[4].split()  # first joint record, as text
    assert r.joints[0, 0].tolist() == pytest.approx([float(v) for v in line5])


def test_ntu_excerpt_two_bodies_scientific_notation_and_crlf(tmp_path):
    p = need_shared(*EXCERPTS, "S001C001P001R001A050.first2frames.skeleton")
    r = read_ntu_skeleton(p)
    assert r.joints.shape == (4, 25, 12) and r.frame_of_body.tolist() == [0, 0, 1, 1]
    assert r.slot_of_body.tolist() == [0, 1, 0, 1]
    assert [int(b) for b in r.unique_body_ids()] == [72057594037932185, 72057594037932127]
    assert r.joints[0, 0, :3].tolist() == pytest.approx([-0.8514767, 0.1916033, 3.384463])
    assert r.joints[0, 21, 1] == pytest.approx(-4.248406e-05)  # line 26: '-4.248406E-05'
    # the same bytes with CRLF endings and without a final newline parse identically
    crlf = p.read_bytes().replace(b"\n", b"\r\n").rstrip(b"\r\n")
    r2 = read_ntu_skeleton(tmp_path / "x.skeleton", data=crlf)
    np.testing.assert_array_equal(r2.joints, r.joints)
    assert moving_bodies(r)  # at least one body kept
    x, mask = denoised_top2(r)[0]  # both bodies are <= 11 frames long: the length filter keeps one
    assert x.shape == (2, 2, 25, 3) and mask[0].all() and not mask[1].any()


def _ntu_text(T=3, bodies=1, seed=0):
    rng = np.random.default_rng(seed)
    xyz = [synthetic_ntu_sequence(5, T, rng, body=b) for b in range(bodies)]
    return format_ntu_skeleton(xyz, [72057594037927936 + b for b in range(bodies)])


@pytest.mark.parametrize("mutate, field, line", [
    (lambda L: L[:40], "joint", None),                                        # truncated
    (lambda L: L[:3] + ["24"] + L[4:], "joint_count", 4),                     # wrong joint count
    (lambda L: L[:6] + [L[6].replace(L[6].split()[2], "abc", 1)] + L[7:], "z", 7),  # non-numeric field
    (lambda L: L[:6] + [" ".join(L[6].split()[:11])] + L[7:], "joint", 7),   # missing token
    (lambda L: L[:6] + [L[6].replace(L[6].split()[0], "nan", 1)] + L[7:], "x", 7),  # NaN
    (lambda L: ["4"] + L[1:], "body_count", None),                           # frame count disagrees
    (lambda L: ["2"] + L[1:], None, 58),                                      # extra lines
    (lambda L: [], "frame_count", 1),                                         # empty file
    (lambda L: L[:2] + ["1 2 3"] + L[3:], "body_info", 3),                    # short body-info line
])
def test_ntu_bad_input_raises_typed_error(tmp_path, mutate, field, line):
    lines = _ntu_text().split("\r\n")[:-1]
    p = tmp_path / "S001C001P001R001A001.skeleton"
    p.write_text("\r\n".join(mutate(lines)))
    with pytest.raises(SkeletonFormatError) as e:
        read_ntu_skeleton(p)
    assert str(p) in str(e.value)
    if field is not None:
        assert e.value.field is not None and e.value.field.startswith(field)
    if line is not None:
        assert e.value.line == line and f"line {line}" in str(e.value)


def test_ntu_zero_body_frames_are_kept(tmp_path):
    lines = _ntu_text(T=2).split("\r\n")[:-1]
    text = "\r\n".join(["3"] + lines[1:29] + ["0"] + lines[29:]) + "\r\n"
    r = read_ntu_skeleton(tmp_path / "a.skeleton", data=text.encode())
    assert r.num_frames == 3 and r.bodies_per_frame.tolist() == [1, 0, 1]
    assert r.frame_of_body.tolist() == [0, 2]
    x, mask = most_active(r, k=2)[0]
    assert x.shape == (2, 3, 25, 3) and mask.tolist() == [[True, False, True], [False, False, False]]
    x, mask = energy_top2(r)[0]
    assert x.shape == (2, 3, 25, 3) and not x[:, 1].any()
    x, mask = denoised_top2(r)[0]
    assert x.shape == (2, 2, 25, 3)  # the frame without any actor is removed


def test_body_rules_on_synthetic_two_body_file(tmp_path):
    rng = np.random.default_rng(1)
    still = np.broadcast_to(synthetic_ntu_sequence(3, 1, rng)[0], (40, 25, 3)).copy()
    moving = synthetic_ntu_sequence(23, 40, rng, body=1) + np.linspace(0, 3, 40)[:, None, None] * [1, 0, 0]
    text = format_ntu_skeleton([still, moving], [11, 22])
    r = read_ntu_skeleton(tmp_path / "b.skeleton", data=text.encode())
    kept = moving_bodies(r)
    assert len(kept) == 1 and np.allclose(kept[0][0][0], moving, atol=1e-5)
    x, _ = most_active(r, k=2)[0]
    assert np.allclose(x[0], moving, atol=1e-5)  # most active first
    x, _ = energy_top2(r)[0]
    assert np.allclose(x[0], moving, atol=1e-5)


def test_ntu_names_and_protocols():
    n = parse_ntu_name("/x/S017C003P040R002A060.skeleton")
    assert n == NtuName(17, 3, 40, 2, 60) and n.label == 59
    assert ntu_split("S001C001P001R001A001", "ntu60_xsub") == "train"
    assert ntu_split("S001C001P003R001A001", "xsub") == "test"
    assert ntu_split("S001C001P001R001A001", "xview") == "test"
    assert ntu_split("S018C002P050R001A001", "ntu60_xview") is None  # NTU-120 only
    assert ntu_split("S018C002P050R001A061", "ntu120_xset") == "train"
    with pytest.raises(ValueError):
        parse_ntu_name("S1C1P1R1A1")


def test_ntu_metadata_split_counts():
    d = need_shared("data", "ntu_metadata")
    m60 = read_missing_list(d / "official" / "NTU_RGBD_samples_with_missing_skeletons.txt")
    m120 = read_missing_list(d / "official" / "NTU_RGBD120_samples_with_missing_skeletons.txt")
    assert len(m60) == 302 and len(m120) == 535 and set(m60) < set(m120)
    assert read_missing_list(d / "ntu" / "statistics" / "samples_with_missing_skeletons.txt") == m60
    expected = {"ntu60_xsub": (40091, 16487), "ntu60_xview": (37646, 18932),
                "ntu120_xsub": (63026, 50919), "ntu120_xset": (54468, 59477)}
    for sub, protocols in (("ntu", ("ntu60_xsub", "ntu60_xview")), ("ntu120", ("ntu120_xsub", "ntu120_xset"))):
        stats = read_ntu_statistics(d / sub / "statistics")
        names = stats["name"]
        assert not set(names) & set(m120)  # available = complement of the missing list
        parsed = [parse_ntu_name(n) for n in names[:: 997]]
        assert [p.label + 1 for p in parsed] == stats["label"][:: 997].tolist()
        assert [p.performer for p in parsed] == stats["performer"][:: 997].tolist()
        for proto in protocols:
            parts = [ntu_split(n, proto) for n in names]
            assert (parts.count("train"), parts.count("test")) == expected[proto], proto


def test_missing_list_rejects_garbage(tmp_path):
    p = tmp_path / "m.txt"
    p.write_text("Header line\n\nS001C002P005R002A008\nnot a name\n")
    with pytest.raises(SkeletonFormatError, match="line 4"):
        read_missing_list(p)


# -- SBU, UTD-MHAD, MSR, NATOPS ----------------------------------------------------------------------------------

def _bone_asymmetry(x: np.ndarray, topo) -> float:
    """Worst relative difference of mean left/right bone lengths over (N*T, V, 3) frames."""
    worst = 0.0
    for (a, b), (c, d) in topo.symmetric_bones:
        la = np.linalg.norm(x[:, a] - x[:, b], axis=-1).mean()
        lb = np.linalg.norm(x[:, c] - x[:, d], axis=-1).mean()
        worst = max(worst, abs(la - lb) / max(la, lb))
    return worst


def test_sbu_counts_folds_and_bones():
    root = need_shared("data", "sbu_kinect_interaction")
    e = list_sbu(root)
    assert len(e) == 282 and len({d["set"] for d in e}) == 21
    assert np.bincount([d["label"] for d in e]).tolist() == [42, 43, 40, 41, 18, 21, 39, 38]
    assert np.bincount([d["fold"] for d in e]).tolist() == [55, 52, 56, 54, 65]
    x, frames = read_sbu(e[0]["path"], return_frames=True)
    assert x.shape[0] == 2 and x.shape[2:] == (15, 3) and frames[0] == 55 and np.all(np.diff(frames) == 1)
    raw = np.loadtxt(e[0]["path"], delimiter=",")
    assert x[1, 0, 0].tolist() == pytest.approx(raw[0, 46:49].tolist(), abs=1e-6)  # person B, head, frame 0
    xs = np.concatenate([read_sbu(d["path"], denormalize=True).reshape(-1, 15, 3) for d in e[::10]])
    assert _bone_asymmetry(xs, get_topology("sbu15")) < 0.10
    assert sbu_denormalize(np.array([0.5, 0.5, 0.78125]))[2] == pytest.approx(1000.0)


def test_utd_mhad_counts_order_and_bones():
    root = need_shared("data", "utd_mhad")
    e = list_utd_mhad(root)
    assert len(e) == 861 and len({d["label"] for d in e}) == 27 and len({d["subject"] for d in e}) == 8
    names = {d["name"] for d in e}
    assert not names & {"a8_s1_t4", "a23_s6_t4", "a27_s8_t4"}
    assert sum(d["subject"] in (1, 3, 5, 7) for d in e) == 431
    raw = read_utd_mhad(e[0]["path"], canonical=False)
    can = read_utd_mhad(e[0]["path"])
    assert raw.shape[2:] == (20, 3) and np.array_equal(can[0, :, 0], raw[0, :, 3])  # hip_center = file joint 4
    xs = np.concatenate([read_utd_mhad(d["path"])[0] for d in e[::40]])
    assert _bone_asymmetry(xs, get_topology("kinect_v1_20")) < 0.10
    xs_file = np.concatenate([read_utd_mhad(d["path"], canonical=False)[0] for d in e[::40]])
    assert _bone_asymmetry(xs_file, get_topology("kinect_v1_20_utd")) < 0.10


def test_msr_action3d_counts_bad_files_and_bones():
    root = need_shared("data", "msr_action3d")
    e = list_msr_action3d(root)
    assert len(e) == 567 and len({d["label"] for d in e}) == 20
    by_name = {d["name"]: d["path"] for d in e}
    with pytest.raises(AllZeroSequenceError, match="all coordinates are zero"):
        read_msr_action3d(by_name["a13_s09_e02"])
    assert read_msr_action3d(by_name["a13_s09_e03"]).shape[1] == 936
    x, conf = read_msr_action3d(by_name["a01_s01_e01"], return_confidence=True)
    assert x.shape[2:] == (20, 3) and conf.shape == x.shape[:3]
    xs = np.concatenate([read_msr_action3d(p)[0] for n, p in sorted(by_name.items())[::25]
                         if not n.startswith("a13_s09")])
    assert _bone_asymmetry(xs, get_topology("kinect_v1_20")) < 0.10
    # the wrong (SDK) order applied to the file fails the check by a wide margin
    raw = np.concatenate([read_msr_action3d(p, canonical=False)[0] for n, p in sorted(by_name.items())[::25]
                          if not n.startswith("a13_s09")])
    assert _bone_asymmetry(raw, get_topology("kinect_v1_20")) > 0.3
    assert _bone_asymmetry(raw, get_topology("kinect_v1_20_msr")) < 0.10


def test_natops():
    d = need_shared("data", "natops")
    for split in ("TRAIN", "TEST"):
        X, y = read_natops_ts(d / f"NATOPS_{split}.ts")
        assert X.shape == (180, 1, 51, 8, 3) and np.bincount(y).tolist() == [30] * 6
    line = next(ln for ln in (d / "NATOPS_TRAIN.ts").read_text(encoding="latin-1").splitlines()
                if ln and ln[0] not in "#@")
    ch = line.split(":")
    assert X.dtype == np.float32
    X, _ = read_natops_ts(d / "NATOPS_TRAIN.ts")
    assert X[0, 0, 3, 1, 2] == pytest.approx(float(ch[5].split(",")[3]), abs=1e-6)  # channel 6 = r_hand_tip z
    assert _bone_asymmetry(X.reshape(-1, 8, 3), get_topology("natops8")) < 0.10


def test_text_reader_errors(tmp_path):
    p = tmp_path / "a01_s01_e01_skeleton3D.txt"
    p.write_text("0.1 0.2 2.5 1\n" * 39)
    with pytest.raises(SkeletonFormatError, match="not a multiple of 20"):
        read_msr_action3d(p)
    p.write_text("0.1 0.2 2.5 1\n" * 19 + "0.1 zz 2.5 1\n")
    with pytest.raises(SkeletonFormatError, match="line 20") as e:
        read_msr_action3d(p)
    assert e.value.field == "y"
    p.write_text("")
    with pytest.raises(SkeletonFormatError, match="empty"):
        read_msr_action3d(p)
    q = tmp_path / "skeleton_pos.txt"
    q.write_text(",".join(["1"] + ["0.5"] * 90) + "\n" + ",".join(["2"] + ["0.5"] * 89) + "\n")
    with pytest.raises(SkeletonFormatError, match="line 2"):
        read_sbu(q)


# -- NW-UCLA and UTKinect (not in shared data: files written here in the documented format) ---------------------

def _ucla(tmp_path, name, T, label, action=None):
    rng = np.random.default_rng(T)
    obj = {"file_name": name, "skeletons": rng.normal(0, 0.3, (T, 20, 3)).round(5).tolist(), "label": label}
    p = tmp_path / f"{name}.json"
    p.write_text(json.dumps(obj))
    return p


def test_nw_ucla_reader(tmp_path):
    x, y = read_nw_ucla(_ucla(tmp_path, "a02_s09_e04_v02", 1, 2))  # the real 1-frame sample's shape
    assert x.shape == (1, 1, 20, 3) and y == 1
    x, y = read_nw_ucla(_ucla(tmp_path, "a12_s01_e00_v03", 31, 10))
    assert x.shape == (1, 31, 20, 3) and y == 9
    with pytest.raises(SkeletonFormatError, match="disagrees"):
        read_nw_ucla(_ucla(tmp_path, "a08_s01_e00_v01", 5, 3))  # a08 is label 7
    p = tmp_path / "a01_s01_e00_v01.json"
    p.write_text(json.dumps({"file_name": "a01_s01_e00_v01", "skeletons": [[[0, 0, 0]] * 19], "label": 1}))
    with pytest.raises(SkeletonFormatError, match="shape"):
        read_nw_ucla(p)
    p.write_text('{"file_name": "a01_s01_e00_v01", "skeletons": [')
    with pytest.raises(SkeletonFormatError, match="invalid JSON"):
        read_nw_ucla(p)


def _utk_files(tmp_path):
    d = tmp_path / "joints"
    d.mkdir()
    rows = []
    ids = [100, 101, 101, 102, 103, 105, 105, 106, 107, 110]  # duplicate ids and jumps
    rng = np.random.default_rng(0)
    for k, i in enumerate(ids):
        rows.append(" ".join([str(i)] + [f"{v:.6f}" for v in rng.normal(0, 0.3, 60)]))
    (d / "joints_s01_e01.txt").write_text("\n".join(rows) + "\n")
    (d / "joints_s10_e02.txt").write_text("\n".join(rows) + "\n")
    labels = ["s01_e01", "walk: 100 103  ", "sitDown: 105 110", "s10_e02", "walk: 100 102", "carry: NaN NaN"]
    (tmp_path / "actionLabel.txt").write_text("\n".join(labels) + "\n")
    return d, rows


def test_utkinect_reader(tmp_path):
    d, rows = _utk_files(tmp_path)
    ids, x, dropped = read_utkinect_joints(d / "joints_s01_e01.txt")
    assert ids.tolist() == [100, 101, 102, 103, 105, 106, 107, 110] and dropped == 2
    assert x.shape == (1, 8, 20, 3)
    assert x[0, 1, 0, 0] == pytest.approx(float(rows[1].split()[1]))  # first record of id 101 kept
    with pytest.warns(UserWarning, match="NaN"):
        segs = read_utkinect_labels(tmp_path / "actionLabel.txt")
    assert [(s.action, s.start, s.end) for s in segs] == [("walk", 100, 103), ("sitDown", 105, 110),
                                                            ("walk", 100, 102)]
    cut = utkinect_segments(ids, x, segs[:2])
    assert cut[0][0].shape[1] == 4 and cut[1][0].shape[1] == 4 and cut[1][1] == 1
    bad = d / "joints_s02_e01.txt"
    bad.write_text(rows[3] + "\n" + rows[0] + "\n")
    with pytest.raises(SkeletonFormatError, match="decreases"):
        read_utkinect_joints(bad)
