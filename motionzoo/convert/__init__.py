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
from dataclasses import dataclass
from typing import Callable

__all__ = ["register_converter", "get_converter", "list_converters", "Converter"]


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
