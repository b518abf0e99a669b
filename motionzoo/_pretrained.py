"""`PretrainedCfg`: everything a set of weights promises about itself.

One immutable record per `arch.tag` (and one tagless record per arch that describes the architecture
alone).  It is plain data: JSON-serialisable, embedded in every safetensors file we write, rendered into
the model cards, and checked against the real model by the metadata tests.

Published numbers (what a paper reports) and reproduced numbers (what motionzoo measured, with the command
that measured them) live in separate fields and are never mixed.
"""
from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from typing import Any, Mapping

from ._json import jsonable

__all__ = ["PretrainedCfg", "SourceFile", "UNVERIFIED_WEIGHTS"]

UNVERIFIED_WEIGHTS = "unverified upstream file (trust on first use)"


@dataclass(frozen=True)
class SourceFile:
    """One downloadable file behind a set of weights (a safetensors file, or one file of an upstream
    checkpoint that a converter turns into our state dict).

    `sha256=None` means the upstream host never published a hash and we could not pin one: the hub then
    records the hash it saw on first download and refuses any later file that differs (trust on first use),
    and the model card says so.
    """

    name: str
    urls: tuple[str, ...] = ()
    sha256: str | None = None
    size: int | None = None
    hf_hub_id: str | None = None  # "org/repo" (file `name` inside it), fetched through huggingface_hub


@dataclass(frozen=True)
class PretrainedCfg:
    # -- identity and provenance -------------------------------------------------------------------------
    arch: str = ""
    tag: str = ""
    family: str = ""                      # model-card file name, e.g. "two_stream_rnn"
    description: str = ""
    paper: str = ""                       # title, venue, arXiv id
    official_code: str = ""               # repo @ commit
    license: str = "unknown"
    converted_from: str | None = None     # upstream file + converter, or None
    trained_by_motionzoo: bool = False
    init_from: str | None = None
    recipe: str | None = None

    # -- weights -----------------------------------------------------------------------------------------
    # Either a ready safetensors file (`file_name`, `sha256`, `urls`) or upstream `source_files` that the
    # named `converter` (see motionzoo.convert) turns into our state dict on first load.
    file_name: str | None = None
    sha256: str | None = None
    file_size: int | None = None
    urls: tuple[str, ...] = ()
    hf_hub_id: str | None = None
    source_files: tuple[SourceFile, ...] = ()
    converter: str | None = None

    # -- task --------------------------------------------------------------------------------------------
    num_classes: int | None = None
    categories: tuple[str, ...] | None = None
    dataset: str | None = None
    split: str | None = None
    split_counts: Mapping[str, int] | None = None
    modality: str = "skeleton"            # skeleton | rgb | depth | rgbd | multimodal
    stream: str | None = None
    num_streams: int = 1

    # -- input contract ----------------------------------------------------------------------------------
    input_layout: str = ""                # e.g. "NTVC", "NMTVC", "NCTHW", "NCHW"
    in_chans: int | None = None
    input_size: tuple[int, ...] | None = None   # per sample, in input_layout order without N
    keypoint_format: str | None = None
    num_person: int | None = None
    clip_len: int | None = None
    frame_sampling: str | None = None
    channel_order: str | None = None
    value_range: str | None = None
    mean: tuple[float, ...] | None = None
    std: tuple[float, ...] | None = None
    skeleton_normalization: str | None = None
    # the input pipeline these weights expect at evaluation: {"name": <motionzoo.data.pipeline name>, field: value}
    # (`motionzoo.resolve_transforms` builds it; a training recipe may change fields, and weights trained with it
    # record the fields they were trained with)
    pipeline: Mapping[str, Any] | None = None
    first_conv: str | None = None
    classifier: str | tuple[str, ...] | None = None

    # -- evaluation and metrics --------------------------------------------------------------------------
    eval_protocol: Mapping[str, Any] | None = None
    published_metrics: Mapping[str, Mapping[str, float]] | None = None
    published_source: str | None = None
    reproduced_metrics: Mapping[str, Mapping[str, Any]] | None = None
    upstream_protocol_metrics: Mapping[str, Any] | None = None

    # -- cost --------------------------------------------------------------------------------------------
    num_params: int | None = None
    gmacs: float | None = None
    throughput: str | None = None

    # -- behaviour ---------------------------------------------------------------------------------------
    deviations: tuple[Mapping[str, Any], ...] = ()
    data_fingerprint: str | None = None
    model_args: Mapping[str, Any] | None = None   # builder kwargs these weights need (e.g. topology="sbu15")
    notes: str = ""
    default: bool = False                 # marks the default tag of an arch (else the first tag with weights)
    num_classes_overridden: bool = False

    # ----------------------------------------------------------------------------------------------------
    @property
    def name(self) -> str:
        return f"{self.arch}.{self.tag}" if self.tag else self.arch

    @property
    def gflops(self) -> float | None:
        return None if self.gmacs is None else 2.0 * self.gmacs

    @property
    def has_weights(self) -> bool:
        return bool(self.file_name or self.source_files or self.hf_hub_id)

    @property
    def weights_verified(self) -> bool:
        """True when every file behind these weights has a pinned sha256 (checked before any use); False for
        upstream files that publish none (the hub trusts the first file it sees and records its hash)."""
        if not self.has_weights:
            return False
        if self.source_files:
            return all(bool(f.sha256) for f in self.source_files)
        return bool(self.sha256)

    @property
    def weights_integrity(self) -> str | None:
        """What the hash check promises, in words (None without weights); `to_dict` includes it."""
        if not self.has_weights:
            return None
        return "sha256 pinned" if self.weights_verified else UNVERIFIED_WEIGHTS

    @property
    def classifier_prefixes(self) -> tuple[str, ...]:
        if self.classifier is None:
            return ()
        return (self.classifier,) if isinstance(self.classifier, str) else tuple(self.classifier)

    def replace(self, **changes: Any) -> "PretrainedCfg":
        return dataclasses.replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        """The fields, plus the derived `weights_integrity` (ignored by `from_dict`)."""
        return jsonable({**dataclasses.asdict(self), "weights_integrity": self.weights_integrity})

    def to_json(self, **kwargs: Any) -> str:
        return json.dumps(self.to_dict(), sort_keys=True, **kwargs)

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> "PretrainedCfg":
        known = {f.name: f for f in dataclasses.fields(cls)}
        kwargs: dict[str, Any] = {}
        for k, v in d.items():
            if k not in known:
                continue  # newer metadata read by an older motionzoo: ignore unknown fields
            if k == "source_files" and v is not None:
                v = tuple(SourceFile(**{**s, "urls": tuple(s.get("urls", ()))}) for s in v)
            elif isinstance(v, list):
                v = tuple(v)
            kwargs[k] = v
        return cls(**kwargs)


def merge_overlay(cfg: PretrainedCfg, overlay: Mapping[str, Any] | None) -> PretrainedCfg:
    """Apply `pretrained_cfg_overlay` (timm's name); the key `file` is an alias for a local weights file."""
    if not overlay:
        return cfg
    overlay = dict(overlay)
    if "file" in overlay:
        overlay["file_name"] = str(overlay.pop("file"))
        overlay.setdefault("urls", ())
    unknown = set(overlay) - {f.name for f in dataclasses.fields(PretrainedCfg)}
    if unknown:
        raise ValueError(f"pretrained_cfg_overlay has unknown fields {sorted(unknown)}")
    for k, v in list(overlay.items()):
        if isinstance(v, list):
            overlay[k] = tuple(v)
    return cfg.replace(**overlay)

