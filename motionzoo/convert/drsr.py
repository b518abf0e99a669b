"""damo-cv/MotionRGBD (DRSR) checkpoints -> motionzoo `drsr*` (unimodal) or `drsr_capf` (fusion) state dicts
(spec video-models.md §5.14).

Upstream saves `{'model': state_dict, 'optimizer': ..., 'epoch': next epoch, 'bestacc': fraction}`, keys with
or without a `module.` prefix.  Our module names are upstream's, so the key map is the identity after:
- taking `model` and stripping a leading `module.` from every key;
- dropping the dead temporal Inceptions of pre-fix checkpoints (before upstream commit e2cbec0 every encoder
  built `Mixed_small/media/large`, only encoder 0 used them): 540 keys per trunk, 1,080 in a fusion file;
- adding missing BatchNorm `num_batches_tracked` counters as 0.
The result is checked against the architecture's exact key set and shapes (571 unimodal / 1,173 fusion
entries), with the number of classes read from the heads.
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Mapping

import torch

from .._builder import state_dict_mismatch
from .._hub import load_pickle_checkpoint, save_state_dict
from . import register_converter

__all__ = ["convert_drsr", "read_drsr_checkpoint", "clean_drsr_state_dict", "save_drsr_safetensors", "PREFIX_DEAD_KEY"]

# Pre-fix dead keys: encoders 1..5's temporal Inceptions, optionally under a fusion trunk prefix.
PREFIX_DEAD_KEY = re.compile(r"^(Modalit_(rgb|depth)\.)?dtn\.multi_scale_transformers\.[1-9][0-9]*\.Mixed_(small|media|large)\.")
UNIMODAL_ENTRIES = 571
FUSION_ENTRIES = 1173


def read_drsr_checkpoint(src: str | Path | Mapping[str, Any], allow_unsafe_pickle: bool = False
                         ) -> tuple[dict[str, torch.Tensor], dict[str, Any]]:
    """(raw model state dict, {'upstream_epoch', 'upstream_bestacc'}) from a file or a loaded checkpoint."""
    if isinstance(src, Mapping):
        obj = src
    else:
        obj = load_pickle_checkpoint(src, allow_unsafe_pickle)
    info: dict[str, Any] = {}
    if isinstance(obj, Mapping) and isinstance(obj.get("model"), Mapping):
        if "epoch" in obj:
            info["upstream_epoch"] = int(obj["epoch"])
        if "bestacc" in obj:
            info["upstream_bestacc"] = float(obj["bestacc"])
        obj = obj["model"]
    if not isinstance(obj, Mapping) or not obj:
        raise ValueError(f"not a DRSR checkpoint: expected a state dict or {{'model': state dict, ...}}, "
                         f"got {type(obj).__name__}")
    return dict(obj), info


def clean_drsr_state_dict(sd: Mapping[str, torch.Tensor]) -> tuple[dict[str, torch.Tensor], list[str]]:
    """Strip `module.`, drop pre-fix dead keys, add missing BN counters.  Returns (state dict, dropped keys)."""
    out: dict[str, torch.Tensor] = {}
    dropped: list[str] = []
    for key, value in sd.items():
        if not torch.is_tensor(value):
            raise ValueError(f"DRSR state dict entry {key!r} is a {type(value).__name__}, not a tensor")
        key = key[len("module."):] if key.startswith("module.") else key
        if PREFIX_DEAD_KEY.match(key):
            dropped.append(key)
            continue
        out[key] = value.detach().contiguous()
    for key in [k for k in out if k.endswith(".running_var")]:
        counter = key[: -len("running_var")] + "num_batches_tracked"
        out.setdefault(counter, torch.zeros((), dtype=torch.long))
    return out, dropped


def _expected_shapes(fusion: bool, num_classes: int) -> dict[str, tuple[int, ...]]:
    from ..models.drsr import DRSR, DRSRFusion
    with torch.device("meta"):
        model = DRSRFusion(num_classes=num_classes) if fusion else DRSR(num_classes=num_classes)
    return {k: tuple(v.shape) for k, v in model.state_dict().items()}


def _check(sd: Mapping[str, torch.Tensor], fusion: bool) -> int:
    head = "fusion_model.efc.weight" if fusion else "dtn.mlp_head_small.1.weight"
    if head not in sd:
        raise ValueError(f"DRSR {'fusion' if fusion else 'unimodal'} state dict lacks {head!r} "
                         f"(first keys: {list(sd)[:5]})")
    num_classes = int(sd[head].shape[0])
    expected = _expected_shapes(fusion, num_classes)
    missing = [k for k in expected if k not in sd]
    unexpected = [k for k in sd if k not in expected]
    wrong = [f"{k}: {tuple(sd[k].shape)} vs {expected[k]}" for k in expected if k in sd and tuple(sd[k].shape) != expected[k]]
    problem = state_dict_mismatch(
        f"DRSR {'fusion' if fusion else 'unimodal'} state dict ({len(sd)} entries, {num_classes} classes) "
        f"does not match the architecture ({len(expected)} entries):", missing, unexpected, wrong, limit=10)
    if problem:
        raise ValueError(problem)
    return num_classes


@register_converter("drsr", help="damo-cv/MotionRGBD checkpoint (unimodal DSNNet or FusionNet; "
                                 "{'model','optimizer','epoch','bestacc'}) -> drsr / drsr_capf")
def convert_drsr(src: str | Path | Mapping[str, Any], allow_unsafe_pickle: bool = False, return_info: bool = False,
                 **_: object):
    """Our state dict from an upstream DRSR file (path) or its loaded checkpoint / state dict; unimodal or
    fusion is detected from the keys.  `return_info=True` returns (state dict, info) with `upstream_epoch`,
    `upstream_bestacc`, `kind`, `num_classes` and `dropped_keys`."""
    raw, info = read_drsr_checkpoint(src, allow_unsafe_pickle)
    sd, dropped = clean_drsr_state_dict(raw)
    fusion = any(k.startswith("Modalit_rgb.") for k in sd)
    info.update(kind="fusion" if fusion else "unimodal", num_classes=_check(sd, fusion), dropped_keys=dropped)
    return (sd, info) if return_info else sd


def save_drsr_safetensors(src: str | Path, dst: str | Path, allow_unsafe_pickle: bool = False) -> str:
    """Convert and write safetensors with `upstream_epoch` / `upstream_bestacc` in the header; returns sha256."""
    from .._registry import get_pretrained_cfg
    sd, info = convert_drsr(src, allow_unsafe_pickle, return_info=True)
    cfg = get_pretrained_cfg("drsr_capf" if info["kind"] == "fusion" else "drsr", pretrained=False)
    meta = {"motionzoo.converter": "drsr", "motionzoo.source": Path(src).name,
            **{k: str(info[k]) for k in ("upstream_epoch", "upstream_bestacc") if k in info}}
    return save_state_dict(sd, dst, cfg.replace(num_classes=info["num_classes"]), metadata=meta)
