"""SMnet: Spatiotemporal Multimodal Network for dynamic gesture recognition (Ho & Hsu, ETH 2019).

Spec: video-models.md §3.  Clean-room implementation (upstream ships no licence and no weights).

Per sample, each modality is a zero-padded frame sequence N,C,T,H,W (80x80 frames); it is cut into K
non-overlapping 16-frame clips (§3.3).  Every clip goes through a C3D-style trunk with BatchNorm (§3.4): RGB
conv1..conv5b, depth and skeleton-image conv1..conv4b (conv5 removed), each ending at 512x1x3x3.  A small
head per trunk embeds the clip (§3.5: RGB 256, depth 128, skeleton 128 -> 512 per clip), a bidirectional LSTM
with attention over its last 5 outputs runs over the clips (§3.6), and a linear layer gives logits per clip
(§3.7).  The prediction is the mean of the logits over each sample's valid clips.

Upstream quirks are fixed by default, each behind a flag that restores it (§3.10): the builder keywords
`lstm_dropout_in_eval`, `freeze_trunk_bn_affine`, `prediction`, `clip_count`, and the training recipe's
`param_groups_kwargs.trunk_weight_decay` (param-group rule "smnet", motionzoo.recipes.param_groups).  The training
loss (per-clip cross-entropy, §3.7) is the recipe loss "smnet" (motionzoo.recipes.video_losses).
"""
from __future__ import annotations

import math
from typing import Mapping, NamedTuple, Sequence

import torch
import torch.nn.functional as F
from einops import rearrange
from torch import nn

from .._builder import build_model_with_cfg
from .._pretrained import PretrainedCfg
from .._registry import register_model
from ._blocks3d import BN_EPS, BN_MOMENTUM, resolve_feature_indices

__all__ = ["SMnet", "SMnetFeatures", "smnet", "MODALITIES", "CLIP_LEN"]

MODEL_FAMILY = "smnet"

MODALITIES = ("rgb", "depth", "skeleton")   # also the order of the fused per-clip feature
CLIP_LEN = 16

_DEVIATIONS = (
    {"flag": "lstm_dropout_in_eval", "default": False, "upstream_value": True,
     "description": "Upstream's LSTM dropout wrapper (p = 0.3 on cell input and output) stays active at "
                    "validation and test time, so its predictions are stochastic. motionzoo applies it only in "
                    "train() mode; eval() is deterministic."},
    {"flag": "freeze_trunk_bn_affine", "default": False, "upstream_value": True,
     "description": "Upstream never optimises the trunk BatchNorm scale/shift (they stay 1/0; running statistics "
                    "do update). motionzoo makes them trainable, in the main learning-rate group. True builds the "
                    "trunk BN with affine=False (12,416 fewer parameters)."},
    {"flag": "trunk_weight_decay", "default": 5e-4, "upstream_value": 0.0,
     "description": "Upstream collects 5e-4 weight-decay terms for the trunk conv kernels but never adds them to "
                    "the loss. motionzoo applies L2 weight decay 5e-4 to the conv kernels of all three trunks, "
                    "coupled as in Adam's weight_decay (a keyword of the recipe's param-group rule 'smnet', "
                    "motionzoo.recipes.param_groups); the exact form upstream intended is unknown."},
    {"flag": "prediction", "default": "masked_mean", "upstream_value": "upstream",
     "description": "Upstream divides the masked sum of clip logits by the batch's padded clip count K (argmax "
                    "unchanged, softmax temperature depends on the batch); motionzoo divides by the sample's own "
                    "valid clip count. Identical at batch size 1."},
    {"flag": "clip_count", "default": "upstream", "upstream_value": "upstream",
     "description": "Valid clips per sample L = len // 16 + 1 (upstream; a sequence whose length is a multiple of "
                    "16 gets one clip of pure padding). 'ceil' uses ceil(len / 16) and pads the batch only to a "
                    "multiple of 16."},
    {"flag": "trunk_pool", "default": "ceil", "upstream_value": "ceil",
     "description": "'ceil' (upstream): the last trunk pool is a 2x2x2 ceil-mode max-pool, which gives the 3x3 map "
                    "of the 4608-d clip embedding only for 65..96-pixel frames. 'adaptive' max-pools the trunk's "
                    "last map to 1x3x3 instead, so smaller frames (>= 16 pixels) fit the same embedding; not an "
                    "upstream configuration (used for small synthetic inputs)."},
)

