"""Tensor layouts by axis letters: N batch, M bodies, T frames, V joints, C channels (skeletons);
N, C, T, H, W (video).  The canonical skeleton sample is (M, T, V, C); a batch is (N, M, T, V, C).

    convert(x, "NCTVM", "NMTVC")    # ST-GCN lineage -> canonical
    convert(x, "NTVC", "NTF")       # flat per-step features for RNNs (F = V*C, joint-major)
    convert(x, "NTF", "NTVC", V=25)
"""
from __future__ import annotations

import torch
from einops import rearrange

__all__ = ["convert", "to_canonical", "ensure_multibody", "squeeze_body", "NAMED_LAYOUTS"]

NAMED_LAYOUTS = {
    "NCTVM": "ST-GCN / CTR-GCN lineage",
    "NMTVC": "canonical batch (pyskl/mmaction2 keypoint storage)",
    "NTVC": "single-body batch",
    "NTF": "flat RNN input, F = V*C in joint-major order",
}


def _side(layout: str, unit_axes: set[str]) -> str:
    """einops side for a layout: letters as axes, `F` as the joint-major pair (V C), and axes that exist
    only on the other side as size-1 axes."""
    tokens = ["1" if c in unit_axes else c for c in layout.rstrip("F")]
    return " ".join(tokens + (["(V C)"] if layout.endswith("F") else []))


def convert(x: torch.Tensor, src: str, dst: str, **sizes: int) -> torch.Tensor:
    """Permute/reshape `x` from layout `src` to `dst` (any permutation of the letters; `F` = V*C).

    Unflattening `F` needs `V=` (or `C=`).  Letters present in only one side must have size 1
    (e.g. "NTVC" -> "NMTVC" inserts M=1).
    """
    src, dst = src.upper(), dst.upper()
    if x.dim() != len(src):
        raise ValueError(f"tensor of shape {tuple(x.shape)} has {x.dim()} dims, layout {src!r} needs {len(src)}")
    s_letters, d_letters = set(src.replace("F", "VC")), set(dst.replace("F", "VC"))
    for letter in s_letters - d_letters:
        i = src.find(letter)
        if i < 0 or x.shape[i] != 1:
            raise ValueError(f"cannot drop axis {letter} of layout {src!r} from shape {tuple(x.shape)}: size is not 1")
    pattern = f"{_side(src, s_letters - d_letters)} -> {_side(dst, d_letters - s_letters)}"
    return rearrange(x, pattern, **{k: v for k, v in sizes.items() if k in ("V", "C")})


def to_canonical(x: torch.Tensor, src: str, **sizes: int) -> torch.Tensor:
    """To (N, M, T, V, C)."""
    return convert(x, src, "NMTVC", **sizes)


def ensure_multibody(x: torch.Tensor) -> torch.Tensor:
    """(N, T, V, C) -> (N, 1, T, V, C); (N, M, T, V, C) unchanged."""
    if x.dim() == 5:
        return x
    if x.dim() != 4:
        raise ValueError(f"expected N,T,V,C or N,M,T,V,C, got shape {tuple(x.shape)}")
    return x.unsqueeze(1)


def squeeze_body(x: torch.Tensor, index: int = 0) -> torch.Tensor:
    """(N, M, T, V, C) -> (N, T, V, C) for body `index`."""
    if x.dim() != 5:
        raise ValueError(f"expected N,M,T,V,C, got shape {tuple(x.shape)}")
    return x[:, index]
