"""Every measured number that a cfg, a card or the README quotes comes from a committed result file, and says so."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

import motionzoo
from motionzoo._measured import MEASURED_FILE

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
    registered one (publish.recipe_changes: source and notes are prose; a field a file predates counts as that field's
    default)."""
    table = json.loads(MEASURED_FILE.read_text())
    for arch, entries in table.items():
        for key, e in entries.items():
            doc = json.loads((REPO / e["result_file"]).read_text())
            row = next(r for r in doc["rows"] if r["model"] == arch and publish.row_key(r) == key)
            assert not publish.recipe_changes(row), f"{arch} {key} ({e['result_file']}): recorded vs registered"


def test_a_row_of_a_recipe_changed_since_is_not_quoted(tmp_path):
    """Rows trained under an earlier version of a recipe stay in their file as history but are not quoted; the same
    run's rows whose recipe is unchanged still are."""
    quoted: dict[str, list[tuple[str, str]]] = {}     # result file -> the (arch, key) entries it backs
    for arch, entries in json.loads(MEASURED_FILE.read_text()).items():
        for key, e in entries.items():
            quoted.setdefault(e["result_file"], []).append((arch, key))
    pairs = [(f, q) for f, q in quoted.items() if len({a for a, _ in q}) > 1]
    if not pairs:
        pytest.skip("no result file backs two quoted models yet")
    file, ((arch_a, key_a), (arch_b, key_b), *_) = pairs[0]
    doc = json.loads((REPO / file).read_text())
    stale = next(r for r in doc["rows"] if r["model"] == arch_a and publish.row_key(r) == key_a)
    epochs = stale["recipe"]["epochs"]
    stale["recipe"] = {**stale["recipe"], "epochs": epochs + 1}
    assert publish.recipe_changes(stale) == {"epochs": (epochs + 1, epochs)}
    folder = tmp_path / Path(file).parent.name
    folder.mkdir()
    (folder / Path(file).name).write_text(json.dumps(doc))
    table = publish.measured_table(publish.counted_runs(tmp_path))
    assert key_a not in table.get(arch_a, {})
    assert table[arch_b][key_b]["result_file"] == file


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
