"""``torch.utils.data.Dataset`` classes for the skeleton datasets, backed by the preprocessing cache.

Every dataset returns ``(sample, label)`` (``return_meta=True``: ``(sample, label, meta)``) with ``sample`` a float32
tensor (M, T, V, C) after ``transform``; ``ds.meta[i]`` holds the per-sample metadata (name, subject, view/camera,
body count, frames), ``ds.body_mask(i)`` the (M, T) bool mask of present bodies, ``ds.fingerprint`` the cache key,
``ds.summary`` counts and the skipped files with their reasons.

    ds = SBUDataset(root, fold=0, split="test")
    ds = NTUSkeletonDataset(root, protocol="ntu60_xsub", split="train", body_rule="denoised_top2")
    ds = get_dataset("sbu", split="test", fold=2)           # root from $MOTIONZOO_DATA or ../shared/data
"""
from __future__ import annotations

import os
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np
import torch
from torch.utils.data import Dataset

from .bodies import select_bodies
from .cache import SampleStore, cache_entry_dir, fingerprint_sources, write_store
from .errors import DatasetNotFoundError, SkeletonFormatError
from .msr_action3d import MSR_ACTION3D_CLASSES, MSR_ACTION_SETS, MSR_BAD_FILES, list_msr_action3d, read_msr_action3d
from .uea_ts import NATOPS_CLASSES, read_natops_ts
from .ntu import (NTU60_CLASSES, NTU120_CLASSES, iter_skeleton_files, ntu_protocol_info, ntu_split, parse_ntu_name,
                  read_missing_list, read_ntu_skeleton)
from .nw_ucla import NW_UCLA_CLASSES, NW_UCLA_TRAIN_VIEWS, list_nw_ucla, read_nw_ucla
from .sbu import SBU_CLASSES, list_sbu, read_sbu
from .utd_mhad import UTD_MHAD_CLASSES, UTD_MHAD_XSUB_TRAIN, list_utd_mhad, read_utd_mhad
from .utkinect import UTKINECT_CLASSES, list_utkinect, read_utkinect_joints, read_utkinect_labels, utkinect_segments

__all__ = ["SkeletonDataset", "NTUSkeletonDataset", "SBUDataset", "UTDMHADDataset", "MSRAction3DDataset",
           "NATOPSDataset", "NWUCLADataset", "UTKinectDataset", "DATASETS", "get_dataset", "default_data_root",
           "pad_collate", "NtuFileSamples", "parse_ntu_file"]


def default_data_root() -> Path | None:
    """``$MOTIONZOO_DATA``, else ``../shared/data`` next to the current directory or the package checkout."""
    env = os.environ.get("MOTIONZOO_DATA")
    if env:
        return Path(env)
    for base in (Path.cwd(), Path(__file__).resolve().parents[2]):
        cand = base.parent / "shared" / "data"
        if cand.is_dir():
            return cand
    return None


