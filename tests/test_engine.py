"""Engine: metrics, schedules, optimisers, label smoothing, checkpoints (crash safety) and exact resume."""
from __future__ import annotations

import json
import math
import random
import warnings

import numpy as np
import pytest
import torch
from torch import nn
from torch.utils.data import Dataset, TensorDataset

from conftest import BatchRecorder

from motionzoo.recipes import Recipe, RecipeError, get_recipe, list_recipes, lr_at_epoch
from motionzoo.engine import (build_optimizer, classification_metrics, confusion_matrix,
                              cross_entropy_loss, evaluate, fit, load_checkpoint, make_loader,
                              mean_class_accuracy, most_confused_pairs, per_class_accuracy, save_checkpoint,
                              seed_everything, topk_accuracy)
from motionzoo.engine import checkpoint as ckpt_mod
from motionzoo.engine.checkpoint import CheckpointError, get_rng_state, set_rng_state
from motionzoo.engine.env import describe_env


# -- metrics -----------------------------------------------------------------------------------------------
LOGITS = torch.tensor([
    [0.1, 0.7, 0.2, 0.0],   # true 1: top1 hit
    [0.5, 0.1, 0.3, 0.1],   # true 2: ranked 2nd
    [0.2, 0.2, 0.1, 0.5],   # true 0: tie at rank 2 with class 1 (lower index first -> rank 2)
    [0.9, 0.0, 0.05, 0.05], # true 0: hit
    [0.0, 0.1, 0.2, 0.7],   # true 1: ranked 3rd
])
TARGETS = torch.tensor([1, 2, 0, 0, 1])


def test_topk_and_confusion_by_hand():
    assert topk_accuracy(LOGITS, TARGETS, 1) == pytest.approx(40.0)        # samples 0, 3
    assert topk_accuracy(LOGITS, TARGETS, 2) == pytest.approx(80.0)        # + samples 1, 2
    assert topk_accuracy(LOGITS, TARGETS, 3) == pytest.approx(100.0)
    assert topk_accuracy(LOGITS, TARGETS, 10) == pytest.approx(100.0)      # k > classes
    preds = LOGITS.argmax(1)                                               # [1, 0, 3, 0, 3]
    cm = confusion_matrix(preds, TARGETS, 4)
    expected = np.zeros((4, 4), np.int64)
    expected[1, 1] = expected[2, 0] = expected[0, 3] = expected[0, 0] = expected[1, 3] = 1
    np.testing.assert_array_equal(cm, expected)
    acc = per_class_accuracy(cm)
    np.testing.assert_allclose(acc[:3], [50.0, 50.0, 0.0])
    assert math.isnan(acc[3])                                              # class 3 never occurs
    assert mean_class_accuracy(cm) == pytest.approx(100.0 / 3)
    m = classification_metrics(LOGITS.numpy(), TARGETS.numpy(), 4)
    assert (m["top1"], m["top5"], m["num_samples"]) == (40.0, 100.0, 5)
    assert m["confusion_matrix"] == expected.tolist()
    assert most_confused_pairs(cm, 2, ["a", "b", "c", "d"]) == [("a", "d", 1), ("b", "d", 1)]


def test_metrics_reject_bad_input():
    with pytest.raises(ValueError, match="targets must lie"):
        topk_accuracy(LOGITS, torch.tensor([0, 1, 2, 3, 4]), 1)
    with pytest.raises(ValueError, match=r"\(N, num_classes\)"):
        topk_accuracy(LOGITS[0], TARGETS[:1], 1)


# -- the recipe registry --------------------------------------------------------------------------------------
def test_get_recipe_takes_the_names_list_recipes_prints():
    names = list_recipes()
    assert "two_stream_rnn/sbu" in names
    for name in names:                    # every printed name looks up the recipe it names
        assert get_recipe(name) is get_recipe(*name.split("/", 1))
        assert get_recipe(name).name == name
    with pytest.raises(RecipeError, match="no recipe 'two_stream_rnn/kinetics'.*two_stream_rnn/sbu"):
        get_recipe("two_stream_rnn/kinetics")


