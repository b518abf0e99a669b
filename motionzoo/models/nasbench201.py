"""NAS-Bench-201: the cell search space, its macro network ("TinyNetwork", C = 16, N = 5) and the benchmark's
architecture strings and indices, as used by the skeleton-NAS thesis on skeleton images.

Spec: nas-bench-201.md.  The module names follow the reference implementation's state dict verbatim (§5), so
converting an upstream checkpoint is the identity key map (motionzoo/convert/nas201.py).

Input: N x C x H x W skeleton images (C = x, y, z as R, G, B; H = joints; W = frames; spec §7.1).  H and W must be
divisible by 4 (two stride-2 reductions whose conv and shortcut paths must agree).
"""
from __future__ import annotations

import base64
import functools
import hashlib
from typing import Iterable, Sequence

import torch
from torch import nn

from .._builder import build_model_with_cfg
from .._pretrained import PretrainedCfg
from .._registry import register_model, register_model_deprecations
from ..data.transforms import IMAGE_PRESETS

__all__ = [
    "OPS", "EDGES", "NUM_ARCHS", "ArchStringError", "parse_arch", "format_arch", "canonical_index",
    "arch_from_canonical", "arch_strings", "arch_to_index", "index_to_arch", "resolve_arch", "op_counts",
    "live_edges", "input_reaches_output", "conv_depth", "topology", "describe_arch", "param_count",
    "INPUT_PRESETS", "NASBench201Net",
]

MODEL_FAMILY = "nasbench201"

# Search-space order: position = the digit of the canonical index (§1, §3.2).
OPS: tuple[str, ...] = ("none", "skip_connect", "nor_conv_1x1", "nor_conv_3x3", "avg_pool_3x3")
CONV_OPS = frozenset({"nor_conv_1x1", "nor_conv_3x3"})
# Edge k = (source node, target node), in string / module-list order e0..e5.
EDGES: tuple[tuple[int, int], ...] = ((0, 1), (0, 2), (1, 2), (0, 3), (1, 3), (2, 3))
NUM_ARCHS = len(OPS) ** len(EDGES)  # 15,625

# The benchmark's own best CIFAR-10 cell and the "ResNet-like" cell (spec §3.3 table).
BEST_CIFAR10 = "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_3x3~2|"
RESNET = "|nor_conv_3x3~0|+|none~0|nor_conv_3x3~1|+|skip_connect~0|none~1|skip_connect~2|"


# ---------------------------------------------------------------------------------------------------------
# Architecture strings
# ---------------------------------------------------------------------------------------------------------
class ArchStringError(ValueError):
    """An architecture string (or index) outside the NAS-Bench-201 grammar of spec §3.1."""


def parse_arch(arch: str) -> tuple[str, ...]:
    """`|op~0|+|op~0|op~1|+|op~0|op~1|op~2|` -> the six op names in edge order e0..e5."""
    if not isinstance(arch, str):
        raise ArchStringError(f"architecture must be a string, got {type(arch).__name__}")
    nodes = arch.split("+")
    if len(nodes) != 3:
        raise ArchStringError(f"{arch!r}: expected 3 computed nodes separated by '+', found {len(nodes)}")
    ops: list[str] = []
    for node, text in enumerate(nodes, start=1):
        if len(text) < 2 or not (text.startswith("|") and text.endswith("|")):
            raise ArchStringError(f"{arch!r}: node {node} token {text!r} must be enclosed in '|'")
        tokens = text[1:-1].split("|")
        if len(tokens) != node:
            raise ArchStringError(f"{arch!r}: node {node} token {text!r} has {len(tokens)} incoming edges, "
                                  f"expected {node} (one from each earlier node)")
        for src, token in enumerate(tokens):
            op, sep, got_src = token.partition("~")
            if not sep:
                raise ArchStringError(f"{arch!r}: edge token {token!r} is not of the form OP~SOURCE")
            if op not in OPS:
                raise ArchStringError(f"{arch!r}: unknown operation {op!r} in token {token!r}; "
                                      f"known: {', '.join(OPS)}")
            if got_src != str(src):
                raise ArchStringError(f"{arch!r}: token {token!r} of node {node} must read from node {src} "
                                      f"(incoming edges are listed in ascending source order)")
            ops.append(op)
    return tuple(ops)


