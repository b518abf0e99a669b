"""NAS-Bench-201 reference implementation (xautodl `TinyNetwork`) -> motionzoo `nasbench201`.

motionzoo keeps the reference's module names (spec nas-bench-201.md §5), so the key map is the identity.  The
converter still checks every key against the reference key list, so a checkpoint of another network (or a
NATS-Bench "size" network, or a weight-sharing supernet) fails here with the offending key instead of later
with a vague load error.  The architecture itself is not recoverable from the keys (`none`, `skip_connect` and
`avg_pool_3x3` edges have no parameters): pass the same string to `create_model("nasbench201", arch=...)`.
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Mapping

import torch

from . import BN_ENTRY as _BN, checked_state_dict, register_converter

_KEY_PATTERNS = (
    re.compile(r"^stem\.0\.weight$"),
    re.compile(rf"^stem\.1\.{_BN}$"),
    re.compile(r"^cells\.\d+\.layers\.[0-5]\.op\.1\.weight$"),
    re.compile(rf"^cells\.\d+\.layers\.[0-5]\.op\.2\.{_BN}$"),
    re.compile(r"^cells\.\d+\.conv_[ab]\.op\.1\.weight$"),
    re.compile(rf"^cells\.\d+\.conv_[ab]\.op\.2\.{_BN}$"),
    re.compile(r"^cells\.\d+\.downsample\.1\.weight$"),
    re.compile(rf"^lastact\.0\.{_BN}$"),
    re.compile(r"^classifier\.(weight|bias)$"),
)


@register_converter("nas201-xautodl", arch="nasbench201",
                    help="NAS-Bench-201 / NATS-Bench topology network state dict (xautodl TinyNetwork)")
def convert_nas201_xautodl(src: str | Path | Mapping[str, torch.Tensor],
                           allow_unsafe_pickle: bool = False) -> dict[str, torch.Tensor]:
    """Upstream TinyNetwork state dict (or a file holding one) -> `nasbench201` state dict (same names)."""
    return checked_state_dict(src, "nas201-xautodl", _KEY_PATTERNS, ("stem.0.weight", "classifier.weight"),
                              "NAS-Bench-201 TinyNetwork (spec nas-bench-201.md §5)", allow_unsafe_pickle)
