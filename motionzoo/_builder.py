"""Building a registered model and loading weights into it.

Every builder in `motionzoo/models/` ends in `build_model_with_cfg(ModelClass, arch, pretrained, **kwargs)`.
This is the one place that decides which file to read, which converter to apply, how a different
`num_classes` or `in_chans` changes the weights, and which `PretrainedCfg` the model carries.
"""
from __future__ import annotations

import dataclasses
import inspect
import json
import logging
from pathlib import Path
from typing import Any, Callable, Mapping

import torch
from torch import nn

from ._hub import (fetch_source_file, get_cache_dir, download_file, load_state_dict_file,
                   read_safetensors_metadata)
from ._pretrained import PretrainedCfg
from ._deprecation import warn_deprecated
from ._registry import get_pretrained_cfg

__all__ = ["build_model_with_cfg", "check_model_kwargs", "load_pretrained_state_dict", "adapt_input_conv",
           "load_checkpoint_into", "embedded_cfg_overlay", "PROVENANCE_FIELDS"]

_logger = logging.getLogger("motionzoo")


def _under(key: str, prefix: str) -> bool:
    return key == prefix or key.startswith(prefix + ".")


def adapt_input_conv(weight: torch.Tensor, in_chans: int) -> torch.Tensor:
    """Adapt a first-layer kernel [Cout, Cin, ...] (2D or 3D) to `in_chans` input channels.

    From 3 (RGB): 1 -> sum; 2 (flow) -> mean of the RGB filters for both, x3/2; 4 (RGB-D) -> RGB kept and
    depth = mean of the RGB filters, all x3/4; N > 4 -> tile cyclically, x3/N.  From C coordinate channels
    to more: shared channels kept, new ones zero; to fewer: truncated.  Anything else raises.
    """
    src = weight.shape[1]
    if src == in_chans:
        return weight
    w = weight.float()
    if src == 3:
        if in_chans == 1:
            out = w.sum(dim=1, keepdim=True)
        elif in_chans == 2:
            out = w.mean(dim=1, keepdim=True).repeat_interleave(2, dim=1) * (3 / 2)
        elif in_chans == 4:
            out = torch.cat([w, w.mean(dim=1, keepdim=True)], dim=1) * (3 / 4)
        else:
            reps = -(-in_chans // 3)
            out = w.repeat(1, reps, *([1] * (w.dim() - 2)))[:, :in_chans] * (3 / in_chans)
        return out.to(weight.dtype)
    raise ValueError(f"no in_chans rule from {src} to {in_chans} input channels for a kernel of shape "
                     f"{tuple(weight.shape)} (rules exist from 3-channel RGB kernels)")


def load_pretrained_state_dict(cfg: PretrainedCfg, cache_dir=None, offline=None, progress=True,
                               allow_unsafe_pickle: bool = False) -> dict[str, torch.Tensor]:
    """The state dict behind `cfg`, with motionzoo's key names: converted from upstream files when the cfg
    names a converter, else a verified safetensors file."""
    local = Path(cfg.file_name).expanduser() if cfg.file_name else None
    if local is not None and (local.is_absolute() or local.exists()):
        # A local file (pretrained_cfg_overlay={"file": ...}) wins over the cache and any download.
        return _load_local(local, cfg, allow_unsafe_pickle)
    if cfg.source_files:
        paths = [fetch_source_file(s, f"upstream/{cfg.name}", cache_dir, progress, offline) for s in cfg.source_files]
        if cfg.converter is None:
            return load_state_dict_file(paths[0], allow_unsafe_pickle)
        from .convert import get_converter
        src = paths[0] if len(paths) == 1 else paths[0].parent
        _logger.info("%s: converting upstream weights with converter %r", cfg.name, cfg.converter)
        return get_converter(cfg.converter).fn(src)
    if cfg.file_name:
        dest = get_cache_dir(cache_dir) / "checkpoints" / cfg.file_name
        path = download_file(cfg.urls, dest, cfg.sha256, cfg.file_size, progress=progress, offline=offline)
        return _load_local(path, cfg, allow_unsafe_pickle)
    if cfg.hf_hub_id:
        from ._pretrained import SourceFile
        path = fetch_source_file(SourceFile("model.safetensors", hf_hub_id=cfg.hf_hub_id, sha256=cfg.sha256),
                                 "hf", cache_dir, progress, offline)
        return _load_local(path, cfg, allow_unsafe_pickle)
    raise ValueError(f"{cfg.name} has no pretrained weights; `motionzoo list --pretrained` shows those that do")


def _load_local(path: Path, cfg: PretrainedCfg, allow_unsafe_pickle: bool) -> dict[str, torch.Tensor]:
    """Our own safetensors load as they are; anything else goes through the cfg's converter if it has one."""
    path = Path(path)
    if path.is_dir() and (path / "config.json").exists() and not (path / "model.safetensors").exists():
        raise FileNotFoundError(f"{path}: has config.json but no model.safetensors")
    is_ours = path.suffix == ".safetensors" or (path.is_dir() and (path / "model.safetensors").exists())
    if is_ours or cfg.converter is None:
        return load_state_dict_file(path, allow_unsafe_pickle)
    from .convert import get_converter
    return get_converter(cfg.converter).fn(path)


def state_dict_mismatch(header: str, missing, unexpected, shape_errors, limit: int = 20) -> str | None:
    """One message for a state dict that does not fit (None when it fits): counts plus the first `limit` keys
    of each kind.  Used by the builder and by converters that validate against an architecture."""
    if not (missing or unexpected or shape_errors):
        return None
    lines = [header]
    for label, keys in (("missing", missing), ("unexpected", unexpected), ("shape mismatch", shape_errors)):
        if keys:
            lines.append(f"  {label} ({len(keys)}): {list(keys)[:limit]}")
    return "\n".join(lines)


def load_checkpoint_into(model: nn.Module, state_dict: Mapping[str, torch.Tensor], cfg: PretrainedCfg,
                         source: str) -> PretrainedCfg:
    """Load `state_dict` strictly, except for the classifier when the model's head size differs from the
    weights' (those tensors are dropped and keep their fresh init) and the first conv when `in_chans`
    differs (adapted by `adapt_input_conv`).  Returns the cfg the model should carry."""
    sd = dict(state_dict)
    own = model.state_dict()
    heads = cfg.classifier_prefixes
    # A head tensor the model lacks (num_classes=0 -> identity head) or has in another shape is not loaded.
    reinit = [k for k in sd if any(_under(k, p) for p in heads) and (k not in own or own[k].shape != sd[k].shape)]
    reinit_heads = bool(reinit)
    if reinit_heads:
        # Drop every tensor of every head, not only the mismatching ones, so no head is half-loaded.
        dropped = [k for k in sd if any(_under(k, p) for p in heads)]
        for k in dropped:
            del sd[k]
        _logger.info("%s: classifier re-initialised (weights have %s classes, model has a different head); "
                     "dropped %d tensors under %s", cfg.name or source, cfg.num_classes, len(dropped), list(heads))
    if cfg.first_conv:
        wkey = cfg.first_conv + ".weight"
        if wkey in sd and wkey in own and sd[wkey].shape[1] != own[wkey].shape[1]:
            sd[wkey] = adapt_input_conv(sd[wkey], own[wkey].shape[1])
            _logger.info("%s: adapted %s from %d to %d input channels", cfg.name or source, wkey,
                         state_dict[wkey].shape[1], own[wkey].shape[1])
    missing, unexpected = [], []
    for k in own:
        if k not in sd and not (reinit_heads and any(_under(k, p) for p in heads)):
            missing.append(k)
    unexpected = [k for k in sd if k not in own]
    shape_errors = [f"{k}: checkpoint {tuple(sd[k].shape)} vs model {tuple(own[k].shape)}"
                    for k in sd if k in own and sd[k].shape != own[k].shape]
    problem = state_dict_mismatch(f"weights from {source} do not fit {type(model).__name__}:",
                                  missing, unexpected, shape_errors)
    if problem:
        raise RuntimeError(problem)
    model.load_state_dict(sd, strict=not reinit_heads)
    return cfg


def _final_cfg(cfg: PretrainedCfg, num_classes: int | None, in_chans: int | None) -> PretrainedCfg:
    changes: dict[str, Any] = {}
    if num_classes is not None and cfg.num_classes is not None and num_classes != cfg.num_classes:
        changes.update(num_classes=num_classes, categories=None, num_classes_overridden=True)
    elif num_classes is not None and cfg.num_classes is None:
        changes.update(num_classes=num_classes)
    if in_chans is not None and cfg.in_chans is not None and in_chans != cfg.in_chans:
        changes.update(in_chans=in_chans)
    return cfg.replace(**changes) if changes else cfg


# create_model's own keywords, accepted by every builder besides the model class's
_BUILD_KWARGS = ("pretrained", "num_classes", "in_chans", "checkpoint_path", "cache_dir", "pretrained_cfg_overlay",
                 "offline", "progress", "allow_unsafe_pickle")


def check_model_kwargs(arch: str, model_cls: Callable[..., nn.Module], kwargs: Mapping[str, Any],
                       fixed: Mapping[str, Any] | None = None, builder_kwargs: tuple[str, ...] = ()) -> None:
    """Raise `TypeError` for a keyword the model class does not take (naming the ones it does) and for one
    that contradicts a value the model name fixes (`fixed`, e.g. `variant="stacked"` for temporal_rnn_stacked).
    `builder_kwargs`: keywords the registered builder consumed itself, listed as accepted."""
    fixed = dict(fixed or {})
    params = inspect.signature(model_cls).parameters
    accepted = {n for n, p in params.items() if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)} - set(fixed)
    takes_any = any(p.kind is p.VAR_KEYWORD for p in params.values())

    def listing() -> str:
        return ", ".join(sorted(accepted | set(builder_kwargs) | set(_BUILD_KWARGS)))

    for k, v in kwargs.items():
        if k in fixed:
            if v != fixed[k]:
                raise TypeError(f"{arch}: {k}={v!r} conflicts with the value the {arch!r} builder sets "
                                f"({k}={fixed[k]!r}); {arch} accepts: {listing()}")
        elif k not in accepted and not takes_any:
            raise TypeError(f"{arch}: unexpected keyword argument {k!r}; {arch} accepts: {listing()}")


