"""Video input pipelines bound to the cfgs (zoo-conventions §2.11): every video arch and tag resolves one, and the
values that come out are the ones the weights expect (channel order, value range, mean, layout, frame choice)."""
from __future__ import annotations

import numpy as np
import pytest
import torch

import motionzoo
from motionzoo.data.pipeline import PipelineError
from motionzoo.data.synthetic_video import render_synthetic_video
from motionzoo.data.video_pipelines import SMnetPipeline, VideoClipPipeline, consecutive_indices
from motionzoo.data.video_smnet import smnet_collate

VIDEO_FAMILIES = ("c3d", "i3d", "smnet", "drsr")


def _video_names() -> list[str]:
    names = [n for n in motionzoo.list_models() if motionzoo.get_pretrained_cfg(n).input_layout == "NCTHW"]
    names += [n for n in motionzoo.list_pretrained() if n.split(".")[0] in names]
    return names


def _colour_video(frames=40, h=120, w=160, rgb=(200, 100, 50)):
    """Constant colour, with the frame index written into one corner pixel's red value (to see which frames come
    out of the sampling)."""
    v = np.empty((frames, h, w, 3), np.uint8)
    v[:] = rgb
    return v


def test_every_video_arch_and_tag_resolves_a_pipeline_with_its_input_size():
    names = _video_names()
    assert {n.split(".")[0].split("_")[0] for n in names} >= set(VIDEO_FAMILIES), names
    for name in names:
        cfg = motionzoo.get_pretrained_cfg(name)
        # (the DRSR heat-map is tested in test_data_video.py; leaving it out keeps this loop fast)
        t = motionzoo.resolve_transforms(name, **({"heatmap": False} if name.startswith("drsr") else {}))
        c, clip, size = cfg.input_size[0], cfg.input_size[1], cfg.input_size[-1]
        if name.startswith("smnet"):
            out = t({"rgb": np.zeros((20, size, size, 3), np.uint8), "depth": np.zeros((20, size, size), np.uint8)})
            assert out["rgb"].shape == out["depth"].shape == (3, 20, size, size), name
        else:
            video = np.zeros((70, 130, 175, c), np.uint8)
            out = t(video)
            out = out["clip"] if isinstance(out, dict) else out
            assert tuple(out.shape) == (c, clip, size, size), (name, tuple(out.shape))


def test_c3d_sports1m_bgr_0_255_minus_the_bgr_mean():
    """Spec §2.4: BGR, 0..255, minus (90, 98, 102) given in B, G, R order; 128x171 resize, 112 centre crop."""
    t = motionzoo.resolve_transforms("c3d.sports1m_caffe")
    assert (t.resize, t.crop, t.clip_len, t.sampling) == ((128, 171), 112, 16, "consecutive")
    x = t(_colour_video(rgb=(200, 100, 50)))
    assert x.shape == (3, 16, 112, 112)
    # channel 0 is blue: 50 - 90; channel 1 green: 100 - 98; channel 2 red: 200 - 102
    assert torch.equal(x[:, 0, 0, 0], torch.tensor([-40.0, 2.0, 98.0]))
    assert torch.all(x == x[:, :1, :1, :1])
    # a uniformly random video: per-channel mean of 0..255 values (127.5) minus the mean
    rng = np.random.default_rng(0)
    r = t(rng.integers(0, 256, (16, 128, 171, 3), dtype=np.uint8))
    torch.testing.assert_close(r.mean(dim=(1, 2, 3)), torch.tensor([37.5, 29.5, 25.5]), atol=1.0, rtol=0)


def test_i3d_rgb_and_flow_scale_to_minus_one_one():
    rgb = motionzoo.resolve_transforms("i3d.kinetics400_imagenet_rgb")
    assert (rgb.resize, rgb.crop, rgb.clip_len, rgb.channel_order) == (256, 224, 64, "rgb")
    x = rgb(_colour_video(frames=80, h=240, w=320, rgb=(255, 0, 51)))
    assert x.shape == (3, 64, 224, 224)
    torch.testing.assert_close(x[:, 0, 0, 0], torch.tensor([1.0, -1.0, 51 / 255 * 2 - 1]))   # RGB order kept
    flow = motionzoo.resolve_transforms("i3d.kinetics400_imagenet_flow")
    assert flow.in_chans == 2 and flow.channel_order is None
    f = np.zeros((64, 256, 256, 2), np.uint8)
    f[..., 0], f[..., 1] = 0, 255
    y = flow(f)
    assert y.shape == (2, 64, 224, 224) and torch.all(y[0] == -1) and torch.all(y[1] == 1)
    with pytest.raises(ValueError, match="F x H x W x 2 uint8"):
        flow(np.zeros((64, 256, 256, 3), np.uint8))


