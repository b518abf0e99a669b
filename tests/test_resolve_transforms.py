"""`resolve_transforms`: the pipeline bound to a model's cfg and recipe, as the benchmarks and users get it."""
from __future__ import annotations

import numpy as np
import pytest
import torch
from torch.utils.data import DataLoader

import motionzoo
from motionzoo.data import UTDMHADDataset
from motionzoo.data.pipeline import PipelineError, SkeletonSequencePipeline
from motionzoo.engine import make_loader
from motionzoo.recipes import get_recipe

from conftest import DATA, need_shared


def _walk(m=1, t=30, v=25, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(m, t, v, 3)).astype(np.float32) * 0.1
    x[..., 2] += 3.0
    return x


def test_two_stream_rnn_pipeline_follows_the_cfg():
    model = motionzoo.create_model("two_stream_rnn")
    t = motionzoo.resolve_transforms(model)
    assert isinstance(t, SkeletonSequencePipeline) and t.topology == "ntu25" and t.clip_len == 100
    assert t.normalization == "two_centre" and not t.train
    y = t(_walk(t=30))
    assert y.shape == (100, 25, 3) and y.dtype == torch.float32
    assert torch.all(y[:70] == 0), "the authors' rule prepends zeros: real frames end at t = T-1"
    assert torch.equal(y, t(_walk(t=30))), "eval pipeline is deterministic"
    with torch.no_grad():
        assert model.eval()(y[None]).shape == (1, 60)


def test_recipe_pipeline_fields_replace_the_cfg_fields():
    recipe = get_recipe("two_stream_rnn", "utd_mhad")
    model = motionzoo.create_model("two_stream_rnn", num_classes=27, **recipe.model_kwargs)
    t = motionzoo.resolve_transforms(model, recipe=recipe)
    assert (t.topology, t.clip_len, t.normalization, t.temporal) == ("kinect_v1_20", 32, "first_frame", "resample")
    assert motionzoo.resolve_transforms(model, recipe="utd_mhad") == t      # a dataset key looks the recipe up
    with torch.no_grad():
        assert model.eval()(t(_walk(t=50, v=20))[None]).shape == (1, 27)


def test_unknown_pipeline_fields_raise_naming_the_fields():
    with pytest.raises(PipelineError, match="no field.*bogus.*fields: .*clip_len"):
        motionzoo.resolve_transforms("two_stream_rnn", bogus=1)
    with pytest.raises(PipelineError, match="normalization"):
        motionzoo.resolve_transforms("two_stream_rnn", normalization="unit_ball")


def test_augmentation_depends_on_seed_epoch_and_index_only(tmp_path):
    """The training-issue defect: one generator per pipeline, copied into every worker and re-created every
    epoch, gave identical draws across workers and epochs.  Now item i of epoch e is a function of (seed, e, i)."""
    need_shared(DATA / "utd_mhad")
    t = motionzoo.resolve_transforms("lstm_baseline", train=True, recipe="utd_mhad")
    ds = UTDMHADDataset(split="train", transform=t, seed=0, cache_dir=tmp_path, subjects=[1])

    def epoch_batches(workers, epoch, seed=0):
        ds.seed = seed
        ds.set_epoch(epoch)
        loader = DataLoader(ds, batch_size=4, shuffle=False, num_workers=workers)
        return torch.cat([x for x, _ in loader][:4])

    e0 = epoch_batches(0, 0)
    assert torch.equal(e0, epoch_batches(2, 0)), "samples must not depend on the worker count"
    assert not torch.equal(e0, epoch_batches(0, 1)), "epochs must draw different augmentations"
    assert not torch.equal(e0, epoch_batches(0, 0, seed=1)), "seeds must draw different augmentations"
    assert len({tuple(x.flatten()[:8].tolist()) for x in e0}) == len(e0), "items must draw independently"


def test_engine_tells_the_dataset_the_epoch(tmp_path):
    need_shared(DATA / "utd_mhad")
    t = motionzoo.resolve_transforms("lstm_baseline", train=True, recipe="utd_mhad")
    ds = UTDMHADDataset(split="train", transform=t, seed=3, cache_dir=tmp_path, subjects=[1])
    from torch.utils.data import Subset
    from motionzoo.engine.loop import _set_epoch
    loader = make_loader(Subset(ds, range(8)), 4, train=True, seed=3)
    _set_epoch(loader, 5)
    assert ds.epoch == 5, "set_epoch must reach the dataset through Subset wrappers"


