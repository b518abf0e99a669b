"""`check_input(x, model)`: does this input fit the model, and does it look like what the model was trained on?
(zoo-conventions.md §3.3)

Hard mismatches raise `InputMismatchError` (a ValueError) naming the expected layout and the likely cause: the
rank, the joint count (with the formats that have that many joints and the converter to use), the channel
count, an axis order such as ST-GCN's N,C,T,V,M.  Plausibility problems warn (`InputCheckWarning`) and are
returned in the report: joint order (bone-length statistics against the keypoint format, see
`motionzoo.data.joint_order`), left/right exchanged, units, image pixels that were not normalised.

Pass the raw sample, the input of `resolve_transforms(model)` -- a canonical (M, T, V, C) skeleton (or a batch
(N, M, T, V, C), or (T, V, C)) in the model's keypoint format -- or the model's own input (e.g. N,T,V,C or
N,T,F).  Bone lengths are only meaningful before normalisations that move the arms and the trunk separately
(the two-stream RNN's two-centre normalisation), so check the raw sample.

    report = motionzoo.check_input(sample, model)     # warns, and returns what it found
"""
from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np
import torch
from torch import nn

from ._pretrained import PretrainedCfg
from ._transforms import _cfg_of    # model, cfg or registry name -> cfg: one implementation

__all__ = ["check_input", "InputCheckWarning", "InputMismatchError", "InputReport"]


class InputCheckWarning(UserWarning):
    pass


class InputMismatchError(ValueError):
    pass


@dataclass
class InputReport:
    model: str
    shape: tuple[int, ...]
    warnings: list[str] = field(default_factory=list)
    joint_order: object | None = None          # motionzoo.data.joint_order.JointOrderDiagnosis for skeletons

    @property
    def ok(self) -> bool:
        return not self.warnings


def _is_model(obj) -> bool:
    return isinstance(obj, (nn.Module, PretrainedCfg, str))


def check_input(x, model, warn: bool = True) -> InputReport:
    """Check ``x`` against ``model`` (a model, its cfg or a model name).  ``check_input(model, x)`` works too.
    Raises `InputMismatchError` when ``x`` cannot be the model's input; warns (unless ``warn=False``) and
    reports when it can but looks wrong."""
    if _is_model(x) and not _is_model(model):
        x, model = model, x
    cfg = _cfg_of(model)
    if isinstance(x, dict):      # multimodal input (SMnet): every tensor against the layout
        report = InputReport(cfg.name, ())
        for key, value in x.items():
            if isinstance(value, torch.Tensor) and value.dim() > 1:
                sub = check_input(value, cfg, warn=warn)
                report.warnings += [f"{key}: {w}" for w in sub.warnings]
        return report
    if isinstance(x, torch.Tensor):
        arr = x.detach().cpu().float().numpy()
    else:
        arr = np.asarray(x)
        if arr.dtype == object:
            raise InputMismatchError(f"{cfg.name}: input is not a numeric array (dtype object)")
    report = InputReport(cfg.name, tuple(arr.shape))
    if cfg.modality == "skeleton" and cfg.keypoint_format and cfg.input_layout in ("NTVC", "NMTVC", "NTF"):
        _check_skeleton(arr, cfg, report)
    else:
        _check_dense(arr, cfg, report)
    if warn:
        for msg in report.warnings:
            warnings.warn(f"{cfg.name}: {msg}", InputCheckWarning, stacklevel=2)
    return report


