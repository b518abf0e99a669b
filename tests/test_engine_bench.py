"""Benchmark framework (benchmarks/_common.py): statistics, formatting, and the results writer end to end."""
from __future__ import annotations

import csv
import json
import math
import os
from pathlib import Path
import subprocess
import sys

import numpy as np
import pytest
import torch
from torch import nn
from torch.utils.data import TensorDataset

from conftest import REPO, BatchRecorder, need_shared

sys.path.insert(0, str(REPO))
from benchmarks._common import (SYNTHETIC_LABEL, BenchmarkData, BenchmarkRow, FingerprintMismatch,  # noqa: E402
                                Protocol, fingerprint_tensors, format_mean_std, run_benchmark, summarize)
from motionzoo.recipes import Recipe  # noqa: E402


def test_result_file_names_the_checkout_the_run_started_from(tmp_path, monkeypatch):
    """A commit made while a long run trains is not that run's code: `code` is the checkout at the start, and
    `code_at_write` says where it had moved by the time the file was written (absent when it had not)."""
    from benchmarks import _common
    commits = iter([{"commit": "a" * 40, "dirty": False}] + [{"commit": "b" * 40, "dirty": False}] * 5)
    monkeypatch.setattr(_common, "code_version", lambda repo=REPO: next(commits))
    row = BenchmarkRow("toy/xsub", model="toy_linear", protocol=SYN, recipe=RECIPE, build_model=_build,
                       quick={"epochs": 1}, quick_reason="smoke", synthetic_input_shape=(6,))
    def argv(run_name):
        return ["--synthetic", "--quick", "--seeds", "0", "--out", str(tmp_path / "results"), "--runs-dir",
                str(tmp_path / "runs"), "--run-name", run_name, "--num-workers", "0", "--no-progress", "--no-plots"]
    doc = run_benchmark("toybench", [row], argv("moved"))
    assert doc["code"]["commit"] == "a" * 40 and doc["code_at_write"]["commit"] == "b" * 40
    monkeypatch.setattr(_common, "code_version", lambda repo=REPO: {"commit": "c" * 40, "dirty": False})
    doc = run_benchmark("toybench", [row], argv("still"))
    assert doc["code"]["commit"] == "c" * 40 and "code_at_write" not in doc


def test_summarize_and_format():
    s = summarize([1.0, 2.0, 4.0])
    assert s["mean"] == pytest.approx(7 / 3) and s["n"] == 3
    assert s["std"] == pytest.approx(math.sqrt(42 / 18))             # sample std, ddof = 1
    assert summarize([80.0])["std"] is None                          # one retraining: no spread
    assert summarize([80.0], weights_eval=True)["std"] == 0.0
    assert format_mean_std(87.834, 0.2449, 3) == "87.8 ± 0.2 (n=3)"
    assert format_mean_std(80.0, None, 1) == "80.0 (n=1)"


def _build(pretrained=False, num_classes=3, **kw):
    return nn.Sequential(nn.Flatten(), nn.Linear(6, num_classes))


RECIPE = Recipe("tiny", epochs=50, batch_size=16, lr=0.1)
SYN = Protocol("toy", "xsub", num_classes=3, expected_test_samples=32, description="1 clip")


def _toy_data(root, quick, recipe=None, split="test"):
    g = torch.Generator().manual_seed(5)
    x = torch.randn(40, 6, generator=g)
    y = (x[:, 0] > 0).long() + (x[:, 1] > 0).long()
    test = TensorDataset(x[:20], y[:20])
    return BenchmarkData(TensorDataset(x, y), test, ["a", "b", "c"], fingerprint_tensors(*test.tensors))


