"""Preprocessing cache for skeleton datasets.

The first use of a dataset parses its original files once and stores the samples as ragged memory-mapped arrays
under ``get_cache_dir()/datasets/<dataset>/<fingerprint>/``; the fingerprint covers the source files (relative
names, sizes, mtimes), the dataset options and the cache format version, so a changed file or option gives a new
entry.  An entry is written in a temporary folder and renamed into place (atomic on one filesystem).

Layout of an entry: ``frames.npy`` (sum T, M, V, C) float32, ``mask.npy`` (sum T, M) bool, ``offsets.npy``
(N + 1,) int64, ``labels.npy`` (N,) int64, ``meta.json`` (per-sample metadata + summary; written last).
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import uuid
from pathlib import Path
from typing import Iterable

import numpy as np

from .._hub import get_cache_dir

__all__ = ["fingerprint_sources", "SampleStore", "write_store", "CACHE_FORMAT_VERSION"]

CACHE_FORMAT_VERSION = 1


def fingerprint_sources(files: Iterable[Path], root: Path | None, options: dict) -> str:
    """sha256 over (relative name, size, mtime_ns) of every source file, the options and the format version."""
    h = hashlib.sha256()
    h.update(json.dumps({"v": CACHE_FORMAT_VERSION, "options": options}, sort_keys=True, default=str).encode())
    for p in sorted(Path(f) for f in files):
        st = p.stat()
        rel = p.relative_to(root) if root is not None and p.is_relative_to(root) else p
        h.update(f"{rel.as_posix()}\0{st.st_size}\0{st.st_mtime_ns}\n".encode())
    return h.hexdigest()


class SampleStore:
    """Read side of one cache entry (memory-mapped)."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self.frames = np.load(self.path / "frames.npy", mmap_mode="r")
        self.mask = np.load(self.path / "mask.npy", mmap_mode="r")
        self.offsets = np.load(self.path / "offsets.npy")
        self.labels = np.load(self.path / "labels.npy")
        info = json.loads((self.path / "meta.json").read_text())
        self.meta: list[dict] = info["samples"]
        self.summary: dict = info["summary"]

    def __len__(self) -> int:
        return len(self.labels)

    def sample(self, i: int) -> np.ndarray:
        """(M, T, V, C) float32 (a fresh array)."""
        a, b = self.offsets[i], self.offsets[i + 1]
        return self.frames[a:b].transpose(1, 0, 2, 3).copy()  # a writable, contiguous copy of the mmap slice

    def body_mask(self, i: int) -> np.ndarray:
        a, b = self.offsets[i], self.offsets[i + 1]
        return self.mask[a:b].T.copy()

    @staticmethod
    def exists(path: Path) -> bool:
        return (Path(path) / "meta.json").is_file()


def cache_entry_dir(dataset: str, fingerprint: str, cache_dir=None) -> Path:
    return get_cache_dir(cache_dir) / "datasets" / dataset / fingerprint[:24]


def write_store(path: Path, samples: list[np.ndarray], masks: list[np.ndarray], labels: list[int],
                meta: list[dict], summary: dict, shape_tail: tuple[int, int, int]) -> Path:
    """Write samples (each (M, T, V, C)) atomically to ``path``; returns ``path``."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.parent / f".{path.name}.tmp-{os.getpid()}-{uuid.uuid4().hex[:8]}"
    tmp.mkdir()
    try:
        M, V, C = shape_tail
        lengths = [s.shape[1] for s in samples]
        offsets = np.zeros(len(samples) + 1, np.int64)
        offsets[1:] = np.cumsum(lengths)
        frames = np.lib.format.open_memmap(tmp / "frames.npy", mode="w+", dtype=np.float32,
                                           shape=(int(offsets[-1]), M, V, C))
        mask = np.zeros((int(offsets[-1]), M), bool)
        for s, m, a, b in zip(samples, masks, offsets[:-1], offsets[1:]):
            frames[a:b] = s.transpose(1, 0, 2, 3)
            mask[a:b] = m.T
        frames.flush()
        del frames
        np.save(tmp / "mask.npy", mask)
        np.save(tmp / "offsets.npy", offsets)
        np.save(tmp / "labels.npy", np.asarray(labels, np.int64))
        (tmp / "meta.json").write_text(json.dumps({"samples": meta, "summary": summary}, default=str))
        try:
            os.rename(tmp, path)
        except OSError:
            if not SampleStore.exists(path):  # pragma: no cover - a real failure, not a lost race
                raise
            shutil.rmtree(tmp, ignore_errors=True)  # another process wrote the same entry first
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return path
