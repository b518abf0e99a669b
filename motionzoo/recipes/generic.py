"""The generic recipe: how an architecture is trained on skeleton data that has no registered recipe for it (your
own sequences, a pyskl pickle, a registered dataset the architecture has no recipe for).

    recipe = generic_recipe("lstm_baseline", topology="coco17", num_person=1, channels=3)

It is a registered recipe adapted to the data, not a new set of numbers:

- the base is the architecture's recipe for the registered dataset with the same number of persons --
  `utd_mhad` for one person, `sbu` for two (`BASE_DATASETS`) -- or the dataset key given as `base`;
- an architecture without such a recipe (pose_lstm) takes the optimiser, schedule, epochs, batch
  and clipping of `lstm_baseline`'s recipe for that dataset, its pipeline fields where the architecture's input
  pipeline has them (and `subsample_long=True` for the pose LSTM's 350-frame resampling), and no builder keywords
  but the data's;
- the builder keywords follow the data: `topology` is the data's keypoint format wherever the base recipe or the
  architecture takes one (otherwise the input pipeline converts the data to the cfg's format, see
  `motionzoo.data.pipeline`), and `in_chans` the data's channels times the pipeline's streams when that is not 3.

Every choice is in the returned recipe (`source`, `notes`), which `motionzoo train` writes into its result file.
"""
from __future__ import annotations

from typing import Any

from ._recipe import Recipe, RecipeError
from ._registry import get_recipe

__all__ = ["generic_recipe", "BASE_DATASETS", "FALLBACK_ARCH"]

BASE_DATASETS = {1: "utd_mhad", 2: "sbu"}      # persons -> the registered dataset whose recipe is the base
FALLBACK_ARCH = "lstm_baseline"                # whose schedule architectures without a recipe take


def _base(arch: str, key: str) -> tuple[Recipe, bool]:
    """(the recipe to adapt, whether it is the architecture's own)."""
    try:
        return get_recipe(arch, key), True
    except RecipeError:
        return get_recipe(FALLBACK_ARCH, key), False


def _pipeline_fields(arch: str) -> tuple[str, dict[str, Any]]:
    from .._registry import get_pretrained_cfg
    from ..data.pipeline import pipeline_fields
    spec = dict(get_pretrained_cfg(arch).pipeline or {})
    name = spec.pop("name", None)
    if name is None:
        raise RecipeError(f"{arch} names no input pipeline: it is not a skeleton model motionzoo can train on "
                          "skeleton data")
    return name, {"fields": pipeline_fields(name), "cfg": spec}


def _accepts(arch: str, **kwargs: Any) -> bool:
    """Whether the builder takes these keywords (built on the meta device: no weights are allocated)."""
    import torch
    from .._factory import create_model
    try:
        with torch.device("meta"):
            create_model(arch, **kwargs)
    except TypeError:
        return False
    return True


def generic_recipe(arch: str, topology: str, num_person: int = 1, channels: int = 3,
                   base: str | None = None) -> Recipe:
    """The recipe that trains ``arch`` on data in keypoint format ``topology`` with up to ``num_person`` bodies and
    ``channels`` channels per joint (see the module docstring).  ``base``: the registered dataset key whose recipe
    is adapted (default: by persons, `BASE_DATASETS`)."""
    from .._registry import get_pretrained_cfg
    from ..data import get_topology
    topology = get_topology(topology).name
    key = base or BASE_DATASETS.get(min(max(int(num_person), 1), 2))
    recipe, own = _base(arch, key)
    name, spec = _pipeline_fields(arch)
    how = [f"{recipe.name}'s optimiser and schedule"]
    if own:
        pipeline = dict(recipe.pipeline)
        kwargs = dict(recipe.model_kwargs)
        how.append("its pipeline fields and builder keywords")
    else:
        pipeline = {k: v for k, v in recipe.pipeline.items() if k in spec["fields"]} \
            if name == get_pretrained_cfg(FALLBACK_ARCH).pipeline["name"] else {}
        if "subsample_long" in spec["fields"]:
            pipeline["subsample_long"] = True        # user sequences may be longer than the 350 frames
        kwargs = {}
        how.append(f"{'its pipeline fields' if pipeline else 'the architecture’s own pipeline'} ({arch} has no "
                   f"recipe for {key})")
    if "topology" in kwargs or (not own and _accepts(arch, topology=topology)):
        kwargs["topology"] = topology
        how.append(f"topology={topology!r} (the data's)")
    else:
        kwargs.pop("topology", None)
        how.append(f"the data converted to {arch}'s keypoint format by the input pipeline")
    if name == "skeleton_sequence":
        streams = len(str(pipeline.get("stream", spec["cfg"].get("stream", "joint"))).split("+"))
        if channels * streams != 3:
            kwargs["in_chans"] = channels * streams
            how.append(f"in_chans={channels * streams}")
    return recipe.replace(
        name=f"{arch}/generic", arch=arch, dataset="generic", pipeline=pipeline, model_kwargs=kwargs,
        source=f"motionzoo's generic recipe (motionzoo/recipes/generic.py): {recipe.name} adapted to the data",
        notes="; ".join(how) + (f". Base recipe source: {recipe.source}" if recipe.source else ""))
