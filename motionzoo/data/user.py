"""Your own skeleton sequences: one documented plain container, a writer, a reader and a Dataset.

Two equivalent forms hold the same fields; neither can run code when read (numpy with ``allow_pickle=False``).

**One ``.npz`` file** (``numpy.savez``; the writer is ``write_user_dataset(path.npz, ...)``):

==================  ==================  ===========================================================================
key                 dtype, shape        meaning
==================  ==================  ===========================================================================
``format``          str, ()             ``"motionzoo.user_skeletons/1"``
``keypoint_format`` str, ()             a topology name: ``ntu25``, ``kinect_v1_20``, ``coco17``, ``body25``, ...
``keypoints``       float, (M, ΣT, V, C) every sample's (M, T_i, V, C) concatenated along T; M is the largest body
                                        count, samples with fewer bodies are zero-filled (zoo-conventions §3.1)
``lengths``         int, (N,)           T_i of every sample (>= 1), in order
``scores``          float, (M, ΣT, V)   optional per-joint confidences (pose-estimator scores)
``labels``          int, (N,)           optional class indices; -1 marks an unlabelled sample
``classes``         str, (K,)           optional class names (default ``class_0`` ...)
``names``           str, (N,)           optional unique sample names (default ``sample_00000`` ...)
``splits``          str, (N,)           optional split name per sample (any names: ``train``, ``val``, ...)
==================  ==================  ===========================================================================

**A folder** (``write_user_dataset(folder, ...)``): one ``.npy`` per sample holding (M, T, V, C) (or (T, V, C) for
one body), an optional ``<stem>.scores.npy`` (M, T, V) beside it, and ``samples.csv`` with the columns ``file``
(required, relative to the folder), ``keypoint_format`` (required, the same in every row), and optionally
``name``, ``label`` (a class name or index; empty = unlabelled), ``split``, ``scores_file``.  An optional
``classes.txt`` (one name per line) fixes the class order; without it the class names found in ``label`` are
sorted.

Errors are ``SkeletonFormatError``s naming the file, the sample (index and name) and the field: a joint count
that does not match the keypoint format, NaN or infinite values, ragged arrays, a missing label, an unknown
format name.

    write_user_dataset("mine.npz", samples, labels, keypoint_format="coco17", classes=["wave", "clap"],
                       splits=["train", "val", ...], scores=scores)
    ds = UserSkeletonDataset("mine.npz", split="train")      # (sample (M, T, V, C) float32, label)
"""
from __future__ import annotations

import csv
import os
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Sequence

import numpy as np

from .datasets import SkeletonDataset, assemble_sample
from .errors import SkeletonFormatError
from .topology import UnknownTopologyError, get_topology, list_topologies

__all__ = ["UserSkeletons", "write_user_dataset", "read_user_dataset", "UserSkeletonDataset", "USER_FORMAT"]

USER_FORMAT = "motionzoo.user_skeletons/1"
_CSV = "samples.csv"
_CLASSES = "classes.txt"


@dataclass
class UserSkeletons:
    """The content of a user container.  ``samples[i]`` is (M, T_i, V, C) float32; ``scores[i]`` (M, T_i, V)."""

    keypoint_format: str
    samples: list[np.ndarray]
    labels: np.ndarray                     # (N,) int64, -1 = unlabelled
    classes: tuple[str, ...]
    names: tuple[str, ...]
    splits: tuple[str, ...] | None = None
    scores: list[np.ndarray] | None = None
    path: Path | None = None

    def __len__(self) -> int:
        return len(self.samples)

    def indices(self, split: str = "all") -> list[int]:
        if split == "all":
            return list(range(len(self)))
        if self.splits is None:
            raise ValueError(f"{self.path or 'user data'}: has no split names; use split='all'")
        if split not in set(self.splits):
            raise ValueError(f"{self.path or 'user data'}: no split {split!r}; splits: {sorted(set(self.splits))}")
        return [i for i, s in enumerate(self.splits) if s == split]


# -- validation ------------------------------------------------------------------------------------------------
def _who(i: int, names) -> str:
    return f"sample {i}" + (f" ({names[i]!r})" if names is not None and i < len(names) else "")


