"""Export (zoo-conventions.md §2.12): torch.export and ONNX for every registered architecture, checked against
eager PyTorch on a second input with another batch size (and frame count where the frames are dynamic), and a
torch.compile smoke test on the skeleton models.  Heavy architectures run under `-m slow`, with the reason."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
import torch

import motionzoo
from motionzoo.cli import main
from motionzoo.export import (EXPORT_EXCEPTIONS, EXPORT_NOTES, compile_check, dynamic_shapes, example_inputs,
                              export_kwargs, export_onnx, export_program, relative_error)

pytestmark = pytest.mark.usefixtures("one_thread")
REPO = Path(__file__).resolve().parents[1]
ONNX_TOL = 1e-4            # the parity bound, relative

# why an architecture's export test is not in the default run (each still has one, under -m slow)
SLOW = {
    "two_stream_rnn": "the fused model of the two streams, which are both exported in the default run",
    "temporal_rnn_hierarchical": "same TemporalRNN class as temporal_rnn_stacked, with 6 LSTMs",
    "temporal_rnn_part_hier": "same TemporalRNN class as temporal_rnn_stacked, with 11 LSTMs",
    "spatial_rnn_traversal": "same SpatialRNN class as spatial_rnn_chain, another joint sequence",
    "nasbench201": "same NASBench201Net class as nasbench201_resnet, another cell",
    "c3d": "80M parameters, written into the ONNX file",
    "drsr": "38M parameters and 64 frames per clip",
    "drsr_capf": "two DRSR trunks, 80M parameters",
    "smnet": "three C3D trunks and an unrolled attention LSTM",
    "ctrgcn": "the heavier of the two GCNs; the default run exports stgcn",
    "lstm_baseline": "an LSTM over time like temporal_rnn_stacked, which the default run exports",
}


def _params():
    out = []
    for arch in motionzoo.list_models():
        marks = [pytest.mark.slow] if arch in SLOW else []
        out.append(pytest.param(arch, marks=marks, id=arch))
    return out


def test_every_architecture_has_an_export_test_or_a_reason():
    archs = set(motionzoo.list_models())
    assert archs <= set(EXPORT_NOTES) | set(EXPORT_EXCEPTIONS)
    assert not set(EXPORT_EXCEPTIONS) & set(EXPORT_NOTES)
    for arch in archs:   # the model cards state the export status of every architecture
        family = motionzoo.model_info(arch)["family"]
        card = (REPO / "model_cards" / f"{family}.md").read_text()
        section = card[card.index("## Export"):]
        assert f"`{arch}`" in section, f"{family}.md: no export line for {arch}"


@pytest.mark.parametrize("arch", _params())
def test_export(arch, tmp_path):
    pytest.importorskip("onnxruntime")
    torch.manual_seed(0)
    model = motionzoo.create_model(arch, num_classes=5, **export_kwargs(arch, small=True)).eval()
    rep = export_onnx(model, tmp_path / f"{arch}.onnx", small=True)
    assert (tmp_path / f"{arch}.onnx").stat().st_size > 1000
    # the check ran on another input: another batch size, and other frames / sizes where they are dynamic
    assert rep.check_shapes and rep.check_shapes[0][0] == rep.input_shapes[0][0] + 1
    dyn = dynamic_shapes(model, example_inputs(model))[0]      # {axis: Dim} of the first input (smnet: a dict)
    for axis in (dyn if all(isinstance(k, int) for k in dyn) else ()):
        assert rep.check_shapes[0][axis] != rep.input_shapes[0][axis], (axis, rep.summary())
    assert rep.program_rel_err is not None and rep.program_rel_err <= 1e-5, rep.summary()
    assert rep.max_rel_err <= ONNX_TOL, rep.summary()


def test_export_check_uses_a_different_input():
    """A graph that froze its first input's values would pass a check on that same input (mmdeploy#505)."""
    model = motionzoo.create_model("pose_lstm").eval()
    a, b = example_inputs(model)[0], example_inputs(model, variant=1)[0]
    assert a.shape != b.shape
    frozen_output = model(a).detach()
    assert relative_error(frozen_output[:1].expand(3, -1), model(b).detach()) > 1e-2


