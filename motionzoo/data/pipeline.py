"""Input pipelines: one canonical sample in, one model input out, described by plain data.

Every architecture's cfg names its pipeline (`cfg.pipeline = {"name": ..., field: value, ...}`: what the
weights expect at evaluation); a training recipe may change fields (`recipe.pipeline`); the caller may override
more.  `build_pipeline(cfg, fields, train=...)` turns that into a callable, and `motionzoo.resolve_transforms`
is the public way in.  A field that the named pipeline does not have is an error, so a recipe key that nothing
reads cannot exist.

Randomness (training augmentation) comes from the `rng` argument of `__call__`: the skeleton datasets pass a
generator seeded from (seed, epoch, index) (see `SkeletonDataset.set_epoch`), so an augmented sample depends only
on those three numbers, never on the DataLoader's worker count or on which worker drew it.
"""
from __future__ import annotations

import dataclasses
import logging
from dataclasses import dataclass
from typing import Any, Callable, Mapping

import numpy as np
import torch

from .topology import get_topology, spatial_dims
from .transforms import (as_sample, bones, center_on_joint, first_frame_normalize, fixed_length, motion,
                         random_start_crop, resample_interpolate, resample_linspace, rotation_matrix,
                         two_centre_normalize)

__all__ = ["SkeletonSequencePipeline", "PoseFeaturePipeline", "SkeletonImagePipeline", "register_pipeline",
           "build_pipeline", "validate_pipeline", "list_pipelines", "pipeline_fields", "pipeline_spec", "PipelineError"]


_logger = logging.getLogger(__name__)


class PipelineError(ValueError):
    """A pipeline spec that names an unknown pipeline or field, or a value out of range."""


_PIPELINES: dict[str, type] = {}


def register_pipeline(name: str) -> Callable[[type], type]:
    """Register a pipeline class: a dataclass with a `train: bool` field and a classmethod
    `cfg_fields(cfg) -> dict` giving the fields a model cfg implies (topology, clip length, ...)."""
    def deco(cls: type) -> type:
        if name in _PIPELINES:
            raise ValueError(f"pipeline {name!r} is already registered")
        cls.pipeline_name = name
        _PIPELINES[name] = cls
        return cls
    return deco


def list_pipelines() -> list[str]:
    return sorted(_PIPELINES)


def pipeline_fields(name: str) -> list[str]:
    """The fields a spec for pipeline `name` may set (besides `name`)."""
    return [f.name for f in dataclasses.fields(_pipeline_class(name)) if f.name != "train"]


def _pipeline_class(name: str | None) -> type:
    if name not in _PIPELINES:
        raise PipelineError(f"unknown pipeline {name!r}; known: {', '.join(list_pipelines())}")
    return _PIPELINES[name]


def _spec(cfg, fields: Mapping[str, Any] | None) -> tuple[type, dict[str, Any]]:
    base = dict(getattr(cfg, "pipeline", None) or {})
    fields = dict(fields or {})
    name = fields.pop("name", None) or base.pop("name", None)
    base.pop("name", None)
    if name is None:
        raise PipelineError(f"{getattr(cfg, 'name', cfg)!r} names no input pipeline (cfg.pipeline is empty)")
    cls = _pipeline_class(name)
    allowed = set(pipeline_fields(name))
    for where, d in (("cfg.pipeline", base), ("fields", fields)):
        unknown = set(d) - allowed
        if unknown:
            raise PipelineError(f"pipeline {name!r} has no field(s) {sorted(unknown)} ({where}); "
                                f"fields: {', '.join(sorted(allowed))}")
    return cls, {**cls.cfg_fields(cfg), **base, **fields}


def validate_pipeline(cfg, fields: Mapping[str, Any] | None = None) -> None:
    """Raise PipelineError when `fields` over `cfg.pipeline` do not make a valid pipeline."""
    build_pipeline(cfg, fields, train=True)


def build_pipeline(cfg, fields: Mapping[str, Any] | None = None, train: bool = False):
    """The pipeline `cfg.pipeline["name"]` with the cfg's fields, then `fields` on top; `train` enables the
    training-only augmentation."""
    cls, kwargs = _spec(cfg, fields)
    try:
        return cls(train=train, **kwargs)
    except TypeError as e:
        raise PipelineError(f"pipeline {cls.pipeline_name!r}: {e}") from None