def test_results_writer_synthetic_run(tmp_path, capsys):
    row = BenchmarkRow("toy/xsub", model="toy_linear", protocol=SYN, recipe=RECIPE, build_model=_build,
                       published=90.0, published_source="Paper, Table 1", quick={"epochs": 2},
                       quick_reason="smoke", synthetic_input_shape=(6,))
    argv = ["--synthetic", "--quick", "--seeds", "0", "1", "--out", str(tmp_path / "results"), "--runs-dir",
            str(tmp_path / "runs"), "--run-name", "r1", "--num-workers", "0", "--no-progress", "--no-plots"]
    doc = run_benchmark("toybench", [row], argv)
    assert "device: cpu" in capsys.readouterr().out

    on_disk = json.loads((tmp_path / "results" / "toybench" / "r1.json").read_text())
    assert on_disk == doc
    (r,) = on_disk["rows"]
    top1 = [s["top1"] for s in r["per_seed"]]
    assert [s["seed"] for s in r["per_seed"]] == [0, 1] and r["n_seeds"] == 2
    assert r["reproduced_mean"] == pytest.approx(np.mean(top1))
    assert r["reproduced_std"] == pytest.approx(np.std(top1, ddof=1))
    assert r["delta_vs_published"] == pytest.approx(np.mean(top1) - 90.0)
    assert r["num_samples_evaluated"] == 32 and "num_samples" not in r["flags"]
    assert r["synthetic"] and on_disk["synthetic"] and r["label"] == SYNTHETIC_LABEL
    assert r["recipe"]["epochs"] == 2 and r["recipe_overrides"]["changes"] == {"epochs": 2}
    assert "--synthetic" in on_disk["command"] and on_disk["env"]["torch"] == torch.__version__
    assert on_disk["device"].startswith("cpu")
    if (REPO / ".git").exists():      # a git checkout (CI's clean clone is one): the file names its commit
        head = subprocess.run(["git", "-C", str(REPO), "rev-parse", "HEAD"], capture_output=True, text=True).stdout
        assert on_disk["code"]["commit"] == head.strip() and isinstance(on_disk["code"]["dirty"], bool)
    assert r["reproduced_metrics"]["n_seeds"] == 2 and r["reproduced_metrics"]["command"] == on_disk["command"]
    assert all(p["true"] != p["predicted"] for p in r["most_confused"])

    md = (tmp_path / "results" / "toybench" / "r1.md").read_text()
    assert "| model | published | measured mean ± std (n seeds) | delta | vs baseline | protocol | command |" in md
    line = next(ln for ln in md.splitlines() if ln.startswith("| toy_linear"))
    assert format_mean_std(np.mean(top1), np.std(top1, ddof=1), 2) in line
    assert f"{np.mean(top1) - 90.0:+.1f}" in line and "90.0 (Paper, Table 1)" in line
    assert SYNTHETIC_LABEL in line and "toy xsub" in line and "--quick" in line

    cm_rows = list(csv.reader(open(tmp_path / "results" / r["confusion_matrix_csv"])))
    assert cm_rows[0] == ["true \\ predicted", "class_0", "class_1", "class_2"]
    assert sum(int(v) for row_ in cm_rows[1:] for v in row_[1:]) == 2 * 32     # summed over two seeds
    pc = list(csv.DictReader(open(tmp_path / "results" / r["per_class_accuracy_csv"])))
    assert len(pc) == 3 and set(pc[0]) >= {"accuracy_seed0", "accuracy_seed1", "accuracy_mean"}
    table = list(csv.DictReader(open(tmp_path / "results" / "toybench" / "r1.csv")))
    assert table[0]["name"] == "toy/xsub" and json.loads(table[0]["seeds"]) == [0, 1]
    # training artefacts live under runs/, one directory per seed
    assert (tmp_path / "runs" / "toybench" / "r1" / "toy_xsub" / "seed1" / "last" / "model.safetensors").exists()


def test_real_data_row_flags_and_fingerprint(tmp_path):
    proto = Protocol("toy", "xview", num_classes=3, expected_test_samples=25)
    common = dict(model="toy_linear", protocol=proto, recipe=RECIPE.replace(epochs=3), build_model=_build,
                  data=_toy_data, published=99.0, tolerance=1.0)
    argv = ["--out", str(tmp_path / "results"), "--runs-dir", str(tmp_path / "runs"), "--run-name", "r2",
            "--num-workers", "0", "--no-progress", "--no-plots"]
    doc = run_benchmark("toybench", [BenchmarkRow("toy/xview", **common)], argv)
    (r,) = doc["rows"]
    assert not r["synthetic"] and SYNTHETIC_LABEL not in (tmp_path / "results/toybench/r2.md").read_text()
    assert r["reproduced_std"] is None and r["measured"].endswith("(n=1)")
    assert r["num_samples_evaluated"] == 20 and "num_samples" in r["flags"]   # the split should have 25
    assert "delta" in r["flags"] and r["flag"]                                # far below 99.0

    bad = BenchmarkRow("toy/fp", expected_fingerprint="sha256:0000", **common)
    with pytest.raises(FingerprintMismatch, match="toy/fp"):
        run_benchmark("toybench", [bad], argv)
    doc = run_benchmark("toybench", [bad], argv + ["--allow-fingerprint-mismatch", "--mode", "eval"])
    (r,) = doc["rows"]
    assert "fingerprint_mismatch" in r["flags"] and r["evaluation_kind"] == "weights-evaluation"
    assert r["reproduced_std"] == 0.0 and r["n_seeds"] == 1


