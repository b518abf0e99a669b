"""Inference on your own files: load trained weights with their class names, read sequences, top-k classes.

    model = load_for_inference("two_stream_rnn", "runs/utd/best/model.safetensors")
    for item in read_sequences("clips/"):               # user .npz / folder, .skeleton, .mat, .npy, pyskl .pkl ...
        print(item.name, predict_topk(model, item.sample, item.keypoint_format, k=3))

The checkpoint's embedded cfg (written by `motionzoo._hub.save_state_dict(..., cfg=...)`) supplies the class
names, `num_classes` and the builder arguments (`model_args`); without one, `num_classes` is read from the
classifier weights and the classes are called ``class_<i>``.  The sample goes through
`motionzoo.resolve_transforms(model, train=False)`, the same pipeline the benchmarks use, after a keypoint-format
conversion when the file's format differs from the model's (`convert_keypoints`) and `check_input`.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator, Mapping

import numpy as np
import torch
from torch import nn

__all__ = ["load_for_inference", "read_sequences", "predict_topk", "InputSequence", "class_names"]

def _weights_file(path: Path) -> Path:
    """A weights file, a directory holding model.safetensors, or a training run directory (best/, else last/)."""
    if path.is_dir():
        for cand in (path / "model.safetensors", path / "best" / "model.safetensors",
                     path / "last" / "model.safetensors"):
            if cand.is_file():
                return cand
        raise FileNotFoundError(f"{path}: no model.safetensors in it (or in best/ or last/)")
    if not path.is_file():
        raise FileNotFoundError(f"checkpoint not found: {path}")
    return path


def _num_classes_from_weights(path: Path, cfg) -> int | None:
    from ._hub import load_state_dict_file
    sd = load_state_dict_file(path)
    for prefix in cfg.classifier_prefixes:
        w = sd.get(f"{prefix}.weight")
        if w is not None:
            return int(w.shape[0])
    return None


def load_for_inference(model_name: str, checkpoint: str | os.PathLike | None = None,
                       model_args: Mapping[str, Any] | None = None) -> nn.Module:
    """The model in eval mode with the weights of ``checkpoint`` (or, without one, the released weights of an
    ``arch.tag`` name), carrying the checkpoint's cfg: class names, num_classes, builder keywords, pipeline
    (`create_model` reads the cfg a motionzoo safetensors file embeds).  ``model_args`` are builder keywords for
    files that do not record theirs."""
    from ._builder import embedded_cfg_overlay
    from ._factory import create_model
    from ._registry import _resolve_deprecated, get_pretrained_cfg, split_model_name

    kwargs = dict(model_args or {})
    if checkpoint is None:
        model = create_model(model_name, pretrained=True, **kwargs)
        return model.eval()
    path = _weights_file(Path(checkpoint))
    if not embedded_cfg_overlay(path, split_model_name(_resolve_deprecated(model_name))[0]):
        n = _num_classes_from_weights(path, get_pretrained_cfg(model_name))
        if n is not None:
            kwargs.setdefault("num_classes", n)
    try:
        model = create_model(model_name, checkpoint_path=str(path), **kwargs)
    except RuntimeError as e:
        raise RuntimeError(f"{e}\nThe architecture options may differ from the training run's: pass them with "
                           f"--model-arg KEY=VALUE (e.g. topology=kinect_v1_20), or save them as the cfg's model_args"
                           ) from None
    return model.eval()


def class_names(model: nn.Module) -> list[str]:
    cfg = model.pretrained_cfg
    n = cfg.num_classes or 0
    cats = list(cfg.categories or ())
    return cats if len(cats) == n else [f"class_{i}" for i in range(n)]


@dataclass
class InputSequence:
    name: str
    sample: np.ndarray | None          # (M, T, V, C); None when the file could not be read
    keypoint_format: str | None
    source: str
    error: str | None = None           # why the file could not be read (folder inputs go on with the next file)


def _from_user(path: Path) -> Iterator[InputSequence]:
    from .data.user import read_user_dataset
    from .data.datasets import assemble_sample
    d = read_user_dataset(path)
    for i, (name, x) in enumerate(zip(d.names, d.samples)):
        # the scores become the last channel, as UserSkeletonDataset gives them to training (scores="append")
        x, _ = assemble_sample(x, None if d.scores is None else d.scores[i], x.shape[0])
        yield InputSequence(name, x, d.keypoint_format, str(path))


def _from_pyskl(path: Path, keypoint_format: str | None) -> Iterator[InputSequence]:
    from .data.datasets import assemble_sample
    from .data.pyskl import infer_keypoint_format, read_pyskl
    anns = read_pyskl(path)["annotations"]
    fmt = keypoint_format or (infer_keypoint_format(path, anns[0]["keypoint"].shape[2]) if anns else None)
    for a in anns:
        x, _ = assemble_sample(a["keypoint"], a.get("keypoint_score"), a["keypoint"].shape[0])
        yield InputSequence(a["frame_dir"], x, fmt, str(path))


def _from_file(path: Path, keypoint_format: str | None) -> Iterator[InputSequence]:
    if path.suffix == ".npz":
        yield from _from_user(path)
    elif path.suffix in (".pkl", ".pickle"):
        yield from _from_pyskl(path, keypoint_format)
    else:
        from .data.show import load_any
        x, topo, _ = load_any(path)
        x = np.asarray(x, np.float32)
        yield InputSequence(path.name, x if x.ndim == 4 else x[None], keypoint_format or topo, str(path))


# file names a folder input is searched for (the readers of motionzoo.data.show.load_any, the user container,
# pyskl pickles)
_SEQUENCE_FILES = ("*.npz", "*.pkl", "*.pickle", "*.skeleton", "*_skeleton.mat", "*_skeleton3D.txt", "joints_s*.txt",
                   "*.json", "*.ts", "*.npy")


def _is_sequence_file(name: str) -> bool:
    from fnmatch import fnmatch
    return not name.startswith(".") and any(fnmatch(name, pat) for pat in _SEQUENCE_FILES)


def read_sequences(path: str | os.PathLike, keypoint_format: str | None = None) -> Iterator[InputSequence]:
    """Every sequence in ``path``: a user container (.npz or a folder with samples.csv), a pyskl pickle (.pkl),
    one file in a dataset's original format (.skeleton, _skeleton.mat, ...), a .npy (M, T, V, C), or a folder of
    such files (sorted by name; files of unknown type are skipped).  ``keypoint_format`` overrides the format
    deduced from the file (a .npy's joint count is ambiguous: 25 joints are ntu25 or body25)."""
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"input not found: {path}")
    if path.is_dir() and (path / "samples.csv").is_file():
        yield from _from_user(path)
    elif path.is_dir():
        files = sorted(p for p in path.iterdir() if p.is_file() and _is_sequence_file(p.name))
        if not files:
            raise FileNotFoundError(f"{path}: no skeleton files in it (looked for {', '.join(_SEQUENCE_FILES)})")
        for f in files:
            try:
                yield from _from_file(f, keypoint_format)
            except (ValueError, OSError) as e:     # SkeletonFormatError is a ValueError
                yield InputSequence(f.name, None, None, str(f), error=str(e))
    else:
        yield from _from_file(path, keypoint_format)


