"""DRSR (unimodal + CAPF fusion): fixture equivalence through the `drsr` converter, k-NN attention equivalence,
token sampling, schedules, batch size 1, heads API, converter clean-ups, export by tracing."""
from __future__ import annotations

import random

import pytest
import torch

import motionzoo
from motionzoo.convert.drsr import PREFIX_DEAD_KEY, convert_drsr
from motionzoo.models import drsr as D
from motionzoo.recipes import build_loss, get_recipe
from motionzoo.recipes.video_losses import distill_weight
from mzfill import assert_close_scaled, load_fixture

BRANCHES = ("small", "media", "large")


def _clip(n=2, h=32, w=32, seed=0):
    g = torch.Generator().manual_seed(seed)
    return torch.randn(n, 3, 64, h, w, generator=g), torch.rand(n, 1, 64, h, w, generator=g) * 2


@pytest.fixture(scope="module")
def uni_fixture():
    from conftest import REFERENCE
    if not (REFERENCE / "drsr_unimodal_ntu60.json").exists():
        pytest.skip("../shared/reference not present")
    return load_fixture(REFERENCE, "drsr_unimodal_ntu60")


@pytest.fixture(scope="module")
def fusion_fixture():
    from conftest import REFERENCE
    if not (REFERENCE / "drsr_fusion_ntu60.json").exists():
        pytest.skip("../shared/reference not present")
    return load_fixture(REFERENCE, "drsr_fusion_ntu60")


@pytest.fixture(scope="module")
def uni_model(uni_fixture):
    _, _, filled = uni_fixture
    model = D.DRSR().eval()
    model.load_state_dict(convert_drsr({"model": filled, "epoch": 1, "bestacc": 0.5}), strict=True)
    return model


# -- sizes ---------------------------------------------------------------------------------------------------
def test_parameter_counts_and_state_dict_entries():
    with torch.device("meta"):
        uni, fus = D.DRSR(), D.DRSRFusion()
        uni7, fus7 = D.DRSR(num_classes=7), D.DRSRFusion(num_classes=7)
    count = lambda m: sum(p.numel() for p in m.parameters())  # noqa: E731
    assert count(uni) == 38_196_822 and len(uni.state_dict()) == 571
    assert count(fus) == 79_828_412 and len(fus.state_dict()) == 1173
    assert count(uni7) == 38_104_482 + 1_539 * 7
    assert count(fus7) == 79_751_492 + 1_282 * 7
    # FusionNet trunks are the unimodal network without its 12 head entries.
    trunk = [k[len("Modalit_rgb."):] for k in fus.state_dict() if k.startswith("Modalit_rgb.")]
    assert len(trunk) == 559 and set(trunk) == {k for k in uni.state_dict() if not k.startswith("dtn.mlp_head_")}


