"""Optimisers for a `Recipe`, and the per-epoch lr setter (the schedules themselves are recipe data:
motionzoo.recipes.schedules)."""
from __future__ import annotations

from typing import Any, Iterable, Mapping

import torch
from torch import nn

from ..recipes import Recipe
from ..recipes.schedules import lr_at_epoch

__all__ = ["build_optimizer", "set_epoch_lr", "UnknownOptimizerError"]


class UnknownOptimizerError(ValueError):
    pass


# -- optimisers --------------------------------------------------------------------------------------------
ParamGroups = Iterable[Mapping[str, Any]]


def build_optimizer(params: nn.Module | Iterable[torch.Tensor] | ParamGroups, recipe: Recipe) -> torch.optim.Optimizer:
    """The recipe's optimiser over a module's trainable parameters (one group, weight decay on everything, as
    the reproduced recipes do), or over explicit groups.  A group may carry its own `weight_decay` and either
    `lr` (kept as given: the group's lr at the recipe's base lr, following the schedule in proportion) or
    `lr_scale` (its lr is `lr_scale * schedule(epoch)`); both at once is an error."""
    if isinstance(params, nn.Module):
        groups = [{"params": [p for p in params.parameters() if p.requires_grad]}]
    else:
        items = list(params)
        if items and isinstance(items[0], Mapping):
            groups = [dict(g) for g in items]
        else:
            groups = [{"params": items}]
    for i, g in enumerate(groups):
        if "lr" in g:
            if "lr_scale" in g:
                raise ValueError(f"parameter group {i} sets both lr and lr_scale; give one of them")
            if recipe.lr <= 0:
                raise ValueError(f"parameter group {i} sets lr={g['lr']}, which is kept relative to the recipe's "
                                 f"lr; recipe {recipe.name!r} has lr={recipe.lr}")
            g["lr_scale"] = g["lr"] / recipe.lr
        g.setdefault("lr_scale", 1.0)
        g["lr"] = recipe.lr * g["lr_scale"]
    name = recipe.optimizer.lower()
    if name == "sgd":
        return torch.optim.SGD(groups, lr=recipe.lr, momentum=recipe.momentum, nesterov=recipe.nesterov,
                               weight_decay=recipe.weight_decay)
    if name == "adam":
        return torch.optim.Adam(groups, lr=recipe.lr, betas=tuple(recipe.betas), eps=recipe.eps,
                                weight_decay=recipe.weight_decay)
    if name == "adamw":
        return torch.optim.AdamW(groups, lr=recipe.lr, betas=tuple(recipe.betas), eps=recipe.eps,
                                 weight_decay=recipe.weight_decay)
    raise UnknownOptimizerError(f"recipe {recipe.name!r}: unknown optimizer {recipe.optimizer!r}; "
                                "known: sgd, adam, adamw")


def set_epoch_lr(optimizer: torch.optim.Optimizer, recipe: Recipe, epoch: int) -> float:
    """Set every group's lr for `epoch`; returns the unscaled schedule value."""
    lr = lr_at_epoch(recipe, epoch)
    for g in optimizer.param_groups:
        g["lr"] = lr * g.get("lr_scale", 1.0)
    return lr