def _renamed_topology(arch: str, model_cls, kwargs: dict[str, Any]) -> dict[str, Any]:
    """`layout=` was the skeleton-topology keyword's old name ("layout" now means tensor axes only)."""
    if "layout" in kwargs and "topology" in inspect.signature(model_cls).parameters:
        if "topology" in kwargs:
            raise TypeError(f"{arch}: got both topology= and its deprecated name layout=")
        warn_deprecated(f"{arch}: layout= is deprecated for the skeleton topology; use topology=")
        kwargs = {("topology" if k == "layout" else k): v for k, v in kwargs.items()}
    return kwargs


def build_model_with_cfg(
    model_cls: Callable[..., nn.Module],
    arch: str,
    pretrained: bool = False,
    pretrained_cfg: PretrainedCfg | None = None,
    checkpoint_path: str | None = None,
    cache_dir=None,
    offline: bool | None = None,
    progress: bool = True,
    allow_unsafe_pickle: bool = False,
    fixed_kwargs: Mapping[str, Any] | None = None,
    builder_kwargs: tuple[str, ...] = (),
    **kwargs: Any,
) -> nn.Module:
    """Build `model_cls` for the registered `arch` and load its weights.

    `kwargs` go to `model_cls`; a keyword it does not take raises (no argument is silently dropped).
    `fixed_kwargs`: class keywords the registered name sets (a caller may repeat, not change, them).
    `builder_kwargs`: keywords the registered builder consumed before calling this (named in the error).
    The model's cfg describes the model as built: `num_params` is its real count (the registered cfg states the
    default build's count, which the metadata test checks).
    """
    cfg = pretrained_cfg or get_pretrained_cfg(arch, pretrained=pretrained)
    kwargs = _renamed_topology(arch, model_cls, kwargs)
    check_model_kwargs(arch, model_cls, kwargs, fixed_kwargs, builder_kwargs)
    kwargs = {**dict(cfg.model_args or {}), **dict(fixed_kwargs or {}),
              **{k: v for k, v in kwargs.items() if v is not None}}
    if "num_classes" not in kwargs and cfg.num_classes is not None:
        kwargs["num_classes"] = cfg.num_classes
    model = model_cls(**kwargs)
    if checkpoint_path is not None or (pretrained and cfg.has_weights):
        if checkpoint_path is not None:
            source = str(checkpoint_path)
            sd = _load_local(Path(checkpoint_path), cfg, allow_unsafe_pickle)
        else:
            source = cfg.name
            sd = load_pretrained_state_dict(cfg, cache_dir, offline, progress, allow_unsafe_pickle)
        load_checkpoint_into(model, sd, cfg, source)
    elif pretrained:
        raise ValueError(f"{cfg.name} has no pretrained weights; `motionzoo list --pretrained` shows those that do")
    final = _final_cfg(cfg, kwargs.get("num_classes"), kwargs.get("in_chans"))
    if final.num_params is not None and final.num_params != count_params(model):
        final = final.replace(num_params=count_params(model))
    model.pretrained_cfg = final
    model.default_cfg = model.pretrained_cfg
    if pretrained:
        model.eval()
    return model


