"""Export: `torch.export`, ONNX and `torch.compile` for every registered architecture (zoo-conventions.md §2.12).

    report = export_onnx(model, "model.onnx")         # opset 18, dynamic batch (and frames where allowed)
    report.max_rel_err                                  # onnxruntime vs eager on a *second* input (None without ort)

Every check runs the model in eval mode on an example input built from its cfg (`example_inputs`), then compares
against eager PyTorch on a different input (another batch size, and another frame count where the frames are
dynamic): a graph that froze a value from the first input would fail there (mmdeploy#505).  `EXPORT_NOTES` says
per architecture what is dynamic and why the rest is not; `EXPORT_EXCEPTIONS` lists the architectures that do not
export at all, with the reason (none at present; the model cards repeat both).

ONNX needs the optional packages `onnx` and `onnxscript` (the exporter) and `onnxruntime` (the numerical check):
`pip install motionzoo[export]`.
"""
from __future__ import annotations

import contextlib
import io
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
from torch import nn

__all__ = ["example_inputs", "dynamic_shapes", "export_program", "export_onnx", "compile_check", "ExportReport",
           "EXPORT_NOTES", "EXPORT_EXCEPTIONS", "export_note", "export_kwargs", "relative_error", "ONNX_OPSET"]

ONNX_OPSET = 18
EXPORT_EXCEPTIONS: dict[str, str] = {}

_STREAMS = "N (batch) and T in multiples of the 25-frame window (the spatial stream cuts T into windows)"
EXPORT_NOTES: dict[str, str] = {
    "two_stream_rnn": f"dynamic {_STREAMS}",
    "spatial_rnn_chain": f"dynamic {_STREAMS}",
    "spatial_rnn_traversal": f"dynamic {_STREAMS}",
    "temporal_rnn_stacked": "dynamic N and T (T >= 2)",
    "temporal_rnn_hierarchical": "dynamic N and T (T >= 2)",
    "temporal_rnn_part_hier": "dynamic N and T (T >= 2)",
    "stgcn": "dynamic N and T (T >= 5: two stride-2 temporal stages); M = 2 bodies and V fixed",
    "ctrgcn": "dynamic N and T (T >= 5: two stride-2 temporal stages); M = 2 bodies and V fixed",
    "lstm_baseline": "dynamic N and T (T >= 2); M = 2 bodies and V fixed",
    "pose_lstm": "dynamic N and T; the optional `lengths` argument is not part of the exported graph (the last "
                 "frame's state is the output: pad at the front, as resolve_transforms does)",
    "nasbench201": "dynamic N, H and W in multiples of 4 (two stride-2 stages, global average pooling)",
    "nasbench201_resnet": "dynamic N, H and W in multiples of 4 (two stride-2 stages, global average pooling)",
    "c3d": "dynamic N; C, T, H, W fixed at 3x16x112x112 (fc6 takes the flattened pool5 map)",
    "i3d": "dynamic N; T, H, W fixed at export (the published head is a fixed 2x7x7 average pool; with "
           "global_pool='avg' any size runs, but the graph keeps the exported one)",
    "drsr": "dynamic N; T = 64 is fixed by the architecture (the DTN's token sampling), H, W fixed at export",
    "drsr_capf": "dynamic N; T = 64 fixed by the architecture, H, W fixed at export",
    "smnet": "dynamic N; the number of 16-frame clips (T) is fixed at export: the attention LSTM is a Python loop "
             "over clips, unrolled into the graph; `lengths` (per-sample clip masks) stays an input",
}


def export_note(name: str) -> str:
    arch = name.partition(".")[0]
    return EXPORT_EXCEPTIONS.get(arch) or EXPORT_NOTES.get(arch, "no export information")


# -- example inputs --------------------------------------------------------------------------------------------
def _arch(model: nn.Module) -> str:
    return model.pretrained_cfg.arch


def _gen(seed: int) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


