"""Input pipelines of the clip-based video models (C3D, I3D) and of SMnet, registered in `motionzoo.data.pipeline`.

- "video_clip": decoded frames F x H x W x C uint8 -> C x T x S x S float32: temporal sampling, resize, crop,
  channel order, value scale and per-channel mean/std, from the cfg's `clip_len`, `input_size`,
  `channel_order`, `mean`, `std` and the fields its `pipeline` sets (C3D: video-models.md §2.4; I3D: §4.6).
- "smnet": one SMnet sample {"rgb", "depth", "mask", "skeleton"} -> {modality: 3 x T x S x S, "lengths"}
  (§3.2): BGR + per-sample standardisation, masked depth in [0, 1], stick-figure skeleton images.

The DRSR RGB-D clip pipeline ("rgbd_clip") is in `pipeline.py`.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

import numpy as np
import torch
import torch.nn.functional as F
from einops import rearrange

from .pipeline import PipelineError, _choice, register_pipeline
from .video_smnet import smnet_preprocess
from .video_transforms import sample_frame_indices

__all__ = ["VideoClipPipeline", "SMnetPipeline", "consecutive_indices"]


def consecutive_indices(num_frames: int, clip_len: int, train: bool, rng: np.random.Generator | None = None
                        ) -> np.ndarray:
    """`clip_len` consecutive frame indices: the centred window in evaluation, a uniformly drawn start in training;
    a video shorter than the clip is looped (frame i -> i mod F), as DeepMind's I3D evaluation pads."""
    if num_frames < 1:
        raise ValueError(f"cannot sample from a video with {num_frames} frames")
    spare = max(num_frames - clip_len, 0)
    if train:
        rng = rng if rng is not None else np.random.default_rng()
        start = int(rng.integers(0, spare + 1))
    else:
        start = spare // 2
    return (start + np.arange(clip_len)) % num_frames


def _resize_hw(h: int, w: int, resize) -> tuple[int, int]:
    if isinstance(resize, int):              # shorter side to `resize`, aspect kept
        s = resize / min(h, w)
        return max(1, round(h * s)), max(1, round(w * s))
    return int(resize[0]), int(resize[1])


@register_pipeline("video_clip")
@dataclass(frozen=True)
class VideoClipPipeline:
    """Decoded video F x H x W x C uint8 (RGB order for C = 3) -> C x clip_len x crop x crop float32.

    sampling       "consecutive": clip_len consecutive frames (centred in evaluation, random start in training,
                   looped when the video is shorter); "segments": one frame per equal segment (midpoints in
                   evaluation, random within the segment in training; the DRSR rule, §6.4)
    resize         int: the shorter side to this many pixels, aspect kept; (H, W): exactly; None: no resize
    crop           square crop side (centre in evaluation, random in training); None: no crop
    flip_p         training: probability of a horizontal flip (0 for classes that depend on direction)
    channel_order  "rgb" or "bgr" for 3-channel input (the decoder gives RGB); None keeps the input's channels
    pixel_range    the scale the mean/std apply to: "0-255" (raw values) or "0-1" (values / 255)
    mean, std      per output channel, in that scale; None = 0 / 1
    in_chans       channels the input must have (3 for RGB, 2 for stored x/y flow images)
    """

    clip_len: int = 16
    sampling: str = "consecutive"
    resize: int | tuple[int, int] | None = None
    crop: int | None = None
    flip_p: float = 0.0
    channel_order: str | None = "rgb"
    pixel_range: str = "0-1"
    mean: tuple[float, ...] | None = None
    std: tuple[float, ...] | None = None
    in_chans: int = 3
    train: bool = False
    stochastic = True

    def __post_init__(self):
        _choice("sampling", self.sampling, ("consecutive", "segments"))
        _choice("channel_order", self.channel_order, ("rgb", "bgr", None))
        _choice("pixel_range", self.pixel_range, ("0-255", "0-1"))
        if self.clip_len < 1 or (self.crop is not None and self.crop < 1):
            raise PipelineError(f"clip_len and crop must be >= 1, got {self.clip_len}, {self.crop}")
        if self.channel_order is not None and self.in_chans != 3:
            raise PipelineError(f"channel_order={self.channel_order!r} needs in_chans=3, got {self.in_chans}")
        if not 0.0 <= self.flip_p <= 1.0:
            raise PipelineError(f"flip_p must be in [0, 1], got {self.flip_p}")
        if self.resize is not None and not isinstance(self.resize, int):
            object.__setattr__(self, "resize", tuple(int(v) for v in self.resize))
            if len(self.resize) != 2:
                raise PipelineError(f"resize must be an int (shorter side) or (H, W), got {self.resize}")
        for name in ("mean", "std"):
            v = getattr(self, name)
            if v is not None:
                v = tuple(float(x) for x in v)
                if len(v) != self.in_chans:
                    raise PipelineError(f"{name} needs {self.in_chans} values (one per channel), got {v}")
                object.__setattr__(self, name, v)
        if self.std is not None and min(self.std) <= 0:
            raise PipelineError(f"std must be positive, got {self.std}")

    @classmethod
    def cfg_fields(cls, cfg) -> dict[str, Any]:
        out: dict[str, Any] = {}
        size = getattr(cfg, "input_size", None)
        if size and len(size) == 4:
            out.update(in_chans=int(size[0]), clip_len=int(size[1]), crop=int(size[2]))
        if getattr(cfg, "clip_len", None):
            out["clip_len"] = int(cfg.clip_len)
        order = getattr(cfg, "channel_order", None)
        out["channel_order"] = order if out.get("in_chans", 3) == 3 else None
        if getattr(cfg, "mean", None) is not None:
            out["mean"] = tuple(cfg.mean)
        if getattr(cfg, "std", None) is not None:
            out["std"] = tuple(cfg.std)
        return out

    def __call__(self, video, rng: np.random.Generator | None = None) -> torch.Tensor:
        video = np.asarray(video)
        if video.ndim != 4 or video.shape[-1] != self.in_chans or video.dtype != np.uint8:
            raise ValueError(f"expected a decoded video F x H x W x {self.in_chans} uint8 (decode layout), got "
                             f"shape {video.shape} dtype {video.dtype}")
        if self.train and rng is None:
            rng = np.random.default_rng()
        f, h, w, _ = video.shape
        if self.sampling == "consecutive":
            idx = consecutive_indices(f, self.clip_len, self.train, rng)
        else:
            idx = sample_frame_indices(f, self.clip_len, self.train, rng)
        x = rearrange(torch.from_numpy(np.ascontiguousarray(video[idx])), "t h w c -> t c h w").float()
        if self.resize is not None:
            size = _resize_hw(h, w, self.resize)
            if size != (h, w):
                x = F.interpolate(x, size=size, mode="bilinear", align_corners=False, antialias=True)
                x = x.round().clamp(0, 255)          # the resized frames stay 8-bit images
        if self.crop is not None:
            hh, ww = x.shape[-2:]
            if hh < self.crop or ww < self.crop:
                raise ValueError(f"frames of {hh}x{ww} (after resize {self.resize}) are smaller than the crop "
                                 f"{self.crop}")
            if self.train:
                top, left = int(rng.integers(0, hh - self.crop + 1)), int(rng.integers(0, ww - self.crop + 1))
            else:
                top, left = (hh - self.crop) // 2, (ww - self.crop) // 2
            x = x[..., top:top + self.crop, left:left + self.crop]
        if self.train and self.flip_p > 0 and rng.random() < self.flip_p:
            x = x.flip(-1)
        if self.channel_order == "bgr":
            x = x.flip(1)
        if self.pixel_range == "0-1":
            x = x / 255.0
        if self.mean is not None:
            x = x - torch.tensor(self.mean).view(1, -1, 1, 1)
        if self.std is not None:
            x = x / torch.tensor(self.std).view(1, -1, 1, 1)
        return rearrange(x, "t c h w -> c t h w").contiguous()