# -- schedules and optimisers ------------------------------------------------------------------------------
def test_schedules_at_given_epochs():
    nas = Recipe("nas201", epochs=200, batch_size=256, lr=0.1, nesterov=True, weight_decay=5e-4, schedule="cosine")
    for e in (0, 1, 57, 100, 199):   # nas-bench-201.md §6: lr(e) = 0.05 (1 + cos(pi e / 200))
        assert lr_at_epoch(nas, e) == pytest.approx(0.05 * (1 + math.cos(math.pi * e / 200)), rel=1e-12)
    rnn = Recipe("two_stream", epochs=200, batch_size=256, lr=0.02, schedule="step", step_size=40, gamma=0.7)
    assert [lr_at_epoch(rnn, e) for e in (0, 39, 40, 80, 199)] == pytest.approx(
        [0.02, 0.02, 0.014, 0.0098, 0.02 * 0.7 ** 4])
    ms = Recipe("ms", epochs=30, batch_size=8, lr=1.0, schedule="multistep", milestones=(10, 20), gamma=0.1)
    assert [lr_at_epoch(ms, e) for e in (9, 10, 19, 20, 29)] == pytest.approx([1, 0.1, 0.1, 0.01, 0.01])
    assert lr_at_epoch(Recipe("c", epochs=5, batch_size=1, lr=0.3), 4) == 0.3
    wu = Recipe("wu", epochs=14, batch_size=1, lr=1.0, schedule="cosine", warmup_epochs=4, warmup_lr_init=0.2,
                min_lr=0.1)
    assert [lr_at_epoch(wu, e) for e in range(4)] == pytest.approx([0.2, 0.4, 0.6, 0.8])
    assert lr_at_epoch(wu, 4) == pytest.approx(1.0)                        # cosine starts after the warm-up
    assert lr_at_epoch(wu, 9) == pytest.approx(0.55)                       # half-way: (1 + 0.1) / 2
    # DRSR as its code behaves (video-models.md §5.11 table)
    drsr = Recipe("drsr", epochs=100, batch_size=8, lr=0.01, schedule="drsr_upstream", warmup_epochs=3,
                  warmup_lr_init=1e-8, min_lr=1e-5)
    got = [lr_at_epoch(drsr, e) for e in (0, 1, 2, 3, 4, 50, 99)]
    assert got == pytest.approx([1e-8, 0.005, 0.005, 0.005, 0.0049987, 0.0026262, 1.131e-5], rel=2e-4)
    fusion = drsr.replace(schedule="drsr_fusion")
    got = [lr_at_epoch(fusion, e) for e in (0, 1, 2, 3, 4, 99)]
    assert got == pytest.approx([1e-8, 0.005, 0.01, 0.01, 0.0099974, 1.262e-5], rel=2e-4)
    custom = nas.replace(schedule=f"custom:{__name__}._half_lr_schedule", epochs=10)   # a family's own function
    assert lr_at_epoch(custom, 4) == pytest.approx(0.1 * 0.5 ** 4)
    with pytest.raises(ValueError, match="cannot import schedule function"):
        lr_at_epoch(nas.replace(schedule="custom:no_such_module.fn"), 0)
    with pytest.raises(ValueError, match="unknown schedule 'poly'"):
        lr_at_epoch(nas.replace(schedule="poly"), 0)


def _half_lr_schedule(epoch, base_lr, epochs, unused_option=3):
    assert epochs == 10
    return base_lr * 0.5 ** epoch


def test_build_optimizers():
    model = nn.Linear(3, 2)
    sgd = build_optimizer(model, Recipe("s", epochs=1, batch_size=1, lr=0.1, nesterov=True, weight_decay=5e-4))
    assert isinstance(sgd, torch.optim.SGD)
    assert sgd.param_groups[0]["nesterov"] and sgd.param_groups[0]["weight_decay"] == 5e-4
    adam = build_optimizer(model, Recipe("a", epochs=1, batch_size=1, optimizer="adam", lr=5e-5))
    assert type(adam) is torch.optim.Adam and adam.param_groups[0]["betas"] == (0.9, 0.999)
    adamw = build_optimizer(model, Recipe("w", epochs=1, batch_size=1, optimizer="adamw", lr=1e-3,
                                          weight_decay=0.05))
    assert type(adamw) is torch.optim.AdamW
    # SMnet-style groups: trunk at 1e-5, the rest at 5e-5 (video-models.md §3.9)
    groups = [{"params": [model.weight], "lr_scale": 0.2}, {"params": [model.bias]}]
    two = build_optimizer(groups, Recipe("g", epochs=1, batch_size=1, optimizer="adam", lr=5e-5))
    assert [g["lr"] for g in two.param_groups] == pytest.approx([1e-5, 5e-5])
    with pytest.raises(ValueError, match="unknown optimizer 'lamb'"):
        build_optimizer(model, Recipe("x", epochs=1, batch_size=1, optimizer="lamb"))


