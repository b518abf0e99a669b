"""CTR-GCN (Chen et al., ICCV 2021): channel-wise topology refinement graph convolution, ported from the equations
of the official code (Uason-Chen/CTR-GCN, `model/ctrgcn.py`, default NTU / NW-UCLA configs).

Network (C_in channels, V joints, K = 3 subsets [identity, inward, outward] of `_gcn_graph.ctrgcn_partition`):

    input (N, M, T, V, C) -> data_bn: BatchNorm1d over the M*V*C values of a frame (one set per person slot)
    10 units l1..l10, (in -> out, temporal stride): (C_in -> 64), (64 -> 64) x3, (64 -> 128, 2), (128 -> 128) x2,
                                                    (128 -> 256, 2), (256 -> 256) x2
      unit:  y = ReLU( MS-TCN( GCN(x) ) + residual(x) )   (l1: no residual; identity when shapes agree, else
             1x1 conv with stride + BN)
      GCN:   y = ReLU( BN( sum_k CTR-GC_k(x) ) + down(x) ),   down = 1x1 conv + BN when widths differ; the BN's
             scale starts at 1e-6 (official; `gcn_init_scale`), so every unit starts as its shortcut
      CTR-GC_k(x), with shared topology A_k (learnable `PA`, initialised from the graph) and scalar alpha:
             a = mean_t conv1(x), b = mean_t conv2(x)                (N, R, V), R = relation channels
                 (computed as conv1(mean_t x): the convs are 1x1, so the two are equal)
             Q = conv4( tanh(a[..., u, None] - b[..., None, v]) )     (N, C_out, V, V) channel-wise correlations
             out[n, c, t, u] = sum_v (alpha * Q[n, c, u, v] + A_k[u, v]) * conv3(x)[n, c, t, v]
             R = 8 for inputs of <= 16 channels, else C_in / 8 (the official rule gives 8 for 3 and 9 channels and
             C_in / 8 for the network's widths; it has no valid value for 2-channel input, where this one does)
      MS-TCN: 4 branches of C_out / 4 channels, concatenated: [1x1 conv, BN, ReLU, 5x1 conv dilation d, BN] for
             d = 1, 2; [1x1 conv, BN, ReLU, 3x1 max-pool, BN]; [1x1 conv (strided), BN]
    mean over T*V, then over the persons -> (N, 256) -> dropout (0 by default, as the official configs) -> fc

State-dict names are the official ones (identity converter "ctrgcn-official").  Input layouts and persons: see
`_gcn_input` (`input_layout="NMTVC"` canonical default, or `"NCTVM"` as upstream).
"""
from __future__ import annotations

import math

import torch
from einops import rearrange, reduce
from torch import nn

from .._builder import build_model_with_cfg
from .._pretrained import PretrainedCfg
from .._registry import register_model
from ..data import get_topology
from ._gcn_graph import ctrgcn_partition
from ._gcn_input import check_input_layout, describe_build, to_canonical_persons

__all__ = ["CTRGCN", "CTRGC", "UnitGCN", "MultiScaleTCN", "TCNGCNUnit"]

MODEL_FAMILY = "ctrgcn"

_PAPER = ("Chen, Zhang, Yuan, Li, Deng & Hu, Channel-wise Topology Refinement Graph Convolution for Skeleton-Based "
          "Action Recognition, ICCV 2021 (arXiv:2107.12213)")
_CODE = "github.com/Uason-Chen/CTR-GCN @ e13d7582e281d06711eeecb380a472b278ae1663"

