"""Input pipelines bound to a model's cfg and recipe: a canonical sample (M, T, V, C) in -> the model's input out.

`motionzoo.resolve_transforms(model, train=...)` builds these from the model's `pretrained_cfg` and its family's
recipe, and the benchmark scripts use exactly the same objects, so card numbers and user results share one path.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping

import numpy as np
import torch

from .topology import get_topology
from .transforms import (Augment3D, center_on_joint, fixed_length, random_start_crop, resample_linspace,
                         two_centre_normalize)

__all__ = ["SkeletonRNNPipeline"]


@dataclass
class SkeletonRNNPipeline:
    """The two-stream RNN family's pipeline (skeleton-models.md §A.7-A.8).

    normalization  "two_centre" (authors'), "center" (root joint per frame), "scene" (one translation for the
                   whole sample: the first body's root joint in its first frame; keeps the bodies' positions
                   relative to each other, which interactions such as approaching / departing are about), or "none"
    temporal       "pad_front": the authors' rule, the first `clip_len` frames with zeros prepended to shorter
                   sequences (real frames end at t = clip_len - 1); "resample": uniform linspace to `clip_len`
                   (for datasets whose sequences are much shorter or longer than `clip_len`)
    persons        "per_body" -> (M, T, V, C) (M = 1 squeezed to (T, V, C)); "concat" -> (num_person, T, V, C)
    representation "joints" (positions) or "bones": each joint minus its parent joint (roots keep their position),
                   which brings out small local shapes, e.g. thumb vs hand tip, next to large arm motions
    scale          multiplies the coordinates first (e.g. 1e-3 for datasets stored in millimetres: the recipe's
                   learning rate assumes metres, as in NTU)
    train          enables the random start-crop and the 3D augmentation (`augment` kwargs for `Augment3D`)
    """

    topology: str
    clip_len: int = 100
    normalization: str = "two_centre"
    temporal: str = "pad_front"
    persons: str = "per_body"
    num_person: int = 1
    scale: float = 1.0
    representation: str = "joints"
    train: bool = False
    start_crop: Mapping[str, Any] | None = field(default_factory=lambda: {"p": 0.5, "max_fraction": 0.3})
    augment: Mapping[str, Any] | None = field(default_factory=dict)
    seed: int | None = None

    def __post_init__(self):
        self._topo = get_topology(self.topology)
        self._rng = np.random.default_rng(self.seed)
        self._augment = Augment3D(**{**dict(self.augment), "rng": self._rng}) if (
            self.train and self.augment is not None) else None
        if self.normalization not in ("two_centre", "center", "scene", "none"):
            raise ValueError(f"normalization={self.normalization!r}; choose two_centre, center, scene or none")
        if self.representation not in ("joints", "bones"):
            raise ValueError(f"representation={self.representation!r}; choose joints or bones")
        if self.temporal not in ("pad_front", "resample"):
            raise ValueError(f"temporal={self.temporal!r}; choose pad_front or resample")

    def __call__(self, x) -> torch.Tensor:
        x = np.asarray(x, dtype=np.float32)
        if x.ndim != 4 or x.shape[2] != self._topo.num_joints:
            raise ValueError(f"expected a canonical (M, T, V={self._topo.num_joints}, C) {self.topology} sample, "
                             f"got shape {x.shape}")
        if x.shape[1] == 0:
            raise ValueError("empty sample (0 frames)")
        if self.scale != 1.0:
            x = x * np.float32(self.scale)
        if self.normalization == "two_centre":
            x = two_centre_normalize(x, self._topo)
        elif self.normalization == "center":
            x = center_on_joint(x, self._topo)
        elif self.normalization == "scene":
            x = _scene_centre(x, self._topo)
        if self.representation == "bones":
            parents = np.asarray(self._topo.parents)
            has_parent = parents >= 0
            x = x.copy()
            x[:, :, has_parent, :3] -= x[:, :, parents[has_parent], :3]
        if self.temporal == "resample":
            x = resample_linspace(x, self.clip_len)
        else:
            x = fixed_length(x, self.clip_len, pad="prepend", crop="first")
        if self.train and self.start_crop:
            x = random_start_crop(x, rng=self._rng, **dict(self.start_crop))
        if self._augment is not None:
            x = self._augment(x)
        if self.persons == "concat":
            m = x.shape[0]
            if m < self.num_person:
                x = np.concatenate([x, np.zeros((self.num_person - m,) + x.shape[1:], x.dtype)])
            x = x[: self.num_person]
        elif x.shape[0] == 1:
            x = x[0]
        return torch.from_numpy(np.ascontiguousarray(x, dtype=np.float32))


def _scene_centre(x: np.ndarray, topo) -> np.ndarray:
    """Subtract one point from every present joint of every body: the root joint of body 0 in its first present
    frame (the topology's centre joint, else its first root)."""
    root = topo.center if topo.center is not None else topo.roots[0]
    present = np.abs(x[..., :3]).sum(axis=(2, 3)) > 0           # (M, T)
    if not present[0].any():
        return x
    origin = x[0, int(present[0].argmax()), root, :3]
    out = x.copy()
    out[..., :3] -= origin * present[..., None, None]
    return out
