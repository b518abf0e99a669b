"""`motionzoo predict`: exit codes and output, on user containers, real dataset files and folders."""
from __future__ import annotations

import json
import os

import numpy as np
import pytest
import torch
from safetensors.torch import save_file

import motionzoo
from motionzoo._hub import save_state_dict
from motionzoo.cli import main
from motionzoo.data import reference_pose, write_pyskl, write_user_dataset
from conftest import need_shared

pytestmark = pytest.mark.usefixtures("one_thread")

CLASSES = ("wave", "clap", "kick")


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """A checkpoint as `motionzoo train` writes it: safetensors with the cfg (class names, builder args) embedded."""
    torch.manual_seed(0)
    model = motionzoo.create_model("temporal_rnn_stacked", topology="kinect_v1_20", num_classes=3).eval()
    cfg = model.pretrained_cfg.replace(categories=CLASSES, model_args={"topology": "kinect_v1_20"}, dataset="mine")
    path = tmp_path_factory.mktemp("run") / "best" / "model.safetensors"
    save_state_dict(model.state_dict(), path, cfg)
    return model, path


def _walk(T=30, seed=0):
    """(1, T, 20, 3) kinect_v1_20 metres: the reference body swinging its arms, with tracker noise."""
    rng = np.random.default_rng(seed)
    ref = reference_pose("kinect_v1_20")
    out = []
    for t in range(T):
        p = ref.copy()
        for wrist, hand, sign in ((6, 7, 1), (10, 11, -1)):
            p[[wrist, hand], 2] += sign * 0.15 * np.sin(t / 4)
        out.append(p + [0.0, 0.0, 2.5])
    return (np.stack(out) + rng.normal(scale=0.005, size=(T, 20, 3)))[None].astype(np.float32)


