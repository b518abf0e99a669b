"""Two-Stream RNN family: exact parameter counts (skeleton-models.md §A.6), shapes on every topology, input order of
both streams, fusion semantics, person modes, packing with lengths, gradients, determinism and input errors."""
from __future__ import annotations

import math

import numpy as np

import pytest
import torch
import torch.nn.functional as F
from einops import rearrange

import motionzoo
from motionzoo.data import get_topology
from motionzoo.models.two_stream_rnn import SpatialRNN, TemporalRNN, TwoStreamRNN
from motionzoo.engine import build_optimizer
from motionzoo.recipes import get_recipe

from conftest import meta_param_count

TEMPORAL = ["temporal_rnn_stacked", "temporal_rnn_hierarchical", "temporal_rnn_part_hier"]
SPATIAL = ["spatial_rnn_chain", "spatial_rnn_traversal"]
ALL = TEMPORAL + SPATIAL + ["two_stream_rnn"]


pytestmark = pytest.mark.usefixtures("one_thread")


# -- parameter counts (built on the meta device: shapes only, no memory, no init) --------------------------------
@pytest.mark.parametrize("arch, expected", [
    ("temporal_rnn_stacked", 8_773_692), ("temporal_rnn_hierarchical", 15_448_124),
    ("temporal_rnn_part_hier", 11_303_484), ("spatial_rnn_chain", 8_773_692),
    ("spatial_rnn_traversal", 8_773_692), ("two_stream_rnn", 24_221_816)])
def test_param_counts_ntu25_60(arch, expected):
    assert meta_param_count(arch) == (expected, expected)


def _closed_form(arch: str, V: int, K: int, w: int = 25) -> int:
    """skeleton-models.md §A.6 closed forms (5 parts)."""
    stacked = 12_288 * V + 8_404_992 + 1_025 * K
    hier = 6_144 * V + 15_233_024 + 1_025 * K
    part_hier = 1_536 * V + 11_203_584 + 1_025 * K
    spatial = 12_288 * w + 8_404_992 + 1_025 * K
    return {"temporal_rnn_stacked": stacked, "temporal_rnn_hierarchical": hier, "temporal_rnn_part_hier": part_hier,
            "spatial_rnn_chain": spatial, "spatial_rnn_traversal": spatial, "two_stream_rnn": hier + spatial}[arch]


@pytest.mark.parametrize("topology, K", [("kinect_v1_20", 27), ("kinect_v1_20_msr", 20), ("sbu15", 8), ("coco17", 5),
                                       ("ntu25", 120)])
@pytest.mark.parametrize("arch", ALL)
def test_param_counts_follow_the_closed_form(arch, topology, K):
    V = get_topology(topology).num_joints
    expected = _closed_form(arch, V, K)
    assert meta_param_count(arch, topology=topology, num_classes=K) == (expected, expected)


def test_param_counts_spec_table_rows():
    # cells of the §A.6 "other layouts" (topologies) table, and the window term of the spatial closed form
    assert meta_param_count("two_stream_rnn", topology="kinect_v1_20", num_classes=27)[0] == 24_123_446
    assert meta_param_count("two_stream_rnn", topology="sbu15", num_classes=8)[0] == 24_053_776
    assert meta_param_count("temporal_rnn_part_hier", topology="coco17", num_classes=5)[0] == 11_234_821
    assert meta_param_count("spatial_rnn_chain", window=10)[0] == _closed_form("spatial_rnn_chain", 25, 60, w=10)
    assert meta_param_count("two_stream_rnn", temporal="stacked")[0] == 17_547_384


# -- shapes and API ----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("topology", ["ntu25", "kinect_v1_20", "kinect_v1_20_utd", "sbu15", "coco17"])
@pytest.mark.parametrize("temporal, spatial", [("stacked", "chain"), ("hierarchical", "traversal"),
                                               ("part_hier", "traversal")])