class SkeletonDataset(Dataset):
    """Base class.  Subclasses define ``dataset_name``, ``classes``, ``topology``, ``num_bodies``, and
    ``_sources()`` (files the fingerprint covers) and ``_build()`` (yields (x (M,T,V,C), mask (M,T), label, meta)
    and records skipped files in ``self._skipped``)."""

    dataset_name = "skeleton"
    classes: tuple[str, ...] = ()
    topology = "ntu25"
    num_bodies = 1
    num_channels = 3
    default_subdir = ""

    def __init__(self, root=None, split: str = "train", transform: Callable | None = None, return_meta: bool = False,
                 cache: bool = True, cache_dir=None, seed: int | None = None, **options):
        if root is None:
            base = default_data_root()
            if base is None:
                raise DatasetNotFoundError(f"{type(self).__name__}: no root given and no $MOTIONZOO_DATA or "
                                           "../shared/data found")
            root = base / self.default_subdir
        self.root = Path(root)
        if not self.root.exists():
            raise DatasetNotFoundError(f"{type(self).__name__}: {self.root} does not exist")
        self._check_split(split)
        self.split = split
        self.transform = transform
        self.return_meta = return_meta
        self.seed, self.epoch = seed, 0
        self.options = {"split": split, **options}
        self._skipped: list[tuple[str, str]] = []
        self.fingerprint = fingerprint_sources(self._sources(), self.root,
                                               {"dataset": self.dataset_name, **self.options})
        entry = cache_entry_dir(self.dataset_name, self.fingerprint, cache_dir)
        if cache and SampleStore.exists(entry):
            self._store = SampleStore(entry)
            self.cache_path: Path | None = entry
            if self._store.summary["skipped"]:
                warnings.warn(f"{self.dataset_name}: {len(self._store.summary['skipped'])} file(s) skipped "
                              f"(see .summary['skipped'])", stacklevel=2)
        else:
            xs, masks, labels, meta = [], [], [], []
            for x, m, y, info in self._build():
                xs.append(np.asarray(x, np.float32))
                masks.append(np.asarray(m, bool))
                labels.append(int(y))
                meta.append(info)
            for name, why in self._skipped:
                warnings.warn(f"{self.dataset_name}: skipped {name}: {why}", stacklevel=3)
            summary = {"dataset": self.dataset_name, "split": split, "options": self.options,
                       "num_samples": len(xs), "skipped": self._skipped,
                       "class_counts": np.bincount(labels, minlength=len(self.classes)).tolist() if labels else []}
            tail = (self.num_bodies, self._num_joints(), self.num_channels)
            if cache:
                write_store(entry, xs, masks, labels, meta, summary, tail)
                self._store = SampleStore(entry)
                self.cache_path = entry
            else:
                self._store = _MemoryStore(xs, masks, labels, meta, summary)
                self.cache_path = None
        self.meta = self._store.meta
        self.labels = self._store.labels
        self.summary = self._store.summary

    def _check_split(self, split: str) -> None:
        """Datasets whose files name their own splits (user data, pyskl pickles) override this."""
        if split not in ("train", "test", "all"):
            raise ValueError(f"split must be 'train', 'test' or 'all', got {split!r}")

    def _num_joints(self) -> int:
        from .topology import get_topology
        return get_topology(self.topology).num_joints

    # -- subclass API
    def _sources(self) -> list[Path]:  # pragma: no cover - abstract
        raise NotImplementedError

    def _build(self):  # pragma: no cover - abstract
        raise NotImplementedError

    # -- Dataset API
    def __len__(self) -> int:
        return len(self._store)

    def set_epoch(self, epoch: int) -> None:
        """The engine calls this before every epoch: a random transform's draws for item i are a function of
        (seed, epoch, i), whatever the DataLoader's worker count."""
        self.epoch = int(epoch)

    def sample_rng(self, i: int) -> np.random.Generator:
        """The generator item `i` draws from: seeded by (seed, epoch, i), or fresh entropy when seed is None."""
        if self.seed is None:
            return np.random.default_rng()
        return np.random.default_rng([int(self.seed), self.epoch, int(i)])

    def __getitem__(self, i: int):
        x = self._store.sample(i)
        if self.transform is not None:
            # pipelines with random augmentation take the per-item generator (motionzoo.data.pipeline)
            x = self.transform(x, rng=self.sample_rng(i)) if getattr(self.transform, "stochastic", False) \
                else self.transform(x)
        if isinstance(x, np.ndarray):
            x = torch.from_numpy(x)
        y = int(self.labels[i])
        return (x, y, self.meta[i]) if self.return_meta else (x, y)

    def body_mask(self, i: int) -> np.ndarray:
        """(M, T) bool: True where body m is present in frame t (absent bodies are zero-filled)."""
        return self._store.body_mask(i)

    @property
    def num_classes(self) -> int:
        return len(self.classes)

    def __repr__(self) -> str:
        return (f"{type(self).__name__}(root={str(self.root)!r}, {self.options}, n={len(self)}, "
                f"skipped={len(self.summary['skipped'])})")


class _MemoryStore:
    def __init__(self, xs, masks, labels, meta, summary):
        self.xs, self.masks, self.labels, self.meta, self.summary = xs, masks, np.asarray(labels, np.int64), meta, summary

    def __len__(self):
        return len(self.xs)

    def sample(self, i):
        return self.xs[i].copy()

    def body_mask(self, i):
        return self.masks[i].copy()


