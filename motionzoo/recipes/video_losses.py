"""Training losses of the RGB-D video families, named by their recipes (`recipe.loss`, `recipe.loss_kwargs`).

- "drsr": DRSR unimodal (video-models.md §5.10-5.11): CE(fused) + branch_weight x (CE(s) + CE(m) + CE(l)) on the
  logits sharpened with tau(epoch), plus the recoupling distillation term from epoch `distill_warmup_epochs` - 1.
- "drsr_capf": DRSR fusion (§5.12.2 step 7): CE(en_x) + CE(rgb) + CE(depth) + BCE (modality discriminator,
  minimised) + MSE (one reconstruction against both enhanced features) + both trunks' distillation terms.
- "smnet": SMnet (§3.7): cross-entropy at every valid clip against the sample's label, averaged over all valid
  clips of the batch.

Label smoothing comes from `recipe.label_smoothing` (0.1 in the DRSR recipes, 0 for SMnet).  The losses read what
the networks return in training mode: DRSR's `forward_train` dict, DRSRFusion's `forward_train` dict, SMnet's
training dict (`logits`, `clip_logits`, `clip_lengths`).
"""
from __future__ import annotations

from typing import Any, Mapping

import torch
import torch.nn.functional as F
from einops import rearrange
from torch import nn

from ._recipe import Recipe, RecipeError
from .losses import LossFn, register_loss

__all__ = ["distill_weight", "masked_clip_cross_entropy"]


def _needs(model: nn.Module, recipe: Recipe, loss: str, attrs: tuple[str, ...]) -> None:
    missing = [a for a in attrs if not hasattr(model, a)]
    if missing:
        raise RecipeError(f"recipe {recipe.name!r}: loss {loss!r} needs a model with {missing}; "
                          f"got {type(model).__name__}")


def _outputs(outputs: Any, loss: str, keys: tuple[str, ...]) -> Mapping[str, torch.Tensor]:
    if not isinstance(outputs, Mapping) or any(k not in outputs for k in keys):
        got = sorted(outputs) if isinstance(outputs, Mapping) else type(outputs).__name__
        raise ValueError(f"loss {loss!r} reads the training-mode outputs {list(keys)} (call the model in train() "
                         f"mode); got {got}")
    return outputs


def distill_weight(epoch: int, weight: float = 1.0, warmup_epochs: int = 3) -> float:
    """Weight of DRSR's distillation term: 0 before epoch warmup_epochs - 1 (= 2 upstream), `weight` from then on."""
    return float(weight) if epoch >= warmup_epochs - 1 else 0.0


@register_loss("drsr")
def _drsr(model: nn.Module, recipe: Recipe, branch_weight: float = 0.5, distill: float = 1.0,
          distill_warmup_epochs: int = 3) -> LossFn:
    """DRSR unimodal loss.  The branch logits are re-sharpened with the epoch's tau (the network's `sharpen`):
    in training the engine calls the network without the epoch, and 1/tau only scales, so the max-fusion commutes
    with it."""
    _needs(model, recipe, "drsr", ("sharpen",))
    eps = recipe.label_smoothing

    def loss(outputs, targets, epoch):
        out = _outputs(outputs, "drsr", ("head_logits", "distill_loss"))
        ce = lambda z: F.cross_entropy(z.float(), targets, label_smoothing=eps)  # noqa: E731
        branch = model.sharpen(out["head_logits"], epoch)                        # N x 3 x C
        ce_fused = ce(branch.max(dim=1).values)
        ce_branches = sum(ce(branch[:, i]) for i in range(branch.shape[1]))
        ce_total = ce_fused + branch_weight * ce_branches
        lam = distill_weight(epoch, distill, distill_warmup_epochs)
        total = ce_total + lam * out["distill_loss"]
        return total, {"ce": ce_total.detach(), "ce_fused": ce_fused.detach(), "ce_branches": ce_branches.detach(),
                       "distill": out["distill_loss"].detach(), "distill_weight": lam}
    return loss


@register_loss("drsr_capf")
def _drsr_capf(model: nn.Module, recipe: Recipe, bce: float = 1.0, mse: float = 1.0, distill: float = 1.0) -> LossFn:
    """DRSR fusion loss; upstream weights every term 1 and the epoch does not enter."""
    eps = recipe.label_smoothing
    keys = ("logits", "logits_rgb", "logits_depth", "modality_logits_rgb", "modality_logits_depth", "reconstruction",
            "features_rgb", "features_depth", "distill_loss")

    def loss(outputs, targets, epoch):
        out = _outputs(outputs, "drsr_capf", keys)
        ce = lambda z: F.cross_entropy(z.float(), targets, label_smoothing=eps)  # noqa: E731
        ce_total = ce(out["logits"]) + ce(out["logits_rgb"]) + ce(out["logits_depth"])
        # modality discriminator: RGB features -> 1, depth features -> 0 (minimised, not adversarial)
        z_rgb, z_depth = out["modality_logits_rgb"].float(), out["modality_logits_depth"].float()
        bce_total = (F.binary_cross_entropy_with_logits(z_rgb, torch.ones_like(z_rgb))
                     + F.binary_cross_entropy_with_logits(z_depth, torch.zeros_like(z_depth)))
        rec = out["reconstruction"]
        mse_total = F.mse_loss(rec, out["features_rgb"]) + F.mse_loss(rec, out["features_depth"])
        total = ce_total + bce * bce_total + mse * mse_total + distill * out["distill_loss"]
        return total, {"ce": ce_total.detach(), "bce": bce_total.detach(), "mse": mse_total.detach(),
                       "distill": out["distill_loss"].detach()}
    return loss


def masked_clip_cross_entropy(clip_logits: torch.Tensor, clip_lengths: torch.Tensor, targets: torch.Tensor,
                              label_smoothing: float = 0.0) -> torch.Tensor:
    """sum_i sum_{k < L_i} CE(clip_logits[i, k], y_i) / sum_i L_i.  clip_logits: N x K x C, clip_lengths: N."""
    n, k, _ = clip_logits.shape
    mask = torch.arange(k, device=clip_logits.device)[None] < clip_lengths[:, None]          # N x K
    ce = F.cross_entropy(rearrange(clip_logits.float(), "n k c -> (n k) c"), targets.repeat_interleave(k),
                         reduction="none", label_smoothing=label_smoothing).view(n, k)
    return (ce * mask).sum() / mask.sum()


@register_loss("smnet")
def _smnet(model: nn.Module, recipe: Recipe) -> LossFn:
    """SMnet: every valid clip step is scored against the sample's label (the upstream loss), not the masked-mean
    prediction the network returns at evaluation."""
    eps = recipe.label_smoothing

    def loss(outputs, targets, epoch):
        out = _outputs(outputs, "smnet", ("clip_logits", "clip_lengths"))
        ce = masked_clip_cross_entropy(out["clip_logits"], out["clip_lengths"], targets, eps)
        return ce, {"ce": ce.detach()}
    return loss