default_cfgs = {
    "smnet": PretrainedCfg(
        paper="Ho, Hsu: SMnet: Spatiotemporal Multimodal Network for dynamic gesture recognition (ETH Zurich "
              "course project, 2019)",
        official_code="azuxmioy/SMnet (TensorFlow 1.12; commit not pinned)",
        license="unknown (upstream has no licence file; motionzoo's implementation is clean-room, no weights)",
        init_from="c3d.sports1m_caffe (trunk convolutions; SMnet.load_c3d_trunks)",
        dataset="chalearn2013_gesture_resplit", num_classes=20, modality="multimodal", num_streams=3,
        split_counts={"train": 5722, "validation": 1765, "test": 2174},
        input_layout="NCTHW", in_chans=3, input_size=(3, 32, 80, 80), clip_len=CLIP_LEN,
        channel_order="bgr", value_range="rgb/skeleton: per-sample standardised; depth: masked, [0, 1]",
        pipeline={"name": "smnet"},
        keypoint_format="kinect_v1_20", first_conv=None, classifier="head",
        num_params=60_056_980, gmacs=172.541,   # 3 modalities x 1x3x32x80x80 -> K = 3 clips
        published_metrics={"smnet_gesture_test_hidden": {"top1": 88.04},
                           "smnet_gesture_test_hidden_ensemble5": {"top1": 91.26}},
        published_source="azuxmioy/SMnet README (single model 1559977294 ckpt 82280; 5-model softmax ensemble); "
                         "hidden-label test set, not reproducible",
        deviations=_DEVIATIONS,
        notes="Input: a dict {'rgb', 'depth', 'skeleton': N,3,T,80,80 zero-padded to the longest sequence, "
              "'lengths': (N,) frame counts}; see model_cards/smnet.md for the per-modality preprocessing."),
}

# (name, in, out); depth and skeleton trunks stop after conv4b.
_TRUNK_CONVS = (("conv1", None, 64), ("conv2", 64, 128), ("conv3a", 128, 256), ("conv3b", 256, 256),
                ("conv4a", 256, 512), ("conv4b", 512, 512), ("conv5a", 512, 512), ("conv5b", 512, 512))
_EMBED_DIMS = {"rgb": 256, "depth": 128, "skeleton": 128}


class ConvBNReLU3d(nn.Module):
    """3x3x3 conv (stride 1, pad 1, bias) -> BatchNorm3d (TF defaults) -> ReLU."""

    def __init__(self, cin: int, cout: int, bn_affine: bool = True):
        super().__init__()
        self.conv = nn.Conv3d(cin, cout, 3, padding=1)
        self.bn = nn.BatchNorm3d(cout, eps=BN_EPS, momentum=BN_MOMENTUM, affine=bn_affine)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.relu(self.bn(self.conv(x)))


class SMnetTrunk(nn.Module):
    """C3D plan with BN; every pool is TF-SAME (= ceil mode, no padding).  16x80x80 -> 512x1x3x3.
    `last_pool="adaptive"`: the final pool max-pools to 1x3x3 from any map (frames other than 65..96 pixels)."""

    def __init__(self, in_chans: int = 3, with_conv5: bool = True, bn_affine: bool = True, last_pool: str = "ceil"):
        super().__init__()
        convs = _TRUNK_CONVS if with_conv5 else _TRUNK_CONVS[:6]
        self.conv_names = tuple(name for name, _, _ in convs)
        for name, cin, cout in convs:
            self.add_module(name, ConvBNReLU3d(in_chans if cin is None else cin, cout, bn_affine))
        self.pool1 = nn.MaxPool3d((1, 2, 2), (1, 2, 2), ceil_mode=True)
        self.pool = nn.MaxPool3d(2, 2, ceil_mode=True)   # pool2..pool5 (parameter-free, shared)
        self.last_pool = self.pool if last_pool == "ceil" else nn.AdaptiveMaxPool3d((1, 3, 3))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.pool1(self.conv1(x))
        x = self.pool(self.conv2(x))
        x = self.pool(self.conv3b(self.conv3a(x)))
        x = self.pool(self.conv4b(self.conv4a(x)))
        if "conv5b" in self.conv_names:
            x = self.conv5b(self.conv5a(x))
        return self.last_pool(x)   # without conv5: pool4 and pool5 back to back


