"""SMnet per-sample preprocessing (video-models.md §3.2) and batching.

Input per sample: RGB T×80×80×3 uint8, depth T×80×80(×1), user mask T×80×80×3 (0/255), skeleton T×180
(20 kinect_v1_20 joints × 9 values, assumed joint-major: x, y, z, 4 quaternion values, pixel u, v).
Output: {"rgb", "depth", "skeleton"} as 3×T×80×80 float32 (N,C,T,H,W per batch after `smnet_collate`).
The 16-frame clip chunking of §3.3 is done by the model (`motionzoo.models.smnet.SMnet.num_clips /
clip_lengths`); batching here only zero-pads to the longest sequence and records the lengths.
"""
from __future__ import annotations

from typing import Mapping, Sequence

import numpy as np
import torch
import torch.nn.functional as F
from einops import rearrange

from .topology import get_topology

__all__ = ["render_skeleton_image", "smnet_standardize", "smnet_preprocess", "smnet_collate",
           "SMNET_JOINT_VALUES"]

SMNET_JOINT_VALUES = 9           # per joint: x, y, z, qw, qx, qy, qz, u, v
_U, _V = 7, 8                    # pixel coordinates inside a joint's 9 values
_BONE_RGB, _JOINT_RGB = (255, 0, 0), (0, 0, 255)


def render_skeleton_image(skeleton: np.ndarray, size: int = 80, bone_width: float = 3.0,
                          joint_radius: float = 2.0) -> np.ndarray:
    """T×180 raw skeleton -> T×size×size×3 uint8 stick figures: white background, the 19 kinect_v1_20
    bones as red lines of width 3, joints as blue filled discs of radius 2 on top.  Pixel mapping
    u' = (u - 140) / 4, v' = (v - 10) / 4 (the 320×320 crop of the 640×480 frame, downscaled 4×).
    Pure numpy; pixel equality with OpenCV's rasteriser is not required (§3.2)."""
    skeleton = np.asarray(skeleton, dtype=np.float64)
    if skeleton.ndim != 2 or skeleton.shape[1] != 20 * SMNET_JOINT_VALUES:
        raise ValueError(f"expected a T×180 skeleton (20 joints × 9 values), got shape {skeleton.shape}")
    joints = skeleton.reshape(len(skeleton), 20, SMNET_JOINT_VALUES)
    pts = np.stack([(joints[..., _U] - 140) / 4, (joints[..., _V] - 10) / 4], -1)     # (T, 20, 2) x, y
    bones = np.array(get_topology("kinect_v1_20").bones)                                # (19, 2)
    pts = pts.astype(np.float32)
    ys, xs = np.mgrid[0:size, 0:size].astype(np.float32)
    grid = np.stack([xs, ys], -1)[None]                                                # (1, H, W, 2)
    img = np.full((len(pts), size, size, 3), 255, np.uint8)
    for f, p in enumerate(pts):                                                        # one frame at a time
        a, b = p[bones[:, 0], None, None], p[bones[:, 1], None, None]                  # (19, 1, 1, 2)
        ab = b - a
        s = np.clip(((grid - a) * ab).sum(-1) / np.maximum((ab * ab).sum(-1), 1e-12), 0, 1)
        d2_bone = np.square(grid - (a + s[..., None] * ab)).sum(-1).min(0)             # (H, W), squared
        d2_joint = np.square(grid - p[:, None, None]).sum(-1).min(0)
        img[f][d2_bone <= (bone_width / 2) ** 2] = _BONE_RGB
        img[f][d2_joint <= joint_radius ** 2] = _JOINT_RGB
    return img


def smnet_standardize(x: torch.Tensor) -> torch.Tensor:
    """(x - μ) / max(σ, 1e-6) with scalar μ, σ over the whole sequence (all frames, pixels, channels)."""
    x = x.float()
    return (x - x.mean()) / x.std(unbiased=False).clamp_min(1e-6)


def smnet_preprocess(rgb: np.ndarray | None, depth: np.ndarray | None, mask: np.ndarray | None,
                     skeleton: np.ndarray | None, size: int = 80) -> dict[str, torch.Tensor]:
    """One sample -> {"rgb": BGR standardised, "depth": masked depth in [0, 1], "skeleton": standardised
    stick figures}, each 3×T×H×W float32, for the modalities given (None: left out).  `mask` (the user
    segmentation, 0/255) may be None: the depth is then used unmasked.  No augmentation (§3.2 step 5)."""
    given = {k: np.asarray(v) for k, v in (("rgb", rgb), ("depth", depth), ("skeleton", skeleton)) if v is not None}
    if not given:
        raise ValueError("smnet_preprocess needs at least one of rgb, depth, skeleton")
    t = len(next(iter(given.values())))
    for k, v in given.items():
        if len(v) != t:
            raise ValueError(f"{k} has {len(v)} frames, {next(iter(given))} has {t}")
    to_ncthw = lambda a: rearrange(torch.from_numpy(np.ascontiguousarray(a)), "t h w c -> c t h w")
    out = {}
    if "rgb" in given:
        if given["rgb"].shape[1:] != (size, size, 3):
            raise ValueError(f"rgb must be T×{size}×{size}×3, got {given['rgb'].shape}")
        out["rgb"] = smnet_standardize(to_ncthw(given["rgb"][..., ::-1]))       # Caffe C3D init expects BGR
    if "depth" in given:
        d = given["depth"]
        if d.ndim == 4 and d.shape[-1] == 1:
            d = d[..., 0]
        if d.shape != (t, size, size):
            raise ValueError(f"depth must be T×{size}×{size}(×1), got {given['depth'].shape}")
        d = torch.from_numpy(d.astype(np.float32) / 255)[None].expand(3, -1, -1, -1)
        if mask is not None:
            mask = np.asarray(mask)
            if mask.shape != (t, size, size, 3):
                raise ValueError(f"user mask must be T×{size}×{size}×3 with T={t}, got {mask.shape}")
            d = d * to_ncthw(mask).float() / 255
        out["depth"] = d.contiguous()
    if "skeleton" in given:
        out["skeleton"] = smnet_standardize(to_ncthw(render_skeleton_image(given["skeleton"], size)))
    return out


def smnet_collate(samples: Sequence[Mapping[str, torch.Tensor]],
                  modalities: Sequence[str] | None = None) -> dict[str, torch.Tensor]:
    """Zero-pad each modality (after standardisation) to the longest T of the batch -> N×3×T×H×W, plus
    "lengths" (N,) and "label" when the samples carry one.  `modalities`: default, those the first sample has."""
    if modalities is None:
        modalities = [m for m in ("rgb", "depth", "skeleton") if m in samples[0]]
    lengths = torch.tensor([s[modalities[0]].shape[1] for s in samples])
    t_max = int(lengths.max())
    out = {m: torch.stack([F.pad(s[m], (0, 0, 0, 0, 0, t_max - s[m].shape[1])) for s in samples])
           for m in modalities}
    out["lengths"] = lengths
    if all("label" in s for s in samples):
        out["label"] = torch.tensor([int(s["label"]) for s in samples])
    return out