@register_pipeline("smnet")
@dataclass(frozen=True)
class SMnetPipeline:
    """One SMnet sample -> the model's input dict (video-models.md §3.2).

    Input: a mapping with any of "rgb" (T x H x W x 3 uint8, RGB order), "depth" (T x H x W(x1) uint8), "skeleton"
    (T x 180 raw Kinect-v1 vectors), and optionally "mask" (T x H x W x 3 user segmentation, 0/255; without it the
    depth is not masked).  Output: {modality: 3 x T x size x size float32, "lengths": T} for the modalities given;
    batches of different lengths go through `smnet_collate`.

    size         frame side (80 upstream: the records hold 80 x 80 crops); frames of another size are resized
                 (bilinear) to size x size first, which upstream never needs
    num_frames   0 (upstream): the whole sequence; N > 0: N frames, one per equal segment (midpoints in
                 evaluation, random within the segment in training), so every sample has the same length
    """

    size: int = 80
    num_frames: int = 0
    train: bool = False
    stochastic = True

    def __post_init__(self):
        if self.size < 16 or self.num_frames < 0:
            raise PipelineError(f"size must be >= 16 and num_frames >= 0, got {self.size}, {self.num_frames}")

    @classmethod
    def cfg_fields(cls, cfg) -> dict[str, Any]:
        size = getattr(cfg, "input_size", None)
        return {"size": int(size[-1])} if size and len(size) == 4 else {}

    def _resized(self, frames: np.ndarray) -> np.ndarray:
        if frames.shape[1:3] == (self.size, self.size):
            return frames
        x = torch.from_numpy(np.ascontiguousarray(frames)).float()
        x = rearrange(x if x.ndim == 4 else x[..., None], "t h w c -> t c h w")
        x = F.interpolate(x, size=(self.size, self.size), mode="bilinear", align_corners=False, antialias=True)
        out = rearrange(x.round().clamp(0, 255).to(torch.uint8), "t c h w -> t h w c").numpy()
        return out if frames.ndim == 4 else out[..., 0]

    def __call__(self, sample: Mapping[str, Any], rng: np.random.Generator | None = None) -> dict[str, torch.Tensor]:
        if not isinstance(sample, Mapping) or not {"rgb", "depth", "skeleton"} & set(sample):
            got = sorted(sample) if isinstance(sample, Mapping) else type(sample).__name__
            raise ValueError(f"the SMnet pipeline expects a mapping with 'rgb', 'depth' and/or 'skeleton' (and "
                             f"optionally 'mask'), got {got}")
        parts = {k: np.asarray(sample[k]) for k in ("rgb", "depth", "mask", "skeleton") if sample.get(k) is not None}
        t = len(next(iter(parts.values())))
        if self.num_frames:
            idx = sample_frame_indices(t, self.num_frames, self.train,
                                       rng if rng is not None or not self.train else np.random.default_rng())
            parts = {k: v[idx] for k, v in parts.items()}
        for k in ("rgb", "depth", "mask"):
            if k in parts:
                parts[k] = self._resized(parts[k])
        out = smnet_preprocess(parts.get("rgb"), parts.get("depth"), parts.get("mask"), parts.get("skeleton"),
                               self.size)
        out["lengths"] = torch.tensor(len(next(iter(parts.values()))))
        return out
