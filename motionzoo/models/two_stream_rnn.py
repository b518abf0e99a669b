"""Two-Stream RNN (Wang & Wang, CVPR 2017): temporal and spatial bidirectional-LSTM streams over skeletons, fused
late on their softmax posteriors (skeleton-models.md Part A).

Streams (all recurrent layers are bidirectional `nn.LSTM`s; h = hidden size per direction):

- temporal `stacked`       per frame the 3V coordinates in part order -> BiLSTM 512 -> BiLSTM 512 -> max over time
- temporal `hierarchical`  one BiLSTM 256 per body part -> concat (5 x 512) -> BiLSTM 512 -> max over time
- temporal `part_hier`     authors' 4 levels: part BiLSTM 64; [limb ; trunk] BiLSTM 128 (x4); arms / legs BiLSTM 256;
                           body BiLSTM 512 -> max over time
- spatial `chain` / `traversal`  steps over a joint sequence; the input at each step is that joint's coordinates over
                           a window of w frames (time-major, 3w values); BiLSTM 512 -> BiLSTM 512 -> max over the
                           steps -> one logit vector per window; stream logits = mean over the T/w windows
- `two_stream_rnn`         p = a * softmax(z_temporal) + (1 - a) * softmax(z_spatial), a = 0.9; returns log p

Every stream ends in dropout 0.5 -> Linear(1024 -> K).  Any topology of `motionzoo.data.get_topology` works:
it supplies the joint count, the 5 body parts (right arm, left arm, right leg, left leg, trunk), the chain and
the traversal.

Input: (N, T, V, C) or canonical (N, M, T, V, C), C = 3 by default, T = 100 after the authors' preprocessing
(two-centre normalisation, zero frames prepended: the cfg's `pipeline`, built by `motionzoo.resolve_transforms`).  Persons (`persons=`):

- `"per_body"` (default, the authors' protocol): one sample is one body.  A 5-D input with M > 1 is folded
  into the batch; `forward` then returns, per video, the log of the mean posterior over the bodies that are not
  all-zero (motionzoo's per-video evaluation, §A.10), while `forward_features` / `forward_head` keep the body
  axis: (N, M, ...).  M = 1 behaves exactly like a 4-D input.
- `"concat"`: the `num_person` bodies enter one sample together; each joint's input carries all persons'
  coordinates (person-major), so the input widths grow by `num_person` (e.g. SBU: 2 x 15 joints).  Fewer
  bodies than `num_person` are zero-filled.

Speed and lengths: no Python loop over time; every recurrence is one `nn.LSTM` call (cuDNN on GPU).  By default
nothing is masked: padded zero frames run through the LSTMs and take part in the max-pool, exactly as in the
authors' code.  Passing `lengths` (N,) for left-aligned, end-padded sequences packs the temporal stream
(`pack_padded_sequence`, every level shares one packing) and restricts its max to the valid steps; the spatial
stream's windows run over joints, not time, and always include all T/w windows (§A.4).
"""
from __future__ import annotations

import math
from typing import Sequence

import torch
import torch.nn.functional as F
from einops import rearrange
from torch import nn
from torch.nn.utils.rnn import PackedSequence, pack_padded_sequence, pad_packed_sequence

from .._builder import build_model_with_cfg
from .._pretrained import PretrainedCfg
from .._registry import register_model
from ..data import get_topology

__all__ = ["TemporalRNN", "SpatialRNN", "TwoStreamRNN"]

MODEL_FAMILY = "two_stream_rnn"

_PAPER = ("Wang & Wang, Modeling Temporal Dynamics and Spatial Configurations of Actions Using Two-Stream "
          "Recurrent Neural Networks, CVPR 2017 (arXiv:1704.02581)")
_CODE = "github.com/hongsong-wang/RNN-for-skeletons @ 7a90f89 (Lasagne; temporal stream only)"
_SURVEY = "Sun et al., Human Action Recognition from Various Data Modalities: A Review, TPAMI 2022, Table III"
_WYY27 = "quoted as the paper's value in the github.com/wyy27/Two-Stream-Recurrent-Neural-Networks README (unverified)"