SKELETON_COMPILE = ("pose_lstm", "spatial_rnn_chain", "nasbench201_resnet")


@pytest.mark.parametrize("arch", [pytest.param(a, marks=[] if a in SKELETON_COMPILE else [pytest.mark.slow], id=a)
                                  for a in motionzoo.list_models(modality="skeleton")])   # slow: inductor compiles
def test_torch_compile_smoke(arch):
    torch.manual_seed(0)
    model = motionzoo.create_model(arch, num_classes=5).eval()
    rep = compile_check(model)
    assert rep.max_rel_err <= 1e-5, rep.summary()


def test_torch_export_program_round_trip(tmp_path):
    model = motionzoo.create_model("temporal_rnn_stacked", num_classes=4).eval()
    prog, rep = export_program(model)
    assert rep.max_rel_err <= 1e-5 and rep.check_shapes[0][1] != rep.input_shapes[0][1]   # dynamic frames
    torch.export.save(prog, tmp_path / "m.pt2")
    loaded = torch.export.load(tmp_path / "m.pt2").module()
    x = torch.randn(1, 33, 25, 3)
    torch.testing.assert_close(loaded(x), model(x), rtol=1e-5, atol=1e-6)


def test_cli_export_onnx_and_pt2(tmp_path, capsys):
    pytest.importorskip("onnxruntime")
    from motionzoo._hub import save_state_dict
    model = motionzoo.create_model("pose_lstm", num_classes=3)
    ckpt = tmp_path / "w.safetensors"
    save_state_dict(model.state_dict(), ckpt, model.pretrained_cfg.replace(categories=("a", "b", "c")))
    out = tmp_path / "pose.onnx"
    assert main(["export", "pose_lstm", "--checkpoint", str(ckpt), "--format", "onnx", "-o", str(out)]) == 0
    text = capsys.readouterr().out
    err = float(re.search(r"max relative error ([0-9.e+-]+)", text).group(1))
    assert out.stat().st_size > 100_000 and err <= ONNX_TOL and "dynamic N and T" in text
    import onnxruntime as ort
    sess = ort.InferenceSession(str(out), providers=["CPUExecutionProvider"])
    x = torch.randn(4, 123, 68)
    got = sess.run(None, {sess.get_inputs()[0].name: x.numpy()})[0]
    ref = motionzoo.create_model("pose_lstm", checkpoint_path=str(ckpt), num_classes=3).eval()(x).detach()
    assert got.shape == (4, 3) and relative_error(got, ref) <= ONNX_TOL     # the checkpoint's weights, any N, T
    assert main(["export", "pose_lstm", "--checkpoint", str(ckpt), "--format", "pt2", "-o",
                 str(tmp_path / "pose.pt2")]) == 0
    assert (tmp_path / "pose.pt2").is_file()
    assert main(["export", "pose_lstm", "--format", "onnx", "-o", str(tmp_path / "r.onnx"), "--no-check"]) == 0
    assert "random weights" in capsys.readouterr().err


@pytest.mark.slow   # reason: the published head's smallest input, 16x193x193 frames, costs ~10x the default test
def test_export_i3d_published_head(tmp_path):
    pytest.importorskip("onnxruntime")
    model = motionzoo.create_model("i3d", num_classes=5).eval()          # global_pool="i3d": a fixed 2x7x7 pool
    rep = export_onnx(model, tmp_path / "i3d.onnx", small=True)
    assert rep.input_shapes[0][1:] == (3, 16, 193, 193) and rep.check_shapes[0][0] == 3
    assert rep.program_rel_err <= 1e-5 and rep.max_rel_err <= ONNX_TOL, rep.summary()
