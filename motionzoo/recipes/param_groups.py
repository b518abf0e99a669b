"""Optimiser parameter groups named by a recipe (`recipe.param_groups`, `recipe.param_groups_kwargs`).

A rule takes `(model, recipe, **kwargs)` and returns a list of groups `{"params": [...], "lr_scale": s,
"weight_decay": wd}` (see motionzoo.engine.optim.build_optimizer: a group's lr is `lr_scale x schedule(epoch)`).
`build_param_groups` checks that every trainable parameter lands in exactly one group.  An empty rule name means
one group over every trainable parameter with the recipe's weight decay.

    @register_param_groups("my_rule")
    def my_rule(model, recipe, head_lr_scale: float = 10.0): ...
"""
from __future__ import annotations

from typing import Any, Callable

from torch import nn

from ._recipe import Recipe, RecipeError, call_builder, named_registrar

__all__ = ["register_param_groups", "build_param_groups", "list_param_groups"]

_RULES: dict[str, Callable[..., list[dict[str, Any]]]] = {}


register_param_groups = named_registrar(_RULES, "parameter-group rule")   # @register_param_groups(name)


def list_param_groups() -> list[str]:
    return sorted(_RULES)


def build_param_groups(model: nn.Module, recipe: Recipe) -> nn.Module | list[dict[str, Any]]:
    """What `build_optimizer` receives: the model itself (one group) when the recipe names no rule, else the
    groups of `recipe.param_groups` built with `recipe.param_groups_kwargs`."""
    if not recipe.param_groups:
        if recipe.param_groups_kwargs:
            raise RecipeError(f"recipe {recipe.name!r}: param_groups_kwargs {dict(recipe.param_groups_kwargs)} "
                              "without a param_groups rule")
        return model
    rule = _RULES.get(recipe.param_groups)
    if rule is None:
        raise RecipeError(f"recipe {recipe.name!r}: unknown param_groups rule {recipe.param_groups!r}; known: "
                          f"{', '.join(list_param_groups()) or 'none'}")
    groups = call_builder(rule, model, recipe, recipe.param_groups_kwargs, f"param_groups {recipe.param_groups!r}")
    trainable = {id(p): n for n, p in model.named_parameters() if p.requires_grad}
    seen: dict[int, int] = {}
    for i, g in enumerate(groups):
        for p in g["params"]:
            if id(p) in seen:
                raise RecipeError(f"param_groups {recipe.param_groups!r}: {trainable.get(id(p), 'a parameter')} is "
                                  f"in groups {seen[id(p)]} and {i}")
            seen[id(p)] = i
    left = [n for k, n in trainable.items() if k not in seen]
    if left:
        raise RecipeError(f"param_groups {recipe.param_groups!r} leaves trainable parameters out of every group: "
                          f"{left[:5]}{' ...' if len(left) > 5 else ''}")
    return [g for g in groups if g["params"]]


@register_param_groups("smnet")
def _smnet(model: nn.Module, recipe: Recipe, trunk_lr_scale: float = 0.2, trunk_weight_decay: float = 5e-4
           ) -> list[dict[str, Any]]:
    """SMnet's reference groups (video-models.md §3.9-3.10): the trunk conv kernels at `trunk_lr_scale` x lr
    (pretrain_lr 1e-5 = 0.2 x 5e-5 upstream) with L2 weight decay `trunk_weight_decay` (motionzoo's reading of
    the decay upstream collects but never applies; 0.0 reproduces upstream), the trunk conv biases at the same lr
    without decay, and everything else (trunk BatchNorm, clip embeddings, BiLSTM, head) at the recipe's lr
    without decay."""
    if not hasattr(model, "trunks"):
        raise RecipeError(f"recipe {recipe.name!r}: param_groups 'smnet' needs an SMnet (with .trunks), got "
                          f"{type(model).__name__}")
    kernels, biases, rest = [], [], []
    for name, p in model.named_parameters():
        if not p.requires_grad:
            continue
        if name.startswith("trunks.") and ".conv." in name:
            (kernels if name.endswith("weight") else biases).append(p)
        else:
            rest.append(p)
    return [{"params": kernels, "lr_scale": trunk_lr_scale, "weight_decay": trunk_weight_decay},
            {"params": biases, "lr_scale": trunk_lr_scale, "weight_decay": 0.0},
            {"params": rest, "lr_scale": 1.0, "weight_decay": 0.0}]