def _cfg(num_params: int, description: str, classifier="head", **kw) -> PretrainedCfg:
    return PretrainedCfg(
        paper=_PAPER, official_code=_CODE, description=description,
        license="no weights (architecture only); the authors' code carries no licence file",
        modality="skeleton", input_layout="NTVC", input_size=(100, 25, 3), in_chans=3, keypoint_format="ntu25",
        num_person=1, clip_len=100, frame_sampling="first 100 frames; shorter sequences zero-padded at the front",
        skeleton_normalization="two_centre (authors', skeleton-models.md §A.7)",
        num_classes=60, classifier=classifier, first_conv=None, num_params=num_params,
        eval_protocol={"clips": 1, "crops": 1, "clip_len": 100, "sampling": "first 100 frames",
                       "level": "body-sequence (authors'); per-video = mean posterior over bodies"},
        pipeline={"name": "skeleton_sequence", "normalization": "two_centre", "temporal": "pad_front"},
        recipe="<arch>/ntu60 (motionzoo.recipes: the authors' recipe)", **kw)


# Counts at ntu25, 60 classes (skeleton-models.md §A.6); tests rebuild the models and check them.
default_cfgs = {
    "temporal_rnn_stacked": _cfg(8_773_692, "Temporal stream, stacked 2-layer BiLSTM(512) over all joints"),
    "temporal_rnn_hierarchical": _cfg(
        15_448_124, "Temporal stream, 5 part BiLSTMs(256) then a body BiLSTM(512) (authors' default)",
        published_metrics={"ntu60_xsub": {"top1": 67.8}}, published_source=_WYY27),
    "temporal_rnn_part_hier": _cfg(11_303_484, "Temporal stream, the authors' 4-level part hierarchy"),
    "spatial_rnn_chain": _cfg(8_773_692, "Spatial stream over the 26-step chain sequence, 25-frame windows"),
    "spatial_rnn_traversal": _cfg(
        8_773_692, "Spatial stream over the 47-step traversal sequence, 25-frame windows",
        published_metrics={"ntu60_xsub": {"top1": 55.2}}, published_source=_WYY27),
    "two_stream_rnn": _cfg(
        24_221_816, "Hierarchical temporal + traversal spatial stream, late fusion 0.9/0.1 of softmax posteriors",
        classifier=("temporal.head", "spatial.head"), num_streams=2,
        published_metrics={"ntu60_xsub": {"top1": 71.3}, "ntu60_xview": {"top1": 79.5}},
        published_source=f"{_SURVEY} (two-stream RNN with 3D transformation; not checked against the paper PDF)"),
}

_PERSON_MODES = ("per_body", "concat")


# -- sequences that may be packed ------------------------------------------------------------------------------
def _run(lstm: nn.LSTM, seq: torch.Tensor | PackedSequence) -> torch.Tensor | PackedSequence:
    return lstm(seq)[0]


def _cat(seqs: Sequence[torch.Tensor | PackedSequence]) -> torch.Tensor | PackedSequence:
    """Concatenate per-step features; packed sequences that share one packing concatenate their data."""
    if isinstance(seqs[0], PackedSequence):
        return seqs[0]._replace(data=torch.cat([s.data for s in seqs], dim=-1))
    return torch.cat(seqs, dim=-1)


def _max_over_time(seq: torch.Tensor | PackedSequence) -> torch.Tensor:
    if isinstance(seq, PackedSequence):
        seq, _ = pad_packed_sequence(seq, batch_first=True, padding_value=-math.inf)  # (B, T_max, D)
    return seq.amax(dim=1)


def _bilstm(in_size: int, hidden: int, num_layers: int = 1) -> nn.LSTM:
    return nn.LSTM(in_size, hidden, num_layers=num_layers, bidirectional=True, batch_first=True)


