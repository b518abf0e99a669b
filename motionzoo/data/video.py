"""RGB-D video datasets of the DRSR lineage (NTU RGB+D, NvGesture, THU-READ, ChaLearn IsoGD, Jester) and
the public names of the RGB-D data pipeline.

    ds = RGBDVideoDataset(root, "splits/train.txt", dataset="ntu", modality="rgbd", train=True, seed=0)
    item = ds[0]   # {"rgb": 3×64×224×224, "depth": ..., "heatmap_rgb": 1×64×224×224, "heatmap_depth": ...,
                   #  "label": int, "name": str, "index": int}

Single-modality items are {"clip", "heatmap", "label", "name", "index"}.  Spec: video-models.md §6;
the pieces live in `video_io` (files, each dataset's folders, depth colouring, ROI) and `video_transforms` (sampling,
spatial ops, normalisation, heat-map).
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch.utils.data import Dataset

from .._deprecation import warn_deprecated
from .video_io import (
    MIN_FRAMES_EXCLUSIVE, VIDEO_FORMATS, CorruptFrameError, DepthROIError, MissingFrameError, SplitFileError,
    SplitList, VideoDataError, VideoDatasetFormat, VideoRecord, get_video_format, grey_dilate, grey_erode, jet_lut,
    load_frame, ntu_depth_roi_box, ntu_depth_to_color, ntu_rgb_roi_box, read_split_file, write_split_file,
)
from .video_transforms import (
    DATASET_TRANSFORMS, ClipTransformConfig, SpatialParams, VideoClipTransform, draw_spatial_params,
    frp_heatmap, get_clip_transform_config, normalize_frames, rotate_frame, sample_frame_indices,
    transform_frame, video_transform_from_cfg,
)

__all__ = [
    "RGBDVideoDataset", "DecodedVideoDataset", "split_file_path",
    # video_io
    "VideoDataError", "SplitFileError", "MissingFrameError", "CorruptFrameError", "DepthROIError",
    "VideoRecord", "SplitList", "read_split_file", "write_split_file", "MIN_FRAMES_EXCLUSIVE",
    "VideoDatasetFormat", "VIDEO_FORMATS", "get_video_format", "load_frame", "jet_lut", "ntu_depth_to_color",
    "ntu_depth_roi_box", "ntu_rgb_roi_box", "grey_erode", "grey_dilate",
    # video_transforms
    "ClipTransformConfig", "DATASET_TRANSFORMS", "get_clip_transform_config", "SpatialParams",
    "sample_frame_indices", "draw_spatial_params", "rotate_frame", "transform_frame", "normalize_frames",
    "frp_heatmap", "VideoClipTransform", "video_transform_from_cfg",
]

_MODALITIES = {"rgb": ("rgb",), "depth": ("depth",), "rgbd": ("rgb", "depth")}


def __getattr__(name: str):
    """The folder-structure API's old names (VideoLayout, VIDEO_LAYOUTS, get_video_layout), deprecated."""
    from . import video_io
    if name in video_io._RENAMED:
        return getattr(video_io, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def split_file_path(split_dir: str | os.PathLike, dataset: str | VideoDatasetFormat, train: bool,
                    modality: str = "rgb") -> Path:
    """`<split dir>/train.txt` / `valid.txt`; THU-READ depth lists are `depth_train_lst.txt` /
    `depth_valid_lst.txt` (§6.1)."""
    fmt = get_video_format(dataset)
    names = fmt.depth_split_names if (modality == "depth" and fmt.depth_split_names) else fmt.split_names
    return Path(split_dir) / names[0 if train else 1]


class RGBDVideoDataset(Dataset):
    """One split of an RGB-D dataset in its upstream folder structure.

    root        dataset root (see `VIDEO_FORMATS` for what lies under it)
    split       a split file path or a parsed `SplitList`
    dataset     "ntu" | "nvgesture" | "thuread" | "isogd" | "jester" (`layout=`, its old name, still works)
    modality    "rgb" | "depth" | "rgbd" (paired clips for DRSR fusion; both use the same frame indices)
    train       random segment sampling, random crop / flip / rotation; else midpoints, centre crop
    seed        train mode: item i of epoch e is a pure function of (seed, e, i) (see `set_epoch`);
                None draws fresh randomness every time.  Eval mode is always deterministic.
    paired_augmentation  rgbd: share crop/flip/rotation between RGB and depth (upstream draws them
                independently, the default here too)
    heatmap     compute the FRP heat-map (§6.8) alongside each clip
    transform   a `ClipTransformConfig`; default: the dataset's shipped settings (§6.5); `**overrides`
                replace single fields (e.g. resize=(64, 48), crop=32, sample_size=32 for fast tests)
    jet, depth_channel_order, depth_roi_fallback   NTU masked depth only (§6.7)
    """

    def __init__(self, root: str | os.PathLike, split: str | os.PathLike | SplitList, dataset: str = "ntu",
                 modality: str = "rgb", train: bool = False, seed: int | None = None,
                 paired_augmentation: bool = False, heatmap: bool = True,
                 transform: ClipTransformConfig | None = None, num_classes: int | None = None,
                 jet: str = "opencv", depth_channel_order: str = "bgr", depth_roi_fallback: str = "error",
                 **overrides: Any):
        if "layout" in overrides:        # the keyword's old name ("layout" now means tensor axes only)
            warn_deprecated("RGBDVideoDataset: layout= is deprecated; use dataset=")
            dataset = overrides.pop("layout")
        self.video_format = get_video_format(dataset)
        if modality not in _MODALITIES:
            raise ValueError(f"modality must be one of {sorted(_MODALITIES)}, got {modality!r}")
        missing = [m for m in _MODALITIES[modality] if m not in self.video_format.modalities]
        if missing:
            raise ValueError(f"dataset {self.video_format.name!r} has no {missing} frames "
                             f"(has {self.video_format.modalities})")
        self.root = Path(root)
        self.num_classes = num_classes if num_classes is not None else self.video_format.num_classes
        self.split = split if isinstance(split, SplitList) else read_split_file(split, self.num_classes)
        self.modality, self.modalities = modality, _MODALITIES[modality]
        self.train, self.seed, self.epoch = train, seed, 0
        self.paired_augmentation, self.heatmap = paired_augmentation, heatmap
        cfg = transform if transform is not None else DATASET_TRANSFORMS[self.video_format.name]
        self.cfg = cfg.replace(**overrides) if overrides else cfg
        self.jet, self.depth_channel_order, self.depth_roi_fallback = jet, depth_channel_order, depth_roi_fallback

    # -- bookkeeping ---------------------------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self.split)

    @property
    def records(self) -> list[VideoRecord]:
        return self.split.records

    @property
    def num_dropped(self) -> int:
        """Videos of the split file skipped by the upstream > 16-frames rule."""
        return len(self.split.dropped)

    def set_epoch(self, epoch: int) -> None:
        self.epoch = int(epoch)

    def _rng(self, index: int) -> np.random.Generator | None:
        if not self.train:
            return None
        if self.seed is None:
            return np.random.default_rng()
        return np.random.default_rng([self.seed, self.epoch, index])

    def frame_indices(self, index: int) -> np.ndarray:
        """The frame indices item `index` uses (in train mode: those of the current seed and epoch)."""
        return sample_frame_indices(self.records[index].num_frames, self.cfg.clip_len, self.train, self._rng(index))

    def verify_files(self) -> list[str]:
        """Check that every video's frame folder holds its first and last frame; returns the problems
        (one line each, naming the split-file line and the missing path)."""
        problems = []
        for rec in self.records:
            for m in self.modalities:
                for i in (0, rec.num_frames - 1):
                    p = self.video_format.frame_path(self.root, rec.name, m, i)
                    if not p.is_file():
                        problems.append(f"{self.split.path}:{rec.line}: {rec.name!r} ({rec.num_frames} frames): "
                                        f"{m} frame {p} is missing")
        return problems

    # -- loading -------------------------------------------------------------------------------------------
    def _decode(self, rec: VideoRecord, modality: str, i: int) -> np.ndarray:
        path = self.video_format.frame_path(self.root, rec.name, modality, int(i))
        try:
            if modality == "depth" and self.video_format.depth_kind == "ntu_masked_png":
                return ntu_depth_to_color(load_frame(path, "raw"), self.jet, self.depth_channel_order,
                                          str(path), self.depth_roi_fallback)
            return load_frame(path, "color")
        except VideoDataError as e:
            # add the split-file context; keep the error type
            raise type(e)(f"{e} [video {rec.name!r}, {self.split.path}:{rec.line} says {rec.num_frames} "
                          f"frames, frame index {int(i)}]") from e

    def _clip(self, rec: VideoRecord, modality: str, idx: np.ndarray, params: SpatialParams
              ) -> tuple[torch.Tensor, torch.Tensor | None]:
        cache: dict[int, np.ndarray] = {}      # short videos repeat frames: decode each once
        frames = []
        for i in idx:
            i = int(i)
            if i not in cache:
                cache[i] = transform_frame(self._decode(rec, modality, i), params, self.cfg)
            frames.append(cache[i])
        clip = normalize_frames(frames, self.cfg.mean, self.cfg.std)               # (3, T, S, S)
        return clip, (frp_heatmap(clip, self.cfg.heatmap_window) if self.heatmap else None)

    def __getitem__(self, index: int) -> dict[str, Any]:
        rec = self.records[index]
        rng = self._rng(index)
        # draw order: frame indices, then per modality crop/flip/rotation (as upstream)
        idx = sample_frame_indices(rec.num_frames, self.cfg.clip_len, self.train, rng)
        out: dict[str, Any] = {"label": rec.label, "name": rec.name, "index": index}
        params = None
        for m in self.modalities:
            if params is None or not self.paired_augmentation:
                params = draw_spatial_params(self.cfg, self.train, rng)
            clip, heat = self._clip(rec, m, idx, params)
            key = "clip" if len(self.modalities) == 1 else m
            out[key] = clip
            if heat is not None:
                out["heatmap" if len(self.modalities) == 1 else f"heatmap_{m}"] = heat
        return out

    def read_video(self, index: int, modality: str = "rgb") -> np.ndarray:
        """Every frame of video `index` decoded, F×H×W×3 uint8 (depth: as the DRSR pipeline colours it, §6.7)."""
        rec = self.records[index]
        return np.stack([self._decode(rec, modality, i) for i in range(rec.num_frames)])

    def __repr__(self) -> str:
        return (f"RGBDVideoDataset(dataset={self.video_format.name!r}, modality={self.modality!r}, train={self.train}, "
                f"videos={len(self)}, dropped={self.num_dropped}, root={str(self.root)!r})")


class DecodedVideoDataset(Dataset):
    """Whole decoded videos of an RGB-D split through a model's input pipeline (`motionzoo.resolve_transforms`):
    the clip models (C3D, I3D: `modality="rgb"`, items `(clip, label)`) and SMnet (`modality="rgbd"`, items
    `((inputs,), label)` with inputs {"rgb": ..., "depth": ..., "lengths": T}, the depth as one channel of the stored
    depth image, 0 = background).  The sampling, crops and other draws of a training pipeline come from an rng seeded
    with (seed, epoch, index), as in `RGBDVideoDataset`.  `cache=True` keeps the decoded frames in memory.
    """

    def __init__(self, root: str | os.PathLike, split: str | os.PathLike | SplitList, transform, dataset: str = "ntu",
                 modality: str = "rgb", train: bool = False, seed: int | None = None,
                 num_classes: int | None = None, cache: bool = True):
        if modality not in ("rgb", "depth", "rgbd"):
            raise ValueError(f"modality must be 'rgb', 'depth' or 'rgbd', got {modality!r}")
        self.videos = RGBDVideoDataset(root, split, dataset=dataset, modality=modality, num_classes=num_classes,
                                       heatmap=False)
        if modality != "rgb" and self.videos.video_format.depth_kind == "ntu_masked_png":
            raise ValueError("DecodedVideoDataset reads depth stored as images (nvgesture, isogd, thuread); NTU's "
                             "masked 16-bit depth goes through RGBDVideoDataset")
        self.transform, self.modality, self.train, self.seed, self.epoch = transform, modality, train, seed, 0
        self._cache: dict[tuple[int, str], np.ndarray] | None = {} if cache else None

    def __len__(self) -> int:
        return len(self.videos)

    @property
    def records(self) -> list[VideoRecord]:
        return self.videos.records

    def set_epoch(self, epoch: int) -> None:
        self.epoch = int(epoch)

    def _frames(self, index: int, modality: str) -> np.ndarray:
        key = (index, modality)
        if self._cache is not None and key in self._cache:
            return self._cache[key]
        video = self.videos.read_video(index, modality)
        if self._cache is not None:
            self._cache[key] = video
        return video

    def __getitem__(self, index: int):
        rng = None
        if self.train:
            rng = np.random.default_rng() if self.seed is None else np.random.default_rng([self.seed, self.epoch, index])
        label = self.records[index].label
        if self.modality == "rgbd":
            # the stored depth image is grey replicated to 3 channels: one channel is the depth map
            sample = {"rgb": self._frames(index, "rgb"), "depth": self._frames(index, "depth")[..., 0]}
            return (self.transform(sample, rng=rng),), label
        return self.transform(self._frames(index, self.modality), rng=rng), label

    def __repr__(self) -> str:
        return (f"DecodedVideoDataset(dataset={self.videos.video_format.name!r}, modality={self.modality!r}, "
                f"train={self.train}, videos={len(self)}, transform={self.transform!r})")
