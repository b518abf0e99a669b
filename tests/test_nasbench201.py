"""NAS-Bench-201 family: architecture strings and the benchmark order, parameter counts, the network against
the reference fixtures, the converter, and the skeleton-NAS sweep's data encoding and results file."""
from __future__ import annotations

import hashlib
import itertools
import json
import random
import re
import sys
from pathlib import Path

import pytest
import torch

import motionzoo
from motionzoo.convert import get_converter
from motionzoo.models import nasbench201 as nb

from mzfill import assert_close_scaled, load_fixture

REPO = Path(__file__).resolve().parents[1]
FIXTURES_DIR = Path(__file__).resolve().parent / "fixtures"

SPEC_SHA256 = "83abc799e45cf34e9d2163654668ab998b9a54d01c39e72ca1f71f2cdf356d84"
# Benchmark index -> (canonical index, string or op filled into all six edges), spec §3.3.
ANCHORS = {
    0: (13931, "|avg_pool_3x3~0|+|nor_conv_1x1~0|skip_connect~1|+|nor_conv_1x1~0|skip_connect~1|skip_connect~2|"),
    1: (11791, "|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2|"),
    9: (12528, "|avg_pool_3x3~0|+|none~0|none~1|+|skip_connect~0|none~1|nor_conv_3x3~2|"),
    123: (15273, "|avg_pool_3x3~0|+|avg_pool_3x3~0|nor_conv_1x1~1|+|none~0|avg_pool_3x3~1|nor_conv_3x3~2|"),
    1462: (11718, "nor_conv_3x3"),
    1651: (0, "none"),
    1835: (3906, "skip_connect"),
    4317: (7812, "nor_conv_1x1"),
    7581: (15624, "avg_pool_3x3"),
    9930: (11668, "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_3x3~2|"),
    11472: (9776, "|nor_conv_3x3~0|+|none~0|nor_conv_3x3~1|+|skip_connect~0|none~1|skip_connect~2|"),
    15624: (6512, "|nor_conv_1x1~0|+|none~0|nor_conv_1x1~1|+|none~0|nor_conv_1x1~1|nor_conv_1x1~2|"),
}
FIXTURES = ("nas201_best_cifar10_utd27", "nas201_all_avgpool_utd27", "nas201_mixed_utd27")


def _uniform(op: str) -> str:
    return nb.format_arch([op] * 6)


# -- strings and indices ------------------------------------------------------------------------------------
def test_benchmark_order_matches_spec_anchors():
    strings = nb.arch_strings()
    assert len(strings) == nb.NUM_ARCHS == 15_625 and len(set(strings)) == 15_625
    assert hashlib.sha256("\n".join(strings).encode("utf-8")).hexdigest() == SPEC_SHA256
    assert [nb.canonical_index(s) for s in strings[:10]] == [13931, 11791, 14874, 13126, 4032, 7204, 9493, 1168,
                                                              8903, 12528]
    for index, (canon, arch) in ANCHORS.items():
        arch = arch if arch.startswith("|") else _uniform(arch)
        assert nb.index_to_arch(index) == arch
        assert nb.arch_to_index(arch) == index
        assert nb.canonical_index(arch) == canon


def test_shipped_table_equals_the_stdlib_procedure():
    canon = list(range(nb.NUM_ARCHS))
    random.seed(88)
    random.shuffle(canon)
    assert list(nb._benchmark_order()) == canon


def test_parser_round_trip_and_canonical_index_for_all():
    for canon, digits in enumerate(itertools.product(range(5), repeat=6)):
        s = nb.arch_from_canonical(canon)
        ops = nb.parse_arch(s)
        assert ops == tuple(nb.OPS[d] for d in digits)
        assert nb.format_arch(ops) == s
        assert nb.canonical_index(s) == sum(d * 5 ** (5 - k) for k, d in enumerate(digits))
    assert nb.resolve_arch(9930) == nb.resolve_arch("9930") == nb.BEST_CIFAR10


@pytest.mark.parametrize("bad, token", [
    ("|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|", "3 computed nodes"),
    ("|conv_5x5~0|+|none~0|none~1|+|none~0|none~1|none~2|", "'conv_5x5'"),
    ("|none~0|+|none~1|none~0|+|none~0|none~1|none~2|", "'none~1'"),
    ("|none~0|+|none~0|+|none~0|none~1|none~2|", "'|none~0|'"),
    ("|none~0|+|none~0|none~1|+|none~0|none~1|none|", "'none'"),
    ("none~0|+|none~0|none~1|+|none~0|none~1|none~2|", "'none~0|'"),
    ("|none~0|+|none~0|none~1|+|none~0|none~1|none~3|", "'none~3'"),
])
def test_parser_rejects_bad_strings_naming_the_token(bad, token):
    with pytest.raises(nb.ArchStringError, match=re.escape(token)):
        nb.parse_arch(bad)
    with pytest.raises(nb.ArchStringError):
        motionzoo.create_model("nasbench201", arch=bad)


