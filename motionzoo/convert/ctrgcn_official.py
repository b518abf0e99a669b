"""Official CTR-GCN state dicts (Uason-Chen/CTR-GCN, `model.ctrgcn.Model`) -> motionzoo `ctrgcn`.

motionzoo keeps the official names (l1..l10, gcn1, tcn1, PA, alpha, ...), so the map is the identity; the
official training script already strips DataParallel's `module.` prefix, and `unwrap_state_dict` strips it too
when present.  Every key is checked against the official key list, so another network's checkpoint fails here, by
name.  Build the model with the checkpoint's settings (NW-UCLA: topology="kinect_v1_20", num_person=1,
num_classes=10).
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Mapping

import torch

from . import BN_ENTRY as _BN, checked_state_dict, register_converter

_UNIT = r"^l\d+\."
_KEY_PATTERNS = (
    re.compile(rf"^data_bn\.{_BN}$"),
    re.compile(_UNIT + r"gcn1\.(PA|alpha)$"),
    re.compile(_UNIT + r"gcn1\.convs\.\d+\.conv[1-4]\.(weight|bias)$"),
    re.compile(_UNIT + r"gcn1\.down\.0\.(weight|bias)$"),
    re.compile(_UNIT + rf"gcn1\.(down\.1|bn)\.{_BN}$"),
    re.compile(_UNIT + r"tcn1\.branches\.\d+\.0\.(weight|bias)$"),
    re.compile(_UNIT + rf"tcn1\.branches\.\d+\.[14]\.{_BN}$"),
    re.compile(_UNIT + r"tcn1\.branches\.\d+\.3\.conv\.(weight|bias)$"),
    re.compile(_UNIT + rf"tcn1\.branches\.\d+\.3\.bn\.{_BN}$"),
    re.compile(_UNIT + r"residual\.conv\.(weight|bias)$"),
    re.compile(_UNIT + rf"residual\.bn\.{_BN}$"),
    re.compile(r"^fc\.(weight|bias)$"),
)


@register_converter("ctrgcn-official", arch="ctrgcn",
                    help="Uason-Chen/CTR-GCN Model state dict (runs-*.pt of main.py) -> ctrgcn")
def convert_ctrgcn_official(src: str | Path | Mapping[str, torch.Tensor],
                            allow_unsafe_pickle: bool = False) -> dict[str, torch.Tensor]:
    """Official CTR-GCN state dict (or a file holding one) -> `ctrgcn` state dict (same names)."""
    return checked_state_dict(src, "ctrgcn-official", _KEY_PATTERNS,
                              ("data_bn.weight", "l1.gcn1.convs.0.conv3.weight", "fc.weight"), "official CTR-GCN",
                              allow_unsafe_pickle)