def pad_collate(batch):
    """Collate variable-length samples: zero-pad along T -> (N, M, T_max, V, C), labels (N,), lengths (N,)."""
    xs = [b[0] for b in batch]
    T = max(x.shape[1] for x in xs)
    out = xs[0].new_zeros((len(xs), xs[0].shape[0], T) + tuple(xs[0].shape[2:]))
    for k, x in enumerate(xs):
        out[k, :, : x.shape[1]] = x
    labels = torch.tensor([b[1] for b in batch], dtype=torch.int64)
    lengths = torch.tensor([x.shape[1] for x in xs], dtype=torch.int64)
    return out, labels, lengths


def assemble_sample(x: np.ndarray, scores: np.ndarray | None, num_bodies: int) -> tuple[np.ndarray, np.ndarray]:
    """(sample, body mask) from keypoints (M, T, V, C) and optional scores (M, T, V): the scores become the last
    channel, missing bodies up to ``num_bodies`` are zero-filled (zoo-conventions §3.1), and the (num_bodies, T)
    mask marks the bodies present (not all zero) in each frame.  For containers that store their own samples."""
    if scores is not None:
        x = np.concatenate([x, scores[..., None].astype(x.dtype)], axis=-1)
    if x.shape[0] < num_bodies:
        x = np.concatenate([x, np.zeros((num_bodies - x.shape[0],) + x.shape[1:], x.dtype)])
    return x, np.abs(x).reshape(x.shape[0], x.shape[1], -1).sum(-1) > 0


def _one_body(x: np.ndarray):
    return x, np.ones(x.shape[:2], bool)


# -- NTU --------------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class NtuFileSamples:
    """What one ``.skeleton`` file gives under a body rule: samples [(x (M, T, V, 3) float32, mask (M, T) bool)],
    the file's frame count, and the reader's error message when the file could not be read (then no samples)."""

    samples: list
    num_frames: int
    error: str | None = None


def parse_ntu_file(path, body_rule: str, on_error: str = "raise") -> NtuFileSamples:
    """Read one NTU file and select its bodies.  ``on_error='skip'`` returns the error message instead of raising
    `SkeletonFormatError` (the parallel preparation, motionzoo.data.prepare, lists such files)."""
    try:
        rec = read_ntu_skeleton(path)
    except SkeletonFormatError as e:
        if on_error != "skip":
            raise
        return NtuFileSamples([], 0, str(e))
    return NtuFileSamples([(np.asarray(x, np.float32), np.asarray(m, bool)) for x, m in select_bodies(rec, body_rule)],
                          rec.num_frames)


UNREADABLE = "unreadable: "  # prefix of the skip reason of a file the reader rejected


class NTUSkeletonDataset(SkeletonDataset):
    """Any folder of NTU ``.skeleton`` files (searched recursively), split by an NTU protocol from the file
    names.  ``missing``: a missing-skeleton list file (or a list of names) to exclude; ``body_rule``: one of
    bodies.BODY_RULES (``moving_bodies`` gives one M = 1 sample per kept body); ``on_error='skip'`` skips
    unreadable files with a warning instead of raising (also when the cache entry, e.g. one written by
    ``motionzoo prepare ntu``, lists unreadable files: with the default ``'raise'`` they raise).
    ``parsed``: a mapping path -> `NtuFileSamples` to build from instead of reading the files (the preparation's
    shards; not part of the cache key, as it holds the same content)."""

    dataset_name = "ntu"
    topology = "ntu25"
    default_subdir = "ntu_skeletons"

    def __init__(self, root=None, protocol: str = "ntu60_xsub", split: str = "train", body_rule: str = "denoised_top2",
                 missing=None, on_error: str = "raise", parsed=None, **kwargs):
        field, _, nclass, _ = ntu_protocol_info(protocol)
        if on_error not in ("raise", "skip"):
            raise ValueError(f"on_error must be 'raise' or 'skip', got {on_error!r}")
        self.protocol = protocol
        self.classes = NTU60_CLASSES if nclass == 60 else NTU120_CLASSES
        self.body_rule = body_rule
        self.num_bodies = 1 if body_rule == "moving_bodies" else 2
        if missing is not None and not isinstance(missing, (list, tuple, set, frozenset)):
            missing = read_missing_list(missing)
        self._missing = frozenset(missing or ())
        self._on_error = on_error
        self._parsed = parsed
        # on_error is not in the cache key: an entry lists the unreadable files it skipped (checked below)
        super().__init__(root, split=split, protocol=protocol, body_rule=body_rule,
                         missing=sorted(self._missing), **kwargs)
        unreadable = [s for s in self.summary["skipped"] if s[1].startswith(UNREADABLE)]
        if unreadable and on_error != "skip":
            raise SkeletonFormatError(None, f"{len(unreadable)} unreadable file(s) under {self.root} (pass "
                                            f"on_error='skip' to leave them out), first: {unreadable[0][1]}")

    def _files(self):
        out = []
        for p in iter_skeleton_files(self.root):
            name = p.name.split(".")[0]
            try:
                part = ntu_split(name, self.protocol)
            except ValueError:
                continue  # not an NTU sample name
            if part is None or (self.split != "all" and part != self.split):
                continue
            out.append(p)
        return out

    def _sources(self):
        return self._files()

    def _build(self):
        for p in self._files():
            name = p.name.split(".")[0]
            if name in self._missing:
                self._skipped.append((name, "on the missing-skeleton list"))
                continue
            got = self._parsed.get(p) if self._parsed is not None else None
            if got is None:
                got = parse_ntu_file(p, self.body_rule, self._on_error)
            if got.error is not None:
                if self._on_error != "skip":
                    raise SkeletonFormatError(p, got.error)
                self._skipped.append((name, UNREADABLE + got.error))
                continue
            n = parse_ntu_name(name)
            samples = got.samples
            for k, (x, mask) in enumerate(samples):
                if x.shape[1] == 0:
                    self._skipped.append((name, "no body in any frame"))
                    continue
                if not x.any():
                    self._skipped.append((name, "all-zero sequence"))
                    continue
                yield x, mask, n.label, {
                    "name": name if len(samples) == 1 else f"{name}#{k}", "file": name, "setup": n.setup,
                    "camera": n.camera, "view": n.camera, "subject": n.performer, "replication": n.replication,
                    "num_bodies": int(mask.any(axis=1).sum()), "num_frames": int(x.shape[1]),
                    "file_frames": got.num_frames}


