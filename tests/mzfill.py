"""The deterministic weight-filling rule `mzfill-v1` of ../shared/reference (see its README), and helpers
to load a fixture.  A converter is correct when upstream-named weights filled by this rule, passed through
the converter into our model, reproduce the recorded upstream outputs."""
from __future__ import annotations

import hashlib
import json
import math
from pathlib import Path

import torch


def mz_seed(key: str) -> int:
    return int.from_bytes(hashlib.sha256(key.encode("utf-8")).digest()[:8], "little") % 2**63


def mz_fill_tensor(key: str, shape: tuple, dtype: torch.dtype, gain: float):
    if not dtype.is_floating_point:
        return torch.zeros(shape, dtype=dtype) if key.endswith("num_batches_tracked") else None
    g = torch.Generator().manual_seed(mz_seed(key))
    if key.endswith("running_var"):
        t = 0.5 + torch.rand(shape, generator=g, dtype=torch.float32)
    elif key.endswith("running_mean"):
        t = 0.1 * torch.randn(shape, generator=g, dtype=torch.float32)
    elif len(shape) >= 2:
        t = torch.randn(shape, generator=g, dtype=torch.float32) * (gain / math.sqrt(math.prod(shape) // shape[0]))
    elif key.endswith("weight"):
        t = 1.0 + 0.1 * torch.randn(shape, generator=g, dtype=torch.float32)
    else:
        t = 0.1 * torch.randn(shape, generator=g, dtype=torch.float32)
    return t.to(dtype)


def fill_sha256(sd: dict) -> str:
    h = hashlib.sha256()
    for k, v in sd.items():
        h.update(k.encode())
        h.update(v.contiguous().numpy().tobytes())
    return h.hexdigest()


def load_fixture(reference_dir: Path, name: str):
    """(meta, tensors, filled upstream state dict) for fixture `name`; checks the fill against its sha256."""
    from safetensors.torch import load_file
    meta = json.loads((reference_dir / f"{name}.json").read_text())
    tensors = load_file(str(reference_dir / f"{name}.safetensors"))
    sd_meta = meta["state_dict"]
    filled = {}
    for row in sd_meta["keys"]:
        dtype = getattr(torch, row["dtype"])
        t = mz_fill_tensor(row["key"], tuple(row["shape"]), dtype, sd_meta["fill_gain"])
        filled[row["key"]] = torch.zeros(row["shape"], dtype=dtype) if t is None else t
    assert fill_sha256(filled) == sd_meta["fill_sha256"], f"{name}: fill rule does not reproduce fill_sha256"
    return meta, tensors, filled


def assert_close_scaled(actual: torch.Tensor, expected: torch.Tensor, rtol: float = 1e-4, atol_scale: float = 1e-5):
    """Compare relative to the reference's scale (some fixtures have outputs around 1e8)."""
    scale = expected.abs().max().clamp_min(1e-12).item()
    torch.testing.assert_close(actual.float(), expected.float(), rtol=rtol, atol=atol_scale * scale)
