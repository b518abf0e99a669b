"""`create_model` and `model_info`: the front door."""
from __future__ import annotations

from typing import Any, Mapping

from torch import nn

from ._builder import embedded_cfg_overlay
from ._pretrained import PretrainedCfg, merge_overlay
from ._registry import (get_arch_cfgs, get_model_family, get_pretrained_cfg, model_entrypoint,
                        split_model_name, _resolve_deprecated, _weighted_tags)

__all__ = ["create_model", "model_info"]


def create_model(
    model_name: str,
    pretrained: bool = False,
    num_classes: int | None = None,
    in_chans: int | None = None,
    checkpoint_path: str | None = None,
    cache_dir: str | None = None,
    pretrained_cfg_overlay: Mapping[str, Any] | None = None,
    **model_kwargs: Any,
) -> nn.Module:
    """Build `arch` or `arch.tag`.

    Weights are read (first match wins) from `checkpoint_path`, `pretrained_cfg_overlay["file"]`, the cache,
    or a verified download.  A safetensors file written by motionzoo (`motionzoo train`, `save_state_dict(...,
    cfg)`) carries its cfg: the model is rebuilt with its builder keywords (`model_args`), class names and
    input pipeline, so `create_model("lstm_baseline", checkpoint_path="runs/x/model.safetensors")` needs nothing
    else.  `num_classes` different from the weights' re-initialises exactly the cfg's
    classifier tensors; `in_chans` adapts the cfg's first conv.  Architecture options go in `model_kwargs`
    (e.g. `topology="sbu15"`); `offline=True`, `progress=False`, `allow_unsafe_pickle=True` are understood too.
    """
    model_name = _resolve_deprecated(model_name)
    entry = model_entrypoint(model_name)
    arch, tag = split_model_name(model_name)
    cfg = get_pretrained_cfg(model_name, pretrained=pretrained or bool(tag))
    # a motionzoo safetensors file describes its weights: class names, builder keywords, pipeline (explicit
    # overlay fields and keywords still win)
    local = checkpoint_path or ((pretrained_cfg_overlay or {}).get("file") if pretrained else None)
    if local is not None:
        cfg = merge_overlay(cfg, embedded_cfg_overlay(local, arch))
    cfg = merge_overlay(cfg, pretrained_cfg_overlay)
    if num_classes is not None:
        model_kwargs["num_classes"] = num_classes
    if in_chans is not None:
        model_kwargs["in_chans"] = in_chans
    return entry(pretrained=pretrained, pretrained_cfg=cfg, checkpoint_path=checkpoint_path,
                 cache_dir=cache_dir, **model_kwargs)


def model_info(model_name: str) -> dict[str, Any]:
    """Metadata of a name without building the model: its cfg, family, and all tags of the arch."""
    model_name = _resolve_deprecated(model_name)
    model_entrypoint(model_name)  # raises with suggestions for an unknown name
    arch, tag = split_model_name(model_name)
    cfg: PretrainedCfg = get_pretrained_cfg(model_name)
    info = cfg.to_dict()
    info["name"] = cfg.name
    info["family"] = get_model_family(arch)
    info["tags"] = [t for t in get_arch_cfgs(arch) if t]
    info["pretrained_tags"] = _weighted_tags(arch)
    return info
