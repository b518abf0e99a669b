"""pose_lstm and its TF checkpoint: reader, converter, pretrained tag, against the real upstream checkpoint and
the recorded TensorFlow outputs (../shared/reference/hpc_lstm_real_ckpt)."""
from __future__ import annotations

import shutil

import numpy as np
import pytest
import torch
from safetensors.torch import load_file

import motionzoo
from motionzoo import OfflineCacheMiss, get_cache_dir
from motionzoo.convert import get_converter
from motionzoo.convert.tf_checkpoint import TFCheckpoint, TFCheckpointError, crc32c
from motionzoo.convert.tf_pose_lstm import UPSTREAM_VARIABLES, convert_tf_pose_lstm
from motionzoo.models.pose_lstm import hpc_features

from conftest import need_shared

TAG = "pose_lstm.hpc5_2d"
TOL = 1e-5


pytestmark = pytest.mark.usefixtures("one_thread")


@pytest.fixture(scope="module")
def ckpt_dir():
    return need_shared("data", "human_pose_classification_ckpt", "model")


@pytest.fixture(scope="module")
def fixture():
    need_shared("reference", "hpc_lstm_real_ckpt.safetensors")
    return load_file(str(need_shared("reference", "hpc_lstm_real_ckpt.safetensors")))


def _converted_model(ckpt_dir):
    model = motionzoo.create_model("pose_lstm")
    model.load_state_dict(convert_tf_pose_lstm(ckpt_dir))
    return model.eval()


# -- architecture ----------------------------------------------------------------------------------------
def test_param_count_is_tf_exact():
    model = motionzoo.create_model("pose_lstm")
    assert sum(p.numel() for p in model.parameters()) == 34_373
    assert model.pretrained_cfg.num_params == 34_373
    other = motionzoo.create_model("pose_lstm", num_classes=8, num_joints=15, num_person=1)
    # (30 + 64) * 256 kernel + 256 bias + 64 * 8 + 8
    assert sum(p.numel() for p in other.parameters()) == 94 * 256 + 256 + 64 * 8 + 8


def test_shapes_lengths_and_heads():
    torch.manual_seed(0)
    model = motionzoo.create_model("pose_lstm").eval()
    x = torch.randn(3, 40, 68)
    with torch.no_grad():
        assert model(x).shape == (3, 5)
        assert model.forward_features(x).shape == (3, 64)
        # gathering at lengths-1 equals running the truncated sequence: padding after it has no influence
        lengths = torch.tensor([40, 17, 1])
        out = model(x, lengths)
        for b, n in enumerate(lengths.tolist()):
            torch.testing.assert_close(out[b], model(x[b:b + 1, :n])[0])
    assert model.get_classifier() is model.head
    model.reset_classifier(0)
    assert model(x).shape == (3, 64)
    model.reset_classifier(7)
    assert model(x).shape == (3, 7)
    assert motionzoo.create_model("pose_lstm", num_classes=0)(x).shape == (3, 64)


def test_canonical_input_uses_upstream_feature_order():
    x = torch.randn(2, 2, 11, 17, 3)   # N, M, T, V, C as the upstream arrays (C: x, unused, y)
    feats = hpc_features(x)
    assert feats.shape == (2, 11, 68)
    # [joint][person][channel]: feature 0..3 = joint 0 person 0 (x, y), joint 0 person 1 (x, y)
    torch.testing.assert_close(feats[:, :, 0], x[:, 0, :, 0, 0])
    torch.testing.assert_close(feats[:, :, 1], x[:, 0, :, 0, 2])
    torch.testing.assert_close(feats[:, :, 2], x[:, 1, :, 0, 0])
    torch.testing.assert_close(feats[:, :, 5], x[:, 0, :, 1, 2])
    model = motionzoo.create_model("pose_lstm", xy_channels=(0, 2)).eval()
    with torch.no_grad():
        torch.testing.assert_close(model(x), model(feats))


