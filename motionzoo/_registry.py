"""The model registry: names to builder functions, and `arch.tag` names to `PretrainedCfg`s.

A model file declares, at module level and *before* its builders:

    default_cfgs = {
        "arch": PretrainedCfg(...),          # architecture-only metadata (no weights)
        "arch.some_tag": PretrainedCfg(...), # one set of weights
    }

and decorates each builder `arch(pretrained=False, **kwargs) -> nn.Module` with `@register_model`.
The registration picks up that module's `default_cfgs` entries for the arch.
"""
from __future__ import annotations

import difflib
import fnmatch
import re
import sys
from collections import defaultdict
from typing import Callable, Iterable, Sequence

from ._deprecation import warn_deprecated
from ._measured import measured_metrics
from ._pretrained import PretrainedCfg

__all__ = [
    "register_model", "register_model_deprecations", "list_models", "list_pretrained", "is_model",
    "is_model_pretrained", "get_pretrained_cfg", "split_model_name", "model_entrypoint", "UnknownModelError",
    "list_families", "get_arch_cfgs",
]

_model_entrypoints: dict[str, Callable] = {}
_model_family: dict[str, str] = {}
_arch_cfgs: dict[str, dict[str, PretrainedCfg]] = defaultdict(dict)   # arch -> {tag ("" = none): cfg}
_deprecated: dict[str, str] = {}

_TAG_RE = re.compile(r"^[a-z0-9_]+$")


class UnknownModelError(ValueError):
    pass


def split_model_name(name: str) -> tuple[str, str]:
    """"arch.tag" -> ("arch", "tag"); "arch" -> ("arch", "")."""
    arch, _, tag = name.partition(".")
    return arch, tag


def register_model(fn: Callable) -> Callable:
    arch = fn.__name__
    if arch in _model_entrypoints:
        raise RuntimeError(f"model {arch!r} is already registered (by {_model_entrypoints[arch].__module__})")
    module = sys.modules[fn.__module__]
    family = getattr(module, "MODEL_FAMILY", fn.__module__.split(".")[-1])
    _model_entrypoints[arch] = fn
    _model_family[arch] = family
    cfgs = getattr(module, "default_cfgs", {})
    for full_name, cfg in cfgs.items():
        cfg_arch, tag = split_model_name(full_name)
        if cfg_arch != arch:
            continue
        if tag and not _TAG_RE.match(tag):
            raise ValueError(f"tag {tag!r} of {arch!r} breaks the tag grammar [a-z0-9_]+")
        _arch_cfgs[arch][tag] = cfg.replace(arch=arch, tag=tag, family=cfg.family or family)
    if "" not in _arch_cfgs[arch]:
        _arch_cfgs[arch][""] = PretrainedCfg(arch=arch, family=family)
    measured = measured_metrics(arch)      # generated from the committed result files (benchmarks/publish.py)
    if measured and not _arch_cfgs[arch][""].reproduced_metrics:
        _arch_cfgs[arch][""] = _arch_cfgs[arch][""].replace(reproduced_metrics=measured)
    # Expose the builder with the module's name so `motionzoo.models.foo.arch(...)` still works directly.
    return fn


def register_model_deprecations(mapping: dict[str, str]) -> None:
    for old, new in mapping.items():
        if old in _model_entrypoints:
            raise RuntimeError(f"deprecated name {old!r} shadows a registered model")
        _deprecated[old] = new


def _resolve_deprecated(name: str) -> str:
    if name in _deprecated:
        new = _deprecated[name]
        warn_deprecated(f"model name {name!r} is deprecated; use {new!r}")
        return new
    return name


def _natural_key(s: str):
    return [int(t) if t.isdigit() else t for t in re.split(r"(\d+)", s.lower())]


def _weighted_tags(arch: str) -> list[str]:
    """Tags of `arch` that have weights, default first, then in declaration order."""
    tags = [t for t, c in _arch_cfgs[arch].items() if t and c.has_weights]
    tags.sort(key=lambda t: not _arch_cfgs[arch][t].default)  # stable: keeps declaration order otherwise
    return tags


def _ensure_models_imported() -> None:
    # Model files register themselves on import; importing the package pulls them all in.
    import motionzoo.models  # noqa: F401


