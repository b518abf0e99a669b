"""`Recipe`: how one architecture is trained on one dataset, as plain data.

A recipe names the optimiser (and its parameter groups), the per-epoch learning-rate schedule, the epoch and batch
budget, the loss, the builder keywords of the model (`model_kwargs`) and the fields of its input pipeline
(`pipeline`, validated against the pipeline the architecture's cfg names), plus where every number comes from
(`source`).  Recipes are registered per (architecture, dataset) in `motionzoo.recipes` and read by the engine
(`fit`), by `motionzoo.resolve_transforms(..., recipe=...)` and by the benchmark scripts, so a card number, a
user's fine-tuning run and a benchmark row all use the same description.
"""
from __future__ import annotations

import dataclasses
import inspect
import math
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

__all__ = ["Recipe", "RecipeError", "OPTIMIZERS", "call_builder"]

OPTIMIZERS = ("sgd", "adam", "adamw")


class RecipeError(ValueError):
    """A recipe that cannot be what it says: an unknown field, a value out of range, a key nothing reads."""


@dataclass(frozen=True)
class Recipe:
    name: str                           # "<arch>/<dataset>", e.g. "two_stream_rnn/utd_mhad"
    epochs: int
    batch_size: int
    drop_last: bool = False             # drop each epoch's last, incomplete training batch (the official GCN loaders
                                        # do: a batch of 2-3 samples through BatchNorm at lr 0.1 undoes the epoch)
    # -- optimiser -----------------------------------------------------------------------------------------
    optimizer: str = "sgd"              # one of OPTIMIZERS (see engine/optim.py)
    lr: float = 0.1
    momentum: float = 0.9               # sgd
    nesterov: bool = False              # sgd
    betas: tuple[float, float] = (0.9, 0.999)   # adam / adamw
    eps: float = 1e-8                   # adam / adamw
    weight_decay: float = 0.0
    grad_clip: float | None = None      # max global L2 norm
    param_groups: str = ""              # "" = one group over every trainable parameter; else a registered rule
    param_groups_kwargs: Mapping[str, Any] = field(default_factory=dict)   # (motionzoo.recipes.param_groups)
    bn_momentum: float | None = None    # BatchNorm running-average momentum while training (None: the model's own)
    # -- per-epoch schedule (motionzoo.recipes.schedules) --------------------------------------------------
    schedule: str = "constant"          # constant | step | multistep | cosine | a registered name
    step_size: int | None = None        # epochs, for "step"
    gamma: float = 0.1                  # lr factor for "step" / "multistep"
    milestones: tuple[int, ...] = ()    # epochs, for "multistep"
    warmup_epochs: int = 0
    warmup_lr_init: float = 0.0         # lr of epoch 0 when warmup_epochs > 0 (linear ramp towards `lr`)
    min_lr: float = 0.0                 # cosine floor
    # -- loss (motionzoo.recipes.losses) -------------------------------------------------------------------
    loss: str = "cross_entropy"
    label_smoothing: float = 0.0
    loss_kwargs: Mapping[str, Any] = field(default_factory=dict)
    # -- what is trained, on what, fed how -----------------------------------------------------------------
    arch: str = ""                      # registry name
    dataset: str = ""                   # benchmark dataset key ("" = any)
    model_kwargs: Mapping[str, Any] = field(default_factory=dict)   # create_model keywords
    pipeline: Mapping[str, Any] = field(default_factory=dict)       # input-pipeline fields over the cfg's
    # -- provenance ----------------------------------------------------------------------------------------
    source: str = ""                    # authors' code / paper / "ours, chosen on validation (command)"
    notes: str = ""

    def __post_init__(self):
        def bad(msg: str):
            raise RecipeError(f"recipe {self.name!r}: {msg}")
        if not isinstance(self.epochs, int) or self.epochs < 1:
            bad(f"epochs must be a positive integer, got {self.epochs!r}")
        if not isinstance(self.batch_size, int) or self.batch_size < 1:
            bad(f"batch_size must be a positive integer, got {self.batch_size!r}")
        if not isinstance(self.drop_last, bool):
            bad(f"drop_last must be True or False, got {self.drop_last!r}")
        if self.optimizer.lower() not in OPTIMIZERS:
            bad(f"unknown optimizer {self.optimizer!r}; known: {', '.join(OPTIMIZERS)}")
        if not (self.lr >= 0 and math.isfinite(self.lr)):
            bad(f"lr must be a finite number >= 0, got {self.lr!r}")
        if self.weight_decay < 0 or not 0 <= self.label_smoothing < 1:
            bad(f"weight_decay must be >= 0 and label_smoothing in [0, 1); got {self.weight_decay}, "
                f"{self.label_smoothing}")
        if self.warmup_epochs < 0:
            bad(f"warmup_epochs must be >= 0, got {self.warmup_epochs}")
        if self.bn_momentum is not None and not 0 < self.bn_momentum <= 1:
            bad(f"bn_momentum must be in (0, 1] or None, got {self.bn_momentum}")
        if self.grad_clip is not None and self.grad_clip <= 0:
            bad(f"grad_clip must be positive or None, got {self.grad_clip}")
        if any(not isinstance(k, str) for k in (*self.pipeline, *self.model_kwargs, *self.loss_kwargs,
                                                *self.param_groups_kwargs)):
            bad("pipeline, model_kwargs, loss_kwargs and param_groups_kwargs keys must be strings")
        # plain, hashable-ish containers: tuples, not lists (the recipe is frozen data)
        for name in ("betas", "milestones"):
            object.__setattr__(self, name, tuple(getattr(self, name)))
        for name in ("pipeline", "model_kwargs", "loss_kwargs", "param_groups_kwargs"):
            object.__setattr__(self, name, _frozen(dict(getattr(self, name))))

    def replace(self, **changes: Any) -> "Recipe":
        """A copy with `changes`; unknown field names raise (a recipe key that nothing reads is an error)."""
        unknown = set(changes) - {f.name for f in dataclasses.fields(self)}
        if unknown:
            raise RecipeError(f"recipe {self.name!r}: unknown field(s) {sorted(unknown)}; fields: "
                              f"{', '.join(f.name for f in dataclasses.fields(self))}")
        return dataclasses.replace(self, **changes)

    def with_pipeline(self, **changes: Any) -> "Recipe":
        """A copy whose pipeline fields are updated by `changes` (validated when the pipeline is built)."""
        return self.replace(pipeline={**self.pipeline, **changes})

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready data (tuples as lists); `Recipe.from_dict` reads it back."""
        from .._json import jsonable
        return jsonable(dataclasses.asdict(self))

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> "Recipe":
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = set(d) - known
        if unknown:
            raise RecipeError(f"recipe {d.get('name')!r}: unknown field(s) {sorted(unknown)}")
        return cls(**{k: _tupled(v) for k, v in d.items()})

    def lr_at(self, epoch: int) -> float:
        """The scheduled learning rate during `epoch` (0-based); see motionzoo.recipes.schedules."""
        from .schedules import lr_at_epoch
        return lr_at_epoch(self, epoch)


class _FrozenDict(dict):
    """A dict that refuses mutation, so a registered recipe cannot be changed by the code that reads it."""

    def _refuse(self, *a, **k):
        raise TypeError("recipe mappings are read-only; use Recipe.replace / Recipe.with_pipeline")

    __setitem__ = __delitem__ = update = pop = popitem = clear = setdefault = _refuse

    def __hash__(self):
        return hash(tuple(sorted((k, repr(v)) for k, v in self.items())))

    def __deepcopy__(self, memo):
        return self

    def __reduce__(self):
        return (_FrozenDict, (dict(self),))


def _frozen(d: dict) -> _FrozenDict:
    return _FrozenDict({k: (_frozen(v) if isinstance(v, dict) else _tupled(v)) for k, v in d.items()})


def _tupled(v: Any) -> Any:
    if isinstance(v, list):
        return tuple(_tupled(x) for x in v)
    if isinstance(v, dict) and not isinstance(v, _FrozenDict):
        return {k: _tupled(x) for k, x in v.items()}
    return v


def call_builder(builder: Callable[..., Any], model: Any, recipe: Recipe, kwargs: Mapping[str, Any], what: str) -> Any:
    """`builder(model, recipe, **kwargs)` for a registered loss or parameter-group rule; a keyword the builder does
    not take raises, naming the ones it takes (a recipe key that nothing reads is an error)."""
    params = inspect.signature(builder).parameters
    accepted = [p for p in list(params)[2:] if params[p].kind is not inspect.Parameter.VAR_KEYWORD]
    unknown = set(kwargs) - set(accepted)
    if unknown:
        raise RecipeError(f"recipe {recipe.name!r}: {what} takes {accepted or 'no keywords'}, not {sorted(unknown)}")
    return builder(model, recipe, **kwargs)


def named_registrar(table: dict[str, Callable], what: str) -> Callable[[str], Callable]:
    """`register(name)` decorators for one of the recipe layer's named tables (losses, parameter-group rules):
    a name is registered once."""
    def register(name: str) -> Callable:
        def deco(fn: Callable) -> Callable:
            if name in table:
                raise ValueError(f"{what} {name!r} is already registered")
            table[name] = fn
            return fn
        return deco
    return register