# -- SBU ---------------------------------------------------------------------------------------------------------

class SBUDataset(SkeletonDataset):
    """SBU Kinect Interaction, official 5-fold protocol: ``fold`` (0..4) is the test fold of ``split='test'`` and
    excluded from ``split='train'``.  M = 2 persons, sbu15 joints; ``denormalize=True`` gives millimetres."""

    dataset_name = "sbu"
    classes = SBU_CLASSES
    topology = "sbu15"
    num_bodies = 2
    default_subdir = "sbu_kinect_interaction"

    def __init__(self, root=None, fold: int = 0, split: str = "train", denormalize: bool = False, **kwargs):
        if not 0 <= fold < 5:
            raise ValueError(f"SBU fold must be 0..4, got {fold}")
        self.fold = fold
        self.denormalize = denormalize
        super().__init__(root, split=split, fold=fold, denormalize=denormalize, **kwargs)

    def _entries(self):
        e = list_sbu(self.root)
        if self.split == "test":
            return [d for d in e if d["fold"] == self.fold]
        if self.split == "train":
            return [d for d in e if d["fold"] != self.fold]
        return e

    def _sources(self):
        return [d["path"] for d in self._entries()]

    def _build(self):
        for d in self._entries():
            x = read_sbu(d["path"], denormalize=self.denormalize)
            yield x, np.ones(x.shape[:2], bool), d["label"], {
                "name": d["name"], "subject": d["set"], "fold": d["fold"], "repetition": d["repetition"],
                "num_bodies": 2, "num_frames": int(x.shape[1])}


# -- UTD-MHAD ----------------------------------------------------------------------------------------------------

