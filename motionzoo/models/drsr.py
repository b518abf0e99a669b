"""DRSR: "Decoupling and Recoupling Spatiotemporal Representation for RGB-D-based Motion Recognition"
(Zhou et al., CVPR 2022): the unimodal network (DSN + FRP + DTN with RCM) and the cross-modal fusion network
(CAPF, upstream `FusionNet` / `CrossFusionNet`).

Spec: video-models.md §5 (module graph, hyper-parameters, losses, decisions), §1 (shared 3D blocks), §6.8
(the FRP heat-map the data pipeline supplies).  Module and parameter names are upstream's, verbatim
(including `media` for the middle branch and `Modalit_rgb`), so released checkpoints map by identity after
the clean-ups in `motionzoo/convert/drsr.py`.

Unimodal input: a clip `x` N x 3 x 64 x H x W (values (v - 127.5) / 128; depth as a 3-channel colour image)
and its FRP heat-map `garr` N x 1 x 64 x H x W (values in [0, 2]); T must be 64, H and W multiples of 32.

    DSN (spatial Inception, 1xkxk kernels, FRP after Mixed_3b/4b/5b) -> mean over H, W -> LinearMap
      -> N x 64 x 512 tokens
    DTN: RCM re-weights the 64 x 512 tokens (rank-1 channel x time) and emits a 512-d embedding e;
      three branches sample 16 / 32 / 48 tokens, prepend CLS, add positions, run 6 pre-norm k-NN-attention
      layers (encoder 0 first runs a temporal Inception on the non-CLS tokens);
      per-branch LayerNorm -> Linear -> / tau(epoch); fused logits = element-wise max.
    distillation: KL(softmax(mean of branch CLS / T) || log_softmax(e / T)), summed, teacher detached.
"""
from __future__ import annotations

import random
from typing import Mapping, Sequence

import torch
import torch.nn.functional as F
from einops import rearrange
from torch import nn

from .._builder import build_model_with_cfg
from .._pretrained import PretrainedCfg
from .._registry import register_model, register_model_deprecations
from ._blocks3d import InceptionModule, MaxPool3dSame, Unit3D

__all__ = [
    "DRSR", "DRSRFusion", "FRP", "RCM", "KNNAttention", "DTN", "TokenSampler",
    "knn_attention", "knn_attention_reference", "sharpness_temperature",
    "segment_bounds", "midpoint_indices", "distillation_loss",
]

MODEL_FAMILY = "drsr"

NUM_FRAMES = 64                      # RCM's Linear(64, ...) layers fix the clip length
BRANCHES = ("small", "media", "large")
BRANCH_TOKENS = (16, 32, 48)         # tokens sampled per branch, in BRANCHES order
EMBED_DIM = 512
CNN_DIM = 1024

# DSN endpoints in forward order: (name, has an FRP site after it).
DSN_ENDPOINTS = (
    ("Conv3d_1a_7x7", False), ("MaxPool3d_2a_3x3", False), ("Conv3d_2b_1x1", False), ("Conv3d_2c_3x3", False),
    ("MaxPool3d_3a_3x3", False), ("Mixed_3b", True), ("Mixed_3c", False), ("MaxPool3d_4a_3x3", False),
    ("Mixed_4b", True), ("Mixed_4c", False), ("MaxPool3d_5a_2x2", False), ("Mixed_5b", True), ("Mixed_5c", False),
)

_PAPER = ("Zhou, Wang, Wan, Liang, Li, Guo, Lei: Decoupling and Recoupling Spatiotemporal Representation for "
          "RGB-D-based Motion Recognition. CVPR 2022. arXiv:2112.09129")
_CODE = "damo-cv/MotionRGBD @ b13673a10e3f259ddef4911a2a91b6eedaf104a1"

# Every flag where motionzoo's default differs from upstream (zoo-conventions §2.5; spec §5.15).
DEVIATIONS: tuple[dict, ...] = (
    {"flag": "dtn_sampling", "default": "midpoint", "upstream_value": "random",
     "description": "DTN token sampling in eval mode: deterministic segment midpoints; upstream draws one token "
                    "per segment with Python `random` even in eval. `dtn_sampling='random', sampling_seed=s` "
                    "reproduces upstream's draws after `random.seed(s)`; `token_indices=` injects indices."},
    {"flag": "(always on) batch-1 shapes", "default": "N x C logits, N x 512 embedding at every N",
     "upstream_value": "bare .squeeze(): fused logits (C,) and RCM embedding (512,) at N = 1; FusionNet crashes",
     "description": "every squeeze names its dimension; numerics for N >= 2 are unchanged. FusionNet evaluates at "
                    "N = 1; training it at N = 1 raises (BatchNorm over one value per channel)."},
    {"flag": "epoch", "default": "None (tau = 0.07, the schedule's final value)",
     "upstream_value": "args.epoch (tau from 0.04 at epoch 0 to 0.07 at epoch 29)",
     "description": "sharpening temperature at inference; it scales logits only, argmax is unchanged. Training "
                    "passes `epoch=`."},
    {"flag": "return_vis", "default": False, "upstream_value": True,
     "description": "visualisation outputs (Mixed_4b channel sum, RCM weight map, encoder-2 attention maps) are "
                    "computed only on request."},
    {"flag": "(implementation) attention kernel", "default": "scaled_dot_product_attention with a top-k mask",
     "upstream_value": "explicit logits, scatter top-k mask, -inf fill, softmax",
     "description": "same keys kept per row (selected with torch.topk on the same logits); outputs agree to "
                    "float rounding (tested)."},
    {"flag": "(implementation) RCM channel weights", "default": "sigmoid(K . mean_q(Q) / 8)",
     "upstream_value": "sigmoid(mean over queries of Q K^T / 8)",
     "description": "algebraically identical (the mean is linear); avoids the 512 x 512 score matrix."},
)


# ---------------------------------------------------------------------------------------------------------
# Sharpening schedule and the distillation term the network computes (spec §5.8.6, §5.10); the training loss
# that weights them is recipe data (motionzoo.recipes.video_losses: losses "drsr" and "drsr_capf")
# ---------------------------------------------------------------------------------------------------------
def sharpness_temperature(epoch: int | None, start: float = 0.04, end: float = 0.07, ramp_epochs: int = 30) -> float:
    """tau(epoch): `ramp_epochs` linearly spaced values from `start` to `end` (inclusive), then `end`.

    Upstream calls it a cosine schedule in its README but builds it with linspace; `None` (inference) = `end`.
    """
    if epoch is None or epoch >= ramp_epochs - 1:
        return float(end)
    if epoch < 0:
        raise ValueError(f"epoch must be >= 0, got {epoch}")
    return float(start + (end - start) * epoch / (ramp_epochs - 1))