def pipeline_spec(pipeline) -> dict[str, Any]:
    """The plain-data spec of a built pipeline: {"name": ..., every field but `train`}; `build_pipeline` on a cfg
    whose `pipeline` is this spec rebuilds the same pipeline (weights record the pipeline they were trained with)."""
    from .._json import jsonable
    return jsonable({"name": pipeline.pipeline_name, **{f.name: getattr(pipeline, f.name)
                                                        for f in dataclasses.fields(pipeline) if f.name != "train"}})


def _choice(name: str, value, options) -> None:
    if value not in options:
        raise PipelineError(f"{name}={value!r}; choose one of {', '.join(map(repr, options))}")


def _tensor(x: np.ndarray) -> torch.Tensor:
    return torch.from_numpy(np.ascontiguousarray(x, dtype=np.float32))


# -- keypoint formats (zoo-conventions §4.6: the pipeline converts when the data's format is not the cfg's) -----
def _check_source(source: str | None, target: str, synthesize: bool) -> str | None:
    """The source format to convert from (None when the samples are already in `target`).  Raises when the
    pipeline is built, not at the first sample: a conversion that does not exist, or one that synthesises joints
    of a pose-estimator format without `synthesize=True` (the error lists the rules)."""
    if source is None or get_topology(source).name == get_topology(target).name:
        return None
    from .formats import convert_keypoints
    V = get_topology(source).num_joints
    try:
        convert_keypoints(np.zeros((1, 1, V, 3), np.float32), source, target, synthesize=synthesize)
    except ValueError as e:
        raise PipelineError(f"source_format={source!r} -> {target!r}: {e}") from None
    _logger.info("input pipeline converts keypoints %s -> %s", source, target)
    return get_topology(source).name


def _convert(x: np.ndarray, source: str | None, target: str, synthesize: bool) -> np.ndarray:
    if source is None:
        return x
    from .formats import convert_keypoints
    return convert_keypoints(x, source, target, synthesize=synthesize)[0]


def _on_coords(x: np.ndarray, k: int, fn: Callable[[np.ndarray], np.ndarray]) -> np.ndarray:
    """`fn` applied to the first `k` channels (the coordinates); further channels (scores) are kept as they are."""
    if k >= x.shape[-1]:
        return fn(x)
    out = x.copy()
    out[..., :k] = fn(x[..., :k])
    return out


def _check_augmentation(p) -> None:
    """Validate (and normalise to float tuples) the augmentation fields both skeleton pipelines share."""
    for name in ("random_rotate", "random_scale", "random_temporal_crop"):
        object.__setattr__(p, name, tuple(float(a) for a in getattr(p, name)))
    crop = p.random_temporal_crop
    if len(crop) != 2 or not 0 < crop[0] <= crop[1] <= 1:
        raise PipelineError(f"random_temporal_crop needs 0 < lo <= hi <= 1, got {p.random_temporal_crop}")
    if p.random_temporal_crop_min_frames < 1:
        raise PipelineError(f"random_temporal_crop_min_frames must be >= 1, got {p.random_temporal_crop_min_frames}")
    if len(p.random_rotate) != 3 or len(p.random_scale) != 2 or not 0 < p.random_scale[0] <= p.random_scale[1]:
        raise PipelineError(f"random_rotate needs 3 angles and random_scale (lo, hi) with 0 < lo <= hi; got "
                            f"{p.random_rotate}, {p.random_scale}")
    if not 0.0 <= p.random_affine_p <= 1.0:
        raise PipelineError(f"random_affine_p must be in [0, 1], got {p.random_affine_p}")


def _random_temporal_crop(x: np.ndarray, fraction: tuple[float, float], min_frames: int,
                          rng: np.random.Generator) -> np.ndarray:
    """(M, T, ...) -> a contiguous window of round(r T) frames, r ~ U(fraction), at least `min_frames` (all of a
    shorter sequence), at a uniform start."""
    t = x.shape[1]
    keep = max(1, int(round(rng.uniform(*fraction) * t)))
    keep = min(max(keep, min_frames), t)
    start = int(rng.integers(0, t - keep + 1))
    return x[:, start:start + keep]


