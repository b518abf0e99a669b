"""ST-GCN (Yan, Xiong & Lin, AAAI 2018): spatial-temporal graph convolutions over the skeleton graph, ported from
the equations of the official code (yysijie/st-gcn, `net/st_gcn.py`, NTU configs).

Network (C_in channels, V joints, K = 3 adjacency subsets of `_gcn_graph.stgcn_partition`):

    input (N, M, T, V, C) -> data_bn: BatchNorm1d over the V*C values of a frame, shared by the persons
    10 blocks, (in -> out, temporal stride): (C_in -> 64), (64 -> 64) x3, (64 -> 128, 2), (128 -> 128) x2,
                                             (128 -> 256, 2), (256 -> 256) x2
      block: y = ReLU( TCN( GCN(x, A * E) ) + residual(x) )
        GCN   1x1 conv C_in -> K*C_out, then out[c, t, w] = sum_k sum_v z[k, c, t, v] A_k[v, w]
        TCN   BN -> ReLU -> conv (9 x 1, stride s) -> BN -> dropout (0.5; not in the first block)
        residual: none in the first block, identity when shapes agree, else 1x1 conv (stride s) + BN
        E     learnable edge importance (K, V, V), one per block, initialised to ones (the official NTU config
              enables it; `edge_importance=False` uses A alone)
    mean over T and V, then over the persons -> (N, 256) -> fcn (Linear 256 -> num_classes)

The official head is a 1x1 Conv2d on the (N, 256, 1, 1) map; `fcn` here is the equivalent Linear and the converter
reshapes its weight.  Everything else keeps the official state-dict names, so an upstream checkpoint converts with
the identity map (`motionzoo.convert`, "stgcn-official").

Graph: the topology's bones (any `motionzoo.data` topology; ntu25 default), self-loops, column-normalised, split
into [self, centrifugal, centripetal] by distance to the centre joint.  `partition="official"` reproduces the
official matrices exactly, including their hop distances capped at one (see `stgcn_partition`); `"paper"` uses
true hop distances.  Input layouts and persons: see `_gcn_input` (`input_layout="NMTVC"` canonical default, or
`"NCTVM"` as upstream); persons are averaged after the backbone, as upstream.
"""
from __future__ import annotations

import torch
from einops import rearrange, reduce
from torch import nn

from .._builder import build_model_with_cfg
from .._pretrained import PretrainedCfg
from .._registry import register_model
from ..data import get_topology
from ._gcn_graph import stgcn_partition
from ._gcn_input import check_input_layout, describe_build, to_canonical_persons

__all__ = ["STGCN", "STGCNBlock", "GraphConv"]

MODEL_FAMILY = "stgcn"

_PAPER = ("Yan, Xiong & Lin, Spatial Temporal Graph Convolutional Networks for Skeleton-Based Action Recognition, "
          "AAAI 2018 (arXiv:1801.07455)")
_CODE = "github.com/yysijie/st-gcn @ 221c0e152054b8da593774c0d483e59befdb9061"

default_cfgs = {
    "stgcn": PretrainedCfg(
        description="ST-GCN, spatial partition with learnable edge importance (official NTU configuration)",
        paper=_PAPER, official_code=_CODE,
        license="BSD-2-Clause (official code); no weights (architecture only)",
        modality="skeleton", input_layout="NMTVC", input_size=(2, 300, 25, 3), in_chans=3, keypoint_format="ntu25",
        num_person=2, clip_len=300,
        frame_sampling="official NTU data: the first 300 frames, zero-padded at the end",
        num_classes=60, classifier="fcn", first_conv=None, num_params=3_098_832,
        published_metrics={"ntu60_xsub": {"top1": 81.6}, "ntu60_xview": {"top1": 88.8}},
        published_source="yysijie/st-gcn OLD_README.md: expected top-1 of the released NTU models (the paper's own "
                         "table was not checked)",
        pipeline={"name": "skeleton_sequence", "normalization": "none", "temporal": "pad_end",
                  "stream_style": "gcn_feeder"},
        notes="the official NTU models were trained on 300-frame clips (batch 64, SGD lr 0.1 with steps at epochs "
              "10 and 50 of 80, weight decay 1e-4, dropout 0.5)"),
}


class GraphConv(nn.Module):
    """Spatial graph convolution: one 1x1 conv to K * C_out channels, then a sum over the K subsets of
    z_k A_k.  (N, C_in, T, V), (K, V, V) -> (N, C_out, T, V)."""

    def __init__(self, in_chans: int, out_chans: int, num_subsets: int):
        super().__init__()
        self.num_subsets = num_subsets
        self.conv = nn.Conv2d(in_chans, out_chans * num_subsets, kernel_size=1)

    def forward(self, x: torch.Tensor, A: torch.Tensor) -> torch.Tensor:
        z = rearrange(self.conv(x), "n (k c) t v -> n k c t v", k=self.num_subsets)
        return torch.einsum("nkctv,kvw->nctw", z, A)


