"""Late fusion of the scores of separately trained streams (joint, bone, joint motion, bone motion, ...).

The GCN papers report ensembles: one model per input stream, evaluated on the same samples in the same order, and
the class scores added with fixed weights.  CTR-GCN's official `ensemble.py` adds the raw logits (the test scores
its `main.py` saves) with the weights in `CTRGCN_STREAM_WEIGHTS`: joint 0.6, bone 0.6, joint motion 0.4, bone
motion 0.4 for four streams; 0.6 / 0.6 / 0.4 for joint + bone + joint motion; 1 : alpha (alpha = 1 by default) for
joint + bone, which ranks classes exactly like 0.6 / 0.6.

    >>> fused = ensemble_scores({"joint": zj, "bone": zb, "joint_motion": zjm, "bone_motion": zbm}, "ctrgcn")
    >>> top1 = (fused.argmax(-1) == labels).float().mean()
"""
from __future__ import annotations

from typing import Mapping, Sequence

import numpy as np
import torch

__all__ = ["ensemble_scores", "CTRGCN_STREAM_WEIGHTS", "STREAM_WEIGHT_PRESETS"]

CTRGCN_STREAM_WEIGHTS = {"joint": 0.6, "bone": 0.6, "joint_motion": 0.4, "bone_motion": 0.4}
STREAM_WEIGHT_PRESETS = {"ctrgcn": CTRGCN_STREAM_WEIGHTS}
_NORMALIZE = (None, "softmax", "log_softmax")


def _as_tensor(s, where: str) -> torch.Tensor:
    t = s.detach() if isinstance(s, torch.Tensor) else torch.as_tensor(np.asarray(s))
    if t.dim() != 2:
        raise ValueError(f"ensemble_scores: {where} must be (N, K) class scores, got shape {tuple(t.shape)}")
    if not t.is_floating_point():
        raise ValueError(f"ensemble_scores: {where} must hold floating-point scores, got {t.dtype}")
    if not torch.isfinite(t).all():
        raise ValueError(f"ensemble_scores: {where} contains NaN or infinite values")
    return t.double()


def ensemble_scores(scores: Sequence | Mapping[str, object], weights: Sequence[float] | Mapping[str, float] | str
                    | None = None, normalize: str | None = None):
    """Weighted sum of per-stream class scores: sum_i w_i * f(s_i), each s_i of shape (N, K), rows aligned.

    scores     a list of (N, K) arrays/tensors, or a dict stream name -> (N, K)
    weights    None (all 1), a sequence (one per stream, in order), a dict stream name -> weight (needs named
               scores; every stream must have a weight), or a preset name: "ctrgcn" (`CTRGCN_STREAM_WEIGHTS`)
    normalize  None: add the scores as given (logits, probabilities, ...: CTR-GCN adds raw logits);
               "softmax" / "log_softmax": normalise each stream's rows first

    Returns float64 scores (N, K): a torch tensor if any input is one (on CPU), else a numpy array.
    """
    if normalize not in _NORMALIZE:
        raise ValueError(f"ensemble_scores: normalize={normalize!r}; choose one of {_NORMALIZE}")
    named = isinstance(scores, Mapping)
    names = list(scores) if named else [f"scores[{i}]" for i in range(len(scores))]
    values = list(scores.values()) if named else list(scores)
    if not values:
        raise ValueError("ensemble_scores: no scores given")
    if isinstance(weights, str):
        if weights not in STREAM_WEIGHT_PRESETS:
            raise ValueError(f"ensemble_scores: unknown weight preset {weights!r}; known: {list(STREAM_WEIGHT_PRESETS)}")
        weights = STREAM_WEIGHT_PRESETS[weights]
    if weights is None:
        w = [1.0] * len(values)
    elif isinstance(weights, Mapping):
        if not named:
            raise ValueError("ensemble_scores: weights by stream name need scores by stream name (a dict)")
        missing = [n for n in names if n not in weights]
        if missing:
            raise ValueError(f"ensemble_scores: no weight for stream(s) {missing}; weights are given for "
                             f"{sorted(weights)}")
        w = [float(weights[n]) for n in names]
    else:
        w = [float(x) for x in weights]
        if len(w) != len(values):
            raise ValueError(f"ensemble_scores: {len(w)} weights for {len(values)} score sets")
    tensors = [_as_tensor(v, n) for n, v in zip(names, values)]
    for n, t in zip(names[1:], tensors[1:]):
        if t.shape != tensors[0].shape:
            raise ValueError(f"ensemble_scores: {n} has shape {tuple(t.shape)}, {names[0]} has "
                             f"{tuple(tensors[0].shape)}; every stream must score the same samples and classes")
    if normalize == "softmax":
        tensors = [t.softmax(dim=-1) for t in tensors]
    elif normalize == "log_softmax":
        tensors = [t.log_softmax(dim=-1) for t in tensors]
    fused = sum(wi * t.cpu() for wi, t in zip(w, tensors))
    return fused if any(isinstance(v, torch.Tensor) for v in values) else fused.numpy()