def _random_affine(x: np.ndarray, k: int, rotate: tuple[float, float, float], scale: tuple[float, float],
                   rng: np.random.Generator, integer_degrees: bool = False) -> np.ndarray:
    """Rotate the first `k` channels about the x, y, z axes by angles ~ U(-d, d) (whole degrees with
    `integer_degrees`; d = 0: no rotation about that axis) and scale them by s ~ U(scale), about the origin."""
    angles = []
    for d in rotate:
        if d <= 0:
            angles.append(0.0)
        elif integer_degrees:
            angles.append(float(rng.integers(-int(d), int(d) + 1)))
        else:
            angles.append(float(rng.uniform(-d, d)))
    a = rotation_matrix(*angles, scale=float(rng.uniform(*scale))).astype(np.float32)
    out = x.copy()
    k = min(k, x.shape[-1], 3)
    out[..., :k] = x[..., :k] @ a[:k, :k]  # zero (absent) joints stay zero; 2D: points at depth 0, projected
    return out


@register_pipeline("skeleton_sequence")
@dataclass(frozen=True)
class SkeletonSequencePipeline:
    """Canonical (M, T, V, C) skeleton -> a fixed-length sequence for the recurrent and graph models.

    Steps, in order: the keypoint-format conversion (`source_format`); `coordinate_scale`; `normalization`; in
    training the random temporal crop, at evaluation the centre crop; `temporal` to `clip_len` frames; in training
    the random start-crop and the random rotation + scale (of the joints); `stream`; `persons`.

    source_format  the samples' keypoint format when it is not `topology` (e.g. "coco17" from a pose estimator
                   for an ntu25 model): converted first by the rules of motionzoo.data.convert_keypoints; None =
                   the samples are in `topology`
    synthesize     accept the joints such a conversion synthesises (required for the pose-estimator formats)
    coordinates    how many leading channels are spatial coordinates: scaling, normalisation, augmentation and the
                   streams act on them, further channels (a pose estimator's score) pass through unchanged.  None:
                   2 for the pose-estimator formats (coco17, body25, mediapipe33: image x, y, then score or depth),
                   else 3.  2D coordinates are rotated as points at depth 0, projected back orthographically

    normalization  "two_centre" (the two-stream RNN authors', per frame), "center" (root joint per frame),
                   "scene" (one translation for the sample: body 0's root joint in its first present frame),
                   "first_frame" (the mean joint of the first present frame, all bodies, and division by the
                   mean joint distance to it: position and size removed, bodies kept relative to each other),
                   or "none"
    stream         "joint" (positions), "bone" (joint minus parent; roots keep their position), "joint_motion",
                   "bone_motion" (frame differences of those), or several joined by "+" ("joint+joint_motion"):
                   their channels side by side (the model's in_chans = 3 x their number)
    temporal       "pad_front": the first `clip_len` frames with zeros prepended to shorter sequences (the
                   two-stream RNN authors'); "pad_end": the first `clip_len` frames with zeros appended (ST-GCN's
                   NTU data); "resample": round(linspace) to `clip_len` frames; "interpolate": linear interpolation
                   to `clip_len` frames (the CTR-GCN feeder's resize, `transforms.resample_interpolate`)
    persons        "per_body" -> (M, T, V, C), M = 1 squeezed to (T, V, C); "concat" -> (num_person, T, V, C),
                   missing bodies zero-filled; a body beyond `num_person` that carries data is an error (select
                   bodies in the dataset: `body_rule=`), never silently dropped
    random_rotate  training: max |angle| in degrees about the x, y, z axes (uniform; 0 = no rotation about it)
    random_scale   training: isotropic scale ~ U(lo, hi); (1, 1) = off
    random_affine_p  probability that a sample gets the rotation + scale (one draw for both, as the authors)
    random_start_crop, random_start_crop_p   training: with p, drop the first k ~ U{0..floor(f T)} frames and
                   re-pad k zeros at the front (T unchanged)
    random_temporal_crop  training: (lo, hi): keep a contiguous window of a fraction r ~ U(lo, hi) of the
                   sequence, at a uniform start, before `temporal` brings it to `clip_len`; (1, 1) = off
    random_temporal_crop_min_frames  the random temporal crop keeps at least this many frames (all of a shorter
                   sequence): the CTR-GCN feeder's floor of 64, the clip length
    center_crop    evaluation: keep the central fraction f of the frames, int((1 - f) T / 2) dropped at each end,
                   before `temporal` (the CTR-GCN feeder's test crop, f = 0.95); 1 = off
    integer_degrees  draw whole degrees (the two-stream RNN authors')
    stream_style   "motionzoo": bones along the topology's parents with roots keeping their position, motion zero
                   into or out of absent frames; "gcn_feeder": the ST-GCN / CTR-GCN feeders' streams (bones directed
                   towards the centre joint, root bones zero, plain frame differences)
    """

    topology: str = "ntu25"
    clip_len: int = 100
    normalization: str = "two_centre"
    stream: str = "joint"
    temporal: str = "pad_front"
    persons: str = "per_body"
    num_person: int = 1
    coordinate_scale: float = 1.0
    random_rotate: tuple[float, float, float] = (0.0, 0.0, 0.0)
    random_scale: tuple[float, float] = (1.0, 1.0)
    random_affine_p: float = 0.0
    random_start_crop: float = 0.0
    random_start_crop_p: float = 0.0
    random_temporal_crop: tuple[float, float] = (1.0, 1.0)
    random_temporal_crop_min_frames: int = 1
    center_crop: float = 1.0
    integer_degrees: bool = False
    stream_style: str = "motionzoo"
    source_format: str | None = None
    synthesize: bool = False
    coordinates: int | None = None
    train: bool = False

    NORMALIZATIONS = ("two_centre", "center", "scene", "first_frame", "none")
    STREAMS = ("joint", "bone", "joint_motion", "bone_motion")
    TEMPORAL = ("pad_front", "pad_end", "resample", "interpolate")
    stochastic = True          # takes `rng=` (datasets pass one per (seed, epoch, index))

    def __post_init__(self):
        get_topology(self.topology)
        _choice("normalization", self.normalization, self.NORMALIZATIONS)
        for name in self.stream.split("+"):
            _choice("stream", name, self.STREAMS)
        _choice("stream_style", self.stream_style, ("motionzoo", "gcn_feeder"))
        _choice("temporal", self.temporal, self.TEMPORAL)
        _choice("persons", self.persons, ("per_body", "concat"))
        if self.clip_len < 1 or self.num_person < 1:
            raise PipelineError(f"clip_len and num_person must be >= 1, got {self.clip_len}, {self.num_person}")
        _check_augmentation(self)
        if not 0 < self.center_crop <= 1:
            raise PipelineError(f"center_crop must be in (0, 1], got {self.center_crop}")
        for p in ("random_start_crop_p", "random_start_crop"):
            if not 0.0 <= getattr(self, p) <= 1.0:
                raise PipelineError(f"{p} must be in [0, 1], got {getattr(self, p)}")
        if self.coordinates is not None and self.coordinates not in (2, 3):
            raise PipelineError(f"coordinates must be 2 (x, y) or 3 (x, y, z), got {self.coordinates}")
        object.__setattr__(self, "source_format", _check_source(self.source_format, self.topology, self.synthesize))

    @classmethod
    def cfg_fields(cls, cfg) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if getattr(cfg, "keypoint_format", None):
            out["topology"] = cfg.keypoint_format
        if getattr(cfg, "clip_len", None):
            out["clip_len"] = cfg.clip_len
        if getattr(cfg, "input_layout", "") == "NMTVC":
            out.update(persons="concat", num_person=cfg.num_person or 1)
        return out

    def __call__(self, x, rng: np.random.Generator | None = None) -> torch.Tensor:
        topo = get_topology(self.topology)
        x = np.asarray(x, dtype=np.float32)
        fmt = get_topology(self.source_format or self.topology)
        if x.ndim != 4 or x.shape[2] != fmt.num_joints:
            raise ValueError(f"expected a canonical (M, T, V={fmt.num_joints}, C) {fmt.name} sample, "
                             f"got shape {x.shape}")
        if x.shape[1] == 0:
            raise ValueError("empty sample (0 frames)")
        if not np.isfinite(x).all():
            raise ValueError(f"sample of shape {x.shape} contains NaN or infinite values")
        x = _convert(x, self.source_format, self.topology, self.synthesize)
        k = self.coordinates or spatial_dims(fmt.name, x.shape[-1])
        if self.coordinate_scale != 1.0:
            x = _on_coords(x, k, lambda c: c * np.float32(self.coordinate_scale))
        if self.normalization == "two_centre":
            x = _on_coords(x, k, lambda c: two_centre_normalize(c, topo))
        elif self.normalization == "center":
            x = _on_coords(x, k, lambda c: center_on_joint(c, topo))
        elif self.normalization == "scene":
            x = _on_coords(x, k, lambda c: _scene_centre(c, topo))
        elif self.normalization == "first_frame":
            x = _on_coords(x, k, first_frame_normalize)
        if self.train and self.random_temporal_crop[0] < 1.0:
            rng = rng if rng is not None else np.random.default_rng()
            x = _random_temporal_crop(x, self.random_temporal_crop, self.random_temporal_crop_min_frames, rng)
        elif not self.train and self.center_crop < 1.0:
            cut = int((1.0 - self.center_crop) * x.shape[1] / 2)
            x = x[:, cut:x.shape[1] - cut]
        x = self._to_clip(x)
        if self.train:
            rng = rng if rng is not None else np.random.default_rng()
            if self.random_start_crop_p > 0 and self.random_start_crop > 0:
                x = random_start_crop(x, self.random_start_crop, self.random_start_crop_p, rng=rng)
            if self.random_affine_p > 0 and rng.random() < self.random_affine_p:
                # on joints: bones and motions of rotated joints are rotated too
                x = _random_affine(x, k, self.random_rotate, self.random_scale, rng, self.integer_degrees)
        feeder = self.stream_style == "gcn_feeder"
        streams = [_on_coords(x, k, lambda c, n=name: self._stream(c, n, topo, feeder)) for name in self.stream.split("+")]
        x = streams[0] if len(streams) == 1 else np.concatenate(streams, axis=-1)
        return _tensor(self._persons(x))

    @staticmethod
    def _stream(x: np.ndarray, name: str, topo, feeder: bool) -> np.ndarray:
        if name.startswith("bone"):
            x = bones(x, topo, root="zero", tree="centre") if feeder else bones(x, topo)
        return motion(x, mask_absent=not feeder) if name.endswith("motion") else x

    def _to_clip(self, x: np.ndarray) -> np.ndarray:
        if self.temporal == "resample":
            return resample_linspace(x, self.clip_len)
        if self.temporal == "interpolate":
            return resample_interpolate(x, self.clip_len)
        return fixed_length(x, self.clip_len, pad="prepend" if self.temporal == "pad_front" else "append",
                            crop="first")

    def _persons(self, x: np.ndarray) -> np.ndarray:
        if self.persons == "per_body":
            return x[0] if x.shape[0] == 1 else x
        return _fit_bodies(x, self.num_person, ": select bodies in the dataset (body_rule=...)")