class ClipEmbedding(nn.Module):
    """Dropout(0.3) -> Linear(4608 -> d) -> BatchNorm1d -> LeakyReLU(0.2)."""

    def __init__(self, in_features: int, dim: int, drop_rate: float = 0.3):
        super().__init__()
        self.drop = nn.Dropout(drop_rate)
        self.fc = nn.Linear(in_features, dim)
        self.bn = nn.BatchNorm1d(dim, eps=BN_EPS, momentum=BN_MOMENTUM)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.leaky_relu(self.bn(self.fc(self.drop(x))), 0.2)


class AttentionLSTMCell(nn.Module):
    """One direction: LSTM (TF gate order i, j, f, o; forget bias +1 at run time) wrapped with attention over
    a window of its last `attn_length` outputs (TF contrib AttentionCellWrapper semantics, spec §3.6)."""

    def __init__(self, input_size: int, hidden_size: int = 256, attn_length: int = 5, attn_size: int = 256,
                 attn_vec_size: int = 256, forget_bias: float = 1.0):
        super().__init__()
        self.hidden_size, self.attn_length, self.attn_size = hidden_size, attn_length, attn_size
        self.forget_bias = forget_bias
        self.input_proj = nn.Linear(input_size + attn_size, input_size)            # [x ; a] -> x~
        self.lstm = nn.Linear(input_size + hidden_size, 4 * hidden_size)          # [x~ ; h] -> i, j, f, o
        self.attn_hidden = nn.Linear(attn_size, attn_vec_size, bias=False)        # window entries
        self.attn_v = nn.Parameter(torch.zeros(attn_vec_size))
        self.attn_query = nn.Linear(2 * hidden_size, attn_vec_size)               # [c ; h]
        self.output_proj = nn.Linear(hidden_size + attn_size, attn_size)          # [o ; a] -> y

    def init_state(self, n: int, like: torch.Tensor):
        z = like.new_zeros
        return (z(n, self.hidden_size), z(n, self.hidden_size), z(n, self.attn_size),
                z(n, self.attn_length, self.attn_size))

    def forward(self, x: torch.Tensor, state):
        c, h, attn, window = state
        x = self.input_proj(torch.cat([x, attn], dim=1))
        i, j, f, o = self.lstm(torch.cat([x, h], dim=1)).chunk(4, dim=1)
        c = torch.sigmoid(f + self.forget_bias) * c + torch.sigmoid(i) * torch.tanh(j)
        h = torch.sigmoid(o) * torch.tanh(c)
        # Attention over the window of previous outputs, queried by the new LSTM state [c ; h].
        query = self.attn_query(torch.cat([c, h], dim=1))                                   # N x V
        scores = (self.attn_v * torch.tanh(self.attn_hidden(window) + query[:, None])).sum(-1)  # N x L
        attn = (scores.softmax(dim=1)[..., None] * window).sum(dim=1)                       # N x A
        y = self.output_proj(torch.cat([h, attn], dim=1))                                   # N x A
        window = torch.cat([window[:, 1:], y[:, None]], dim=1)
        return y, (c, h, attn, window)


class SMnetFeatures(NamedTuple):
    sequence: torch.Tensor       # N x K x 512, BiLSTM outputs per clip (zero past each sample's clips)
    clip_lengths: torch.Tensor   # N, valid clips per sample (L_i)


