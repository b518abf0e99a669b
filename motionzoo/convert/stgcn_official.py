"""Official ST-GCN state dicts (yysijie/st-gcn, `net.st_gcn.Model`) -> motionzoo `stgcn`.

motionzoo keeps the official names, so the map is the identity except for two entries:

- `fcn.weight` is a 1x1 Conv2d kernel (K, 256, 1, 1) upstream and a Linear weight (K, 256) here (same numbers);
- the graph buffer `A` is not a weight in motionzoo (the model rebuilds it from its topology), so it is dropped
  after a check: it must equal the "official" partition of `topology` (default ntu25), which catches a checkpoint
  trained on another skeleton topology or partition strategy before it silently runs on the wrong graph.

Every key is checked against the official key list, so the checkpoint of another network fails here, by name.
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Mapping

import torch

from . import BN_ENTRY as _BN, checked_state_dict, register_converter

_KEY_PATTERNS = (
    re.compile(r"^A$"),
    re.compile(rf"^data_bn\.{_BN}$"),
    re.compile(r"^st_gcn_networks\.\d+\.gcn\.conv\.(weight|bias)$"),
    re.compile(rf"^st_gcn_networks\.\d+\.tcn\.[03]\.{_BN}$"),
    re.compile(r"^st_gcn_networks\.\d+\.tcn\.2\.(weight|bias)$"),
    re.compile(r"^st_gcn_networks\.\d+\.residual\.0\.(weight|bias)$"),
    re.compile(rf"^st_gcn_networks\.\d+\.residual\.1\.{_BN}$"),
    re.compile(r"^edge_importance\.\d+$"),
    re.compile(r"^fcn\.(weight|bias)$"),
)


@register_converter("stgcn-official", arch="stgcn",
                    help="yysijie/st-gcn Model state dict (e.g. st_gcn.ntu-xsub.pt) -> stgcn")
def convert_stgcn_official(src: str | Path | Mapping[str, torch.Tensor], topology: str = "ntu25",
                           allow_unsafe_pickle: bool = False) -> dict[str, torch.Tensor]:
    """Official ST-GCN state dict (or a file holding one) -> `stgcn` state dict (build the model with the same
    `topology`; the official NTU checkpoints use ntu25)."""
    from ..models._gcn_graph import stgcn_partition
    out = checked_state_dict(src, "stgcn-official", _KEY_PATTERNS,
                             ("data_bn.weight", "st_gcn_networks.0.gcn.conv.weight", "fcn.weight"),
                             "official ST-GCN", allow_unsafe_pickle)
    graph = out.pop("A", None)
    if graph is not None:
        expected = torch.from_numpy(stgcn_partition(topology, "official"))
        if graph.shape != expected.shape or not torch.allclose(graph.float(), expected, atol=1e-6):
            raise ValueError(f"stgcn-official: the checkpoint's graph A {tuple(graph.shape)} is not the official "
                             f"spatial partition of topology {topology!r} {tuple(expected.shape)}; pass the "
                             f"topology it was trained on")
    w = out["fcn.weight"]
    if w.dim() == 4:                      # 1x1 conv kernel -> Linear weight
        if w.shape[2:] != (1, 1):
            raise ValueError(f"stgcn-official: fcn.weight has shape {tuple(w.shape)}; expected (K, 256, 1, 1)")
        out["fcn.weight"] = w.reshape(w.shape[0], w.shape[1])
    return out