def test_label_smoothing_by_hand():
    logits = torch.tensor([[2.0, 0.5, -1.0], [0.1, 0.2, 0.3]])
    targets = torch.tensor([0, 2])
    eps, c = 0.1, 3
    logp = torch.log_softmax(logits, 1)
    manual = ((1 - eps) * -logp[torch.arange(2), targets] + eps / c * -logp.sum(1)).mean()
    total, parts = cross_entropy_loss(eps)({"logits": logits, "aux": None}, targets, 0)
    assert float(total) == pytest.approx(float(manual), rel=1e-6)
    assert float(parts["ce"]) == pytest.approx(float(manual), rel=1e-6)
    plain, _ = cross_entropy_loss(0.0)((logits, "ignored"), targets, 0)
    assert float(plain) == pytest.approx(float(-logp[torch.arange(2), targets].mean()), rel=1e-6)


def test_fit_uses_recipe_label_smoothing_and_custom_loss(tmp_path):
    """With lr = 0 nothing moves, so the logged training loss is the smoothed CE of the initial model."""
    torch.manual_seed(0)
    x, y = torch.randn(20, 5), torch.randint(0, 3, (20,))
    model = nn.Linear(5, 3)
    expected = float(nn.functional.cross_entropy(model(x).detach(), y, label_smoothing=0.2))
    recipe = Recipe("zero", epochs=1, batch_size=20, lr=0.0, label_smoothing=0.2)
    loader = make_loader(TensorDataset(x, y), 20, train=True)
    res = fit(model, loader, None, recipe, None, progress=False)
    assert res.history[0]["train_loss"] == pytest.approx(expected, rel=1e-5)

    def loss_fn(outputs, targets, epoch):   # a family hook with an auxiliary term and an epoch-dependent weight
        ce = nn.functional.cross_entropy(outputs, targets)
        aux = outputs.pow(2).mean()
        return ce + (epoch + 1) * aux, {"ce": ce, "aux": aux}
    res = fit(model, loader, None, recipe.replace(epochs=2), None, progress=False, loss_fn=loss_fn)
    h = res.history[1]
    assert h["train_loss"] == pytest.approx(h["train_ce_loss"] + 2 * h["train_aux_loss"], rel=1e-5)


def test_fit_honours_recipe_drop_last():
    """A recipe with drop_last=True trains on whole batches only (20 samples at batch 8: 2 steps of 8, not a third
    of 4), and a loader that disagrees with the recipe is refused before training starts."""
    data = TensorDataset(torch.randn(20, 5), torch.randint(0, 3, (20,)))
    recipe = Recipe("drop", epochs=2, batch_size=8, lr=0.01, drop_last=True)
    net = BatchRecorder(5, 3)
    fit(net, make_loader(data, 8, train=True, drop_last=True), None, recipe, None, progress=False)
    assert net.seen == [8, 8, 8, 8]
    net = BatchRecorder(5, 3)
    fit(net, make_loader(data, 8, train=True), None, recipe.replace(drop_last=False), None, progress=False)
    assert net.seen == [8, 8, 4, 8, 8, 4]
    with pytest.raises(ValueError, match="drop_last=True but the training loader drop_last=False"):
        fit(BatchRecorder(5, 3), make_loader(data, 8, train=True), None, recipe, None, progress=False)
    with pytest.raises(RecipeError, match="drop_last must be True or False, got 'true'"):
        recipe.replace(drop_last="true")


def test_fit_warns_of_a_tiny_last_batch_through_batchnorm():
    """34 samples at batch 32 leave a batch of 2 every epoch: a BatchNorm model is warned, a model without
    BatchNorm or a loader that drops the batch is not."""
    data = TensorDataset(torch.randn(34, 5), torch.randint(0, 3, (34,)))
    recipe = Recipe("tiny-last", epochs=1, batch_size=32, lr=0.01)
    bn_net = nn.Sequential(nn.Linear(5, 8), nn.BatchNorm1d(8), nn.Linear(8, 3))
    with pytest.warns(UserWarning, match="34 training samples at batch 32 end every epoch on a batch of 2"):
        fit(bn_net, make_loader(data, 32, train=True), None, recipe, None, progress=False)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fit(nn.Linear(5, 3), make_loader(data, 32, train=True), None, recipe, None, progress=False)
        fit(bn_net, make_loader(data, 32, train=True, drop_last=True), None, recipe.replace(drop_last=True), None,
            progress=False)