def _body_mask(x: torch.Tensor) -> torch.Tensor:
    """(N, M, T, V, C) -> (N, M) bool: bodies that are not all zeros."""
    return x.detach().flatten(2).ne(0).any(dim=-1)


def _pool_bodies(out: torch.Tensor, mask: torch.Tensor, is_log_posterior: bool | None) -> torch.Tensor:
    """Per-video output from per-body outputs (N, M, K): log of the mean posterior over the kept bodies.
    Identity heads (K = feature width, `is_log_posterior=None`) give the mean of the kept bodies' features."""
    mask = mask | ~mask.any(dim=1, keepdim=True)      # a video with only empty bodies keeps them all
    if is_log_posterior is None:
        w = mask.to(out.dtype).unsqueeze(-1)
        while w.dim() < out.dim():
            w = w.unsqueeze(-1)
        return (out * w).sum(1) / w.sum(1)
    logp = out if is_log_posterior else out.log_softmax(dim=-1)
    logp = logp.masked_fill(~mask.unsqueeze(-1), -math.inf)
    return torch.logsumexp(logp, dim=1) - mask.sum(1, keepdim=True).to(out.dtype).log()


class _SkeletonRNN(nn.Module):
    """Input checks and person handling shared by the streams."""

    def __init__(self, topology, in_chans: int, persons: str, num_person: int):
        super().__init__()
        if persons not in _PERSON_MODES:
            raise ValueError(f"persons={persons!r}; choose one of {_PERSON_MODES}")
        self.topology = get_topology(topology)
        self.in_chans = in_chans
        self.persons = persons
        self.num_person = num_person
        # bodies that enter one sample together: their coordinates are concatenated per joint
        self.bodies_per_sample = num_person if persons == "concat" else 1

    def _expected(self) -> str:
        return (f"N,T,V,C or N,M,T,V,C with V={self.topology.num_joints} ({self.topology.name}), C={self.in_chans}, T >= 1")

    def _check_input(self, x: torch.Tensor, window: int | None = None) -> None:
        name = type(self).__name__
        if x.dim() not in (4, 5):
            raise ValueError(f"{name} expects {self._expected()}; got shape {tuple(x.shape)}")
        t, v, c = x.shape[-3:]
        if v != self.topology.num_joints or c != self.in_chans or t == 0:
            raise ValueError(f"{name} expects {self._expected()}; got shape {tuple(x.shape)}"
                             + (" (did you pass N,C,T,V,M?)" if x.dim() == 5 and x.shape[1] == self.in_chans else ""))
        if x.dim() == 5 and self.persons == "concat" and x.shape[1] > self.num_person:
            raise ValueError(f"{name} was built for {self.num_person} persons (persons='concat'); got M={x.shape[1]} "
                             f"in shape {tuple(x.shape)}")
        if window is not None and t % window:
            raise ValueError(f"{name}: T={t} must be divisible by the window size {window}; got shape {tuple(x.shape)}")

    def _to_bodies(self, x: torch.Tensor, lengths) -> tuple[torch.Tensor, torch.Tensor | None, int]:
        """-> (B, P, T, V, C) with P = bodies_per_sample, lengths (B,) or None, and the number of bodies folded
        into the batch per video (1 unless per-body input with M > 1)."""
        n = x.shape[0]
        if lengths is not None:
            lengths = torch.as_tensor(lengths, dtype=torch.long).cpu()
            t = x.shape[-3]
            if lengths.shape != (n,) or bool((lengths < 1).any()) or bool((lengths > t).any()):
                raise ValueError(f"lengths must be (N,)={n} integers in [1, T={t}], got {lengths.tolist()}")
        if x.dim() == 4:
            x = x.unsqueeze(1)
        m = x.shape[1]
        if self.persons == "concat":
            if m < self.num_person:  # missing bodies are zero-filled (zoo-conventions §3.1)
                x = F.pad(x, (0, 0, 0, 0, 0, 0, 0, self.num_person - m))
            return x, lengths, 1
        x = rearrange(x, "n m t v c -> (n m) 1 t v c")
        if lengths is not None:
            lengths = lengths.repeat_interleave(m)
        return x, lengths, m

    def _unfold(self, f: torch.Tensor, folded: int) -> torch.Tensor:
        return f if folded == 1 else rearrange(f, "(n m) ... -> n m ...", m=folded)

    def _per_video(self, out: torch.Tensor, x: torch.Tensor, is_log_posterior: bool | None) -> torch.Tensor:
        if self.persons == "per_body" and x.dim() == 5 and x.shape[1] > 1:
            return _pool_bodies(out, _body_mask(x), is_log_posterior if self.num_classes > 0 else None)
        return out

    def forward(self, x: torch.Tensor, lengths=None) -> torch.Tensor:
        out = self.forward_head(self.forward_features(x, lengths))
        return self._per_video(out, x, is_log_posterior=False)

    def get_classifier(self) -> nn.Module:
        return self.head

    def reset_classifier(self, num_classes: int) -> None:
        self.num_classes = num_classes
        self.head = nn.Linear(self.num_features, num_classes) if num_classes > 0 else nn.Identity()