def _fold_data(root, quick, recipe=None, split="test"):
    """Two folds of different difficulty, and a validation request answered from the training data."""
    folds = []
    for k, noise in enumerate((0.1, 3.0)):
        g = torch.Generator().manual_seed(10 + k)
        x = torch.randn(60, 6, generator=g)
        y = (x[:, 0] > 0).long() + (x[:, 1] > 0).long()
        xt = x + noise * torch.randn(60, 6, generator=g)
        test = TensorDataset(xt[:20], y[:20]) if split == "test" else TensorDataset(x[40:], y[40:])
        folds.append(BenchmarkData(TensorDataset(x[:40], y[:40]), test, ["a", "b", "c"],
                                   fingerprint_tensors(*test.tensors), notes=f"split {split}"))
    return folds


def test_folds_seeds_overrides_validation_and_the_baseline_column(tmp_path):
    """Folds are not seeds: per seed the mean over folds, then mean +- std over seeds.  `--set` changes the
    recipe (recorded), `--split val` labels the table, and a row below the baseline is marked."""
    proto = Protocol("toy", "2fold", num_classes=3)
    common = dict(protocol=proto, recipe=RECIPE.replace(epochs=3), build_model=_build, data=_fold_data)
    rows = [BenchmarkRow("lstm_baseline/2fold", model="lstm_baseline", **common),
            BenchmarkRow("weak/2fold", model="weak", **{**common, "recipe": RECIPE.replace(epochs=1, lr=0.0)})]
    argv = ["--out", str(tmp_path / "results"), "--runs-dir", str(tmp_path / "runs"), "--run-name", "f",
            "--no-progress", "--no-plots", "--seeds", "0", "1", "--set", "batch_size=8"]
    doc = run_benchmark("toybench", rows, argv)
    base, weak = doc["rows"]
    for s in base["per_seed"]:
        assert len(s["folds"]) == 2 and s["top1"] == pytest.approx(np.mean([f["top1"] for f in s["folds"]]))
    assert base["n_seeds"] == 2 and base["num_folds"] == 2 and base["num_samples_evaluated"] == 40
    assert base["recipe"]["batch_size"] == 8 and base["recipe_overrides"]["changes"] == {"batch_size": 8}
    md = (tmp_path / "results" / "toybench" / "f.md").read_text()
    weak_line = next(ln for ln in md.splitlines() if ln.startswith("| weak"))
    assert weak["reproduced_mean"] < base["reproduced_mean"] and " ✗" in weak_line
    assert "VALIDATION" not in md and doc["wall_s"] > 0
    val = run_benchmark("toybench", rows[:1], argv[:-2] + ["--split", "val", "--run-name", "v"])
    assert val["split"] == "val" and val["rows"][0]["split_evaluated"] == "val"
    assert "VALIDATION split" in (tmp_path / "results" / "toybench" / "v.md").read_text()


def test_scoped_override_leaves_the_baseline_its_recipe(tmp_path):
    """`--set weak:lr=0.5` changes the rows the pattern names and no other: the baseline trained in the same run
    keeps its registered recipe (an unscoped `--set` once gave it another model's optimiser).  A scope that names
    no selected row is refused before anything trains."""
    proto = Protocol("toy", "2fold", num_classes=3)
    common = dict(protocol=proto, recipe=RECIPE.replace(epochs=1), build_model=_build, data=_fold_data)
    rows = [BenchmarkRow("lstm_baseline/2fold", model="lstm_baseline", **common),
            BenchmarkRow("weak/2fold", model="weak", **common)]
    argv = ["--out", str(tmp_path / "results"), "--runs-dir", str(tmp_path / "runs"), "--no-progress", "--no-plots",
            "--seeds", "0", "--folds", "1"]
    base, weak = run_benchmark("toybench", rows, argv + ["--run-name", "s", "--set", "weak:lr=0.5",
                                                         "--set", "weak/*:pipeline.x=1", "--set", "batch_size=8"])["rows"]
    assert base["recipe"]["lr"] == RECIPE.lr and base["recipe_overrides"]["changes"] == {"batch_size": 8}
    assert weak["recipe"]["lr"] == 0.5 and weak["recipe"]["pipeline"]["x"] == 1 and weak["recipe"]["batch_size"] == 8
    with pytest.raises(SystemExit, match="'stgcn' matches none of the selected rows"):
        run_benchmark("toybench", rows, argv + ["--run-name", "t", "--set", "stgcn:lr=0.5"])
    assert not (tmp_path / "runs" / "toybench" / "t").exists()


