"""Per-epoch learning-rate schedules named by a `Recipe`.

Every schedule is a pure function `lr(recipe, epoch) -> float`, evaluated once at the start of each epoch
(the recipes we reproduce - NAS-Bench-201, the two-stream RNN, DRSR - all step per epoch).  A pure function has
no state to checkpoint, so a resumed run gets exactly the lr an uninterrupted run would.

Built-in schedules (all compose with `recipe.warmup_epochs`, except the upstream-quirk ones):
- `constant`:  lr
- `step`:      lr * gamma ** (epoch // step_size)
- `multistep`: lr * gamma ** (number of milestones <= epoch)
- `cosine`:    min_lr + (lr - min_lr) * (1 + cos(pi * t / T)) / 2 with t = epoch - warmup, T = epochs - warmup
- warm-up (any of the above with `warmup_epochs = w > 0`): epoch e < w gets
  warmup_lr_init + (lr - warmup_lr_init) * e / w, a linear ramp that reaches `lr` at epoch w.  Step and multistep
  count milestones in absolute epochs; cosine decays over the epochs after the warm-up.
- `drsr_upstream`, `drsr_fusion`: DRSR's schedules as its code behaves (video-models.md §5.11).

Families with other schedules register them with `@register_schedule("name")`, or name a function directly:
`schedule="custom:package.module.function"`.  Such a function handles its own warm-up and receives, by
parameter name, any of `epoch`, `recipe`, `lr`/`base_lr`, `epochs`, `warmup_epochs`, `warmup_lr_init`,
`min_lr`/`eta_min`, `gamma`, `step_size`, `milestones` (other parameters keep their defaults).
"""
from __future__ import annotations

import math
from typing import Callable

from ._recipe import Recipe

__all__ = ["lr_at_epoch", "register_schedule", "list_schedules", "UnknownScheduleError"]


class UnknownScheduleError(ValueError):
    pass


ScheduleFn = Callable[[Recipe, int], float]
_SCHEDULES: dict[str, ScheduleFn] = {}
_WARMUP_AWARE: set[str] = set()


def register_schedule(name: str, handles_warmup: bool = False) -> Callable[[ScheduleFn], ScheduleFn]:
    """Register `fn(recipe, epoch) -> lr`.  Unless `handles_warmup`, the generic linear warm-up is applied
    before it for `epoch < recipe.warmup_epochs`."""
    def deco(fn: ScheduleFn) -> ScheduleFn:
        if name in _SCHEDULES and _SCHEDULES[name] is not fn:
            raise ValueError(f"schedule {name!r} is already registered")
        _SCHEDULES[name] = fn
        if handles_warmup:
            _WARMUP_AWARE.add(name)
        return fn
    return deco


def list_schedules() -> list[str]:
    return sorted(_SCHEDULES)


def lr_at_epoch(recipe: Recipe, epoch: int) -> float:
    """Learning rate (of a group with lr_scale 1) during `epoch` (0-based)."""
    if epoch < 0:
        raise ValueError(f"epoch must be >= 0, got {epoch}")
    if recipe.schedule.startswith("custom:"):
        return _custom(recipe, epoch)
    fn = _SCHEDULES.get(recipe.schedule)
    if fn is None:
        raise UnknownScheduleError(
            f"recipe {recipe.name!r}: unknown schedule {recipe.schedule!r}; known: {', '.join(list_schedules())}")
    w = recipe.warmup_epochs
    if w > 0 and epoch < w and recipe.schedule not in _WARMUP_AWARE:
        return recipe.warmup_lr_init + (recipe.lr - recipe.warmup_lr_init) * epoch / w
    return float(fn(recipe, epoch))


def _custom(recipe: Recipe, epoch: int) -> float:
    import importlib
    import inspect

    path = recipe.schedule[len("custom:"):]
    module_name, _, attr = path.rpartition(".")
    try:
        fn = getattr(importlib.import_module(module_name), attr)
    except (ImportError, AttributeError, ValueError) as e:
        raise UnknownScheduleError(f"recipe {recipe.name!r}: cannot import schedule function {path!r} ({e})") from e
    available = {"epoch": epoch, "recipe": recipe, "lr": recipe.lr, "base_lr": recipe.lr, "epochs": recipe.epochs,
                 "warmup_epochs": recipe.warmup_epochs, "warmup_lr_init": recipe.warmup_lr_init,
                 "min_lr": recipe.min_lr, "eta_min": recipe.min_lr, "gamma": recipe.gamma,
                 "step_size": recipe.step_size, "milestones": recipe.milestones}
    kwargs = {}
    for name, param in inspect.signature(fn).parameters.items():
        if name in available:
            kwargs[name] = available[name]
        elif param.default is inspect.Parameter.empty and param.kind not in (param.VAR_POSITIONAL, param.VAR_KEYWORD):
            raise TypeError(f"recipe {recipe.name!r}: schedule function {path} needs parameter {name!r}, which a "
                            f"Recipe cannot supply (known: {', '.join(available)})")
    return float(fn(**kwargs))


def _cosine(base: float, floor: float, t: int, total: int) -> float:
    if total <= 0:
        return base
    t = min(max(t, 0), total)
    return floor + (base - floor) * (1.0 + math.cos(math.pi * t / total)) / 2.0


@register_schedule("constant")
def _constant(r: Recipe, epoch: int) -> float:
    return r.lr


@register_schedule("step")
def _step(r: Recipe, epoch: int) -> float:
    if not r.step_size or r.step_size <= 0:
        raise ValueError(f"recipe {r.name!r}: schedule 'step' needs step_size > 0, got {r.step_size!r}")
    return r.lr * r.gamma ** (epoch // r.step_size)


@register_schedule("multistep")
def _multistep(r: Recipe, epoch: int) -> float:
    if not r.milestones:
        raise ValueError(f"recipe {r.name!r}: schedule 'multistep' needs milestones")
    return r.lr * r.gamma ** sum(1 for m in r.milestones if epoch >= m)


@register_schedule("cosine")
def _cosine_schedule(r: Recipe, epoch: int) -> float:
    w = r.warmup_epochs
    return _cosine(r.lr, r.min_lr, epoch - w, r.epochs - w)


def _linspace(start: float, stop: float, num: int) -> list[float]:
    if num == 1:
        return [start]
    return [start + (stop - start) * i / (num - 1) for i in range(num)]


@register_schedule("drsr_upstream", handles_warmup=True)
def _drsr_upstream(r: Recipe, epoch: int) -> float:
    """DRSR unimodal schedule as its code behaves: the warm-up table linspace(warmup_lr_init, lr, w) is applied
    only for epochs < w - 1, the last value is held through epoch w, and a chained cosine with T_max = epochs - w
    then decays from that held value (lr/2 for w = 3) to min_lr."""
    w = max(r.warmup_epochs, 2)
    warm = _linspace(r.warmup_lr_init, r.lr, w)
    if epoch < w - 1:
        return warm[epoch]
    if epoch <= w:
        return warm[w - 2]
    return _cosine(warm[w - 2], r.min_lr, epoch - w, r.epochs - w)


@register_schedule("drsr_fusion", handles_warmup=True)
def _drsr_fusion(r: Recipe, epoch: int) -> float:
    """DRSR fusion-script schedule: linspace(warmup_lr_init, lr, w) for epochs < w, then cosine from lr with
    T_max = epochs - w."""
    w = r.warmup_epochs
    if epoch < w:
        return _linspace(r.warmup_lr_init, r.lr, w)[epoch]
    return _cosine(r.lr, r.min_lr, epoch - w, r.epochs - w)