def test_shapes_on_every_topology(temporal, spatial, topology):
    # one two-stream model per combination exercises both stream variants on the topology
    topo = get_topology(topology)
    model = motionzoo.create_model("two_stream_rnn", topology=topology, num_classes=7, temporal=temporal,
                                   spatial=spatial, window=4).eval()
    x = torch.randn(2, 8, topo.num_joints, 3)
    with torch.no_grad():
        f = model.forward_features(x)
        assert f.shape == (2, 1 + 2, 1024)
        assert model.forward_head(f, pre_logits=True).shape == (2, 2, 1024)
        assert model.forward_head(f).shape == (2, 7)
        assert model.temporal(x).shape == model.spatial(x).shape == (2, 7)
        assert model.temporal.forward_features(x).shape == (2, 1024)
        assert model.spatial.forward_features(x).shape == (2, 2, 1024)


def test_topology_without_parts():
    topo = get_topology("natops8")
    x = torch.randn(1, 10, topo.num_joints, 3)
    assert motionzoo.create_model("temporal_rnn_stacked", topology="natops8", num_classes=6)(x).shape == (1, 6)
    assert motionzoo.create_model("spatial_rnn_traversal", topology="natops8", num_classes=6, window=5)(x).shape == (1, 6)
    with pytest.raises(ValueError, match="5-part topology"):
        motionzoo.create_model("temporal_rnn_hierarchical", topology="natops8")


@pytest.mark.parametrize("arch", ALL)
def test_classifier_api(arch):
    kw = {} if arch in TEMPORAL else {"window": 5}
    model = motionzoo.create_model(arch, num_classes=5, **kw).eval()
    x = torch.randn(2, 10, 25, 3)
    heads = model.get_classifier()
    prefixes = model.pretrained_cfg.classifier_prefixes
    if arch == "two_stream_rnn":
        assert set(heads) == {"temporal", "spatial"} and prefixes == ("temporal.head", "spatial.head")
    else:
        assert isinstance(heads, torch.nn.Linear) and prefixes == ("head",)
    for p in prefixes:
        assert any(k.startswith(p + ".") for k in model.state_dict())
    model.reset_classifier(0)
    with torch.no_grad():
        feats = model(x)
        assert feats.shape == ((2, 2, 1024) if arch == "two_stream_rnn" else (2, 1024))
        model.reset_classifier(11)
        assert model(x).shape == (2, 11)
    no_head = motionzoo.create_model(arch, num_classes=0, **kw).eval()
    with torch.no_grad():
        assert no_head(x).shape == feats.shape


def test_finetune_construction_on_another_topology():
    model = motionzoo.create_model("two_stream_rnn", num_classes=27, topology="kinect_v1_20")
    cfg = model.pretrained_cfg
    assert (cfg.num_classes, cfg.keypoint_format, cfg.input_size, cfg.num_params) == \
        (27, "kinect_v1_20", (100, 20, 3), 24_123_446)
    assert model.temporal.head.out_features == model.spatial.head.out_features == 27


# -- what each stream sees -----------------------------------------------------------------------------------
def test_stacked_input_is_the_part_ordered_vector():
    torch.manual_seed(0)
    model = TemporalRNN(num_classes=3, variant="stacked").eval()
    x = torch.randn(2, 8, 25, 3)
    parts = get_topology("ntu25").parts
    order = [j for p in parts for j in p]
    assert order[:6] == [23, 24, 11, 10, 9, 8] and sorted(order) == list(range(25))
    vec = rearrange(x[:, :, order], "n t v c -> n t (v c)")          # the authors' 75-vector, xyz interleaved
    with torch.no_grad():
        torch.testing.assert_close(model.forward_features(x), model.rnn(vec)[0].amax(1))