def test_recipe_drop_last_reaches_the_training_loader(tmp_path):
    """`--set drop_last=True` (or a recipe that says so) trains on whole batches: 40 training samples at batch 16
    are 2 steps per epoch, not 3 (fit refuses a loader that disagrees with the recipe, so this would raise)."""
    net = BatchRecorder(6, 3)
    row = BenchmarkRow("count/2fold", model="count", protocol=Protocol("toy", "2fold", num_classes=3),
                       recipe=RECIPE.replace(epochs=1), build_model=lambda **kw: net, data=_fold_data)
    argv = ["--out", str(tmp_path / "results"), "--runs-dir", str(tmp_path / "runs"), "--run-name", "d",
            "--no-progress", "--no-plots", "--seeds", "0", "--folds", "1", "--set", "drop_last=True"]
    doc = run_benchmark("toybench", [row], argv)
    assert net.seen == [16, 16] and doc["rows"][0]["recipe"]["drop_last"] is True


def test_jobs_failure_report_names_every_failed_log_even_a_missing_one(tmp_path):
    """A failed `--jobs` run names each failed unit's log and shows the first one's end; a log that is gone (removed
    while the run went on) is said to be unreadable instead of ending the report in a FileNotFoundError."""
    from benchmarks._common import _failure_report
    first, second = tmp_path / "a-seed0.log", tmp_path / "a-seed1.log"
    first.write_text("\n".join(f"line {i}" for i in range(30)) + "\nValueError: boom\n")
    report = _failure_report("toybench", [first, second], "r")
    assert "2 training(s) failed" in report and "ValueError: boom" in report and "line 14" not in report
    assert f"also failed, log: {second}" in report and report.endswith("--run-name r --resume to continue")
    missing = _failure_report("toybench", [second], "r")
    assert f"({second}) cannot be read (No such file or directory)" in missing


def test_default_workers_fit_the_machine(monkeypatch):
    from benchmarks._common import default_num_workers
    monkeypatch.setattr("os.cpu_count", lambda: 2)
    assert default_num_workers() == 0
    monkeypatch.setattr("os.cpu_count", lambda: 32)
    assert default_num_workers() == 8


def test_ensemble_row_scores_the_weighted_sum_of_its_members(tmp_path):
    """An ensemble row trains nothing: per seed and fold it scores 0.6 x member A's logits + 0.4 x member B's.
    Selecting it runs its members first; a model pattern selects the plain row, not the stream member."""
    from safetensors.torch import load_file
    from benchmarks._common import _select
    proto = Protocol("toy", "2fold", num_classes=3)
    common = dict(model="toy", protocol=proto, build_model=_build, data=_fold_data)
    a = BenchmarkRow("toy/2fold", recipe=RECIPE.replace(epochs=3), **common)
    b = BenchmarkRow("toy/2fold/bone", stream="bone", default=False, recipe=RECIPE.replace(epochs=1, lr=0.3), **common)
    ens = BenchmarkRow("toy/2fold/ensemble", model="toy", protocol=proto, stream="ensemble", default=False,
                       ensemble={a.name: 0.6, b.name: 0.4})
    assert [r.name for r in _select([a, b, ens], ["toy"])] == ["toy/2fold"]
    runs = tmp_path / "runs"
    argv = ["--out", str(tmp_path / "results"), "--runs-dir", str(runs), "--run-name", "e", "--no-progress",
            "--no-plots", "--seeds", "0", "1", "--models", "toy/2fold/ensemble"]
    doc = run_benchmark("toybench", [a, b, ens], argv)
    assert [r["name"] for r in doc["rows"]] == [a.name, b.name, ens.name]
    fused_row = doc["rows"][2]
    assert fused_row["recipe"] is None and fused_row["n_seeds"] == 2 and fused_row["num_folds"] == 2
    for i, seed in enumerate((0, 1)):
        for k, data in enumerate(_fold_data(None, False)):
            x, y = data.test.tensors
            fused = 0
            for row, w in ((a, 0.6), (b, 0.4)):
                model = _build()
                model.load_state_dict(load_file(runs / "toybench" / "e" / row.slug() / f"fold{k + 1}" / f"seed{seed}"
                                                / "last" / "model.safetensors"))
                with torch.no_grad():
                    fused = fused + w * model(x)
            top1 = 100.0 * float((fused.argmax(1) == y).float().mean())
            assert fused_row["per_seed"][i]["folds"][k]["top1"] == pytest.approx(top1)
    md = (tmp_path / "results" / "toybench" / "e.md").read_text()
    assert "toy/2fold/ensemble" in md and "ensemble" in md