class UTDMHADDataset(SkeletonDataset):
    """UTD-MHAD skeletons, cross-subject: ``split='train'`` subjects 1, 3, 5, 7; ``'test'`` 2, 4, 6, 8; ``'all'``
    1..8.  ``subjects`` narrows the split to those subjects (e.g. a validation subject taken from the training
    half); naming a subject outside the split raises.  ``canonical=False`` keeps the UTD file order (needed for
    the NAS image encoding)."""

    dataset_name = "utd_mhad"
    classes = UTD_MHAD_CLASSES
    topology = "kinect_v1_20"
    default_subdir = "utd_mhad"

    def __init__(self, root=None, split: str = "train", subjects=None, canonical: bool = True, **kwargs):
        self.subjects = None if subjects is None else sorted(int(s) for s in subjects)
        if self.subjects is not None and split in ("train", "test", "all"):
            if any(not 1 <= s <= 8 for s in self.subjects):
                raise ValueError(f"UTD-MHAD subjects must be in 1..8, got {self.subjects}")
            in_split = self._split_subjects(split)
            outside = [s for s in self.subjects if s not in in_split]
            if outside:
                raise ValueError(f"UTD-MHAD subjects {outside} are not in split={split!r} (subjects "
                                 f"{', '.join(map(str, sorted(in_split)))}); use split='all' to pick any subjects")
        self.canonical = canonical
        if not canonical:
            self.topology = "kinect_v1_20_utd"
        super().__init__(root, split=split, subjects=self.subjects, canonical=canonical, **kwargs)

    @staticmethod
    def _split_subjects(split: str) -> frozenset[int]:
        if split == "all":
            return frozenset(range(1, 9))
        return UTD_MHAD_XSUB_TRAIN if split == "train" else frozenset(range(1, 9)) - UTD_MHAD_XSUB_TRAIN

    def _entries(self):
        keep = self._split_subjects(self.split) if self.subjects is None else frozenset(self.subjects)
        return [d for d in list_utd_mhad(self.root) if d["subject"] in keep]

    def _sources(self):
        return [d["path"] for d in self._entries()]

    def _build(self):
        for d in self._entries():
            x = read_utd_mhad(d["path"], canonical=self.canonical)
            yield x, np.ones(x.shape[:2], bool), d["label"], {
                "name": d["name"], "subject": d["subject"], "trial": d["trial"], "num_bodies": 1,
                "num_frames": int(x.shape[1])}


# -- MSR Action3D ------------------------------------------------------------------------------------------------

class MSRAction3DDataset(SkeletonDataset):
    """MSR Action3D, cross-subject (odd subjects train, even test).  ``action_set``: None (20 classes) or
    'AS1'/'AS2'/'AS3' (labels re-indexed 0..7 in the subset's order).  The known bad files (MSR_BAD_FILES) and
    any all-zero sequence are skipped with a warning and listed in ``summary['skipped']``."""

    dataset_name = "msr_action3d"
    topology = "kinect_v1_20"
    default_subdir = "msr_action3d"

    def __init__(self, root=None, split: str = "train", action_set: str | None = None, exclude_bad: bool = True,
                 canonical: bool = True, **kwargs):
        if action_set is not None and action_set not in MSR_ACTION_SETS:
            raise ValueError(f"action_set must be None or one of {sorted(MSR_ACTION_SETS)}")
        self.action_set = action_set
        self.classes = (MSR_ACTION3D_CLASSES if action_set is None
                        else tuple(MSR_ACTION3D_CLASSES[a - 1] for a in MSR_ACTION_SETS[action_set]))
        self.exclude_bad = exclude_bad
        self.canonical = canonical
        if not canonical:
            self.topology = "kinect_v1_20_msr"
        super().__init__(root, split=split, action_set=action_set, exclude_bad=exclude_bad, canonical=canonical,
                         **kwargs)

    def _entries(self):
        out = []
        for d in list_msr_action3d(self.root):
            if self.action_set is not None and d["action"] not in MSR_ACTION_SETS[self.action_set]:
                continue
            if self.split != "all" and (d["subject"] % 2 == 1) != (self.split == "train"):
                continue
            out.append(d)
        return out

    def _sources(self):
        return [d["path"] for d in self._entries()]

    def _build(self):
        for d in self._entries():
            if self.exclude_bad and d["name"] in MSR_BAD_FILES:
                self._skipped.append((d["name"], MSR_BAD_FILES[d["name"]]))
                continue
            x = read_msr_action3d(d["path"], canonical=self.canonical, allow_all_zero=True)
            if not x.any():
                if self.exclude_bad:
                    self._skipped.append((d["name"], "all coordinates are zero"))
                    continue
            label = d["label"] if self.action_set is None else MSR_ACTION_SETS[self.action_set].index(d["action"])
            yield x, np.ones(x.shape[:2], bool), label, {
                "name": d["name"], "subject": d["subject"], "repetition": d["repetition"], "num_bodies": 1,
                "num_frames": int(x.shape[1])}


# -- NATOPS ------------------------------------------------------------------------------------------------------