def _frames(model: nn.Module, small: bool) -> int:
    cfg = model.pretrained_cfg
    if cfg.input_layout in ("NTVC", "NMTVC", "NTF"):
        T = cfg.clip_len or (cfg.input_size[-3] if cfg.input_layout == "NMTVC" else cfg.input_size[0])
        return 50 if small else T
    return 0


def example_inputs(model: nn.Module, batch: int = 2, small: bool = True, variant: int = 0) -> tuple:
    """Positional forward arguments for ``model``.  ``small`` uses reduced sizes where the architecture allows
    (skeletons: 50 frames; video: 32x32 frames, 8 frames for I3D with global_pool='avg'); ``variant=1`` gives a
    different input for the parity check: another batch size, and other frame counts where they are dynamic."""
    cfg, arch = model.pretrained_cfg, _arch(model)
    g = _gen(1000 * variant + batch)
    n = batch + variant
    if cfg.input_layout in ("NTVC", "NMTVC"):
        T = _frames(model, small) + (25 * variant if arch.startswith(("two_stream", "spatial")) else 7 * variant)
        size = tuple(cfg.input_size)
        shape = (n, *size[:-3], T, *size[-2:])
        return (torch.randn(shape, generator=g),)
    if cfg.input_layout == "NTF":
        return (torch.randn(n, _frames(model, small) + 7 * variant, cfg.input_size[-1], generator=g),)
    if arch.startswith("nasbench201"):
        c, h, w = cfg.input_size
        return (torch.randn(n, c, h + 4 * variant, w + 8 * variant, generator=g),)
    if arch == "c3d":
        return (torch.randn(n, *cfg.input_size, generator=g),)
    if arch == "i3d":
        if not small:
            shape = tuple(cfg.input_size)
        elif model.global_pool == "avg":
            shape = (3, 8, 32, 32)
        else:                    # the smallest input the published 2x7x7 head accepts
            shape = (3, 16, 193, 193)
        return (torch.randn(n, *shape, generator=g),)
    if arch.startswith("drsr"):
        c, t, h, w = cfg.input_size
        if small:
            h = w = 32
        clip = lambda: torch.randn(n, c, t, h, w, generator=g)   # noqa: E731
        heat = lambda: torch.rand(n, 1, t, h, w, generator=g) * 2  # noqa: E731  FRP heat-map, non-negative
        if arch == "drsr_capf":
            return (clip(), clip(), heat(), heat())
        return (clip(), heat())
    if arch == "smnet":
        c, t, h, w = cfg.input_size
        if small:
            t, h, w = 16, 65, 65
        x = {m: torch.randn(n, c, t, h, w, generator=g) for m in model.modalities}
        x["lengths"] = torch.full((n,), t, dtype=torch.long) - variant
        return (x,)
    raise NotImplementedError(f"no example input for {arch} ({cfg.input_layout})")


def dynamic_shapes(model: nn.Module, inputs: tuple) -> tuple:
    """torch.export dynamic_shapes for ``example_inputs``: what EXPORT_NOTES describes."""
    from torch.export import Dim
    arch, cfg = _arch(model), model.pretrained_cfg
    N = Dim("batch", min=1, max=1024)
    if cfg.input_layout in ("NTVC", "NMTVC"):
        t_axis = inputs[0].dim() - 3
        if arch.startswith(("two_stream", "spatial")):
            T = 25 * Dim("windows", min=1, max=400)
        elif arch in ("stgcn", "ctrgcn"):     # a 1-frame map after the strided stages would be specialised
            T = Dim("frames", min=5, max=10_000)
        else:
            T = Dim("frames", min=2, max=10_000)
        return ({0: N, t_axis: T},)
    if cfg.input_layout == "NTF":
        return ({0: N, 1: Dim("frames", min=2, max=10_000)},)
    if arch.startswith("nasbench201"):    # two stride-2 stages: sizes in multiples of 4
        return ({0: N, 2: 4 * Dim("height4", min=1, max=1024), 3: 4 * Dim("width4", min=1, max=1024)},)
    if arch == "smnet":
        return ({k: {0: N} for k in inputs[0]},)
    return tuple({0: N} for _ in inputs)