def format_arch(ops: Sequence[str]) -> str:
    """Six op names (edge order e0..e5) -> the canonical architecture string."""
    ops = tuple(ops)
    if len(ops) != len(EDGES):
        raise ArchStringError(f"expected {len(EDGES)} operations, got {len(ops)}: {ops}")
    for op in ops:
        if op not in OPS:
            raise ArchStringError(f"unknown operation {op!r}; known: {', '.join(OPS)}")
    e = [f"{op}~{src}" for op, (src, _) in zip(ops, EDGES)]
    return f"|{e[0]}|+|{e[1]}|{e[2]}|+|{e[3]}|{e[4]}|{e[5]}|"


def canonical_index(arch: str | Sequence[str]) -> int:
    """Position in the reference generator's order: base-5 digits, e0 most significant (§3.2)."""
    ops = parse_arch(arch) if isinstance(arch, str) else tuple(arch)
    index = 0
    for op in ops:
        index = index * len(OPS) + OPS.index(op)
    return index


def arch_from_canonical(index: int) -> str:
    if not 0 <= int(index) < NUM_ARCHS:
        raise ArchStringError(f"canonical index {index} outside 0..{NUM_ARCHS - 1}")
    digits = []
    for _ in EDGES:
        index, d = divmod(int(index), len(OPS))
        digits.append(OPS[d])
    return format_arch(digits[::-1])


@functools.lru_cache(maxsize=1)
def _benchmark_order() -> tuple[int, ...]:
    """Benchmark index -> canonical index, from the shipped table (regenerated in the tests, not here)."""
    from ._nasbench201_order import ORDER_B64, ORDER_SHA256
    raw = base64.b64decode(ORDER_B64)
    if hashlib.sha256(raw).hexdigest() != ORDER_SHA256 or len(raw) != 2 * NUM_ARCHS:
        raise RuntimeError("motionzoo/models/_nasbench201_order.py is corrupt (sha256 mismatch)")
    return tuple(int.from_bytes(raw[i:i + 2], "little") for i in range(0, len(raw), 2))


@functools.lru_cache(maxsize=1)
def _strings() -> tuple[str, ...]:
    return tuple(arch_from_canonical(c) for c in _benchmark_order())


@functools.lru_cache(maxsize=1)
def _string_to_index() -> dict[str, int]:
    return {s: i for i, s in enumerate(_strings())}


def arch_strings() -> list[str]:
    """All 15,625 architecture strings in NAS-Bench-201 / NATS-Bench (tss) benchmark-index order."""
    return list(_strings())


def index_to_arch(index: int) -> str:
    if isinstance(index, bool) or not 0 <= int(index) < NUM_ARCHS:
        raise ArchStringError(f"benchmark index {index} outside 0..{NUM_ARCHS - 1}")
    return _strings()[int(index)]


def arch_to_index(arch: str) -> int:
    """Benchmark index of an architecture string (validated first, so a bad string names its bad token)."""
    return _string_to_index()[format_arch(parse_arch(arch))]


def resolve_arch(arch: str | int) -> str:
    """A benchmark index (int or digit string) or an architecture string -> the validated string."""
    if isinstance(arch, int) and not isinstance(arch, bool):
        return index_to_arch(arch)
    if isinstance(arch, str) and arch.strip().isdigit():
        return index_to_arch(int(arch))
    return format_arch(parse_arch(arch))


# ---------------------------------------------------------------------------------------------------------
# Describing an architecture (used by the sweep analysis)
# ---------------------------------------------------------------------------------------------------------
def op_counts(arch: str) -> dict[str, int]:
    ops = parse_arch(arch)
    return {op: ops.count(op) for op in OPS}


def live_edges(arch: str) -> tuple[int, ...]:
    """Edges on some path of non-`none` edges from the cell input (node 0) to the output (node 3).  The other
    edges carry no information about the input: either their result is dropped (no path onwards to node 3) or
    their source node sees only zeros (a convolution there still adds its BN shift, a constant per channel)."""
    ops = parse_arch(arch)
    reach_from_input = {0}
    for k, (i, j) in enumerate(EDGES):  # EDGES is topologically sorted by target
        if ops[k] != "none" and i in reach_from_input:
            reach_from_input.add(j)
    reaches_output = {3}
    for k, (i, j) in reversed(list(enumerate(EDGES))):
        if ops[k] != "none" and j in reaches_output:
            reaches_output.add(i)
    return tuple(k for k, (i, j) in enumerate(EDGES)
                 if ops[k] != "none" and i in reach_from_input and j in reaches_output)