class NATOPSDataset(SkeletonDataset):
    """NATOPS (UEA archive), fixed split: NATOPS_TRAIN.ts / NATOPS_TEST.ts; (1, 51, 8, 3) per sample."""

    dataset_name = "natops"
    classes = NATOPS_CLASSES
    topology = "natops8"
    default_subdir = "natops"

    def _files(self):
        parts = ("TRAIN", "TEST") if self.split == "all" else (self.split.upper(),)
        return [self.root / f"NATOPS_{p}.ts" for p in parts]

    def _sources(self):
        return self._files()

    def _build(self):
        for f in self._files():
            X, y = read_natops_ts(f)
            for k in range(len(X)):
                yield X[k], np.ones(X[k].shape[:2], bool), y[k], {
                    "name": f"{f.stem}[{k}]", "index": k, "num_bodies": 1, "num_frames": int(X.shape[2])}


# -- NW-UCLA -----------------------------------------------------------------------------------------------------

class NWUCLADataset(SkeletonDataset):
    """Northwestern-UCLA (CTR-GCN JSON release), cross-view: train views 1 + 2, test view 3."""

    dataset_name = "nw_ucla"
    classes = NW_UCLA_CLASSES
    topology = "kinect_v1_20"
    default_subdir = "nw_ucla"

    def _entries(self):
        e = list_nw_ucla(self.root)
        if self.split == "all":
            return e
        return [d for d in e if (d["view"] in NW_UCLA_TRAIN_VIEWS) == (self.split == "train")]

    def _sources(self):
        return [d["path"] for d in self._entries()]

    def _build(self):
        for d in self._entries():
            x, label = read_nw_ucla(d["path"])
            yield x, np.ones(x.shape[:2], bool), label, {
                "name": d["name"], "subject": d["subject"], "view": d["view"], "episode": d["episode"],
                "num_bodies": 1, "num_frames": int(x.shape[1])}


# -- UTKinect ----------------------------------------------------------------------------------------------------

class UTKinectDataset(SkeletonDataset):
    """UTKinect-Action3D segments (``joints/joints_sSS_eEE.txt`` + ``actionLabel.txt``), cross-subject with
    ``train_subjects`` (default odd subjects; the literature's exact halves are unverified)."""

    dataset_name = "utkinect"
    classes = UTKINECT_CLASSES
    topology = "kinect_v1_20"
    default_subdir = "utkinect"

    def __init__(self, root=None, split: str = "train", train_subjects=(1, 3, 5, 7, 9), **kwargs):
        self.train_subjects = tuple(sorted(train_subjects))
        super().__init__(root, split=split, train_subjects=self.train_subjects, **kwargs)

    def _label_file(self):
        return self.root / "actionLabel.txt"

    def _entries(self):
        e = list_utkinect(self.root)
        if self.split == "all":
            return e
        return [d for d in e if (d["subject"] in self.train_subjects) == (self.split == "train")]

    def _sources(self):
        return [d["path"] for d in self._entries()] + [self._label_file()]

    def _build(self):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            segments = read_utkinect_labels(self._label_file())
        self._skipped += [("actionLabel.txt", str(w.message)) for w in caught]
        for d in self._entries():
            ids, x, dropped = read_utkinect_joints(d["path"])
            segs = [s for s in segments if (s.subject, s.episode) == (d["subject"], d["episode"])]
            for seg, (xs, label) in zip(segs, utkinect_segments(ids, x, segs)):
                yield xs, np.ones(xs.shape[:2], bool), label, {
                    "name": f"{d['name']}_{seg.action}", "subject": d["subject"], "episode": d["episode"],
                    "start": seg.start, "end": seg.end, "duplicates_dropped_in_file": dropped, "num_bodies": 1,
                    "num_frames": int(xs.shape[1])}


DATASETS = {
    "ntu": NTUSkeletonDataset, "sbu": SBUDataset, "utd_mhad": UTDMHADDataset, "msr_action3d": MSRAction3DDataset,
    "natops": NATOPSDataset, "nw_ucla": NWUCLADataset, "utkinect": UTKinectDataset,
}


def get_dataset(name: str, root=None, **kwargs) -> SkeletonDataset:
    key = name.lower().replace("-", "_")
    if key not in DATASETS:
        raise KeyError(f"unknown dataset {name!r}; choose one of {sorted(DATASETS)}")
    return DATASETS[key](root, **kwargs)
