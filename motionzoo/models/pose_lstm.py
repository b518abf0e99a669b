"""Pose-sequence LSTM of the Human-Pose-Classification project (IT-BillDeng, 2021; skeleton-models.md Part B).

One unidirectional LSTM layer (64 units) over per-frame pose vectors, the hidden state at the last valid step,
and a linear layer to the classes.  The released TensorFlow checkpoint converts exactly (`tf-pose-lstm`).

Input contract (N, T, F), float32, F = 68 by default, in the upstream feature order
**[joint v = 0..16][person m = 0, 1][channel c = x, y]** (skeleton-data.md §8.5 COCO-17 joints; the upstream arrays
are (C=3, T, V, M) and channels 0 and 2 are the image x and y, channel 1 is unused).  `hpc_features` builds this
vector from a canonical (N, M, T, V, C) batch.  A 5-D input with C = 2 is read as (x, y).  C = 3 means (x, y, score)
in canonical coco17 but (x, unused, y) in the upstream arrays, so the model does not guess: build it with
`xy_channels=(0, 1)` or `xy_channels=(0, 2)`, or it raises.  Upstream sequences are resampled to T = 350 frames by the data
pipeline's HPC resampling transform; the model itself accepts any T.

Variable lengths: pass `lengths` (N,) with the number of valid frames per sequence (left-aligned, zero-padded
at the end).  Because the LSTM is unidirectional and starts from a zero state, the output at step
`lengths - 1` does not depend on the padding after it, so the model runs the padded batch and gathers that
step — the same numbers as TF's `dynamic_rnn(sequence_length=...)` — without packing.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from einops import rearrange
from torch import nn

from .._builder import build_model_with_cfg
from .._pretrained import PretrainedCfg, SourceFile
from .._registry import register_model

__all__ = ["PoseLSTM", "hpc_features"]

MODEL_FAMILY = "pose_lstm"

_UPSTREAM_REPO = "IT-BillDeng/Human-Pose-Classification"
_UPSTREAM_COMMIT = "063197b41854843d4ecf036cf37138b9f5ab3043"


def _raw_url(path: str) -> str:
    return f"https://raw.githubusercontent.com/{_UPSTREAM_REPO}/{_UPSTREAM_COMMIT}/{path}"


_COMMON = dict(
    paper="Human-Pose-Classification (SYSU course project, 2021; no paper): LSTM over 2-person COCO-17 poses",
    official_code=f"github.com/{_UPSTREAM_REPO} @ {_UPSTREAM_COMMIT[:7]}",
    modality="skeleton", input_layout="NTF", input_size=(350, 68), in_chans=2, keypoint_format="coco17",
    num_person=2, clip_len=350, frame_sampling="hpc350 (upstream resampling to 350 frames, skeleton-models.md §B.4)",
    value_range="image coordinates as stored upstream (no centring or normalisation)",
    channel_order="feature order [joint 0..16][person 0, 1][x, y]",
    classifier="head", first_conv=None, num_params=34_373, pipeline={"name": "hpc_pose_features"},
)

default_cfgs = {
    "pose_lstm": PretrainedCfg(
        **_COMMON, license="MIT", num_classes=5,
        description="Unidirectional LSTM(64) over 68-d pose vectors, last valid step, linear head"),
    "pose_lstm.hpc5_2d": PretrainedCfg(
        **_COMMON,
        description="The released Human-Pose-Classification checkpoint, converted from TensorFlow",
        license="MIT (c) 2021 Bill Deng (upstream repository licence, covers the checkpoint)",
        converted_from=f"{_UPSTREAM_REPO} @ {_UPSTREAM_COMMIT}: model/my-model.{{index,data-00000-of-00001}} "
                       "(TF V2 checkpoint, data sha256 7f66e6b1...) via converter tf-pose-lstm",
        source_files=(
            SourceFile("checkpoint", urls=(_raw_url("model/checkpoint"),),
                       sha256="4af23b600970ee771b34293f4a86e2e1607abf1ba5220bf2e3471b96dbf7e0a1", size=73),
            SourceFile("my-model.index", urls=(_raw_url("model/my-model.index"),),
                       sha256="6e6306b689374369fdd82308fb48170d1e6f36122e758e3eca6f61f82b26dbc9", size=239),
            SourceFile("my-model.data-00000-of-00001", urls=(_raw_url("model/my-model.data-00000-of-00001"),),
                       sha256="7f66e6b1b865918315b77ff938cb553ab97fa98a6d4f25e7b601037374705422", size=137_492),
        ),
        converter="tf-pose-lstm",
        num_classes=5, categories=None,
        dataset="hpc5 (the project's 5-class two-person pose set, probably a UAV-Human subset; not public)",
        split="upstream train/test (test: 117 sequences, per class 27/27/27/26/10)",
        split_counts={"test": 117},
        recipe="upstream: full-batch gradient descent, lr 0.00268, 49,999 steps; checkpoint chosen on the test set",
        eval_protocol={"clips": 1, "crops": 1, "clip_len": 350, "sampling": "hpc350 resampling", "level": "video",
                       "notes": "published accuracy uses test-set checkpoint selection upstream"},
        published_metrics={"hpc5_test": {"top1": 74.36}},
        published_source="Human-Pose-Classification demo output with this checkpoint: 0.74358976 = 87/117 "
                         "(skeleton-models.md §B.8); not measured by motionzoo (test data not public)",
        deviations=({"flag": "forget_bias", "default": "folded into the gate bias", "upstream_value": 1.0,
                     "description": "TF BasicLSTMCell adds a constant 1.0 to the forget gate at run time; the "
                                    "converter adds it to the stored bias, so outputs are identical"},),
        notes="Class names are not published upstream; categories stay None.",
        default=True,
    ),
}


def hpc_features(x: torch.Tensor, channels: tuple[int, ...] = (0, 2)) -> torch.Tensor:
    """Canonical (N, M, T, V, C) -> (N, T, V*M*len(channels)) in the upstream order [joint][person][channel].

    The batched torch form of `motionzoo.data.transforms.hpc_frame_features` (one numpy sample); tests check
    that both agree.

    `channels` picks the coordinate channels: (0, 2) for the upstream 3-channel arrays, (0, 1) for plain
    (x, y) data.
    """
    if x.dim() != 5:
        raise ValueError(f"hpc_features expects N,M,T,V,C, got shape {tuple(x.shape)}")
    return rearrange(x[..., list(channels)], "n m t v c -> n t (v m c)")


class PoseLSTM(nn.Module):
    """LSTM(in_features -> hidden_size) -> h at the last valid step -> Linear(hidden_size -> num_classes).

    TF's BasicLSTMCell has one bias per gate, `nn.LSTM` two.  The single fused bias is kept as the last column
    of `lstm.weight_ih_l0`, fed by a constant-1 input feature: the parameter count is exactly the upstream
    model's (34,373 at the defaults) and the cuDNN kernel is used unchanged.  `gate_bias` exposes it.
    """

    def __init__(self, num_classes: int = 5, in_features: int | None = None, hidden_size: int = 64,
                 num_joints: int = 17, num_person: int = 2, in_chans: int = 2,
                 xy_channels: tuple[int, int] | None = None):
        super().__init__()
        if xy_channels is not None and (len(xy_channels) != in_chans or not all(0 <= c < 3 for c in xy_channels)):
            raise ValueError(f"xy_channels must name {in_chans} channels of a 3-channel input, e.g. (0, 1) for canonical "
                             f"coco17 (x, y, score) or (0, 2) for Human-Pose-Classification arrays (x, unused, y); "
                             f"got {xy_channels}")
        # which channels of a 5-D 3-channel input hold the coordinates (None: such input raises)
        self.xy_channels = None if xy_channels is None else tuple(int(c) for c in xy_channels)
        # in_features defaults to num_joints * num_person * in_chans; a different explicit value still works
        # for (N, T, F) input, but then canonical 5-D input is refused (its flattening would not fit)
        in_features = in_features or num_joints * num_person * in_chans
        self.num_classes = num_classes
        self.in_features = in_features
        self.hidden_size = hidden_size
        self.num_joints, self.num_person, self.in_chans = num_joints, num_person, in_chans
        self.num_features = hidden_size
        # input: (N, T, in_features + 1), the last feature being the constant 1 that carries the bias
        self.lstm = nn.LSTM(in_features + 1, hidden_size, num_layers=1, bias=False, batch_first=True)
        self.head = nn.Linear(hidden_size, num_classes) if num_classes > 0 else nn.Identity()

    @property
    def gate_bias(self) -> torch.Tensor:
        """The fused (4h,) gate bias in PyTorch gate order (i, f, g, o)."""
        return self.lstm.weight_ih_l0[:, -1]

    def _check(self, x: torch.Tensor) -> torch.Tensor:
        if x.dim() == 5:  # canonical N,M,T,V,C: build the upstream feature vector
            n, m, t, v, c = x.shape
            fits = self.num_joints * self.num_person * self.in_chans == self.in_features
            if not fits or m != self.num_person or v != self.num_joints or c not in (self.in_chans, 3):
                raise ValueError(f"pose_lstm expects N,T,F with F={self.in_features} or canonical N,M,T,V,C with "
                                 f"M={self.num_person}, V={self.num_joints}, C={self.in_chans} (or 3 with "
                                 f"xy_channels set); got {tuple(x.shape)}")
            if c == self.in_chans:
                channels = tuple(range(c))
            elif self.xy_channels is None:
                raise ValueError(f"pose_lstm got N,M,T,V,C = {tuple(x.shape)} with C=3, whose channel meaning it cannot "
                                 f"tell: build it with xy_channels=(0, 1) for canonical coco17 (x, y, score) or "
                                 f"xy_channels=(0, 2) for Human-Pose-Classification arrays (x, unused, y)")
            else:
                channels = self.xy_channels
            x = hpc_features(x, channels)
        if x.dim() != 3 or x.shape[-1] != self.in_features or x.shape[1] == 0:
            raise ValueError(f"pose_lstm expects N,T,F with F={self.in_features} "
                             f"([joint][person][x, y] order, T >= 1); got shape {tuple(x.shape)}")
        return x

    def forward_features(self, x: torch.Tensor, lengths: torch.Tensor | None = None) -> torch.Tensor:
        """(N, T, F) -> hidden state at the last valid step, (N, hidden_size)."""
        x = self._check(x)
        n, t, _ = x.shape
        out, _ = self.lstm(F.pad(x, (0, 1), value=1.0))          # (N, T, h)
        if lengths is None:
            return out[:, -1]
        lengths = torch.as_tensor(lengths, device=out.device).long()
        if lengths.shape != (n,) or bool((lengths < 1).any()) or bool((lengths > t).any()):
            raise ValueError(f"lengths must be (N,)={n} integers in [1, T={t}], got {lengths.tolist()}")
        return out[torch.arange(n, device=out.device), lengths - 1]

    def forward_head(self, x: torch.Tensor, pre_logits: bool = False) -> torch.Tensor:
        return x if pre_logits else self.head(x)

    def forward(self, x: torch.Tensor, lengths: torch.Tensor | None = None) -> torch.Tensor:
        return self.forward_head(self.forward_features(x, lengths))

    def get_classifier(self) -> nn.Module:
        return self.head

    def reset_classifier(self, num_classes: int) -> None:
        self.num_classes = num_classes
        self.head = nn.Linear(self.hidden_size, num_classes) if num_classes > 0 else nn.Identity()


@register_model
def pose_lstm(pretrained: bool = False, **kwargs) -> PoseLSTM:
    """Human-Pose-Classification LSTM: 17 COCO joints x 2 persons x (x, y) = 68 inputs, LSTM(64), 5 classes."""
    return build_model_with_cfg(PoseLSTM, "pose_lstm", pretrained, **kwargs)
