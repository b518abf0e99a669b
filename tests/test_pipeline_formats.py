"""The input pipelines on data in another keypoint format (`source_format`), 2-D keypoints with a score channel
(`coordinates`), the pose-LSTM pipeline's body count, and the generic recipe for data without a recipe."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from motionzoo.data import convert_keypoints, reference_pose
from motionzoo.data.pipeline import PipelineError, PoseFeaturePipeline, SkeletonSequencePipeline
from motionzoo.recipes import generic_recipe, get_recipe


def _coco(frames: int = 6, seed: int = 0) -> np.ndarray:
    """(1, T, 17, 3) image keypoints (x, y, score) of a moving body."""
    rng = np.random.default_rng(seed)
    xy = reference_pose("coco17", dims=2)[None, None] * 200 + rng.normal(size=(1, frames, 17, 2))
    score = rng.uniform(0.3, 1.0, size=(1, frames, 17, 1))
    return np.concatenate([xy, score], -1).astype(np.float32)


def test_source_format_converts_before_the_pipeline():
    x = _coco()
    with pytest.raises(PipelineError, match="synthesize"):           # refused when built, not at the first sample
        SkeletonSequencePipeline(topology="ntu25", source_format="coco17")
    converting = SkeletonSequencePipeline(topology="ntu25", source_format="coco17", synthesize=True, clip_len=6,
                                          normalization="center", coordinates=2)
    plain = SkeletonSequencePipeline(topology="ntu25", clip_len=6, normalization="center", coordinates=2)
    expected = plain(convert_keypoints(x, "coco17", "ntu25", synthesize=True)[0])
    torch.testing.assert_close(converting(x), expected)
    with pytest.raises(ValueError, match="V=17"):                     # the source format's joint count is checked
        converting(np.zeros((1, 6, 25, 3), np.float32) + 1)
    assert SkeletonSequencePipeline(topology="coco17", source_format="coco17").source_format is None


def test_score_channel_passes_through_unchanged():
    x = _coco()
    pipe = SkeletonSequencePipeline(topology="coco17", clip_len=6, temporal="pad_end", normalization="center",
                                    stream="joint+joint_motion")
    out = pipe(x).numpy()                                           # (T, 1, V, 6) or (1, T, V, 6)
    out = out.reshape(6, 17, 6) if out.shape[0] == 6 else out[0]
    # coco17 is a pose-estimator format: 2 coordinates (centred, differenced), the score kept in each stream
    np.testing.assert_allclose(out[..., 2], x[0, ..., 2])
    np.testing.assert_allclose(out[..., 5], x[0, ..., 2])
    hips = out[..., [11, 12], :2].mean(1)
    np.testing.assert_allclose(hips, 0, atol=1e-4)
    np.testing.assert_allclose(out[:-1, :, 3:5], out[1:, :, :2] - out[:-1, :, :2], atol=1e-4)   # x[t+1] - x[t]


def test_pose_feature_pipeline_bodies():
    pipe = PoseFeaturePipeline(length=10, num_person=2)
    one = _coco(frames=10)
    f = pipe(one).numpy()
    assert f.shape == (10, 68)
    # [joint][person][x, y]: the absent second body is zero, the first body's x, y are channels 0 and 1
    per = f.reshape(10, 17, 2, 2)
    assert (per[:, :, 1] == 0).all() and np.allclose(per[:, :, 0], one[0, ..., :2], atol=1e-4)
    three = np.concatenate([one, one, one])
    with pytest.raises(ValueError, match=r"bodies \[2\] carry data"):
        pipe(three)


def test_generic_recipe_follows_the_data():
    r = generic_recipe("lstm_baseline", "coco17", num_person=1, channels=3)
    base = get_recipe("lstm_baseline", "utd_mhad")
    assert (r.lr, r.epochs, r.optimizer) == (base.lr, base.epochs, base.optimizer)
    assert r.model_kwargs["topology"] == "coco17" and "in_chans" not in r.model_kwargs
    assert r.source.startswith("motionzoo's generic recipe") and "utd_mhad" in r.notes
    two = generic_recipe("lstm_baseline", "ntu25", num_person=2, channels=4)
    assert two.epochs == get_recipe("lstm_baseline", "sbu").epochs and two.model_kwargs["in_chans"] == 4
    pose = generic_recipe("pose_lstm", "body25")                 # no recipe of its own, no topology keyword
    assert "topology" not in pose.model_kwargs and pose.pipeline == {"subsample_long": True}
