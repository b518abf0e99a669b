"""One rule for turning metadata into plain JSON: used by the cfgs, the training loop's logs and checkpoints, and
the benchmark result files."""
from __future__ import annotations

import math
from typing import Any, Mapping

import numpy as np

__all__ = ["jsonable"]


def jsonable(x: Any) -> Any:
    """Mappings -> dicts with str keys, lists/tuples -> lists, numpy scalars -> Python numbers, NaN -> None (JSON has
    no NaN); everything else unchanged.  The result also loads with `torch.load(weights_only=True)`."""
    if isinstance(x, Mapping):
        return {str(k): jsonable(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [jsonable(v) for v in x]
    if isinstance(x, np.generic):
        x = x.item()
    if isinstance(x, float) and math.isnan(x):
        return None
    return x