def _topology_or_error(path, name):
    try:
        return get_topology(str(name))
    except UnknownTopologyError:
        raise SkeletonFormatError(path, f"unknown keypoint format {str(name)!r}; known formats: {list_topologies()}",
                                  field="keypoint_format") from None


def _as_sample(path, x, i, names, field="keypoints", ndim=(3, 4)) -> np.ndarray:
    """One sample as a float array (M, T, V, C) (or (M, T, V) for scores), with ragged input named."""
    try:
        a = np.asarray(x)
    except ValueError as e:   # numpy refuses inhomogeneous nested lists
        raise SkeletonFormatError(path, f"{_who(i, names)}: ragged array (the frames or joints differ in length): {e}",
                                  field=field) from None
    if a.dtype == object:
        raise SkeletonFormatError(path, f"{_who(i, names)}: ragged array (the frames or joints differ in length)",
                                  field=field)
    if not (np.issubdtype(a.dtype, np.floating) or np.issubdtype(a.dtype, np.integer)):
        raise SkeletonFormatError(path, f"{_who(i, names)}: expected numbers, got dtype {a.dtype}", field=field)
    if a.ndim not in ndim:
        want = "(M, T, V, C) or (T, V, C)" if field == "keypoints" else "(M, T, V) or (T, V)"
        raise SkeletonFormatError(path, f"{_who(i, names)}: expected {want}, got shape {a.shape}", field=field)
    if a.ndim == min(ndim):
        a = a[None]
    return a.astype(np.float32)


def _check_sample(path, x, i, names, topo, field="keypoints") -> None:
    V = topo.num_joints
    if x.shape[1] == 0:
        raise SkeletonFormatError(path, f"{_who(i, names)}: has 0 frames", field=field)
    if x.shape[2] != V:
        guess = [n for n in list_topologies() if get_topology(n).num_joints == x.shape[2]]
        raise SkeletonFormatError(
            path, f"{_who(i, names)}: has V={x.shape[2]} joints, keypoint format {topo.name!r} has {V}"
            + (f" (formats with {x.shape[2]} joints: {guess})" if guess else ""), field=field)
    if field == "keypoints" and x.shape[3] < 2:
        raise SkeletonFormatError(path, f"{_who(i, names)}: C={x.shape[3]} channels, need at least 2 (x, y)",
                                  field=field)
    bad = ~np.isfinite(x)
    if bad.any():
        m, t, v = np.argwhere(bad)[0][:3]
        raise SkeletonFormatError(
            path, f"{_who(i, names)}: {int(bad.sum())} NaN/infinite values (first: body {m}, frame {t}, joint {v} "
            f"{topo.joint_names[v]!r}); mark missing joints with 0 (and score 0) instead", field=field)


def _validate(data: UserSkeletons) -> UserSkeletons:
    path, names = data.path, data.names
    topo = _topology_or_error(path, data.keypoint_format)
    data.keypoint_format = topo.name
    n = len(data.samples)
    if n == 0:
        raise SkeletonFormatError(path, "no samples", field="keypoints")
    if len(names) != n:
        raise SkeletonFormatError(path, f"{len(names)} names for {n} samples", field="names")
    dup = sorted(k for k, c in Counter(names).items() if c > 1) if len(set(names)) != n else []
    if dup:
        raise SkeletonFormatError(path, f"sample names must be unique; repeated: {dup[:5]}", field="names")
    for i, x in enumerate(data.samples):
        _check_sample(path, x, i, names, topo)
    C = {x.shape[3] for x in data.samples}
    if len(C) > 1:
        raise SkeletonFormatError(path, f"samples differ in channel count C: {sorted(C)}", field="keypoints")
    if data.scores is not None:
        if len(data.scores) != n:
            raise SkeletonFormatError(path, f"{len(data.scores)} score arrays for {n} samples", field="scores")
        for i, (x, s) in enumerate(zip(data.samples, data.scores)):
            if s.shape != x.shape[:3]:
                raise SkeletonFormatError(path, f"{_who(i, names)}: scores have shape {s.shape}, keypoints "
                                          f"{x.shape} need (M, T, V) = {x.shape[:3]}", field="scores")
            _check_sample(path, s[..., None], i, names, topo, field="scores")
    labels = np.asarray(data.labels)
    if labels.shape != (n,) or not np.issubdtype(labels.dtype, np.integer):
        raise SkeletonFormatError(path, f"labels must be {n} integers, got {labels.dtype} {labels.shape}",
                                  field="labels")
    K = len(data.classes)
    out = np.flatnonzero((labels < -1) | (labels >= K))
    if out.size:
        i = int(out[0])
        raise SkeletonFormatError(path, f"{_who(i, names)}: label {int(labels[i])} is outside 0..{K - 1} "
                                  f"({K} classes: {list(data.classes)[:10]})", field="labels")
    data.labels = labels.astype(np.int64)
    if data.splits is not None and len(data.splits) != n:
        raise SkeletonFormatError(path, f"{len(data.splits)} split names for {n} samples", field="splits")
    return data