# -- checkpoints -------------------------------------------------------------------------------------------
def _state(epoch):
    return {"epoch": epoch, "history": [{"epoch": epoch, "val_top1": 50.0 + epoch}], "rng": [get_rng_state()]}


def test_rng_state_round_trip():
    state = get_rng_state()
    a = (random.random(), np.random.rand(), torch.rand(1).item(), np.random.randn())
    set_rng_state(state)
    assert (random.random(), np.random.rand(), torch.rand(1).item(), np.random.randn()) == a


def test_checkpoint_survives_crash_mid_write(tmp_path, monkeypatch):
    model = nn.Linear(4, 2)
    save_checkpoint(tmp_path, "last", model.state_dict(), _state(0))
    good = {k: v.clone() for k, v in model.state_dict().items()}
    with torch.no_grad():
        model.weight.add_(1.0)

    real_save = torch.save

    def dying_save(obj, f, *a, **k):   # writes half a file, then the process "dies"
        real_save(obj, f, *a, **k)
        with open(f, "r+b") as fh:
            fh.truncate(100)
        raise OSError("disk full")
    monkeypatch.setattr(ckpt_mod.torch, "save", dying_save)
    with pytest.raises(OSError, match="disk full"):
        save_checkpoint(tmp_path, "last", model.state_dict(), _state(1))
    monkeypatch.undo()

    sd, state = load_checkpoint(tmp_path, "last")
    assert state["epoch"] == 0
    assert all(torch.equal(sd[k], good[k]) for k in good)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["last"]        # no temporary leftovers

    # a crash between the two renames leaves `last.old` complete and `last` missing or partial
    (tmp_path / "last").rename(tmp_path / "last.old")
    (tmp_path / "last").mkdir()
    (tmp_path / "last" / "model.safetensors").write_bytes(b"partial")
    sd, state = load_checkpoint(tmp_path, "last")
    assert state["epoch"] == 0
    save_checkpoint(tmp_path, "last", model.state_dict(), _state(2))     # the next save cleans up
    assert sorted(p.name for p in tmp_path.iterdir()) == ["last"]
    assert load_checkpoint(tmp_path, "last")[1]["epoch"] == 2

    # weights that do not match the recorded sha256 are refused
    (tmp_path / "last" / "model.safetensors").write_bytes(b"garbage")
    with pytest.raises(CheckpointError, match="last"):
        load_checkpoint(tmp_path, "last")


def test_state_file_is_weights_only_loadable(tmp_path):
    model = nn.Linear(4, 2)
    opt = build_optimizer(model, Recipe("a", epochs=1, batch_size=1, optimizer="adam"))
    model(torch.randn(3, 4)).sum().backward()
    opt.step()
    save_checkpoint(tmp_path, "last", model.state_dict(), {**_state(0), "optimizer": opt.state_dict()})
    state = torch.load(tmp_path / "last" / "state.pt", weights_only=True)
    assert state["optimizer"]["state"][0]["exp_avg"].shape == (2, 4)


# -- resume equivalence ------------------------------------------------------------------------------------
class NoisyData(Dataset):
    """Augments with numpy and python RNGs, so resuming must restore those streams too."""

    def __init__(self, n=40):
        g = torch.Generator().manual_seed(1)
        self.x = torch.randn(n, 6, generator=g)
        self.y = (self.x[:, 0] > 0).long() + (self.x[:, 1] > 0.5).long()

    def __len__(self):
        return len(self.x)

    def __getitem__(self, i):
        noise = torch.from_numpy(np.random.normal(0, 0.1, 6).astype(np.float32))
        return self.x[i] * (1 + 0.1 * random.random()) + noise, self.y[i]


def _net():
    return nn.Sequential(nn.Linear(6, 16), nn.ReLU(), nn.Dropout(0.3), nn.Linear(16, 3))


class Interrupt(Exception):
    pass


_RESUME_RECIPE = Recipe("resume", epochs=4, batch_size=8, lr=0.2, nesterov=True, weight_decay=1e-3, schedule="cosine",
                        warmup_epochs=1, warmup_lr_init=0.05, grad_clip=1.0, label_smoothing=0.1)


def _run(out_dir, resume=False, stop_after=None, recipe=_RESUME_RECIPE):
    data = NoisyData()

    def stop(epoch, record):
        if stop_after is not None and epoch == stop_after:
            raise Interrupt
    return fit(_net(), make_loader(data, 8, train=True, seed=3), make_loader(data, 16, train=False), recipe,
               out_dir, resume=resume, progress=False, plots=False, on_epoch_end=stop)


