"""Training losses named by a recipe (`recipe.loss`, `recipe.loss_kwargs`).

A loss builder takes `(model, recipe)` and returns the engine's loss hook
`loss(outputs, targets, epoch) -> (total, {name: value})`; the parts are logged per epoch.  The video families'
losses ("drsr", "drsr_capf", "smnet") are in `video_losses`.

    @register_loss("my_loss")
    def my_loss(model, recipe, weight: float = 1.0):      # recipe.loss_kwargs fill the keyword arguments
        def loss(outputs, targets, epoch): ...
        return loss
"""
from __future__ import annotations

from typing import Any, Callable, Mapping

import torch
import torch.nn.functional as F
from torch import nn

from ._recipe import Recipe, RecipeError, call_builder, named_registrar

__all__ = ["register_loss", "build_loss", "list_losses", "logits_of", "cross_entropy_loss", "LossFn"]

# (model outputs, targets, epoch) -> (total loss, {name: value})
LossFn = Callable[[Any, Any, int], "tuple[torch.Tensor, Mapping[str, torch.Tensor | float]]"]
_LOSSES: dict[str, Callable[..., LossFn]] = {}


register_loss = named_registrar(_LOSSES, "loss")     # @register_loss(name) on `builder(model, **kwargs) -> LossFn`


def list_losses() -> list[str]:
    return sorted(_LOSSES)


def build_loss(model: nn.Module, recipe: Recipe) -> LossFn:
    """The loss hook `recipe.loss` names, built for `model` with `recipe.loss_kwargs` (unknown keywords raise)."""
    builder = _LOSSES.get(recipe.loss)
    if builder is None:
        raise RecipeError(f"recipe {recipe.name!r}: unknown loss {recipe.loss!r}; known: {', '.join(list_losses())}")
    return call_builder(builder, model, recipe, recipe.loss_kwargs, f"loss {recipe.loss!r}")


def logits_of(outputs: Any) -> torch.Tensor:
    """The class scores inside a model's output (tensor, mapping with "logits", or tuple/list: first item)."""
    if isinstance(outputs, torch.Tensor):
        return outputs
    if isinstance(outputs, Mapping):
        if "logits" not in outputs:
            raise KeyError(f"model returned a mapping without 'logits' (keys: {sorted(outputs)}); "
                           "pass logits_fn= to say where the class scores are")
        return outputs["logits"]
    if isinstance(outputs, (tuple, list)) and outputs and isinstance(outputs[0], torch.Tensor):
        return outputs[0]
    raise TypeError(f"cannot find logits in a model output of type {type(outputs).__name__}; pass logits_fn=")


def cross_entropy_loss(label_smoothing: float = 0.0, logits_fn: Callable[[Any], torch.Tensor] = logits_of) -> LossFn:
    """Cross-entropy (optionally label-smoothed) on the logits, in float32.  On a log-posterior output (the
    two-stream RNN's fused log p) it equals the negative log-likelihood, since log_softmax(log p) = log p."""
    def loss(outputs, targets, epoch):
        ce = F.cross_entropy(logits_fn(outputs).float(), targets, label_smoothing=label_smoothing)
        return ce, {"ce": ce.detach()}
    return loss


@register_loss("cross_entropy")
def _cross_entropy(model: nn.Module, recipe: Recipe) -> LossFn:
    return cross_entropy_loss(recipe.label_smoothing)


@register_loss("two_stream")
def _two_stream(model: nn.Module, recipe: Recipe, aux_weight: float = 0.0) -> LossFn:
    """The two-stream RNN's joint loss, -log p[y] of the fused posterior p = a softmax(z_t) + (1 - a) softmax(z_s)
    (the model returns log p), plus `aux_weight` x (CE(z_t) + CE(z_s)): the auxiliary per-stream terms the spec
    allows (skeleton-models.md §A.5, weight 0 by default).  With a = 0.9 the fused loss hands the spatial stream
    a tenth of the gradient, so a stream that is to be useful on its own needs its own term.

    The stream logits are read with forward hooks on the two heads during the same forward pass (no second
    forward, and the model's output contract stays log p)."""
    ce = cross_entropy_loss(recipe.label_smoothing)
    if aux_weight == 0:
        return ce
    heads = getattr(model, "get_classifier", lambda: None)()
    if not isinstance(heads, Mapping) or set(heads) != {"temporal", "spatial"}:
        raise RecipeError(f"recipe {recipe.name!r}: loss 'two_stream' with aux_weight needs a two-stream model "
                          f"(get_classifier() -> temporal and spatial heads); got {type(model).__name__}")
    seen: dict[str, torch.Tensor] = {}
    for name, head in heads.items():
        head.register_forward_hook(lambda mod, inp, out, name=name: seen.__setitem__(name, out))

    def loss(outputs, targets, epoch):
        fused, parts = ce(outputs, targets, epoch)
        if seen["temporal"].dim() != 2:
            raise ValueError("loss 'two_stream': per-body inputs with several bodies are not supported by the "
                             "auxiliary terms (use persons='concat' or one body per sample)")
        aux = {k: F.cross_entropy(v.float(), targets, label_smoothing=recipe.label_smoothing) for k, v in seen.items()}
        total = fused + aux_weight * (aux["temporal"] + aux["spatial"])
        return total, {**parts, "ce_temporal": aux["temporal"].detach(), "ce_spatial": aux["spatial"].detach()}
    return loss
