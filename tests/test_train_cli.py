"""`motionzoo train` / `eval` / `predict` end to end on a tiny generated container (the README's gesture generator),
the trained file rebuilt by `create_model(..., checkpoint_path=...)`, the errors of bad input, and the README's
"Fine-tune on your own data" example run as written."""
from __future__ import annotations

import hashlib
import json
import re
import shlex
import shutil
from pathlib import Path

import pytest
import torch

import motionzoo
from conftest import cache_pose_lstm_weights
from motionzoo._builder import cfg_from_safetensors
from motionzoo.cli import main

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared" / "data"
CLASSES = ["stand", "wave_left", "wave_right"]

pytestmark = pytest.mark.usefixtures("one_thread")      # small-batch LSTMs: threads only slow them down


def _readme_blocks() -> list[tuple[str, str]]:
    """(language, code) of every fenced block of the README's "Fine-tune on your own data" section."""
    text = (REPO / "README.md").read_text()
    section = text[text.index("## Fine-tune on your own data"):]
    section = section[:section.index("\n## ", 1)]
    return re.findall(r"```(\w+)\n(.*?)```", section, re.S)


def _gestures() -> callable:
    """The README's `gestures(path, classes, per_class, seed)` container writer."""
    scope: dict = {}
    exec(compile(_readme_blocks()[0][1].split("\ngestures(")[0], "README.md", "exec"), scope)
    return scope["gestures"]


def _commands(code: str) -> list[list[str]]:
    """The `motionzoo ...` command lines of a bash block as argv lists (comments skipped)."""
    lines = [line for line in code.replace("\\\n", " ").splitlines() if line.strip() and not line.startswith("#")]
    assert all(line.startswith("motionzoo ") for line in lines), lines
    return [shlex.split(line)[1:] for line in lines]


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def trained(tmp_path_factory, one_thread):
    """One epoch of lstm_baseline on 3 x 4 generated gestures (3 train + 1 test per class)."""
    root = tmp_path_factory.mktemp("train")
    _gestures()(root / "my.npz", CLASSES, per_class=4)
    out = root / "run"
    rc = main(["train", "lstm_baseline", "--data", str(root / "my.npz"), "--epochs", "1", "--out", str(out),
               "--no-plots"])
    assert rc == 0
    return root, out


def test_train_writes_weights_with_their_cfg(trained):
    _, out = trained
    for name in ("model.safetensors", "result.json", "log.jsonl", "run.json", "per_class_accuracy.csv"):
        assert (out / name).is_file(), name
    cfg = cfg_from_safetensors(out / "model.safetensors")
    assert cfg.categories == tuple(CLASSES) and cfg.num_classes == 3
    assert cfg.model_args == {"topology": "coco17", "num_person": 1}      # the data's format and persons
    assert cfg.pipeline["name"] == "skeleton_sequence" and cfg.pipeline["topology"] == "coco17"
    result = json.loads((out / "result.json").read_text())
    assert result["weights"]["sha256"] == _sha(out / "model.safetensors")
    assert result["data"]["num_train"] == 9 and result["metrics"]["num_samples"] == 3
    assert result["recipe"]["name"] == "lstm_baseline/generic" and result["command"].startswith("motionzoo train")
    epochs = [json.loads(line) for line in (out / "log.jsonl").read_text().splitlines()]
    assert [r["epoch"] for r in epochs if "epoch" in r] == [0]


def test_create_model_rebuilds_the_trained_model(trained):
    _, out = trained
    model = motionzoo.create_model("lstm_baseline", checkpoint_path=str(out / "model.safetensors"))
    assert model.pretrained_cfg.categories == tuple(CLASSES) and model.pretrained_cfg.num_classes == 3
    assert model.pretrained_cfg.keypoint_format == "coco17"              # rebuilt with the embedded topology
    from safetensors.torch import load_file
    saved = load_file(str(out / "model.safetensors"))
    state = model.state_dict()
    assert saved.keys() == state.keys() and all(torch.equal(saved[k], state[k]) for k in saved)
    # the weights' own pipeline feeds the rebuilt model
    x = motionzoo.resolve_transforms(model)(torch.zeros(1, 20, 17, 3).numpy() + 1.0)
    assert model.eval()(x[None]).shape == (1, 3)


