"""C3D (Tran et al., ICCV 2015): eight 3x3x3 convolutions, five max-pools, three fully connected layers.

Spec: video-models.md §2.  Module names equal those of the popular PyTorch port (DavideA/c3d-pytorch), so its
Sports-1M state dict maps 1:1 (converter `c3d-sports1m`).

pool5 (§2.3): the Sports-1M weights were trained in Caffe, which pools the 2x7x7 conv5b map to 1x4x4 in
ceil mode (spatial windows {0,1},{2,3},{4,5},{6}); that is our default `pool5="caffe"`.  The popular port
reaches the same 4x4 with -inf padding (0,1,1) instead (windows {0},{1,2},{3,4},{5,6}): `pool5="port"`
reproduces its numbers exactly.  Only fc6 onwards differs between the two.
"""
from __future__ import annotations

from typing import Sequence

import torch
import torch.nn.functional as F
from einops import rearrange
from torch import nn

from .._builder import build_model_with_cfg
from .._pretrained import PretrainedCfg, SourceFile
from .._registry import register_model
from ._blocks3d import resolve_feature_indices

__all__ = ["C3D", "c3d"]

MODEL_FAMILY = "c3d"

_PAPER = ("Tran, Bourdev, Fergus, Torresani, Paluri: Learning Spatiotemporal Features with 3D Convolutional "
          "Networks, ICCV 2015, arXiv:1412.0767")
_POOL5_DEVIATION = {
    "flag": "pool5", "default": "caffe", "upstream_value": "port",
    "description": "pool5 maps 2x7x7 to 1x4x4. 'caffe' (default) pools in ceil mode like the Caffe C3D that "
                   "trained these weights (spatial windows {0,1},{2,3},{4,5},{6}); 'port' pads (0,1,1) with -inf "
                   "like DavideA/c3d-pytorch (windows {0},{1,2},{3,4},{5,6}) and reproduces that port's outputs. "
                   "conv1..conv5b features are identical; fc6 onwards differ. 'adaptive' max-pools any conv5b map "
                   "to 1x4x4 (overlapping windows at 112x112), so fc6 accepts clips of other sizes (>= 16 frames "
                   "and pixels); no published model uses it.",
}
_LOGITS_DEVIATION = {
    "flag": None, "default": "logits", "upstream_value": "softmax probabilities",
    "description": "The DavideA port ends in a softmax; motionzoo returns logits (apply softmax(dim=1) yourself).",
}

# The input convention of the Sports-1M weights (spec §2.4, provisional): frames resized to 128x171 (H x W), a
# 112 crop (centre for evaluation), 16 consecutive frames, BGR, 0-255, minus the per-channel mean given in B, G, R
# order.  The architecture's cfg carries it too: its converter reads the same weights (checkpoint_path=).
_INPUT = dict(frame_sampling="consecutive", channel_order="bgr", value_range="0-255", mean=(90.0, 98.0, 102.0),
              std=(1.0, 1.0, 1.0),
              pipeline={"name": "video_clip", "resize": (128, 171), "sampling": "consecutive", "pixel_range": "0-255"})

default_cfgs = {
    "c3d": PretrainedCfg(
        paper=_PAPER, official_code="facebookarchive/C3D (Caffe); port DavideA/c3d-pytorch @ 1111ccf0de77cf1ba9f1027f7f065e889fc97169",
        license="unknown", modality="rgb", input_layout="NCTHW", in_chans=3, input_size=(3, 16, 112, 112),
        clip_len=16, num_classes=487, first_conv="conv1", classifier="fc8", num_params=79_991_015, gmacs=38.549,
        converter="c3d-sports1m",   # so checkpoint_path= accepts the port's c3d.pickle
        deviations=(_POOL5_DEVIATION, _LOGITS_DEVIATION), **_INPUT),
    "c3d.sports1m_caffe": PretrainedCfg(
        description="C3D trained on Sports-1M in Caffe by the authors, as converted to PyTorch by DavideA/c3d-pytorch",
        paper=_PAPER, official_code="facebookarchive/C3D (Caffe); port DavideA/c3d-pytorch @ 1111ccf0de77cf1ba9f1027f7f065e889fc97169",
        license="unknown",  # the port's code is MIT; no licence is stated for the Caffe-trained weights
        converted_from="c3d.pickle (DavideA/c3d-pytorch README link; sha256 not published) via converter c3d-sports1m",
        source_files=(SourceFile("c3d.pickle", urls=("http://imagelab.ing.unimore.it/files/c3d_pytorch/c3d.pickle",),
                                 sha256=None),),
        converter="c3d-sports1m",
        dataset="sports1m", num_classes=487, modality="rgb",
        input_layout="NCTHW", in_chans=3, input_size=(3, 16, 112, 112), clip_len=16, **_INPUT,
        first_conv="conv1", classifier="fc8", num_params=79_991_015, gmacs=38.549,
        deviations=(_POOL5_DEVIATION, _LOGITS_DEVIATION),
        notes="Input transform is provisional (spec video-models.md §2.4): resize to 128x171, centre crop 112, "
              "BGR, 0-255, subtract per-channel mean (90, 98, 102) given in B,G,R order. Whether Caffe C3D used "
              "the full Sports-1M mean clip instead is an open item. Upstream publishes no hash: the file is "
              "trusted on first download and its hash recorded beside it."),
}

