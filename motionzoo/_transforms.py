"""`resolve_transforms`: the input pipeline a model's weights expect, from its cfg (and a training recipe)."""
from __future__ import annotations

from typing import Any, Callable

from torch import nn

from ._pretrained import PretrainedCfg

__all__ = ["resolve_transforms"]


def _cfg_of(model_or_cfg) -> PretrainedCfg:
    if isinstance(model_or_cfg, PretrainedCfg):
        return model_or_cfg
    if isinstance(model_or_cfg, str):
        from ._registry import get_pretrained_cfg
        return get_pretrained_cfg(model_or_cfg)
    cfg = getattr(model_or_cfg, "pretrained_cfg", None)
    if cfg is None:
        raise ValueError(f"{type(model_or_cfg).__name__} carries no pretrained_cfg; build it with create_model")
    return cfg


def resolve_transforms(model_or_cfg: nn.Module | PretrainedCfg | str, train: bool = False, recipe=None,
                       **overrides: Any) -> Callable:
    """The callable from one canonical sample to the model's input (`cfg.pipeline`, see motionzoo.data.pipeline).

    `model_or_cfg`: a model from `create_model` (its cfg describes it as built, e.g. another topology), a
    `PretrainedCfg`, or a registry name (`arch` or `arch.tag`).  `recipe`: a `Recipe`, or a dataset key whose
    recipe for this arch is looked up (`get_recipe(arch, dataset)`); its pipeline fields replace the cfg's.
    `overrides`: more pipeline fields (unknown ones raise, naming the fields the pipeline has).  `train=True`
    enables the training augmentation the fields describe; its randomness comes from the `rng` each call
    receives (the datasets pass one drawn from (seed, epoch, index)).
    """
    from .data.pipeline import build_pipeline
    cfg = _cfg_of(model_or_cfg)
    fields: dict[str, Any] = {}
    if recipe is not None:
        if isinstance(recipe, str):
            from .recipes import get_recipe
            recipe = get_recipe(cfg.arch, recipe)
        if isinstance(model_or_cfg, str) and recipe.model_kwargs:
            cfg = _built_cfg(model_or_cfg, recipe.model_kwargs)
        fields.update(recipe.pipeline)
    fields.update(overrides)
    return build_pipeline(cfg, fields, train=train)


def _built_cfg(name: str, model_kwargs) -> PretrainedCfg:
    """The cfg of the model `create_model(name, **model_kwargs)` builds (another topology, persons, ...), built on
    the meta device: no weights are allocated."""
    import torch
    from ._factory import create_model
    with torch.device("meta"):
        return create_model(name, **model_kwargs).pretrained_cfg