class STGCNBlock(nn.Module):
    """GCN -> TCN (BN, ReLU, 9x1 temporal conv, BN, dropout) plus a residual path, then ReLU."""

    def __init__(self, in_chans: int, out_chans: int, num_subsets: int, stride: int = 1, dropout: float = 0.0,
                 residual: bool = True, temporal_kernel: int = 9):
        super().__init__()
        self.gcn = GraphConv(in_chans, out_chans, num_subsets)
        self.tcn = nn.Sequential(
            nn.BatchNorm2d(out_chans), nn.ReLU(),
            nn.Conv2d(out_chans, out_chans, (temporal_kernel, 1), (stride, 1), ((temporal_kernel - 1) // 2, 0)),
            nn.BatchNorm2d(out_chans), nn.Dropout(dropout))
        if not residual:
            self.residual = None
        elif in_chans == out_chans and stride == 1:
            self.residual = nn.Identity()
        else:
            self.residual = nn.Sequential(nn.Conv2d(in_chans, out_chans, 1, (stride, 1)), nn.BatchNorm2d(out_chans))
        self.relu = nn.ReLU()

    def forward(self, x: torch.Tensor, A: torch.Tensor) -> torch.Tensor:
        y = self.tcn(self.gcn(x, A))
        if self.residual is not None:
            y = y + self.residual(x)
        return self.relu(y)


# (in, out, temporal stride) of the 10 blocks; the first block's input width is in_chans
_PLAN = ((None, 64, 1), (64, 64, 1), (64, 64, 1), (64, 64, 1), (64, 128, 2), (128, 128, 1), (128, 128, 1),
         (128, 256, 2), (256, 256, 1), (256, 256, 1))


class STGCN(nn.Module):
    def __init__(self, num_classes: int = 60, topology="ntu25", in_chans: int = 3, num_person: int = 2,
                 input_layout: str = "NMTVC", edge_importance: bool = True, partition: str = "official",
                 drop_rate: float = 0.5):
        super().__init__()
        self.topology = get_topology(topology)
        self.in_chans, self.num_person = in_chans, num_person
        self.input_layout = check_input_layout(input_layout)
        self.num_classes = num_classes
        A = torch.from_numpy(stgcn_partition(self.topology, partition))
        # the graph is a function of the topology, not a weight: it is rebuilt, never loaded
        self.register_buffer("A", A, persistent=False)
        V = self.topology.num_joints
        self.data_bn = nn.BatchNorm1d(in_chans * V)
        self.st_gcn_networks = nn.ModuleList(
            STGCNBlock(cin or in_chans, cout, A.shape[0], stride, dropout=0.0 if i == 0 else drop_rate,
                       residual=i > 0)
            for i, (cin, cout, stride) in enumerate(_PLAN))
        self.edge_importance = nn.ParameterList(
            nn.Parameter(torch.ones_like(A)) for _ in self.st_gcn_networks) if edge_importance else None
        self.num_features = _PLAN[-1][1]
        self.fcn = nn.Linear(self.num_features, num_classes) if num_classes > 0 else nn.Identity()
        self._init_weights()

    def _init_weights(self) -> None:
        # the official training script's init: conv N(0, 0.02), BN scale N(1, 0.02), biases 0 (the head too)
        for m in self.modules():
            if isinstance(m, (nn.Conv2d, nn.Linear)):
                nn.init.normal_(m.weight, 0.0, 0.02)
                nn.init.zeros_(m.bias)
            elif isinstance(m, (nn.BatchNorm1d, nn.BatchNorm2d)):
                nn.init.normal_(m.weight, 1.0, 0.02)
                nn.init.zeros_(m.bias)

    def forward_features(self, x: torch.Tensor) -> torch.Tensor:
        """Input in the model's layout -> (N, 256): mean over time, joints and persons of the last block."""
        x = to_canonical_persons(x, self.input_layout, self.topology, self.in_chans, self.num_person, "STGCN")
        n, m = x.shape[:2]
        # data_bn normalises each (joint, channel) over frames; the persons share its statistics
        x = self.data_bn(rearrange(x, "n m t v c -> (n m) (v c) t"))
        x = rearrange(x, "nm (v c) t -> nm c t v", c=self.in_chans)
        for i, block in enumerate(self.st_gcn_networks):
            A = self.A if self.edge_importance is None else self.A * self.edge_importance[i]
            x = block(x, A)                                               # (N*M, C', T', V)
        return reduce(x, "(n m) c t v -> n c", "mean", n=n, m=m)

    def forward_head(self, x: torch.Tensor, pre_logits: bool = False) -> torch.Tensor:
        return x if pre_logits else self.fcn(x)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.forward_head(self.forward_features(x))

    def get_classifier(self) -> nn.Module:
        return self.fcn

    def reset_classifier(self, num_classes: int) -> None:
        self.num_classes = num_classes
        self.fcn = nn.Linear(self.num_features, num_classes) if num_classes > 0 else nn.Identity()


@register_model
def stgcn(pretrained: bool = False, **kwargs) -> STGCN:
    """ST-GCN with the spatial partition and edge importance weighting (official NTU configuration)."""
    model = build_model_with_cfg(STGCN, "stgcn", pretrained, **kwargs)
    describe_build(model)
    return model
