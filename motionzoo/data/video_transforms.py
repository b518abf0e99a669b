"""Clip transforms of the DRSR RGB-D pipeline: 64-frame sampling, rotation / resize / crop / flip,
(v - 127.5) / 128 normalisation to C×T×H×W float32, and the FRP heat-map.

Spec: video-models.md §6.4-§6.8, zoo-conventions.md §2.11.  One set of parameters (crop, flip, angle) is
drawn per clip and applied to all its frames; every random draw comes from the `numpy.random.Generator`
passed in, so a seed fixes a clip.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Any, Mapping, Sequence

import numpy as np
import torch
import torch.nn.functional as F
from einops import rearrange
from PIL import Image

from .video_io import grey_dilate, grey_erode

__all__ = [
    "ClipTransformConfig", "DATASET_TRANSFORMS", "get_clip_transform_config", "SpatialParams",
    "sample_frame_indices", "draw_spatial_params", "rotate_frame", "transform_frame", "normalize_frames",
    "frp_heatmap", "VideoClipTransform", "video_transform_from_cfg",
]

_RESAMPLE = {"bicubic": Image.Resampling.BICUBIC, "bilinear": Image.Resampling.BILINEAR,
             "nearest": Image.Resampling.NEAREST}


@dataclass(frozen=True)
class ClipTransformConfig:
    """Per-dataset settings of §6.5 (the shipped configs)."""

    resize: tuple[int, int] = (320, 240)      # (W, H) after rotation
    crop: int = 224
    sample_size: int = 224                    # final square size (THU-READ upsamples its 200 crop)
    flip_p: float = 0.5
    rotate_p: float = 0.5
    angle_range: tuple[int, int] = (-10, 10)  # numpy randint(a, b): b exclusive, as upstream
    crop_mode: str = "random"                 # "random" | "nvgesture" (train [10, W-crop] incl., eval (32, 32))
    heatmap_window: int = 10                  # FRP window w (§6.8)
    clip_len: int = 64
    # Upstream calls PIL's Image.resize without a filter; Pillow >= 7 then uses BICUBIC for RGB images.
    interpolation: str = "bicubic"
    mean: float = 127.5
    std: float = 128.0

    def replace(self, **changes: Any) -> "ClipTransformConfig":
        return replace(self, **changes)


DATASET_TRANSFORMS: dict[str, ClipTransformConfig] = {
    "ntu": ClipTransformConfig(),
    "nvgesture": ClipTransformConfig(resize=(256, 256), flip_p=0.0, crop_mode="nvgesture", heatmap_window=4),
    "thuread": ClipTransformConfig(crop=200, rotate_p=0.8, angle_range=(-45, 45)),
    "isogd": ClipTransformConfig(resize=(256, 256), flip_p=0.0),
    "jester": ClipTransformConfig(resize=(256, 256), flip_p=0.0),
}


def get_clip_transform_config(dataset: str, **overrides: Any) -> ClipTransformConfig:
    from .video_io import get_video_format
    cfg = DATASET_TRANSFORMS[get_video_format(dataset).name]
    return cfg.replace(**overrides) if overrides else cfg


# ---------------------------------------------------------------------------------------------------------
# Temporal sampling (§6.4)
# ---------------------------------------------------------------------------------------------------------
def sample_frame_indices(num_frames: int, clip_len: int = 64, train: bool = False,
                         rng: np.random.Generator | None = None) -> np.ndarray:
    """`clip_len` frame indices: segment i = [⌊F·i/L⌋, max(⌊F·i/L⌋+1, ⌊F·(i+1)/L⌋)); train draws one index
    uniformly per segment, eval takes ⌊mean⌋ (the midpoint).  Short videos repeat frames
    (F=30, eval: 0, 0, 0, 1, 1, 2, ...)."""
    if num_frames < 1:
        raise ValueError(f"cannot sample from a video with {num_frames} frames")
    i = np.arange(clip_len)
    start = (num_frames * i) // clip_len            # integer form of int(F*i/L); L=64 divides exactly anyway
    stop = np.maximum(start + 1, (num_frames * (i + 1)) // clip_len)
    if train:
        rng = rng if rng is not None else np.random.default_rng()
        return rng.integers(start, stop).astype(np.int64)
    return ((start + stop - 1) // 2).astype(np.int64)   # floor of the mean of start..stop-1


# ---------------------------------------------------------------------------------------------------------
# Spatial transforms (§6.5)
# ---------------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class SpatialParams:
    left: int
    top: int
    flip: bool
    angle: int      # degrees, counter-clockwise as OpenCV; 0 = no rotation


def draw_spatial_params(cfg: ClipTransformConfig, train: bool, rng: np.random.Generator | None = None
                        ) -> SpatialParams:
    """Crop corner, flip and rotation angle for one clip, drawn in upstream's order (crop, flip, rotation)."""
    w, h = cfg.resize
    if w < cfg.crop or h < cfg.crop:
        raise ValueError(f"resize {cfg.resize} is smaller than the crop {cfg.crop}")
    if not train:
        if cfg.crop_mode == "nvgesture":
            if 32 + cfg.crop > min(w, h):   # the fixed corner needs room (256 in the shipped config)
                raise ValueError(f"NvGesture eval crops at (32, 32); resize {cfg.resize} is too small for "
                                 f"crop {cfg.crop}")
            return SpatialParams(32, 32, False, 0)
        return SpatialParams((w - cfg.crop) // 2, (h - cfg.crop) // 2, False, 0)
    rng = rng if rng is not None else np.random.default_rng()
    if cfg.crop_mode == "nvgesture":
        left, top = int(rng.integers(10, w - cfg.crop + 1)), int(rng.integers(10, h - cfg.crop + 1))
    elif cfg.crop_mode == "random":
        # upstream: randint(0, W - crop), exclusive; an exact fit has a single position
        left = int(rng.integers(0, w - cfg.crop)) if w > cfg.crop else 0
        top = int(rng.integers(0, h - cfg.crop)) if h > cfg.crop else 0
    else:
        raise ValueError(f"crop_mode must be 'random' or 'nvgesture', got {cfg.crop_mode!r}")
    flip = bool(rng.uniform() < cfg.flip_p)
    angle = int(rng.integers(*cfg.angle_range)) if rng.uniform() < cfg.rotate_p else 0
    return SpatialParams(left, top, flip, angle)


def rotate_frame(frame: np.ndarray, angle: float) -> np.ndarray:
    """Rotate H×W×C uint8 about (W/2, H/2) by `angle` degrees counter-clockwise, bilinear, zero border:
    the semantics of cv2.warpAffine(img, cv2.getRotationMatrix2D((W/2, H/2), angle, 1), (W, H))."""
    if angle == 0:
        return frame
    h, w = frame.shape[:2]
    a = math.radians(angle)
    cos, sin = math.cos(a), math.sin(a)
    cx, cy = w / 2, h / 2
    # destination pixel (x, y) samples the source at R^-1 (x - c) + c (pixel centres at integers)
    ys, xs = torch.meshgrid(torch.arange(h, dtype=torch.float32), torch.arange(w, dtype=torch.float32),
                            indexing="ij")
    src_x = cos * (xs - cx) - sin * (ys - cy) + cx
    src_y = sin * (xs - cx) + cos * (ys - cy) + cy
    grid = torch.stack([2 * src_x / (w - 1) - 1, 2 * src_y / (h - 1) - 1], dim=-1)[None]
    img = rearrange(torch.from_numpy(np.array(frame, dtype=np.float32)), "h w c -> 1 c h w")
    out = F.grid_sample(img, grid, mode="bilinear", padding_mode="zeros", align_corners=True)
    return rearrange(out[0].round().clamp(0, 255).to(torch.uint8), "c h w -> h w c").numpy()


def transform_frame(frame: np.ndarray, params: SpatialParams, cfg: ClipTransformConfig) -> np.ndarray:
    """H×W×3 uint8 -> sample_size×sample_size×3 uint8: rotate (original resolution), resize, crop, flip,
    resize to sample_size (a no-op unless crop != sample_size)."""
    resample = _RESAMPLE[cfg.interpolation]
    img = Image.fromarray(rotate_frame(frame, params.angle))
    img = img.resize(tuple(cfg.resize), resample)
    img = img.crop((params.left, params.top, params.left + cfg.crop, params.top + cfg.crop))
    if params.flip:
        img = img.transpose(Image.Transpose.FLIP_LEFT_RIGHT)
    if cfg.crop != cfg.sample_size:
        img = img.resize((cfg.sample_size, cfg.sample_size), resample)
    return np.asarray(img)


def normalize_frames(frames: np.ndarray | Sequence[np.ndarray], mean: float = 127.5, std: float = 128.0
                     ) -> torch.Tensor:
    """T×H×W×C uint8 -> C×T×H×W float32, (v - mean) / std."""
    arr = torch.from_numpy(np.stack(frames) if not isinstance(frames, np.ndarray) else np.array(frames))
    return (rearrange(arr, "t h w c -> c t h w").float() - mean) / std


# ---------------------------------------------------------------------------------------------------------
# FRP heat-map (§6.8)
# ---------------------------------------------------------------------------------------------------------
_GREY = (0.2989, 0.587, 0.114)


def _minmax_per_frame(x: torch.Tensor) -> torch.Tensor:
    """x: (T, ...).  Per-frame (x - min) / max, with an all-equal frame becoming zeros (upstream divides
    by max + 1e-5 when max is 0)."""
    flat = x.flatten(1)
    flat = flat - flat.min(dim=1, keepdim=True).values
    peak = flat.max(dim=1, keepdim=True).values
    return (flat / torch.where(peak == 0, torch.full_like(peak, 1e-5), peak)).view_as(x)


def frp_heatmap(clip: torch.Tensor, window: int = 10) -> torch.Tensor:
    """FRP heat-map from a normalised clip.  clip: (3, T, H, W) -> (1, T, H, W), values in [0, 2].

    dyn_t: approximate rank pooling over frames t..t+w-1 (truncated at the end), ReLU, min-max, grey.
    static_t: dyn_t above its mean, 2×2 erosion, 3×3 dilation (OpenCV semantics), min-max.
    Both are shifted by w-1 frames (the map at t uses the trailing window ending at t) and combined as
    (dyn + static) · static."""
    if clip.dim() != 4 or clip.shape[0] != 3:
        raise ValueError(f"frp_heatmap expects a (3, T, H, W) clip, got shape {tuple(clip.shape)}")
    c, t, h, w = clip.shape
    # coef[t, s]: weight of frame s in the window starting at t; 2j - N - 1 for j = 1..N, N = window length
    coef = torch.zeros(t, t, dtype=torch.float32)
    for start in range(t):
        n = min(window, t - start)
        coef[start, start:start + n] = 2 * torch.arange(1, n + 1, dtype=torch.float32) - n - 1
    ranked = torch.relu(torch.einsum("ts,cshw->tchw", coef, clip.float()))      # (T, 3, H, W)
    ranked = _minmax_per_frame(ranked)
    weights = torch.tensor(_GREY, dtype=torch.float32).view(1, 3, 1, 1)
    dyn = (ranked * weights).sum(dim=1)                                           # (T, H, W)
    static = torch.where(dyn > dyn.mean(dim=(1, 2), keepdim=True), dyn, torch.zeros_like(dyn))
    static = _minmax_per_frame(grey_dilate(grey_erode(static, (2, 2)), (3, 3)))
    pad = torch.zeros(window - 1, h, w)
    dyn = torch.cat([pad, dyn])[:t]
    static = torch.cat([pad, static])[:t]
    return ((dyn + static) * static).unsqueeze(0)


# ---------------------------------------------------------------------------------------------------------
# The transform bound to weights (zoo-conventions §2.11)
# ---------------------------------------------------------------------------------------------------------
class VideoClipTransform:
    """Decoded video (F×H×W×3 uint8, all frames) -> {"clip": 3×L×S×S float32, "heatmap": 1×L×S×S}.

    Does the temporal sampling, the spatial ops, normalisation and the heat-map exactly as the datasets
    in `motionzoo.data.video` do (they call the same functions on the sampled frames only)."""

    def __init__(self, cfg: ClipTransformConfig, train: bool = False, heatmap: bool = True):
        self.cfg, self.train, self.heatmap = cfg, train, heatmap

    def __call__(self, video: np.ndarray, rng: np.random.Generator | None = None) -> dict[str, torch.Tensor]:
        if video.ndim != 4 or video.shape[-1] != 3 or video.dtype != np.uint8:
            raise ValueError(f"expected a T×H×W×3 uint8 video, got shape {video.shape} dtype {video.dtype}")
        idx = sample_frame_indices(len(video), self.cfg.clip_len, self.train, rng)
        params = draw_spatial_params(self.cfg, self.train, rng)
        clip = normalize_frames([transform_frame(video[i], params, self.cfg) for i in idx],
                                self.cfg.mean, self.cfg.std)
        out = {"clip": clip}
        if self.heatmap:
            out["heatmap"] = frp_heatmap(clip, self.cfg.heatmap_window)
        return out

    def __repr__(self) -> str:
        return f"VideoClipTransform({self.cfg}, train={self.train}, heatmap={self.heatmap})"


def video_transform_from_cfg(cfg: Any, train: bool = False, dataset: str | None = None) -> VideoClipTransform:
    """Build the clip transform from a PretrainedCfg (or a mapping with the same fields): the dataset
    (cfg.dataset, e.g. "ntu60_xsub" -> NTU settings), clip_len, input_size (C, T, H, W) and mean/std."""
    get = (lambda k: cfg.get(k)) if isinstance(cfg, Mapping) else (lambda k: getattr(cfg, k, None))
    name = (dataset or get("dataset") or "").lower()
    key = next((k for k in ("ntu", "nvgesture", "thuread", "isogd", "jester")
                if k in name.replace("-", "").replace("_", "")), None)
    if key is None:
        key = {"nv": "nvgesture", "thu": "thuread", "chalearn": "isogd"}.get(
            next((a for a in ("nv", "thu", "chalearn") if name.startswith(a)), ""), None)
    if key is None:
        raise ValueError(f"cannot tell the RGB-D dataset from {name!r}; pass dataset= "
                         f"(one of {sorted(DATASET_TRANSFORMS)})")
    t = DATASET_TRANSFORMS[key]
    changes: dict[str, Any] = {}
    if get("clip_len"):
        changes["clip_len"] = int(get("clip_len"))
    size = get("input_size")
    if size and len(size) == 4:
        changes.update(clip_len=int(size[1]), sample_size=int(size[2]))
    mean, std = get("mean"), get("std")
    if mean is not None and std is not None:
        if len(set(mean)) != 1 or len(set(std)) != 1:
            raise ValueError(f"the RGB-D pipeline normalises all channels alike; got mean {mean}, std {std}")
        changes.update(mean=float(mean[0]), std=float(std[0]))
    return VideoClipTransform(t.replace(**changes), train=train)