class TemporalRNN(_SkeletonRNN):
    """Temporal stream: BiLSTMs over frames.  Features: (N, 1024) = max over time of the top BiLSTM."""

    VARIANTS = ("stacked", "hierarchical", "part_hier")

    def __init__(self, num_classes: int = 60, topology="ntu25", variant: str = "hierarchical", in_chans: int = 3,
                 persons: str = "per_body", num_person: int = 2, drop_rate: float = 0.5):
        super().__init__(topology, in_chans, persons, num_person)
        if variant not in self.VARIANTS:
            raise ValueError(f"variant={variant!r}; choose one of {self.VARIANTS}")
        parts = self.topology.parts
        if variant != "stacked" and (parts is None or len(parts) != 5):
            raise ValueError(f"variant {variant!r} needs a 5-part topology (right arm, left arm, right leg, left leg, "
                             f"trunk); {self.topology.name!r} has parts={parts}")
        self.variant = variant
        self.num_classes = num_classes
        width = in_chans * self.bodies_per_sample           # input values per joint per frame
        # joints in part order (the authors' 75-vector for ntu25); topologies without parts keep their own order
        order = [j for p in parts for j in p] if parts else list(range(self.topology.num_joints))
        self.register_buffer("joint_order", torch.tensor(order), persistent=False)
        if parts:
            self.part_slices = [(sum(map(len, parts[:i])), sum(map(len, parts[:i + 1]))) for i in range(len(parts))]
        if variant == "stacked":
            self.rnn = _bilstm(width * len(order), 512, num_layers=2)   # no inter-layer dropout
        elif variant == "hierarchical":
            self.part_rnns = nn.ModuleList(_bilstm(width * len(p), 256) for p in parts)
            self.body_rnn = _bilstm(5 * 512, 512)
        else:
            self.part_rnns = nn.ModuleList(_bilstm(width * len(p), 64) for p in parts)
            self.limb_trunk_rnns = nn.ModuleList(_bilstm(2 * 128, 128) for _ in range(4))  # [limb ; trunk]
            self.arms_rnn = _bilstm(2 * 256, 256)
            self.legs_rnn = _bilstm(2 * 256, 256)
            self.body_rnn = _bilstm(2 * 512, 512)
        self.num_features = 1024
        self.head_drop = nn.Dropout(drop_rate)
        self.head = nn.Linear(self.num_features, num_classes) if num_classes > 0 else nn.Identity()

    def _sequence(self, x: torch.Tensor, lengths, start: int = 0, stop: int | None = None):
        """Per-frame vectors of the joints joint_order[start:stop], persons concatenated: (B, T, P*J*C)."""
        seq = rearrange(x[:, :, :, self.joint_order[start:stop]], "b p t v c -> b t (p v c)")
        if lengths is None:
            return seq
        return pack_padded_sequence(seq, lengths, batch_first=True, enforce_sorted=False)

    def forward_features(self, x: torch.Tensor, lengths=None) -> torch.Tensor:
        """-> (N, 1024), or (N, M, 1024) for per-body input with M > 1."""
        self._check_input(x)
        xb, lengths, folded = self._to_bodies(x, lengths)
        if self.variant == "stacked":
            top = _run(self.rnn, self._sequence(xb, lengths))
        else:
            parts = [_run(rnn, self._sequence(xb, lengths, a, b)) for rnn, (a, b) in zip(self.part_rnns, self.part_slices)]
            if self.variant == "hierarchical":
                top = _run(self.body_rnn, _cat(parts))
            else:
                trunk = parts[4]
                limbs = [_run(rnn, _cat([limb, trunk])) for rnn, limb in zip(self.limb_trunk_rnns, parts[:4])]
                arms = _run(self.arms_rnn, _cat(limbs[0:2]))
                legs = _run(self.legs_rnn, _cat(limbs[2:4]))
                top = _run(self.body_rnn, _cat([arms, legs]))
        return self._unfold(_max_over_time(top), folded)

    def forward_head(self, f: torch.Tensor, pre_logits: bool = False) -> torch.Tensor:
        f = self.head_drop(f)
        return f if pre_logits else self.head(f)