def test_hierarchical_part_widths_and_structure():
    model = TemporalRNN(variant="hierarchical")
    assert [rnn.input_size for rnn in model.part_rnns] == [18, 18, 12, 12, 15]
    assert all(rnn.hidden_size == 256 and rnn.bidirectional for rnn in model.part_rnns)
    assert (model.body_rnn.input_size, model.body_rnn.hidden_size) == (2560, 512)
    ph = TemporalRNN(variant="part_hier")
    assert [r.hidden_size for r in ph.part_rnns] == [64] * 5
    assert [r.input_size for r in ph.limb_trunk_rnns] == [256] * 4
    assert (ph.arms_rnn.input_size, ph.legs_rnn.input_size, ph.body_rnn.input_size) == (512, 512, 1024)


def test_spatial_windows_are_time_major_joint_sequences():
    torch.manual_seed(0)
    w = 4
    model = SpatialRNN(num_classes=3, sequence="traversal", window=w).eval()
    seq = list(get_topology("ntu25").traversal)
    assert len(seq) == 47
    x = torch.randn(2, 3 * w, 25, 3)
    with torch.no_grad():
        f = model.forward_features(x)                                 # (2, 3, 1024)
        for k in range(3):
            win = x[:, k * w:(k + 1) * w, seq]                         # (N, w, L, 3)
            steps = rearrange(win, "n w l c -> n l (w c)")             # [x(t0), y(t0), z(t0), x(t0+1), ...]
            torch.testing.assert_close(f[:, k], model.rnn(steps)[0].amax(1))
        # stream logits = mean of the window logits
        torch.testing.assert_close(model(x), model.head(f).mean(1))
    with pytest.raises(ValueError, match="divisible by the window"):
        model(torch.randn(1, 10, 25, 3))


# -- fusion --------------------------------------------------------------------------------------------------
def test_fusion_of_posteriors():
    torch.manual_seed(0)
    model = TwoStreamRNN(num_classes=6, window=5).eval()
    x = torch.randn(3, 10, 25, 3)
    with torch.no_grad():
        log_p = model(x)
        zt, zs = model.temporal(x), model.spatial(x)
        out = model.forward_streams(x)
    expected = torch.log(0.9 * zt.softmax(-1) + 0.1 * zs.softmax(-1))
    torch.testing.assert_close(log_p, expected)
    torch.testing.assert_close(out["log_p"], log_p)
    torch.testing.assert_close(out["temporal"], zt)
    torch.testing.assert_close(log_p.exp().sum(-1), torch.ones(3))
    y = torch.tensor([0, 3, 5])
    nll = -torch.logsumexp(torch.stack([math.log(0.9) + zt.log_softmax(-1), math.log(0.1) + zs.log_softmax(-1)]), 0)
    torch.testing.assert_close(F.nll_loss(log_p, y), nll[torch.arange(3), y].mean())
    # configurable weights, including a single stream
    model.fusion_weights = (1.0, 0.0)
    with torch.no_grad():
        torch.testing.assert_close(model(x), zt.log_softmax(-1))
    other = TwoStreamRNN(num_classes=6, window=5, fusion_weights=(0.5, 0.5))
    assert other.fusion_weights == (0.5, 0.5)
    with pytest.raises(ValueError, match="fusion_weights"):
        TwoStreamRNN(num_classes=6, window=5, fusion_weights=(0.9, 0.2))


def test_gradients_reach_both_streams():
    torch.manual_seed(0)
    model = TwoStreamRNN(num_classes=4, window=5, temporal="stacked").train()
    x = torch.randn(2, 10, 25, 3)
    F.nll_loss(model(x), torch.tensor([1, 2])).backward()
    for name in ("temporal.rnn.weight_ih_l0", "temporal.rnn.weight_hh_l1", "temporal.head.weight",
                 "spatial.rnn.weight_ih_l0", "spatial.rnn.weight_hh_l1_reverse", "spatial.head.weight"):
        grad = dict(model.named_parameters())[name].grad
        assert grad is not None and grad.abs().sum() > 0, name