def test_concat_persons_keep_relative_positions_and_never_drop_a_body():
    model = motionzoo.create_model("two_stream_rnn", topology="sbu15", persons="concat", num_person=2, window=12,
                                   num_classes=8)
    t = motionzoo.resolve_transforms(model, clip_len=24, temporal="resample", normalization="scene")
    x = _walk(m=2, t=20, v=15)
    x[1, ..., 0] += 1.5                                     # person B stands 1.5 m to the side
    y = t(x)
    assert y.shape == (2, 24, 15, 3)
    gap = (y[1, :, :, 0] - y[0, :, :, 0]).mean()
    assert abs(gap.item() - 1.5) < 0.1, "scene centring must keep the distance between the persons"
    assert model.eval()(y[None]).shape == (1, 8)
    three = np.concatenate([x, _walk(m=1, t=20, v=15, seed=5)])
    with pytest.raises(ValueError, match=r"bodies \[2\] carry data.*num_person=2"):
        t(three)
    padded = np.concatenate([x, np.zeros_like(x[:1])])     # an empty third body is no data lost
    assert torch.equal(t(padded), y)


def test_bad_samples_name_the_expected_layout():
    t = motionzoo.resolve_transforms("two_stream_rnn")
    with pytest.raises(ValueError, match="V=25"):
        t(np.zeros((1, 10, 20, 3), np.float32))
    with pytest.raises(ValueError, match="0 frames"):
        t(np.zeros((1, 0, 25, 3), np.float32))
    nan = _walk()
    nan[0, 3, 4, 1] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        t(nan)


def test_pose_lstm_pipeline():
    pose = motionzoo.resolve_transforms("pose_lstm")
    f = pose(np.random.default_rng(0).normal(size=(2, 40, 17, 3)).astype(np.float32))
    assert f.shape == (350, 68)


def test_nasbench201_images_are_normalised_by_the_cfg():
    """The cfg's mean/std are the thesis' UTD-MHAD statistics: on real UTD-MHAD samples the pipeline's images
    must come out centred with unit spread per channel (before the fix they were plain 0..1 images)."""
    need_shared(DATA / "utd_mhad")
    cfg = motionzoo.get_pretrained_cfg("nasbench201")
    t = motionzoo.resolve_transforms("nasbench201")
    assert (t.height, t.width) == cfg.input_size[1:] and t.mean == cfg.mean and t.std == cfg.std
    from motionzoo.data import read_utd_mhad
    from motionzoo.data.utd_mhad import list_utd_mhad
    files = list_utd_mhad(DATA / "utd_mhad")[::8]
    imgs = torch.stack([t(read_utd_mhad(f["path"], canonical=False)) for f in files])
    assert imgs.shape[1:] == (3, 20, 68)
    mean, std = imgs.mean(dim=(0, 2, 3)), imgs.std(dim=(0, 2, 3))
    assert torch.all(mean.abs() < 0.25), mean
    assert torch.all((std - 1).abs() < 0.25), std


def test_streams_side_by_side_and_augmentation_on_joints():
    """`stream="joint+joint_motion"` puts the positions and their frame differences side by side; the random
    rotation turns the joints, so the motion channels are the differences of the turned joints."""
    x = _walk(t=40, v=20)
    both = motionzoo.resolve_transforms("lstm_baseline", train=True, recipe="utd_mhad", stream="joint+joint_motion")
    one = motionzoo.resolve_transforms("lstm_baseline", train=True, recipe="utd_mhad")
    y = both(x, rng=np.random.default_rng(4))
    j = one(x, rng=np.random.default_rng(4))
    assert y.shape[-1] == 6 and torch.equal(y[..., :3], j)
    torch.testing.assert_close(y[..., :-1, :, 3:], j[..., 1:, :, :] - j[..., :-1, :, :])
    assert not y[..., -1, :, 3:].any()
    model = motionzoo.create_model("temporal_rnn_hierarchical", topology="kinect_v1_20", in_chans=6, num_classes=27)
    assert model(y.unsqueeze(0)).shape == (1, 27)


# -- the GCN feeders' temporal handling -----------------------------------------------------------------------------
@pytest.mark.parametrize("t, length", [(37, 64), (100, 64), (64, 64), (1, 52), (300, 52)])
def test_resample_interpolate_is_the_ctrgcn_feeders_resize(t, length):
    """The CTR-GCN feeder resizes the (C V M, T) image with F.interpolate(bilinear, align_corners=False)."""
    from motionzoo.data import resample_interpolate
    x = np.random.default_rng(t).normal(size=(2, t, 25, 3)).astype(np.float32)
    img = torch.from_numpy(x).permute(0, 2, 3, 1).reshape(1, 1, 2 * 25 * 3, t)       # (M V C) rows, T columns
    ref = torch.nn.functional.interpolate(img, size=(2 * 25 * 3, length), mode="bilinear", align_corners=False)
    ref = ref.reshape(2, 25, 3, length).permute(0, 3, 1, 2).numpy()
    y = resample_interpolate(x, length)
    assert y.shape == (2, length, 25, 3) and y.dtype == np.float32
    np.testing.assert_allclose(y, ref, rtol=0, atol=1e-6)


