"""motionzoo: faithful action and gesture recognition models for skeletons and RGB-D video."""
from ._pretrained import PretrainedCfg, SourceFile
from ._registry import (register_model, register_model_deprecations, list_models, list_pretrained, list_families,
                        is_model, is_model_pretrained, get_pretrained_cfg, UnknownModelError)
from ._factory import create_model, model_info
from ._transforms import resolve_transforms
from .data.formats import convert_keypoints
from ._input_check import check_input, InputCheckWarning, InputMismatchError
from ._hub import WeightIntegrityError, CorruptCheckpointError, OfflineCacheMiss, UnsafeCheckpointError, DownloadError, get_cache_dir

__version__ = "0.1.0"

__all__ = [
    "create_model", "list_models", "list_pretrained", "list_families", "is_model", "is_model_pretrained",
    "model_info", "resolve_transforms", "get_pretrained_cfg", "register_model", "register_model_deprecations", "PretrainedCfg",
    "SourceFile", "UnknownModelError", "WeightIntegrityError", "CorruptCheckpointError", "OfflineCacheMiss", "UnsafeCheckpointError",
    "DownloadError", "get_cache_dir", "convert_keypoints", "check_input", "InputCheckWarning", "InputMismatchError",
]