def test_eval_is_deterministic_and_train_uses_dropout():
    torch.manual_seed(0)
    model = TwoStreamRNN(num_classes=4, window=5, temporal="stacked")
    x = torch.randn(2, 10, 25, 3)
    model.eval()
    with torch.no_grad():
        assert torch.equal(model(x), model(x))
        model.train()
        assert not torch.equal(model(x), model(x))


# -- persons and lengths ---------------------------------------------------------------------------------------
def test_per_body_input():
    torch.manual_seed(0)
    model = TemporalRNN(num_classes=5, variant="stacked").eval()
    a, b = torch.randn(2, 8, 25, 3), torch.randn(2, 8, 25, 3)
    with torch.no_grad():
        za, zb = model(a), model(b)
        # M = 1 is the 4-D path; M = 2 averages the bodies' posteriors
        torch.testing.assert_close(model(a.unsqueeze(1)), za)
        both = model(torch.stack([a, b], 1))
        torch.testing.assert_close(both, torch.log((za.softmax(-1) + zb.softmax(-1)) / 2))
        # an all-zero (missing) body is ignored
        torch.testing.assert_close(model(torch.stack([a, torch.zeros_like(b)], 1)), za.log_softmax(-1))
        assert model.forward_features(torch.stack([a, b], 1)).shape == (2, 2, 1024)
    two = TwoStreamRNN(num_classes=5, window=4, temporal="stacked").eval()
    with torch.no_grad():
        pa, pb = two(a), two(b)
        torch.testing.assert_close(two(torch.stack([a, b], 1)), torch.log((pa.exp() + pb.exp()) / 2))


def test_concat_persons():
    torch.manual_seed(0)
    model = motionzoo.create_model("two_stream_rnn", topology="sbu15", num_classes=8, persons="concat",
                                   window=5).eval()
    assert [r.input_size for r in model.temporal.part_rnns] == [18] * 5      # 3 joints x 3 coords x 2 persons
    assert model.spatial.rnn.input_size == 2 * 3 * 5
    assert model.pretrained_cfg.input_layout == "NMTVC" and model.pretrained_cfg.input_size == (2, 100, 15, 3)
    x = torch.randn(2, 2, 10, 15, 3)
    with torch.no_grad():
        assert model(x).shape == (2, 8)
        one = x[:, :1]
        torch.testing.assert_close(model(one), model(torch.cat([one, torch.zeros_like(one)], 1)))
        torch.testing.assert_close(model(one[:, 0]), model(one))
    with pytest.raises(ValueError, match="2 persons"):
        model(torch.randn(1, 3, 10, 15, 3))


@pytest.mark.parametrize("variant", ["stacked", "hierarchical", "part_hier"])
def test_lengths_pack_the_temporal_stream(variant):
    torch.manual_seed(0)
    model = TemporalRNN(num_classes=5, variant=variant).eval()
    x = torch.randn(3, 12, 25, 3)
    lengths = torch.tensor([12, 7, 3])
    x = x * (torch.arange(12)[None, :, None, None] < lengths[:, None, None, None])   # end-padded
    with torch.no_grad():
        out = model(x, lengths)
        for i, n in enumerate(lengths.tolist()):
            torch.testing.assert_close(out[i], model(x[i:i + 1, :n])[0], atol=1e-5, rtol=1e-5)
        assert not torch.allclose(out[2], model(x[2:3])[0])            # without lengths the padding counts
    with pytest.raises(ValueError, match="lengths"):
        model(x, torch.tensor([12, 13, 1]))


