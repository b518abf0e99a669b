"""Parallel, resumable preparation of the NTU dataset cache (``motionzoo prepare ntu``).

    summary = prepare_ntu("/data/nturgbd_skeletons", workers=8, protocols=["ntu60_xsub", "ntu60_xview"])
    print(summary.report())
    ds = NTUSkeletonDataset("/data/nturgbd_skeletons", protocol="ntu60_xsub", split="train")  # from the cache

1. Parse: the ``.skeleton`` files (sorted by name) are cut into shards of ``shard_size`` files; worker processes
   read each shard's files and select their bodies (`parse_ntu_file`), and write the shard's samples to one ``.npz``
   file, atomically (temporary name, then rename).  A shard's name is a hash of its files (names, sizes, mtimes),
   the body rule and the format version, so a killed run continues with the shards it had not written, and a
   changed file re-parses only its shard.  A file the reader rejects is recorded with its error, not fatal.
2. Assemble: for every protocol and split, `NTUSkeletonDataset` builds its usual cache entry from the shards
   (no file is parsed again); an entry that exists already is reused.

Shards live in ``<cache>/datasets/ntu/shards/<body_rule>/``; they can be deleted once the entries are written.
"""
from __future__ import annotations

import hashlib
import json
import os
import time
import uuid
import warnings
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

import numpy as np

from .cache import CACHE_FORMAT_VERSION
from .datasets import UNREADABLE, NTUSkeletonDataset, NtuFileSamples, parse_ntu_file
from .errors import DatasetNotFoundError
from .ntu import iter_skeleton_files, ntu_protocol_info, parse_ntu_name
from .._hub import get_cache_dir

__all__ = ["prepare_ntu", "PrepareSummary", "default_protocols"]

SHARD_FORMAT = 1


@dataclass
class PrepareSummary:
    root: str
    files: int                                   # NTU sample files found
    shards: int
    parsed_files: int                            # parsed by this run (the rest came from shards already written)
    unreadable: list[tuple[str, str]]            # (file name, reader error)
    seconds_parse: float
    seconds_total: float
    complete: bool                               # False: stopped early (stop_after); run again to continue
    entries: dict[str, dict[str, dict]] = field(default_factory=dict)  # protocol -> split -> counts + cache path

    @property
    def files_per_second(self) -> float:
        return self.parsed_files / self.seconds_parse if self.seconds_parse > 0 else float("nan")

    def report(self) -> str:
        lines = [f"{self.root}: {self.files} files in {self.shards} shards; parsed {self.parsed_files} now "
                 f"({self.files - self.parsed_files} from earlier runs) in {self.seconds_parse:.1f} s"
                 + (f" = {self.files_per_second:.1f} files/s" if self.parsed_files else "")]
        if not self.complete:
            lines.append("stopped early: run the same command again to continue")
        lines.append(f"unreadable files: {len(self.unreadable)}")
        lines += [f"  {name}: {why}" for name, why in self.unreadable]
        for proto, splits in self.entries.items():
            for split, e in splits.items():
                skipped = e["skipped"]
                why = {}
                for _, reason in skipped:
                    key = "unreadable" if reason.startswith(UNREADABLE) else reason
                    why[key] = why.get(key, 0) + 1
                lines.append(f"{proto} {split}: {e['samples']} samples, {len(skipped)} files skipped "
                             + (f"({', '.join(f'{k}: {v}' for k, v in sorted(why.items()))}) " if why else "")
                             + f"-> {e['cache_path']}")
        lines.append(f"total {self.seconds_total:.1f} s")
        return "\n".join(lines)


def default_protocols(names: Sequence[str]) -> list[str]:
    """NTU-60 protocols, plus the NTU-120 ones when a file of setup 18-32 is present."""
    out = ["ntu60_xsub", "ntu60_xview"]
    if any(parse_ntu_name(n).setup > 17 for n in names):
        out += ["ntu120_xsub", "ntu120_xset"]
    return out


def _sample_files(root: Path) -> list[Path]:
    out = []
    for p in iter_skeleton_files(root):
        try:
            parse_ntu_name(p.name)
        except ValueError:
            continue
        out.append(p)
    return out


def _shard_key(files: Sequence[Path], body_rule: str) -> str:
    h = hashlib.sha256(json.dumps({"shard": SHARD_FORMAT, "cache": CACHE_FORMAT_VERSION, "rule": body_rule}).encode())
    for p in files:
        st = p.stat()
        h.update(f"{p.name}\0{st.st_size}\0{st.st_mtime_ns}\n".encode())
    return h.hexdigest()[:32]


def _write_shard(files: Sequence[Path], body_rule: str, out: Path) -> tuple[int, list[tuple[str, str]]]:
    """Parse `files` and write their samples to `out` (atomically).  Returns (files, [(name, error)])."""
    names, frames_per_file, errors, n_samples, lengths, xs, masks = [], [], [], [], [], [], []
    for p in files:
        got = parse_ntu_file(p, body_rule, on_error="skip")
        names.append(p.name.split(".")[0])
        frames_per_file.append(got.num_frames)
        errors.append(got.error or "")
        n_samples.append(len(got.samples))
        for x, m in got.samples:                      # x (M, T, V, C) -> stored (T, M, V, C) along T
            lengths.append(x.shape[1])
            xs.append(x.transpose(1, 0, 2, 3))
            masks.append(m.T)
    M = 1 if body_rule == "moving_bodies" else 2
    arrays = {
        "names": np.array(names), "num_frames": np.array(frames_per_file, np.int64), "errors": np.array(errors),
        "n_samples": np.array(n_samples, np.int64), "lengths": np.array(lengths, np.int64),
        "frames": np.concatenate(xs) if xs else np.zeros((0, M, 25, 3), np.float32),
        "masks": np.concatenate(masks) if masks else np.zeros((0, M), bool),
    }
    tmp = out.parent / f".{out.stem}.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp.npz"
    try:
        np.savez(tmp, **arrays)
        os.replace(tmp, out)
    finally:
        tmp.unlink(missing_ok=True)
    return len(files), [(n, e) for n, e in zip(names, errors) if e]