# -- fixture equivalence -----------------------------------------------------------------------------------
def test_unimodal_fixture_through_converter(uni_fixture, uni_model):
    meta, ref, filled = uni_fixture
    assert [k for k in uni_model.state_dict()] == list(filled)       # upstream order kept
    assert meta["temperature"]["epoch"] == 0
    idx = {n: ref[f"sampling.dtn_{n}"] for n in (16, 32, 48)}
    x, g = ref["input"].float(), ref["garr"].float()
    with torch.no_grad():
        out = uni_model.forward_train(x, g, token_indices=idx, epoch=0, return_vis=True)
        # return_vis runs encoder 2 through the explicit attention; rerun the DTN on the same tokens with the
        # SDPA path everywhere (what forward uses) instead of a second CNN pass.
        fused = uni_model.forward_head(uni_model.dtn(out["vis"]["tokens"], idx)[0], epoch=0)
    assert_close_scaled(fused, ref["logits_fused"])
    assert_close_scaled(out["logits"], ref["logits_fused"])
    for i, b in enumerate(BRANCHES):
        assert_close_scaled(out["branch_logits"][:, i], ref[f"logits_{b}"])
        assert_close_scaled(out["features"][:, i], ref[f"intermediate.cls_{b}"])
    assert_close_scaled(out["distill_loss"], ref["distillation_loss"])
    vis = out["vis"]
    ep = vis["endpoints"]
    for name, _ in D.DSN_ENDPOINTS:
        assert_close_scaled(ep[name].mean(dim=(2, 3, 4)), ref[f"endpoint_mean.{name}"])
    for i, name in enumerate(("Mixed_3b", "Mixed_4b", "Mixed_5b")):
        assert_close_scaled(ep[f"frp_{name}"].mean(dim=(2, 3, 4)), ref[f"endpoint_mean.frp_call{i}"])
    assert_close_scaled(ep["pooled"], ref["intermediate.mixed_5c_spatial_mean"])
    assert_close_scaled(ep["linear_map"], ref["intermediate.linear_map"])
    assert_close_scaled(vis["rcm_out"], ref["intermediate.rcm_out"])
    assert_close_scaled(out["embedding"], ref["intermediate.rcm_embedding"])
    assert_close_scaled(vis["rcm_weight_map"][0], ref["vis.rcm_weight_map_0"])
    assert_close_scaled(vis["cnn_visual"][0], ref["vis.cnn_visual"])
    for b in BRANCHES:
        assert_close_scaled(vis[f"attn_enc2_{b}"][0], ref[f"vis.attn_scores_enc2_{b}_0"])


def test_unimodal_seeded_random_sampling_draws_upstream_indices(uni_fixture):
    meta, ref, _ = uni_fixture
    assert meta["python_random"]["seed_call"] == "random.seed(0)"
    sampler = D.TokenSampler("random", seed=0)
    for n in (16, 32, 48):
        assert sampler(n, training=False) == ref[f"sampling.dtn_{n}"].tolist()


def test_fusion_fixture_through_converter(fusion_fixture):
    meta, ref, filled = fusion_fixture
    model = D.DRSRFusion().eval()
    model.load_state_dict(convert_drsr({"model": {"module." + k: v for k, v in filled.items()}}), strict=True)
    assert list(model.state_dict()) == list(filled)
    idx = {m: {n: ref[f"sampling.{m}_{n}"] for n in (16, 32, 48)} for m in ("rgb", "depth")}
    args = [ref[k].float() for k in ("input_rgb", "input_depth", "garr_rgb", "garr_depth")]
    with torch.no_grad():
        out = model.forward_train(*args, token_indices=idx)
        _, parts = build_loss(model, get_recipe("drsr_capf", "ntu60"))(out, ref["target"], 0)
    for ours, theirs in [("logits", "logits_fused"), ("logits_rgb", "logits_rgb"), ("logits_depth", "logits_depth"),
                         ("spatial_rgb", "intermediate.rgb_spatial"), ("spatial_depth", "intermediate.depth_spatial"),
                         ("temporal_rgb", "intermediate.rgb_temporal"), ("temporal_depth", "intermediate.depth_temporal"),
                         ("distill_rgb", "intermediate.rgb_distill"), ("distill_depth", "intermediate.depth_distill")]:
        assert_close_scaled(out[ours], ref[theirs])
    assert_close_scaled(out["cross_fusion"], ref["intermediate.cross_fusion"])
    assert_close_scaled(out["cross_fusion_t"], ref["intermediate.cross_fusion_t"].flatten(1))
    assert_close_scaled(out["reconstruction"], ref["intermediate.fusion_decoder"].flatten(1))
    for k in ("ce", "bce", "mse", "distill"):
        assert_close_scaled(parts[k], ref[f"loss_{k}"])
    # Seeded random sampling draws upstream's indices: one stream shared by both trunks, RGB's branches first.
    model.sampler.reseed(meta["python_random"]["seed_call"] == "random.seed(0)" and 0)
    model.sampler.mode = "random"
    drawn = {m: getattr(model, f"Modalit_{m}").dtn.sample_indices() for m in ("rgb", "depth")}
    for m in ("rgb", "depth"):
        for n, got in zip((16, 32, 48), drawn[m]):
            assert got == ref[f"sampling.{m}_{n}"].tolist(), (m, n)


