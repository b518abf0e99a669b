"""Datasets, the preprocessing cache, the synthetic NTU generator and the visualiser."""
from __future__ import annotations

import os
import time
import warnings

import numpy as np
import pytest
import torch
from PIL import Image

from conftest import need_shared
from motionzoo import get_cache_dir
from motionzoo.data import (MSRAction3DDataset, NATOPSDataset, NTUSkeletonDataset, NWUCLADataset, SBUDataset,
                            UTDMHADDataset, UTKinectDataset, center_on_joint, fixed_length, pad_collate,
                            read_ntu_skeleton, resample_linspace, show, show_path, write_synthetic_ntu)


@pytest.fixture(scope="module")
def syn_root(tmp_path_factory):
    root = tmp_path_factory.mktemp("ntu_syn")
    write_synthetic_ntu(root, num_classes=8, samples_per_class=12, frames=(30, 50), seed=0)
    return root


def test_synthetic_files_are_valid_ntu(syn_root):
    files = sorted(syn_root.glob("*.skeleton"))
    assert len(files) == 96
    raw = files[0].read_bytes()
    assert b"\r\n" in raw and raw.count(b"\r\n") == raw.count(b"\n")
    r = read_ntu_skeleton(files[0])
    assert r.joints.shape[1:] == (25, 12) and 30 <= r.num_frames <= 50


def test_ntu_dataset_protocols_on_synthetic(syn_root):
    tr = NTUSkeletonDataset(syn_root, protocol="ntu60_xsub", split="train")
    te = NTUSkeletonDataset(syn_root, protocol="ntu60_xsub", split="test")
    assert len(tr) + len(te) == 96 and len(tr) > 20 and len(te) > 20
    assert {m["subject"] in (1, 2, 4, 5, 8, 9) or m["subject"] >= 13 for m in tr.meta} == {True}
    vtr = NTUSkeletonDataset(syn_root, protocol="xview", split="train")
    assert {m["camera"] for m in vtr.meta} == {2, 3}
    x, y = tr[0]
    assert x.dtype == torch.float32 and x.shape[0] == 2 and x.shape[2:] == (25, 3) and 0 <= y < 8
    assert tr.body_mask(0).shape == x.shape[:2]
    per_body = NTUSkeletonDataset(syn_root, protocol="xsub", split="train", body_rule="moving_bodies")
    assert per_body[0][0].shape[0] == 1 and len(per_body) >= len(tr)
    missing = NTUSkeletonDataset(syn_root, protocol="xsub", split="train", missing=[tr.meta[0]["name"]])
    assert len(missing) == len(tr) - 1 and missing.summary["skipped"][0][1] == "on the missing-skeleton list"
    batch = pad_collate([tr[i] for i in range(4)])
    assert batch[0].shape[:3] == (4, 2, int(batch[2].max())) and batch[1].shape == (4,)


def test_synthetic_classes_are_learnable(syn_root):
    """1-NN on centred, resampled joints must beat chance (1/8) by a wide margin."""
    def feats(ds):
        X = [resample_linspace(center_on_joint(ds[i][0].numpy()[:1], "ntu25"), 16).reshape(-1) for i in range(len(ds))]
        return np.stack(X), ds.labels
    Xtr, ytr = feats(NTUSkeletonDataset(syn_root, protocol="xsub", split="train"))
    Xte, yte = feats(NTUSkeletonDataset(syn_root, protocol="xsub", split="test"))
    d = ((Xte[:, None] - Xtr[None]) ** 2).sum(-1)
    acc = float((ytr[d.argmin(1)] == yte).mean())
    assert acc > 0.5, acc