def test_skeleton_stream_rows_and_their_ensemble():
    """`skeleton_rows(streams=)`: the model's row is the joint stream, one row per other stream (the recipe with
    pipeline.stream changed), and an ensemble row with the official CTR-GCN weights and the published ensemble."""
    from benchmarks._skeleton import STREAMS, SkeletonBenchmark, skeleton_rows
    from motionzoo.data import UTDMHADDataset
    bench = SkeletonBenchmark("utd_mhad", UTDMHADDataset, "utd_mhad", Protocol("utd_mhad", "xsub", num_classes=27))
    rows = skeleton_rows(bench, [], {"ctrgcn/ensemble": (90.0, "paper")}, extra_models=["ctrgcn"],
                         streams={"ctrgcn": STREAMS})
    by_name = {r.name: r for r in rows}
    assert list(by_name) == ["lstm_baseline/xsub", "ctrgcn/xsub", "ctrgcn/xsub/bone", "ctrgcn/xsub/joint_motion",
                             "ctrgcn/xsub/bone_motion", "ctrgcn/xsub/ensemble"]
    assert by_name["ctrgcn/xsub"].recipe.pipeline.get("stream", "joint") == "joint"
    assert by_name["ctrgcn/xsub/bone_motion"].recipe.pipeline["stream"] == "bone_motion"
    ens = by_name["ctrgcn/xsub/ensemble"]
    assert dict(ens.ensemble) == {"ctrgcn/xsub": 0.6, "ctrgcn/xsub/bone": 0.6, "ctrgcn/xsub/joint_motion": 0.4,
                                  "ctrgcn/xsub/bone_motion": 0.4}
    assert ens.published == 90.0 and by_name["ctrgcn/xsub"].published is None and not ens.default
    with pytest.raises(ValueError, match="joint"):
        skeleton_rows(bench, [], extra_models=["ctrgcn"], streams={"ctrgcn": ("bone", "bone_motion")})


def test_val_folds_cross_validate_the_training_data(tmp_path):
    """`--split val --val-folds 5` on NATOPS: five (train, validation) pairs whose validation parts are the 180
    training samples, each once; refused without --split val, on a multi-fold protocol, or by a loader that does
    not cross-validate."""
    data = need_shared("data")
    from benchmarks import natops, sbu
    from benchmarks._common import run_benchmark
    load = natops.ROWS[0].data
    folds = load(data / "natops", False, split="val", val_folds=5)
    assert len(folds) == 5
    held = sorted(i for d in folds for i in d.test.indices)
    assert held == list(range(180)) and all(len(d.train) == 144 for d in folds)
    assert "validation fold 3 of 5" in folds[2].notes and len({d.fingerprint for d in folds}) == 5
    with pytest.raises(SystemExit, match="needs --split val"):
        load(data / "natops", False, split="test", val_folds=5)
    with pytest.raises(SystemExit, match="5 test folds"):
        sbu.ROWS[0].data(data / "sbu", False, split="val", val_folds=2)
    row = BenchmarkRow("toy/2fold", model="toy", protocol=Protocol("toy", "2fold", num_classes=3),
                       recipe=RECIPE.replace(epochs=1), build_model=_build, data=_fold_data)
    argv = ["--out", str(tmp_path / "results"), "--runs-dir", str(tmp_path / "runs"), "--no-progress",
            "--no-plots", "--val-folds", "2"]
    with pytest.raises(SystemExit, match="needs --split val"):
        run_benchmark("toybench", [row], argv)
    with pytest.raises(SystemExit, match="does not cross-validate"):
        run_benchmark("toybench", [row], argv + ["--split", "val"])