def _check_skeleton(arr: np.ndarray, cfg: PretrainedCfg, report: InputReport) -> None:
    from einops import rearrange
    from .data.joint_order import diagnose_joint_order
    from .data.topology import get_topology

    topo = get_topology(cfg.keypoint_format)
    V = topo.num_joints
    C = cfg.in_chans or (cfg.input_size[-1] if cfg.input_layout != "NTF" else None)
    name, shape = cfg.name, arr.shape
    if cfg.input_layout == "NTF" and arr.ndim in (2, 3):
        F = cfg.input_size[-1] if cfg.input_size else None
        M = cfg.num_person or 1
        if F is not None and arr.shape[-1] != F:
            raise InputMismatchError(f"{name} expects N,T,F with F={F} ({V} {topo.name} joints x {M} bodies x "
                                     f"{F // (V * M) if F % (V * M) == 0 else '?'} channels); got shape {shape}")
        if arr.shape[-1] % (V * M):
            raise InputMismatchError(f"{name}: F={arr.shape[-1]} is not a multiple of V*M={V * M}")
        # per-step features are joint-major (joint, body, channel): back to bodies x frames x joints x channels
        arr = rearrange(arr.reshape((-1,) + arr.shape[-2:]), "n t (v m c) -> n m t v c", v=V, m=M)
        C = None     # the flat features carry the chosen channels only
    else:
        if cfg.input_layout == "NTF" and C is not None and arr.ndim >= 4 and arr.shape[-1] == 3 and C == 2:
            # canonical input of a flat 2D model (pose_lstm): the upstream 3-channel arrays keep x and y in channels
            # 0 and 2 (the model's forward picks them the same way)
            arr = arr[..., [0, 2]]
        if arr.ndim not in (3, 4, 5):
            raise InputMismatchError(f"{name} expects a skeleton (M, T, V, C) / (N, M, T, V, C) / (N, T, V, C) with "
                                     f"V={V} ({topo.name}){f', C={C}' if C else ''}; got shape {shape}")
        if arr.shape[-2] != V or (C is not None and arr.shape[-1] != C):
            raise InputMismatchError(f"{name} expects ... x V x C with V={V} ({topo.name})"
                                     f"{f', C={C}' if C else ''}; got shape {shape}. {_shape_hint(arr, V, C, topo)}")
    diag = diagnose_joint_order(arr, topo.name)
    report.joint_order = diag
    report.warnings += diag.messages


def _shape_hint(arr: np.ndarray, V: int, C: int | None, topo) -> str:
    from .data.formats import list_keypoint_conversions
    from .data.topology import ESTIMATOR_FORMATS, KEYPOINT_FORMATS, get_topology
    shape = arr.shape
    if arr.ndim == 5 and C is not None and shape[1] == C and shape[3] == V:
        return ("It looks like N,C,T,V,M (the ST-GCN layout): x.permute(0, 4, 2, 3, 1) gives the canonical "
                "N,M,T,V,C.")
    if arr.ndim >= 3 and shape[-1] == V and C is not None and shape[-2] == C:
        return "The last two axes look exchanged (... x C x V); move the joints before the channels."
    if shape[-2] != V:
        cands = [n for n in KEYPOINT_FORMATS if get_topology(n).num_joints == shape[-2]]
        if not cands:
            return f"No known keypoint format has {shape[-2]} joints."
        conv = [c for c in cands if (c, topo.name) in list_keypoint_conversions()]
        hint = f"{shape[-2]} joints is the count of {', '.join(cands)}."
        if conv:
            hint += (f" Convert with motionzoo.convert_keypoints(x, {conv[0]!r}, {topo.name!r}"
                     + (", synthesize=True" if conv[0] in ESTIMATOR_FORMATS else "") + ")"
                     + " (motionzoo.data.conversion_rules lists the joints it synthesises).")
        else:
            hint += f" There is no converter from {' or '.join(cands)} to {topo.name}."
        return hint
    if C is not None:
        spatial = {2: "x, y", 3: "x, y, z or x, y, score", 4: "x, y, z, score"}
        flat = shape[-1] == 2 and C >= 3
        return (f"The model takes C={C} channels ({spatial.get(C, C)}), the input has {shape[-1]} "
                f"({spatial.get(shape[-1], shape[-1])})" + (": 2D keypoints for a 3D model?" if flat else "."))
    return ""


def _check_dense(arr: np.ndarray, cfg: PretrainedCfg, report: InputReport) -> None:
    """Image-like inputs (video N,C,T,H,W; skeleton images N,C,H,W): rank, channels, fixed sizes, value range."""
    layout = cfg.input_layout or ""
    name, shape = cfg.name, arr.shape
    if not layout:
        return
    C = cfg.in_chans or (cfg.input_size[0] if cfg.input_size else None)
    if arr.ndim not in (len(layout), len(layout) - 1):
        raise InputMismatchError(f"{name} expects {','.join(layout)} (or without N); got shape {shape}")
    sample = shape[1:] if arr.ndim == len(layout) else shape
    if C is not None and sample[0] != C:
        hint = ""
        if len(layout) == 5 and len(sample) == 4 and sample[1] == C:
            hint = " -- did you pass N,T,C,H,W? (x.permute(0, 2, 1, 3, 4))"
        elif sample[-1] == C:
            hint = " -- channels last? move them to axis 1"
        raise InputMismatchError(f"{name} expects {','.join(layout)} with C={C}; got shape {shape}{hint}")
    if cfg.modality in ("rgb", "rgbd", "depth", "multimodal") and arr.size:
        hi = float(np.nanmax(np.abs(arr)))
        if hi > 20:
            report.warnings.append(f"values reach {hi:.0f}: raw pixels? the model expects the normalised input of "
                                   "motionzoo.resolve_transforms(model)")
