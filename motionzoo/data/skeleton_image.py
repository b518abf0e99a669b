"""SMnet's skeleton modality: a stick figure rendered per frame, and SMnet's per-sample standardisation
(spec video-models.md §3.2).

Each frame's 20 Kinect-v1 joints (`kinect_v1_20` order) are mapped from raw 640x480 pixel coordinates into the
80x80 crop (u' = (u - 140) / 4, v' = (v - 10) / 4), then drawn on a white image: the 19 bones of the
`kinect_v1_20` tree as red lines of width 3, the joints as blue filled discs of radius 2 on top.  Colours are
RGB, not flipped to BGR (an open item upstream; no weights depend on it).

The rasteriser is plain numpy: a pixel (row r, column c) is painted when its centre (c, r) lies within half the
line width of a bone segment, or within the radius of a joint.  It is close to, not pixel-identical with,
OpenCV's anti-alias-free drawing.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from einops import rearrange

from .topology import get_topology

__all__ = ["render_skeleton_images", "skeleton_uv_from_smnet_vector", "standardize_sequence",
           "SMnetSkeletonImage", "SMNET_CROP_OFFSET", "SMNET_CROP_SCALE"]

SMNET_CROP_OFFSET = (140.0, 10.0)   # (u, v) of the 320x320 crop's top-left corner in the 640x480 frame
SMNET_CROP_SCALE = 4.0              # 320 -> 80
_VALUES_PER_JOINT = 9               # world x, y, z; orientation quaternion (4); pixel u, v


def skeleton_uv_from_smnet_vector(skeleton: np.ndarray) -> np.ndarray:
    """(T, 180) SMnet skeleton vectors -> (T, 20, 2) raw pixel (u, v), assuming joint-major order
    (9 consecutive values per joint, u and v last; spec §3.1, to be confirmed on a real sample)."""
    skeleton = np.asarray(skeleton)
    if skeleton.ndim != 2 or skeleton.shape[1] != 20 * _VALUES_PER_JOINT:
        raise ValueError(f"expected SMnet skeleton vectors of shape (T, 180) = 20 joints x 9 values, "
                         f"got {skeleton.shape}")
    return skeleton.reshape(len(skeleton), 20, _VALUES_PER_JOINT)[:, :, 7:9]


def render_skeleton_images(uv: np.ndarray, size: int = 80, offset: tuple[float, float] = SMNET_CROP_OFFSET,
                           scale: float = SMNET_CROP_SCALE, line_width: float = 3.0, joint_radius: float = 2.0,
                           bone_color=(255, 0, 0), joint_color=(0, 0, 255), background=(255, 255, 255)) -> np.ndarray:
    """(T, 20, 2) raw pixel coordinates (u = column, v = row) -> (T, size, size, 3) uint8 RGB stick figures.

    Joints with a non-finite coordinate are skipped together with their bones.
    """
    uv = np.asarray(uv, dtype=np.float64)
    if uv.ndim != 3 or uv.shape[1:] != (20, 2):
        raise ValueError(f"expected (T, 20, 2) kinect_v1_20 pixel coordinates, got {uv.shape}")
    pts = (uv - np.asarray(offset)) / scale                                   # T x 20 x 2, (x, y) in the crop
    bones = np.asarray(get_topology("kinect_v1_20").bones)                    # 19 x 2 (child, parent)
    rows, cols = np.mgrid[0:size, 0:size].astype(np.float64)
    pix = np.stack([cols, rows], axis=-1).reshape(-1, 2)                      # P x 2 pixel centres (x, y)
    out = np.empty((len(uv), size, size, 3), dtype=np.uint8)
    out[:] = np.asarray(background, dtype=np.uint8)
    for t, frame in enumerate(pts):
        ok = np.isfinite(frame).all(axis=1)
        b = bones[ok[bones[:, 0]] & ok[bones[:, 1]]]
        a, d = frame[b[:, 0]], frame[b[:, 1]] - frame[b[:, 0]]                # B x 2 start, direction
        # Distance from every pixel centre to every bone segment (projection clamped to the segment).
        rel = pix[None] - a[:, None]                                          # B x P x 2
        s = np.clip((rel * d[:, None]).sum(-1) / np.maximum((d * d).sum(-1), 1e-12)[:, None], 0.0, 1.0)
        dist = np.linalg.norm(rel - s[..., None] * d[:, None], axis=-1)       # B x P
        on_bone = (dist <= line_width / 2).any(axis=0).reshape(size, size)
        on_joint = (np.linalg.norm(pix[None] - frame[ok][:, None], axis=-1) <= joint_radius).any(axis=0)
        out[t][on_bone] = bone_color
        out[t][on_joint.reshape(size, size)] = joint_color
    return out


def standardize_sequence(x: torch.Tensor | np.ndarray, eps: float = 1e-6) -> torch.Tensor:
    """(x - mean) / max(std, eps) with one scalar mean and std over the whole sequence (all frames, pixels
    and channels), as SMnet standardises its RGB and skeleton-image inputs per sample (§3.2.3)."""
    x = torch.as_tensor(x).float()
    return (x - x.mean()) / x.std(unbiased=False).clamp_min(eps)


@dataclass
class SMnetSkeletonImage:
    """Transform: (T, 180) SMnet skeleton vectors, or (T, 20, 2) pixel coordinates -> the skeleton modality.

    Returns a float32 tensor C x T x H x W (3 x T x 80 x 80), standardised per sample when `standardize`
    (SMnet's input), else the uint8 RGB images as a C x T x H x W tensor.
    """

    size: int = 80
    standardize: bool = True

    def __call__(self, skeleton: np.ndarray) -> torch.Tensor:
        skeleton = np.asarray(skeleton)
        uv = skeleton if skeleton.ndim == 3 else skeleton_uv_from_smnet_vector(skeleton)
        images = torch.from_numpy(rearrange(render_skeleton_images(uv, self.size), "t h w c -> c t h w").copy())
        return standardize_sequence(images) if self.standardize else images
