"""C3D: architecture invariants, the c3d-sports1m converter against the DavideA/c3d-pytorch fixture, pool5
modes, in_chans / num_classes adaptation of converted weights, input checks."""
from __future__ import annotations

import pytest
import torch

import motionzoo as mz
from motionzoo._builder import load_checkpoint_into
from motionzoo._hub import UnsafeCheckpointError, save_state_dict
from motionzoo.convert import get_converter
from motionzoo.convert.c3d_sports1m import C3D_KEYS
from motionzoo.models.c3d import C3D

from mzfill import assert_close_scaled, load_fixture


pytestmark = pytest.mark.usefixtures("one_thread")


@pytest.fixture(scope="module")
def fixture_c3d(request):
    from conftest import REFERENCE
    if not (REFERENCE / "c3d_sports1m.json").exists():
        pytest.skip("../shared/reference/c3d_sports1m not present")
    meta, ref, filled = load_fixture(REFERENCE, "c3d_sports1m")
    return meta, ref, get_converter("c3d-sports1m").fn(filled)


def test_param_count_and_keys():
    with torch.device("meta"):
        model = mz.create_model("c3d")
        n101 = sum(p.numel() for p in C3D(num_classes=101).parameters())
    n = sum(p.numel() for p in model.parameters())
    assert n == 79_991_015 == mz.get_pretrained_cfg("c3d").num_params
    assert n == 77_995_776 + 4_097 * 487
    assert len(model.state_dict()) == 22
    assert n101 == 77_995_776 + 4_097 * 101


def test_pretrained_tag_metadata():
    cfg = mz.get_pretrained_cfg("c3d.sports1m_caffe")
    assert mz.is_model_pretrained("c3d.sports1m_caffe")
    assert cfg.converter == "c3d-sports1m" and get_converter("c3d-sports1m").arch == "c3d"
    (src,) = cfg.source_files
    assert src.name == "c3d.pickle" and src.urls and src.sha256 is None   # not pinned: trust on first use
    assert {d["flag"] for d in cfg.deviations} >= {"pool5"}
    assert cfg.first_conv == "conv1" and cfg.classifier == "fc8"


@pytest.fixture(scope="module")
def port_run(fixture_c3d):
    """One forward of the converted fixture weights with the port's pool5: (ref, sd, pool5, conv5b, fc6)."""
    _, ref, sd = fixture_c3d
    model = C3D(pool5="port").eval()
    model.load_state_dict(sd)
    with torch.no_grad():
        pool5, (conv5b, fc6) = model.forward_intermediates(ref["input"].float(), ["conv5b", "fc6"])
    return ref, sd, model, pool5, conv5b, fc6


def test_fixture_port_pool5(port_run):
    ref, _, model, pool5, _, fc6 = port_run
    with torch.no_grad():
        logits = model.forward_head(pool5)
        fc7 = model.forward_head(pool5, pre_logits=True)
    assert_close_scaled(pool5, ref["intermediate.pool5"])
    assert_close_scaled(pool5.mean(dim=(2, 3, 4)), ref["endpoint_mean.pool5"])
    assert_close_scaled(fc6, ref["intermediate.fc6_preact"].relu())
    assert_close_scaled(fc7, ref["intermediate.fc7_preact"].relu())
    assert_close_scaled(logits, ref["logits"])
    assert_close_scaled(logits.softmax(dim=1), ref["probs"])   # the port returns softmax probabilities


def test_caffe_pool5_windows(port_run):
    ref, sd, _, _, conv5b, _ = port_run
    caffe = C3D(pool5="caffe")
    fc = caffe.pool5(conv5b)
    assert fc.shape == (1, 512, 1, 4, 4)
    assert not torch.allclose(fc, ref["intermediate.pool5"], atol=1e-3)
    # Caffe ceil-mode windows {0,1},{2,3},{4,5},{6} over H and W (the port's are {0},{1,2},{3,4},{5,6}).
    windows = [slice(0, 2), slice(2, 4), slice(4, 6), slice(6, 7)]
    expected = torch.stack([torch.stack([conv5b[..., r, c].amax(dim=(2, 3, 4)) for c in windows], -1)
                            for r in windows], -2)[:, :, None]
    torch.testing.assert_close(fc, expected)


