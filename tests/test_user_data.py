"""The user's own data: the plain container (.npz and .npy + CSV), pyskl pickles read without running pickle
code, and the safe-unpickling policy they share with checkpoint loading."""
from __future__ import annotations

import collections
import os
import pickle
import subprocess

import numpy as np
import pytest
import torch

from motionzoo._hub import UnsafeCheckpointError, UnsafePickleError, load_pickle_checkpoint, safe_pickle_load
from motionzoo.data import (PysklDataset, SkeletonFormatError, UserSkeletonDataset, pad_collate, read_pyskl,
                            read_user_dataset, write_pyskl, write_user_dataset)


def _samples(n=5, V=17, C=2, seed=0):
    rng = np.random.default_rng(seed)
    xs = [rng.normal(size=(1 + (i % 2), 4 + 3 * i, V, C)).astype(np.float32) for i in range(n)]
    scores = [rng.uniform(size=x.shape[:3]).astype(np.float32) for x in xs]
    return xs, scores


@pytest.mark.parametrize("form", ["file.npz", "folder"])
def test_user_container_round_trip(tmp_path, form):
    xs, scores = _samples()
    labels = [0, 1, 2, 1, 0]
    splits = ["train", "train", "val", "train", "val"]
    names = [f"clip {i}/x" for i in range(5)]
    path = write_user_dataset(tmp_path / form, xs, labels, keypoint_format="coco", classes=["wave", "clap", "kick"],
                              names=names, splits=splits, scores=scores)
    data = read_user_dataset(path)
    assert data.keypoint_format == "coco17" and data.classes == ("wave", "clap", "kick")
    assert data.names == tuple(names) and data.splits == tuple(splits) and data.labels.tolist() == labels
    for i in range(5):  # variable T and M come back exactly (fewer bodies are zero-filled in the .npz only)
        got = data.samples[i]
        assert got.shape[1:] == xs[i].shape[1:]
        np.testing.assert_array_equal(got[: xs[i].shape[0]], xs[i])
        assert not got[xs[i].shape[0]:].any()
        np.testing.assert_array_equal(data.scores[i][: xs[i].shape[0]], scores[i])

    ds = UserSkeletonDataset(path, split="train")
    assert len(ds) == 3 and ds.topology == "coco17" and ds.classes == ("wave", "clap", "kick")
    assert ds.labels.tolist() == [0, 1, 1] and [m["name"] for m in ds.meta] == [names[0], names[1], names[3]]
    x, y = ds[1]
    assert x.dtype == torch.float32 and tuple(x.shape) == (2, 7, 17, 3) and y == 1   # x, y + score channel
    np.testing.assert_array_equal(x[..., :2].numpy(), xs[1])
    np.testing.assert_array_equal(x[..., 2].numpy(), scores[1])
    assert ds.body_mask(0).tolist() == [[True] * 4, [False] * 4]   # one body in a 2-body dataset
    assert UserSkeletonDataset(path, split="val", scores="drop")[0][0].shape[-1] == 2
    batch, lab, lengths = pad_collate([ds[i] for i in range(3)])
    assert tuple(batch.shape) == (3, 2, 13, 17, 3) and lengths.tolist() == [4, 7, 13]
    ds_t = UserSkeletonDataset(path, split="all", transform=lambda s: s[:, :2] * 0 + 1)
    assert float(ds_t[4][0].sum()) == 2 * 2 * 17 * 3
    with pytest.raises(ValueError, match="no split 'test'.*train.*val"):
        UserSkeletonDataset(path, split="test")


def test_user_container_npz_is_plain_and_documented(tmp_path):
    xs, _ = _samples(2, V=25, C=3)
    path = write_user_dataset(tmp_path / "d.npz", xs, [0, 0], keypoint_format="ntu25")
    with np.load(path, allow_pickle=False) as z:    # readable without pickle by anyone
        assert str(z["format"]) == "motionzoo.user_skeletons/1" and str(z["keypoint_format"]) == "ntu25"
        assert z["keypoints"].shape == (2, 4 + 7, 25, 3) and z["lengths"].tolist() == [4, 7]
    # a hand-made container with only the required keys (numpy.savez by the user)
    hand = tmp_path / "hand.npz"
    np.savez(hand, keypoint_format="kinect_v1_20", keypoints=np.ones((1, 9, 20, 3), np.float32),
             lengths=np.array([4, 5]), labels=np.array([1, 0]))
    data = read_user_dataset(hand)
    assert [s.shape for s in data.samples] == [(1, 4, 20, 3), (1, 5, 20, 3)]
    assert data.classes == ("class_0", "class_1") and data.names == ("sample_00000", "sample_00001")