def list_models(
    filter: str | Sequence[str] = "*",
    exclude_filters: str | Sequence[str] = (),
    pretrained: bool = False,
    modality: str | None = None,
    dataset: str | None = None,
) -> list[str]:
    """Registered arch names (or `arch.tag` names with `pretrained=True`), fnmatch-filtered, case-insensitive.

    A list of patterns is OR-ed; `exclude_filters` removes matches.  Sorted naturally by arch, then tag.
    """
    _ensure_models_imported()
    include = [filter] if isinstance(filter, str) else list(filter)
    exclude = [exclude_filters] if isinstance(exclude_filters, str) else list(exclude_filters)
    if pretrained:
        names = [f"{a}.{t}" for a in _model_entrypoints for t in _weighted_tags(a)]
    else:
        names = list(_model_entrypoints)

    def cfg_of(n: str) -> PretrainedCfg:
        return get_pretrained_cfg(n)

    def match(n: str, pats: Iterable[str]) -> bool:
        # A pattern without a tag part also matches every tag of a matching arch.
        return any(fnmatch.fnmatch(n.lower(), p.lower()) or fnmatch.fnmatch(split_model_name(n)[0], p.lower())
                   for p in pats)

    out = [n for n in names if match(n, include) and not (exclude and match(n, exclude))]
    if modality is not None:
        out = [n for n in out if cfg_of(n).modality == modality]
    if dataset is not None:
        out = [n for n in out if (cfg_of(n).dataset or "").lower().startswith(dataset.lower())]
    return sorted(out, key=lambda n: (_natural_key(split_model_name(n)[0]), _natural_key(split_model_name(n)[1])))


def list_pretrained(filter: str | Sequence[str] = "*", exclude_filters: str | Sequence[str] = (),
                    verified: bool | None = None) -> list[str]:
    """`arch.tag` names with weights.  `verified=True`: only those whose every file has a pinned sha256;
    `verified=False`: only unverified upstream files (trust on first use); see `PretrainedCfg.weights_integrity`."""
    names = list_models(filter, exclude_filters, pretrained=True)
    if verified is None:
        return names
    return [n for n in names if get_pretrained_cfg(n).weights_verified == verified]


def list_families() -> dict[str, list[str]]:
    _ensure_models_imported()
    fam: dict[str, list[str]] = defaultdict(list)
    for arch in sorted(_model_entrypoints, key=_natural_key):
        fam[_model_family[arch]].append(arch)
    return dict(fam)


def is_model(name: str) -> bool:
    _ensure_models_imported()
    arch, tag = split_model_name(_resolve_deprecated(name))
    return arch in _model_entrypoints and (not tag or tag in _arch_cfgs[arch])


def is_model_pretrained(name: str) -> bool:
    _ensure_models_imported()
    arch, tag = split_model_name(_resolve_deprecated(name))
    if arch not in _model_entrypoints:
        return False
    return tag in _weighted_tags(arch) if tag else bool(_weighted_tags(arch))


def _unknown(name: str) -> UnknownModelError:
    pool = list(_model_entrypoints) + [f"{a}.{t}" for a in _model_entrypoints for t in _arch_cfgs[a] if t]
    close = difflib.get_close_matches(name, pool, n=5, cutoff=0.4)
    hint = f" Did you mean: {', '.join(close)}?" if close else ""
    return UnknownModelError(f"unknown model {name!r}.{hint} (`motionzoo list` shows all names)")


def model_entrypoint(name: str) -> Callable:
    _ensure_models_imported()
    name = _resolve_deprecated(name)
    arch, _ = split_model_name(name)
    if arch not in _model_entrypoints:
        raise _unknown(name)
    return _model_entrypoints[arch]


def get_pretrained_cfg(name: str, pretrained: bool = True) -> PretrainedCfg:
    """The cfg a model built under `name` will carry.

    `arch.tag` -> that tag's cfg.  Bare `arch` -> its default weights' cfg when `pretrained` and weights
    exist, else the architecture-only cfg.
    """
    _ensure_models_imported()
    name = _resolve_deprecated(name)
    arch, tag = split_model_name(name)
    if arch not in _model_entrypoints:
        raise _unknown(name)
    cfgs = _arch_cfgs[arch]
    if tag:
        if tag not in cfgs:
            raise _unknown(name)
        return cfgs[tag]
    weighted = _weighted_tags(arch)
    if pretrained and weighted:
        return cfgs[weighted[0]]
    return cfgs[""]


def get_arch_cfgs(arch: str) -> dict[str, PretrainedCfg]:
    _ensure_models_imported()
    return dict(_arch_cfgs[arch])


def get_model_family(arch: str) -> str:
    _ensure_models_imported()
    return _model_family[arch]