def test_pad_end_keeps_the_first_frames_and_appends_zeros():
    """ST-GCN's NTU data: the sequence at the start of a fixed-length buffer, zeros after it."""
    x = _walk(t=30)
    y = motionzoo.resolve_transforms("stgcn", clip_len=50)(x[None][:, 0])
    assert y.shape == (2, 50, 25, 3)                                          # 2 person slots, second zero-filled
    torch.testing.assert_close(y[0, :30], torch.from_numpy(x[0]))
    assert not y[:, 30:].any() and not y[1].any()
    long = _walk(t=80)
    torch.testing.assert_close(motionzoo.resolve_transforms("stgcn", clip_len=50)(long)[0], torch.from_numpy(long[0, :50]))


def test_center_crop_at_evaluation_only():
    """The CTR-GCN test feeder keeps the central 95 % of the frames (int(0.05 T / 2) cut at each end), then resizes;
    training ignores it (it crops at random instead)."""
    from motionzoo.data import resample_interpolate
    x = _walk(t=100)
    ev = motionzoo.resolve_transforms("ctrgcn", normalization="none")        # the cfg: interpolate, centre 95 %
    assert (ev.temporal, ev.center_crop, ev.clip_len) == ("interpolate", 0.95, 64)
    torch.testing.assert_close(ev(x)[0], torch.from_numpy(resample_interpolate(x[:, 2:98], 64)[0]))
    assert not torch.allclose(ev(x)[0], torch.from_numpy(resample_interpolate(x, 64)[0]))
    tr = motionzoo.resolve_transforms("ctrgcn", train=True, normalization="none")
    torch.testing.assert_close(tr(x, rng=np.random.default_rng(0))[0], torch.from_numpy(resample_interpolate(x, 64)[0]))
    with pytest.raises(PipelineError, match="center_crop"):
        motionzoo.resolve_transforms("ctrgcn", center_crop=0.0)


def test_skeleton_image_augmentation_is_off_by_default_and_rigid_about_the_mean_joint():
    """The thesis trains on plain images: a training pipeline without augmentation fields draws exactly the
    evaluation image.  With them, the joints are rotated about the sample's mean joint (a rotation about the
    camera's origin would swap the ~3 m depth into x under the image's one min-max): the mean joint stays, every
    frame keeps its joint-to-joint distances, and an evaluation pipeline ignores the fields."""
    x = _walk(t=40, v=20)
    x[0, :, 5] = 0.0                                       # an absent joint stays absent
    plain_train = motionzoo.resolve_transforms("nasbench201", train=True)
    plain_eval = motionzoo.resolve_transforms("nasbench201")
    torch.testing.assert_close(plain_train(x, rng=np.random.default_rng(0)), plain_eval(x), rtol=0, atol=0)
    aug = dict(random_rotate=(15.0, 30.0, 15.0), random_affine_p=1.0)
    t = motionzoo.resolve_transforms("nasbench201", train=True, **aug)
    y = t._augment(x, np.random.default_rng(3))
    present = np.abs(x).sum(-1) > 0
    assert not np.allclose(y, x) and np.all(y[~present] == 0)
    np.testing.assert_allclose(y[present].mean(0), x[present].mean(0), atol=1e-4)
    keep = [v for v in range(20) if v != 5]
    d = lambda a: np.linalg.norm(a[0][:, keep, None] - a[0][:, None, keep], axis=-1)     # (T, V', V') per frame
    np.testing.assert_allclose(d(y), d(x), atol=1e-4)
    img = t(x, rng=np.random.default_rng(3))
    assert img.shape == (3, 20, 68) and not torch.equal(img, plain_eval(x))
    torch.testing.assert_close(img, t(x, rng=np.random.default_rng(3)), rtol=0, atol=0)
    torch.testing.assert_close(motionzoo.resolve_transforms("nasbench201", **aug)(x), plain_eval(x), rtol=0, atol=0)