def _error(fn, *args, **kwargs) -> SkeletonFormatError:
    with pytest.raises(SkeletonFormatError) as e:
        fn(*args, **kwargs)
    return e.value


def test_user_container_errors_name_sample_and_field(tmp_path):
    ok = np.zeros((1, 6, 17, 2), np.float32)
    e = _error(write_user_dataset, tmp_path / "a.npz", [ok, np.zeros((6, 18, 2))], [0, 1], keypoint_format="coco17",
               names=["good", "bad"])
    assert e.field == "keypoints" and "sample 1 ('bad')" in str(e) and "V=18" in str(e) and "coco17" in str(e)
    nan = ok.copy()
    nan[0, 2, 9, 1] = np.nan
    e = _error(write_user_dataset, tmp_path / "a.npz", [ok, nan], [0, 1], keypoint_format="coco17")
    assert e.field == "keypoints" and "sample 1" in str(e) and "NaN" in str(e) and "frame 2" in str(e)
    assert "'l_wrist'" in str(e)
    ragged = [[[0.0, 0.0]] * 17, [[0.0, 0.0]] * 16]    # frame 1 lacks a joint
    e = _error(write_user_dataset, tmp_path / "a.npz", [ok, ragged], [0, 1], keypoint_format="coco17")
    assert e.field == "keypoints" and "sample 1" in str(e) and "ragged" in str(e)
    e = _error(write_user_dataset, tmp_path / "a.npz", [ok], [0], keypoint_format="openpose18")
    assert e.field == "keypoint_format" and "openpose18" in str(e) and "body25" in str(e)
    e = _error(write_user_dataset, tmp_path / "a.npz", [ok, ok], [0, 3], keypoint_format="coco17",
               classes=["a", "b"])
    assert e.field == "labels" and "sample 1" in str(e) and "label 3" in str(e)
    e = _error(write_user_dataset, tmp_path / "a.npz", [ok], [0], keypoint_format="coco17",
               scores=[np.zeros((1, 5, 17))])
    assert e.field == "scores" and "sample 0" in str(e)
    # missing labels: readable (e.g. for predict), but not a training/evaluation Dataset
    path = write_user_dataset(tmp_path / "u.npz", [ok, ok, ok], [1, None, -1], keypoint_format="coco17",
                              names=["a", "b", "c"])
    assert read_user_dataset(path).labels.tolist() == [1, -1, -1]
    e = _error(UserSkeletonDataset, path)
    assert e.field == "labels" and "sample 1 ('b') has no label" in str(e) and "2 of the 3" in str(e)
    # a broken hand-made file: the key is named
    bad = tmp_path / "bad.npz"
    np.savez(bad, keypoint_format="coco17", keypoints=np.zeros((1, 9, 17, 2)), lengths=np.array([4, 4]))
    e = _error(read_user_dataset, bad)
    assert e.field == "lengths" and "9 frames" in str(e)
    np.savez(bad, keypoints=np.zeros((1, 9, 17, 2)), lengths=np.array([9]))
    assert _error(read_user_dataset, bad).field == "keypoint_format"
    np.savez(bad, keypoint_format="coco17", keypoints=np.zeros((1, 9, 17, 2)), lengths=np.array([9]),
             labels=np.array(["x"], dtype=object))
    assert "object arrays" in str(_error(read_user_dataset, bad))


def test_user_folder_csv_by_hand(tmp_path):
    """A folder written by hand: class names as labels, no classes.txt, a file that is missing."""
    np.save(tmp_path / "a.npy", np.ones((5, 20, 3), np.float32))            # (T, V, C): one body
    np.save(tmp_path / "b.npy", np.ones((2, 3, 20, 3), np.float32))
    (tmp_path / "samples.csv").write_text("file,keypoint_format,label,split\n"
                                          "a.npy,kinect_v1_20,wave,train\nb.npy,kinect_v1_20,clap,test\n")
    data = read_user_dataset(tmp_path)
    assert data.classes == ("clap", "wave") and data.labels.tolist() == [1, 0] and data.names == ("a", "b")
    assert data.samples[0].shape == (1, 5, 20, 3)
    ds = UserSkeletonDataset(tmp_path, split="test")
    assert ds[0][0].shape == (2, 3, 20, 3) and ds.classes == ("clap", "wave")
    (tmp_path / "samples.csv").write_text("file,keypoint_format,label\na.npy,kinect_v1_20,wave\n"
                                          "gone.npy,kinect_v1_20,clap\n")
    e = _error(read_user_dataset, tmp_path)
    assert e.field == "file" and e.line == 3 and "gone.npy" in str(e)
    (tmp_path / "classes.txt").write_text("wave\nclap\n")
    (tmp_path / "samples.csv").write_text("file,keypoint_format,label\na.npy,kinect_v1_20,jump\n")
    e = _error(read_user_dataset, tmp_path)
    assert e.field == "label" and e.line == 2 and "'jump'" in str(e)


