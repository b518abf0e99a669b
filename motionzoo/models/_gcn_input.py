"""Input handling shared by the graph-convolution families: the two accepted tensor layouts, the checks, and the
person axis.

A model is built for one input layout (`input_layout=`), so a shape is never guessed:

- ``"NMTVC"`` (default): motionzoo's canonical batch (N, M, T, V, C); (N, T, V, C) is read as M = 1.
- ``"NCTVM"``: the ST-GCN / CTR-GCN lineage's (N, C, T, V, M), as their feeders produce it.

A shape that does not fit the layout the model was built for raises a ValueError that names both layouts and the
shape; when the shape would fit the other layout the message says so.  Fewer persons than `num_person` are
zero-filled (the upstream feeders always deliver `num_person` bodies, absent ones as zeros); more is an error.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from einops import rearrange

from ..data import SkeletonTopology

__all__ = ["INPUT_LAYOUTS", "check_input_layout", "to_canonical_persons", "describe_build"]

INPUT_LAYOUTS = ("NMTVC", "NCTVM")


def check_input_layout(input_layout: str) -> str:
    layout = str(input_layout).upper()
    if layout not in INPUT_LAYOUTS:
        raise ValueError(f"input_layout={input_layout!r}; choose 'NMTVC' (canonical N,M,T,V,C) or 'NCTVM' "
                         f"(ST-GCN/CTR-GCN N,C,T,V,M)")
    return layout


def _fits_canonical(shape, v: int, c: int) -> bool:
    return len(shape) in (4, 5) and tuple(shape[-2:]) == (v, c) and shape[-3] > 0 and (len(shape) == 4 or shape[1] > 0)


def _fits_upstream(shape, v: int, c: int) -> bool:
    return len(shape) == 5 and shape[1] == c and shape[3] == v and shape[2] > 0 and shape[4] > 0


def to_canonical_persons(x: torch.Tensor, input_layout: str, topo: SkeletonTopology, in_chans: int, num_person: int,
                         name: str) -> torch.Tensor:
    """Any accepted input -> (N, M = num_person, T, V, C), or a ValueError naming the layouts and the shape."""
    v, c = topo.num_joints, in_chans
    shape = tuple(x.shape)
    canonical = f"N,M,T,V={v},C={c} (or N,T,V,C) [input_layout='NMTVC']"
    upstream = f"N,C={c},T,V={v},M [input_layout='NCTVM']"
    if input_layout == "NMTVC":
        if not _fits_canonical(shape, v, c):
            hint = " This shape fits N,C,T,V,M: build the model with input_layout='NCTVM'." if _fits_upstream(
                shape, v, c) else f" The other accepted layout is {upstream}."
            raise ValueError(f"{name} ({topo.name}) was built for {canonical}; got shape {shape}.{hint}")
        if x.dim() == 4:
            x = x.unsqueeze(1)
    else:
        if not _fits_upstream(shape, v, c):
            hint = " This shape fits N,M,T,V,C: build the model with input_layout='NMTVC'." if _fits_canonical(
                shape, v, c) else f" The other accepted layout is {canonical}."
            raise ValueError(f"{name} ({topo.name}) was built for {upstream}; got shape {shape}.{hint}")
        x = rearrange(x, "n c t v m -> n m t v c")
    m = x.shape[1]
    if m > num_person:
        raise ValueError(f"{name} was built for num_person={num_person}; got M={m} in shape {shape}")
    if m < num_person:
        x = F.pad(x, (0, 0, 0, 0, 0, 0, 0, num_person - m))
    return x


def describe_build(model) -> None:
    """The registered cfg describes the ntu25, 2-person, canonical default; a model built otherwise carries a cfg
    that describes it (topology, persons, channels, layout, parameter count)."""
    cfg = model.pretrained_cfg
    topo, m, c, t = model.topology, model.num_person, model.in_chans, cfg.clip_len
    size = (m, t, topo.num_joints, c) if model.input_layout == "NMTVC" else (c, t, topo.num_joints, m)
    changes = dict(keypoint_format=topo.name, num_person=m, in_chans=c, input_layout=model.input_layout,
                   input_size=size, num_params=sum(p.numel() for p in model.parameters()))
    if any(getattr(cfg, k) != v for k, v in changes.items()):
        model.pretrained_cfg = model.default_cfg = cfg.replace(**changes)