def input_reaches_output(arch: str) -> bool:
    """False when every path from node 0 to node 3 contains a `none` edge: the cell discards its input and
    outputs a constant (zero), so the network only sees the stem through the two residual blocks."""
    return bool(live_edges(arch))


def conv_depth(arch: str) -> int:
    """Largest number of convolution edges on one live input -> output path (0 = no live convolution)."""
    ops, live = parse_arch(arch), set(live_edges(arch))
    depth = {0: 0}
    for k, (i, j) in enumerate(EDGES):
        if k in live and i in depth:
            depth[j] = max(depth.get(j, 0), depth[i] + (ops[k] in CONV_OPS))
    return depth.get(3, 0)


def topology(arch: str) -> str:
    """How the live convolutions are arranged (the thesis' parallel-vs-sequential finding, spec §7.4):

    - `disconnected`: the input does not reach the output;
    - `no_conv`: connected, but no live convolution;
    - `single`: exactly one live convolution;
    - `parallel`: two or more live convolutions, but no path passes through more than one (they act side by
      side, typically several convolutions leaving node 0);
    - `sequential`: some path chains two or more convolutions through intermediate nodes.
    """
    live = live_edges(arch)
    if not live:
        return "disconnected"
    ops = parse_arch(arch)
    n_conv = sum(ops[k] in CONV_OPS for k in live)
    if n_conv == 0:
        return "no_conv"
    if n_conv == 1:
        return "single"
    return "sequential" if conv_depth(arch) >= 2 else "parallel"


def describe_arch(arch: str | int, num_classes: int = 27, in_chans: int = 3) -> dict:
    """Everything the analysis groups by, for one architecture."""
    s = resolve_arch(arch)
    ops = parse_arch(s)
    live = live_edges(s)
    return {
        "arch": s,
        "index": arch_to_index(s),
        "canonical_index": canonical_index(s),
        "ops": list(ops),
        "op_counts": op_counts(s),
        "live_edges": list(live),
        "input_reaches_output": bool(live),
        "input_conv_edges": [k for k in live if EDGES[k][0] == 0 and ops[k] in CONV_OPS],
        "conv_depth": conv_depth(s),
        "topology": topology(s),
        "only_avg_pool": all(op in ("avg_pool_3x3", "none") for op in ops) and "avg_pool_3x3" in ops,
        "num_params": param_count(s, num_classes, in_chans),
    }


def param_count(arch: str | int, num_classes: int, in_chans: int = 3) -> int:
    """Closed form of spec §4 (C = 16, N = 5)."""
    ops = parse_arch(resolve_arch(arch))
    n3, n1 = ops.count("nor_conv_3x3"), ops.count("nor_conv_1x1")
    head = 65 * num_classes if num_classes > 0 else 0
    return 72_656 + head + 243_040 * n3 + 28_000 * n1 + 144 * (in_chans - 3)


# ---------------------------------------------------------------------------------------------------------
# Input encodings of the thesis (spec §7.1) and its training recipe (§7.3)
# ---------------------------------------------------------------------------------------------------------
def _input_preset(image_preset: str, num_classes: int, dataset: str, split: str) -> dict:
    """Model-side view of a `motionzoo.data.IMAGE_PRESETS` entry (the constants live there, in 0-255 units)."""
    p = IMAGE_PRESETS[image_preset]
    return dict(input_size=(3, p["height"], p["width"]), num_classes=num_classes, dataset=dataset, split=split,
                transform_preset=image_preset, mean=tuple(m / 255 for m in p["mean"]),
                std=tuple(v / 255 for v in p["std"]))


# Input encodings of the thesis: images H x W = joints x frames; build the matching transform with
# `motionzoo.data.SkeletonToImage.preset(INPUT_PRESETS[name]["transform_preset"])`.
INPUT_PRESETS: dict[str, dict] = {
    "utd_mhad": _input_preset("utd_mhad_20x68", 27, "utd_mhad", "xsub"),
    "ntu_xsub": _input_preset("ntu60_xsub_28x84", 60, "ntu60", "xsub"),
    "ntu_xview": _input_preset("ntu60_xview_28x88", 60, "ntu60", "xview"),
}

