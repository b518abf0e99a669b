"""Validation splits carved from training data, so that recipes and settings are chosen without touching test."""
from __future__ import annotations

from typing import Sequence

import numpy as np

__all__ = ["carve_validation"]


def carve_validation(meta: Sequence[dict], labels: Sequence[int], group_key: str | None = "auto",
                     fraction: float = 0.2, seed: int = 0, num_folds: int = 1,
                     fold: int = 0) -> tuple[np.ndarray, np.ndarray, str]:
    """Split training samples into (train indices, validation indices, a sentence saying how).

    With a group key (`"fold"`, `"subject"`; `"auto"` takes the first of those the metadata has with more than one
    value), whole groups are held out, the last ones in sorted order, until at least `fraction` of the samples are
    held out: no subject (or fold) is on both sides, as in the test protocols.  Without groups, `fraction` of every
    class is held out by a permutation seeded with `seed` (stratified).

    `num_folds` > 1 is k-fold cross-validation instead of one carve (`fraction` is then unused): the sorted groups,
    or every class's permuted samples, are dealt into `num_folds` consecutive near-equal parts and part `fold`
    (0-based) is held out, so that over the folds every training sample is validated exactly once.  On a small
    dataset one carve is a few dozen samples, too few to tell recipes apart; the folds together are all of them.
    """
    labels = np.asarray(labels, dtype=np.int64)
    n = len(labels)
    if n < 2 or not 0 < fraction < 1:
        raise ValueError(f"need >= 2 samples and 0 < fraction < 1; got {n} samples, fraction {fraction}")
    if num_folds < 1 or not 0 <= fold < num_folds:
        raise ValueError(f"fold {fold} of num_folds {num_folds}: need num_folds >= 1 and 0 <= fold < num_folds")
    if group_key == "auto":
        group_key = next((k for k in ("fold", "subject")
                          if all(k in m for m in meta) and len({m[k] for m in meta}) > 1), None)
    if group_key is not None:
        groups = np.asarray([meta[i][group_key] for i in range(n)])
        ordered = sorted(set(groups.tolist()))
        if num_folds > 1:
            if num_folds > len(ordered):
                raise ValueError(f"{num_folds} folds over {len(ordered)} {group_key}s: at most one fold per "
                                 f"{group_key}")
            held = list(np.array_split(np.asarray(ordered, dtype=object), num_folds)[fold])
        else:
            held = []
            for g in reversed(ordered):
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
            idx = rng.permutation(np.flatnonzero(labels == c))
            if num_folds > 1:
                val[np.array_split(idx, num_folds)[fold]] = True
            else:
                val[idx[:int(round(fraction * len(idx)))]] = True
        share = f"part {fold + 1} of {num_folds}" if num_folds > 1 else f"{fraction:.0%}"
        how = f"held out {share} of every class, seed {seed} ({int(val.sum())} of {n} training samples)"
    if num_folds > 1:
        how = f"validation fold {fold + 1} of {num_folds}: {how}"
    return np.flatnonzero(~val), np.flatnonzero(val), how