# -- checks ----------------------------------------------------------------------------------------------------
def relative_error(actual, expected) -> float:
    """max |actual - expected| / max |expected|."""
    a = torch.as_tensor(actual).double()
    e = torch.as_tensor(expected).double()
    if a.shape != e.shape:
        raise ValueError(f"output shapes differ: {tuple(a.shape)} vs {tuple(e.shape)}")
    return float((a - e).abs().max() / e.abs().max().clamp_min(1e-12))


@dataclass
class ExportReport:
    model: str
    kind: str                                    # "torch.export" | "onnx" | "torch.compile"
    path: str | None = None
    input_shapes: list[tuple[int, ...]] = field(default_factory=list)
    check_shapes: list[tuple[int, ...]] = field(default_factory=list)
    max_rel_err: float | None = None             # vs eager on the second input; None when not checked
    program_rel_err: float | None = None         # onnx: the intermediate torch.export program, same check
    seconds: float = 0.0
    note: str = ""

    def summary(self) -> str:
        err = "not checked (onnxruntime not installed)" if self.max_rel_err is None else f"{self.max_rel_err:.2e}"
        prog = "" if self.program_rel_err is None else f" (torch.export program: {self.program_rel_err:.2e})"
        return (f"{self.model}: {self.kind}{' -> ' + self.path if self.path else ''}; input "
                f"{self.input_shapes}, checked on {self.check_shapes}: max relative error {err}{prog} "
                f"({self.seconds:.1f}s)")


def _shapes(inputs: tuple) -> list[tuple[int, ...]]:
    flat = []
    for a in inputs:
        flat += [tuple(v.shape) for v in a.values()] if isinstance(a, dict) else [tuple(a.shape)]
    return flat


def _flat(inputs: tuple) -> list[torch.Tensor]:
    flat = []
    for a in inputs:
        flat += list(a.values()) if isinstance(a, dict) else [a]
    return flat


def _eager(model: nn.Module, inputs: tuple) -> torch.Tensor:
    with torch.no_grad():
        return model(*inputs)


@contextlib.contextmanager
def _tracing():
    """Conditions for a dynamic-shape trace that does not specialise the frames:
    - LSTMs over time become a while loop (the default decomposition unrolls T steps and fixes T); this is the
      patch torch.onnx's own exporter applies;
    - caches from earlier traces must not meet the symbolic shapes of this one: dynamo keeps the compiled
      while-loop bodies of the previous export (whose guards then add T != 26, a length of the previous model)
      and einops memoises the shapes it has seen; both are emptied around the trace."""
    from torch.export._patches import register_lstm_while_loop_decomposition
    import einops.einops as _einops
    caches = [getattr(_einops, n) for n in ("_reconstruct_from_shape", "_prepare_transformation_recipe")
              if hasattr(getattr(_einops, n, None), "cache_clear")]
    for c in caches:
        c.cache_clear()
    torch._dynamo.reset()
    try:
        with register_lstm_while_loop_decomposition(), torch.no_grad():
            yield
    finally:
        for c in caches:
            c.cache_clear()
        torch._dynamo.reset()


def _prepare(model: nn.Module, inputs: tuple | None, small: bool, batch: int):
    if batch < 2:
        raise ValueError("trace with batch >= 2: torch.export fixes an axis of size 1 (the batch stays dynamic)")
    if EXPORT_EXCEPTIONS.get(_arch(model)):
        raise NotImplementedError(f"{_arch(model)} does not export: {EXPORT_EXCEPTIONS[_arch(model)]}")
    model.eval()
    inputs = inputs if inputs is not None else example_inputs(model, batch, small)
    return inputs, dynamic_shapes(model, inputs), example_inputs(model, batch, small, variant=1)