def test_bad_indices_raise():
    for bad in (-1, 15_625):
        with pytest.raises(nb.ArchStringError, match=str(bad)):
            nb.index_to_arch(bad)


def test_describe_helpers():
    assert nb.topology(nb.BEST_CIFAR10) == "sequential"
    assert nb.topology(nb.RESNET) == "sequential" and nb.conv_depth(nb.RESNET) == 2
    parallel = "|nor_conv_3x3~0|+|nor_conv_1x1~0|none~1|+|skip_connect~0|skip_connect~1|skip_connect~2|"
    d = nb.describe_arch(parallel)
    assert d["topology"] == "parallel" and d["input_conv_edges"] == [0, 1] and d["conv_depth"] == 1
    assert nb.topology(_uniform("none")) == "disconnected"
    assert nb.topology(_uniform("skip_connect")) == "no_conv"
    assert nb.describe_arch(_uniform("avg_pool_3x3"))["only_avg_pool"]
    assert nb.topology("|nor_conv_3x3~0|+|none~0|none~1|+|skip_connect~0|skip_connect~1|none~2|") == "single"
    assert nb.topology("|nor_conv_3x3~0|+|none~0|none~1|+|skip_connect~0|none~1|none~2|") == "no_conv"  # dead conv
    # Node 2 receives nothing, so the only edge into the output carries zeros: the input is discarded.
    cut = "|skip_connect~0|+|none~0|none~1|+|none~0|none~1|skip_connect~2|"
    assert not nb.input_reaches_output(cut) and nb.live_edges(cut) == ()
    # Edge 1->2 hangs off node 1, which node 0 reaches, and node 2 reaches the output.
    assert nb.live_edges("|skip_connect~0|+|none~0|nor_conv_1x1~1|+|none~0|none~1|skip_connect~2|") == (0, 2, 5)
    # A dead branch (node 2 never reaches the output) does not count as a convolution.
    dead = "|skip_connect~0|+|nor_conv_3x3~0|none~1|+|none~0|skip_connect~1|none~2|"
    assert nb.topology(dead) == "no_conv"
    assert nb.op_counts(nb.BEST_CIFAR10) == {"none": 0, "skip_connect": 1, "nor_conv_1x1": 0,
                                             "nor_conv_3x3": 5, "avg_pool_3x3": 0}


# -- network ------------------------------------------------------------------------------------------------
_KEY_RE = re.compile(r"^(stem\.[01]\.|cells\.\d+\.(layers\.[0-5]\.op\.[12]\.|conv_[ab]\.op\.[12]\.|downsample\.1\.)"
                     r"|lastact\.0\.|classifier\.)")


def test_param_count_closed_form_and_state_dict_layout():
    rng = random.Random(0)
    indices = rng.sample(range(nb.NUM_ARCHS), 50) + [1462, 9930, 11472, 4317, 1651, 1835, 7581]
    for n, index in enumerate(indices):
        arch = nb.index_to_arch(index)
        k = (10, 27, 60)[n % 3]
        in_chans = (3, 3, 1, 4)[n % 4]
        model = nb.NASBench201Net(arch, num_classes=k, in_chans=in_chans)
        assert sum(p.numel() for p in model.parameters()) == nb.param_count(arch, k, in_chans), (index, k)
        ops = nb.parse_arch(arch)
        n_conv = ops.count("nor_conv_3x3") + ops.count("nor_conv_1x1")
        sd = model.state_dict()
        assert len(sd) == 39 + 90 * n_conv
        assert all(_KEY_RE.match(key) for key in sd), [key for key in sd if not _KEY_RE.match(key)]
        for e, op in enumerate(ops):
            has = any(key.startswith(f"cells.0.layers.{e}.") for key in sd)
            assert has == (op in nb.CONV_OPS)
    # The spec's table (§4).
    assert nb.param_count(9930, 10) == 1_288_506 and nb.param_count(1462, 10) == 1_531_546
    assert nb.param_count(11472, 60) == 562_636 and nb.param_count(4317, 27) == 242_411