def test_adaptation_of_converted_weights(fixture_c3d, tmp_path):
    _, ref, sd = fixture_c3d
    path = tmp_path / "c3d.safetensors"
    save_state_dict(sd, path)
    rgbd = mz.create_model("c3d", in_chans=4, checkpoint_path=str(path))
    w = sd["conv1.weight"]
    torch.testing.assert_close(rgbd.conv1.weight, torch.cat([w, w.mean(1, keepdim=True)], 1) * 0.75)
    torch.testing.assert_close(rgbd.conv2.weight, sd["conv2.weight"])
    assert rgbd.pretrained_cfg.in_chans == 4
    cfg = mz.get_pretrained_cfg("c3d.sports1m_caffe")
    ten = C3D(num_classes=10)
    load_checkpoint_into(ten, sd, cfg, "fixture")
    assert ten.fc8.weight.shape == (10, 4096)
    torch.testing.assert_close(ten.fc7.weight, sd["fc7.weight"])
    headless = C3D(num_classes=0).eval()
    load_checkpoint_into(headless, sd, cfg, "fixture")
    with torch.no_grad():
        assert_close_scaled(headless.forward_head(ref["intermediate.pool5"]), ref["intermediate.fc7_preact"].relu())


def test_converter_inputs(tmp_path):
    with torch.device("meta"):
        names = list(C3D().state_dict())
    assert names == list(C3D_KEYS)
    small = {"conv1.weight": torch.randn(64, 3, 3, 3, 3), "conv1.bias": torch.randn(64)}
    torch.save(small, tmp_path / "c3d.pickle")   # read from a path through torch.load(weights_only=True)
    with pytest.raises(ValueError, match="missing.*conv2.weight"):
        get_converter("c3d-sports1m").fn(tmp_path / "c3d.pickle")
    torch.save({**small, "obj": torch.nn.ReLU()}, tmp_path / "unsafe.pickle")
    with pytest.raises(UnsafeCheckpointError, match="allow_unsafe_pickle=True"):
        get_converter("c3d-sports1m").fn(tmp_path / "unsafe.pickle")


def test_shapes_heads_and_bad_input():
    model = C3D(num_classes=7).eval()
    x = torch.randn(1, 3, 16, 112, 112)
    with torch.no_grad():
        final, maps = model.forward_intermediates(x)
        out = model.forward_head(final)
    assert out.shape == (1, 7)
    assert [m.shape[1] for m in maps] == [f["num_chs"] for f in model.feature_info]
    assert maps[-1].shape == (1, 512, 2, 7, 7) and final.shape == (1, 512, 1, 4, 4)
    assert model.get_classifier() is model.fc8
    model.reset_classifier(0)
    with torch.no_grad():
        assert model.forward_head(final).shape == (1, 4096)
    with pytest.raises(ValueError, match="N,C,T,H,W"):
        model(torch.randn(3, 16, 112, 112))
    with pytest.raises(ValueError, match="16,112,112"):
        model(torch.randn(1, 3, 16, 64, 64))
    with pytest.raises(ValueError, match="C=3"):
        model(torch.randn(1, 1, 16, 112, 112))


def test_from_scratch_init_keeps_the_signal_and_adaptive_pool5_takes_small_clips():
    """PyTorch's default init shrinks the signal ~6x in variance per ReLU layer: pool5 features of a unit-variance
    clip came out with std 0.003 and a from-scratch C3D could not fit one batch of synthetic clips
    (tests/test_video_overfit.py).  He init keeps them an order of magnitude larger.  pool5='adaptive' gives fc6
    its 512x1x4x4 map from a 32-pixel clip."""
    torch.manual_seed(0)
    model = C3D(num_classes=4, pool5="adaptive").eval()
    x = torch.randn(2, 3, 16, 32, 32)
    with torch.no_grad():
        f = model.forward_features(x)
        assert f.shape == (2, 512, 1, 4, 4) and f.std() > 0.02
        assert model(x).shape == (2, 4)
    model.reset_classifier(5)
    assert float(model.fc8.weight.std()) == pytest.approx(0.01, rel=0.1)
    with pytest.raises(ValueError, match="pool5='adaptive'"):
        C3D(num_classes=4)(x)
