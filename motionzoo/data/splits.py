"""Validation splits carved from training data, so that recipes and settings are chosen without touching test."""
from __future__ import annotations

from typing import Sequence

import numpy as np

__all__ = ["carve_validation"]


def carve_validation(meta: Sequence[dict], labels: Sequence[int], group_key: str | None = "auto",
                     fraction: float = 0.2, seed: int = 0) -> tuple[np.ndarray, np.ndarray, str]:
    """Split training samples into (train indices, validation indices, a sentence saying how).

    With a group key (`"fold"`, `"subject"`; `"auto"` takes the first of those the metadata has with more than one
    value), whole groups are held out, the last ones in sorted order, until at least `fraction` of the samples are
    held out: no subject (or fold) is on both sides, as in the test protocols.  Without groups, `fraction` of every
    class is held out by a permutation seeded with `seed` (stratified).
    """
    labels = np.asarray(labels, dtype=np.int64)
    n = len(labels)
    if n < 2 or not 0 < fraction < 1:
        raise ValueError(f"need >= 2 samples and 0 < fraction < 1; got {n} samples, fraction {fraction}")
    if group_key == "auto":
        group_key = next((k for k in ("fold", "subject")
                          if all(k in m for m in meta) and len({m[k] for m in meta}) > 1), None)
    if group_key is not None:
        groups = np.asarray([meta[i][group_key] for i in range(n)])
        held: list = []
        for g in sorted(set(groups.tolist()), reverse=True):
            if np.isin(groups, held).mean() >= fraction:
                break
            held.append(g)
        val = np.isin(groups, held)
        if val.all():
            raise ValueError(f"holding out {group_key} {held} would leave no training samples")
        how = f"held out {group_key} {sorted(held)} ({int(val.sum())} of {n} training samples)"
    else:
        rng = np.random.default_rng(seed)
        val = np.zeros(n, bool)
        for c in np.unique(labels):
            idx = np.flatnonzero(labels == c)
            k = int(round(fraction * len(idx)))
            val[rng.permutation(idx)[:k]] = True
        how = f"held out {fraction:.0%} of every class, seed {seed} ({int(val.sum())} of {n} training samples)"
    return np.flatnonzero(~val), np.flatnonzero(val), how
