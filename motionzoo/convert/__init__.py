"""Converters: upstream checkpoint formats -> motionzoo state dicts.

Each upstream format lives in its own module and registers itself:

    @register_converter("c3d-sports1m", help="DavideA/c3d-pytorch state dict (c3d.pickle)")
    def convert_c3d(src: Path | Mapping[str, Tensor], **options) -> dict[str, Tensor]: ...

`src` is a path (file or directory) or an already-loaded upstream state dict.  The same function serves
`motionzoo convert FORMAT SRC DST`, pretrained tags whose weights come from upstream files, and the
fixture-equivalence tests.
"""
from __future__ import annotations

import importlib
import pkgutil
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Mapping, Sequence

import torch

__all__ = ["register_converter", "get_converter", "list_converters", "Converter", "checked_state_dict",
           "BN_ENTRY"]

BN_ENTRY = r"(weight|bias|running_mean|running_var|num_batches_tracked)"   # the entries of a BatchNorm layer


@dataclass(frozen=True)
class Converter:
    name: str
    fn: Callable
    help: str
    arch: str | None = None  # the arch whose state dict it produces, when there is one


_converters: dict[str, Converter] = {}


def register_converter(name: str, help: str = "", arch: str | None = None):
    def deco(fn: Callable) -> Callable:
        if name in _converters:
            raise RuntimeError(f"converter {name!r} is already registered")
        _converters[name] = Converter(name, fn, help or (fn.__doc__ or "").strip().splitlines()[0], arch)
        return fn
    return deco


def _import_all() -> None:
    for m in pkgutil.iter_modules(__path__):
        importlib.import_module(f"{__name__}.{m.name}")


def get_converter(name: str) -> Converter:
    _import_all()
    if name not in _converters:
        raise KeyError(f"unknown converter {name!r}; known: {', '.join(sorted(_converters)) or 'none'}")
    return _converters[name]


def list_converters() -> list[Converter]:
    _import_all()
    return [_converters[k] for k in sorted(_converters)]


def checked_state_dict(src: str | Path | Mapping[str, torch.Tensor], converter: str,
                       patterns: Sequence[re.Pattern], required: Sequence[str], network: str,
                       allow_unsafe_pickle: bool = False) -> dict[str, torch.Tensor]:
    """The upstream state dict in `src` (a path or an already-loaded dict; wrappers and `module.` prefixes removed)
    after checking that every key matches one of `patterns`, every value is a tensor and the `required` keys are
    there, so another network's checkpoint fails with the offending key.  Errors name the converter."""
    from .._hub import load_state_dict_file, unwrap_state_dict
    sd = unwrap_state_dict(src) if isinstance(src, Mapping) else load_state_dict_file(
        src, allow_unsafe_pickle=allow_unsafe_pickle)
    out: dict[str, torch.Tensor] = {}
    for key, value in sd.items():
        if not any(p.match(key) for p in patterns):
            raise KeyError(f"{converter}: key {key!r} is not part of a {network} state dict")
        if not isinstance(value, torch.Tensor):
            raise TypeError(f"{converter}: entry {key!r} is a {type(value).__name__}, not a tensor")
        out[key] = value
    for key in required:
        if key not in out:
            raise KeyError(f"{converter}: the state dict has no {key!r}; not a {network} checkpoint")
    return out