def predict_topk(model: nn.Module, sample: np.ndarray, keypoint_format: str | None = None, k: int = 5,
                 synthesize: bool = False, transform=None, check: bool = True) -> list[dict[str, Any]]:
    """Top-k ``[{"rank", "class", "index", "probability"}]`` for one (M, T, V, C) sample in ``keypoint_format``
    (default: the model's).  ``transform`` defaults to ``resolve_transforms(model, train=False)``."""
    from ._input_check import check_input
    from ._transforms import resolve_transforms
    from .data.formats import convert_keypoints
    from .engine.loop import logits_of

    cfg = model.pretrained_cfg
    if cfg.modality != "skeleton" or not cfg.keypoint_format:
        raise ValueError(f"{cfg.name} takes {cfg.modality} input; predict reads skeleton sequences")
    x = np.asarray(sample, np.float32)
    fmt = keypoint_format or cfg.keypoint_format
    if fmt != cfg.keypoint_format:
        x, _ = convert_keypoints(x, fmt, cfg.keypoint_format, synthesize=synthesize)
    if check:
        check_input(x, model)
    transform = transform or resolve_transforms(model, train=False)
    inp = torch.as_tensor(transform(x)).unsqueeze(0)
    with torch.no_grad():
        logits = logits_of(model(inp)).float()
    # softmax also turns a model's log-posterior output (two_stream_rnn) into its probabilities
    prob = logits.softmax(dim=-1)[0]
    names = class_names(model)
    top = prob.topk(min(k, prob.numel()))
    return [{"rank": r + 1, "class": names[i] if i < len(names) else f"class_{i}", "index": int(i),
             "probability": float(p)} for r, (p, i) in enumerate(zip(top.values.tolist(), top.indices.tolist()))]