def test_resumed_run_records_the_training_time_of_earlier_invocations(tmp_path):
    """A result file written by `--resume` after the trainings finished elsewhere still states what they cost: the
    per-epoch times in the checkpoints, summed per fold, seed and row (its own wall time is only the evaluation)."""
    row = BenchmarkRow("lstm_baseline/2fold", model="lstm_baseline", protocol=Protocol("toy", "2fold", num_classes=3),
                       recipe=RECIPE.replace(epochs=2), build_model=_build, data=_fold_data)
    argv = ["--out", str(tmp_path / "results"), "--runs-dir", str(tmp_path / "runs"), "--run-name", "r",
            "--no-progress", "--no-plots", "--seeds", "0", "1"]
    first = run_benchmark("toybench", [row], argv)["rows"][0]
    logged = 0.0
    for log in sorted((tmp_path / "runs" / "toybench" / "r").rglob("log.jsonl")):
        logged += sum(json.loads(ln).get("time_s", 0.0) for ln in log.read_text().splitlines())
    assert first["train_s"] == pytest.approx(logged, abs=1e-2) and first["train_s"] > 0
    assert first["train_s"] == pytest.approx(sum(f["train_s"] for s in first["per_seed"] for f in s["folds"]),
                                              abs=1e-2)
    resumed = run_benchmark("toybench", [row], argv + ["--resume"])
    assert resumed["rows"][0]["train_s"] == pytest.approx(first["train_s"], abs=1e-2)
    assert resumed["rows"][0]["reproduced_mean"] == pytest.approx(first["reproduced_mean"])
    md = (tmp_path / "results" / "toybench" / "r.md").read_text()
    assert f"{first['train_s'] / 60:.1f} min training" in md and "Training time" in md


@pytest.mark.parametrize("extra, expect", [([], ["--models", "*"]), (["--models", "two_stream*"], ["--models", "two_stream*"]),
                                           (["--models=two_stream*"], ["--models=two_stream*"])])
def test_reproduce_suite_runs_every_row_unless_narrowed(monkeypatch, extra, expect):
    """The GPU suite reproduces the whole table (streams, variants, graph rows), not the scripts' CPU defaults."""
    from benchmarks import reproduce
    calls = []

    class Bench:
        ROWS = []

        @staticmethod
        def run_benchmark(name, rows, argv):
            calls.append((name, argv))
            return None

    monkeypatch.setattr(reproduce, "_module", lambda name: Bench)
    assert reproduce.main(["--device", "cpu", "--seeds", "0", *extra]) == 0
    assert [n for n, _ in calls] == list(reproduce.SUITES["skeleton"])
    for _, argv in calls:
        given = [i for i, a in enumerate(argv) if a.split("=")[0] == "--models"]
        assert len(given) == 1 and argv[given[0]:given[0] + len(expect)] == expect