@pytest.mark.parametrize("shape, k", [((2, 3, 32, 32), 10), ((2, 3, 20, 68), 27), ((2, 3, 28, 84), 60)])
def test_forward_shapes(shape, k):
    model = motionzoo.create_model("nasbench201", arch=4948, num_classes=k).eval()
    x = torch.randn(shape)
    with torch.no_grad():
        feats = model.forward_features(x)
        assert feats.shape == (2, 64)
        assert model(x).shape == (2, k)
        final, maps = model.forward_intermediates(x)
    h, w = shape[2:]
    assert [tuple(m.shape[1:]) for m in maps] == [(16, h, w), (32, h // 2, w // 2), (64, h // 4, w // 4)]
    torch.testing.assert_close(final, feats)
    torch.testing.assert_close(maps[-1].mean((2, 3)), feats)


def test_bad_inputs_raise_clearly():
    model = motionzoo.create_model("nasbench201", arch=1835)
    with pytest.raises(ValueError, match=r"divisible by 4.*20 x 66"):
        model(torch.randn(1, 3, 20, 66))
    with pytest.raises(ValueError, match=r"divisible by 4.*25 x 68"):
        model(torch.randn(1, 3, 25, 68))
    with pytest.raises(ValueError, match=r"N x 3 x H x W.*\(1, 20, 68\)"):
        model(torch.randn(1, 20, 68))


def test_heads_and_classifier_api():
    x = torch.randn(2, 3, 20, 68)
    model = motionzoo.create_model("nasbench201", arch=4948).eval()
    assert model.get_classifier() is model.classifier and model.classifier.out_features == 27
    with torch.no_grad():
        feats = model.forward_features(x)
        torch.testing.assert_close(model.forward_head(feats, pre_logits=True), feats)
        torch.testing.assert_close(model(x), model.classifier(feats))
        model.reset_classifier(5)
        assert model(x).shape == (2, 5)
        model.reset_classifier(0)
        torch.testing.assert_close(model(x), feats)
    headless = motionzoo.create_model("nasbench201", arch=4948, num_classes=0).eval()
    assert headless(x).shape == (2, 64)
    assert sum(p.numel() for p in headless.parameters()) == nb.param_count(4948, 0)


def _conv_linear_macs(model, input_size) -> int:
    """Multiply-accumulates of every Conv2d and Linear at `input_size` (the cfg's gmacs convention)."""
    total, hooks = [0], []
    for m in model.modules():
        if isinstance(m, torch.nn.Conv2d):
            k = m.in_channels // m.groups * m.kernel_size[0] * m.kernel_size[1]
            hooks.append(m.register_forward_hook(lambda mod, i, out, k=k: total.__setitem__(0, total[0] + out.numel() * k)))
        elif isinstance(m, torch.nn.Linear):
            hooks.append(m.register_forward_hook(
                lambda mod, i, out: total.__setitem__(0, total[0] + out.numel() * mod.in_features)))
    with torch.no_grad():
        model(torch.zeros(1, *input_size))
    for h in hooks:
        h.remove()
    return total[0]


def test_cell_keyword_is_refused_not_dropped():
    """The builder's keyword is `arch`; the class's `cell` used to be silently replaced by the default cell."""
    with pytest.raises(TypeError, match=r"cell=.*conflicts.*accepts: .*\barch\b"):
        motionzoo.create_model("nasbench201", cell=nb.RESNET)
    assert motionzoo.create_model("nasbench201", arch=nb.RESNET).arch == nb.RESNET


def test_registered_archs_cfgs_and_presets():
    assert motionzoo.list_models("nasbench201*") == ["nasbench201", "nasbench201_resnet"]
    assert motionzoo.list_pretrained("nasbench201*") == []   # no real weights exist
    for name, index in (("nasbench201", 9930), ("nasbench201_resnet", 11472)):
        cfg = motionzoo.get_pretrained_cfg(name)
        model = motionzoo.create_model(name).eval()
        assert model.arch == nb.index_to_arch(index)
        assert cfg.num_params == sum(p.numel() for p in model.parameters()) == nb.param_count(index, 27)
        sd = model.state_dict()
        assert f"{cfg.first_conv}.weight" in sd and f"{cfg.classifier}.weight" in sd
        assert cfg.input_layout == "NCHW" and cfg.input_size == (3, 20, 68) and cfg.num_classes == 27
        assert cfg.gmacs == pytest.approx(_conv_linear_macs(model, cfg.input_size) / 1e9, abs=1e-6)
    with pytest.raises(TypeError, match="fixed cell"):
        motionzoo.create_model("nasbench201_resnet", arch=5)
    model = motionzoo.create_model("nasbench201", arch=7581, preset="ntu_xsub", in_chans=1)
    cfg = model.pretrained_cfg
    assert (cfg.num_classes, cfg.input_size, cfg.in_chans) == (60, (3, 28, 84), 1)
    assert cfg.model_args == {"cell": nb.index_to_arch(7581)} and cfg.num_params == nb.param_count(7581, 60, 1)
    assert model(torch.randn(1, 1, 28, 84)).shape == (1, 60)
    assert motionzoo.create_model("nasbench201", preset="ntu_xview").pretrained_cfg.input_size == (3, 28, 88)
    with pytest.raises(ValueError, match="unknown NAS-Bench-201 input preset"):
        motionzoo.create_model("nasbench201", preset="cifar")


# -- converter and reference fixtures -----------------------------------------------------------------------
def _endpoint_means(model, x):
    means, hooks = {}, []
    for name in ["stem", *(f"cells.{i}" for i in range(len(model.cells))), "lastact"]:
        hooks.append(model.get_submodule(name).register_forward_hook(
            lambda mod, inp, out, name=name: means.__setitem__(name, out.mean((2, 3)))))
    with torch.no_grad():
        feats = model.forward_features(x)
        logits = model.forward_head(feats)
    for h in hooks:
        h.remove()
    return feats, logits, means


@pytest.mark.parametrize("name", FIXTURES)
def test_converter_reproduces_reference_fixture(reference_dir, name):
    meta, ref, filled = load_fixture(reference_dir, name)
    arch = meta["arch"]["string"]
    assert nb.arch_to_index(arch) == meta["arch"]["nas_bench_201_index"]
    assert nb.param_count(arch, 27) == meta["state_dict"]["num_parameters"]
    model = motionzoo.create_model("nasbench201", arch=arch, num_classes=27).eval()
    sd = get_converter("nas201-xautodl").fn(filled)
    assert list(sd) == list(model.state_dict())       # same names, same order as upstream
    model.load_state_dict(sd)
    feats, logits, means = _endpoint_means(model, ref["input"].float())
    assert_close_scaled(logits, ref["logits"])
    assert_close_scaled(feats, ref["features"])
    for key, value in means.items():
        assert_close_scaled(value, ref[f"endpoint_mean.{key}"])


def test_converter_rejects_foreign_keys(tmp_path):
    model = motionzoo.create_model("nasbench201", arch=1835)
    sd = model.state_dict()
    conv = get_converter("nas201-xautodl")
    assert conv.arch == "nasbench201"
    torch.save({"state_dict": {f"module.{k}": v for k, v in sd.items()}}, tmp_path / "net.pth")
    assert list(conv.fn(tmp_path / "net.pth")) == list(sd)
    with pytest.raises(KeyError, match=r"cells\.0\.edges\.1<-0"):
        conv.fn({**sd, "cells.0.edges.1<-0.op.1.weight": torch.zeros(1)})
    with pytest.raises(KeyError, match="stem.0.weight"):
        conv.fn({k: v for k, v in sd.items() if k != "stem.0.weight"})


def test_against_xautodl_fixture():
    """The pip package of the reference implementation (xautodl 1.0.0, TinyNetwork), recorded once in
    tests/fixtures/nas201_xautodl.json (how it was made, and the outputs): four cells, mzfill-v1 weights, eval mode."""
    from mzfill import fill_sha256, fixture_reference, mz_fill_tensor
    meta = json.loads((FIXTURES_DIR / "nas201_xautodl.json").read_text())
    ref = fixture_reference(meta)
    x = ref["input"]
    assert len(meta["archs"]) == 4
    for entry in meta["archs"]:
        index, arch = entry["index"], entry["arch"]
        assert nb.index_to_arch(index) == arch
        ours = motionzoo.create_model("nasbench201", arch=arch, num_classes=60).eval()
        own = ours.state_dict()
        keys = hashlib.sha256("".join(f"{k}:{tuple(v.shape)}:{v.dtype}\n" for k, v in own.items()).encode())
        assert keys.hexdigest() == entry["keys_sha256"], f"{index}: state-dict names, order or shapes differ"
        filled = {k: torch.zeros_like(v) if (t := mz_fill_tensor(k, tuple(v.shape), v.dtype, 1.0)) is None else t
                  for k, v in own.items()}
        assert fill_sha256(filled) == entry["fill_sha256"]
        ours.load_state_dict(get_converter("nas201-xautodl").fn(filled))
        with torch.no_grad():
            assert_close_scaled(ours(x), ref[f"{index}.logits"])
            assert_close_scaled(ours.forward_features(x), ref[f"{index}.features"])


# -- skeleton-NAS sweep: encoding and results file ----------------------------------------------------------
def _sweep_module():
    sys.path.insert(0, str(REPO / "benchmarks"))
    try:
        import nas_skeleton
    finally:
        sys.path.pop(0)
    return nas_skeleton


def test_encoding_reproduces_thesis_statistics(data_dir):
    """Spec §7.1 / §8.6: per-channel mean and population std (0-255) over the 431 cross-subject training images,
    made by the cfg's pipeline (`resolve_transforms`) as the sweep uses it."""
    ns = _sweep_module()
    root = data_dir / "utd_mhad"
    if not root.exists():
        pytest.skip(f"{root} not present")
    data = ns.load_images(root, "xsub")
    train_x, train_y = data["train"].tensors
    assert train_x.shape == (431, 3, 20, 68) and len(data["test"]) == 430 and int(train_y.max()) == 26
    p = nb.INPUT_PRESETS["utd_mhad"]
    mean, std = torch.tensor(p["mean"]).view(1, 3, 1, 1), torch.tensor(p["std"]).view(1, 3, 1, 1)
    pixels = (train_x.double() * std + mean) * 255          # undo Normalize: back to 0-255 units
    assert torch.allclose(pixels.mean((0, 2, 3)), torch.tensor([60.3459, 48.0431, 241.8297], dtype=torch.double),
                          atol=1e-3)
    assert torch.allclose(pixels.std((0, 2, 3), unbiased=False),
                          torch.tensor([8.8771, 28.9472, 11.0785], dtype=torch.double), atol=1e-3)
    sizes = {k: len(v) for k, v in ns.load_images(root, "thesis").items()}
    assert sizes == {"train": 323, "valid": 108, "test": 430}


def test_sweep_trains_and_resumes(tmp_path):
    """Two tiny jobs end to end (through engine.fit) on synthetic images, written, re-read, skipped on restart;
    torn lines dropped."""
    from torch.utils.data import TensorDataset
    ns = _sweep_module()
    out = tmp_path / "r.jsonl"
    args = ns.parse_args(["--archs", "1651", "1835", "--epochs", "2", "--out", str(out)])
    recipe = ns.get_recipe("nasbench201", "utd_mhad_thesis").replace(epochs=2, batch_size=16)
    torch.manual_seed(0)
    data = {"train": TensorDataset(torch.randn(40, 3, 8, 12), torch.randint(0, 27, (40,))),
            "test": TensorDataset(torch.randn(24, 3, 8, 12), torch.randint(0, 27, (24,)))}
    fp = ns.schedule_fingerprint(recipe, args)
    for arch in ns.select_archs(args):
        job = ns.run_job(arch, 777, recipe, data, args, torch.device("cpu"))
        ns.append_result(out, ns.build_record(arch, 777, job, args, fp, "cpu"))
    recs = [json.loads(line) for line in out.read_text().splitlines()]
    assert [r["index"] for r in recs] == [1651, 1835] and all(len(r["history"]["train"]) == 2 for r in recs)
    assert all(0 <= r["test_acc"] <= 100 and r["params"] == nb.param_count(r["index"], 27) for r in recs)
    assert recs[0]["flops"] == recs[1]["flops"] > 0          # `none` and `skip_connect` cost no FLOPs
    with open(out, "a") as f:
        f.write('{"arch": "|torn')                            # a kill in the middle of a write
    assert ns.read_results(out, fp) == {(r["arch"], 777) for r in recs}
    assert out.read_text().endswith("}\n")
    other = ns.schedule_fingerprint(recipe.replace(epochs=3), args)
    with pytest.raises(ValueError, match="schedule"):
        ns.read_results(out, other)

    # The analysis reads the same file: ranking, topology groups, plots.
    sys.path.insert(0, str(REPO / "benchmarks"))
    try:
        import nas_analysis
    finally:
        sys.path.pop(0)
    runs = nas_analysis.load_runs([out])
    rows = nas_analysis.per_arch(runs, "test_acc")
    assert [r["acc"] for r in rows] == sorted((r["test_acc"] for r in recs), reverse=True)
    text = nas_analysis.report(runs, rows, "test_acc", top=2)
    assert "disconnected" in text and "no_conv" in text and str(recs[0]["arch"]) in text
    written = nas_analysis.plot(rows, "test_acc", "t", tmp_path / "plots")
    assert all(p.stat().st_size > 1000 for p in written) and len(written) == 3