# -- attention ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("n_tok", [17, 33, 49])
def test_knn_attention_sdpa_matches_explicit_topk(n_tok):
    g = torch.Generator().manual_seed(n_tok)
    q, k, v = (torch.randn(2, 8, n_tok, 64, generator=g) * 2 for _ in range(3))
    fast = D.knn_attention(q, k, v, 0.7, 64 ** -0.5)
    ref, attn = D.knn_attention_reference(q, k, v, 0.7, 64 ** -0.5, return_attn=True)
    torch.testing.assert_close(fast, ref, rtol=1e-5, atol=1e-5)
    kept = (attn > 0).sum(-1)
    assert (kept == int(0.7 * n_tok)).all()                  # 11 of 17, 23 of 33, 34 of 49
    # An independent straightforward form: sort each row, keep the k largest logits.
    logits = q @ k.transpose(-2, -1) / 8
    kth = logits.sort(dim=-1, descending=True).values[..., int(0.7 * n_tok) - 1: int(0.7 * n_tok)]
    manual = logits.masked_fill(logits < kth, float("-inf")).softmax(-1) @ v
    torch.testing.assert_close(fast, manual, rtol=1e-5, atol=1e-5)


def test_fast_and_reference_attention_agree_in_the_model_and_in_gradients():
    torch.manual_seed(0)
    layer = D.KNNAttention(drop=0.0)
    x = torch.randn(2, 33, 512, requires_grad=True)
    y_fast = layer(x)
    (g_fast,) = torch.autograd.grad(y_fast.square().sum(), x)
    layer.fast = False
    y_ref = layer(x)
    (g_ref,) = torch.autograd.grad(y_ref.square().sum(), x)
    torch.testing.assert_close(y_fast, y_ref, rtol=1e-5, atol=1e-5)
    torch.testing.assert_close(g_fast, g_ref, rtol=1e-4, atol=1e-4)


# -- sampling, schedules -------------------------------------------------------------------------------------
def test_midpoint_sampling_rule():
    assert D.midpoint_indices(16) == [4 * i + 1 for i in range(16)]
    assert D.midpoint_indices(32) == [2 * i for i in range(32)]
    for n in (16, 32, 48):
        idx = D.midpoint_indices(n)
        assert all(s <= i < e for i, (s, e) in zip(idx, D.segment_bounds(n)))
    s = D.TokenSampler()
    assert s(48, training=False) == D.midpoint_indices(48)
    torch.manual_seed(0)
    drawn = [s(48, training=True) for _ in range(5)]
    assert any(d != D.midpoint_indices(48) for d in drawn)
    assert all(lo <= i < hi for d in drawn for i, (lo, hi) in zip(d, D.segment_bounds(48)))
    with pytest.raises(ValueError, match="dtn_sampling"):
        D.TokenSampler("uniform")


def test_seeded_sampler_matches_python_random_stream():
    random.seed(123)
    expected = [[random.choice(range(s, e)) for s, e in D.segment_bounds(n)] for n in (16, 32, 48)]
    s = D.TokenSampler("random", seed=123)
    assert [s(n, training=False) for n in (16, 32, 48)] == expected


def test_temperature_distill_and_lr_schedules():
    assert D.sharpness_temperature(0) == pytest.approx(0.04)
    assert D.sharpness_temperature(29) == pytest.approx(0.07)
    assert D.sharpness_temperature(10) == pytest.approx(0.04 + 0.03 * 10 / 29)
    assert D.sharpness_temperature(80) == D.sharpness_temperature(None) == pytest.approx(0.07)
    assert [distill_weight(e) for e in range(4)] == [0.0, 0.0, 1.0, 1.0]
    # the registered upstream recipes drive the engine's schedule (video-models.md §5.11 table)
    uni = {0: 1e-8, 1: 0.005, 2: 0.005, 3: 0.005, 4: 0.0049987, 50: 0.0026262, 99: 1.131e-5}
    for e, lr in uni.items():
        assert get_recipe("drsr", "ntu60").lr_at(e) == pytest.approx(lr, rel=1e-3), e
    fus = {0: 1e-8, 1: 0.005, 2: 0.01, 3: 0.01, 4: 0.0099974, 99: 1.262e-5}
    for e, lr in fus.items():
        assert get_recipe("drsr_capf", "ntu60").lr_at(e) == pytest.approx(lr, rel=1e-3), e