class SpatialRNN(_SkeletonRNN):
    """Spatial stream: a 2-layer BiLSTM over a joint sequence, per temporal window.
    Features: (N, T/w, 1024) = per window, the max over the sequence steps."""

    def __init__(self, num_classes: int = 60, topology="ntu25", sequence: str = "traversal", window: int = 25,
                 in_chans: int = 3, persons: str = "per_body", num_person: int = 2, drop_rate: float = 0.5):
        super().__init__(topology, in_chans, persons, num_person)
        if window < 1:
            raise ValueError(f"window must be >= 1, got {window}")
        self.sequence = sequence
        self.window = window
        self.num_classes = num_classes
        self.register_buffer("joint_sequence", torch.tensor(self.topology.sequence(sequence)), persistent=False)
        # per step: one joint over w frames (time-major), persons concatenated
        self.rnn = _bilstm(in_chans * window * self.bodies_per_sample, 512, num_layers=2)
        self.num_features = 1024
        self.head_drop = nn.Dropout(drop_rate)
        self.head = nn.Linear(self.num_features, num_classes) if num_classes > 0 else nn.Identity()

    def forward_features(self, x: torch.Tensor, lengths=None) -> torch.Tensor:
        """-> (N, T/w, 1024), or (N, M, T/w, 1024) for per-body input with M > 1.  `lengths` is checked but
        does not change the result (windows run over joints; every window counts, §A.4)."""
        self._check_input(x, self.window)
        xb, _, folded = self._to_bodies(x, lengths)
        b = xb.shape[0]
        steps = xb[:, :, :, self.joint_sequence]                                  # (B, P, T, L, C)
        seq = rearrange(steps, "b p (k w) l c -> (b k) l (p w c)", w=self.window)  # (B*K, L, P*w*C)
        f = _run(self.rnn, seq).amax(dim=1)                                       # (B*K, 1024)
        return self._unfold(rearrange(f, "(b k) d -> b k d", b=b), folded)

    def forward_head(self, f: torch.Tensor, pre_logits: bool = False) -> torch.Tensor:
        # mean of the window logits == Linear(mean of the (dropped-out) window features), also in training
        f = self.head_drop(f).mean(dim=-2)
        return f if pre_logits else self.head(f)


