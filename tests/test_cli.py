"""The `motionzoo` command end to end (in-process through `main`, as the console script calls it)."""
from __future__ import annotations

import json

from motionzoo.cli import main
from conftest import cache_pose_lstm_weights, need_shared


def test_list_and_patterns(capsys):
    assert main(["list", "temporal_rnn_*"]) == 0
    out = capsys.readouterr().out
    assert "temporal_rnn_hierarchical" in out and "15,448,124" in out and "spatial_rnn" not in out


def test_list_pretrained_names_are_tags(capsys):
    assert main(["list", "--pretrained"]) == 0
    names = [line.split()[0] for line in capsys.readouterr().out.splitlines() if line.strip()]
    assert names and all("." in n for n in names)


def test_info_shows_contract_and_published(capsys):
    assert main(["info", "two_stream_rnn"]) == 0
    out = capsys.readouterr().out
    assert "24,221,816" in out and "NTVC" in out and "71.3" in out
    assert main(["info", "two_stream_rnn", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["num_params"] == 24_221_816


def test_info_says_whether_weights_are_verified(capsys):
    assert main(["info", "c3d.sports1m_caffe"]) == 0
    assert "unverified upstream file (trust on first use)" in capsys.readouterr().out
    assert main(["info", "pose_lstm.hpc5_2d"]) == 0
    assert "sha256 pinned" in capsys.readouterr().out
    assert main(["list", "--pretrained", "--markdown"]) == 0
    out = capsys.readouterr().out
    assert "| `c3d.sports1m_caffe` |" in out and "unverified upstream file" in out


def test_unknown_model_error_suggests(capsys):
    assert main(["info", "two_stream_rn"]) == 1
    assert "two_stream_rnn" in capsys.readouterr().err


def test_convert_lists_formats(capsys):
    assert main(["convert", "list"]) == 0
    out = capsys.readouterr().out
    for fmt in ("tf-pose-lstm", "c3d-sports1m", "i3d-pytorch", "nas201-xautodl", "drsr"):
        assert fmt in out


def test_convert_real_tf_checkpoint_and_load_it(tmp_path, capsys):
    src = need_shared("data", "human_pose_classification_ckpt", "model")
    dst = tmp_path / "pose_lstm.safetensors"
    assert main(["convert", "tf-pose-lstm", str(src), str(dst)]) == 0
    import motionzoo
    m = motionzoo.create_model("pose_lstm", checkpoint_path=str(dst))
    ref = motionzoo.create_model("pose_lstm.hpc5_2d", pretrained_cfg_overlay={"file": str(dst)}, pretrained=True)
    for (k, a), (_, b) in zip(m.state_dict().items(), ref.state_dict().items()):
        assert (a == b).all(), k


def test_download_bundle_offline_from_cache_and_verify(tmp_path, monkeypatch, capsys):
    cache_pose_lstm_weights(monkeypatch)
    bundle = tmp_path / "bundle"
    assert main(["download", "pose_lstm.hpc5_2d", "--dest", str(bundle)]) == 0
    manifest = json.loads((bundle / "manifest.json").read_text())
    assert manifest[0]["name"] == "pose_lstm.hpc5_2d" and manifest[0]["cfg"]["num_classes"] == 5
    assert main(["verify", str(bundle)]) == 0
    f = bundle / manifest[0]["file"]
    f.write_bytes(f.read_bytes()[:-1] + b"\0")
    assert main(["verify", str(bundle)]) == 1
    assert "MISMATCH" in capsys.readouterr().out


def test_download_offline_miss_is_a_clear_error(monkeypatch, capsys):
    monkeypatch.setenv("MOTIONZOO_OFFLINE", "1")
    assert main(["download", "pose_lstm.hpc5_2d"]) == 1
    err = capsys.readouterr().err
    assert "MOTIONZOO_OFFLINE" in err, err
    assert "checkpoint is not cached" in err and "sha256" in err, "the miss names the file and its hash"


def test_show_real_sample(tmp_path):
    need_shared("data", "sbu_kinect_interaction")
    out = tmp_path / "sbu.png"
    assert main(["show", "sbu[3]", "-o", str(out)]) == 0
    from PIL import Image
    import numpy as np
    img = np.asarray(Image.open(out).convert("L"))
    assert img.shape[0] > 100 and len(np.unique(img)) > 20, "the drawing must not be blank"
