"""Human-Pose-Classification TF checkpoint (BasicLSTMCell + dense) -> `pose_lstm` state dict.

TF `BasicLSTMCell(h, forget_bias=1.0)` computes, with z = [x_t, h_{t-1}] @ kernel + bias split into four h-wide
blocks in the order (i, j, f, o):  c_t = sigmoid(f + 1.0) * c_{t-1} + sigmoid(i) * tanh(j),
h_t = tanh(c_t) * sigmoid(o).  PyTorch orders the gates (i, f, g, o) with g = j and keeps input and recurrent
weights apart.  So (skeleton-models.md §B.6):

    weight_ih = kernel[:I].T, weight_hh = kernel[I:].T   (row blocks reordered i, j, f, o -> i, f, j, o)
    bias      = (b_i, b_f + forget_bias, b_j, b_o)
    head.weight = Variable.T, head.bias = Variable_1

`PoseLSTM` stores the single bias as the last column of `lstm.weight_ih_l0` (see its docstring).
"""
from __future__ import annotations

from pathlib import Path
from typing import Mapping

import numpy as np
import torch

from . import register_converter
from .tf_checkpoint import TFCheckpoint, TFCheckpointError

__all__ = ["convert_tf_pose_lstm", "UPSTREAM_VARIABLES"]

KERNEL = "rnn/basic_lstm_cell/kernel"
BIAS = "rnn/basic_lstm_cell/bias"
OUT_W = "Variable"
OUT_B = "Variable_1"
UPSTREAM_VARIABLES = (OUT_W, OUT_B, BIAS, KERNEL)


def _upstream_arrays(src) -> tuple[dict[str, np.ndarray], str]:
    if isinstance(src, Mapping):
        return {k: np.asarray(v.detach().cpu() if isinstance(v, torch.Tensor) else v) for k, v in src.items()}, "state dict"
    ckpt = TFCheckpoint(Path(src))
    where = str(ckpt.index_path)
    names = set(ckpt.entries)
    if names != set(UPSTREAM_VARIABLES):
        raise TFCheckpointError(f"{where}: expected exactly the variables {sorted(UPSTREAM_VARIABLES)} of the "
                                f"Human-Pose-Classification model, found {sorted(names)}")
    for e in ckpt.entries.values():
        if e.dtype != "float32":
            raise TFCheckpointError(f"{where}: {e.name} is {e.dtype}, expected float32")
    return ckpt.read_all(), where


@register_converter("tf-pose-lstm", arch="pose_lstm",
                    help="Human-Pose-Classification TF checkpoint (dir, prefix or .index) -> pose_lstm")
def convert_tf_pose_lstm(src, forget_bias: float = 1.0) -> dict[str, torch.Tensor]:
    """Convert the upstream variables (from a TF checkpoint path or a {name: array} mapping)."""
    arrays, where = _upstream_arrays(src)
    missing = [k for k in UPSTREAM_VARIABLES if k not in arrays]
    if missing:
        raise KeyError(f"{where}: missing upstream variables {missing}")
    kernel, bias = arrays[KERNEL].astype(np.float32), arrays[BIAS].astype(np.float32)
    out_w, out_b = arrays[OUT_W].astype(np.float32), arrays[OUT_B].astype(np.float32)
    if bias.ndim != 1 or bias.shape[0] % 4:
        raise ValueError(f"{where}: {BIAS} has shape {bias.shape}, expected (4*hidden,)")
    hidden = bias.shape[0] // 4
    if kernel.ndim != 2 or kernel.shape[1] != 4 * hidden or kernel.shape[0] <= hidden:
        raise ValueError(f"{where}: {KERNEL} has shape {kernel.shape}, expected (in + {hidden}, {4 * hidden})")
    in_features = kernel.shape[0] - hidden
    if out_w.ndim != 2 or out_w.shape[0] != hidden or out_b.shape != (out_w.shape[1],):
        raise ValueError(f"{where}: output layer {OUT_W} {out_w.shape} / {OUT_B} {out_b.shape} does not fit "
                         f"hidden size {hidden}")

    i, j, f, o = (slice(k * hidden, (k + 1) * hidden) for k in range(4))
    order = np.r_[i, f, j, o]                       # TF (i, j, f, o) -> PyTorch (i, f, g=j, o)
    weight = kernel.T[order]                        # (4h, in + h), columns = [x | h]
    gate_bias = bias[order].copy()
    gate_bias[hidden:2 * hidden] += forget_bias     # the forget block is the 2nd in PyTorch order
    weight_ih = np.concatenate([weight[:, :in_features], gate_bias[:, None]], axis=1)  # bias = constant-1 input
    return {
        "lstm.weight_ih_l0": torch.from_numpy(np.ascontiguousarray(weight_ih)),
        "lstm.weight_hh_l0": torch.from_numpy(np.ascontiguousarray(weight[:, in_features:])),
        "head.weight": torch.from_numpy(np.ascontiguousarray(out_w.T)),
        "head.bias": torch.from_numpy(out_b.copy()),
    }