def test_consecutive_sampling_centred_in_eval_random_in_training_looped_when_short():
    assert consecutive_indices(40, 16, train=False).tolist() == list(range(12, 28))
    assert consecutive_indices(10, 16, train=False).tolist() == [i % 10 for i in range(16)]
    starts = {int(consecutive_indices(40, 16, True, np.random.default_rng(s))[0]) for s in range(50)}
    assert starts <= set(range(25)) and len(starts) > 10
    # which frames come out: the frame index is the pixel value
    video = np.repeat(np.arange(40, dtype=np.uint8)[:, None, None, None], 3, axis=-1) * np.ones((1, 8, 8, 3), np.uint8)
    t = VideoClipPipeline(clip_len=16, pixel_range="0-255")
    assert t(video)[0, :, 0, 0].tolist() == list(range(12, 28))
    seg = VideoClipPipeline(clip_len=8, sampling="segments", pixel_range="0-255")
    assert seg(video)[0, :, 0, 0].tolist() == [2, 7, 12, 17, 22, 27, 32, 37]


def test_training_pipeline_crops_and_flips_from_the_rng():
    t = VideoClipPipeline(clip_len=4, crop=8, flip_p=1.0, pixel_range="0-255", train=True)
    video = np.zeros((6, 16, 16, 3), np.uint8)
    video[:, :, :8] = 255                                     # left half white
    a, b = t(video, rng=np.random.default_rng(1)), t(video, rng=np.random.default_rng(1))
    assert torch.equal(a, b), "draws come from the rng the dataset passes"
    crops = {tuple(t(video, rng=np.random.default_rng(s))[0, 0, 0].tolist()) for s in range(20)}
    assert len(crops) > 3
    left = VideoClipPipeline(clip_len=4, crop=16, flip_p=1.0, pixel_range="0-255", train=True)(video, np.random.default_rng(0))
    assert left[0, 0, 0, -1] == 255 and left[0, 0, 0, 0] == 0, "flipped: the white half is on the right"


def test_video_clip_fields_are_checked():
    with pytest.raises(PipelineError, match="mean needs 3 values"):
        VideoClipPipeline(mean=(0.5,))
    with pytest.raises(PipelineError, match="sampling"):
        VideoClipPipeline(sampling="dense")
    with pytest.raises(PipelineError, match="no field"):
        motionzoo.resolve_transforms("c3d", cropp=32)


def test_smnet_pipeline_bgr_standardised_masked_depth_and_lengths():
    rgb, depth = render_synthetic_video(1, 4, frames=21, size=(80, 80), rng=np.random.default_rng(0))
    depth8 = (depth > 0).astype(np.uint8) * 200
    mask = np.repeat(((depth > 0) * 255).astype(np.uint8)[..., None], 3, axis=-1)
    t = motionzoo.resolve_transforms("smnet")
    out = t({"rgb": rgb, "depth": depth8, "mask": mask})
    assert set(out) == {"rgb", "depth", "lengths"} and int(out["lengths"]) == 21
    assert out["rgb"].shape == (3, 21, 80, 80)
    assert abs(out["rgb"].mean()) < 1e-4 and abs(out["rgb"].std(unbiased=False) - 1) < 1e-3
    blue = torch.from_numpy(rgb[..., 2]).float().flatten()
    assert torch.corrcoef(torch.stack([out["rgb"][0].flatten(), blue]))[0, 1] > 0.999     # channel 0 = blue
    assert torch.equal(out["depth"][0], torch.from_numpy(depth8 / 255).float())
    assert out["depth"].min() == 0 and out["depth"].max() == pytest.approx(200 / 255)
    # fixed-length sampling (not upstream) and frames of another size resized to `size`
    small = SMnetPipeline(size=32, num_frames=16)({"rgb": rgb, "depth": depth8})
    assert small["rgb"].shape == (3, 16, 32, 32) and int(small["lengths"]) == 16
    batch = smnet_collate([out, t({"rgb": rgb[:9], "depth": depth8[:9]})])
    assert batch["rgb"].shape == (2, 3, 21, 80, 80) and batch["lengths"].tolist() == [21, 9]
    with pytest.raises(ValueError, match="'rgb', 'depth' and/or 'skeleton'"):
        t({"video": rgb})


def test_drsr_clip_values_are_v_minus_127_5_over_128():
    t = motionzoo.resolve_transforms("drsr", resize=(40, 40), crop=32, sample_size=32)
    out = t(_colour_video(frames=30, h=48, w=64, rgb=(255, 0, 128)))
    assert out["clip"].shape == (3, 64, 32, 32) and out["heatmap"].shape == (1, 64, 32, 32)
    torch.testing.assert_close(out["clip"][:, 0, 5, 5], torch.tensor([127.5, -127.5, 0.5]) / 128)