def _fit_bodies(x: np.ndarray, num_person: int, hint: str = "") -> np.ndarray:
    """(M, ...) -> (num_person, ...): missing bodies zero-filled (zoo-conventions §3.1); a body beyond `num_person`
    that carries data is an error, never silently dropped."""
    m = x.shape[0]
    if m > num_person:
        extra = [k for k in range(num_person, m) if np.abs(x[k]).sum() > 0]
        if extra:
            raise ValueError(f"sample has {m} bodies and bodies {extra} carry data, but the pipeline keeps "
                             f"num_person={num_person}{hint}")
        return x[:num_person]
    if m < num_person:
        return np.concatenate([x, np.zeros((num_person - m,) + x.shape[1:], x.dtype)])
    return x


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


@register_pipeline("hpc_pose_features")
@dataclass(frozen=True)
class PoseFeaturePipeline:
    """(M, T, 17, C) COCO-17 sample -> (length, 68): the Human-Pose-Classification per-frame features, resampled
    to `length` frames by the upstream interpolation (skeleton-models.md §B.3-B.4).

    xy_channels    the channels holding image x and y: (0, 1) for canonical coco17 (x, y[, score]), what
                   motionzoo's readers, `convert_keypoints` and the user containers give; (0, 2) for the
                   Human-Pose-Classification arrays (x, unused, y)
    num_person     bodies in the feature vector (the cfg's): fewer are zero-filled (zoo-conventions §3.1); a body
                   beyond them that carries data is an error, never silently dropped
    source_format  the samples' keypoint format when it is not coco17 (e.g. "body25", "mediapipe33"), converted
                   first (motionzoo.data.convert_keypoints); `synthesize` accepts synthesised joints
    subsample_long sequences longer than `length` are subsampled uniformly (upstream raises)
    """

    length: int = 350
    subsample_long: bool = False
    xy_channels: tuple[int, int] = (0, 1)
    num_person: int = 2
    source_format: str | None = None
    synthesize: bool = False
    train: bool = False
    stochastic = False

    def __post_init__(self):
        object.__setattr__(self, "xy_channels", tuple(int(c) for c in self.xy_channels))
        if len(self.xy_channels) != 2 or min(self.xy_channels) < 0 or len(set(self.xy_channels)) != 2:
            raise PipelineError(f"xy_channels must name two channels, e.g. (0, 1) for canonical coco17 (x, y, score) "
                                f"or (0, 2) for Human-Pose-Classification arrays (x, unused, y); got {self.xy_channels}")
        if self.num_person < 1 or self.length < 1:
            raise PipelineError(f"num_person and length must be >= 1, got {self.num_person}, {self.length}")
        object.__setattr__(self, "source_format", _check_source(self.source_format, "coco17", self.synthesize))

    @classmethod
    def cfg_fields(cls, cfg) -> dict[str, Any]:
        size = getattr(cfg, "input_size", None)
        out: dict[str, Any] = {"length": size[0]} if size else {}
        if getattr(cfg, "num_person", None):
            out["num_person"] = cfg.num_person
        return out

    def __call__(self, x, rng=None) -> torch.Tensor:
        from .transforms import hpc_frame_features, resample_hpc350
        x = np.asarray(x, dtype=np.float32)
        x = x[None] if x.ndim == 3 else x
        V = get_topology(self.source_format or "coco17").num_joints
        if x.ndim != 4 or x.shape[2] != V or x.shape[3] <= max(self.xy_channels):
            raise ValueError(f"expected a canonical (M, T, V={V}, C > {max(self.xy_channels)}) "
                             f"{self.source_format or 'coco17'} sample (xy_channels={self.xy_channels}), got shape "
                             f"{x.shape}")
        x = _fit_bodies(_convert(x, self.source_format, "coco17", self.synthesize), self.num_person)
        features = hpc_frame_features(x, channels=self.xy_channels)
        return _tensor(resample_hpc350(features, self.length, subsample_long=self.subsample_long))


