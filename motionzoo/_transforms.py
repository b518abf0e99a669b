"""`resolve_transforms`: the input pipeline a model's weights expect, built from its cfg (and family recipe)."""
from __future__ import annotations

from typing import Any, Callable

from torch import nn

from ._pretrained import PretrainedCfg

__all__ = ["resolve_transforms"]


def _cfg_of(model_or_cfg) -> tuple[PretrainedCfg, nn.Module | None]:
    if isinstance(model_or_cfg, PretrainedCfg):
        return model_or_cfg, None
    if isinstance(model_or_cfg, str):
        from ._registry import get_pretrained_cfg
        return get_pretrained_cfg(model_or_cfg), None
    cfg = getattr(model_or_cfg, "pretrained_cfg", None)
    if cfg is None:
        raise ValueError(f"{type(model_or_cfg).__name__} carries no pretrained_cfg; build it with create_model")
    return cfg, model_or_cfg


def resolve_transforms(model_or_cfg, train: bool = False, seed: int | None = None, **overrides: Any) -> Callable:
    """A callable from one canonical sample (M, T, V, C) in the cfg's keypoint format to the model's input.

    `train=True` adds the family recipe's augmentation.  `overrides` change pipeline fields (e.g.
    `clip_len=40, temporal="resample"` for a dataset of short sequences); the benchmarks record what they change.
    """
    cfg, model = _cfg_of(model_or_cfg)
    if cfg.family == "two_stream_rnn":
        from .data.pipeline import SkeletonRNNPipeline
        from .models.two_stream_rnn import RECIPES
        data = RECIPES[cfg.arch].data if cfg.arch in RECIPES else {}
        aug = dict(data.get("augment", {}))
        augment = {"degrees": (aug["rotate"]["max_degrees"] if "x" in aug["rotate"]["axes"] else 0.0,
                               aug["rotate"]["max_degrees"] if "y" in aug["rotate"]["axes"] else 0.0, 0.0),
                   "scale": tuple(aug["scale"]["range"]), "p": aug["rotate"]["p"]} if aug else None
        crop = aug.get("random_start_crop")
        persons = "concat" if cfg.input_layout == "NMTVC" else "per_body"
        kwargs = dict(topology=cfg.keypoint_format or "ntu25", clip_len=cfg.clip_len or data.get("clip_len", 100),
                      normalization="two_centre" if "two_centre" in (cfg.skeleton_normalization or "") else "none",
                      persons=persons, num_person=cfg.num_person or 1, train=train, augment=augment,
                      start_crop={"p": crop["p"], "max_fraction": crop["max_frames"] / data.get("clip_len", 100)}
                      if crop else None,
                      seed=seed)
        kwargs.update(overrides)
        return SkeletonRNNPipeline(**kwargs)
    if cfg.family == "pose_lstm":
        return _PoseLSTMPipeline(length=(cfg.input_size or (350,))[0], **overrides)
    if cfg.family == "nasbench201":
        from .data.transforms import SkeletonToImage
        preset = overrides.pop("preset", None)
        if preset is not None:
            return SkeletonToImage.preset(preset)
        h, w = (cfg.input_size or (3, None, None))[1:3]
        return SkeletonToImage(height=h, width=w, **overrides)
    if cfg.modality in ("rgb", "depth", "rgbd"):
        from .data.video_transforms import video_transform_from_cfg
        return video_transform_from_cfg(cfg, train=train, **overrides)
    raise NotImplementedError(
        f"resolve_transforms has no pipeline for family {cfg.family!r} yet; see motionzoo.data.transforms and "
        f"the family's model card for its preprocessing")


class _PoseLSTMPipeline:
    """(2, T, 17, C>=3) COCO-17 pair -> (length, 68): the upstream per-frame features, resampled to `length`
    frames by the upstream interpolation (skeleton-models.md §B.3-B.4)."""

    def __init__(self, length: int = 350, subsample_long: bool = False):
        self.length, self.subsample_long = length, subsample_long

    def __call__(self, x):
        import torch
        from .data.transforms import hpc_frame_features, resample_hpc350
        f = resample_hpc350(hpc_frame_features(x), self.length, subsample_long=self.subsample_long)
        return torch.as_tensor(f, dtype=torch.float32)

    def __repr__(self) -> str:
        return f"PoseLSTMPipeline(length={self.length}, subsample_long={self.subsample_long})"