class TwoStreamRNN(nn.Module):
    """Temporal + spatial stream, fused as log(a * softmax(z_t) + (1 - a) * softmax(z_s)).

    `forward` returns that log-posterior (N, K): `F.nll_loss` on it is the joint training loss of §A.5 and its
    argmax the prediction.  `forward_streams` also returns both streams' logits (for auxiliary losses).
    `forward_features` returns the fused pre-logit features (N, 1 + T/w, 1024): row 0 the temporal stream's
    pooled features, rows 1.. the spatial stream's per-window features (N, M, 1 + T/w, 1024 for per-body input
    with M > 1).  `forward_head(f, pre_logits=True)` returns what enters the two Linear heads: (N, 2, 1024),
    [temporal ; spatial window mean], which is also what `forward` returns with `num_classes=0`.
    """

    def __init__(self, num_classes: int = 60, topology="ntu25", temporal: str = "hierarchical",
                 spatial: str = "traversal", fusion_weights: tuple[float, float] = (0.9, 0.1), window: int = 25,
                 in_chans: int = 3, persons: str = "per_body", num_person: int = 2, drop_rate: float = 0.5):
        super().__init__()
        a, b = (float(w) for w in fusion_weights)
        if a < 0 or b < 0 or abs(a + b - 1.0) > 1e-6:
            raise ValueError(f"fusion_weights must be two non-negative weights summing to 1, got {fusion_weights}")
        self.fusion_weights = (a, b)
        common = dict(num_classes=num_classes, topology=topology, in_chans=in_chans, persons=persons,
                      num_person=num_person, drop_rate=drop_rate)
        self.temporal = TemporalRNN(variant=temporal, **common)
        self.spatial = SpatialRNN(sequence=spatial, window=window, **common)
        self.num_classes = num_classes
        self.num_features = self.temporal.num_features

    def forward_features(self, x: torch.Tensor, lengths=None) -> torch.Tensor:
        ft = self.temporal.forward_features(x, lengths)     # (N, [M,] D)
        fs = self.spatial.forward_features(x, lengths)      # (N, [M,] T/w, D)
        return torch.cat([ft.unsqueeze(-2), fs], dim=-2)    # (N, [M,] 1 + T/w, D)

    def _stream_outputs(self, f: torch.Tensor, pre_logits: bool = False) -> tuple[torch.Tensor, torch.Tensor]:
        return (self.temporal.forward_head(f[..., 0, :], pre_logits),
                self.spatial.forward_head(f[..., 1:, :], pre_logits))

    def fuse(self, z_temporal: torch.Tensor, z_spatial: torch.Tensor) -> torch.Tensor:
        """log(a * softmax(z_t) + (1 - a) * softmax(z_s)), computed stably with logsumexp."""
        a, b = self.fusion_weights
        log_w = torch.tensor([a, b], dtype=z_temporal.dtype, device=z_temporal.device).log()  # log 0 = -inf is fine
        terms = torch.stack([z_temporal.log_softmax(-1), z_spatial.log_softmax(-1)]) + log_w.view(2, *([1] * z_temporal.dim()))
        return torch.logsumexp(terms, dim=0)

    def forward_head(self, f: torch.Tensor, pre_logits: bool = False) -> torch.Tensor:
        zt, zs = self._stream_outputs(f, pre_logits or self.num_classes == 0)
        if pre_logits or self.num_classes == 0:
            return torch.stack([zt, zs], dim=-2)           # (N, [M,] 2, D)
        return self.fuse(zt, zs)

    def forward_streams(self, x: torch.Tensor, lengths=None) -> dict[str, torch.Tensor]:
        """{"log_p": fused log-posterior, "temporal": logits, "spatial": logits}; per video for per-body M > 1
        input (each stream as the log of its mean posterior over kept bodies)."""
        f = self.forward_features(x, lengths)
        zt, zs = self._stream_outputs(f)
        pool = self.temporal._per_video
        return {"log_p": pool(self.fuse(zt, zs), x, True), "temporal": pool(zt, x, False), "spatial": pool(zs, x, False)}

    def forward(self, x: torch.Tensor, lengths=None) -> torch.Tensor:
        out = self.forward_head(self.forward_features(x, lengths))
        if self.num_classes == 0 and self.temporal.persons == "per_body" and x.dim() == 5 and x.shape[1] > 1:
            return _pool_bodies(out, _body_mask(x), None)
        return self.temporal._per_video(out, x, is_log_posterior=True)

    def get_classifier(self) -> dict[str, nn.Module]:
        return {"temporal": self.temporal.head, "spatial": self.spatial.head}

    def reset_classifier(self, num_classes: int) -> None:
        self.num_classes = num_classes
        self.temporal.reset_classifier(num_classes)
        self.spatial.reset_classifier(num_classes)


