"""Every measured number that a cfg, a card or the README quotes comes from a committed result file, and says so."""
from __future__ import annotations

import dataclasses
import json
import sys
from pathlib import Path

import pytest

import motionzoo
from motionzoo._measured import MEASURED_FILE
from motionzoo.recipes import Recipe, get_recipe

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "benchmarks"))
import publish  # noqa: E402

sys.path.pop(0)


def test_generated_files_match_the_committed_results(capsys):
    """measured.json, the README table and the cards' measured blocks are what the result files say."""
    assert publish.main(["--check"]) == 0, capsys.readouterr().out


def test_cfgs_quote_exactly_the_measured_table():
    table = json.loads(MEASURED_FILE.read_text())
    for arch in motionzoo.list_models():
        assert (motionzoo.get_pretrained_cfg(arch).reproduced_metrics or None) == (table.get(arch) or None), arch


def test_every_quoted_number_has_its_result_file():
    table = json.loads(MEASURED_FILE.read_text())
    for arch, entries in table.items():
        for key, e in entries.items():
            path = REPO / e["result_file"]
            assert path.exists(), f"{arch} {key}: {e['result_file']} is not committed"
            doc = json.loads(path.read_text())
            row = next(r for r in doc["rows"] if r["model"] == arch and publish.row_key(r) == key)
            assert e["top1_mean"] == pytest.approx(row["reproduced_mean"], abs=0.005)
            assert e["n_seeds"] == row["n_seeds"] == len(row["per_seed"]) and e["command"] == doc["command"]


def test_every_quoted_row_was_trained_with_the_recipe_registered_today():
    """A recipe changed after its rows were measured (e.g. a per-dataset variant in motionzoo/recipes) leaves the
    card quoting a number its command no longer reproduces: every published row's recorded recipe must equal the
    registered one.  Source and notes are prose; a field a file predates counts as that field's default."""
    defaults = {f.name: f.default for f in dataclasses.fields(Recipe) if f.default is not dataclasses.MISSING}
    table = json.loads(MEASURED_FILE.read_text())
    for arch, entries in table.items():
        for key, e in entries.items():
            doc = json.loads((REPO / e["result_file"]).read_text())
            row = next(r for r in doc["rows"] if r["model"] == arch and publish.row_key(r) == key)
            recorded = row["recipe"]
            registered = get_recipe(*recorded["name"].split("/", 1)).to_dict()
            changed = {k: (recorded.get(k, defaults.get(k)), v) for k, v in registered.items()
                       if k not in ("source", "notes") and recorded.get(k, defaults.get(k)) != v}
            assert not changed, f"{arch} {key} ({e['result_file']}): recorded vs registered recipe {changed}"


def test_a_changed_number_is_caught(tmp_path, monkeypatch):
    """The check is not vacuous: a result file whose number moved makes the generated files stale."""
    runs = publish.counted_runs()
    if not runs:
        pytest.skip("no committed result files yet")
    path, doc = runs[0]
    doc["rows"][0]["reproduced_mean"] += 1.0
    fake = tmp_path / path.parent.name
    fake.mkdir()
    (fake / path.name).write_text(json.dumps(doc))
    monkeypatch.setattr(publish, "RESULTS", tmp_path)
    assert publish.measured_table(publish.counted_runs(tmp_path)) != json.loads(MEASURED_FILE.read_text())


def test_streams_and_ensembles_are_quoted_apart_from_the_model_row():
    row = {"dataset": "ntu60", "split": "xsub"}
    assert publish.row_key({**row, "name": "ctrgcn/xsub"}) == "ntu60_xsub"
    assert publish.row_key({**row, "name": "ctrgcn/xsub/bone"}) == "ntu60_xsub_bone"
    assert publish.row_key({**row, "name": "ctrgcn/xsub/ensemble"}) == "ntu60_xsub_ensemble"