# -- pyskl pickles ---------------------------------------------------------------------------------------------
def _annotations(n=4, V=17, seed=0):
    rng = np.random.default_rng(seed)
    anns = []
    for i in range(n):
        kp = rng.normal(size=(1 + (i == 0), 8 + i, V, 2)).astype(np.float32)
        anns.append({"frame_dir": f"S001C001P00{i}R001A00{1 + i % 3}", "label": i % 3, "keypoint": kp,
                     "keypoint_score": rng.uniform(size=kp.shape[:3]).astype(np.float16),
                     "total_frames": kp.shape[1], "img_shape": (1080, 1920), "original_shape": (1080, 1920)})
    return anns


@pytest.mark.parametrize("protocol", [2, 4, 5])
def test_pyskl_pickle_read(tmp_path, protocol):
    anns = _annotations()
    split = {"xsub_train": [a["frame_dir"] for a in anns[:3]], "xsub_val": [anns[3]["frame_dir"]]}
    path = write_pyskl(tmp_path / "ann.pkl", anns, split, protocol=protocol)
    data = read_pyskl(path)
    assert data["split"] == split and len(data["annotations"]) == 4
    np.testing.assert_array_equal(data["annotations"][2]["keypoint"], anns[2]["keypoint"])
    ds = PysklDataset(path, split="xsub_train", classes=["a", "b", "c"])
    assert len(ds) == 3 and ds.topology == "coco17" and ds.labels.tolist() == [0, 1, 2]
    x, y = ds[1]
    assert tuple(x.shape) == (2, 9, 17, 3) and y == 1       # bodies zero-filled to M=2; x, y, score
    np.testing.assert_array_equal(x[0, :, :, :2].numpy(), anns[1]["keypoint"][0])
    np.testing.assert_allclose(x[0, :, :, 2].numpy(), anns[1]["keypoint_score"][0].astype(np.float32))
    assert not x[1].any() and ds.meta[0]["img_shape"] == [1080, 1920] and ds.meta[0]["name"] == anns[0]["frame_dir"]
    assert len(PysklDataset(path, split="xsub_val")) == 1 and len(PysklDataset(path)) == 4
    with pytest.raises(ValueError, match="no split 'train'.*xsub_train"):
        PysklDataset(path, split="train")


def test_pyskl_keypoint_format_and_errors(tmp_path):
    anns3d = [{"frame_dir": "a", "label": 0, "keypoint": np.ones((2, 5, 25, 3), np.float32), "total_frames": 5}]
    path = write_pyskl(tmp_path / "ntu.pkl", anns3d)
    with pytest.raises(SkeletonFormatError, match="pass keypoint_format=.*ntu25.*body25"):
        PysklDataset(path)           # 25 joints: NTU (Kinect v2) or OpenPose BODY_25 -- not guessed
    ds = PysklDataset(path, keypoint_format="ntu25")
    assert ds.topology == "ntu25" and ds[0][0].shape == (2, 5, 25, 3)   # no scores in 3D files
    bad = [dict(anns3d[0], total_frames=7)]
    with open(tmp_path / "bad.pkl", "wb") as f:
        pickle.dump({"split": {}, "annotations": bad}, f)
    e = _error(read_pyskl, tmp_path / "bad.pkl")
    assert e.field == "total_frames" and "annotation 0 ('a')" in str(e)
    with open(tmp_path / "bad.pkl", "wb") as f:
        pickle.dump({"split": {"x": ["a", "zzz"]}, "annotations": anns3d}, f)
    assert _error(read_pyskl, tmp_path / "bad.pkl").field == "split"
    no_label = {k: v for k, v in anns3d[0].items() if k != "label"}
    with open(tmp_path / "bad.pkl", "wb") as f:
        pickle.dump({"annotations": [no_label]}, f)
    e = _error(read_pyskl, tmp_path / "bad.pkl")
    assert e.field == "label" and "missing key 'label'" in str(e)