def test_jobs_train_units_in_processes_and_match_one_process(tmp_path):
    """`--jobs 2`: each (row, seed, fold) trains in its own process into the run directory, then the parent
    evaluates the checkpoints; the numbers equal a one-process run's (same seeds, one thread each)."""
    need_shared("data", "natops")
    common = ["--models", "lstm_baseline", "--seeds", "0", "1", "--epochs", "1", "--threads", "1", "--no-plots",
              "--no-progress", "--out", str(tmp_path / "results"), "--runs-dir", str(tmp_path / "runs")]

    def run(*extra, ok=True):
        out = subprocess.run([sys.executable, "-m", "benchmarks.natops", *common, *extra], cwd=REPO,
                             capture_output=True, text=True)
        assert (out.returncode == 0) == ok, out.stdout + out.stderr
        return out.stdout + out.stderr
    log = run("--jobs", "2", "--run-name", "par")
    run("--run-name", "seq")
    assert "--jobs 2: 2 trainings, 1 thread(s) each" in log and "2/2 lstm_baseline/uea seed" in log
    par, seq = (json.loads((tmp_path / "results" / "natops" / f"{n}.json").read_text()) for n in ("par", "seq"))
    assert [s["top1"] for s in par["rows"][0]["per_seed"]] == [s["top1"] for s in seq["rows"][0]["per_seed"]]
    assert "--jobs 2" in par["command"] and par["rows"][0]["train_s"] > 0
    assert par["env"]["training_processes"] == 2 and "training_processes" not in seq["env"]
    # an override scoped to one row reaches that row's unit, and the other units (narrowed to their own row) run
    run("--models", "lstm_baseline", "spatial_rnn_chain", "--seeds", "0", "--set", "spatial_rnn_chain:lr=0.01",
        "--jobs", "2", "--run-name", "scoped")
    scoped = {r["name"]: r["recipe"]["lr"] for r in
              json.loads((tmp_path / "results" / "natops" / "scoped.json").read_text())["rows"]}
    assert scoped == {"lstm_baseline/uea": par["rows"][0]["recipe"]["lr"], "spatial_rnn_chain/uea": 0.01}
    assert sorted(p.name for p in (tmp_path / "runs" / "natops" / "par" / "_jobs").glob("*.log")) == [
        "lstm_baseline_uea-seed0.log", "lstm_baseline_uea-seed1.log"]
    # each unit's own result files go to a folder of its own (two units finishing together once raced on one file)
    assert sorted(p.relative_to(tmp_path / "runs" / "natops" / "par" / "_jobs" / "results").as_posix() for p in
                  (tmp_path / "runs" / "natops" / "par" / "_jobs" / "results").rglob("par.json")) == [
        "lstm_baseline_uea-seed0/natops/par.json", "lstm_baseline_uea-seed1/natops/par.json"]
    # a unit that fails names its log, shows its end, and nothing is evaluated
    broken = tmp_path / "runs" / "natops" / "bad" / "lstm_baseline_uea" / "seed1" / "last"
    broken.mkdir(parents=True)
    (broken / "state.pt").write_bytes(b"not a checkpoint")
    (broken / "model.safetensors").write_bytes(b"not a checkpoint")
    err = run("--jobs", "2", "--run-name", "bad", "--resume", ok=False)
    assert "1 training(s) failed" in err and "seed1.log" in err and "--run-name bad --resume" in err
    assert not (tmp_path / "results" / "natops" / "bad.json").exists()
    # a recipe the parent can already tell is wrong starts no unit
    err = run("--jobs", "2", "--run-name", "bad-key", "--set", "no_such_key=1", ok=False)
    assert "no_such_key" in err and not (tmp_path / "runs" / "natops" / "bad-key" / "_jobs").exists()
    # a multi-fold row: one unit per (seed, fold), each fold seeded alone, so the same per-fold numbers
    folds = ["--seeds", "0", "--split", "val", "--val-folds", "3", "--folds", "1", "3"]
    log = run(*folds, "--jobs", "2", "--run-name", "par-folds")
    run(*folds, "--run-name", "seq-folds")
    assert "--jobs 2: 2 trainings" in log and "lstm_baseline/uea seed 0 fold 3: trained" in log
    par, seq = (json.loads((tmp_path / "results" / "natops" / f"{n}.json").read_text())["rows"][0]["per_seed"][0]
                for n in ("par-folds", "seq-folds"))

    def scores(entry):
        return [{k: v for k, v in f.items() if k != "train_s"} for f in entry["folds"]]
    assert [f["fold"] for f in par["folds"]] == [1, 3] and scores(par) == scores(seq)
    assert sorted(p.name for p in (tmp_path / "runs" / "natops" / "par-folds" / "_jobs").glob("*.log")) == [
        "lstm_baseline_uea-seed0-fold1.log", "lstm_baseline_uea-seed0-fold3.log"]
    assert "folds 1..3" in run(*folds[:-2], "4", "--jobs", "2", "--run-name", "bad-fold", ok=False)
    # --folds 1 on a one-split row: the unit trains where the parent then looks (fold1/), nothing trains twice
    run("--seeds", "0", "--folds", "1", "--jobs", "2", "--run-name", "one-split")
    assert [p.relative_to(tmp_path / "runs" / "natops" / "one-split").as_posix()
            for p in (tmp_path / "runs" / "natops" / "one-split").rglob("log.jsonl")] == [
        "lstm_baseline_uea/fold1/seed0/log.jsonl"]


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux's")
def test_jobs_units_end_with_their_parent(tmp_path):
    """A killed `--jobs` run (a timeout, a closed terminal) takes its unit processes with it."""
    import signal
    import time
    need_shared("data", "natops")
    parent = subprocess.Popen([sys.executable, "-m", "benchmarks.natops", "--models", "lstm_baseline", "--seeds", "0",
                               "1", "--jobs", "2", "--threads", "1", "--run-name", "killed", "--no-plots",
                               "--out", str(tmp_path / "results"), "--runs-dir", str(tmp_path / "runs")],
                              cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def units() -> list[int]:
        out = []
        for proc in Path("/proc").iterdir():
            try:
                cmd = (proc / "cmdline").read_bytes().split(b"\0")
            except OSError:
                continue
            if proc.name.isdigit() and int(proc.name) != parent.pid and any(str(tmp_path).encode() in a for a in cmd):
                out.append(int(proc.name))
        return out
    try:
        deadline = time.time() + 120
        while len(units()) < 2 and time.time() < deadline:
            time.sleep(0.5)
        assert len(units()) == 2, "the two units did not start"
        parent.send_signal(signal.SIGTERM)
        parent.wait(30)
        deadline = time.time() + 30
        while units() and time.time() < deadline:
            time.sleep(0.5)
        assert not units(), "unit processes outlived their parent"
    finally:
        parent.kill()
        for pid in units():
            os.kill(pid, signal.SIGKILL)


def test_a_benchmark_runs_from_a_data_folder_it_has_never_seen(tmp_path):
    """`--data-root` alone, a folder with an unusual name outside ../shared, the script run by path from another
    directory: it reads that folder (here a test file cut to 30 sequences) and the result names the recipe and
    its source.  A folder without the files is an error that names it."""
    src = need_shared("data", "natops")
    data = tmp_path / "my gestures (copy)"
    data.mkdir()
    (data / "NATOPS_TRAIN.ts").write_bytes((src / "NATOPS_TRAIN.ts").read_bytes())
    lines = (src / "NATOPS_TEST.ts").read_text().splitlines(keepends=True)
    head = next(i for i, line in enumerate(lines) if line.strip().lower() == "@data") + 1
    (data / "NATOPS_TEST.ts").write_text("".join(lines[:head + 30]))
    cmd = [sys.executable, str(REPO / "benchmarks" / "natops.py"), "--models", "lstm_baseline", "--epochs", "1",
           "--threads", "1", "--no-plots", "--no-progress", "--run-name", "elsewhere",
           "--out", str(tmp_path / "results"), "--runs-dir", str(tmp_path / "runs")]
    out = subprocess.run([*cmd, "--data-root", str(data)], cwd=tmp_path, capture_output=True, text=True)
    assert out.returncode == 0, out.stdout + out.stderr
    (row,) = json.loads((tmp_path / "results" / "natops" / "elsewhere.json").read_text())["rows"]
    assert row["num_samples_evaluated"] == 30 and "num_samples" in row["flags"]    # the protocol's test set has 180
    assert row["recipe"]["name"] == "lstm_baseline/natops" and row["recipe"]["source"].startswith("motionzoo:")
    empty = tmp_path / "empty"
    empty.mkdir()
    out = subprocess.run([*cmd, "--data-root", str(empty)], cwd=tmp_path, capture_output=True, text=True)
    assert out.returncode != 0 and str(empty) in out.stdout + out.stderr


def test_atomic_write_survives_concurrent_writers_of_one_file(tmp_path):
    """Writers of the same file in parallel each leave a whole file and never fail: the temporary name is unique
    per call (a shared `<name>.part` let one writer rename another's temporary away: FileNotFoundError)."""
    from concurrent.futures import ThreadPoolExecutor
    from benchmarks._common import _atomic_write
    path = tmp_path / "run.json"
    texts = [f"writer {i}\n" * 2000 for i in range(8)]
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda t: [_atomic_write(path, t) for _ in range(40)], texts))
    assert path.read_text() in texts
    assert [p.name for p in tmp_path.iterdir()] == ["run.json"]          # no temporaries left behind
    assert path.stat().st_mode & 0o777 == 0o644