def test_three_channel_input_needs_its_channel_convention():
    """C = 3 is (x, y, score) in canonical coco17 but (x, unused, y) in the upstream arrays: the model must not
    guess.  Without `xy_channels` it raises; with it, it takes exactly those channels."""
    x = torch.randn(2, 2, 11, 17, 3)
    with pytest.raises(ValueError, match=r"xy_channels=\(0, 1\).*xy_channels=\(0, 2\)"):
        motionzoo.create_model("pose_lstm")(x)
    canonical = motionzoo.create_model("pose_lstm", xy_channels=(0, 1)).eval()
    with torch.no_grad():
        torch.testing.assert_close(canonical(x), canonical(x[..., :2]))
        torch.testing.assert_close(canonical(x), canonical(hpc_features(x, (0, 1))))
    with pytest.raises(ValueError, match="xy_channels"):
        motionzoo.create_model("pose_lstm", xy_channels=(0, 3))


def test_batched_features_agree_with_the_data_transform():
    from motionzoo.data.transforms import hpc_frame_features
    x = torch.randn(3, 2, 9, 17, 3)
    for b in range(3):
        torch.testing.assert_close(hpc_features(x)[b], torch.from_numpy(hpc_frame_features(x[b].numpy())))


@pytest.mark.parametrize("shape", [(2, 10, 67), (2, 0, 68), (2, 68), (2, 2, 10, 25, 3), (2, 3, 10, 17, 2)])
def test_bad_input_names_the_layout(shape):
    model = motionzoo.create_model("pose_lstm")
    with pytest.raises(ValueError, match="N,T,F with F=68"):
        model(torch.zeros(shape))


def test_bad_lengths():
    model = motionzoo.create_model("pose_lstm")
    with pytest.raises(ValueError, match="lengths"):
        model(torch.zeros(2, 5, 68), torch.tensor([5, 6]))


# -- TF checkpoint reader ----------------------------------------------------------------------------------
def test_reader_decodes_the_variables_exactly(ckpt_dir, fixture):
    ckpt = TFCheckpoint(ckpt_dir)
    assert set(ckpt.entries) == set(UPSTREAM_VARIABLES)
    # the index agrees with skeleton-models.md §B.6 (offsets and sizes in the data shard)
    layout = {e.name: (e.offset, e.size, e.shape) for e in ckpt.entries.values()}
    assert layout == {"Variable": (0, 1280, (64, 5)), "Variable_1": (1280, 20, (5,)),
                      "rnn/basic_lstm_cell/bias": (1300, 1024, (256,)),
                      "rnn/basic_lstm_cell/kernel": (2324, 135_168, (132, 256))}
    for name, arr in ckpt.read_all().items():
        assert arr.dtype == np.float32
        assert np.array_equal(arr, fixture[f"ckpt.{name}"].numpy()), name
    # every way of naming the same checkpoint
    for p in (ckpt_dir / "my-model", ckpt_dir / "my-model.index", ckpt_dir / "my-model.data-00000-of-00001"):
        assert TFCheckpoint(p).prefix == ckpt.prefix


def test_crc32c_known_value():
    assert crc32c(b"123456789") == 0xE3069283   # the standard CRC-32C check value


@pytest.mark.parametrize("which, pos", [("my-model.index", 20), ("my-model.data-00000-of-00001", 5000)])
def test_reader_detects_corruption(ckpt_dir, tmp_path, which, pos):
    for f in ("my-model.index", "my-model.data-00000-of-00001"):
        shutil.copy(ckpt_dir / f, tmp_path / f)
    data = bytearray((tmp_path / which).read_bytes())
    data[pos] ^= 0x01
    (tmp_path / which).write_bytes(bytes(data))
    with pytest.raises(TFCheckpointError, match="CRC"):
        TFCheckpoint(tmp_path / "my-model").read_all()


def test_reader_rejects_truncated_and_foreign_files(ckpt_dir, tmp_path):
    shutil.copy(ckpt_dir / "my-model.index", tmp_path / "my-model.index")
    data = (ckpt_dir / "my-model.data-00000-of-00001").read_bytes()
    (tmp_path / "my-model.data-00000-of-00001").write_bytes(data[:-100])
    with pytest.raises(TFCheckpointError, match="truncated"):
        TFCheckpoint(tmp_path / "my-model").read("rnn/basic_lstm_cell/kernel")
    (tmp_path / "x.index").write_bytes(b"\0" * 64)
    with pytest.raises(TFCheckpointError, match="magic"):
        TFCheckpoint(tmp_path / "x.index")