def test_cache_hit_fingerprint_and_invalidation(tmp_path):
    root = tmp_path / "ntu"
    write_synthetic_ntu(root, num_classes=2, samples_per_class=6, frames=20, seed=1)
    a = NTUSkeletonDataset(root, protocol="xsub", split="all")
    assert a.cache_path is not None and a.cache_path.is_relative_to(get_cache_dir() / "datasets")
    assert sorted(p.name for p in a.cache_path.iterdir()) == ["frames.npy", "labels.npy", "mask.npy", "meta.json",
                                                              "offsets.npy"]
    assert not [p for p in a.cache_path.parent.iterdir() if ".tmp-" in p.name]  # atomic: no leftovers
    b = NTUSkeletonDataset(root, protocol="xsub", split="all")
    assert b.fingerprint == a.fingerprint and b.cache_path == a.cache_path
    assert torch.equal(a[3][0], b[3][0])
    # cache hit really reads the cache: tamper with the stored labels and see it
    np.save(a.cache_path / "labels.npy", np.full(len(a), 1, np.int64))
    assert NTUSkeletonDataset(root, protocol="xsub", split="all")[0][1] == 1
    # another option -> another entry
    c = NTUSkeletonDataset(root, protocol="xsub", split="all", body_rule="energy_top2")
    assert c.fingerprint != a.fingerprint
    # a changed source file -> another entry, re-parsed
    f = sorted(root.glob("*.skeleton"))[0]
    os.utime(f, ns=(time.time_ns(), time.time_ns() + 10 ** 9))
    d = NTUSkeletonDataset(root, protocol="xsub", split="all")
    assert d.fingerprint != a.fingerprint and d[0][1] == 0
    e = NTUSkeletonDataset(root, protocol="xsub", split="all", cache=False)
    assert e.cache_path is None and torch.equal(e[2][0], d[2][0])


def test_transform_and_meta(tmp_path):
    root = tmp_path / "ntu"
    write_synthetic_ntu(root, num_classes=1, samples_per_class=3, frames=10, seed=2)
    ds = NTUSkeletonDataset(root, protocol="xsub", split="all", return_meta=True,
                            transform=lambda x: fixed_length(x, 32))
    x, y, meta = ds[0]
    assert x.shape == (2, 32, 25, 3) and meta["num_frames"] == 10 and meta["num_bodies"] == 1


def test_bad_file_in_ntu_folder(tmp_path):
    root = tmp_path / "ntu"
    write_synthetic_ntu(root, num_classes=1, samples_per_class=3, frames=10, seed=3)
    bad = sorted(root.glob("*.skeleton"))[0]
    bad.write_bytes(bad.read_bytes()[:500])
    with pytest.raises(ValueError, match=bad.name):
        NTUSkeletonDataset(root, protocol="xsub", split="all")
    with pytest.warns(UserWarning, match="skipped"):
        ds = NTUSkeletonDataset(root, protocol="xsub", split="all", on_error="skip")
    assert len(ds) == 2 and len(ds.summary["skipped"]) == 1


# -- real data ------------------------------------------------------------------------------------------------------

def test_sbu_dataset_folds():
    root = need_shared("data", "sbu_kinect_interaction")
    sizes = [len(SBUDataset(root, fold=k, split="test")) for k in range(5)]
    assert sizes == [55, 52, 56, 54, 65]
    tr = SBUDataset(root, fold=0, split="train")
    assert len(tr) == 282 - 55 and tr.num_classes == 8
    assert not {m["subject"] for m in tr.meta} & {"s01s02", "s03s04", "s05s02", "s06s04"}
    x, y = tr[0]
    assert x.shape[0] == 2 and x.shape[2:] == (15, 3)
    mm = SBUDataset(root, fold=0, split="test", denormalize=True)[0][0]
    assert float(mm[..., 2].mean()) > 500  # millimetres


def test_utd_subjects_select_within_the_split(tmp_path):
    """`subjects` restricts the split; a subject outside it is an error (it used to make `split` ignored)."""
    with pytest.raises(ValueError, match=r"subjects \[1\].*not in split='test'.*2, 4, 6, 8"):
        UTDMHADDataset(tmp_path, split="test", subjects=[1, 2])
    with pytest.raises(ValueError, match="subjects must be in 1..8"):
        UTDMHADDataset(tmp_path, split="all", subjects=[9])
    data = need_shared("data")
    test2 = UTDMHADDataset(data / "utd_mhad", split="test", subjects=[2])
    assert {m["subject"] for m in test2.meta} == {2} and len(test2) > 0
    assert {m["subject"] for m in UTDMHADDataset(data / "utd_mhad", split="all", subjects=[1, 2]).meta} == {1, 2}


def test_utd_msr_natops_datasets():
    data = need_shared("data")
    assert (len(UTDMHADDataset(data / "utd_mhad", split="train")), len(UTDMHADDataset(data / "utd_mhad", split="test"))) == (431, 430)
    assert len(UTDMHADDataset(data / "utd_mhad", subjects=[7])) == 108
    with pytest.warns(UserWarning, match="a13_s09"):
        msr = MSRAction3DDataset(data / "msr_action3d", split="all")
    assert len(msr) == 565 and sorted(n for n, _ in msr.summary["skipped"]) == ["a13_s09_e02", "a13_s09_e03"]
    assert len(MSRAction3DDataset(data / "msr_action3d", split="all", exclude_bad=False)) == 567
    as1 = MSRAction3DDataset(data / "msr_action3d", split="train", action_set="AS1")
    assert as1.num_classes == 8 and set(as1.labels.tolist()) == set(range(8))
    nat = NATOPSDataset(data / "natops", split="test")
    assert len(nat) == 180 and nat[0][0].shape == (1, 51, 8, 3)