def _build(cls, arch: str, pretrained: bool, fixed: dict, kwargs: dict) -> nn.Module:
    # `fixed`: what the registered name promises (e.g. variant="stacked"); a caller cannot change it
    model = build_model_with_cfg(cls, arch, pretrained, fixed_kwargs=fixed, **kwargs)
    # The registered cfg describes the ntu25 default; a model built for another topology, channel count or person
    # mode carries a cfg that describes it instead.
    stream = model.temporal if isinstance(model, TwoStreamRNN) else model
    topo, c, t = stream.topology, stream.in_chans, model.pretrained_cfg.clip_len or 100
    concat = stream.persons == "concat"
    changes = dict(keypoint_format=topo.name, in_chans=c,
                   input_layout="NMTVC" if concat else "NTVC",
                   input_size=(stream.num_person, t, topo.num_joints, c) if concat else (t, topo.num_joints, c),
                   num_person=stream.num_person if concat else 1)
    cfg = model.pretrained_cfg
    if any(getattr(cfg, k) != v for k, v in changes.items()):
        model.pretrained_cfg = model.default_cfg = cfg.replace(**changes)
    return model


@register_model
def temporal_rnn_stacked(pretrained: bool = False, **kwargs) -> TemporalRNN:
    """Temporal stream, stacked: 2-layer BiLSTM(512) over the per-frame coordinate vector (authors' `whole`)."""
    return _build(TemporalRNN, "temporal_rnn_stacked", pretrained, {"variant": "stacked"}, kwargs)


@register_model
def temporal_rnn_hierarchical(pretrained: bool = False, **kwargs) -> TemporalRNN:
    """Temporal stream, hierarchical: part BiLSTMs(256) -> body BiLSTM(512) (authors' default `part`)."""
    return _build(TemporalRNN, "temporal_rnn_hierarchical", pretrained, {"variant": "hierarchical"}, kwargs)


@register_model
def temporal_rnn_part_hier(pretrained: bool = False, **kwargs) -> TemporalRNN:
    """Temporal stream, the authors' 4-level hierarchy (parts -> limb+trunk -> arms/legs -> body)."""
    return _build(TemporalRNN, "temporal_rnn_part_hier", pretrained, {"variant": "part_hier"}, kwargs)


@register_model
def spatial_rnn_chain(pretrained: bool = False, **kwargs) -> SpatialRNN:
    """Spatial stream over the topology's chain sequence (arms, trunk, legs), windows of 25 frames."""
    return _build(SpatialRNN, "spatial_rnn_chain", pretrained, {"sequence": "chain"}, kwargs)


@register_model
def spatial_rnn_traversal(pretrained: bool = False, **kwargs) -> SpatialRNN:
    """Spatial stream over the topology's traversal sequence (tree walk), windows of 25 frames."""
    return _build(SpatialRNN, "spatial_rnn_traversal", pretrained, {"sequence": "traversal"}, kwargs)


@register_model
def two_stream_rnn(pretrained: bool = False, **kwargs) -> TwoStreamRNN:
    """Hierarchical temporal + traversal spatial stream, late fusion of softmax posteriors (0.9 / 0.1)."""
    return _build(TwoStreamRNN, "two_stream_rnn", pretrained, {}, kwargs)
