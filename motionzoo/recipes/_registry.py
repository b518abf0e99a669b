"""The recipe registry: one `Recipe` per (architecture, dataset), looked up by `get_recipe(arch, dataset)`."""
from __future__ import annotations

import fnmatch

from ._recipe import Recipe, RecipeError

__all__ = ["register_recipe", "get_recipe", "list_recipes"]

_RECIPES: dict[str, Recipe] = {}
_DEFAULT: dict[str, str] = {}          # arch -> name of its default recipe (the authors', where there is one)


def register_recipe(recipe: Recipe, default: bool = False) -> Recipe:
    """Register `recipe` under `recipe.name` (must be "<arch>/<dataset>").  Its arch must be a registered model
    and its pipeline fields must be fields of the pipeline the arch's cfg names (checked now, so a recipe key
    that nothing reads fails at import, not in the middle of a training run).  The first recipe of an arch, or
    the one registered with `default=True`, is what `get_recipe(arch)` returns."""
    from .._registry import get_pretrained_cfg, is_model
    from ..data.pipeline import validate_pipeline

    if recipe.name != f"{recipe.arch}/{recipe.dataset}":
        raise RecipeError(f"recipe {recipe.name!r}: name must be '<arch>/<dataset>' = "
                          f"'{recipe.arch}/{recipe.dataset}'")
    if recipe.name in _RECIPES:
        raise RecipeError(f"recipe {recipe.name!r} is already registered")
    if not is_model(recipe.arch):
        raise RecipeError(f"recipe {recipe.name!r}: {recipe.arch!r} is not a registered model")
    try:
        validate_pipeline(get_pretrained_cfg(recipe.arch), recipe.pipeline)
    except (TypeError, ValueError) as e:
        raise RecipeError(f"recipe {recipe.name!r}: pipeline {dict(recipe.pipeline)}: {e}") from None
    _RECIPES[recipe.name] = recipe
    if default or recipe.arch not in _DEFAULT:
        _DEFAULT[recipe.arch] = recipe.name
    return recipe


def get_recipe(arch: str, dataset: str | None = None) -> Recipe:
    """The recipe that trains `arch` (a registry name; a tag is ignored) on `dataset`, or the arch's default
    recipe when `dataset` is None.  A recipe's full name as `list_recipes` prints it ("two_stream_rnn/sbu") is
    accepted alone.  Unknown combinations raise with the recipes that exist for the arch."""
    from .._registry import _resolve_deprecated, split_model_name
    if dataset is None and "/" in arch:      # model names never hold a "/", recipe names always do
        arch, dataset = arch.split("/", 1)
    arch = split_model_name(_resolve_deprecated(arch))[0]
    if dataset is None:
        if arch not in _DEFAULT:
            raise RecipeError(f"no recipe is registered for {arch!r}; recipes: {', '.join(list_recipes()) or 'none'}")
        return _RECIPES[_DEFAULT[arch]]
    name = f"{arch}/{dataset}"
    if name not in _RECIPES:
        have = [n for n in _RECIPES if n.startswith(arch + "/")]
        raise RecipeError(f"no recipe {name!r}; recipes for {arch!r}: {', '.join(have) or 'none'}")
    return _RECIPES[name]


def list_recipes(pattern: str = "*") -> list[str]:
    """Registered recipe names ("<arch>/<dataset>") matching an fnmatch pattern, sorted."""
    return sorted(n for n in _RECIPES if fnmatch.fnmatch(n, pattern))