default_cfgs = {
    "ctrgcn": PretrainedCfg(
        description="CTR-GCN, default configuration (joint stream; 4-stream ensembles combine separately trained "
                    "joint / bone / joint-motion / bone-motion models)",
        paper=_PAPER, official_code=_CODE,
        license="CC BY-NC 4.0 (official code); no weights (architecture only)",
        modality="skeleton", input_layout="NMTVC", input_size=(2, 64, 25, 3), in_chans=3, keypoint_format="ntu25",
        num_person=2, clip_len=64,
        frame_sampling="official: the valid frames (test: the central 95 %) resized to 64 by interpolation; "
                       "NW-UCLA 52 frames",
        num_classes=60, classifier="fc", first_conv=None, num_params=1_446_672,
        published_metrics={"ntu60_xsub": {"top1": 92.4}, "ntu60_xview": {"top1": 96.8},
                           "ntu120_xsub": {"top1": 88.9}, "ntu120_xset": {"top1": 90.6},
                           "nwucla": {"top1": 96.5}},
        published_source="Chen et al., ICCV 2021, comparison tables: 4-stream ensemble (joint, bone, joint motion, "
                         "bone motion); values as listed by Papers with Code for arXiv:2107.12213, not checked "
                         "against the PDF",
        # evaluation as the official test feeder: the central 95 % of the frames, linearly interpolated to the clip
        pipeline={"name": "skeleton_sequence", "normalization": "scene", "temporal": "interpolate",
                  "center_crop": 0.95, "stream_style": "gcn_feeder"},
        notes="official NTU recipe: SGD momentum 0.9, Nesterov, lr 0.1, weight decay 4e-4, 5 warm-up epochs, "
              "lr x0.1 at epochs 35 and 55 of 65, batch 64, random rotation; NW-UCLA: 1 person, 20 joints, "
              "weight decay 1e-4, step at 50, batch 16"),
}


def _conv_init(conv: nn.Conv2d) -> None:
    nn.init.kaiming_normal_(conv.weight, mode="fan_out")
    nn.init.zeros_(conv.bias)


def _bn_init(bn: nn.BatchNorm2d, scale: float) -> None:
    nn.init.constant_(bn.weight, scale)
    nn.init.zeros_(bn.bias)


class CTRGC(nn.Module):
    """One channel-wise topology refinement graph convolution (one adjacency subset).
    (N, C_in, T, V) -> (N, C_out, T, V)."""

    def __init__(self, in_chans: int, out_chans: int, rel_reduction: int = 8):
        super().__init__()
        rel = 8 if in_chans <= 16 else in_chans // rel_reduction
        self.conv1 = nn.Conv2d(in_chans, rel, 1)
        self.conv2 = nn.Conv2d(in_chans, rel, 1)
        self.conv3 = nn.Conv2d(in_chans, out_chans, 1)
        self.conv4 = nn.Conv2d(rel, out_chans, 1)
        for conv in (self.conv1, self.conv2, self.conv3, self.conv4):
            _conv_init(conv)

    def forward(self, x: torch.Tensor, A: torch.Tensor, alpha: torch.Tensor) -> torch.Tensor:
        # conv1 and conv2 are 1x1 (affine per joint), so the temporal mean of their outputs equals their output on
        # the temporal mean: the same numbers (up to rounding) for 1/T of the work and of the saved activations
        xm = x.mean(dim=-2, keepdim=True)                              # (N, C_in, 1, V)
        a = self.conv1(xm).squeeze(-2)                                 # (N, R, V)
        b = self.conv2(xm).squeeze(-2)
        rel = torch.tanh(a.unsqueeze(-1) - b.unsqueeze(-2))            # (N, R, V_u, V_v)
        topo = self.conv4(rel) * alpha + A                             # (N, C_out, V_u, V_v), A broadcast
        return torch.einsum("ncuv,nctv->nctu", topo, self.conv3(x))


class UnitGCN(nn.Module):
    """Sum of the K CTR-GCs, BN, a 1x1 shortcut when the widths differ, ReLU."""

    def __init__(self, in_chans: int, out_chans: int, A: torch.Tensor, adaptive: bool = True,
                 init_scale: float = 1e-6):
        super().__init__()
        self.convs = nn.ModuleList(CTRGC(in_chans, out_chans) for _ in range(A.shape[0]))
        if in_chans != out_chans:
            self.down = nn.Sequential(nn.Conv2d(in_chans, out_chans, 1), nn.BatchNorm2d(out_chans))
            _conv_init(self.down[0])
            _bn_init(self.down[1], 1.0)
        else:
            self.down = nn.Identity()
        if adaptive:
            self.PA = nn.Parameter(A.clone())      # shared topology, learned from the graph's initial value
        else:
            self.register_buffer("A", A.clone(), persistent=False)
        self.adaptive = adaptive
        self.alpha = nn.Parameter(torch.zeros(1))
        self.bn = nn.BatchNorm2d(out_chans)
        # official 1e-6: the unit starts as its shortcut, and the graph convolution grows in only as fast as the
        # optimiser moves this scale (AdamW at lr 1e-3 for 150 steps leaves it near 0.01: no joint mixing at all)
        _bn_init(self.bn, init_scale)
        self.relu = nn.ReLU()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        A = self.PA if self.adaptive else self.A
        y = sum(conv(x, A[k], self.alpha) for k, conv in enumerate(self.convs))
        return self.relu(self.bn(y) + self.down(x))


