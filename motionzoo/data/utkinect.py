"""UTKinect-Action3D, skeleton-data.md §7.

``joints_sSS_eEE.txt``: one row per recorded frame, 61 numbers (frame id, 20 joints x xyz, Kinect v1 SDK order).
Duplicate frame ids occur; the **first** record of each id is kept and the number dropped is reported.
``actionLabel.txt``: blocks ``sSS_eEE`` + 10 lines ``<action>: <start_id> <end_id>`` (inclusive frame-id ranges);
``NaN`` boundaries (s10_e02 carry) are skipped with a warning.
"""
from __future__ import annotations

import math
import os
import re
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ._text import load_table
from .errors import SkeletonFormatError

__all__ = ["read_utkinect_joints", "read_utkinect_labels", "utkinect_segments", "list_utkinect", "UTKINECT_CLASSES",
           "UTKinectSegment"]

UTKINECT_CLASSES = ("walk", "sitDown", "standUp", "pickUp", "carry", "throw", "push", "pull", "waveHands",
                    "clapHands")
_BLOCK = re.compile(r"^s(\d\d)_e(\d\d)$")


@dataclass(frozen=True)
class UTKinectSegment:
    subject: int
    episode: int
    action: str
    start: int  # inclusive frame ids
    end: int

    @property
    def label(self) -> int:
        return UTKINECT_CLASSES.index(self.action)


def read_utkinect_joints(path: str | os.PathLike) -> tuple[np.ndarray, np.ndarray, int]:
    """(frame_ids (T,), x float32 (1, T, 20, 3), n_duplicates_dropped).  Frame ids must be non-decreasing."""
    a = load_table(path, 61)
    ids = a[:, 0].astype(np.int64)
    if not np.array_equal(ids, a[:, 0]):
        raise SkeletonFormatError(path, "frame id column is not integral", field="frame_id")
    dec = np.flatnonzero(np.diff(ids) < 0)
    if len(dec):
        raise SkeletonFormatError(path, f"frame id decreases ({ids[dec[0]]} -> {ids[dec[0] + 1]})",
                                  line=int(dec[0]) + 2, field="frame_id")
    first = np.ones(len(ids), bool)
    first[1:] = ids[1:] != ids[:-1]  # ids are sorted, so duplicates are adjacent
    x = a[first, 1:].reshape(-1, 20, 3)[None].astype(np.float32)
    return ids[first], x, int((~first).sum())


def read_utkinect_labels(path: str | os.PathLike) -> list[UTKinectSegment]:
    """All usable segments, in file order; ``NaN`` segments are skipped with a warning."""
    out: list[UTKinectSegment] = []
    cur = None
    for k, ln in enumerate(Path(path).read_text(encoding="latin-1").splitlines(), 1):
        s = ln.strip()
        if not s:
            continue
        m = _BLOCK.match(s)
        if m:
            cur = tuple(map(int, m.groups()))
            continue
        if cur is None:
            raise SkeletonFormatError(path, f"segment line before any sSS_eEE header: {s[:40]!r}", line=k)
        action, sep, rest = s.partition(":")
        vals = rest.split()
        if not sep or action.strip() not in UTKINECT_CLASSES or len(vals) != 2:
            raise SkeletonFormatError(path, f"expected '<action>: <start> <end>', got {s[:60]!r}", line=k)
        try:
            start, end = (float(v) for v in vals)
        except ValueError:
            raise SkeletonFormatError(path, f"unparsable boundary in {s[:60]!r}", line=k) from None
        if math.isnan(start) or math.isnan(end):
            warnings.warn(f"{path}, line {k}: segment s{cur[0]:02d}_e{cur[1]:02d} {action.strip()} has no "
                          "boundaries (NaN); skipped", stacklevel=2)
            continue
        if start != int(start) or end != int(end) or end < start:
            raise SkeletonFormatError(path, f"bad frame-id range {vals}", line=k)
        out.append(UTKinectSegment(cur[0], cur[1], action.strip(), int(start), int(end)))
    return out


def utkinect_segments(frame_ids: np.ndarray, x: np.ndarray, segments: list[UTKinectSegment]):
    """Cut ``x`` (1, T, 20, 3) into the labelled segments by inclusive frame-id ranges -> [(x_seg, label)]."""
    out = []
    for seg in segments:
        sel = (frame_ids >= seg.start) & (frame_ids <= seg.end)
        if not sel.any():
            raise SkeletonFormatError(None, f"segment s{seg.subject:02d}_e{seg.episode:02d} {seg.action} "
                                            f"[{seg.start}, {seg.end}] matches no frame id")
        out.append((x[:, sel], seg.label))
    return out


def list_utkinect(root: str | os.PathLike) -> list[dict]:
    root = Path(root)
    d = root / "joints" if (root / "joints").is_dir() else root
    out = []
    for p in sorted(d.glob("joints_s??_e??.txt")):
        s, e = int(p.stem[8:10]), int(p.stem[12:14])
        out.append({"path": p, "subject": s, "episode": e, "name": f"s{s:02d}_e{e:02d}"})
    return out