# -- API ---------------------------------------------------------------------------------------------------
def test_unimodal_batch1_heads_loss_and_gradients():
    torch.manual_seed(0)
    model = motionzoo.create_model("drsr", num_classes=5)
    x, g = _clip(n=1)
    model.eval()
    with torch.no_grad():
        out1 = model.forward_train(x, g)
    logits, feats = out1["logits"], out1["features"]
    assert logits.shape == (1, 5)                               # upstream squeezes to (C,) at N = 1
    assert feats.shape == (1, 3, 512) and out1["embedding"].shape == (1, 512)
    assert torch.equal(model.forward_head(feats, pre_logits=True), feats)
    torch.testing.assert_close(model.forward_head(feats), logits)
    # Temperature scales only: argmax unchanged, ratio = tau_final / tau_0.
    torch.testing.assert_close(model.forward_head(feats, epoch=0), logits * (0.07 / 0.04), rtol=1e-5, atol=1e-5)
    heads = model.get_classifier()
    assert set(heads) == set(BRANCHES) and all(h.out_features == 5 for h in heads.values())
    # Training step at N = 2: every parameter gets a gradient (spec §5.13).
    model.train()
    x2, g2 = _clip(n=2, seed=1)
    out = model(x2, g2)                                         # train mode: the dict the engine hands to loss
    assert out["head_logits"].shape == (2, 3, 5)
    loss = build_loss(model, get_recipe("drsr", "ntu60"))       # the recipe's loss "drsr"
    y = torch.tensor([1, 3])
    total0, parts0 = loss(out, y, 0)
    assert torch.equal(total0.detach(), parts0["ce"])          # distillation off before epoch 2
    # CE(fused) + 0.5 sum CE(branch), label smoothing 0.1, on the logits sharpened with tau(epoch 0) = 0.04
    z = out["head_logits"].detach() / 0.04
    ce = lambda v: torch.nn.functional.cross_entropy(v, y, label_smoothing=0.1)  # noqa: E731
    torch.testing.assert_close(parts0["ce"], ce(z.max(dim=1).values) + 0.5 * sum(ce(z[:, i]) for i in range(3)))
    total, parts = loss(out, y, 2)
    torch.testing.assert_close(total.detach(), parts["ce"] + parts["distill"])
    total.backward()
    no_grad = [n for n, p in model.named_parameters() if p.grad is None]
    assert not no_grad, no_grad
    model.reset_classifier(7)
    assert all(h.out_features == 7 for h in model.get_classifier().values())
    model.reset_classifier(0)
    model.eval()
    with torch.no_grad():
        assert model(x, g).shape == (1, 3, 512)


def test_fusion_batch1_eval_and_training_guard():
    torch.manual_seed(0)
    model = motionzoo.create_model("drsr_capf", num_classes=4).eval()
    (r, gr), (d, gd) = _clip(n=1, seed=2), _clip(n=1, seed=3)
    with torch.no_grad():
        out = model.forward_train(r, d, gr, gd)
    feats = {"fused": out["fused_features"], "rgb": out["temporal_rgb"], "depth": out["temporal_depth"]}
    assert out["logits"].shape == out["logits_rgb"].shape == (1, 4) and out["reconstruction"].shape == (1, 512)
    assert feats["fused"].shape == (1, 256) and feats["rgb"].shape == feats["depth"].shape == (1, 512)
    torch.testing.assert_close(model.forward_head(feats), out["logits"])
    assert model.forward_head(feats, pre_logits=True).shape == (1, 256)
    assert set(model.get_classifier()) == {"fused", "rgb", "depth"}
    model.train()
    with pytest.raises(ValueError, match="batch >= 2"):
        model.forward_train(r, d, gr, gd)
    model.reset_classifier(0)
    assert all(sum(p.numel() for p in h.parameters()) == 0 for h in model.get_classifier().values())