def test_skeleton_image_temporal_crop_draws_a_window_of_the_frames():
    from motionzoo.data.transforms import skeleton_to_image
    x = _walk(t=40, v=20)
    t = motionzoo.resolve_transforms("nasbench201", train=True, random_temporal_crop=(0.5, 0.5))
    cfg = motionzoo.get_pretrained_cfg("nasbench201")
    scaled = [tuple(255.0 * c for c in v) for v in (cfg.mean, cfg.std)]
    windows = [skeleton_to_image(x[:, s:s + 20], height=20, width=68, mean=scaled[0], std=scaled[1])
               for s in range(21)]
    for seed in range(4):
        img = t(x, rng=np.random.default_rng(seed))
        assert any(torch.equal(img, w) for w in windows)
    for bad in ((0.0, 1.0), (0.5, 0.8, 1.0)):
        with pytest.raises(PipelineError, match="random_temporal_crop"):
            motionzoo.resolve_transforms("nasbench201", train=True, random_temporal_crop=bad)


def test_random_temporal_crop_keeps_at_least_min_frames():
    """The CTR-GCN training feeder crops 50-100 % of the frames but never fewer than 64 (nor more than there are)."""
    x = _walk(t=100)
    t = motionzoo.resolve_transforms("ctrgcn", train=True, normalization="none", temporal="pad_end", clip_len=100,
                                     random_temporal_crop=(0.5, 0.5), random_temporal_crop_min_frames=64)
    for seed in range(5):
        y = t(x, rng=np.random.default_rng(seed))[0].numpy()
        kept = int(np.abs(y).sum(axis=(1, 2)).astype(bool).sum())
        start = int(np.flatnonzero((x[0] == y[0]).all(axis=(1, 2)))[0])
        assert kept == 64 and np.array_equal(y[:64], x[0, start:start + 64])
    short = _walk(t=40)
    y = t(short, rng=np.random.default_rng(0))[0]
    torch.testing.assert_close(y[:40], torch.from_numpy(short[0]))            # shorter than the floor: all of it
    with pytest.raises(PipelineError, match="temporal=.*pad_end.*interpolate"):
        motionzoo.resolve_transforms("ctrgcn", temporal="crop")


def _skeleton_names():
    names = motionzoo.list_models() + motionzoo.list_pretrained()
    return [n for n in names if motionzoo.get_pretrained_cfg(n).pipeline["name"] in
            ("skeleton_sequence", "hpc_pose_features", "skeleton_image")]


@pytest.mark.parametrize("name", _skeleton_names())
def test_every_skeleton_arch_and_tag_pipeline_feeds_its_own_model(name):
    """The contract of `resolve_transforms(name)`: for every registered skeleton architecture and tag, what the
    evaluation pipeline makes of a raw sequence in the cfg's keypoint format is what the model built from that
    cfg takes -- batched, it gives finite logits over the cfg's classes -- and, where the cfg normalises, the
    values do not depend on where the camera stood.  (Video names: test_video_pipelines.py.)"""
    cfg = motionzoo.get_pretrained_cfg(name)
    spec = cfg.pipeline
    v = motionzoo.data.get_topology(cfg.keypoint_format).num_joints
    persons = 2 if spec["name"] == "hpc_pose_features" else 1
    raw = _walk(m=persons, t=45, v=v, seed=1)
    if spec["name"] == "hpc_pose_features":      # 2-D pose-estimator keypoints (x, y, score)
        raw[..., 2] = 0.9
    transform = motionzoo.resolve_transforms(name, train=False)
    with pytest.raises(ValueError, match=f"V={v}|{v}, C"):   # another joint count is refused, never resized
        transform(_walk(m=persons, t=45, v=v + 3, seed=1))
    out = transform(raw)
    x = torch.as_tensor(out)[None].float()
    assert torch.isfinite(x).all(), name
    if spec["name"] == "skeleton_sequence" and spec.get("normalization", "two_centre") != "none":
        # the cfg normalises positions: moving the camera 20 m must not change what the model sees
        # (stgcn's cfg, like the official ST-GCN NTU feeder, keeps camera coordinates: normalization "none")
        moved = raw.copy()
        moved[..., :3] += np.array([5.0, -2.0, 20.0], np.float32)
        torch.testing.assert_close(torch.as_tensor(transform(moved)), torch.as_tensor(out), atol=1e-4, rtol=1e-4)
    torch.manual_seed(0)
    model = motionzoo.create_model(name.split(".")[0], num_classes=5) if "." not in name else \
        motionzoo.create_model(name, pretrained=False)
    model.eval()
    with torch.no_grad():
        logits = model(x)
    assert logits.shape == (1, 5 if "." not in name else cfg.num_classes), (name, tuple(logits.shape))
    assert torch.isfinite(logits).all(), name
