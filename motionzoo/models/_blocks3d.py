"""3D building blocks shared by Inception-I3D and DRSR (spec video-models.md §1).

- `tf_same_pad` / `same_pad_amounts`: TensorFlow "SAME" padding computed at run time from the input size,
  asymmetric on stride-2 layers (extra row/column at the back), always with zeros.
- `MaxPool3dSame`: max-pool after that zero padding (zeros, not -inf: DRSR pools signed features, where
  this changes results, so it is kept exactly everywhere).
- `Unit3D`: SAME-padded Conv3d -> BatchNorm3d (eps 1e-3, momentum 0.01) -> ReLU.
- `InceptionModule`: the four-branch Inception block, with configurable kernels for the I3D, DRSR-spatial
  (1x3x3) and DRSR-temporal (3x1x1) variants.

Attribute names follow the widely used PyTorch I3D port (`conv3d`, `bn`, `b0`, `b1a`, `b1b`, `b2a`, `b2b`,
`b3a`, `b3b`), so its checkpoints load with an identity key map.
"""
from __future__ import annotations

from typing import Sequence

import torch
import torch.nn.functional as F
from torch import nn

__all__ = ["same_pad_amounts", "tf_same_pad", "MaxPool3dSame", "Unit3D", "InceptionModule", "BN_EPS", "BN_MOMENTUM",
           "resolve_feature_indices"]

# TF/Sonnet BatchNorm defaults in PyTorch's convention (TF decay 0.99 == PyTorch momentum 0.01).
BN_EPS = 1e-3
BN_MOMENTUM = 0.01

Triple = tuple[int, int, int]


def _triple(v: int | Sequence[int]) -> Triple:
    if isinstance(v, int):
        return (v, v, v)
    t = tuple(int(i) for i in v)
    if len(t) != 3:
        raise ValueError(f"expected an int or 3 values (T, H, W), got {v!r}")
    return t  # type: ignore[return-value]


def same_pad_amounts(size: int, kernel: int, stride: int) -> tuple[int, int]:
    """(front, back) zero padding of TF "SAME" along one axis of length `size`.

    TF pads so that the output has ceil(size / stride) elements; the odd extra element goes at the back.
    """
    rem = size % stride
    total = max(kernel - (stride if rem == 0 else rem), 0)
    front = total // 2
    return front, total - front


def tf_same_pad(x: torch.Tensor, kernel: Triple, stride: Triple) -> torch.Tensor:
    """Zero-pad an N,C,T,H,W tensor for a TF-"SAME" op with `kernel` and `stride` (both (T, H, W))."""
    t, h, w = x.shape[-3:]
    pt = same_pad_amounts(t, kernel[0], stride[0])
    ph = same_pad_amounts(h, kernel[1], stride[1])
    pw = same_pad_amounts(w, kernel[2], stride[2])
    if not any(pt + ph + pw):
        return x
    return F.pad(x, (*pw, *ph, *pt))  # F.pad takes the last axis first


class MaxPool3dSame(nn.Module):
    """Max-pool with TF "SAME" zero padding (parameter-free; contributes no state-dict keys)."""

    def __init__(self, kernel_size: int | Sequence[int], stride: int | Sequence[int]):
        super().__init__()
        self.kernel_size = _triple(kernel_size)
        self.stride = _triple(stride)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.max_pool3d(tf_same_pad(x, self.kernel_size, self.stride), self.kernel_size, self.stride)

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding=tf_same(zeros)"


class Unit3D(nn.Module):
    """SAME-padded Conv3d, optional BatchNorm3d, optional ReLU.

    State dict: `conv3d.weight` [Cout, Cin, kT, kH, kW] (+ `conv3d.bias` when `bias=True`) and
    `bn.{weight, bias, running_mean, running_var, num_batches_tracked}` when `batch_norm=True`.
    The I3D logits layer is `Unit3D(1024, C, batch_norm=False, activation=False, bias=True)`.
    """

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int | Sequence[int] = 1,
                 stride: int | Sequence[int] = 1, *, batch_norm: bool = True, activation: bool = True,
                 bias: bool = False):
        super().__init__()
        self.kernel_size = _triple(kernel_size)
        self.stride = _triple(stride)
        self.out_channels = out_channels
        self.conv3d = nn.Conv3d(in_channels, out_channels, self.kernel_size, self.stride, padding=0, bias=bias)
        self.bn = nn.BatchNorm3d(out_channels, eps=BN_EPS, momentum=BN_MOMENTUM) if batch_norm else None
        self.activation = activation

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.conv3d(tf_same_pad(x, self.kernel_size, self.stride))
        if self.bn is not None:
            x = self.bn(x)
        return F.relu(x) if self.activation else x


class InceptionModule(nn.Module):
    """Four parallel branches concatenated on channels: [b0 | b1a->b1b | b2a->b2b | b3a(pool)->b3b].

    `channels` = (c0, c1a, c1b, c2a, c2b, c3); the output has c0 + c1b + c2b + c3 channels.
    `conv_kernel` is the kernel of b1b and b2b, `pool_kernel` that of the stride-1 SAME max-pool b3a:
    I3D (3,3,3)/(3,3,3); DRSR spatial (1,3,3)/(3,3,3); DRSR temporal (3,1,1)/(3,1,1).
    """

    def __init__(self, in_channels: int, channels: Sequence[int], conv_kernel: int | Sequence[int] = 3,
                 pool_kernel: int | Sequence[int] = 3):
        super().__init__()
        if len(channels) != 6:
            raise ValueError(f"InceptionModule needs 6 channel numbers (c0, c1a, c1b, c2a, c2b, c3), got {channels!r}")
        c0, c1a, c1b, c2a, c2b, c3 = channels
        self.b0 = Unit3D(in_channels, c0, 1)
        self.b1a = Unit3D(in_channels, c1a, 1)
        self.b1b = Unit3D(c1a, c1b, conv_kernel)
        self.b2a = Unit3D(in_channels, c2a, 1)
        self.b2b = Unit3D(c2a, c2b, conv_kernel)
        self.b3a = MaxPool3dSame(pool_kernel, 1)
        self.b3b = Unit3D(in_channels, c3, 1)
        self.out_channels = c0 + c1b + c2b + c3

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.cat([self.b0(x), self.b1b(self.b1a(x)), self.b2b(self.b2a(x)), self.b3b(self.b3a(x))], dim=1)


def resolve_feature_indices(indices: int | Sequence[int | str] | None, names: Sequence[str],
                            extra: Sequence[str] = ()) -> list[str]:
    """Level names chosen by `indices` (the timm convention of `forward_intermediates`), in network order.

    None -> all `names`; an int n -> the last n; a sequence of ints (negative allowed) and/or names, where
    `extra` lists further names a model accepts beyond its `feature_info` levels.
    """
    if indices is None:
        return list(names)
    if isinstance(indices, int):
        if not 0 < indices <= len(names):
            raise ValueError(f"indices={indices}: expected 1..{len(names)} (the last n of {list(names)})")
        return list(names[-indices:])
    order = list(names) + list(extra)
    chosen = set()
    for i in indices:
        if isinstance(i, str):
            if i not in order:
                raise ValueError(f"unknown feature level {i!r}; known: {order}")
            chosen.add(i)
        else:
            if not -len(names) <= i < len(names):
                raise ValueError(f"feature index {i} out of range for {len(names)} levels {list(names)}")
            chosen.add(names[i])
    return [n for n in order if n in chosen]