# -- writer ----------------------------------------------------------------------------------------------------
def write_user_dataset(path: str | os.PathLike, samples: Sequence, labels: Sequence[int] | None = None, *,
                       keypoint_format: str, classes: Sequence[str] | None = None,
                       names: Sequence[str] | None = None, splits: Sequence[str] | None = None,
                       scores: Sequence | None = None) -> Path:
    """Write samples ((M, T, V, C) or (T, V, C) arrays, any T) as ``path`` (``.npz``) or a folder of ``.npy`` +
    ``samples.csv`` (any other path).  ``labels``: class indices, -1 or None for unlabelled samples."""
    path = Path(path)
    n = len(samples)
    names = tuple(names) if names is not None else tuple(f"sample_{i:05d}" for i in range(n))
    xs = [_as_sample(path, x, i, names) for i, x in enumerate(samples)]
    sc = None if scores is None else [_as_sample(path, s, i, names, "scores", (2, 3)) for i, s in enumerate(scores)]
    lab = np.full(n, -1, np.int64) if labels is None else np.array([-1 if y is None else y for y in labels])
    if classes is None:
        classes = tuple(f"class_{k}" for k in range(int(lab.max(initial=-1)) + 1))
    data = _validate(UserSkeletons(keypoint_format, xs, lab, tuple(str(c) for c in classes), names,
                                   None if splits is None else tuple(str(s) for s in splits), sc, path))
    if path.suffix == ".npz":
        _write_npz(path, data)
    else:
        _write_folder(path, data)
    return path


def _pad_bodies(xs: list[np.ndarray], M: int) -> list[np.ndarray]:
    return [x if x.shape[0] == M else np.concatenate([x, np.zeros((M - x.shape[0],) + x.shape[1:], x.dtype)])
            for x in xs]


def _write_npz(path: Path, data: UserSkeletons) -> None:
    M = max(x.shape[0] for x in data.samples)
    arrays = {
        "format": np.array(USER_FORMAT), "keypoint_format": np.array(data.keypoint_format),
        "keypoints": np.concatenate(_pad_bodies(data.samples, M), axis=1),
        "lengths": np.array([x.shape[1] for x in data.samples], np.int64),
        "labels": data.labels, "classes": np.array(data.classes, dtype=str), "names": np.array(data.names, dtype=str),
    }
    if data.splits is not None:
        arrays["splits"] = np.array(data.splits, dtype=str)
    if data.scores is not None:
        arrays["scores"] = np.concatenate(_pad_bodies(data.scores, M), axis=1)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + f".part-{os.getpid()}.npz")
    np.savez(tmp, **arrays)
    os.replace(tmp, path)


def _write_folder(path: Path, data: UserSkeletons) -> None:
    path.mkdir(parents=True, exist_ok=True)
    rows = []
    for i, (name, x) in enumerate(zip(data.names, data.samples)):
        stem = "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in name)
        stem = f"{i:05d}_{stem}"
        np.save(path / f"{stem}.npy", x)
        row = {"file": f"{stem}.npy", "name": name, "keypoint_format": data.keypoint_format,
               "label": "" if data.labels[i] < 0 else data.classes[data.labels[i]],
               "split": "" if data.splits is None else data.splits[i]}
        if data.scores is not None:
            np.save(path / f"{stem}.scores.npy", data.scores[i])
            row["scores_file"] = f"{stem}.scores.npy"
        rows.append(row)
    (path / _CLASSES).write_text("".join(c + "\n" for c in data.classes))
    with open(path / _CSV, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)