class TemporalConv(nn.Module):
    """(k x 1) temporal convolution with dilation and 'same' padding, then BN."""

    def __init__(self, in_chans: int, out_chans: int, kernel_size: int, stride: int = 1, dilation: int = 1):
        super().__init__()
        pad = (kernel_size + (kernel_size - 1) * (dilation - 1) - 1) // 2
        self.conv = nn.Conv2d(in_chans, out_chans, (kernel_size, 1), (stride, 1), (pad, 0), (dilation, 1))
        self.bn = nn.BatchNorm2d(out_chans)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.bn(self.conv(x))


class MultiScaleTCN(nn.Module):
    """Dilated temporal branches, a max-pool branch and a 1x1 branch, concatenated (no residual inside)."""

    def __init__(self, in_chans: int, out_chans: int, kernel_size: int = 5, stride: int = 1,
                 dilations: tuple[int, ...] = (1, 2)):
        super().__init__()
        num_branches = len(dilations) + 2
        if out_chans % num_branches:
            raise ValueError(f"MultiScaleTCN: out_chans={out_chans} must be a multiple of {num_branches} branches")
        bc = out_chans // num_branches
        branches = [nn.Sequential(nn.Conv2d(in_chans, bc, 1), nn.BatchNorm2d(bc), nn.ReLU(),
                                  TemporalConv(bc, bc, kernel_size, stride, d)) for d in dilations]
        branches.append(nn.Sequential(nn.Conv2d(in_chans, bc, 1), nn.BatchNorm2d(bc), nn.ReLU(),
                                      nn.MaxPool2d((3, 1), (stride, 1), (1, 0)), nn.BatchNorm2d(bc)))
        branches.append(nn.Sequential(nn.Conv2d(in_chans, bc, 1, (stride, 1)), nn.BatchNorm2d(bc)))
        self.branches = nn.ModuleList(branches)
        for m in self.modules():   # the official init of this module: He (fan-out) convs, BN scale N(1, 0.02)
            if isinstance(m, nn.Conv2d):
                _conv_init(m)
            elif isinstance(m, nn.BatchNorm2d):
                nn.init.normal_(m.weight, 1.0, 0.02)
                nn.init.zeros_(m.bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.cat([branch(x) for branch in self.branches], dim=1)


class ResidualTCN(nn.Module):
    """The unit shortcut when shapes change: 1x1 conv with temporal stride, then BN."""

    def __init__(self, in_chans: int, out_chans: int, stride: int = 1):
        super().__init__()
        self.conv = nn.Conv2d(in_chans, out_chans, 1, (stride, 1))
        self.bn = nn.BatchNorm2d(out_chans)
        _conv_init(self.conv)
        _bn_init(self.bn, 1.0)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.bn(self.conv(x))


class TCNGCNUnit(nn.Module):
    def __init__(self, in_chans: int, out_chans: int, A: torch.Tensor, stride: int = 1, residual: bool = True,
                 adaptive: bool = True, gcn_init_scale: float = 1e-6):
        super().__init__()
        self.gcn1 = UnitGCN(in_chans, out_chans, A, adaptive=adaptive, init_scale=gcn_init_scale)
        self.tcn1 = MultiScaleTCN(out_chans, out_chans, kernel_size=5, stride=stride, dilations=(1, 2))
        if not residual:
            self.residual = None
        elif in_chans == out_chans and stride == 1:
            self.residual = nn.Identity()
        else:
            self.residual = ResidualTCN(in_chans, out_chans, stride)
        self.relu = nn.ReLU()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.tcn1(self.gcn1(x))
        if self.residual is not None:
            y = y + self.residual(x)
        return self.relu(y)


# (in, out, temporal stride) of l1..l10; the first unit's input width is in_chans
_PLAN = ((None, 64, 1), (64, 64, 1), (64, 64, 1), (64, 64, 1), (64, 128, 2), (128, 128, 1), (128, 128, 1),
         (128, 256, 2), (256, 256, 1), (256, 256, 1))


class CTRGCN(nn.Module):
    def __init__(self, num_classes: int = 60, topology="ntu25", in_chans: int = 3, num_person: int = 2,
                 input_layout: str = "NMTVC", adaptive: bool = True, drop_rate: float = 0.0,
                 head_init_std: float | None = None, gcn_init_scale: float = 1e-6):
        super().__init__()
        if head_init_std is not None and not head_init_std > 0:
            raise ValueError(f"head_init_std must be > 0 (or None for the official sqrt(2 / num_classes)), "
                             f"got {head_init_std}")
        self.head_init_std = head_init_std
        self.topology = get_topology(topology)
        self.in_chans, self.num_person = in_chans, num_person
        self.input_layout = check_input_layout(input_layout)
        self.num_classes = num_classes
        A = torch.from_numpy(ctrgcn_partition(self.topology))              # (3, V, V)
        V = self.topology.num_joints
        self.data_bn = nn.BatchNorm1d(num_person * V * in_chans)
        _bn_init(self.data_bn, 1.0)
        self.layer_names = tuple(f"l{i}" for i in range(1, len(_PLAN) + 1))
        for i, (name, (cin, cout, stride)) in enumerate(zip(self.layer_names, _PLAN)):
            self.add_module(name, TCNGCNUnit(cin or in_chans, cout, A, stride, residual=i > 0, adaptive=adaptive,
                                             gcn_init_scale=gcn_init_scale))
        self.num_features = _PLAN[-1][1]
        self.drop = nn.Dropout(drop_rate)
        self.fc = self._new_head(num_classes)

    def _new_head(self, num_classes: int) -> nn.Module:
        if num_classes <= 0:
            return nn.Identity()
        fc = nn.Linear(self.num_features, num_classes)
        # official: N(0, sqrt(2 / K)); the bias keeps torch's init.  Its logits start large when K is small (K = 6:
        # an initial loss of 5-10 on unit-scale input, against ln 6 = 1.8), which adaptive optimisers take hundreds of
        # steps to undo; `head_init_std` sets another std (ST-GCN's official head init is 0.02)
        std = math.sqrt(2.0 / num_classes) if self.head_init_std is None else self.head_init_std
        nn.init.normal_(fc.weight, 0.0, std)
        return fc

    def forward_features(self, x: torch.Tensor) -> torch.Tensor:
        """Input in the model's layout -> (N, 256): mean over time, joints and persons of l10."""
        x = to_canonical_persons(x, self.input_layout, self.topology, self.in_chans, self.num_person, "CTRGCN")
        n, m = x.shape[:2]
        # one normalisation per (person slot, joint, channel): person 1 and person 2 have their own statistics
        x = self.data_bn(rearrange(x, "n m t v c -> n (m v c) t"))
        x = rearrange(x, "n (m v c) t -> (n m) c t v", m=m, c=self.in_chans)
        for name in self.layer_names:
            x = getattr(self, name)(x)                                     # (N*M, C', T', V)
        return reduce(x, "(n m) c t v -> n c", "mean", n=n, m=m)

    def forward_head(self, x: torch.Tensor, pre_logits: bool = False) -> torch.Tensor:
        x = self.drop(x)
        return x if pre_logits else self.fc(x)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.forward_head(self.forward_features(x))

    def get_classifier(self) -> nn.Module:
        return self.fc

    def reset_classifier(self, num_classes: int) -> None:
        self.num_classes = num_classes
        self.fc = self._new_head(num_classes)


@register_model
def ctrgcn(pretrained: bool = False, **kwargs) -> CTRGCN:
    """CTR-GCN, official default configuration (NTU: 25 joints, 2 persons; NW-UCLA: topology="kinect_v1_20",
    num_person=1, num_classes=10)."""
    model = build_model_with_cfg(CTRGCN, "ctrgcn", pretrained, **kwargs)
    describe_build(model)
    return model