def test_nw_ucla_and_utkinect_datasets(tmp_path):
    from test_data_readers import _ucla, _utk_files
    u = tmp_path / "ucla"
    u.mkdir()
    for name, T, lab in [("a01_s01_e00_v01", 5, 1), ("a02_s09_e04_v02", 1, 2), ("a02_s09_e04_v03", 1, 2),
                         ("a12_s02_e01_v03", 9, 10)]:
        _ucla(u, name, T, lab)
    tr, te = NWUCLADataset(u, split="train"), NWUCLADataset(u, split="test")
    assert (len(tr), len(te)) == (2, 2) and {m["view"] for m in te.meta} == {3}
    assert te[0][0].shape == (1, 1, 20, 3)  # the 1-frame sample
    k = tmp_path / "utk"
    k.mkdir()
    _utk_files(k)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ds = UTKinectDataset(k, split="all")
    assert len(ds) == 3 and any("NaN" in why for _, why in ds.summary["skipped"])


# -- visualiser -----------------------------------------------------------------------------------------------------

def _nontrivial(path):
    a = np.asarray(Image.open(path).convert("RGB"))
    background = (a > 245).all(-1)
    return len(np.unique(a.reshape(-1, 3), axis=0)), 1 - background.mean()


def test_show_real_sample_png_and_gif(tmp_path):
    p = need_shared("data", "utd_mhad", "Skeleton", "a1_s1_t1_skeleton.mat")
    out = show_path(p, tmp_path / "utd.png", frames=6)
    colours, ink = _nontrivial(out)
    assert colours > 20 and 0.01 < ink < 0.6
    gif = show_path(p, tmp_path / "utd.gif", frames=4)
    im = Image.open(gif)
    assert im.n_frames == 4
    with pytest.raises(ValueError, match="V=20"):
        show(np.zeros((1, 3, 20, 3)), "ntu25", tmp_path / "x.png")


def test_show_dataset_spec(tmp_path, monkeypatch):
    data = need_shared("data")
    monkeypatch.setenv("MOTIONZOO_DATA", str(data))
    out = show_path("sbu[3]", tmp_path / "sbu.png", frames=4, joint_indices=True)
    colours, ink = _nontrivial(out)
    assert colours > 20 and ink > 0.01
    with pytest.raises(IndexError):
        show_path("natops[100000]", tmp_path / "n.png")


def test_carve_validation_folds_validate_every_training_sample_once():
    """k-fold cross-validation: the folds' validation parts partition the training samples, stratified by class
    without groups and by whole subjects with them; one carve is the first fold's part (here, 6 of every 30)."""
    from motionzoo.data import carve_validation
    labels = np.arange(180) % 6
    meta = [{} for _ in labels]
    parts = [carve_validation(meta, labels, num_folds=5, fold=k) for k in range(5)]
    held = np.concatenate([va for _, va, _ in parts])
    assert sorted(held.tolist()) == list(range(180))
    for tr, va, how in parts:
        assert len(np.intersect1d(tr, va)) == 0 and len(tr) + len(va) == 180
        assert np.bincount(labels[va]).tolist() == [6] * 6 and "fold" in how
    single = carve_validation(meta, labels)
    assert single[1].tolist() == parts[0][1].tolist()
    subjects = np.repeat([1, 3, 5, 7], 25)
    smeta = [{"subject": int(s)} for s in subjects]
    seen = []
    for k in range(2):
        tr, va, how = carve_validation(smeta, np.arange(100) % 4, num_folds=2, fold=k)
        assert not set(subjects[tr]) & set(subjects[va])
        seen += sorted(set(subjects[va].tolist()))
    assert seen == [1, 3, 5, 7]
    with pytest.raises(ValueError, match="at most one fold per subject"):
        carve_validation(smeta, np.arange(100) % 4, num_folds=5, fold=0)
    with pytest.raises(ValueError, match="fold 5 of num_folds 5"):
        carve_validation(meta, labels, num_folds=5, fold=5)
