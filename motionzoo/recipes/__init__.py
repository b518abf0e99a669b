"""Training recipes as data: one `Recipe` per (architecture, dataset).

    from motionzoo.recipes import get_recipe, list_recipes
    recipe = get_recipe("two_stream_rnn", "utd_mhad")        # optimiser, schedule, epochs, loss, pipeline, source
    model = motionzoo.create_model("two_stream_rnn", num_classes=27, **recipe.model_kwargs)
    train_tf = motionzoo.resolve_transforms(model, train=True, recipe=recipe)
    fit(model, train_loader, val_loader, recipe, "runs/x")

`schedules` holds the per-epoch learning-rate functions, `losses` and `video_losses` the named training losses,
`param_groups` the named optimiser parameter-group rules; `skeleton`, `gcn` and `video` register the recipes;
`generic` adapts them to data that has no recipe of its own (`generic_recipe`).  Models never import this package;
the engine, the benchmarks and the command line read it.
"""
from ._recipe import OPTIMIZERS, Recipe, RecipeError
from ._registry import get_recipe, list_recipes, register_recipe
from .losses import build_loss, list_losses, register_loss
from .param_groups import build_param_groups, list_param_groups, register_param_groups
from .schedules import list_schedules, lr_at_epoch, register_schedule
from . import video_losses  # noqa: E402,F401  (register the video families' losses)
from . import skeleton, gcn, video  # noqa: E402,F401  (register the recipes)
from .generic import generic_recipe  # noqa: E402

__all__ = ["Recipe", "RecipeError", "OPTIMIZERS", "get_recipe", "list_recipes", "register_recipe", "build_loss",
           "list_losses", "register_loss", "build_param_groups", "list_param_groups", "register_param_groups",
           "list_schedules", "lr_at_epoch", "register_schedule", "generic_recipe"]