def test_resume_reaches_identical_weights(tmp_path):
    seed_everything(0)
    straight = _run(tmp_path / "a")

    seed_everything(0)
    with pytest.raises(Interrupt):
        _run(tmp_path / "b", stop_after=1)                                # epochs 0 and 1 done
    seed_everything(12345)                                                # a fresh process: other RNG, other init
    resumed = _run(tmp_path / "b", resume=True)

    a, b = straight.model.state_dict(), resumed.model.state_dict()
    assert a.keys() == b.keys()
    for k in a:
        assert torch.equal(a[k], b[k]), k
    assert [h["train_loss"] for h in straight.history] == [h["train_loss"] for h in resumed.history]
    assert resumed.final["top1"] == straight.final["top1"]
    log = [json.loads(line) for line in (tmp_path / "b" / "log.jsonl").read_text().splitlines()]
    assert [r["epoch"] for r in log[:-1]] == [0, 1, 2, 3] and log[-1]["event"] == "summary"
    # `best` is a complete checkpoint of the best epoch
    best_sd, best_state = load_checkpoint(tmp_path / "b", "best")
    assert best_state["best"]["epoch"] == best_state["epoch"]
    assert (tmp_path / "b" / "confusion_matrix.csv").exists()


def test_resume_refuses_a_checkpoint_of_another_recipe(tmp_path):
    """A checkpoint continues only under the recipe it was trained with (its description may change): an SGD
    checkpoint resumed under an AdamW recipe, or under another learning rate, is refused with the fields named,
    before anything is loaded, and the checkpoint is left as it was."""
    seed_everything(0)
    with pytest.raises(Interrupt):
        _run(tmp_path, stop_after=1)
    before = (tmp_path / "last" / "state.pt").read_bytes()

    def resume(**changes):
        return _run(tmp_path, resume=True, recipe=_RESUME_RECIPE.replace(**changes))

    with pytest.raises(ValueError, match=r"cannot resume .*last.*optimizer: 'sgd' in the checkpoint, 'adamw' now"):
        resume(optimizer="adamw")
    with pytest.raises(ValueError, match=r"lr: 0\.2 in the checkpoint, 0\.1 now"):
        resume(lr=0.1)
    assert (tmp_path / "last" / "state.pt").read_bytes() == before
    assert [h["epoch"] for h in resume(source="a better description").history] == [0, 1, 2, 3]


@pytest.mark.parametrize("every_s, saved", [(0.0, [0, 1, 2, 3]), (1e9, [0, 3])])
def test_checkpoint_cadence(tmp_path, monkeypatch, every_s, saved):
    """`last/` after the first epoch, the last, and every `checkpoint_every_s` in between; the log keeps every
    epoch either way."""
    import motionzoo.engine.loop as loop
    written = []
    real = loop.save_checkpoint

    def spy(out_dir, name, model_state, state, metadata=None):
        written.append(state["epoch"])
        return real(out_dir, name, model_state, state, metadata)
    monkeypatch.setattr(loop, "save_checkpoint", spy)
    recipe = Recipe("cadence", epochs=4, batch_size=8, lr=0.1)
    data = NoisyData()
    seed_everything(0)
    fit(_net(), make_loader(data, 8, train=True, seed=3), make_loader(data, 16, train=False), recipe, tmp_path,
        progress=False, plots=False, eval_every=0, checkpoint_every_s=every_s)
    assert written == saved
    assert load_checkpoint(tmp_path, "last")[1]["epoch"] == 3
    log = [json.loads(line) for line in (tmp_path / "log.jsonl").read_text().splitlines()]
    assert [r["epoch"] for r in log[:-1]] == [0, 1, 2, 3]


def test_evaluate_matches_metrics_and_env_description():
    torch.manual_seed(0)
    x, y = torch.randn(11, 4), torch.randint(0, 3, (11,))
    model = nn.Linear(4, 3)
    res = evaluate(model, make_loader(TensorDataset(x, y), 4, train=False), "cpu", progress=False)
    ref = classification_metrics(model(x).detach(), y, 3)
    assert res["top1"] == ref["top1"] and res["confusion_matrix"] == ref["confusion_matrix"]
    assert res["num_samples"] == 11
    env = describe_env("cpu")
    assert env["torch"] == torch.__version__ and env["device"].startswith("cpu") and "deterministic" in env
    assert env["cpu_capability"] == torch.backends.cpu.get_cpu_capability() and env["cpu"]
