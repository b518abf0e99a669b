"""RGB-D video recipes: the upstream ones, as their code behaves."""
from __future__ import annotations

from ._recipe import Recipe
from ._registry import register_recipe

# DRSR unimodal (video-models.md §5.11): config/NTU.yml and the training script's behaviour.  One SGD group over
# all parameters (decay hits norms, biases, tokens); the warm-up quirk leaves an effective peak lr of lr / 2
# (schedule "drsr_upstream"); batch = per-GPU batch x 8 GPUs upstream.  The loss (fused + 0.5 x branch CE on
# tau-sharpened logits, label smoothing 0.1, distillation from epoch 2) is the model's own (`loss="model"`).
_DRSR = dict(
    epochs=100, batch_size=16, optimizer="sgd", lr=0.01, momentum=0.9, weight_decay=3e-4, warmup_epochs=3,
    warmup_lr_init=1e-8, min_lr=1e-5, grad_clip=5.0, label_smoothing=0.1, loss="model", dataset="ntu60",
    pipeline={"dataset": "ntu"},
    source="damo-cv/MotionRGBD config/NTU.yml and train script behaviour (video-models.md §5.11)")
register_recipe(Recipe(name="drsr/ntu60", arch="drsr", schedule="drsr_upstream", **_DRSR))
# The fusion script's warm-up reaches the full lr; losses CE + BCE + MSE + distillation, all weight 1; batch >= 2
# (BatchNorm on N x C x 1 x 1).
register_recipe(Recipe(name="drsr_capf/ntu60", arch="drsr_capf", schedule="drsr_fusion", **_DRSR))