@register_pipeline("skeleton_image")
@dataclass(frozen=True)
class SkeletonImagePipeline:
    """Skeleton -> (3, height, width) image, rows = joints, columns = frames (nas-bench-201.md §7.1), normalised
    by the cfg's per-channel mean/std (in 0..1 image units, as the cfg states them).  `source_format`: the samples'
    keypoint format when it is not `topology` (the cfg's), converted first (`synthesize` as for
    skeleton_sequence).

    Training augmentation (all off by default, as in the thesis), on the joints before they are drawn:
    random_temporal_crop, random_temporal_crop_min_frames   a contiguous window of a fraction r ~ U(lo, hi) of the
                   frames (at least that many), stretched to `width` like the whole sequence is
    random_rotate, random_scale, random_affine_p   as for skeleton_sequence, but about the sample's mean joint
                   (the image's one min-max over x, y and z keeps the camera position, so a rotation about the
                   camera's origin would swap depth into x); a scale then only moves the channels' levels
    """

    height: int | None = None
    width: int | None = None
    mean: tuple[float, float, float] | None = None
    std: tuple[float, float, float] | None = None
    first_body_only: bool = True
    topology: str | None = None         # the joints the image rows stand for; None: any (rows are resized)
    source_format: str | None = None
    synthesize: bool = False
    random_temporal_crop: tuple[float, float] = (1.0, 1.0)
    random_temporal_crop_min_frames: int = 1
    random_rotate: tuple[float, float, float] = (0.0, 0.0, 0.0)
    random_scale: tuple[float, float] = (1.0, 1.0)
    random_affine_p: float = 0.0
    train: bool = False
    stochastic = True          # takes `rng=` (datasets pass one per (seed, epoch, index))

    def __post_init__(self):
        _check_augmentation(self)
        if self.source_format is not None and self.topology is None:
            raise PipelineError("source_format needs the topology to convert to")
        if self.topology is not None:
            object.__setattr__(self, "source_format",
                               _check_source(self.source_format, self.topology, self.synthesize))

    @classmethod
    def cfg_fields(cls, cfg) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if getattr(cfg, "keypoint_format", None):
            out["topology"] = cfg.keypoint_format
        size = getattr(cfg, "input_size", None)
        if size and len(size) == 3:
            out.update(height=size[1], width=size[2])
        if getattr(cfg, "mean", None) is not None:
            out.update(mean=tuple(cfg.mean), std=tuple(cfg.std))
        return out

    def __call__(self, x, rng=None) -> torch.Tensor:
        from .transforms import skeleton_to_image
        if self.topology is not None:
            # the image resizes joint rows to `height`: a sample in another joint order would still give an image
            fmt = self.source_format or self.topology
            v = get_topology(fmt).num_joints
            shape = np.shape(x)
            if len(shape) < 2 or shape[-2] != v:
                raise ValueError(f"expected a {fmt} sample (..., V={v}, C), got shape {tuple(shape)}")
        scaled = (lambda v: None if v is None else tuple(255.0 * c for c in v))   # skeleton_to_image: 0..255 units
        if self.source_format is not None:
            x = _convert(np.asarray(x, np.float32), self.source_format, self.topology, self.synthesize)
        if self.train:
            x = self._augment(as_sample(x.detach().cpu().numpy() if isinstance(x, torch.Tensor) else x),
                              rng if rng is not None else np.random.default_rng())
        return skeleton_to_image(x, height=self.height, width=self.width, mean=scaled(self.mean),
                                 std=scaled(self.std), first_body_only=self.first_body_only)

    def _augment(self, x: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """(M, T, V, C) -> the same with the training augmentation applied."""
        x = x.astype(np.float32, copy=False)
        if self.random_temporal_crop[0] < 1.0:
            x = _random_temporal_crop(x, self.random_temporal_crop, self.random_temporal_crop_min_frames, rng)
        if self.random_affine_p > 0 and rng.random() < self.random_affine_p:
            present = np.abs(x[..., :3]).sum(-1) > 0                                        # (M, T, V)
            centre = x[..., :3][present].mean(0) if present.any() else np.zeros(3, np.float32)
            moved = np.where(present[..., None], x[..., :3] - centre, 0.0).astype(np.float32)
            moved = _random_affine(moved, 3, self.random_rotate, self.random_scale, rng)
            x = x.copy()
            x[..., :3] = np.where(present[..., None], moved + centre, 0.0)
        return x


@register_pipeline("rgbd_clip")
@dataclass(frozen=True)
class RGBDClipPipeline:
    """Decoded video (F, H, W, 3) uint8 -> {"clip": 3 x L x S x S, "heatmap": 1 x L x S x S}: the DRSR RGB-D
    clip transform (video-models.md §6.4-6.8) with the settings shipped for `dataset` (ntu, nvgesture, thuread,
    isogd, jester); any other field overrides one of those settings (`ClipTransformConfig`)."""

    dataset: str = "ntu"
    clip_len: int | None = None
    sample_size: int | None = None
    resize: tuple[int, int] | None = None
    crop: int | None = None
    flip_p: float | None = None
    rotate_p: float | None = None
    angle_range: tuple[int, int] | None = None
    crop_mode: str | None = None
    heatmap_window: int | None = None
    interpolation: str | None = None
    mean: float | None = None
    std: float | None = None
    heatmap: bool = True
    train: bool = False
    stochastic = True

    @classmethod
    def cfg_fields(cls, cfg) -> dict[str, Any]:
        out: dict[str, Any] = {}
        size = getattr(cfg, "input_size", None)
        if size and len(size) == 4:
            out.update(clip_len=int(size[1]), sample_size=int(size[2]))
        mean, std = getattr(cfg, "mean", None), getattr(cfg, "std", None)
        if mean is not None and std is not None:
            if len(set(mean)) != 1 or len(set(std)) != 1:
                raise PipelineError(f"the RGB-D clip pipeline normalises all channels alike; got mean {mean}, "
                                    f"std {std}")
            out.update(mean=float(mean[0]), std=float(std[0]))
        return out

    def __post_init__(self):
        object.__setattr__(self, "_transform", self._build())

    def _build(self):
        from .video_transforms import VideoClipTransform, get_clip_transform_config
        changes = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)
                   if f.name not in ("dataset", "heatmap", "train") and getattr(self, f.name) is not None}
        try:
            cfg = get_clip_transform_config(self.dataset, **changes)
        except KeyError as e:
            raise PipelineError(f"rgbd_clip: {e}") from None
        return VideoClipTransform(cfg, train=self.train, heatmap=self.heatmap)

    def __call__(self, video, rng: np.random.Generator | None = None):
        return self._transform(video, rng)


from . import video_pipelines  # noqa: E402,F401  (registers "video_clip" and "smnet")
