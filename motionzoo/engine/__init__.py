"""Training and evaluation engine shared by every benchmark: `fit` / `evaluate` (CPU, CUDA, torchrun + DDP),
the optimiser a `motionzoo.recipes.Recipe` names, crash-safe checkpoints, metrics, plots, seeding, and the late
fusion of stream scores (`ensemble_scores`)."""
from .optim import build_optimizer, set_epoch_lr
from .metrics import (classification_metrics, confusion_matrix, mean_class_accuracy, most_confused_pairs,
                      per_class_accuracy, topk_accuracy, write_confusion_csv, write_per_class_csv)
from .env import describe_device, describe_env, resolve_device, seed_everything, seed_worker
from .checkpoint import CheckpointError, find_checkpoint, load_checkpoint, save_checkpoint
from .distributed import (EpochShuffleSampler, cleanup_distributed, get_rank, get_world_size, init_distributed,
                          is_distributed, is_main_process)
from .ensemble import CTRGCN_STREAM_WEIGHTS, STREAM_WEIGHT_PRESETS, ensemble_scores
from .loop import FitResult, cross_entropy_loss, evaluate, fit, logits_of, make_loader

__all__ = [
    "fit", "evaluate", "make_loader", "FitResult", "cross_entropy_loss", "logits_of",
    "build_optimizer", "set_epoch_lr", "ensemble_scores", "CTRGCN_STREAM_WEIGHTS", "STREAM_WEIGHT_PRESETS",
    "classification_metrics", "confusion_matrix", "mean_class_accuracy", "most_confused_pairs",
    "per_class_accuracy", "topk_accuracy", "write_confusion_csv", "write_per_class_csv",
    "describe_device", "describe_env", "resolve_device", "seed_everything", "seed_worker",
    "CheckpointError", "find_checkpoint", "load_checkpoint", "save_checkpoint",
    "EpochShuffleSampler", "cleanup_distributed", "get_rank", "get_world_size", "init_distributed",
    "is_distributed", "is_main_process",
]