# -- pickles that try to run code ------------------------------------------------------------------------------
class _RunsShell:
    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


class _RunsSubprocess:
    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (subprocess.call, (["touch", str(self.marker)],))


class _RunsEval:
    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (eval, (f"open({str(self.marker)!r}, 'w').close()",))


@pytest.mark.parametrize("payload,refused", [(_RunsShell, "os.system"), (_RunsSubprocess, "subprocess.call"),
                                             (_RunsEval, "builtins.eval")])
@pytest.mark.parametrize("protocol", [2, 5])
def test_malicious_pickle_is_refused_and_nothing_runs(tmp_path, payload, refused, protocol):
    marker = tmp_path / "pwned"
    evil = payload(marker)
    # the payload works when unpickled normally (so the test would notice if the reader let it through)
    pickle.loads(pickle.dumps(evil, protocol=protocol))
    assert marker.exists()
    marker.unlink()
    ann = _annotations(1)[0]
    ann["img_shape"] = evil          # hidden deep inside an otherwise valid annotation file
    path = tmp_path / "evil.pkl"
    with open(path, "wb") as f:
        pickle.dump({"split": {"x": [ann["frame_dir"]]}, "annotations": [ann]}, f, protocol=protocol)
    with pytest.raises(UnsafePickleError) as e:
        read_pyskl(path)
    # the refused global is named as the pickle spells it (protocol 2 uses Python 2 module names, e.g. commands)
    func = refused.split(".")[-1]
    assert e.value.refused.endswith("." + func) and e.value.refused in str(e.value)
    assert "Nothing was executed" in str(e.value)
    with pytest.raises(UnsafePickleError):
        PysklDataset(path)
    # the checkpoint loader shares the policy: a plain pickle with code is refused, nothing runs
    with pytest.raises(UnsafeCheckpointError, match="refused to load the global"):
        load_pickle_checkpoint(path)
    assert not marker.exists()


def test_safe_pickle_admits_plain_data_only():
    data = {"a": np.arange(6, dtype=np.float32).reshape(2, 3), "i": np.int64(3), "f": np.float16(0.5),
            "od": collections.OrderedDict(x=[1, 2.5, None, True]), "s": {1, 2}, "fs": frozenset("ab"),
            "t": (b"by", "str", 3 + 4j), "objarr": np.array([1, "x"], dtype=object)}
    for protocol in range(6):
        out = safe_pickle_load(pickle.dumps(data, protocol=protocol))
        np.testing.assert_array_equal(out["a"], data["a"])
        assert out["i"] == 3 and out["od"] == data["od"] and out["s"] == {1, 2} and out["t"] == data["t"]
        assert out["objarr"].tolist() == [1, "x"]
    with pytest.raises(UnsafePickleError, match="torch._utils._rebuild_tensor_v2"):
        safe_pickle_load(pickle.dumps({"w": torch.zeros(2)}))   # tensors: torch.load(weights_only=True)'s job
    with pytest.raises(UnsafePickleError, match="collections.Counter"):
        safe_pickle_load(pickle.dumps(collections.Counter("ab")))


def test_plain_numpy_pickle_checkpoint_loads_as_tensors(tmp_path):
    path = tmp_path / "weights.pkl"
    with open(path, "wb") as f:
        pickle.dump({"state_dict": {"fc.weight": np.ones((2, 3), np.float32)}}, f, protocol=2)
    obj = load_pickle_checkpoint(path)
    assert torch.equal(obj["state_dict"]["fc.weight"], torch.ones(2, 3))


def test_readme_user_data_example_runs(tmp_path, monkeypatch):
    """The README's "Your own skeletons" snippet, run as written (in a temporary directory)."""
    import re
    from pathlib import Path
    text = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    section = text[text.index("### Your own skeletons"):]
    code = re.search(r"```python\n(.*?)```", section, re.S).group(1)
    monkeypatch.chdir(tmp_path)
    scope: dict = {}
    exec(compile(code, "README.md", "exec"), scope)
    assert (tmp_path / "mine.npz").is_file() and len(scope["ds"]) == 2
    assert scope["x"].shape == (1, 40, 25, 3) and scope["report"].joint_order is not None
