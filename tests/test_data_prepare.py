"""`motionzoo prepare ntu` (motionzoo/data/prepare.py): parallel, resumable preparation of the NTU dataset cache.
A run stopped half-way (a limit, an injected failure) and resumed gives the same cache as one run and as the
dataset's own build; the dataset then loads without parsing; a corrupt file is listed, not fatal."""
from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pytest

import motionzoo.data.datasets as datasets_mod
import motionzoo.data.prepare as prepare_mod
from motionzoo.cli import main as cli_main
from motionzoo.data import NTUSkeletonDataset, SkeletonFormatError, write_synthetic_ntu
from motionzoo.data.prepare import prepare_ntu

PROTOCOLS = ["ntu60_xsub", "ntu60_xview"]
CORRUPT = 13  # index of the file given a bad line


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("ntu")
    # classes 45..54: one and two bodies; 72 files in 9 shards of 8
    paths = write_synthetic_ntu(root, num_classes=54, samples_per_class=6, frames=(8, 16), seed=0)
    for p in paths[:44 * 6]:
        p.unlink()
    kept = sorted(root.glob("*.skeleton"))
    with open(kept[CORRUPT], "ab") as f:
        f.write(b"1 2 3\r\n")
    return root


def entry_bytes(summary) -> dict:
    """protocol/split -> {file name: bytes} of every cache entry (the entry folder name is the cache key)."""
    out = {}
    for proto, splits in summary.entries.items():
        for split, e in splits.items():
            d = Path(e["cache_path"])
            out[f"{proto}/{split}/{d.name}"] = {f.name: f.read_bytes() for f in sorted(d.iterdir())}
    return out


@pytest.fixture(scope="module")
def one_run(folder, tmp_path_factory):
    cache = tmp_path_factory.mktemp("cache_one")
    return cache, prepare_ntu(folder, PROTOCOLS, workers=1, cache_dir=cache, shard_size=8, progress=False)


def test_one_run_summary(folder, one_run):
    _, s = one_run
    assert s.complete and s.files == 60 and s.shards == 8 and s.parsed_files == 60
    corrupt = sorted(folder.glob("*.skeleton"))[CORRUPT].name.split(".")[0]
    assert [n for n, _ in s.unreadable] == [corrupt]
    assert "line" in s.unreadable[0][1]  # the reader's message names the line
    counts = {(p, sp): e["samples"] for p, d in s.entries.items() for sp, e in d.items()}
    assert counts[("ntu60_xsub", "train")] + counts[("ntu60_xsub", "test")] == 59
    assert counts[("ntu60_xview", "train")] + counts[("ntu60_xview", "test")] == 59
    text = s.report()
    assert "unreadable files: 1" in text and corrupt in text and "ntu60_xview test:" in text


def test_stopped_then_resumed_equals_one_run(folder, one_run, tmp_path):
    cache = tmp_path / "cache"
    first = prepare_ntu(folder, PROTOCOLS, workers=1, cache_dir=cache, shard_size=8, progress=False, stop_after=4)
    assert not first.complete and first.parsed_files == 32 and not first.entries
    second = prepare_ntu(folder, PROTOCOLS, workers=2, cache_dir=cache, shard_size=8, progress=False)
    assert second.complete and second.parsed_files == 60 - 32
    assert entry_bytes(second) == entry_bytes(one_run[1])


def test_injected_failure_then_resume_equals_one_run(folder, one_run, tmp_path, monkeypatch):
    cache = tmp_path / "cache"
    real = prepare_mod.parse_ntu_file
    bad = sorted(folder.glob("*.skeleton"))[37].name

    def failing(path, *a, **k):
        if Path(path).name == bad:
            raise RuntimeError("injected failure")
        return real(path, *a, **k)

    monkeypatch.setattr(prepare_mod, "parse_ntu_file", failing)
    with pytest.raises(RuntimeError, match="injected"):
        prepare_ntu(folder, PROTOCOLS, workers=2, cache_dir=cache, shard_size=8, progress=False)
    written = list((cache / "datasets" / "ntu" / "shards" / "denoised_top2").glob("*.npz"))
    assert 0 < len(written) < 8  # the shards finished before the failure were kept
    monkeypatch.setattr(prepare_mod, "parse_ntu_file", real)
    again = prepare_ntu(folder, PROTOCOLS, workers=1, cache_dir=cache, shard_size=8, progress=False)
    assert again.complete and again.parsed_files == 60 - sum(len(np.load(w)["names"]) for w in written)
    assert entry_bytes(again) == entry_bytes(one_run[1])


def test_prepared_cache_equals_the_datasets_own_build(folder, one_run, tmp_path):
    _, s = one_run
    for proto in PROTOCOLS:
        for split in ("train", "test"):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # the corrupt file is skipped with a warning
                own = NTUSkeletonDataset(folder, protocol=proto, split=split, on_error="skip", cache_dir=tmp_path)
            d = Path(s.entries[proto][split]["cache_path"])
            assert own.cache_path.name == d.name
            for f in d.iterdir():
                assert (own.cache_path / f.name).read_bytes() == f.read_bytes(), f.name


def test_dataset_loads_the_prepared_cache_without_parsing(folder, one_run, monkeypatch):
    cache, s = one_run

    def no_parse(*a, **k):
        raise AssertionError("parsed a file although the cache was prepared")

    monkeypatch.setattr(datasets_mod, "read_ntu_skeleton", no_parse)
    with pytest.warns(UserWarning, match="skipped"):
        ds = NTUSkeletonDataset(folder, protocol="ntu60_xsub", split="train", on_error="skip", cache_dir=cache)
    assert len(ds) == s.entries["ntu60_xsub"]["train"]["samples"] and ds[0][0].shape[0] == 2
    # the default on_error='raise' refuses an entry that left out an unreadable file, naming it
    with pytest.raises(SkeletonFormatError, match="unreadable"), pytest.warns(UserWarning):
        NTUSkeletonDataset(folder, protocol="ntu60_xsub", split="train", cache_dir=cache)


def test_cli_prepare(folder, tmp_path, capsys):
    assert cli_main(["prepare", "ntu", "--data-root", str(folder), "--workers", "2", "--protocols", "ntu60_xview",
                     "--cache-dir", str(tmp_path), "--shard-size", "16"]) == 0
    out = capsys.readouterr().out
    assert "60 files in 4 shards" in out and "unreadable files: 1" in out and "on_error='skip'" in out
    assert "ntu60_xview train:" in out and "ntu60_xsub" not in out.split("load with")[0]


def test_prepare_errors(tmp_path):
    with pytest.raises(FileNotFoundError):
        prepare_ntu(tmp_path / "nope")
    with pytest.raises(FileNotFoundError, match="no NTU"):
        prepare_ntu(tmp_path)
    write_synthetic_ntu(tmp_path, num_classes=1, samples_per_class=1, frames=5)
    with pytest.raises(ValueError, match="unknown NTU protocol"):
        prepare_ntu(tmp_path, ["ntu70"], cache_dir=tmp_path / "c")
    assert np.isfinite(prepare_ntu(tmp_path, cache_dir=tmp_path / "c", progress=False).seconds_total)