# (name, in, out) of the eight convolutions; a pool follows conv1, conv2, conv3b, conv4b and conv5b.
_CONVS = (("conv1", None, 64), ("conv2", 64, 128), ("conv3a", 128, 256), ("conv3b", 256, 256),
          ("conv4a", 256, 512), ("conv4b", 512, 512), ("conv5a", 512, 512), ("conv5b", 512, 512))
_POOL_AFTER = {"conv1": "pool1", "conv2": "pool2", "conv3b": "pool3", "conv4b": "pool4", "conv5b": "pool5"}


class C3D(nn.Module):
    """C3D for N,C,T,H,W clips of 16x112x112.

    Args:
        num_classes: size of fc8 (487 for Sports-1M); 0 removes fc8 and `forward` returns the 4096-d fc7 features.
        in_chans: input channels of conv1.
        pool5: "caffe" (ceil-mode pooling, default), "port" (padding (0,1,1), as DavideA/c3d-pytorch) or
            "adaptive" (max-pool to 1x4x4 from any map: clips of other sizes than 16x112x112 reach fc6).
        drop_rate: dropout after fc6 and fc7 (training only).
        features_only: `forward` returns the list of post-ReLU conv1, conv2, conv3b, conv4b, conv5b maps.
        out_indices: which of those (indices or names; also "fc6") `features_only` returns.
    """

    def __init__(self, num_classes: int = 487, in_chans: int = 3, pool5: str = "caffe", drop_rate: float = 0.5,
                 features_only: bool = False, out_indices: Sequence[int | str] | None = None):
        super().__init__()
        if pool5 not in ("caffe", "port", "adaptive"):
            raise ValueError(f"pool5 must be 'caffe', 'port' or 'adaptive', got {pool5!r}")
        self.in_chans, self.num_classes, self.pool5_mode = in_chans, num_classes, pool5
        for name, cin, cout in _CONVS:
            setattr(self, name, nn.Conv3d(in_chans if cin is None else cin, cout, 3, padding=1))
        self.pool1 = nn.MaxPool3d((1, 2, 2), (1, 2, 2))
        self.pool2 = nn.MaxPool3d(2, 2)
        self.pool3 = nn.MaxPool3d(2, 2)
        self.pool4 = nn.MaxPool3d(2, 2)
        self.pool5 = {"caffe": lambda: nn.MaxPool3d(2, 2, ceil_mode=True),
                      "port": lambda: nn.MaxPool3d(2, 2, padding=(0, 1, 1)),
                      "adaptive": lambda: nn.AdaptiveMaxPool3d((1, 4, 4))}[pool5]()
        self.fc6 = nn.Linear(8192, 4096)
        self.fc7 = nn.Linear(4096, 4096)
        self.dropout = nn.Dropout(drop_rate)
        self.num_features = 4096
        self.fc8 = nn.Linear(4096, num_classes) if num_classes > 0 else nn.Identity()
        self.feature_info = [
            dict(name="conv1", num_chs=64, reduction_t=1, reduction_s=1),
            dict(name="conv2", num_chs=128, reduction_t=1, reduction_s=2),
            dict(name="conv3b", num_chs=256, reduction_t=2, reduction_s=4),
            dict(name="conv4b", num_chs=512, reduction_t=4, reduction_s=8),
            dict(name="conv5b", num_chs=512, reduction_t=8, reduction_s=16),
        ]
        self.features_only = features_only
        self.out_indices = out_indices
        self._init_weights()

    def _init_weights(self) -> None:
        """He-normal convolutions (fan-out, ReLU) and N(0, 0.01) fully connected layers, zero biases.  PyTorch's
        default (uniform, variance 1 / (3 fan_in)) shrinks the signal about 6x in variance at every ReLU layer: ten
        of them, no normalisation, and a network trained from scratch starts with no usable gradient (it could not
        fit one batch of synthetic clips).  Pretrained weights replace all of this."""
        for m in self.modules():
            if isinstance(m, nn.Conv3d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
                nn.init.zeros_(m.bias)
            elif isinstance(m, nn.Linear):
                nn.init.normal_(m.weight, 0.0, 0.01)
                nn.init.zeros_(m.bias)

    # -- input contract -----------------------------------------------------------------------------------
    def _pool5_size(self, t: int, h: int, w: int) -> tuple[int, int, int]:
        """(T, H, W) of the pool5 map for an input of (t, h, w), by the pools' arithmetic."""
        t, h, w = t // 2 // 2 // 2, h // 2 // 2 // 2 // 2, w // 2 // 2 // 2 // 2   # pool1 keeps T
        if self.pool5_mode == "adaptive":
            return 1, 4, 4
        if self.pool5_mode == "caffe":
            return (t + 1) // 2, (h + 1) // 2, (w + 1) // 2
        return t // 2, (h + 2) // 2, (w + 2) // 2

    def _check_input(self, x: torch.Tensor, need_fc: bool) -> None:
        if x.dim() != 5 or x.shape[1] != self.in_chans:
            raise ValueError(f"C3D expects a clip batch N,C,T,H,W with C={self.in_chans} (e.g. "
                             f"1x{self.in_chans}x16x112x112); got shape {tuple(x.shape)}")
        if min(x.shape[2:]) < 16:
            raise ValueError(f"C3D needs T >= 16 and H, W >= 16 (four 2x poolings); got N,C,T,H,W = {tuple(x.shape)}")
        if need_fc and self._pool5_size(*x.shape[2:]) != (1, 4, 4):
            raise ValueError(f"C3D's fc6 needs a 512x1x4x4 pool5 map, i.e. 16-frame 112x112 clips "
                             f"(N,C,T,H,W = N,{self.in_chans},16,112,112; pool5='adaptive' accepts other sizes); "
                             f"got {tuple(x.shape)}, which gives "
                             f"512x{'x'.join(map(str, self._pool5_size(*x.shape[2:])))}")

    # -- forward ------------------------------------------------------------------------------------------
    def _trunk(self, x: torch.Tensor, keep: set[str] | None = None) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
        taken = {}
        for name, _, _ in _CONVS:
            x = F.relu(getattr(self, name)(x))
            if keep is not None and name in keep:
                taken[name] = x
            if name in _POOL_AFTER:
                x = getattr(self, _POOL_AFTER[name])(x)
        return x, taken   # x: N x 512 x 1 x 4 x 4 at 16x112x112

    def forward_features(self, x: torch.Tensor) -> torch.Tensor:
        """pool5 map, N x 512 x 1 x 4 x 4."""
        self._check_input(x, need_fc=False)
        return self._trunk(x)[0]

    def _fc6(self, f: torch.Tensor) -> torch.Tensor:
        if f.shape[1:] != (512, 1, 4, 4):
            raise ValueError(f"C3D's head needs the pool5 map N x 512 x 1 x 4 x 4, got {tuple(f.shape)}")
        # (C, T, H, W) flatten order == Caffe blob order, so Caffe-derived fc6 rows need no permutation.
        return F.relu(self.fc6(rearrange(f, "n c t h w -> n (c t h w)")))

    def forward_head(self, f: torch.Tensor, pre_logits: bool = False) -> torch.Tensor:
        """pool5 map -> logits (N x num_classes); `pre_logits=True` gives the post-ReLU fc7 activation (N x 4096)."""
        x = F.relu(self.fc7(self.dropout(self._fc6(f))))
        x = self.dropout(x)
        return x if pre_logits else self.fc8(x)

    def forward_intermediates(self, x: torch.Tensor, indices: int | Sequence[int | str] | None = None,
                              intermediates_only: bool = False):
        """(pool5 map, [maps]) for the chosen levels of `feature_info` (post-ReLU, before pooling).

        `indices` may name levels; the extra name "fc6" gives the post-ReLU fc6 activation, the classic
        "C3D descriptor" (N x 4096; it needs 16x112x112 clips).
        """
        names = [f["name"] for f in self.feature_info]
        chosen = resolve_feature_indices(indices, names, extra=("fc6",))
        self._check_input(x, need_fc="fc6" in chosen)
        final, taken = self._trunk(x, set(chosen))
        if "fc6" in chosen:
            taken["fc6"] = self._fc6(final)
        maps = [taken[n] for n in chosen]
        return maps if intermediates_only else (final, maps)

    def forward(self, x: torch.Tensor):
        if self.features_only:
            return self.forward_intermediates(x, self.out_indices, intermediates_only=True)
        self._check_input(x, need_fc=True)
        return self.forward_head(self._trunk(x)[0])

    def get_classifier(self) -> nn.Module:
        return self.fc8

    def reset_classifier(self, num_classes: int) -> None:
        self.num_classes = num_classes
        self.fc8 = nn.Linear(self.num_features, num_classes) if num_classes > 0 else nn.Identity()
        if num_classes > 0:
            nn.init.normal_(self.fc8.weight, 0.0, 0.01)
            nn.init.zeros_(self.fc8.bias)


@register_model
def c3d(pretrained: bool = False, **kwargs) -> C3D:
    """C3D, 487-way Sports-1M head; `pool5="caffe"` (default) or `"port"`."""
    return build_model_with_cfg(C3D, "c3d", pretrained, **kwargs)
