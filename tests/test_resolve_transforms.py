"""`resolve_transforms`: the pipeline bound to a model's cfg, as the benchmarks use it."""
from __future__ import annotations

import numpy as np
import pytest
import torch

import motionzoo
from motionzoo.data.pipeline import SkeletonRNNPipeline


def _walk(m=1, t=30, v=25, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(m, t, v, 3)).astype(np.float32) * 0.1
    x[..., 2] += 3.0
    return x


def test_two_stream_rnn_pipeline_follows_the_cfg():
    model = motionzoo.create_model("two_stream_rnn")
    t = motionzoo.resolve_transforms(model)
    assert isinstance(t, SkeletonRNNPipeline) and t.topology == "ntu25" and t.clip_len == 100
    assert t.normalization == "two_centre" and not t.train
    y = t(_walk(t=30))
    assert y.shape == (100, 25, 3) and y.dtype == torch.float32
    assert torch.all(y[:70] == 0), "the authors' rule prepends zeros: real frames end at t = T-1"
    assert torch.equal(y, t(_walk(t=30))), "eval pipeline is deterministic"
    with torch.no_grad():
        assert model.eval()(y[None]).shape == (1, 60)


def test_train_pipeline_augments_and_is_seeded():
    model = motionzoo.create_model("two_stream_rnn")
    a = motionzoo.resolve_transforms(model, train=True, seed=1)
    b = motionzoo.resolve_transforms(model, train=True, seed=1)
    outs_a = [a(_walk()) for _ in range(6)]
    outs_b = [b(_walk()) for _ in range(6)]
    assert all(torch.equal(x, y) for x, y in zip(outs_a, outs_b))
    assert any(not torch.equal(outs_a[0], o) for o in outs_a[1:]), "training draws must vary"


def test_concat_persons_and_scene_centring_keep_relative_positions():
    model = motionzoo.create_model("two_stream_rnn", layout="sbu15", persons="concat", num_person=2, window=12,
                                   num_classes=8)
    t = motionzoo.resolve_transforms(model, clip_len=24, temporal="resample", normalization="scene")
    x = _walk(m=2, t=20, v=15)
    x[1, ..., 0] += 1.5                                     # person B stands 1.5 m to the side
    y = t(x)
    assert y.shape == (2, 24, 15, 3)
    gap = (y[1, :, :, 0] - y[0, :, :, 0]).mean()
    assert abs(gap.item() - 1.5) < 0.1, "scene centring must keep the distance between the persons"
    assert model.eval()(y[None]).shape == (1, 8)


def test_bad_samples_name_the_expected_layout():
    t = motionzoo.resolve_transforms("two_stream_rnn")
    with pytest.raises(ValueError, match="V=25"):
        t(np.zeros((1, 10, 20, 3), np.float32))
    with pytest.raises(ValueError, match="0 frames"):
        t(np.zeros((1, 0, 25, 3), np.float32))


def test_other_families():
    pose = motionzoo.resolve_transforms("pose_lstm")
    f = pose(np.random.default_rng(0).normal(size=(2, 40, 17, 3)).astype(np.float32))
    assert f.shape == (350, 68)
    img = motionzoo.resolve_transforms("nasbench201")
    assert img(_walk(t=40, v=20)).shape[-2:] == (20, 68)