def _read_shard(path: Path) -> dict[str, NtuFileSamples]:
    with np.load(path, allow_pickle=False) as z:
        names, num_frames, errors = z["names"], z["num_frames"], z["errors"]
        n_samples, lengths, frames, masks = z["n_samples"], z["lengths"], z["frames"], z["masks"]
    out, s, t = {}, 0, 0
    for name, nf, err, k in zip(names.tolist(), num_frames.tolist(), errors.tolist(), n_samples.tolist()):
        samples = []
        for T in lengths[s:s + k].tolist():
            samples.append((frames[t:t + T].transpose(1, 0, 2, 3), masks[t:t + T].T))
            t += T
        s += k
        out[name] = NtuFileSamples(samples, nf, err or None)
    return out


class _ShardLookup:
    """path -> NtuFileSamples from the shards, one shard in memory at a time (the dataset asks in name order)."""

    def __init__(self, shard_of: dict[str, Path]):
        self.shard_of = shard_of
        self._path, self._data = None, {}

    def get(self, path) -> NtuFileSamples | None:
        name = Path(path).name.split(".")[0]
        shard = self.shard_of.get(name)
        if shard is None:
            return None
        if shard != self._path:
            self._path, self._data = shard, _read_shard(shard)
        return self._data.get(name)


def prepare_ntu(root, protocols: Sequence[str] | None = None, workers: int = 1, body_rule: str = "denoised_top2",
                missing=None, cache_dir=None, shard_size: int = 64, progress: bool | None = None,
                stop_after: int | None = None) -> PrepareSummary:
    """Parse every NTU ``.skeleton`` file under `root` with `workers` processes into shards, then write the
    `NTUSkeletonDataset` cache entries of `protocols` (default `default_protocols`) x {train, test} with
    `body_rule` and the `missing` list (a file or names), and return a summary.  ``stop_after``: stop after
    that many shards were written by this run, before assembling (what a killed run leaves; for tests)."""
    from tqdm.auto import tqdm

    t_start = time.perf_counter()
    root = Path(root)
    if not root.is_dir():
        raise DatasetNotFoundError(f"prepare ntu: {root} is not a folder")
    files = _sample_files(root)
    if not files:
        raise DatasetNotFoundError(f"prepare ntu: no NTU .skeleton files (SsssCcccPpppRrrrAaaa.skeleton) under {root}")
    protocols = list(protocols) if protocols else default_protocols([p.name for p in files])
    for proto in protocols:
        ntu_protocol_info(proto)  # unknown names fail before any work
    shard_dir = get_cache_dir(cache_dir) / "datasets" / "ntu" / "shards" / body_rule
    shard_dir.mkdir(parents=True, exist_ok=True)
    chunks = [files[i:i + shard_size] for i in range(0, len(files), shard_size)]
    shard_paths = [shard_dir / f"{_shard_key(c, body_rule)}.npz" for c in chunks]
    todo = [k for k, sp in enumerate(shard_paths) if not sp.is_file()]
    if stop_after is not None:
        todo = todo[:stop_after]

    t0 = time.perf_counter()
    parsed = 0
    bar = tqdm(total=sum(len(chunks[k]) for k in todo), unit="file", desc="prepare ntu", dynamic_ncols=True,
               disable=not (progress if progress is not None else os.isatty(2)))
    try:
        if workers <= 1:
            for k in todo:
                n, _ = _write_shard(chunks[k], body_rule, shard_paths[k])
                parsed += n
                bar.update(n)
        else:
            with ProcessPoolExecutor(max_workers=workers) as pool:
                pending = {pool.submit(_write_shard, chunks[k], body_rule, shard_paths[k]) for k in todo}
                try:
                    while pending:
                        done, pending = wait(pending, return_when=FIRST_COMPLETED)
                        for fut in done:
                            n, _ = fut.result()
                            parsed += n
                            bar.update(n)
                except BaseException:
                    for fut in pending:
                        fut.cancel()
                    raise
    finally:
        bar.close()
    seconds_parse = time.perf_counter() - t0

    complete = all(sp.is_file() for sp in shard_paths)
    summary = PrepareSummary(str(root), len(files), len(chunks), parsed, [], seconds_parse, 0.0, complete)
    if complete:
        shard_of = {p.name.split(".")[0]: sp for c, sp in zip(chunks, shard_paths) for p in c}
        for sp in shard_paths:  # the unreadable files, from the shards' records (also those of earlier runs)
            with np.load(sp, allow_pickle=False) as z:
                summary.unreadable += [(n, e) for n, e in zip(z["names"].tolist(), z["errors"].tolist()) if e]
        lookup = _ShardLookup(shard_of)
        for proto in protocols:
            for split in ("train", "test"):
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")  # the summary lists the skipped files
                    ds = NTUSkeletonDataset(root, protocol=proto, split=split, body_rule=body_rule, missing=missing,
                                            on_error="skip", cache_dir=cache_dir, parsed=lookup)
                summary.entries.setdefault(proto, {})[split] = {
                    "samples": len(ds), "skipped": [tuple(s) for s in ds.summary["skipped"]],
                    "cache_path": str(ds.cache_path)}
    summary.seconds_total = time.perf_counter() - t_start
    return summary