# ---------------------------------------------------------------------------------------------------------
# Network
# ---------------------------------------------------------------------------------------------------------
class ReLUConvBN(nn.Sequential):
    """ReLU -> Conv (no bias) -> BN; the reference's `nor_conv_*` ops and residual-block convs (`op.1`, `op.2`)."""

    def __init__(self, c_in: int, c_out: int, kernel: int, stride: int):
        super().__init__()
        self.op = nn.Sequential(
            nn.ReLU(inplace=False),  # inplace would clobber a node tensor that other edges still read
            nn.Conv2d(c_in, c_out, kernel, stride=stride, padding=kernel // 2, bias=False),
            nn.BatchNorm2d(c_out, affine=True, track_running_stats=True))


class Zero(nn.Module):
    """`none`: contributes nothing.  The cell skips it when summing (see InferCell.forward)."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.mul(0.0)


def _make_op(name: str, channels: int) -> nn.Module:
    if name == "none":
        return Zero()
    if name == "skip_connect":
        return nn.Identity()
    if name == "nor_conv_1x1":
        return ReLUConvBN(channels, channels, 1, 1)
    if name == "nor_conv_3x3":
        return ReLUConvBN(channels, channels, 3, 1)
    if name == "avg_pool_3x3":
        return nn.AvgPool2d(3, stride=1, padding=1, count_include_pad=False)
    raise ArchStringError(f"unknown operation {name!r}")


class InferCell(nn.Module):
    """4-node cell: node j = sum over i < j of op_ij(node i); node 3 is the output.  Shape-preserving."""

    def __init__(self, ops: Sequence[str], channels: int):
        super().__init__()
        self.ops = tuple(ops)
        self.layers = nn.ModuleList(_make_op(op, channels) for op in self.ops)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        nodes = [x]
        for j in (1, 2, 3):
            # `none` edges are left out of the sum (identical to adding x * 0 for finite inputs, and cheaper).
            terms = [self.layers[k](nodes[i]) for k, (i, t) in enumerate(EDGES)
                     if t == j and self.ops[k] != "none"]
            if not terms:
                nodes.append(torch.zeros_like(x))
                continue
            total = terms[0]
            for term in terms[1:]:
                total = total + term
            nodes.append(total)
        return nodes[3]


class ResNetBasicBlock(nn.Module):
    """Stride-2 reduction: AvgPool2x2 -> Conv1x1 shortcut plus two ReLU-Conv-BN, no ReLU after the sum."""

    def __init__(self, c_in: int, c_out: int):
        super().__init__()
        self.conv_a = ReLUConvBN(c_in, c_out, 3, 2)
        self.conv_b = ReLUConvBN(c_out, c_out, 3, 1)
        self.downsample = nn.Sequential(nn.AvgPool2d(kernel_size=2, stride=2, padding=0),
                                        nn.Conv2d(c_in, c_out, 1, bias=False))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.downsample(x) + self.conv_b(self.conv_a(x))


class NASBench201Net(nn.Module):
    """NAS-Bench-201 "TinyNetwork": stem -> 5 cells (C) -> reduce -> 5 cells (2C) -> reduce -> 5 cells (4C)
    -> BN-ReLU -> global average pool -> Linear.

    Input N x in_chans x H x W, H and W divisible by 4.  `forward_features` returns the pooled N x 4C vector
    (what enters the classifier).
    """

    def __init__(self, cell: str | int = BEST_CIFAR10, num_classes: int = 27, in_chans: int = 3,
                 channels: int = 16, cells_per_stage: int = 5):
        super().__init__()
        self.arch = resolve_arch(cell)
        self.ops = parse_arch(self.arch)
        self.num_classes = num_classes
        self.in_chans = in_chans
        c = channels
        self.stem = nn.Sequential(nn.Conv2d(in_chans, c, 3, padding=1, bias=False), nn.BatchNorm2d(c))
        cells: list[nn.Module] = []
        stage_channels = (c, 2 * c, 4 * c)
        for stage, ch in enumerate(stage_channels):
            if stage > 0:
                cells.append(ResNetBasicBlock(stage_channels[stage - 1], ch))
            cells.extend(InferCell(self.ops, ch) for _ in range(cells_per_stage))
        self.cells = nn.ModuleList(cells)
        self.num_features = stage_channels[-1]
        self.lastact = nn.Sequential(nn.BatchNorm2d(self.num_features), nn.ReLU(inplace=True))
        self.global_pool = nn.AdaptiveAvgPool2d(1)
        self.classifier = nn.Linear(self.num_features, num_classes) if num_classes > 0 else nn.Identity()
        reductions = [i for i, m in enumerate(self.cells) if isinstance(m, ResNetBasicBlock)]
        # One entry per stage end: (module name, channels, spatial reduction).
        self.feature_info = [
            dict(module=f"cells.{reductions[0] - 1}", num_chs=c, reduction=1),
            dict(module=f"cells.{reductions[1] - 1}", num_chs=2 * c, reduction=2),
            dict(module="lastact", num_chs=4 * c, reduction=4),
        ]

    def _check_input(self, x: torch.Tensor) -> None:
        if x.dim() != 4 or x.shape[1] != self.in_chans:
            raise ValueError(f"NASBench201Net expects N x {self.in_chans} x H x W (NCHW; skeleton images: "
                             f"C = xyz, H = joints, W = frames), got shape {tuple(x.shape)}")
        h, w = x.shape[-2:]
        if h % 4 or w % 4:
            raise ValueError(f"NASBench201Net needs H and W divisible by 4 (two stride-2 reductions whose conv "
                             f"and shortcut paths must agree), got H x W = {h} x {w} in shape {tuple(x.shape)}")

    def forward_intermediates(self, x: torch.Tensor, indices: Iterable[int] | None = None
                              ) -> tuple[torch.Tensor, list[torch.Tensor]]:
        """(pooled features, [stage-1 map, stage-2 map, final map after BN-ReLU]) for the requested stages."""
        self._check_input(x)
        wanted = set(range(len(self.feature_info)) if indices is None else indices)
        stage_ends = {info["module"]: n for n, info in enumerate(self.feature_info)}
        maps: list[torch.Tensor] = []
        x = self.stem(x)
        for i, cell in enumerate(self.cells):
            x = cell(x)
            if stage_ends.get(f"cells.{i}") in wanted:
                maps.append(x)
        x = self.lastact(x)                      # N x 4C x H/4 x W/4
        if len(self.feature_info) - 1 in wanted:
            maps.append(x)
        return self.global_pool(x).flatten(1), maps

    def forward_features(self, x: torch.Tensor) -> torch.Tensor:
        self._check_input(x)
        x = self.stem(x)
        for cell in self.cells:
            x = cell(x)
        x = self.lastact(x)
        return self.global_pool(x).flatten(1)   # N x 4C

    def forward_head(self, x: torch.Tensor, pre_logits: bool = False) -> torch.Tensor:
        return x if pre_logits else self.classifier(x)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.forward_head(self.forward_features(x))

    def get_classifier(self) -> nn.Module:
        return self.classifier

    def reset_classifier(self, num_classes: int) -> None:
        self.num_classes = num_classes
        self.classifier = nn.Linear(self.num_features, num_classes) if num_classes > 0 else nn.Identity()


# ---------------------------------------------------------------------------------------------------------
# Registration
# ---------------------------------------------------------------------------------------------------------
_PAPER = ("X. Dong, Y. Yang. NAS-Bench-201: Extending the Scope of Reproducible Neural Architecture Search. "
          "ICLR 2020, arXiv:2001.00326")
_UTD = INPUT_PRESETS["utd_mhad"]


def _cfg(arch_string: str, description: str, **kw) -> PretrainedCfg:
    return PretrainedCfg(
        description=description, paper=_PAPER,
        official_code="D-X-Y/AutoDL-Projects (xautodl 1.0.0, models/cell_infers/tiny_network.py); "
                      "skeleton encoding and recipe: cbrozmann/NASThesis",
        license="MIT (code); no weights", modality="skeleton", input_layout="NCHW", in_chans=3,
        input_size=_UTD["input_size"], keypoint_format="kinect_v1_20", num_classes=_UTD["num_classes"],
        dataset=_UTD["dataset"], split=_UTD["split"], value_range="skeleton image normalised by mean/std",
        channel_order="xyz", mean=_UTD["mean"], std=_UTD["std"],
        skeleton_normalization="per-sample global min-max over joints, frames and xyz to 0-255, uint8 "
                               "(truncated), bilinear resize to 20 x 68 (spec nas-bench-201.md §7.1)",
        first_conv="stem.0", classifier="classifier",
        recipe="nasbench201/utd_mhad_thesis (the thesis'), nasbench201/utd_mhad (motionzoo.recipes)",
        pipeline={"name": "skeleton_image"},
        num_params=param_count(arch_string, _UTD["num_classes"]), model_args={"cell": arch_string},
        notes="Architecture-only: NAS-Bench-201 publishes metrics, not weights, and the thesis' per-architecture "
              "results are not published in accessible form (spec §7.5).  Input presets: "
              + ", ".join(f"preset={k!r} ({v['input_size'][1]}x{v['input_size'][2]}, K={v['num_classes']})"
                          for k, v in INPUT_PRESETS.items()) + ".", **kw)


default_cfgs = {
    "nasbench201": _cfg(BEST_CIFAR10, "NAS-Bench-201 network for any cell (arch=<string> or <benchmark index>); "
                                      "default: the best CIFAR-10 cell (index 9930)", gmacs=0.245346),
    "nasbench201_resnet": _cfg(RESNET, "NAS-Bench-201 index 11472, the 'ResNet-like' cell (conv-conv plus skip)",
                               gmacs=0.104341),
}


def _build(variant: str, pretrained: bool, arch_string: str, preset: str | None, builder_kwargs: tuple[str, ...],
           **kwargs) -> NASBench201Net:
    cfg: PretrainedCfg = kwargs.pop("pretrained_cfg", None) or default_cfgs[variant]
    arch_string = resolve_arch(arch_string)
    if preset is not None:
        if preset not in INPUT_PRESETS:
            raise ValueError(f"unknown NAS-Bench-201 input preset {preset!r}; known: {', '.join(INPUT_PRESETS)}")
        p = INPUT_PRESETS[preset]
        cfg = cfg.replace(input_size=p["input_size"], num_classes=p["num_classes"], dataset=p["dataset"],
                          split=p["split"], mean=p["mean"], std=p["std"],
                          keypoint_format="ntu25" if p["dataset"].startswith("ntu") else cfg.keypoint_format)
    cfg = cfg.replace(model_args={"cell": arch_string})
    # the class's `cell` is the builder's `arch`: a `cell=` from the caller is refused, not overridden
    model = build_model_with_cfg(NASBench201Net, variant, pretrained, pretrained_cfg=cfg,
                                 fixed_kwargs={"cell": arch_string}, builder_kwargs=builder_kwargs, **kwargs)
    # The cfg describes the network actually built (arch, head, in_chans may differ from the default).
    model.pretrained_cfg = model.pretrained_cfg.replace(num_classes=model.num_classes, in_chans=model.in_chans)
    if cfg.gmacs is not None and model.arch != (default_cfgs[variant].model_args or {}).get("cell"):
        model.pretrained_cfg = model.pretrained_cfg.replace(gmacs=None)
    model.default_cfg = model.pretrained_cfg
    return model


@register_model
def nasbench201(pretrained: bool = False, arch: str | int = BEST_CIFAR10, preset: str | None = None, **kwargs):
    """Any NAS-Bench-201 cell: `arch` is an architecture string or a benchmark index 0..15624."""
    return _build("nasbench201", pretrained, arch, preset, ("arch", "preset"), **kwargs)


@register_model
def nasbench201_resnet(pretrained: bool = False, preset: str | None = None, **kwargs):
    """The benchmark's 'ResNet-like' cell (index 11472)."""
    if kwargs.get("arch") is not None:
        raise TypeError("nasbench201_resnet has a fixed cell; use create_model('nasbench201', arch=...) for another")
    return _build("nasbench201_resnet", pretrained, RESNET, preset, ("preset",), **kwargs)


# One registered name per architecture: the best CIFAR-10 cell is `nasbench201`'s default.
register_model_deprecations({"nasbench201_best_cifar10": "nasbench201"})
