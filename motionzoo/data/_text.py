"""Strict numeric text tables: fast path through numpy's C parser, slow path only to name the bad line."""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from .errors import SkeletonFormatError


def load_table(path: str | os.PathLike, ncols: int | None, delimiter: str | None = None,
               field_names: tuple[str, ...] | None = None, text: str | None = None) -> np.ndarray:
    """(rows, ncols) float64 from a delimited numeric text file; blank lines ignored.  Raises
    `SkeletonFormatError` naming the 1-based line and column on a wrong column count or an unparsable or
    non-finite number, and on an empty file."""
    text = Path(path).read_text(encoding="latin-1") if text is None else text
    lines = text.splitlines()
    rows = [ln for ln in lines if ln.strip()]
    if not rows:
        raise SkeletonFormatError(path, "no data rows (empty file)", line=1)
    try:
        a = np.loadtxt(rows, dtype=np.float64, delimiter=delimiter, comments=None, ndmin=2)
        ok = ncols is None or a.shape[1] == ncols
    except ValueError:
        ok = False
    if not ok:
        _locate(path, lines, ncols, delimiter, field_names)
        raise SkeletonFormatError(path, f"inconsistent rows (expected {ncols} columns)")
    bad = ~np.isfinite(a)
    if bad.any():
        r, c = map(int, np.argwhere(bad)[0])
        line = [k for k, ln in enumerate(lines, 1) if ln.strip()][r]
        raise SkeletonFormatError(path, f"non-finite value {a[r, c]}", line=line, field=_name(field_names, c))
    return a


def _name(field_names, c):
    return field_names[c] if field_names and c < len(field_names) else f"column {c + 1}"


def _locate(path, lines, ncols, delimiter, field_names):
    first_n = None
    for k, ln in enumerate(lines, 1):
        if not ln.strip():
            continue
        toks = ln.split(delimiter) if delimiter else ln.split()
        want = ncols if ncols is not None else (first_n or len(toks))
        first_n = first_n or len(toks)
        if len(toks) != want:
            raise SkeletonFormatError(path, f"{len(toks)} columns, expected {want} (truncated or malformed row?)",
                                      line=k)
        for c, t in enumerate(toks):
            try:
                float(t)
            except ValueError:
                raise SkeletonFormatError(path, f"unparsable number {t.strip()[:30]!r}", line=k,
                                          field=_name(field_names, c)) from None