# -- converter against the recorded TensorFlow outputs -----------------------------------------------------
def test_converter_reproduces_tensorflow(ckpt_dir, fixture):
    model = _converted_model(ckpt_dir)
    x = fixture["input"].float()                              # (2, 350, 68)
    with torch.no_grad():
        full = model(x, fixture["seqlen"])
        var = model(x, fixture["seqlen_350_200"])
    assert (full - fixture["output"]).abs().max().item() < TOL
    assert (var - fixture["output_seqlen_350_200"]).abs().max().item() < TOL
    assert not torch.allclose(var[1], full[1])                 # the [350, 200] case is really different


def test_converter_accepts_a_mapping_and_checks_it(ckpt_dir, fixture):
    upstream = {k: fixture[f"ckpt.{k}"] for k in UPSTREAM_VARIABLES}
    from_path = convert_tf_pose_lstm(ckpt_dir)
    from_map = convert_tf_pose_lstm(upstream)
    assert from_path.keys() == from_map.keys()
    for k in from_path:
        assert torch.equal(from_path[k], from_map[k])
    # forget_bias is folded into the forget block (2nd block in PyTorch order) only
    bias = fixture["ckpt.rnn/basic_lstm_cell/bias"]
    gate_bias = from_map["lstm.weight_ih_l0"][:, -1]
    torch.testing.assert_close(gate_bias[64:128], bias[128:192] + 1.0)   # f
    torch.testing.assert_close(gate_bias[128:192], bias[64:128])         # g = j
    with pytest.raises(KeyError, match="missing"):
        convert_tf_pose_lstm({k: v for k, v in upstream.items() if k != "Variable"})


def test_cli_convert(ckpt_dir, fixture, tmp_path):
    from motionzoo.cli import main
    dst = tmp_path / "pose_lstm.safetensors"
    assert main(["convert", "tf-pose-lstm", str(ckpt_dir), str(dst)]) == 0
    model = motionzoo.create_model("pose_lstm", checkpoint_path=str(dst)).eval()
    with torch.no_grad():
        assert (model(fixture["input"].float()) - fixture["output"]).abs().max().item() < TOL
    assert get_converter("tf-pose-lstm").arch == "pose_lstm"


# -- pretrained tag, through the cache (no network) ----------------------------------------------------------
def _seed_cache(ckpt_dir):
    cfg = motionzoo.get_pretrained_cfg(TAG)
    dest = get_cache_dir() / "upstream" / TAG
    dest.mkdir(parents=True, exist_ok=True)
    for src in cfg.source_files:
        shutil.copy(ckpt_dir / src.name, dest / src.name)


def test_pretrained_tag_metadata():
    cfg = motionzoo.get_pretrained_cfg(TAG)
    assert cfg.converter == "tf-pose-lstm" and cfg.license.startswith("MIT")
    assert motionzoo.list_models("pose_lstm", pretrained=True) == [TAG]
    for src in cfg.source_files:
        assert src.urls[0].startswith("https://raw.githubusercontent.com/IT-BillDeng/Human-Pose-Classification/"
                                      "063197b41854843d4ecf036cf37138b9f5ab3043/model/")
        assert len(src.sha256) == 64


def test_pretrained_from_cache_matches_tensorflow(ckpt_dir, fixture, monkeypatch):
    monkeypatch.setenv("MOTIONZOO_OFFLINE", "1")
    with pytest.raises(OfflineCacheMiss):
        motionzoo.create_model(TAG, pretrained=True)
    _seed_cache(ckpt_dir)
    model = motionzoo.create_model(TAG, pretrained=True)
    assert not model.training
    with torch.no_grad():
        out = model(fixture["input"].float(), fixture["seqlen_350_200"])
    assert (out - fixture["output_seqlen_350_200"]).abs().max().item() < TOL
    assert motionzoo.create_model("pose_lstm", pretrained=True).pretrained_cfg.tag == "hpc5_2d"


def test_pretrained_finetune_head(ckpt_dir, monkeypatch):
    monkeypatch.setenv("MOTIONZOO_OFFLINE", "1")
    _seed_cache(ckpt_dir)
    ref = motionzoo.create_model(TAG, pretrained=True)
    model = motionzoo.create_model(TAG, pretrained=True, num_classes=10)
    assert model.head.out_features == 10 and model.pretrained_cfg.num_classes_overridden
    for k in ("lstm.weight_ih_l0", "lstm.weight_hh_l0"):
        assert torch.equal(model.state_dict()[k], ref.state_dict()[k])
    assert model(torch.randn(1, 350, 68)).shape == (1, 10)