def test_predict_user_container_text_and_json(trained, tmp_path, capsys):
    model, ckpt = trained
    samples = [_walk(30, 0), _walk(45, 1)]
    data = write_user_dataset(tmp_path / "mine.npz", samples, keypoint_format="kinect_v1_20", names=["walk_a", "walk_b"])
    assert main(["predict", "temporal_rnn_stacked", "--checkpoint", str(ckpt), str(data), "--topk", "2"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 2 and lines[0].startswith("walk_a: 1. ") and "2. " in lines[0]
    assert all(any(c in line for c in CLASSES) for line in lines)

    # the run directory works as well (best/model.safetensors inside it)
    assert main(["predict", "temporal_rnn_stacked", "--checkpoint", str(ckpt.parent.parent), str(data), "--json",
                 "--topk", "3"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert [r["input"] for r in out["results"]] == ["walk_a", "walk_b"]
    preds = out["results"][1]["predictions"]
    probs = [p["probability"] for p in preds]
    assert [p["rank"] for p in preds] == [1, 2, 3] and probs == sorted(probs, reverse=True)
    assert sum(probs) == pytest.approx(1.0, abs=1e-5) and {p["class"] for p in preds} == set(CLASSES)
    # the numbers are the model's on resolve_transforms' output: recompute one directly
    x = motionzoo.resolve_transforms(model, train=False)(samples[1])
    with torch.no_grad():
        expect = model(x.unsqueeze(0)).softmax(-1)[0]
    for p in preds:
        assert p["class"] == CLASSES[p["index"]]
        assert p["probability"] == pytest.approx(float(expect[p["index"]]), rel=1e-5)


def test_predict_real_files_and_folder_with_a_broken_file(trained, tmp_path, capsys):
    _, ckpt = trained
    utd = need_shared("data", "utd_mhad", "Skeleton", "a1_s1_t1_skeleton.mat")
    assert main(["predict", "temporal_rnn_stacked", "--checkpoint", str(ckpt), str(utd), "--topk", "1"]) == 0
    assert capsys.readouterr().out.startswith("a1_s1_t1_skeleton.mat: 1. ")
    # a folder: NTU .skeleton files (ntu25, converted to the model's kinect_v1_20), a .npy, a broken file, and a
    # file of another kind that is skipped
    ntu = need_shared("data", "ntu_skeleton_excerpts")
    folder = tmp_path / "clips"
    folder.mkdir()
    for f in ntu.glob("*.skeleton"):
        (folder / f.name).write_bytes(f.read_bytes())
    np.save(folder / "mine.npy", _walk(20))
    write_pyskl(folder / "ann.pkl", [{"frame_dir": "pyskl_clip", "label": 0, "keypoint": _walk(15)}])
    (folder / "broken.skeleton").write_text("2\n1\nnot a body line\n")
    (folder / "notes.txt").write_text("not a sequence\n")
    assert main(["predict", "temporal_rnn_stacked", "--checkpoint", str(ckpt), str(folder), "--json"]) == 1
    cap = capsys.readouterr()
    names = [r["input"] for r in json.loads(cap.out)["results"]]
    assert names == ["S001C001P001R001A001.first2frames.skeleton", "S001C001P001R001A050.first2frames.skeleton",
                     "pyskl_clip", "mine.npy"]
    assert "broken.skeleton" in cap.err and "notes.txt" not in cap.err + cap.out


def test_predict_pose_estimator_keypoints_need_synthesize(trained, tmp_path, capsys):
    _, ckpt = trained
    coco = reference_pose("coco17")[None, None].repeat(12, axis=1)          # (1, 12, 17, 3) a still pose
    coco = coco + np.random.default_rng(0).normal(scale=0.005, size=coco.shape).astype(np.float32)
    data = write_user_dataset(tmp_path / "coco.npz", [coco], keypoint_format="coco17")
    args = ["predict", "temporal_rnn_stacked", "--checkpoint", str(ckpt), str(data)]
    assert main(args) == 1
    assert "synthesize=True" in capsys.readouterr().err
    assert main(args + ["--synthesize"]) == 0
    assert capsys.readouterr().out.startswith("sample_00000: 1. ")


def test_predict_checkpoint_without_cfg_and_bad_arguments(tmp_path, capsys):
    model = motionzoo.create_model("temporal_rnn_stacked", topology="kinect_v1_20", num_classes=4)
    bare = tmp_path / "bare.safetensors"
    save_file({k: v.contiguous() for k, v in model.state_dict().items()}, str(bare))
    data = write_user_dataset(tmp_path / "d.npz", [_walk(25)], keypoint_format="kinect_v1_20")
    base = ["predict", "temporal_rnn_stacked", "--checkpoint", str(bare), str(data)]
    assert main(base) == 1                           # the default topology (ntu25) does not fit the weights
    assert "--model-arg" in capsys.readouterr().err
    assert main(base + ["--model-arg", "topology=kinect_v1_20", "--topk", "10"]) == 0
    line = capsys.readouterr().out
    assert all(f"class_{i}" in line for i in range(4))   # num_classes from the classifier weights, generic names
    assert main(base + ["--model-arg", "topology"]) == 2
    assert main(["predict", "c3d", "--checkpoint", str(bare), str(data)]) == 1
    assert main(["predict", "temporal_rnn_stacked", "--checkpoint", str(tmp_path / "nope.safetensors"),
                 str(data)]) == 1
    assert "not found" in capsys.readouterr().err


def test_predict_into_a_closed_pipe_stops_quietly(trained, tmp_path):
    """`motionzoo predict ... | head -n 1`: when the reader goes away, no BrokenPipe traceback on stderr."""
    import subprocess
    import sys
    _, ckpt = trained
    data = tmp_path / "many.npz"
    write_user_dataset(data, [_walk(seed=i) for i in range(40)], labels=[0] * 40, keypoint_format="kinect_v1_20")
    proc = subprocess.run(f"{sys.executable} -m motionzoo.cli predict temporal_rnn_stacked --checkpoint {ckpt} "
                          f"{data} | head -n 1", shell=True, capture_output=True, text=True, timeout=300,
                          env={**os.environ, "OMP_NUM_THREADS": "1"})
    assert len(proc.stdout.splitlines()) == 1, proc.stdout
    assert "Traceback" not in proc.stderr and "BrokenPipe" not in proc.stderr, proc.stderr
