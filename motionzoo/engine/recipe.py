"""`Recipe`: a training schedule as data.  Model families publish their authors' recipe with it; the engine
turns it into an optimiser and scheduler; benchmarks override fields (e.g. a documented shorter schedule)."""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any, Mapping


@dataclass(frozen=True)
class Recipe:
    name: str
    epochs: int
    batch_size: int
    optimizer: str = "sgd"              # sgd | adam | adamw (see engine/optim.py)
    lr: float = 0.1
    momentum: float = 0.9
    nesterov: bool = False
    weight_decay: float = 0.0
    schedule: str = "constant"          # constant | step | cosine | multistep | registered name (engine/optim.py)
    step_size: int | None = None        # epochs, for "step"
    gamma: float = 0.1                  # lr factor for "step"/"multistep"
    milestones: tuple[int, ...] = ()    # epochs, for "multistep"
    warmup_epochs: int = 0
    min_lr: float = 0.0                 # cosine floor
    grad_clip: float | None = None      # max global L2 norm
    label_smoothing: float = 0.0
    # Additive fields (defaults keep older Recipes unchanged).
    betas: tuple[float, float] = (0.9, 0.999)   # adam / adamw
    eps: float = 1e-8                   # adam / adamw
    warmup_lr_init: float = 0.0         # lr of epoch 0 when warmup_epochs > 0 (linear ramp towards `lr`)
    # Data-side settings the family needs (frames, augmentation ranges, ...), as plain data.
    data: Mapping[str, Any] = field(default_factory=dict)
    source: str = ""                    # where the numbers come from (paper / upstream config)
    notes: str = ""

    def replace(self, **changes: Any) -> "Recipe":
        return dataclasses.replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)