def count_params(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


def cfg_from_safetensors(path: str | Path) -> PretrainedCfg | None:
    meta = read_safetensors_metadata(path)
    if "motionzoo.pretrained_cfg" not in meta:
        return None
    return PretrainedCfg.from_dict(json.loads(meta["motionzoo.pretrained_cfg"]))


# cfg fields that say where a file came from or what a build counts, not what the weights are: a checkpoint's
# embedded cfg never sets them on the model that loads it
PROVENANCE_FIELDS = frozenset({"arch", "tag", "file_name", "sha256", "file_size", "urls", "hf_hub_id", "source_files",
                               "converter", "num_params", "default"})


def embedded_cfg_overlay(path: str | Path, arch: str) -> dict[str, Any]:
    """The cfg embedded in a motionzoo safetensors file (or a directory holding `model.safetensors`) as a
    `pretrained_cfg_overlay`: class names, num_classes, the builder keywords (`model_args`), the input pipeline the
    weights were trained with, and the rest of what the file says about itself, less its provenance fields.  Only
    the fields the file records are set (an older file lacks newer fields).  {} for files without an embedded cfg;
    a cfg of another architecture raises."""
    p = Path(path)
    if p.is_dir():
        p = p / "model.safetensors"
    if p.suffix != ".safetensors" or not p.is_file():
        return {}
    try:
        raw = read_safetensors_metadata(p).get("motionzoo.pretrained_cfg")
    except Exception:  # a damaged file: the weights loader names the damage
        return {}
    if raw is None:
        return {}
    fields = json.loads(raw)
    cfg = PretrainedCfg.from_dict(fields)
    if cfg.arch:
        from ._registry import _resolve_deprecated
        if _resolve_deprecated(cfg.arch) != arch:
            raise ValueError(f"{p} holds weights of {cfg.arch!r}, not {arch!r}: "
                             f"create_model({cfg.arch!r}, checkpoint_path=...)")
    known = {f.name for f in dataclasses.fields(PretrainedCfg)} - PROVENANCE_FIELDS
    return {k: getattr(cfg, k) for k in fields if k in known}