# -- reader ----------------------------------------------------------------------------------------------------
def read_user_dataset(path: str | os.PathLike) -> UserSkeletons:
    """Read and validate a ``.npz`` container or a folder with ``samples.csv``."""
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"user skeleton data not found: {path}")
    data = _read_folder(path) if path.is_dir() else _read_npz(path)
    return _validate(data)


def _read_npz(path: Path) -> UserSkeletons:
    try:
        z = np.load(path, allow_pickle=False)
    except (ValueError, OSError) as e:
        raise SkeletonFormatError(path, f"not a readable .npz file: {e}") from None
    with z:
        keys = set(z.files)

        def get(key, required=False):
            if key not in keys:
                if required:
                    raise SkeletonFormatError(path, f"missing key {key!r} (keys: {sorted(keys)}); see "
                                              "motionzoo.data.user for the format", field=key)
                return None
            try:
                return z[key]
            except ValueError as e:   # object arrays would need pickle
                raise SkeletonFormatError(path, f"not a plain array (object arrays are not allowed): {e}",
                                          field=key) from None

        fmt = get("format")
        if fmt is not None and str(fmt) != USER_FORMAT:
            raise SkeletonFormatError(path, f"format {str(fmt)!r}, expected {USER_FORMAT!r}", field="format")
        kp_format = str(get("keypoint_format", True))
        kp = get("keypoints", True)
        if kp.ndim != 4:
            raise SkeletonFormatError(path, f"keypoints must be (M, sum T, V, C), got shape {kp.shape}",
                                      field="keypoints")
        lengths = get("lengths", True).astype(np.int64)
        n = len(lengths)
        if (lengths < 1).any() or lengths.sum() != kp.shape[1]:
            raise SkeletonFormatError(path, f"lengths (sum {int(lengths.sum())}, min {int(lengths.min(initial=0))}) "
                                      f"must be >= 1 and add up to the {kp.shape[1]} frames of keypoints",
                                      field="lengths")
        bounds = np.concatenate([[0], np.cumsum(lengths)])
        cut = lambda a: [np.asarray(a[:, bounds[i]:bounds[i + 1]], np.float32) for i in range(n)]  # noqa: E731
        names = get("names")
        names = tuple(str(s) for s in names) if names is not None else tuple(f"sample_{i:05d}" for i in range(n))
        labels = get("labels")
        labels = np.full(n, -1, np.int64) if labels is None else labels
        classes = get("classes")
        if classes is None:
            classes = tuple(f"class_{k}" for k in range(int(np.max(labels, initial=-1)) + 1))
        splits = get("splits")
        scores = get("scores")
        if scores is not None and scores.shape != kp.shape[:3]:
            raise SkeletonFormatError(path, f"scores have shape {scores.shape}, keypoints {kp.shape} need "
                                      f"(M, sum T, V) = {kp.shape[:3]}", field="scores")
        return UserSkeletons(kp_format, cut(kp), labels, tuple(str(c) for c in classes), names,
                             None if splits is None else tuple(str(s) for s in splits),
                             None if scores is None else cut(scores), path)