def export_program(model: nn.Module, inputs: tuple | None = None, small: bool = True, batch: int = 2,
                   check: bool = True):
    """(ExportedProgram, ExportReport): `torch.export.export` with the dynamic axes of EXPORT_NOTES, checked
    against eager on a second input."""
    t0 = time.perf_counter()
    inputs, ds, second = _prepare(model, inputs, small, batch)
    with _tracing():
        prog = torch.export.export(model, inputs, dynamic_shapes=ds, strict=False)
    rep = ExportReport(model.pretrained_cfg.name, "torch.export", input_shapes=_shapes(inputs),
                       note=export_note(model.pretrained_cfg.name))
    if check:
        with torch.no_grad():
            got = prog.module()(*second)
        rep.max_rel_err, rep.check_shapes = relative_error(got, _eager(model, second)), _shapes(second)
    rep.seconds = time.perf_counter() - t0
    return prog, rep


def export_onnx(model: nn.Module, path: str | Path, inputs: tuple | None = None, small: bool = False,
                batch: int = 2, opset: int = ONNX_OPSET, check: bool = True) -> ExportReport:
    """Write ``path`` (ONNX, weights inside the file) with dynamic batch (and frames where allowed), then, when
    onnxruntime is installed, compare it with eager PyTorch on a second input."""
    import importlib.util
    if importlib.util.find_spec("onnxscript") is None:      # the torch.export-based exporter needs it
        raise ImportError("ONNX export needs `pip install motionzoo[export]` (onnx, onnxscript, onnxruntime)")
    t0 = time.perf_counter()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    # our own torch.export first: torch.onnx's capture would otherwise fall back to static shapes silently when
    # a dynamic axis cannot be kept
    prog, prog_rep = export_program(model, inputs, small, batch, check=check)
    inputs, _, second = _prepare(model, inputs, small, batch)
    with _tracing(), warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
        warnings.simplefilter("ignore")      # the exporter's progress and deprecation chatter
        torch.onnx.export(prog, inputs, str(path), dynamo=True, opset_version=opset, external_data=False,
                          verbose=False)
    rep = ExportReport(model.pretrained_cfg.name, "onnx", str(path), _shapes(inputs),
                       program_rel_err=prog_rep.max_rel_err, note=export_note(model.pretrained_cfg.name))
    if check:
        try:
            import onnxruntime as ort
        except ImportError:
            ort = None
        if ort is not None:
            sess = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
            feeds = {i.name: t.numpy() for i, t in zip(sess.get_inputs(), _flat(second))}
            out = sess.run(None, feeds)[0]
            rep.max_rel_err, rep.check_shapes = relative_error(out, _eager(model, second)), _shapes(second)
    rep.seconds = time.perf_counter() - t0
    return rep


def compile_check(model: nn.Module, inputs: tuple | None = None, small: bool = True, batch: int = 2,
                  backend: str = "inductor") -> ExportReport:
    """`torch.compile` smoke test: one compiled forward, compared with eager on the same input."""
    t0 = time.perf_counter()
    model.eval()
    inputs = inputs if inputs is not None else example_inputs(model, batch, small)
    compiled = torch.compile(model, backend=backend, dynamic=False)
    with torch.no_grad():
        got = compiled(*inputs)
    rep = ExportReport(model.pretrained_cfg.name, f"torch.compile[{backend}]", input_shapes=_shapes(inputs),
                       check_shapes=_shapes(inputs), max_rel_err=relative_error(got, _eager(model, inputs)))
    rep.seconds = time.perf_counter() - t0
    return rep


def export_kwargs(arch: str, small: bool) -> dict[str, Any]:
    """Builder options for an export at reduced size (``small``): I3D's published head needs >= 193x193 frames,
    so the small export uses its global-mean head."""
    return {"global_pool": "avg"} if small and arch == "i3d" else {}