class SMnet(nn.Module):
    """SMnet on a dict of modalities.

    Input: {"rgb": N,3,T,H,W, "depth": N,3,T,H,W, "skeleton": N,3,T,H,W, "lengths": (N,) frames (optional)}
    for the selected `modalities`; frames zero-padded to a common T; H, W in 65..96 (80 upstream).

    Args:
        num_classes: 20 for the ChaLearn gesture re-split; 0 -> `forward` returns 512-d features.
        modalities: any non-empty subset of ("rgb", "depth", "skeleton"); the fused clip feature has
            256/128/128 dims per modality in that order.
        lstm_dropout_in_eval, freeze_trunk_bn_affine, prediction, clip_count: §3.10 flags.
        trunk_pool: "ceil" (upstream, 65..96-pixel frames) or "adaptive" (any frame size >= 16 pixels).
        features_only / out_indices: `forward` returns the chosen `feature_info` levels (see
            `forward_intermediates`).
    """

    def __init__(self, num_classes: int = 20, in_chans: int = 3, modalities: Sequence[str] = MODALITIES,
                 hidden_size: int = 256, attn_length: int = 5, drop_rate: float = 0.3, lstm_drop_rate: float = 0.3,
                 lstm_dropout_in_eval: bool = False, freeze_trunk_bn_affine: bool = False,
                 prediction: str = "masked_mean", clip_count: str = "upstream", trunk_pool: str = "ceil",
                 features_only: bool = False, out_indices: Sequence[int | str] | None = None):
        super().__init__()
        modalities = tuple(modalities)
        if not modalities or any(m not in MODALITIES for m in modalities) or len(set(modalities)) != len(modalities):
            raise ValueError(f"modalities must be a non-empty subset of {MODALITIES}, got {modalities!r}")
        if prediction not in ("masked_mean", "upstream"):
            raise ValueError(f"prediction must be 'masked_mean' or 'upstream', got {prediction!r}")
        if clip_count not in ("upstream", "ceil"):
            raise ValueError(f"clip_count must be 'upstream' or 'ceil', got {clip_count!r}")
        if trunk_pool not in ("ceil", "adaptive"):
            raise ValueError(f"trunk_pool must be 'ceil' or 'adaptive', got {trunk_pool!r}")
        self.modalities = tuple(m for m in MODALITIES if m in modalities)
        self.in_chans, self.num_classes = in_chans, num_classes
        self.lstm_drop_rate, self.lstm_dropout_in_eval = lstm_drop_rate, lstm_dropout_in_eval
        self.prediction, self.clip_count, self.trunk_pool = prediction, clip_count, trunk_pool
        self.trunks = nn.ModuleDict({m: SMnetTrunk(in_chans, with_conv5=(m == "rgb"), bn_affine=not freeze_trunk_bn_affine,
                                                   last_pool=trunk_pool) for m in self.modalities})
        self.embeds = nn.ModuleDict({m: ClipEmbedding(512 * 3 * 3, _EMBED_DIMS[m], drop_rate)
                                     for m in self.modalities})
        fused = sum(_EMBED_DIMS[m] for m in self.modalities)                   # 512 with all three
        self.rnn_fw = AttentionLSTMCell(fused, hidden_size, attn_length, hidden_size, hidden_size)
        self.rnn_bw = AttentionLSTMCell(fused, hidden_size, attn_length, hidden_size, hidden_size)
        self.num_features = 2 * hidden_size
        self.head_drop = nn.Dropout(drop_rate)
        self.head = nn.Linear(self.num_features, num_classes) if num_classes > 0 else None
        # Clip-level levels (K = clips per sample): trunk maps at T/16, H/32 (rounded up), then 1-D features.
        self.feature_info = [dict(name=f"{m}_trunk", num_chs=512, reduction_t=CLIP_LEN, reduction_s=32)
                             for m in self.modalities]
        self.feature_info += [dict(name="fused", num_chs=fused, reduction_t=CLIP_LEN, reduction_s=None),
                              dict(name="temporal", num_chs=self.num_features, reduction_t=CLIP_LEN, reduction_s=None)]
        self.features_only, self.out_indices = features_only, out_indices
        self._init_new_layers()

    def _init_new_layers(self) -> None:
        """Glorot-normal weights and zero biases outside the trunks (trunks come from C3D)."""
        for name, mod in self.named_modules():
            if name.startswith("trunks"):
                continue
            if isinstance(mod, nn.Linear):
                nn.init.xavier_normal_(mod.weight)
                if mod.bias is not None:
                    nn.init.zeros_(mod.bias)
        for cell in (self.rnn_fw, self.rnn_bw):
            nn.init.xavier_normal_(cell.attn_v.data.view(1, -1))

    # -- initialisation ---------------------------------------------------------------------------------------
    @torch.no_grad()
    def load_c3d_trunks(self, c3d_state_dict: Mapping[str, torch.Tensor]) -> list[str]:
        """Copy C3D conv weights/biases (our `c3d` key names, e.g. from `c3d.sports1m_caffe`) into the trunks:
        conv1..conv5b for RGB, conv1..conv4b for depth and skeleton.  Returns the keys written."""
        written = []
        for m, trunk in self.trunks.items():
            for conv in trunk.conv_names:
                for p in ("weight", "bias"):
                    src, dst = c3d_state_dict[f"{conv}.{p}"], getattr(getattr(trunk, conv).conv, p)
                    if src.shape != dst.shape:
                        raise ValueError(f"C3D {conv}.{p} has shape {tuple(src.shape)}, SMnet trunk {m} needs "
                                         f"{tuple(dst.shape)}")
                    dst.copy_(src)
                    written.append(f"trunks.{m}.{conv}.conv.{p}")
        return written

    # -- input contract -----------------------------------------------------------------------------------
    def _check_inputs(self, inputs: Mapping[str, torch.Tensor]) -> tuple[int, int, torch.Tensor]:
        if not isinstance(inputs, Mapping):
            raise TypeError(f"SMnet expects a dict {{{', '.join(repr(m) for m in self.modalities)}, 'lengths'}} of "
                            f"N,C,T,H,W tensors, got {type(inputs).__name__}")
        missing = [m for m in self.modalities if m not in inputs]
        if missing:
            raise ValueError(f"SMnet(modalities={self.modalities}) input lacks {missing}; got keys {sorted(inputs)}")
        ref = inputs[self.modalities[0]]
        for m in self.modalities:
            x = inputs[m]
            if x.dim() != 5 or x.shape[1] != self.in_chans or x.shape[0] != ref.shape[0] or x.shape[2] != ref.shape[2]:
                raise ValueError(f"SMnet input {m!r}: expected N,C,T,H,W with C={self.in_chans} and the same N, T "
                                 f"for every modality (first: {tuple(ref.shape)}); got {tuple(x.shape)}")
            h, w = x.shape[3:]
            if self.trunk_pool == "ceil" and not (65 <= h <= 96 and 65 <= w <= 96):
                raise ValueError(f"SMnet input {m!r}: H and W must be in 65..96 (80x80 frames, 5 ceil-mode "
                                 f"poolings to 3x3 for the 4608-d clip embedding; trunk_pool='adaptive' accepts "
                                 f"other sizes); got N,C,T,H,W = {tuple(x.shape)}")
            if min(h, w) < 16:
                raise ValueError(f"SMnet input {m!r}: H and W must be >= 16; got N,C,T,H,W = {tuple(x.shape)}")
        n, t = ref.shape[0], ref.shape[2]
        lengths = inputs.get("lengths")
        if lengths is None:
            lengths = torch.full((n,), t, dtype=torch.long, device=ref.device)
        lengths = torch.as_tensor(lengths, device=ref.device).long().reshape(-1)
        if lengths.numel() != n:
            raise ValueError(f"SMnet 'lengths' must hold N={n} frame counts in 1..T={t}; got {lengths.tolist()}")
        # the range check reads the values: eager only (a traced graph cannot branch on them; export keeps lengths
        # as an input)
        if not torch.compiler.is_compiling() and ((lengths < 1).any() or (lengths > t).any()):
            raise ValueError(f"SMnet 'lengths' must hold N={n} frame counts in 1..T={t}; got {lengths.tolist()}")
        return n, t, lengths

    def num_clips(self, t: int) -> int:
        """Clips K of a padded batch with T frames (upstream always adds 1..16 padding frames)."""
        return t // CLIP_LEN + 1 if self.clip_count == "upstream" else math.ceil(t / CLIP_LEN)

    def clip_lengths(self, lengths: torch.Tensor) -> torch.Tensor:
        """Valid clips per sample: len // 16 + 1 (upstream) or ceil(len / 16)."""
        if self.clip_count == "upstream":
            return lengths // CLIP_LEN + 1
        return (lengths + CLIP_LEN - 1) // CLIP_LEN

    # -- forward ------------------------------------------------------------------------------------------
    def _lstm_dropout(self, x: torch.Tensor) -> torch.Tensor:
        active = self.training or self.lstm_dropout_in_eval
        return F.dropout(x, self.lstm_drop_rate, training=active) if self.lstm_drop_rate > 0 else x

    def _run_direction(self, cell: AttentionLSTMCell, x: torch.Tensor, clip_lengths: torch.Tensor,
                       reverse: bool) -> torch.Tensor:
        """x: N x K x D -> N x K x A; steps at or past a sample's clip count output zeros (TF dynamic_rnn)."""
        n, k, _ = x.shape
        steps = torch.arange(k, device=x.device)
        valid = steps[None] < clip_lengths[:, None]                                    # N x K
        if reverse:
            # Reverse each sample's valid prefix only (tf.reverse_sequence); the map is its own inverse.
            order = torch.where(valid, clip_lengths[:, None] - 1 - steps[None], steps[None])
            x = x.gather(1, order[..., None].expand_as(x))
        state = cell.init_state(n, x)
        outputs = []
        for step in range(k):
            y, new_state = cell(self._lstm_dropout(x[:, step]), state)
            keep = valid[:, step]
            # Past its length a sample's state is frozen, as in TF's dynamic_rnn.
            state = tuple(torch.where(keep.view(-1, *([1] * (new.dim() - 1))), new, old)
                          for new, old in zip(new_state, state))
            outputs.append(self._lstm_dropout(y))
        out = torch.stack(outputs, dim=1) * valid[..., None]
        if reverse:
            out = out.gather(1, order[..., None].expand_as(out))
        return out

    def _forward(self, inputs: Mapping[str, torch.Tensor], keep: set[str] | None = None):
        n, t, lengths = self._check_inputs(inputs)
        k = self.num_clips(t)
        clip_lengths = self.clip_lengths(lengths)
        taken, embedded = {}, []
        for m in self.modalities:
            x = F.pad(inputs[m], (0, 0, 0, 0, 0, k * CLIP_LEN - t))                   # zero frames at the end
            clips = rearrange(x, "n c (k t) h w -> (n k) c t h w", t=CLIP_LEN)
            maps = self.trunks[m](clips)                                               # (N K) x 512 x 1 x 3 x 3
            if keep and f"{m}_trunk" in keep:
                taken[f"{m}_trunk"] = rearrange(maps, "(n k) c t h w -> n k c t h w", n=n)
            embedded.append(self.embeds[m](rearrange(maps, "b c t h w -> b (c t h w)")))
        fused = rearrange(torch.cat(embedded, dim=1), "(n k) d -> n k d", n=n)        # N x K x 512
        taken["fused"] = fused
        sequence = torch.cat([self._run_direction(self.rnn_fw, fused, clip_lengths, reverse=False),
                              self._run_direction(self.rnn_bw, fused, clip_lengths, reverse=True)], dim=2)
        taken["temporal"] = sequence
        return SMnetFeatures(sequence, clip_lengths), taken

    def forward_features(self, inputs: Mapping[str, torch.Tensor]) -> SMnetFeatures:
        """Clip the sequences, run the trunks, fuse and run the attention BiLSTM: (N x K x 512, clip lengths)."""
        return self._forward(inputs)[0]

    def forward_intermediates(self, inputs: Mapping[str, torch.Tensor],
                              indices: int | Sequence[int | str] | None = None, intermediates_only: bool = False):
        """(SMnetFeatures, [maps]) for the chosen `feature_info` levels: per-modality trunk maps
        N x K x 512 x 1 x 3 x 3 ("<modality>_trunk"), the fused clip features N x K x D ("fused") and the
        BiLSTM outputs N x K x 512 ("temporal"; equal to `forward_features(...).sequence`)."""
        chosen = resolve_feature_indices(indices, [f["name"] for f in self.feature_info])
        feats, taken = self._forward(inputs, set(chosen))
        maps = [taken[name] for name in chosen]
        return maps if intermediates_only else (feats, maps)

    def clip_logits(self, features: SMnetFeatures) -> torch.Tensor:
        """Logits of every clip step, N x K x num_classes (steps past a sample's clips are bias only)."""
        if self.head is None:
            raise RuntimeError("this SMnet has no classifier (num_classes=0)")
        return self.head(self.head_drop(features.sequence))

    def _predict(self, clip_logits: torch.Tensor, clip_lengths: torch.Tensor) -> torch.Tensor:
        """Masked mean of the clip logits over each sample's valid clips (`prediction="upstream"`: their sum over
        the batch's padded clip count K)."""
        mask = (torch.arange(clip_logits.shape[1], device=clip_logits.device)[None]
                < clip_lengths[:, None]).to(clip_logits.dtype)
        total = (clip_logits * mask[..., None]).sum(1)
        return total / (clip_logits.shape[1] if self.prediction == "upstream"
                        else clip_lengths[:, None].to(total.dtype))

    def forward_head(self, features: SMnetFeatures, pre_logits: bool = False) -> torch.Tensor:
        """Prediction N x num_classes: the mean of the clip logits over each sample's valid clips
        (`prediction="upstream"`: their sum over the batch's padded clip count K).  `pre_logits=True` gives
        the masked mean of the 512-d clip features, which the classifier maps to the masked-mean logits."""
        seq, clip_lengths = features
        if pre_logits or self.head is None:
            mask = (torch.arange(seq.shape[1], device=seq.device)[None] < clip_lengths[:, None]).to(seq.dtype)
            return (seq * mask[..., None]).sum(1) / clip_lengths[:, None].to(seq.dtype)
        return self._predict(self.clip_logits(features), clip_lengths)

    def forward(self, inputs: Mapping[str, torch.Tensor]):
        """Eval: the prediction N x num_classes (`forward_head`).  Train (with a classifier): a dict with that
        prediction as `logits`, the per-clip logits `clip_logits` (N x K x C) and `clip_lengths` (N), which the
        upstream loss scores clip by clip (recipe loss "smnet")."""
        if self.features_only:
            return self.forward_intermediates(inputs, self.out_indices, intermediates_only=True)
        features = self.forward_features(inputs)
        if not self.training or self.head is None:
            return self.forward_head(features)
        clip_logits = self.clip_logits(features)                       # N x K x C, one head-dropout draw
        return {"logits": self._predict(clip_logits, features.clip_lengths), "clip_logits": clip_logits,
                "clip_lengths": features.clip_lengths}

    def get_classifier(self) -> nn.Module:
        return self.head if self.head is not None else nn.Identity()

    def reset_classifier(self, num_classes: int) -> None:
        self.num_classes = num_classes
        self.head = nn.Linear(self.num_features, num_classes) if num_classes > 0 else None
        if self.head is not None:
            nn.init.xavier_normal_(self.head.weight)
            nn.init.zeros_(self.head.bias)


@register_model
def smnet(pretrained: bool = False, **kwargs) -> SMnet:
    """SMnet (RGB + depth + skeleton image, 20 gesture classes); no published weights."""
    return build_model_with_cfg(SMnet, "smnet", pretrained, **kwargs)