def test_eval_reproduces_the_training_result(trained, capsys):
    root, out = trained
    rc = main(["eval", "lstm_baseline", "--checkpoint", str(out / "model.safetensors"), "--data", str(root / "my.npz"),
               "--out", str(root / "ev")])
    assert rc == 0
    metrics = json.loads((root / "ev" / "metrics.json").read_text())
    result = json.loads((out / "result.json").read_text())
    # the same weights on the same split through the pipeline rebuilt from the file: the same predictions
    assert metrics["split"] == "test" and metrics["metrics"]["confusion_matrix"] == result["metrics"]["confusion_matrix"]
    rows = (root / "ev" / "per_class_accuracy.csv").read_text().splitlines()
    assert rows[0].startswith("class_index,class_name") and [r.split(",")[1] for r in rows[1:]] == CLASSES
    assert (root / "ev" / "confusion_matrix.png").is_file()
    assert "top1" in capsys.readouterr().out


def test_predict_names_the_embedded_classes(trained, capsys):
    root, out = trained
    capsys.readouterr()
    rc = main(["predict", "lstm_baseline", "--checkpoint", str(out / "model.safetensors"), str(root / "my.npz"),
               "--topk", "3", "--json"])
    assert rc == 0
    report = json.loads(capsys.readouterr().out)
    assert len(report["results"]) == 12
    for r in report["results"]:
        assert sorted(p["class"] for p in r["predictions"]) == sorted(CLASSES)
        assert abs(sum(p["probability"] for p in r["predictions"]) - 1) < 1e-5


def test_out_must_be_empty_and_resume_continues(trained, tmp_path, capsys):
    root, out = trained
    run = tmp_path / "run"
    shutil.copytree(out, run)
    before = _sha(run / "model.safetensors")
    argv = ["train", "lstm_baseline", "--data", str(root / "my.npz"), "--out", str(run), "--no-plots"]
    assert main(argv + ["--epochs", "1"]) == 1
    assert "not empty" in capsys.readouterr().err and _sha(run / "model.safetensors") == before
    # another request is not a continuation
    assert main(argv + ["--epochs", "2", "--resume", "--set", "lr=0.1"]) == 1
    assert "another request" in capsys.readouterr().err
    assert main(argv + ["--epochs", "2", "--resume"]) == 0
    assert "resuming" in capsys.readouterr().err
    log = [json.loads(line) for line in (run / "log.jsonl").read_text().splitlines()]
    first = (out / "log.jsonl").read_text().splitlines()[0]
    assert [r["epoch"] for r in log if "epoch" in r] == [0, 1] and json.loads(first) == log[0]
    assert json.loads((run / "result.json").read_text())["last_epoch"] == 1
    assert _sha(run / "model.safetensors") != before


@pytest.mark.parametrize("args, rc, message", [
    (["train", "no_such_model", "--data", "{data}"], 1, "unknown model 'no_such_model'"),
    (["train", "lstm_baseline", "--data", "{root}/missing.npz"], 1, "data not found"),
    (["train", "lstm_baseline", "--data", "{data}", "--set", "lr"], 2, "--set expects KEY=VALUE, got 'lr'"),
    (["train", "lstm_baseline", "--data", "{data}", "--set", "lrr=1"], 1, "unknown field(s) ['lrr']"),
    (["train", "lstm_baseline", "--data", "{data}", "--set", "pipeline.clip=8"], 1, "no field(s) ['clip']"),
    (["train", "lstm_baseline", "--data", "{data}", "--set", "model.width=8"], 1, "unexpected keyword argument 'width'"),
    (["train", "lstm_baseline", "--data", "{data}", "--set", "optim.lr=1"], 1, "the prefixes are"),
    (["train", "lstm_baseline.nope", "--data", "{data}"], 1, "lstm_baseline.nope"),
    (["eval", "lstm_baseline", "--checkpoint", "{root}/missing.safetensors", "--data", "{data}"], 1, "not found"),
    (["eval", "stgcn", "--checkpoint", "{weights}", "--data", "{data}"], 1, "holds weights of 'lstm_baseline'"),
    (["eval", "lstm_baseline", "--checkpoint", "{weights}", "--data", "{data}", "--split", "val2"], 1,
     "no split 'val2'"),
    (["predict", "lstm_baseline", "--checkpoint", "{weights}", "{root}/missing.npz"], 1, "input not found"),
])
def test_bad_input_exits_with_a_message(trained, tmp_path, capsys, args, rc, message):
    root, out = trained
    fill = {"data": str(root / "my.npz"), "root": str(root), "weights": str(out / "model.safetensors")}
    argv = [a.format(**fill) for a in args]
    if argv[0] == "train":
        argv += ["--out", str(tmp_path / "out"), "--epochs", "1", "--no-plots"]
    capsys.readouterr()
    assert main(argv) == rc
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err
    assert not (tmp_path / "out").exists()                  # nothing is written for a request that fails