def distillation_loss(cls_features: torch.Tensor, embedding: torch.Tensor, temperature: float = 0.5) -> torch.Tensor:
    """Recoupling self-distillation: KL(p || q), summed over batch and classes (not batch-averaged).

    p = softmax(mean of the branch CLS features / T), detached (teacher); q = softmax(RCM embedding / T).
    cls_features: N x 3 x 512, embedding: N x 512.
    """
    teacher = F.softmax(cls_features.mean(dim=1).detach() / temperature, dim=-1)
    student = F.log_softmax(embedding / temperature, dim=-1)
    return F.kl_div(student, teacher, reduction="sum")


# ---------------------------------------------------------------------------------------------------------
# Token sampling (spec §5.8.1)
# ---------------------------------------------------------------------------------------------------------
def segment_bounds(n: int, total: int = NUM_FRAMES) -> list[tuple[int, int]]:
    """[s_i, e_i) of the n segments of `total` tokens: s_i = floor(total*i/n), e_i = max(s_i+1, floor(total*(i+1)/n))."""
    out = []
    for i in range(n):
        s = total * i // n
        out.append((s, max(s + 1, total * (i + 1) // n)))
    return out


def midpoint_indices(n: int, total: int = NUM_FRAMES) -> list[int]:
    """Truncated segment means floor((s + e - 1) / 2), the data pipeline's eval rule (spec §6.4)."""
    return [(s + e - 1) // 2 for s, e in segment_bounds(n, total)]


class TokenSampler:
    """Which of the 64 tokens each branch sees.

    - `mode="midpoint"` (default): segment midpoints in eval mode, random draws in train mode;
    - `mode="random"`: random draws always (upstream behaviour, eval included).
    Random draws come from a private `random.Random(seed)` when `seed` is given, drawn exactly as upstream
    draws from Python's global `random` (one `randrange(s, e)` per segment, branches small -> media -> large), so
    `seed=s` reproduces an upstream forward preceded by `random.seed(s)`.  Without a seed they come from
    torch's global generator, so `torch.manual_seed` governs training runs.
    """

    MODES = ("midpoint", "random")

    def __init__(self, mode: str = "midpoint", seed: int | None = None):
        if mode not in self.MODES:
            raise ValueError(f"dtn_sampling must be one of {self.MODES}, got {mode!r}")
        self.mode = mode
        self.seed = seed
        self._rng = random.Random(seed) if seed is not None else None

    def reseed(self, seed: int | None) -> None:
        self.seed = seed
        self._rng = random.Random(seed) if seed is not None else None

    def __call__(self, n: int, training: bool, total: int = NUM_FRAMES) -> list[int]:
        if self.mode == "midpoint" and not training:
            return midpoint_indices(n, total)
        bounds = segment_bounds(n, total)
        if self._rng is not None:
            return [self._rng.randrange(s, e) for s, e in bounds]
        starts = torch.tensor([s for s, _ in bounds])
        lengths = torch.tensor([e - s for s, e in bounds])
        return (starts + (torch.rand(n) * lengths).long().clamp_max(lengths - 1)).tolist()

    def __repr__(self) -> str:
        return f"TokenSampler(mode={self.mode!r}, seed={self.seed!r})"


def _as_branch_indices(token_indices, total: int = NUM_FRAMES) -> list[list[int]] | None:
    """Normalise injected indices: a sequence of 3 index lists (small, media, large), or a mapping keyed by
    branch name ("small"...) or by token count (16, 32, 48); tensors are accepted."""
    if token_indices is None:
        return None
    if isinstance(token_indices, Mapping):
        seq = []
        for name, n in zip(BRANCHES, BRANCH_TOKENS):
            if name in token_indices:
                seq.append(token_indices[name])
            elif n in token_indices:
                seq.append(token_indices[n])
            else:
                raise KeyError(f"token_indices has no entry for branch {name!r} (or {n}); keys: {list(token_indices)}")
    else:
        seq = list(token_indices)
    if len(seq) != 3:
        raise ValueError(f"token_indices needs 3 index lists (small, media, large), got {len(seq)}")
    out = []
    for name, n, idx in zip(BRANCHES, BRANCH_TOKENS, seq):
        idx = [int(i) for i in (idx.tolist() if torch.is_tensor(idx) else idx)]
        if len(idx) != n or not all(0 <= i < total for i in idx):
            raise ValueError(f"token_indices[{name!r}] must hold {n} indices in [0, {total}), got {idx}")
        out.append(idx)
    return out


# ---------------------------------------------------------------------------------------------------------
# FRP and RCM
# ---------------------------------------------------------------------------------------------------------
class FRP(nn.Module):
    """Rank-pooling motion attention (spec §5.5): FRP(f, g) = w0 f + w1 f (1 + g_hat), with g_hat the heat-map
    max-pooled 2x2 until its width fits f.  One instance is shared by the three sites; the caller adds f."""

    def __init__(self):
        super().__init__()
        self.rpconv1d = nn.Conv1d(2, 1, kernel_size=1, bias=False)
        with torch.no_grad():
            self.rpconv1d.weight.copy_(torch.tensor([[[1.0], [0.0]]]))

    def forward(self, f: torch.Tensor, garr: torch.Tensor) -> torch.Tensor:
        # Upstream compares widths only; H, W multiples of 32 keep the heights in step.
        g = garr
        while g.shape[-1] > f.shape[-1]:
            g = F.max_pool3d(g, (1, 2, 2), (1, 2, 2))
        w = self.rpconv1d.weight.view(2)
        return w[0] * f + w[1] * (f * (1 + g))


class RCM(nn.Module):
    """Recoupling module with one head (spec §5.6).  x: N x T x C (T = 64, C = 512).

    Returns the re-weighted tokens Y = X * c (per channel) * tau_w (per frame), N x T x C, the distillation
    embedding e = Linear(tau_w), N x 512, and the weight map c (x) tau_w, N x T x C.
    """

    def __init__(self, frames: int = NUM_FRAMES, dim: int = EMBED_DIM, hidden: int = 256):
        super().__init__()
        self.q = nn.Linear(frames, frames, bias=False)
        self.k = nn.Linear(frames, frames, bias=False)
        self.project = nn.Sequential(nn.Linear(frames, hidden, bias=False), nn.GELU(),
                                     nn.Linear(hidden, frames, bias=False), nn.LayerNorm(frames))
        self.linear = nn.Linear(frames, dim)
        self.scale = frames ** -0.5

    def forward(self, x: torch.Tensor):
        xc = rearrange(x, "n t c -> n c t")                          # channels as tokens with T-d features
        time_w = torch.sigmoid(self.project(xc.mean(dim=1)))         # N x T
        # mean over queries of (Q K^T) = (mean of Q) K^T: one weight per key channel, without the C x C scores.
        q_mean = self.q(xc).mean(dim=1, keepdim=True)                # N x 1 x T
        chan_w = torch.sigmoid((self.k(xc) @ q_mean.transpose(1, 2)).squeeze(-1) * self.scale)   # N x C
        weight = chan_w[:, None, :] * time_w[:, :, None]             # N x T x C, rank 1
        return x * weight, self.linear(time_w), weight


# ---------------------------------------------------------------------------------------------------------
# k-NN attention Transformer (spec §5.8.4)
# ---------------------------------------------------------------------------------------------------------
def _topk_keep_mask(logits: torch.Tensor, k: int) -> torch.Tensor:
    """Boolean mask of the k largest logits per row, chosen by torch.topk exactly as upstream chooses them."""
    idx = logits.topk(k, dim=-1).indices
    return torch.zeros_like(logits, dtype=torch.bool).scatter(-1, idx, torch.ones_like(idx, dtype=torch.bool))


def knn_attention(q: torch.Tensor, k: torch.Tensor, v: torch.Tensor, keep_ratio: float, scale: float) -> torch.Tensor:
    """k-NN attention with scaled_dot_product_attention: each query attends to its top floor(keep_ratio * n)
    keys.  q, k, v: N x heads x n x d."""
    n = q.shape[-2]
    logits = (q @ k.transpose(-2, -1)) * scale
    keep = _topk_keep_mask(logits, int(keep_ratio * n))
    return F.scaled_dot_product_attention(q, k, v, attn_mask=keep, scale=scale)


def knn_attention_reference(q: torch.Tensor, k: torch.Tensor, v: torch.Tensor, keep_ratio: float, scale: float,
                            return_attn: bool = False):
    """The straightforward form (upstream's): logits, -inf outside the top k, softmax, times v."""
    n = q.shape[-2]
    logits = (q @ k.transpose(-2, -1)) * scale
    keep = _topk_keep_mask(logits, int(keep_ratio * n))
    attn = logits.masked_fill(~keep, float("-inf")).softmax(dim=-1)
    out = attn @ v
    return (out, attn) if return_attn else out


class KNNAttention(nn.Module):
    def __init__(self, dim: int = EMBED_DIM, heads: int = 8, dim_head: int = 64, keep_ratio: float = 0.7,
                 drop: float = 0.1):
        super().__init__()
        self.heads = heads
        self.keep_ratio = keep_ratio
        self.scale = dim_head ** -0.5
        self.to_qkv = nn.Linear(dim, 3 * heads * dim_head, bias=False)
        self.to_out = nn.Sequential(nn.Linear(heads * dim_head, dim), nn.Dropout(drop))
        self.fast = True   # False: the explicit reference path (used by tests and the speed benchmark)

    def forward(self, x: torch.Tensor, return_attn: bool = False):
        q, k, v = rearrange(self.to_qkv(x), "b n (three h d) -> three b h n d", three=3, h=self.heads).unbind(0)
        attn = None
        if return_attn or not self.fast:
            out, attn = knn_attention_reference(q, k, v, self.keep_ratio, self.scale, return_attn=True)
        else:
            out = knn_attention(q, k, v, self.keep_ratio, self.scale)
        out = self.to_out(rearrange(out, "b h n d -> b n (h d)"))
        return (out, attn) if return_attn else out


class FeedForward(nn.Module):
    def __init__(self, dim: int = EMBED_DIM, hidden: int = 768, drop: float = 0.1):
        super().__init__()
        self.fc1 = nn.Linear(dim, hidden)
        self.act = nn.GELU()
        self.drop1 = nn.Dropout(drop)
        self.fc2 = nn.Linear(hidden, dim)
        self.drop2 = nn.Dropout(drop)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.drop2(self.fc2(self.drop1(self.act(self.fc1(x)))))


class PreNorm(nn.Module):
    def __init__(self, dim: int, fn: nn.Module):
        super().__init__()
        self.norm = nn.LayerNorm(dim)
        self.fn = fn

    def forward(self, x: torch.Tensor, **kwargs):
        return self.fn(self.norm(x), **kwargs)


class Transformer(nn.Module):
    """Pre-norm layers; state-dict names `layers.{i}.0` (attention) and `layers.{i}.1` (feed-forward)."""

    def __init__(self, dim: int, depth: int, heads: int, dim_head: int, mlp_dim: int, drop: float, keep_ratio: float):
        super().__init__()
        self.layers = nn.ModuleList([
            nn.ModuleList([PreNorm(dim, KNNAttention(dim, heads, dim_head, keep_ratio, drop)),
                           PreNorm(dim, FeedForward(dim, mlp_dim, drop))])
            for _ in range(depth)])

    def forward(self, x: torch.Tensor, return_attn: bool = False):
        attn = None
        for attn_block, ff_block in self.layers:
            if return_attn:
                y, attn = attn_block(x, return_attn=True)
                x = x + y
            else:
                x = x + attn_block(x)
            x = x + ff_block(x)
        return (x, attn) if return_attn else x


def _temporal_inception() -> InceptionModule:
    # Mixed_4c's channel plan over the 512 token features, with 3x1x1 kernels along the token axis.
    return InceptionModule(EMBED_DIM, (160, 112, 224, 24, 64, 64), conv_kernel=(3, 1, 1), pool_kernel=(3, 1, 1))


class DTNEncoder(nn.Module):
    """One layer per branch (branches never interact); encoder 0 first applies a temporal Inception and a
    3x1x1 zero-padded max-pool to each branch's non-CLS tokens."""

    def __init__(self, temporal: bool, **layer_kwargs):
        super().__init__()
        for name in BRANCHES:
            setattr(self, f"transformer_enc_{name}", Transformer(EMBED_DIM, 1, **layer_kwargs))
        self.temporal = temporal
        if temporal:
            for name in BRANCHES:
                setattr(self, f"Mixed_{name}", _temporal_inception())
            self.MaxPool = MaxPool3dSame((3, 1, 1), 1)

    def _local_temporal(self, name: str, x: torch.Tensor) -> torch.Tensor:
        cls, tokens = x[:, :1], x[:, 1:]
        vol = rearrange(tokens, "b n c -> b c n 1 1")
        vol = self.MaxPool(getattr(self, f"Mixed_{name}")(vol))
        return torch.cat([cls, rearrange(vol, "b c n 1 1 -> b n c")], dim=1)

    def forward(self, xs: list[torch.Tensor], return_attn: bool = False):
        outs, attns = [], []
        for name, x in zip(BRANCHES, xs):
            if self.temporal:
                x = self._local_temporal(name, x)
            enc = getattr(self, f"transformer_enc_{name}")
            if return_attn:
                x, a = enc(x, return_attn=True)
                attns.append(a)
            else:
                x = enc(x)
            outs.append(x)
        return (outs, attns) if return_attn else outs


class DTN(nn.Module):
    """Multi-scale temporal Transformers with RCM and (optionally) per-branch heads.

    `num_classes=0` builds no heads: the FusionNet trunks' configuration.
    forward(tokens N x 64 x 512) -> (CLS features N x 3 x 512 in (small, media, large) order, embedding N x 512,
    extras dict for visualisation).
    """

    def __init__(self, num_classes: int = 60, depth: int = 6, heads: int = 8, dim_head: int = 64, mlp_dim: int = 768,
                 drop_rate: float = 0.1, keep_ratio: float = 0.7, rcm_hidden: int = 256,
                 sampler: TokenSampler | None = None):
        super().__init__()
        for name, n in zip(BRANCHES, BRANCH_TOKENS):
            # Standard-normal init, as upstream (not the ViT truncated normal).
            setattr(self, f"pos_embedding_{name}", nn.Parameter(torch.randn(1, n + 1, EMBED_DIM)))
            setattr(self, f"cls_token_{name}", nn.Parameter(torch.randn(1, 1, EMBED_DIM)))
        layer_kwargs = dict(heads=heads, dim_head=dim_head, mlp_dim=mlp_dim, drop=drop_rate, keep_ratio=keep_ratio)
        self.multi_scale_transformers = nn.ModuleList([DTNEncoder(i == 0, **layer_kwargs) for i in range(depth)])
        self.rcm = RCM(NUM_FRAMES, EMBED_DIM, rcm_hidden)
        self.sampler = sampler or TokenSampler()
        self.num_classes = 0
        self.reset_heads(num_classes)

    def reset_heads(self, num_classes: int) -> None:
        """Fresh Linear heads for `num_classes`, keeping existing head LayerNorms; 0 removes the heads."""
        for name in BRANCHES:
            attr = f"mlp_head_{name}"
            old = getattr(self, attr, None)
            if num_classes <= 0:
                setattr(self, attr, nn.Identity())
                continue
            norm = old[0] if isinstance(old, nn.Sequential) else nn.LayerNorm(EMBED_DIM)
            setattr(self, attr, nn.Sequential(norm, nn.Linear(EMBED_DIM, num_classes)))
        self.num_classes = max(int(num_classes), 0)

    def sample_indices(self, token_indices=None) -> list[list[int]]:
        injected = _as_branch_indices(token_indices)
        if injected is not None:
            return injected
        return [self.sampler(n, self.training) for n in BRANCH_TOKENS]

    def forward(self, tokens: torch.Tensor, token_indices=None, return_vis: bool = False):
        y, embedding, weight = self.rcm(tokens)                       # N x 64 x 512
        indices = self.sample_indices(token_indices)
        xs = []
        for name, idx in zip(BRANCHES, indices):
            picked = y[:, torch.tensor(idx, device=y.device)]         # N x n x 512
            cls = getattr(self, f"cls_token_{name}").expand(y.shape[0], -1, -1)
            xs.append(torch.cat([cls, picked], dim=1) + getattr(self, f"pos_embedding_{name}"))
        vis = {}
        for i, enc in enumerate(self.multi_scale_transformers):
            if return_vis and i == 2:      # upstream visualises encoder 2's attention
                xs, attns = enc(xs, return_attn=True)
                vis.update({f"attn_enc2_{b}": a for b, a in zip(BRANCHES, attns)})
            else:
                xs = enc(xs)
        cls_features = torch.stack([x[:, 0] for x in xs], dim=1)      # N x 3 x 512
        if return_vis:
            vis.update(rcm_weight_map=weight, rcm_out=rearrange(y, "n t c -> n c t"), token_indices=indices)
        return cls_features, embedding, vis

    def heads(self, cls_features: torch.Tensor) -> torch.Tensor:
        """N x 3 x 512 -> N x 3 x C branch logits (before sharpening)."""
        return torch.stack([getattr(self, f"mlp_head_{b}")(cls_features[:, i]) for i, b in enumerate(BRANCHES)], dim=1)


# ---------------------------------------------------------------------------------------------------------
# Unimodal network
# ---------------------------------------------------------------------------------------------------------
def _spatial_inception(in_channels: int, channels: Sequence[int]) -> InceptionModule:
    # 1x3x3 convolutions, but the b3 pool still spans 3 frames (the DSN's only temporal mixing).
    return InceptionModule(in_channels, channels, conv_kernel=(1, 3, 3), pool_kernel=(3, 3, 3))


def _check_clip(arch: str, x: torch.Tensor, garr: torch.Tensor, in_chans: int, what: str = "x") -> None:
    if not torch.is_tensor(x) or x.dim() != 5 or x.shape[1] != in_chans or x.shape[2] != NUM_FRAMES \
            or x.shape[3] % 32 or x.shape[4] % 32 or x.shape[3] == 0 or x.shape[4] == 0:
        got = tuple(x.shape) if torch.is_tensor(x) else type(x).__name__
        raise ValueError(f"{arch} expects {what} as N,C,T,H,W with C={in_chans}, T={NUM_FRAMES}, H,W divisible by 32; "
                         f"got {got}" + (" - did you pass N,T,C,H,W?" if torch.is_tensor(x) and x.dim() == 5
                                         and x.shape[2] == in_chans else ""))
    if garr is None:
        raise ValueError(f"{arch} needs the FRP heat-map for {what} (N,1,T,H,W, spec §6.8; the data pipeline makes it)")
    n, _, t, h, w = x.shape
    if not torch.is_tensor(garr) or tuple(garr.shape) != (n, 1, t, h, w):
        got = tuple(garr.shape) if torch.is_tensor(garr) else type(garr).__name__
        raise ValueError(f"{arch} expects the heat-map of {what} as N,1,T,H,W = {(n, 1, t, h, w)}; got {got}")


class DRSR(nn.Module):
    """DRSR unimodal network (upstream `DSNNet`, `Network: I3DWTrans`).

    forward(x, garr) -> fused logits N x C.  forward_train(...) -> dict with the branch logits and the
    distillation term, which the recipe's loss "drsr" (motionzoo.recipes.video_losses) reads.  num_classes=0: no
    heads, forward returns the branch CLS features N x 3 x 512 (the FusionNet trunk).
    """

    def __init__(self, num_classes: int = 60, in_chans: int = 3, dtn_sampling: str = "midpoint",
                 sampling_seed: int | None = None, knn_keep_ratio: float = 0.7, drop_rate: float = 0.1,
                 sharpness: bool = True, temperature_range: tuple[float, float] = (0.04, 0.07),
                 temperature_epochs: int = 30, distill_temperature: float = 0.5, rcm_hidden: int = 256,
                 sampler: TokenSampler | None = None):
        super().__init__()
        self.in_chans = in_chans
        self.sharpness = sharpness
        self.temperature_range = tuple(temperature_range)
        self.temperature_epochs = temperature_epochs
        self.distill_temperature = distill_temperature
        # Registration order = upstream state-dict order (Appendix A): LinearMap, DSN, dtn, frp_module.
        self.LinearMap = nn.Sequential(nn.LayerNorm(CNN_DIM), nn.Linear(CNN_DIM, EMBED_DIM))
        self.Conv3d_1a_7x7 = Unit3D(in_chans, 64, (1, 7, 7), (1, 2, 2))
        self.MaxPool3d_2a_3x3 = MaxPool3dSame((1, 3, 3), (1, 2, 2))
        self.Conv3d_2b_1x1 = Unit3D(64, 64, 1)
        self.Conv3d_2c_3x3 = Unit3D(64, 192, (1, 3, 3))
        self.MaxPool3d_3a_3x3 = MaxPool3dSame((1, 3, 3), (1, 2, 2))
        self.Mixed_3b = _spatial_inception(192, (64, 96, 128, 16, 32, 32))
        self.Mixed_3c = _spatial_inception(256, (128, 128, 192, 32, 96, 64))
        self.MaxPool3d_4a_3x3 = MaxPool3dSame((1, 3, 3), (1, 2, 2))
        self.Mixed_4b = _spatial_inception(480, (192, 96, 208, 16, 48, 64))
        self.Mixed_4c = _spatial_inception(512, (160, 112, 224, 24, 64, 64))
        self.MaxPool3d_5a_2x2 = MaxPool3dSame((1, 2, 2), (1, 2, 2))
        self.Mixed_5b = _spatial_inception(512, (256, 160, 320, 32, 128, 128))
        self.Mixed_5c = _spatial_inception(832, (384, 192, 384, 48, 128, 128))
        self.dtn = DTN(num_classes, drop_rate=drop_rate, keep_ratio=knn_keep_ratio, rcm_hidden=rcm_hidden,
                       sampler=sampler or TokenSampler(dtn_sampling, sampling_seed))
        self.frp_module = FRP()

    # -- heads -----------------------------------------------------------------------------------------
    @property
    def num_classes(self) -> int:
        return self.dtn.num_classes

    def get_classifier(self) -> dict[str, nn.Module]:
        """The three branch Linear heads (cfg.classifier: `dtn.mlp_head_{small,media,large}.1`)."""
        return {b: (h[1] if isinstance(h, nn.Sequential) else h)
                for b in BRANCHES for h in [getattr(self.dtn, f"mlp_head_{b}")]}

    def reset_classifier(self, num_classes: int) -> None:
        self.dtn.reset_heads(num_classes)

    def temperature(self, epoch: int | None = None) -> float:
        lo, hi = self.temperature_range
        return sharpness_temperature(epoch, lo, hi, self.temperature_epochs)

    def sharpen(self, logits: torch.Tensor, epoch: int | None) -> torch.Tensor:
        """Logits / tau(epoch) (spec §5.8.6); unchanged when the network was built with sharpness=False."""
        return logits / self.temperature(epoch) if self.sharpness else logits

    # -- forward -----------------------------------------------------------------------------------------
    def forward_spatial(self, x: torch.Tensor, garr: torch.Tensor, return_endpoints: bool = False):
        """DSN + FRP + spatial mean + LinearMap: N x 3 x 64 x H x W -> N x 64 x 512 tokens.

        With `return_endpoints` also a dict of every DSN endpoint's output (Mixed_3b/4b/5b before the FRP
        residual, as upstream's endpoints) and each FRP site's output (`frp_<endpoint>`, before `+ f`)."""
        _check_clip(type(self).__name__, x, garr, self.in_chans)
        endpoints = {}
        for name, frp_site in DSN_ENDPOINTS:
            x = getattr(self, name)(x)
            if return_endpoints:
                endpoints[name] = x
            if frp_site:
                a = self.frp_module(x, garr)
                if return_endpoints:
                    endpoints[f"frp_{name}"] = a
                x = a + x
        pooled = rearrange(x.mean(dim=(3, 4)), "n c t -> n t c")    # N x 64 x 1024
        tokens = self.LinearMap(pooled)
        if return_endpoints:
            endpoints.update(pooled=pooled, linear_map=tokens)
            return tokens, endpoints
        return tokens

    def forward_features(self, x: torch.Tensor, garr: torch.Tensor, token_indices=None) -> torch.Tensor:
        """Branch CLS features after the last encoder, N x 3 x 512 in (small, media, large) order."""
        token_indices = _as_branch_indices(token_indices)     # bad indices fail before the CNN runs
        cls_features, _, _ = self.dtn(self.forward_spatial(x, garr), token_indices)
        return cls_features

    def forward_head(self, features: torch.Tensor, pre_logits: bool = False, epoch: int | None = None,
                     return_branches: bool = False):
        """N x 3 x 512 -> fused logits N x C (max over the sharpened branch logits).  `pre_logits`: the
        features themselves (before the head LayerNorm), also what a headless model returns."""
        if pre_logits or self.num_classes == 0:
            return features
        logits = self.sharpen(self.dtn.heads(features), epoch)        # N x 3 x C
        fused = logits.max(dim=1).values
        return (fused, logits) if return_branches else fused

    def forward(self, x: torch.Tensor, garr: torch.Tensor, token_indices=None, epoch: int | None = None):
        """Eval: fused logits N x C.  Train: forward_train's dict, which the training loss reads."""
        if self.training:
            return self.forward_train(x, garr, token_indices, epoch)
        return self.forward_head(self.forward_features(x, garr, token_indices), epoch=epoch)

    def forward_train(self, x: torch.Tensor, garr: torch.Tensor, token_indices=None, epoch: int | None = None,
                      return_vis: bool = False) -> dict:
        """Everything the recipe needs: `logits` (N x C fused) and `branch_logits` (N x 3 x C, s/m/l), both
        sharpened with tau(epoch); `head_logits` (N x 3 x C, unsharpened); `features` (N x 3 x 512), `embedding`
        (RCM, N x 512), `distill_loss` (0-dim), `token_indices`; with `return_vis`
        also `vis` (Mixed_4b channel sum, RCM weight map, encoder-2 attention, per-endpoint outputs)."""
        token_indices = _as_branch_indices(token_indices)
        if return_vis:
            tokens, endpoints = self.forward_spatial(x, garr, return_endpoints=True)
        else:
            tokens = self.forward_spatial(x, garr)
        cls_features, embedding, vis = self.dtn(tokens, token_indices, return_vis=True)
        out = {"features": cls_features, "embedding": embedding, "token_indices": vis.pop("token_indices"),
               "distill_loss": distillation_loss(cls_features, embedding, self.distill_temperature)}
        if self.num_classes:
            out["head_logits"] = self.dtn.heads(cls_features)
            out["branch_logits"] = self.sharpen(out["head_logits"], epoch)
            out["logits"] = out["branch_logits"].max(dim=1).values
        if return_vis:
            m4b = endpoints["Mixed_4b"] + endpoints["frp_Mixed_4b"]
            vis.update(cnn_visual=rearrange(m4b.sum(dim=1, keepdim=True), "n one t h w -> n t one h w"),
                       endpoints=endpoints, tokens=tokens)
            out["vis"] = vis
        return out


# ---------------------------------------------------------------------------------------------------------
# Cross-modal fusion (CAPF)
# ---------------------------------------------------------------------------------------------------------
def _interaction() -> nn.Sequential:
    """1x1 conv 1024 -> 512 (BN, ReLU) -> 1x1 conv 512 -> 512 -> Dropout(0.4); no conv biases."""
    return nn.Sequential(nn.Conv2d(2 * EMBED_DIM, EMBED_DIM, 1, bias=False), nn.BatchNorm2d(EMBED_DIM), nn.ReLU(inplace=True),
                         nn.Conv2d(EMBED_DIM, EMBED_DIM, 1, bias=False), nn.Dropout(0.4))


def _conv_bn_relu(cin: int, cout: int) -> list[nn.Module]:
    return [nn.Conv2d(cin, cout, 1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True)]


class _Encoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.enconv = nn.Sequential(*_conv_bn_relu(1024, 1024), *_conv_bn_relu(1024, 512), *_conv_bn_relu(512, 256),
                                    nn.Conv2d(256, 256, 1, bias=False))

    def forward(self, x):
        return self.enconv(x)


class _Decoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.deconv = nn.Sequential(*_conv_bn_relu(256, 256), *_conv_bn_relu(256, 512))

    def forward(self, x):
        return self.deconv(x)


class PosteriorFusion(nn.Module):
    """Encoder (cat(rgb, depth) -> 256), fused classifier `efc` and reconstruction decoder (256 -> 512)."""

    def __init__(self, num_classes: int):
        super().__init__()
        self.encoder = _Encoder()
        self.decoder = _Decoder()
        self.efc = nn.Conv2d(256, num_classes, 1, bias=False) if num_classes > 0 else nn.Identity()


def _head(num_classes: int) -> nn.Module:
    return nn.Sequential(nn.LayerNorm(EMBED_DIM), nn.Linear(EMBED_DIM, num_classes)) if num_classes > 0 else nn.Identity()


class DRSRFusion(nn.Module):
    """DRSR cross-modal fusion network (CAPF; upstream `CrossFusionNet`, `Network: FusionNet`), spec §5.12.

    forward(rgb, depth, garr_rgb, garr_depth) -> fused logits en_x, N x C.  forward_train(...) -> dict with
    every output the training loss "drsr_capf" (motionzoo.recipes.video_losses) reads.
    """

    def __init__(self, num_classes: int = 60, in_chans: int = 3, dtn_sampling: str = "midpoint",
                 sampling_seed: int | None = None, knn_keep_ratio: float = 0.7, drop_rate: float = 0.1,
                 distill_temperature: float = 0.5, rcm_hidden: int = 256):
        super().__init__()
        self.num_classes = max(int(num_classes), 0)
        # One sampler for both trunks: upstream draws RGB's indices, then depth's, from one `random` stream.
        self.sampler = TokenSampler(dtn_sampling, sampling_seed)
        trunk = dict(num_classes=0, in_chans=in_chans, knn_keep_ratio=knn_keep_ratio, drop_rate=drop_rate,
                     sharpness=False, distill_temperature=distill_temperature, rcm_hidden=rcm_hidden,
                     sampler=self.sampler)
        # Registration order = upstream state-dict order (Appendix B).
        self.fusion_model = PosteriorFusion(self.num_classes)
        self.fc = nn.Conv2d(EMBED_DIM, 1, 1, bias=False)     # modality discriminator, shared by both modalities
        self.Modalit_rgb = DRSR(**trunk)
        self.Modalit_depth = DRSR(**trunk)
        self.crossFusion = _interaction()
        self.crossFusionT = _interaction()
        self.classifier1 = _head(self.num_classes)
        self.classifier2 = _head(self.num_classes)
        self.modality_dropout = nn.Dropout(0.5)

    def get_classifier(self) -> dict[str, nn.Module]:
        """cfg.classifier: `fusion_model.efc`, `classifier1.1`, `classifier2.1`."""
        pick = lambda h: h[1] if isinstance(h, nn.Sequential) else h  # noqa: E731
        return {"fused": self.fusion_model.efc, "rgb": pick(self.classifier1), "depth": pick(self.classifier2)}

    def reset_classifier(self, num_classes: int) -> None:
        self.num_classes = max(int(num_classes), 0)
        self.fusion_model.efc = nn.Conv2d(256, num_classes, 1, bias=False) if num_classes > 0 else nn.Identity()
        for attr in ("classifier1", "classifier2"):
            old = getattr(self, attr)
            if num_classes > 0 and isinstance(old, nn.Sequential):
                setattr(self, attr, nn.Sequential(old[0], nn.Linear(EMBED_DIM, num_classes)))
            else:
                setattr(self, attr, _head(num_classes))

    @torch.no_grad()
    def load_unimodal_trunks(self, rgb: Mapping[str, torch.Tensor], depth: Mapping[str, torch.Tensor]) -> list[str]:
        """Initialise the two trunks from unimodal `drsr` state dicts (spec §5.12.1: upstream's lenient loader keeps
        every trunk key and skips the `dtn.mlp_head_*` heads).  Every trunk key must be present with its shape;
        returns the keys of the unimodal dicts that were not used (the heads)."""
        unused: set[str] = set()
        for name, sd in (("rgb", rgb), ("depth", depth)):
            trunk = getattr(self, f"Modalit_{name}")
            own = trunk.state_dict()
            missing = [k for k in own if k not in sd]
            wrong = [f"{k}: {tuple(sd[k].shape)} vs {tuple(v.shape)}" for k, v in own.items()
                     if k in sd and sd[k].shape != v.shape]
            if missing or wrong:
                raise ValueError(f"the {name} state dict does not fit the fusion trunk Modalit_{name}: missing "
                                 f"{missing[:5]}{' ...' if len(missing) > 5 else ''}, shapes differ {wrong[:5]}")
            trunk.load_state_dict({k: sd[k] for k in own})
            unused |= {k for k in sd if k not in own}
        return sorted(unused)

    def _inputs_ok(self, rgb, depth, garr_rgb, garr_depth) -> None:
        name = type(self).__name__
        _check_clip(name, rgb, garr_rgb, self.Modalit_rgb.in_chans, "rgb")
        _check_clip(name, depth, garr_depth, self.Modalit_depth.in_chans, "depth")
        if rgb.shape[0] != depth.shape[0]:
            raise ValueError(f"{name}: rgb and depth batches differ ({rgb.shape[0]} vs {depth.shape[0]})")
        if self.training and rgb.shape[0] < 2:
            raise ValueError("drsr_capf training needs batch >= 2: BatchNorm in crossFusionT and fusion_model sees "
                             "one value per channel at N = 1 (evaluation at N = 1 works)")

    def _run(self, rgb, depth, garr_rgb, garr_depth, token_indices=None) -> dict:
        self._inputs_ok(rgb, depth, garr_rgb, garr_depth)
        ti = token_indices or {}
        if ti and not (isinstance(ti, Mapping) and set(ti) <= {"rgb", "depth"}):
            raise ValueError("fusion token_indices must be a dict with keys 'rgb' and/or 'depth', each as for drsr")
        ti = {m: _as_branch_indices(v) for m, v in ti.items()}
        n = rgb.shape[0]
        s_rgb = self.Modalit_rgb.forward_spatial(rgb, garr_rgb)          # N x 64 x 512
        s_depth = self.Modalit_depth.forward_spatial(depth, garr_depth)
        # Spatial interaction.  Upstream reinterprets the N x 64 x 1024 memory as N x 1024 x 64 x 1 (a raw view,
        # not a transpose); the trained weights depend on that scrambled layout, so it is kept exactly.
        z = F.normalize(torch.cat([s_rgb, s_depth], dim=-1), dim=-1).contiguous()
        cross = self.crossFusion(z.view(n, 2 * EMBED_DIM, NUM_FRAMES, 1))          # N x 512 x 64 x 1
        shared = cross.reshape(n, NUM_FRAMES, EMBED_DIM)                           # raw view back
        # Temporal stage: each trunk's DTN on its tokens + the shared term; branch CLS features max-merged.
        # RGB runs before depth so a shared seeded sampler draws in upstream's order.
        cls_rgb, emb_rgb, _ = self.Modalit_rgb.dtn(s_rgb + shared, ti.get("rgb"))
        cls_depth, emb_depth, _ = self.Modalit_depth.dtn(s_depth + shared, ti.get("depth"))
        t_rgb, t_depth = cls_rgb.max(dim=1).values, cls_depth.max(dim=1).values    # N x 512
        distill_rgb = distillation_loss(cls_rgb, emb_rgb, self.Modalit_rgb.distill_temperature)
        distill_depth = distillation_loss(cls_depth, emb_depth, self.Modalit_depth.distill_temperature)
        # Per-modality heads see the features before the temporal interaction.
        logits_rgb, logits_depth = self.classifier1(t_rgb), self.classifier2(t_depth)
        g = F.normalize(torch.cat([t_rgb, t_depth], dim=-1), dim=-1)
        g = self.crossFusionT(g.view(n, 2 * EMBED_DIM, 1, 1)).flatten(1)            # N x 512
        t_rgb_enh, t_depth_enh = t_rgb + g, t_depth + g
        fused = self.fusion_model.encoder(torch.cat([t_rgb_enh, t_depth_enh], dim=1)[:, :, None, None])  # N x 256 x 1 x 1
        return {
            "spatial_rgb": s_rgb, "spatial_depth": s_depth, "cross_fusion": cross, "cross_fusion_t": g,
            "temporal_rgb": t_rgb, "temporal_depth": t_depth, "features_rgb": t_rgb_enh, "features_depth": t_depth_enh,
            "fused_features": fused.flatten(1), "logits_rgb": logits_rgb, "logits_depth": logits_depth,
            "distill_rgb": distill_rgb, "distill_depth": distill_depth, "distill_loss": distill_rgb + distill_depth,
            "_fused_map": fused,
        }

    def forward_features(self, rgb, depth, garr_rgb, garr_depth, token_indices=None) -> dict[str, torch.Tensor]:
        """Pre-logits of every head: `fused` (N x 256, input of efc), `rgb` and `depth` (N x 512, the
        max-merged CLS features before the temporal interaction, inputs of classifier1/2)."""
        r = self._run(rgb, depth, garr_rgb, garr_depth, token_indices)
        return {"fused": r["fused_features"], "rgb": r["temporal_rgb"], "depth": r["temporal_depth"]}

    def forward_head(self, features: Mapping[str, torch.Tensor], pre_logits: bool = False):
        """Fused logits en_x (N x C) from forward_features' dict; `pre_logits`: the efc input, N x 256."""
        fused = features["fused"]
        if pre_logits or self.num_classes == 0:
            return fused
        return self.fusion_model.efc(fused[:, :, None, None]).flatten(1)

    def forward(self, rgb, depth, garr_rgb, garr_depth, token_indices=None):
        """Eval: fused logits en_x, N x C.  Train: forward_train's dict, which the training loss reads."""
        if self.training:
            return self.forward_train(rgb, depth, garr_rgb, garr_depth, token_indices)
        return self.forward_head(self.forward_features(rgb, depth, garr_rgb, garr_depth, token_indices))

    def forward_train(self, rgb, depth, garr_rgb, garr_depth, token_indices=None) -> dict[str, torch.Tensor]:
        """All outputs: `logits` (en_x), `logits_rgb`, `logits_depth`, `reconstruction` (de_x, N x 512),
        `modality_logits_rgb/depth` (discriminator, N), `distill_loss` and its parts, and intermediates."""
        r = self._run(rgb, depth, garr_rgb, garr_depth, token_indices)
        fused_map = r.pop("_fused_map")
        r["logits"] = self.forward_head({"fused": r["fused_features"]})
        r["reconstruction"] = self.fusion_model.decoder(fused_map).flatten(1)
        disc = lambda t: self.fc(self.modality_dropout(t)[:, :, None, None]).flatten()  # noqa: E731
        r["modality_logits_rgb"], r["modality_logits_depth"] = disc(r["features_rgb"]), disc(r["features_depth"])
        return r


# ---------------------------------------------------------------------------------------------------------
# Registry
# ---------------------------------------------------------------------------------------------------------
_PUBLISHED_SOURCE = "damo-cv/MotionRGBD README (top-1 %, single clip; best epoch chosen on test, spec §6.11)"
_UNIMODAL_PARAMS = 38_196_822      # C = 60; 38,104,482 + 1,539 C
_FUSION_PARAMS = 79_828_412        # C = 60; 79,751,492 + 1,282 C


def _cfg(modality: str, published: dict, **kw) -> PretrainedCfg:
    unimodal = modality in ("rgb", "depth")
    return PretrainedCfg(
        paper=_PAPER, official_code=_CODE, license="MIT",
        eval_protocol={"clips": 1, "crops": 1, "clip_len": NUM_FRAMES, "sampling": "uniform_segments_midpoint",
                       "level": "clip", "notes": "centre crop 224; DTN tokens at segment midpoints (spec §6.11)"},
        modality=modality, input_layout="NCTHW", in_chans=3, input_size=(3, NUM_FRAMES, 224, 224), clip_len=NUM_FRAMES,
        frame_sampling="uniform_segments_midpoint", channel_order="rgb", value_range="(v - 127.5) / 128",
        num_classes=60, first_conv="Conv3d_1a_7x7.conv3d" if unimodal else None,
        classifier=(("dtn.mlp_head_small.1", "dtn.mlp_head_media.1", "dtn.mlp_head_large.1") if unimodal
                    else ("fusion_model.efc", "classifier1.1", "classifier2.1")),
        num_params=_UNIMODAL_PARAMS if unimodal else _FUSION_PARAMS,
        # Measured with FlopCounterMode at input_size (benchmarks/speed_drsr.py).  Upstream counts 146.35 GFLOPs:
        # its FRP runs a Conv1d over the feature maps (0.09 GFLOPs) where ours multiplies elementwise.
        gmacs=73.127 if unimodal else 146.306,
        published_metrics=published, published_source=_PUBLISHED_SOURCE,
        deviations=DEVIATIONS, converter="drsr", pipeline={"name": "rgbd_clip", "dataset": "ntu"}, **kw)


def _published(*columns: tuple[int, str]) -> dict:
    """The README's table; keys `<dataset>_<modality>` (the tag grammar's order), one per (column, modality)."""
    table = {"nvgesture": (89.58, 90.62, 91.70), "thu_read": (81.25, 77.92, 87.04), "ntu60_xsub": (90.3, 92.7, 94.2),
             "ntu60_xview": (95.4, 96.2, 97.3), "isogd": (60.87, 60.17, 66.79)}
    return {f"{k}_{modality}": {"top1": v[col]} for col, modality in columns for k, v in table.items()}


_NOTES_UNI = ("inputs: forward(x, garr); garr = FRP heat-map N x 1 x 64 x H x W (spec §6.8, window 10; 4 for "
              "NvGesture). H, W multiples of 32. Published numbers: other class counts than 60 for non-NTU datasets.")

# One registered name per architecture (video-models.md §0.3): the unimodal network is `drsr` for RGB and for depth
# (a 3-channel colour image), the fusion network `drsr_capf`; weights will be tags (`drsr.ntu60_xsub_rgb`, ...).
default_cfgs = {
    "drsr": _cfg("rgb", _published((0, "rgb"), (1, "depth")),
                 description="DRSR unimodal network (upstream I3DWTrans): RGB clips, or depth as a 3-channel colour "
                             "image (JET for NTU, stored 3-channel JPEG otherwise; spec §6.7)", notes=_NOTES_UNI),
    "drsr_capf": _cfg("rgbd", _published((2, "rgbd")), num_streams=2,
                      description="DRSR cross-modal fusion (CAPF / FusionNet), RGB + depth",
                      notes="inputs: forward(rgb, depth, garr_rgb, garr_depth)."),
}


@register_model
def drsr(pretrained: bool = False, **kwargs) -> DRSR:
    return build_model_with_cfg(DRSR, "drsr", pretrained, **kwargs)


@register_model
def drsr_capf(pretrained: bool = False, **kwargs) -> DRSRFusion:
    return build_model_with_cfg(DRSRFusion, "drsr_capf", pretrained, **kwargs)


register_model_deprecations({"drsr_rgb": "drsr", "drsr_depth": "drsr", "drsr_fusion": "drsr_capf"})