# -- bad input -------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("shape", [(2, 10, 24, 3), (2, 10, 25, 2), (2, 0, 25, 3), (2, 25, 3), (2, 3, 10, 25, 2)])
@pytest.mark.parametrize("arch", ["temporal_rnn_stacked", "spatial_rnn_chain", "two_stream_rnn"])
def test_bad_input_raises_with_expected_layout(arch, shape):
    kw = {} if "temporal" in arch else {"window": 5}
    model = motionzoo.create_model(arch, num_classes=3, **kw)
    with pytest.raises(ValueError, match=r"N,T,V,C or N,M,T,V,C with V=25 \(ntu25\), C=3"):
        model(torch.zeros(shape))


def test_bad_constructor_args():
    with pytest.raises(ValueError, match="variant"):
        TemporalRNN(variant="deep")
    with pytest.raises(ValueError, match="persons"):
        TemporalRNN(persons="sum")
    with pytest.raises(KeyError, match="sequence"):
        SpatialRNN(sequence="zigzag")


# -- recipe ------------------------------------------------------------------------------------------------------
def test_authors_recipe_behaves_as_their_code():
    """The authors' recipe, by what it does: Nesterov SGD at 0.02 x 0.7 every 40 epochs; the first 100 frames with
    zeros in front; in training, with p = 0.5, one rotation about x and y (whole degrees within +-10) and scale."""
    for arch in ALL:
        r = get_recipe(arch)               # the default recipe is the authors'
        assert r.name == f"{arch}/ntu60"
        assert [r.lr_at(e) for e in (0, 39, 40, 80, 199)] == pytest.approx([0.02, 0.02, 0.014, 0.0098, 0.02 * 0.7 ** 4])
    model = motionzoo.create_model("two_stream_rnn")
    opt = build_optimizer(model, r)
    assert isinstance(opt, torch.optim.SGD) and opt.defaults["nesterov"] and opt.defaults["momentum"] == 0.9
    rng = np.random.default_rng(0)
    long = rng.normal(size=(1, 130, 25, 3)).astype(np.float32)
    eval_t = motionzoo.resolve_transforms(model, recipe=r)
    y = eval_t(long)
    assert y.shape == (100, 25, 3)
    np.testing.assert_allclose(y.numpy(), motionzoo.data.two_centre_normalize(long)[0, :100], rtol=1e-6)
    train_t = motionzoo.resolve_transforms(model, train=True, recipe=r)
    affine = cropped = 0
    for i in range(200):
        out = train_t(long, rng=np.random.default_rng(i))
        kept = out.abs().sum(dim=(1, 2)) > 0
        k = int(kept.int().argmax())                                  # frames the start-crop zeroed in front
        assert k <= 30 and torch.all(kept[k:]), "the start-crop drops up to 0.3 T frames at the front"
        cropped += k > 0
        if not torch.equal(out[kept], y[kept]):
            affine += 1
            d_in = torch.linalg.norm(y[-1, 3] - y[-1, 7])
            d_out = torch.linalg.norm(out[-1, 3] - out[-1, 7])
            assert 0.9 - 1e-4 <= float(d_out / d_in) <= 1.1 + 1e-4, "rotation and a scale within 0.9-1.1"
    assert 70 < affine < 130 and 60 < cropped < 130


def test_two_stream_loss_with_auxiliary_stream_terms():
    """loss='two_stream': -log p[y] of the fused posterior plus aux_weight x the streams' own cross-entropies,
    read from the same forward pass (checked against forward_streams)."""
    from motionzoo.recipes import build_loss
    r = get_recipe("two_stream_rnn", "utd_mhad").replace(loss="two_stream", loss_kwargs={"aux_weight": 0.5})
    torch.manual_seed(0)
    model = motionzoo.create_model("two_stream_rnn", num_classes=27, **r.model_kwargs).eval()
    x, y = torch.randn(3, 32, 20, 3), torch.tensor([0, 5, 26])
    total, parts = build_loss(model, r)(model(x), y, 0)
    ref = model.forward_streams(x)
    expected = (F.nll_loss(ref["log_p"], y)
                + 0.5 * (F.cross_entropy(ref["temporal"], y) + F.cross_entropy(ref["spatial"], y)))
    torch.testing.assert_close(total, expected)
    assert set(parts) == {"ce", "ce_temporal", "ce_spatial"}
    plain, _ = build_loss(model, r.replace(loss_kwargs={}))(model(x), y, 0)
    torch.testing.assert_close(plain, F.nll_loss(ref["log_p"], y))


