"""UEA multivariate archive ``.ts`` files (NATOPS, skeleton-data.md §5): one sample per data line, 24 channel
fields separated by ``:`` (each 51 comma-separated floats) and the class label last.  Decoded to (1, 51, 8, 3)."""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from .errors import SkeletonFormatError

__all__ = ["read_natops_ts", "NATOPS_CLASSES"]

NATOPS_CLASSES = ("I have command", "All clear", "Not clear", "Spread wings", "Fold wings", "Lock wings")


def read_natops_ts(path: str | os.PathLike) -> tuple[np.ndarray, np.ndarray]:
    """(X, y): X float32 (N, 1, T, 8, 3) (M = 1), y int64 (N,) 0-based.  Header directives are checked
    (``@dimensions``, ``@seriesLength``, ``@classLabel``); the file is read as Latin-1 (its comments are)."""
    lines = Path(path).read_text(encoding="latin-1").splitlines()
    header: dict[str, str] = {}
    k = 0
    for k, ln in enumerate(lines):
        s = ln.strip()
        if not s or s.startswith("#"):
            continue
        if s.lower() == "@data":
            break
        if s.startswith("@"):
            key, _, val = s[1:].partition(" ")
            header[key.lower()] = val.strip()
        else:
            raise SkeletonFormatError(path, f"unexpected line before @data: {s[:40]!r}", line=k + 1)
    else:
        raise SkeletonFormatError(path, "no @data line", line=len(lines))
    dims = int(header.get("dimensions", 24))
    length = int(header.get("serieslength", 51)) if header.get("equallength", "true") == "true" else None
    labels = header.get("classlabel", "").split()[1:]
    if dims % 3:
        raise SkeletonFormatError(path, f"@dimensions {dims} is not a multiple of 3 (x, y, z per point)")
    xs, ys = [], []
    for n, ln in enumerate(lines[k + 1:], k + 2):
        if not ln.strip():
            continue
        parts = ln.strip().split(":")
        if len(parts) != dims + 1:
            raise SkeletonFormatError(path, f"{len(parts) - 1} channels, expected {dims}", line=n)
        try:
            ch = np.array([np.array(p.split(","), dtype=np.float64) for p in parts[:-1]])
        except ValueError:
            raise SkeletonFormatError(path, "unparsable number or ragged channels", line=n) from None
        if length is not None and ch.shape != (dims, length):
            raise SkeletonFormatError(path, f"channel block shape {ch.shape}, expected ({dims}, {length})", line=n)
        if not np.isfinite(ch).all():
            raise SkeletonFormatError(path, "non-finite value", line=n)
        lab = parts[-1].strip()
        if labels and lab not in labels:
            raise SkeletonFormatError(path, f"label {lab!r} not among @classLabel {labels}", line=n, field="label")
        try:
            ys.append(int(float(lab)) - 1)
        except ValueError:
            raise SkeletonFormatError(path, f"bad label {lab!r}", line=n, field="label") from None
        xs.append(ch.T.reshape(ch.shape[1], dims // 3, 3))  # (T, 8, 3): channel 3j+c = joint j, coord c
    if not xs:
        raise SkeletonFormatError(path, "no samples after @data")
    return np.stack(xs)[:, None].astype(np.float32), np.asarray(ys, np.int64)