def test_input_errors_name_the_layout():
    model = D.DRSR(num_classes=3).eval()
    x, g = _clip(n=1)
    with pytest.raises(ValueError, match="T=64"):
        model(x[:, :, :32], g[:, :, :32])
    with pytest.raises(ValueError, match="divisible by 32"):
        model(torch.zeros(1, 3, 64, 48, 32), torch.zeros(1, 1, 64, 48, 32))
    with pytest.raises(ValueError, match="N,T,C,H,W"):
        model(torch.zeros(1, 64, 3, 32, 32), g)
    with pytest.raises(ValueError, match="heat-map"):
        model(x, None)
    with pytest.raises(ValueError, match="heat-map"):
        model(x, g[:, :, :, :16])
    with pytest.raises(ValueError, match="16 indices"):
        model(x, g, token_indices=[[0] * 15, list(range(32)), list(range(48))])


# -- converter ---------------------------------------------------------------------------------------------
def test_converter_drops_prefix_dead_keys_and_rejects_foreign_dicts():
    with torch.device("meta"):
        ours = D.DRSR(num_classes=2).state_dict()
    sd = {k: torch.zeros(v.shape, dtype=v.dtype) for k, v in ours.items()}
    dead = {k.replace("transformers.0.", f"transformers.{e}."): torch.zeros(1)
            for k in sd if ".Mixed_" in k and "transformers.0." in k for e in range(1, 6)}
    assert len(dead) == 540 and all(PREFIX_DEAD_KEY.match(k) for k in dead)
    out, info = convert_drsr({"model": {**sd, **dead}, "epoch": 48, "bestacc": 0.9025}, return_info=True)
    assert len(info["dropped_keys"]) == 540 and set(out) == set(sd)
    assert info["upstream_epoch"] == 48 and info["upstream_bestacc"] == pytest.approx(0.9025)
    assert info["kind"] == "unimodal" and info["num_classes"] == 2
    fusion_dead = {f"Modalit_{m}.{k}": v for m in ("rgb", "depth") for k, v in dead.items()}
    assert sum(bool(PREFIX_DEAD_KEY.match(k)) for k in fusion_dead) == 1080
    broken = dict(sd)
    del broken["dtn.rcm.q.weight"]
    with pytest.raises(ValueError, match="missing"):
        convert_drsr(broken)
    with pytest.raises(ValueError, match="lacks"):
        convert_drsr({"conv.weight": torch.zeros(1)})


def test_converter_reads_a_checkpoint_file(tmp_path):
    with torch.device("meta"):
        ours = D.DRSR(num_classes=2).state_dict()
    sd = {"module." + k: torch.zeros(v.shape, dtype=v.dtype) for k, v in ours.items()}
    path = tmp_path / "model_best.pth.tar"
    torch.save({"model": sd, "optimizer": {"state": {}, "param_groups": [{"lr": 0.01}]}, "epoch": 7, "bestacc": 0.5}, path)
    out = convert_drsr(path)
    assert set(out) == set(ours)
    model = motionzoo.create_model("drsr", num_classes=2, checkpoint_path=str(path))
    assert model.dtn.rcm.q.weight.abs().sum() == 0


# -- export ------------------------------------------------------------------------------------------------
def test_trace_export_matches_eager_on_a_new_input():
    torch.manual_seed(0)
    model = D.DRSR(num_classes=4).eval()
    x, g = _clip(n=1, seed=4)
    x2, g2 = _clip(n=1, seed=5)
    with torch.no_grad():
        traced = torch.jit.trace(model, (x, g), check_trace=False)
        # A trace that froze the output would fail here: the second input gives different logits.
        torch.testing.assert_close(traced(x2, g2), model(x2, g2), rtol=1e-5, atol=1e-5)

