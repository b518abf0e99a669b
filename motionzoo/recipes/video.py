"""RGB-D video recipes: the upstream ones, as their code behaves."""
from __future__ import annotations

from ._recipe import Recipe
from ._registry import register_recipe

# DRSR unimodal (video-models.md §5.11): config/NTU.yml and the training script's behaviour.  One SGD group over
# all parameters (decay hits norms, biases, tokens); the warm-up quirk leaves an effective peak lr of lr / 2
# (schedule "drsr_upstream"); batch = per-GPU batch x 8 GPUs upstream.  Loss "drsr": fused + 0.5 x branch CE on
# tau-sharpened logits, label smoothing 0.1, distillation (weight 1) from epoch 2.
_DRSR = dict(
    epochs=100, batch_size=16, optimizer="sgd", lr=0.01, momentum=0.9, weight_decay=3e-4, warmup_epochs=3,
    warmup_lr_init=1e-8, min_lr=1e-5, grad_clip=5.0, label_smoothing=0.1, dataset="ntu60",
    pipeline={"dataset": "ntu"},
    source="damo-cv/MotionRGBD config/NTU.yml and train script behaviour (video-models.md §5.11)")
register_recipe(Recipe(name="drsr/ntu60", arch="drsr", schedule="drsr_upstream", loss="drsr", **_DRSR))
# The fusion script's warm-up reaches the full lr; loss "drsr_capf": CE + BCE + MSE + distillation, all weight 1;
# batch >= 2 (BatchNorm on N x C x 1 x 1).
register_recipe(Recipe(name="drsr_capf/ntu60", arch="drsr_capf", schedule="drsr_fusion", loss="drsr_capf", **_DRSR))

# SMnet reference recipe (video-models.md §3.9-3.10): Adam, the trunk convolutions (C3D-initialised) at 1e-5 and
# everything else at 5e-5, fixed; batch 4; at most 30 epochs; per-clip cross-entropy (loss "smnet").  Trained on
# the train split only (upstream also trains on its validation records: quirk 4).
register_recipe(Recipe(
    name="smnet/chalearn2013_gesture_resplit", arch="smnet", dataset="chalearn2013_gesture_resplit", epochs=30,
    batch_size=4, optimizer="adam", lr=5e-5, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0, schedule="constant",
    loss="smnet", param_groups="smnet", param_groups_kwargs={"trunk_lr_scale": 0.2, "trunk_weight_decay": 5e-4},
    source="azuxmioy/SMnet training script as described in video-models.md §3.9 (optimisers, rates, batch, "
           "epochs); trunk weight decay: motionzoo's decision §3.10 (0.0 reproduces upstream)",
    notes="upstream steps two Adam optimisers every iteration; one Adam with two learning rates is the same update. "
          "Later upstream fine-tuning stages lower the rates to 1e-5 / 2e-6."))
