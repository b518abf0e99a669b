"""A plain recurrent baseline for every skeleton table: a 2-layer bidirectional LSTM over the per-frame joint
vector of all persons, max over time, one linear layer.

It is the floor each zoo model has to clear on the same data, in the same run, with the same loop: a published
architecture that loses to it points at a bug in its recipe, pipeline or port, not at a result.

Input: canonical (N, M, T, V, C) or (N, T, V, C) (= M 1).  The M bodies enter one sample side by side (every
frame's vector holds all persons' joints, person-major); fewer bodies than `num_person` are zero-filled, more is
an error.  Features: (N, 2 * hidden) = max over time of the top layer's outputs.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from einops import rearrange
from torch import nn

from .._builder import build_model_with_cfg
from .._pretrained import PretrainedCfg
from .._registry import register_model
from ..data import get_topology

__all__ = ["LSTMBaseline"]

MODEL_FAMILY = "lstm_baseline"

default_cfgs = {
    "lstm_baseline": PretrainedCfg(
        description="Plain baseline: 2-layer BiLSTM(128) over all persons' joints per frame, max over time, linear",
        paper="none (motionzoo's reference floor for the skeleton tables)", official_code="motionzoo",
        license="Apache-2.0 (architecture only; no weights)", modality="skeleton", input_layout="NMTVC",
        input_size=(2, 64, 25, 3), in_chans=3, keypoint_format="ntu25", num_person=2, clip_len=64,
        frame_sampling="64 frames, round(linspace) over the sequence",
        skeleton_normalization="first_frame: centre and size of the first frame's joints, all bodies",
        pipeline={"name": "skeleton_sequence", "normalization": "first_frame", "temporal": "resample"},
        num_classes=60, classifier="head", first_conv=None, num_params=697_404,
        recipe="lstm_baseline/<dataset> (motionzoo.recipes)"),
}


class LSTMBaseline(nn.Module):
    def __init__(self, num_classes: int = 60, topology: str = "ntu25", num_person: int = 2, in_chans: int = 3,
                 hidden: int = 128, num_layers: int = 2, dropout: float = 0.2):
        super().__init__()
        self.topology = get_topology(topology)
        self.num_person, self.in_chans = num_person, in_chans
        self.num_classes = num_classes
        width = num_person * self.topology.num_joints * in_chans       # per-frame input vector
        self.rnn = nn.LSTM(width, hidden, num_layers=num_layers, bidirectional=True, batch_first=True,
                           dropout=dropout if num_layers > 1 else 0.0)
        self.num_features = 2 * hidden
        self.head = nn.Linear(self.num_features, num_classes) if num_classes > 0 else nn.Identity()

    def _check_input(self, x: torch.Tensor) -> torch.Tensor:
        v, c = self.topology.num_joints, self.in_chans
        if x.dim() == 4:
            x = x.unsqueeze(1)
        if x.dim() != 5 or x.shape[-2:] != (v, c) or x.shape[2] == 0:
            raise ValueError(f"LSTMBaseline expects (N, M, T, V={v}, C={c}) or (N, T, V, C) ({self.topology.name}); "
                             f"got shape {tuple(x.shape)}")
        m = x.shape[1]
        if m > self.num_person:
            raise ValueError(f"LSTMBaseline was built for num_person={self.num_person}; got M={m} in shape "
                             f"{tuple(x.shape)}")
        if m < self.num_person:       # missing bodies are zero-filled (zoo-conventions §3.1)
            x = F.pad(x, (0, 0, 0, 0, 0, 0, 0, self.num_person - m))
        return x

    def forward_features(self, x: torch.Tensor) -> torch.Tensor:
        x = self._check_input(x)
        seq = rearrange(x, "n m t v c -> n t (m v c)")
        out, _ = self.rnn(seq)                                          # (N, T, 2h)
        return out.amax(dim=1)                                          # (N, 2h)

    def forward_head(self, x: torch.Tensor, pre_logits: bool = False) -> torch.Tensor:
        return x if pre_logits else self.head(x)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.forward_head(self.forward_features(x))

    def get_classifier(self) -> nn.Module:
        return self.head

    def reset_classifier(self, num_classes: int) -> None:
        self.num_classes = num_classes
        self.head = nn.Linear(self.num_features, num_classes) if num_classes > 0 else nn.Identity()


@register_model
def lstm_baseline(pretrained: bool = False, **kwargs) -> LSTMBaseline:
    """2-layer BiLSTM(128) over all persons' joints per frame, max over time (the skeleton tables' floor)."""
    model = build_model_with_cfg(LSTMBaseline, "lstm_baseline", pretrained, **kwargs)
    # the registered cfg describes the ntu25, 2-person default; a model built otherwise carries its own
    topo, m, c = model.topology, model.num_person, model.in_chans
    cfg = model.pretrained_cfg
    changes = dict(keypoint_format=topo.name, num_person=m, in_chans=c,
                   input_size=(m, cfg.clip_len, topo.num_joints, c))
    if any(getattr(cfg, k) != v for k, v in changes.items()):
        model.pretrained_cfg = cfg.replace(**changes)
    return model
