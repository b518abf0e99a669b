"""The engine's per-step path (motionzoo/engine/loop.py `_train_one_epoch`): epoch metrics summed once per epoch,
and the non-finite-loss check made every few steps (each check waits for the device), still naming the first
bad step."""
from __future__ import annotations

import pytest
import torch
from torch import nn

from motionzoo.engine import fit
from motionzoo.engine import loop as loop_mod
from motionzoo.recipes import Recipe

RECIPE = Recipe(name="test/step", epochs=1, batch_size=4, optimizer="sgd", lr=0.1)


def batches(n, bs=4, seed=0):
    g = torch.Generator().manual_seed(seed)
    return [(torch.randn(bs + (k % 2), 6, generator=g), torch.randint(0, 3, (bs + (k % 2),), generator=g))
            for k in range(n)]


def test_epoch_metrics_are_the_batch_size_weighted_means():
    torch.manual_seed(0)
    model = nn.Linear(6, 3)
    data = batches(70)

    def loss_fn(out, y, epoch):
        ce = nn.functional.cross_entropy(out, y)
        return ce + 1.0, {"ce": ce.detach(), "const": 1.0}

    ref = nn.Linear(6, 3)
    ref.load_state_dict(model.state_dict())
    opt = torch.optim.SGD(ref.parameters(), lr=0.1, momentum=0.9)
    tot = ce_sum = correct = n = 0.0
    for x, y in data:  # the same steps by hand
        out = ref(x)
        ce = nn.functional.cross_entropy(out, y)
        correct += float((out.argmax(1) == y).sum())
        opt.zero_grad()
        (ce + 1.0).backward()
        opt.step()
        tot, ce_sum, n = tot + float(ce.detach() + 1.0) * len(y), ce_sum + float(ce.detach()) * len(y), n + len(y)
    h = fit(model, data, None, RECIPE, None, loss_fn=loss_fn, progress=False).history[0]
    assert h["train_loss"] == pytest.approx(tot / n, rel=1e-6)
    assert h["train_ce_loss"] == pytest.approx(ce_sum / n, rel=1e-6)
    assert h["train_const_loss"] == pytest.approx(1.0)
    assert h["train_top1"] == pytest.approx(100 * correct / n)


@pytest.mark.parametrize("bad_step", [3, 31, 32, 40, 69])
def test_non_finite_loss_names_the_first_bad_step(bad_step):
    calls = []

    def loss_fn(out, y, epoch):
        calls.append(1)
        ce = nn.functional.cross_entropy(out, y)
        return (ce * float("nan") if len(calls) - 1 >= bad_step else ce), {}

    with pytest.raises(FloatingPointError, match=rf"non-finite loss nan at epoch 0, step {bad_step} "):
        fit(nn.Linear(6, 3), batches(70), None, RECIPE, None, loss_fn=loss_fn, progress=False)


def test_finite_check_waits_for_the_device_once_per_block_of_steps(monkeypatch):
    checks = []
    real = loop_mod._check_finite
    monkeypatch.setattr(loop_mod, "_check_finite", lambda totals, start, *a: checks.append(start) or real(
        totals, start, *a))
    fit(nn.Linear(6, 3), batches(70), None, RECIPE, None, progress=False)
    assert checks == [0, 32, 64]  # after steps 32 and 64 and at the end of the epoch, not after every step