# -- numerical reference: the temporal stream's equations re-derived in numpy (skeleton-models.md §A.2-A.3) --------
# NTU-25 body parts in the authors' order, 0-based (skeleton-data.md §8.1.1), typed from the spec, not the topology.
NTU_PARTS = ((23, 24, 11, 10, 9, 8), (4, 5, 6, 7, 22, 21), (19, 18, 17, 16), (12, 13, 14, 15), (3, 2, 20, 1, 0))


def _sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def _np_lstm(x, w_ih, w_hh, b_ih, b_hh, reverse=False):
    """One direction of an LSTM with zero initial state, no peepholes: z = W_ih x_t + b_ih + W_hh h + b_hh, split
    into the gates i, f, g, o; c = sigma(f) c + sigma(i) tanh(g); h = sigma(o) tanh(c).  x: (T, D) -> (T, H)."""
    hidden = w_hh.shape[1]
    h, c = np.zeros(hidden), np.zeros(hidden)
    out = np.zeros((x.shape[0], hidden))
    for t in (range(x.shape[0] - 1, -1, -1) if reverse else range(x.shape[0])):
        z = w_ih @ x[t] + b_ih + w_hh @ h + b_hh
        i, f, g, o = np.split(z, 4)
        c = _sigmoid(f) * c + _sigmoid(i) * np.tanh(g)
        h = _sigmoid(o) * np.tanh(c)
        out[t] = h
    return out


def _np_bilstm(x, sd, prefix):
    """Bidirectional level: the output at step t is [forward h_t ; backward h_t] (the backward pass reads the
    sequence from the end)."""
    p = {k[len(prefix):]: v.double().numpy() for k, v in sd.items() if k.startswith(prefix)}
    fwd = _np_lstm(x, p["weight_ih_l0"], p["weight_hh_l0"], p["bias_ih_l0"], p["bias_hh_l0"])
    bwd = _np_lstm(x, p["weight_ih_l0_reverse"], p["weight_hh_l0_reverse"], p["bias_ih_l0_reverse"],
                   p["bias_hh_l0_reverse"], reverse=True)
    return np.concatenate([fwd, bwd], axis=1)


def test_hierarchical_temporal_stream_matches_a_numpy_derivation():
    """Per frame each part's joints' (x, y, z) -> one BiLSTM(256) per part -> concatenation in part order P1..P5
    -> BiLSTM(512) -> max over time -> (dropout, identity in eval) -> Linear; agreement to 1e-5."""
    torch.manual_seed(0)
    model = motionzoo.create_model("temporal_rnn_hierarchical", num_classes=5).eval()
    sd = model.state_dict()
    x = torch.randn(2, 7, 25, 3)
    with torch.no_grad():
        feats, logits = model.forward_features(x), model(x)
    for n in range(2):
        sample = x[n].double().numpy()                                         # (T, V, C)
        parts = [_np_bilstm(sample[:, list(p)].reshape(7, -1), sd, f"part_rnns.{k}.")   # (T, 512) each
                 for k, p in enumerate(NTU_PARTS)]
        top = _np_bilstm(np.concatenate(parts, axis=1), sd, "body_rnn.")     # (T, 1024)
        pooled = top.max(axis=0)
        ref_logits = sd["head.weight"].double().numpy() @ pooled + sd["head.bias"].double().numpy()
        np.testing.assert_allclose(feats[n].numpy(), pooled, atol=1e-5, rtol=0)
        np.testing.assert_allclose(logits[n].numpy(), ref_logits, atol=1e-5, rtol=0)
