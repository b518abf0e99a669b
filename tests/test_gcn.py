"""Graph-convolution families (stgcn, ctrgcn): parameter counts of the official implementations, equivalence with
the official code on the committed fixtures (tests/fixtures/*_official_*.json describe how they were made), the
graphs, both input layouts, person pooling, every registered topology, heads and input errors."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch
from einops import rearrange

import motionzoo
from motionzoo.convert import get_converter
from motionzoo.data import get_topology
from motionzoo.models._gcn_graph import ctrgcn_partition, hop_distance, stgcn_partition

from conftest import meta_param_count, param_count
from mzfill import assert_close_scaled, fill_sha256, fixture_reference, mz_fill_tensor

FIXTURES = Path(__file__).resolve().parent / "fixtures"
pytestmark = pytest.mark.usefixtures("one_thread")


# -- parameter counts: the official implementations built at these settings (see the fixtures' num_params) -------
@pytest.mark.parametrize("arch, kwargs, expected", [
    ("stgcn", {}, 3_098_832),                                   # NTU config: edge importance on
    ("stgcn", {"edge_importance": False}, 3_080_082),
    ("ctrgcn", {}, 1_446_672),                                  # NTU default config
    ("ctrgcn", {"topology": "kinect_v1_20", "num_person": 1, "num_classes": 10}, 1_426_892),   # NW-UCLA config
])
def test_param_counts_equal_the_official_models(arch, kwargs, expected):
    assert meta_param_count(arch, **kwargs) == (expected, expected)


def test_fixture_param_counts_are_the_cfgs():
    for name, arch in (("stgcn_official_ntu60", "stgcn"), ("ctrgcn_official_ntu60", "ctrgcn")):
        meta = json.loads((FIXTURES / f"{name}.json").read_text())
        assert meta["state_dict"]["num_params"] == motionzoo.get_pretrained_cfg(arch).num_params


# -- equivalence with the official code ----------------------------------------------------------------------------
FIXTURE_CASES = [
    ("stgcn_official_ntu60", "stgcn", "stgcn-official", {}),
    ("ctrgcn_official_ntu60", "ctrgcn", "ctrgcn-official", {}),
    ("ctrgcn_official_ucla", "ctrgcn", "ctrgcn-official", {"topology": "kinect_v1_20", "num_person": 1,
                                                          "num_classes": 10}),
]


def _filled_upstream(meta: dict) -> dict[str, torch.Tensor]:
    """The upstream-named state dict the fixture ran with (every entry but the `kept` graph buffer)."""
    st = meta["state_dict"]
    sd = {}
    for row in st["keys"]:
        if row["key"] in st["kept"]:
            continue
        dtype = getattr(torch, row["dtype"])
        t = mz_fill_tensor(row["key"], tuple(row["shape"]), dtype, st["fill_gain"])
        t = torch.zeros(row["shape"], dtype=dtype) if t is None else t
        sd[row["key"]] = 1.0 + t if row["key"] in st["plus_one"] else t
    assert fill_sha256(sd) == st["fill_sha256"], "the fill rule does not reproduce the fixture's fill_sha256"
    return sd


@pytest.mark.parametrize("name, arch, converter, kwargs", FIXTURE_CASES)
def test_official_fixture_is_reproduced_in_both_layouts(name, arch, converter, kwargs):
    meta = json.loads((FIXTURES / f"{name}.json").read_text())
    ref = fixture_reference(meta)
    sd = get_converter(converter).fn(_filled_upstream(meta))
    x = ref["input"]                                                            # (N, C, T, V, M) as upstream
    upstream = motionzoo.create_model(arch, input_layout="NCTVM", **kwargs).eval()
    upstream.load_state_dict(sd)                                                # strict: every key accounted for
    canonical = motionzoo.create_model(arch, **kwargs).eval()
    canonical.load_state_dict(sd)
    with torch.no_grad():
        for model, inp in ((upstream, x), (canonical, rearrange(x, "n c t v m -> n m t v c"))):
            feats = model.forward_features(inp)
            assert_close_scaled(feats, ref["features"])
            assert_close_scaled(model.forward_head(feats), ref["logits"])
            assert_close_scaled(model(inp), ref["logits"])


@pytest.mark.parametrize("name, arch, converter, kwargs", FIXTURE_CASES)
def test_graphs_equal_the_official_matrices(name, arch, converter, kwargs):
    ref = fixture_reference(json.loads((FIXTURES / f"{name}.json").read_text()))["graph"]
    topology = kwargs.get("topology", "ntu25")
    ours = stgcn_partition(topology) if arch == "stgcn" else ctrgcn_partition(topology)
    np.testing.assert_array_equal(ours, ref.numpy())


def test_stgcn_converter_checks_the_graph_and_the_keys():
    meta = json.loads((FIXTURES / "stgcn_official_ntu60.json").read_text())
    graph = fixture_reference(meta)["graph"]
    sd = {"A": graph, **_filled_upstream(meta)}
    conv = get_converter("stgcn-official").fn
    out = conv(sd)
    assert "A" not in out and out["fcn.weight"].shape == (60, 256)
    with pytest.raises(ValueError, match="spatial partition"):
        conv(sd, topology="kinect_v1_20")
    with pytest.raises(ValueError, match="spatial partition"):
        conv({**sd, "A": graph[[0, 2, 1]]})                      # subsets swapped: another partition strategy
    with pytest.raises(KeyError, match="head.weight"):
        conv({**sd, "head.weight": torch.zeros(3)})
    with pytest.raises(KeyError, match="conv9"):
        get_converter("ctrgcn-official").fn({"l1.gcn1.convs.0.conv9.weight": torch.zeros(1)})


# -- graphs --------------------------------------------------------------------------------------------------------
def test_hop_distance_capped_and_true():
    chain = [(0, 1), (1, 2), (2, 3)]
    true = hop_distance(4, chain)
    assert true[0, 3] == 3 and true[3, 0] == 3 and true[1, 1] == 0
    capped = hop_distance(4, chain, max_hop=1)
    assert capped[0, 1] == 1 and np.isinf(capped[0, 2])
    assert np.isinf(hop_distance(4, [(0, 1), (2, 3)])[0, 2])               # two components


def test_stgcn_partition_official_versus_paper():
    topo = get_topology("ntu25")
    official, paper = stgcn_partition(topo, "official"), stgcn_partition(topo, "paper")
    # same normalised adjacency, split differently
    np.testing.assert_allclose(official.sum(0), paper.sum(0), atol=1e-7)
    np.testing.assert_allclose(official.sum(0).sum(0), np.ones(25), atol=1e-6)   # columns sum to one
    np.testing.assert_array_equal(official[0], paper[0])
    assert (paper[1] > 0).sum() == (paper[2] > 0).sum() == 24      # each bone: centrifugal one way, centripetal back
    assert (official[2] > 0).sum() == 8                            # capped hop distances: only next to the centre
    c = topo.center
    assert paper[2][c, 1] > 0 and paper[1][1, c] > 0               # spine_mid receives the centre as centripetal
    with pytest.raises(ValueError, match="partition"):
        stgcn_partition(topo, "uniform")


@pytest.mark.parametrize("topology", ["ntu25", "kinect_v1_20", "kinect_v1_20_utd", "sbu15", "natops8", "coco17"])
def test_partitions_cover_the_bone_graph(topology):
    topo = get_topology(topology)
    V = topo.num_joints
    adj = np.eye(V, dtype=bool)
    for i, j in topo.bones:
        adj[i, j] = adj[j, i] = True
    for partition in ("official", "paper"):
        A = stgcn_partition(topo, partition)
        assert A.shape == (3, V, V)
        np.testing.assert_array_equal(A.sum(0) > 0, adj)
    B = ctrgcn_partition(topo)
    np.testing.assert_array_equal(B[0], np.eye(V))
    np.testing.assert_array_equal((B[1] > 0) | (B[2] > 0) | (B[0] > 0), adj)
    np.testing.assert_array_equal(B[1] > 0, B[2].T > 0)             # outward is inward reversed
    np.testing.assert_allclose(B[2].sum(0)[B[2].sum(0) > 0], 1.0)   # column-normalised


# -- every registered topology, both families ----------------------------------------------------------------------
@pytest.mark.parametrize("topology, in_chans, persons", [("ntu25", 3, 2), ("sbu15", 3, 2), ("kinect_v1_20", 3, 1),
                                                         ("natops8", 3, 1), ("coco17", 2, 1)])
@pytest.mark.parametrize("arch", ["stgcn", "ctrgcn"])
def test_any_topology_trains(arch, topology, in_chans, persons):
    torch.manual_seed(0)
    model = motionzoo.create_model(arch, topology=topology, in_chans=in_chans, num_person=persons, num_classes=5)
    V = get_topology(topology).num_joints
    cfg = model.pretrained_cfg
    assert (cfg.keypoint_format, cfg.num_person, cfg.in_chans) == (topology, persons, in_chans)
    assert cfg.input_size == (persons, cfg.clip_len, V, in_chans) and cfg.num_params == param_count(model)
    x = torch.randn(2, persons, 8, V, in_chans)
    out = model(x)
    assert out.shape == (2, 5) and torch.isfinite(out).all()
    out.logsumexp(-1).sum().backward()
    grads = [p.grad for p in model.parameters() if p.requires_grad]
    assert all(g is not None and torch.isfinite(g).all() for g in grads)


# -- input layouts and persons --------------------------------------------------------------------------------------
@pytest.mark.parametrize("arch", ["stgcn", "ctrgcn"])
def test_layouts_agree_and_persons_are_zero_filled(arch):
    torch.manual_seed(0)
    model = motionzoo.create_model(arch).eval()
    up = motionzoo.create_model(arch, input_layout="NCTVM").eval()
    up.load_state_dict(model.state_dict())
    assert up.pretrained_cfg.input_layout == "NCTVM" and up.pretrained_cfg.input_size == (3, model.pretrained_cfg.clip_len, 25, 2)
    x = torch.randn(2, 2, 12, 25, 3)
    with torch.no_grad():
        torch.testing.assert_close(model(x), up(rearrange(x, "n m t v c -> n c t v m")))
        one = x[:, :1]
        padded = torch.cat([one, torch.zeros_like(one)], dim=1)
        torch.testing.assert_close(model(one), model(padded))               # M = 1 is zero-filled to 2
        torch.testing.assert_close(model(one[:, 0]), model(padded))          # (N, T, V, C) = one body


def test_stgcn_pools_persons_symmetrically_ctrgcn_does_not():
    torch.manual_seed(0)
    x = torch.randn(2, 2, 12, 25, 3)
    swapped = x.flip(1)
    st, ct = motionzoo.create_model("stgcn").eval(), motionzoo.create_model("ctrgcn").eval()
    with torch.no_grad():
        for bn in (st.data_bn, ct.data_bn):                        # non-trivial statistics
            bn.running_mean.normal_(0, 0.3)
            bn.running_var.uniform_(0.5, 1.5)
        torch.testing.assert_close(st(x), st(swapped))             # shared data_bn, mean over persons
        assert not torch.allclose(ct(x), ct(swapped))              # data_bn has one set of statistics per person slot


@pytest.mark.parametrize("arch", ["stgcn", "ctrgcn"])
def test_input_errors_name_both_layouts(arch):
    model = motionzoo.create_model(arch)
    with pytest.raises(ValueError, match=r"NMTVC.*\(2, 3, 12, 25, 2\).*NCTVM"):
        model(torch.randn(2, 3, 12, 25, 2))                         # upstream layout into a canonical model
    up = motionzoo.create_model(arch, input_layout="NCTVM")
    with pytest.raises(ValueError, match=r"NCTVM.*\(2, 2, 12, 25, 3\).*NMTVC"):
        up(torch.randn(2, 2, 12, 25, 3))
    with pytest.raises(ValueError, match=r"\(2, 2, 12, 20, 3\)"):
        model(torch.randn(2, 2, 12, 20, 3))                         # wrong joint count fits neither
    with pytest.raises(ValueError, match="num_person=2"):
        model(torch.randn(1, 3, 12, 25, 3))
    with pytest.raises(ValueError, match="input_layout"):
        motionzoo.create_model(arch, input_layout="NTVC")


# -- heads ---------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("arch, head", [("stgcn", "fcn"), ("ctrgcn", "fc")])
def test_heads(arch, head):
    model = motionzoo.create_model(arch, num_classes=7).eval()
    assert model.pretrained_cfg.classifier == head and model.get_classifier() is getattr(model, head)
    x = torch.randn(1, 2, 8, 25, 3)
    with torch.no_grad():
        feats = model.forward_features(x)
        assert feats.shape == (1, 256) and model.forward_head(feats, pre_logits=True).shape == (1, 256)
        assert model(x).shape == (1, 7)
        model.reset_classifier(0)
        torch.testing.assert_close(model(x), feats)
        model.reset_classifier(4)
        assert model(x).shape == (1, 4)


def test_ctrgcn_head_init_is_official_unless_a_std_is_given():
    torch.manual_seed(0)
    official = motionzoo.create_model("ctrgcn", num_classes=6, topology="natops8", num_person=1)
    assert official.fc.weight.std().item() == pytest.approx((2.0 / 6) ** 0.5, rel=0.1)   # 1536 draws
    small = motionzoo.create_model("ctrgcn", num_classes=6, topology="natops8", num_person=1, head_init_std=0.02)
    assert small.fc.weight.std().item() == pytest.approx(0.02, rel=0.1)
    x, y = torch.randn(32, 1, 32, 8, 3), torch.randint(0, 6, (32,))   # the slow start that head_init_std avoids:
    with torch.no_grad():                                              # an initial loss of 5-10 against ln 6 = 1.8
        assert torch.nn.functional.cross_entropy(official.train()(x), y) > 4.0
        assert torch.nn.functional.cross_entropy(small.train()(x), y) < 2.5
    small.reset_classifier(9)                                          # a new head keeps the chosen std
    assert small.fc.weight.std().item() == pytest.approx(0.02, rel=0.1)
    with pytest.raises(ValueError, match="head_init_std"):
        motionzoo.create_model("ctrgcn", head_init_std=0.0)


def test_ctrgcn_graph_branch_starts_at_the_official_scale_unless_told():
    official = motionzoo.create_model("ctrgcn", topology="natops8", num_person=1, num_classes=6)
    scaled = motionzoo.create_model("ctrgcn", topology="natops8", num_person=1, num_classes=6, gcn_init_scale=1.0)
    for name in official.layer_names:
        assert torch.all(getattr(official, name).gcn1.bn.weight == 1e-6)
        assert torch.all(getattr(scaled, name).gcn1.bn.weight == 1.0)


def test_branch_scale_script_reads_the_graph_branch_scales(tmp_path):
    import sys
    from safetensors.torch import save_model
    from conftest import REPO
    sys.path.insert(0, str(REPO))
    from benchmarks.ctrgcn_branch_scale import main
    for seed, scale in (("seed0", 1e-6), ("seed1", 0.5)):
        (tmp_path / seed / "last").mkdir(parents=True)
        save_model(motionzoo.create_model("ctrgcn", topology="natops8", num_person=1, num_classes=6,
                                          gcn_init_scale=scale), str(tmp_path / seed / "last" / "model.safetensors"))
    assert main([str(tmp_path), "--json", str(tmp_path / "scales.json")]) == 0
    found = json.loads((tmp_path / "scales.json").read_text())["checkpoints"]
    assert sorted(found) == ["seed0", "seed1"] and len(found["seed0"]) == 10
    assert found["seed0"]["l1"] == {"graph_bn_scale": 0.0, "shortcut_bn_scale": 1.0, "alpha": 0.0}
    assert {u["graph_bn_scale"] for u in found["seed1"].values()} == {0.5}
    assert found["seed1"]["l2"]["shortcut_bn_scale"] is None                # identity shortcut
    with pytest.raises(SystemExit, match="no .*last/model.safetensors"):
        main([str(tmp_path / "seed0" / "last" / "missing")])


def test_ctrgcn_two_channel_input_has_relation_channels():
    model = motionzoo.create_model("ctrgcn", topology="coco17", in_chans=2, num_person=1)
    assert model.l1.gcn1.convs[0].conv1.out_channels == 8             # the official rule would give 2 // 8 = 0


def test_the_stgcn_fixture_sees_the_partition_and_the_edge_importance():
    meta = json.loads((FIXTURES / "stgcn_official_ntu60.json").read_text())
    ref = fixture_reference(meta)
    sd = get_converter("stgcn-official").fn(_filled_upstream(meta))
    x = ref["input"]
    paper = motionzoo.create_model("stgcn", input_layout="NCTVM", partition="paper").eval()
    paper.load_state_dict(sd)
    plain = motionzoo.create_model("stgcn", input_layout="NCTVM").eval()
    plain.load_state_dict(sd)
    plain.edge_importance = None
    with torch.no_grad():
        for model in (paper, plain):
            with pytest.raises(AssertionError):
                assert_close_scaled(model(x), ref["logits"])


# -- recipes ---------------------------------------------------------------------------------------------------------
def test_official_recipes_follow_the_authors_configs():
    from motionzoo.recipes import get_recipe
    ctr = get_recipe("ctrgcn", "ntu60")
    # main.py: lr (e + 1) / 5 during the 5 warm-up epochs, then x0.1 at 35 and 55 of 65
    expected = [0.1 * (e + 1) / 5 if e < 5 else 0.1 * 0.1 ** ((e >= 35) + (e >= 55)) for e in range(65)]
    assert [ctr.lr_at(e) for e in range(65)] == pytest.approx(expected)
    assert (ctr.optimizer, ctr.nesterov, ctr.momentum, ctr.weight_decay, ctr.batch_size, ctr.epochs) == (
        "sgd", True, 0.9, 4e-4, 64, 65)
    t = motionzoo.resolve_transforms("ctrgcn", train=False, recipe=ctr)
    assert (t.clip_len, t.temporal, t.center_crop, t.num_person) == (64, "interpolate", 0.95, 2)
    ucla = get_recipe("ctrgcn", "nwucla")
    assert (ucla.batch_size, ucla.weight_decay, ucla.model_kwargs["num_person"], ucla.pipeline["clip_len"]) == (
        16, 1e-4, 1, 52)
    assert ucla.lr_at(249) == pytest.approx(0.1) and ucla.lr_at(250) == pytest.approx(0.01)   # step at 50 x repeat 5
    st = get_recipe("stgcn", "ntu60")
    assert [st.lr_at(e) for e in (0, 9, 10, 49, 50, 79)] == pytest.approx([0.1, 0.1, 0.01, 0.01, 0.001, 0.001])
    t = motionzoo.resolve_transforms("stgcn", train=True, recipe=st)
    assert (t.clip_len, t.temporal, t.normalization, t.random_affine_p) == (300, "pad_end", "none", 0.0)


@pytest.mark.parametrize("arch", ["ctrgcn", "stgcn"])
@pytest.mark.parametrize("dataset, shape", [("utd_mhad", (1, 40, 20, 3)), ("natops", (1, 51, 8, 3)),
                                            ("sbu", (2, 25, 15, 3)), ("msr_action3d", (1, 30, 20, 3))])
def test_shared_dataset_recipes_build_and_train(arch, dataset, shape):
    """Every CPU recipe's builder keywords and pipeline fit its dataset's samples (a training step runs)."""
    from motionzoo.recipes import get_recipe
    recipe = get_recipe(arch, dataset)
    model = motionzoo.create_model(arch, num_classes=5, **recipe.model_kwargs)
    t = motionzoo.resolve_transforms(model, train=True, recipe=recipe)
    rng = np.random.default_rng(0)
    x = torch.stack([t(rng.normal(size=shape).astype(np.float32), rng=rng) for _ in range(2)])
    loss = torch.nn.functional.cross_entropy(model(x), torch.tensor([0, 1]))
    loss.backward()
    assert torch.isfinite(loss) and x.shape[2] == recipe.pipeline["clip_len"]