def _read_folder(path: Path) -> UserSkeletons:
    index = path / _CSV
    if not index.is_file():
        raise SkeletonFormatError(path, f"a user data folder needs {_CSV} (columns file, keypoint_format[, name, "
                                  "label, split, scores_file])")
    with open(index, newline="") as f:
        rows = list(csv.DictReader(f))
    if not rows:
        raise SkeletonFormatError(index, "no rows")
    for col in ("file", "keypoint_format"):
        if col not in rows[0]:
            raise SkeletonFormatError(index, f"missing column {col!r} (columns: {list(rows[0])})", line=1, field=col)
    formats = {r["keypoint_format"] for r in rows}
    if len(formats) != 1:
        raise SkeletonFormatError(index, f"one keypoint format per folder, found {sorted(formats)}",
                                  field="keypoint_format")
    names = tuple(r.get("name") or Path(r["file"]).stem for r in rows)
    classes_file = path / _CLASSES
    raw = [(r.get("label") or "").strip() for r in rows]
    if classes_file.is_file():
        classes = tuple(c.strip() for c in classes_file.read_text().splitlines() if c.strip())
    else:
        classes = tuple(sorted({v for v in raw if v and not v.lstrip("-").isdigit()}))
        if not classes and any(raw):
            classes = tuple(f"class_{k}" for k in range(max(int(v) for v in raw if v) + 1))
    labels = []
    for line, v in enumerate(raw, start=2):
        if not v:
            labels.append(-1)
        elif v in classes:
            labels.append(classes.index(v))
        elif v.lstrip("-").isdigit():
            labels.append(int(v))
        else:
            raise SkeletonFormatError(index, f"label {v!r} is not one of the classes {list(classes)[:10]}",
                                      line=line, field="label")
    samples, scores = [], []
    for i, r in enumerate(rows):
        f = path / r["file"]
        if not f.is_file():
            raise SkeletonFormatError(index, f"{_who(i, names)}: file {r['file']!r} not found", line=i + 2,
                                      field="file")
        samples.append(_as_sample(f, np.load(f, allow_pickle=False), i, names))
        if r.get("scores_file"):
            scores.append(_as_sample(path / r["scores_file"], np.load(path / r["scores_file"], allow_pickle=False),
                                     i, names, "scores", (2, 3)))
    if scores and len(scores) != len(rows):
        raise SkeletonFormatError(index, "scores_file must be given for every sample or none", field="scores_file")
    splits = tuple(r.get("split") or "" for r in rows) if "split" in rows[0] else None
    return UserSkeletons(formats.pop(), samples, np.array(labels, np.int64), classes, names, splits,
                         scores or None, path)


# -- Dataset ---------------------------------------------------------------------------------------------------
class UserSkeletonDataset(SkeletonDataset):
    """A user container (``.npz`` or folder) as a Dataset: ``(sample (M, T, V, C) float32, label)`` after
    ``transform``, like the other skeleton datasets; ``classes``, ``topology`` (the container's keypoint format),
    ``labels``, ``meta`` (name, split, frames, bodies).  ``split`` is one of the container's split names or
    'all'.  ``scores='append'`` adds the scores as the last channel (x, y[, z], score), ``'drop'`` ignores
    them.  Every selected sample needs a label.  ``cache=False`` by default: the container is already compact."""

    dataset_name = "user"

    def __init__(self, path, split: str = "all", transform: Callable | None = None, scores: str = "append",
                 return_meta: bool = False, cache: bool = False, cache_dir=None):
        if scores not in ("append", "drop"):
            raise ValueError(f"scores must be 'append' or 'drop', got {scores!r}")
        self.data = read_user_dataset(path)
        self.classes = self.data.classes
        self.topology = self.data.keypoint_format
        self._scores = scores if self.data.scores is not None else "none"
        self._indices = self.data.indices(split)
        unlabelled = [i for i in self._indices if self.data.labels[i] < 0]
        if unlabelled:
            i = unlabelled[0]
            raise SkeletonFormatError(path, f"{_who(i, self.data.names)} has no label ({len(unlabelled)} of the "
                                      f"{len(self._indices)} samples of split {split!r} are unlabelled)",
                                      field="labels")
        self.num_bodies = max(self.data.samples[i].shape[0] for i in self._indices)
        self.num_channels = self.data.samples[0].shape[3] + (self._scores == "append")
        super().__init__(path, split=split, transform=transform, return_meta=return_meta, cache=cache,
                         cache_dir=cache_dir, scores=self._scores)

    def _check_split(self, split: str) -> None:
        pass   # checked against the container's own split names by UserSkeletons.indices

    def _sources(self):
        p = Path(self.root)
        return sorted(p.rglob("*")) if p.is_dir() else [p]

    def _build(self):
        d = self.data
        for i in self._indices:
            x, mask = assemble_sample(d.samples[i], d.scores[i] if self._scores == "append" else None,
                                      self.num_bodies)
            yield x, mask, int(d.labels[i]), {
                "name": d.names[i], "index": i, "split": None if d.splits is None else d.splits[i],
                "num_bodies": int(mask.any(axis=1).sum()), "num_frames": int(x.shape[1])}