def test_readme_finetune_example(tmp_path, monkeypatch, capsys):
    """The README's "Fine-tune on your own data" section as written: the Python block that writes the containers,
    every command of the first bash block (in process), then its Python block that rebuilds the fine-tuned model."""
    blocks = _readme_blocks()
    assert [lang for lang, _ in blocks][:3] == ["python", "bash", "python"]
    monkeypatch.chdir(tmp_path)
    exec(compile(blocks[0][1], "README.md", "exec"), {})
    predictions = None
    for argv in _commands(blocks[1][1]):
        capsys.readouterr()
        assert main(argv) == 0, argv
        if "--json" in argv:
            predictions = json.loads(capsys.readouterr().out)
    scope: dict = {}
    exec(compile(blocks[2][1], "README.md", "exec"), scope)
    cfg = scope["model"].pretrained_cfg
    assert cfg.categories == ("stand", "wave_left", "wave_right", "wave_both") and cfg.num_classes == 4
    assert cfg.init_from == "runs/mine/model.safetensors"
    assert (tmp_path / "runs/mine/eval_my_test/per_class_accuracy.csv").is_file()
    assert {r["predictions"][0]["class"] for r in predictions["results"]} <= set(cfg.categories)


@pytest.mark.skipif(not (SHARED / "utd_mhad").is_dir(), reason="needs ../shared/data/utd_mhad")
def test_readme_start_from_utd_mhad(tmp_path, monkeypatch):
    """The README's shared-data block, one epoch each (`--epochs 1` replaces the recipe's 40 and the 15): a model
    trained on UTD-MHAD (Kinect v1, 27 classes) fine-tuned on generated COCO-17 gestures (3 classes)."""
    blocks = _readme_blocks()
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MOTIONZOO_DATA", str(SHARED))
    _gestures()(tmp_path / "my.npz", CLASSES, per_class=4)
    commands = _commands(blocks[3][1])
    assert commands[0][:4] == ["train", "lstm_baseline", "--dataset", "utd_mhad"]
    for argv in commands:
        argv = [a for i, a in enumerate(argv) if a != "--epochs" and (i == 0 or argv[i - 1] != "--epochs")]
        assert main(argv + ["--epochs", "1", "--no-plots"]) == 0, argv
    utd = cfg_from_safetensors(tmp_path / "runs/utd/model.safetensors")
    assert utd.num_classes == 27 and utd.keypoint_format == "kinect_v1_20"
    mine = cfg_from_safetensors(tmp_path / "runs/from_utd/model.safetensors")
    assert mine.categories == tuple(CLASSES) and mine.model_args["topology"] == "kinect_v1_20"
    # eval on the registered dataset reproduces the training run's last-epoch test metrics
    assert main(["eval", "lstm_baseline", "--checkpoint", "runs/utd/model.safetensors", "--dataset", "utd_mhad",
                 "--no-plots"]) == 0
    metrics = json.loads((tmp_path / "runs/utd/eval_utd_mhad_test/metrics.json").read_text())["metrics"]
    result = json.loads((tmp_path / "runs/utd/result.json").read_text())["metrics"]
    assert metrics["confusion_matrix"] == result["confusion_matrix"] and metrics["num_samples"] == result["num_samples"]


def test_train_from_released_weights_with_new_classes(trained, tmp_path, monkeypatch):
    """The issue's start: `pose_lstm.hpc5_2d` (5 classes, read offline from the cache) fine-tuned on 3 classes."""
    cache_pose_lstm_weights(monkeypatch)
    root, _ = trained
    out = tmp_path / "hpc"
    assert main(["train", "pose_lstm.hpc5_2d", "--pretrained", "--data", str(root / "my.npz"), "--epochs", "1",
                 "--out", str(out), "--no-plots"]) == 0
    cfg = cfg_from_safetensors(out / "model.safetensors")
    assert cfg.categories == tuple(CLASSES) and cfg.num_classes == 3 and cfg.init_from == "pose_lstm.hpc5_2d"
    assert cfg.published_metrics in (None, {}) and not cfg.sha256      # the released file's provenance is not kept
    model = motionzoo.create_model("pose_lstm", checkpoint_path=str(out / "model.safetensors"))
    assert model.pretrained_cfg.categories == tuple(CLASSES)
