"""DavideA/c3d-pytorch `c3d.pickle` -> motionzoo `c3d` (spec video-models.md §2.5 a).

Despite its name the file is a plain `torch.save`d state dict of 22 tensors (conv1..conv5b, fc6..fc8, each
weight + bias) in the same module names as ours: the conversion is an identity key map plus checks, and the
output is ready to be written as safetensors.
"""
from __future__ import annotations

from pathlib import Path
from typing import Mapping

import torch

from .._hub import UnsafeCheckpointError, load_state_dict_file, unwrap_state_dict
from . import register_converter

__all__ = ["convert_c3d_sports1m", "C3D_KEYS"]

_LAYERS = ("conv1", "conv2", "conv3a", "conv3b", "conv4a", "conv4b", "conv5a", "conv5b", "fc6", "fc7", "fc8")
C3D_KEYS = tuple(f"{layer}.{p}" for layer in _LAYERS for p in ("weight", "bias"))


def _load(src: str | Path, allow_unsafe_pickle: bool) -> dict[str, torch.Tensor]:
    try:
        return load_state_dict_file(src, allow_unsafe_pickle=allow_unsafe_pickle)
    except UnsafeCheckpointError as e:
        raise UnsafeCheckpointError(
            f"{src}: the C3D Sports-1M file `c3d.pickle` is expected to be a plain torch.save'd state dict, which "
            "torch.load(weights_only=True) reads. It could not be read that way, so this is either a different "
            "or damaged file (delete it from the cache and download again) or a pickle that contains Python "
            "objects. Loading the latter can execute code; do it only for a file you trust, with "
            f"allow_unsafe_pickle=True.\n  cause: {e}") from e


@register_converter("c3d-sports1m", arch="c3d",
                    help="DavideA/c3d-pytorch state dict (c3d.pickle, Sports-1M, 487 classes) -> c3d")
def convert_c3d_sports1m(src: str | Path | Mapping[str, torch.Tensor], allow_unsafe_pickle: bool = False,
                         **_: object) -> dict[str, torch.Tensor]:
    """Return our `c3d` state dict from the port's file (path) or its already-loaded state dict."""
    sd = unwrap_state_dict(src) if isinstance(src, Mapping) else _load(src, allow_unsafe_pickle)
    missing = [k for k in C3D_KEYS if k not in sd]
    unexpected = [k for k in sd if k not in C3D_KEYS]
    if missing or unexpected:
        raise ValueError(f"not a DavideA/c3d-pytorch C3D state dict: missing {missing}, unexpected {unexpected}")
    out = {k: sd[k].detach().float().contiguous() for k in C3D_KEYS}
    for layer in _LAYERS[:8]:
        w = out[f"{layer}.weight"]
        if w.dim() != 5 or tuple(w.shape[2:]) != (3, 3, 3):
            raise ValueError(f"{layer}.weight: expected a [Cout, Cin, 3, 3, 3] kernel, got {tuple(w.shape)}")
    if tuple(out["fc6.weight"].shape) != (4096, 8192):
        raise ValueError(f"fc6.weight: expected [4096, 8192], got {tuple(out['fc6.weight'].shape)}")
    return out
