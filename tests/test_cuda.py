"""The CUDA paths: every registered architecture on the GPU against the same weights on the CPU, bf16 autocast
training steps, and `engine.fit` / `evaluate` on CUDA.  Skipped where there is no GPU (CI has none); a session
lent one runs `bash benchmarks/device_check.sh`, which starts with this file."""
from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F
from torch.utils.data import TensorDataset

import motionzoo
from motionzoo.engine import evaluate, fit, make_loader
from motionzoo.export import example_inputs, export_kwargs, relative_error
from motionzoo.recipes import Recipe
from motionzoo.recipes.losses import logits_of as _logits

pytestmark = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
CUDA = torch.device("cuda")
FP32_TOL = 1e-3     # cuDNN and the CPU kernels sum in other orders; TF32 is switched off for the comparison


@pytest.fixture
def no_tf32():
    saved = torch.backends.cuda.matmul.allow_tf32, torch.backends.cudnn.allow_tf32
    torch.backends.cuda.matmul.allow_tf32 = torch.backends.cudnn.allow_tf32 = False
    yield
    torch.backends.cuda.matmul.allow_tf32, torch.backends.cudnn.allow_tf32 = saved


def _to(x, device):
    if isinstance(x, (tuple, list)):
        return type(x)(_to(v, device) for v in x)
    if isinstance(x, dict):
        return {k: _to(v, device) for k, v in x.items()}
    return x.to(device) if isinstance(x, torch.Tensor) else x


@pytest.mark.parametrize("arch", motionzoo.list_models())
def test_cuda_matches_cpu_and_trains_in_bf16(arch, no_tf32):
    torch.manual_seed(0)
    model = motionzoo.create_model(arch, num_classes=5, **export_kwargs(arch, small=True)).eval()
    inputs = example_inputs(model)
    with torch.no_grad():
        cpu = _logits(model(*inputs)).float()
        gpu = _logits(model.to(CUDA)(*_to(inputs, CUDA))).float().cpu()
    assert relative_error(gpu, cpu) <= FP32_TOL, arch
    # one bf16 autocast training step (the engine's CUDA default): finite loss, a gradient for every parameter
    # that the loss reaches, and the step changes the weights
    model.train()
    opt = torch.optim.SGD(model.parameters(), lr=1e-3)
    before = [p.detach().clone() for p in model.parameters()]
    with torch.autocast("cuda", dtype=torch.bfloat16):
        out = _logits(model(*_to(inputs, CUDA)))
    loss = F.cross_entropy(out.float(), torch.zeros(out.shape[0], dtype=torch.long, device=CUDA))
    loss.backward()
    assert torch.isfinite(loss)
    grads = [p.grad for p in model.parameters() if p.grad is not None]
    assert grads and all(torch.isfinite(g).all() for g in grads), arch
    opt.step()
    assert any(not torch.equal(b, p.detach().cpu()) for b, p in zip(before, model.parameters())), arch


def test_packed_temporal_stream_on_cuda_matches_cpu(no_tf32):
    """`lengths` packs the temporal stream (cuDNN's packed path on the GPU)."""
    torch.manual_seed(0)
    model = motionzoo.create_model("temporal_rnn_hierarchical", num_classes=4).eval()
    x, lengths = torch.randn(3, 40, 25, 3), torch.tensor([40, 17, 5])
    with torch.no_grad():
        cpu = model(x, lengths=lengths)
        gpu = model.to(CUDA)(x.to(CUDA), lengths=lengths).cpu()
    assert relative_error(gpu, cpu) <= FP32_TOL


def test_fit_and_evaluate_on_cuda(tmp_path):
    """Two epochs of `fit` on the GPU (bf16 autocast by default) lower the loss; a resumed finished run
    evaluates to the same metrics."""
    torch.manual_seed(0)
    y = torch.arange(64) % 4
    x = torch.randn(64, 16, 20, 3) * 0.1 + y.view(-1, 1, 1, 1).float()
    data = TensorDataset(x, y)
    recipe = Recipe(name="cuda-check", epochs=3, batch_size=16, optimizer="adamw", lr=3e-3, schedule="cosine")
    model = motionzoo.create_model("lstm_baseline", num_classes=4, topology="kinect_v1_20")
    res = fit(model, make_loader(data, 16, train=True, seed=0, num_workers=0),
              make_loader(data, 16, train=False, num_workers=0), recipe, tmp_path, device=CUDA, plots=False,
              progress=False)
    losses = [h["train_loss"] for h in res.history]
    assert losses[-1] < losses[0] and next(model.parameters()).is_cuda
    again = evaluate(model, make_loader(data, 16, train=False, num_workers=0), CUDA, num_classes=4, progress=False)
    assert again["top1"] == res.final["top1"]
