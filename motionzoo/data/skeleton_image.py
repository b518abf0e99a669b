"""SMnet's skeleton modality as a transform (spec video-models.md §3.2 step 2-3).

The stick-figure rasteriser and the per-sample standardisation live in `motionzoo.data.video_smnet`
(`render_skeleton_image`, `smnet_standardize`); this module only wraps them into a callable that turns one
sample's raw T x 180 skeleton vectors into the model's skeleton input, 3 x T x 80 x 80 float32.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from einops import rearrange

from .video_smnet import render_skeleton_image, smnet_standardize

__all__ = ["SMnetSkeletonImage", "render_skeleton_image"]


@dataclass
class SMnetSkeletonImage:
    """T x 180 SMnet skeleton vectors (20 kinect_v1_20 joints x 9 values, pixel u, v last) -> C x T x H x W.

    White background, red bones (width 3), blue joints (radius 2), RGB order (not flipped to BGR; an open
    item upstream that no weights depend on).  With `standardize` (SMnet's input) the images are
    standardised with one scalar mean and std over the whole sequence; otherwise the uint8 images are
    returned as a C x T x H x W tensor.
    """

    size: int = 80
    standardize: bool = True

    def __call__(self, skeleton: np.ndarray) -> torch.Tensor:
        images = render_skeleton_image(np.asarray(skeleton), self.size)                # T x H x W x 3 uint8
        images = torch.from_numpy(np.ascontiguousarray(rearrange(images, "t h w c -> c t h w")))
        return smnet_standardize(images) if self.standardize else images
