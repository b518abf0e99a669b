"""SMnet: parameter counts, a full multimodal forward, the attention BiLSTM's masking / reversal semantics,
prediction and loss formulas, the §3.10 flags, C3D initialisation, input checks, and the skeleton transform."""
from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F

import motionzoo as mz
from motionzoo.data.skeleton_image import SMnetSkeletonImage
from motionzoo.models.c3d import C3D
from motionzoo.models.smnet import SMnet, SMnetFeatures
from motionzoo.recipes.video_losses import masked_clip_cross_entropy


pytestmark = pytest.mark.usefixtures("one_thread")


def _count(m):
    return sum(p.numel() for p in m.parameters())


def test_param_counts():
    with torch.device("meta"):
        model = mz.create_model("smnet")
        frozen = SMnet(freeze_trunk_bn_affine=True)
        rgbd = SMnet(modalities=("depth", "rgb"))
    assert _count(model) == 60_056_980 == mz.get_pretrained_cfg("smnet").num_params
    assert _count(frozen) == 60_044_564
    assert _count(model.rnn_fw) == _count(model.rnn_bw) == 1_509_632
    assert _count(model.trunks["rgb"]) == 27_655_936 + 5_504
    assert _count(model.trunks["depth"]) == _count(model.trunks["skeleton"]) == 13_499_136 + 3_456
    assert _count(model.head) == 10_260
    assert rgbd.modalities == ("rgb", "depth") and rgbd.rnn_fw.input_proj.out_features == 384
    assert {d["flag"] for d in mz.get_pretrained_cfg("smnet").deviations} >= {
        "lstm_dropout_in_eval", "freeze_trunk_bn_affine", "trunk_weight_decay"}


def test_full_forward_one_clip():
    torch.manual_seed(0)
    model = SMnet(clip_count="ceil").eval()
    x = {m: torch.randn(1, 3, 16, 65, 65) for m in ("rgb", "depth", "skeleton")}
    with torch.no_grad():
        feats = model.forward_features(x)
        logits = model.forward_head(feats)
        pre = model.forward_head(feats, pre_logits=True)
    assert feats.sequence.shape == (1, 1, 512) and feats.clip_lengths.tolist() == [1]
    assert logits.shape == (1, 20) and torch.isfinite(logits).all()
    torch.testing.assert_close(logits, model.head(pre), rtol=1e-5, atol=1e-5)
    model.features_only = True
    with torch.no_grad():
        maps = model(x)
    assert [m.shape[2] for m in maps] == [f["num_chs"] for f in model.feature_info] == [512, 512, 512, 512, 512]
    assert maps[0].shape == (1, 1, 512, 1, 3, 3)
    torch.testing.assert_close(maps[-1], feats.sequence)


@pytest.fixture(scope="module")
def depth_only():
    torch.manual_seed(0)
    return SMnet(modalities=("depth",)).eval()


def test_clip_counts(depth_only):
    assert [depth_only.num_clips(t) for t in (15, 16, 17, 32)] == [1, 2, 2, 3]
    assert depth_only.clip_lengths(torch.tensor([1, 15, 16, 17, 32])).tolist() == [1, 1, 2, 2, 3]
    ceil = SMnet(modalities=("depth",), clip_count="ceil")
    assert [ceil.num_clips(t) for t in (15, 16, 17, 32)] == [1, 1, 2, 2]
    assert ceil.clip_lengths(torch.tensor([1, 15, 16, 17, 32])).tolist() == [1, 1, 1, 2, 2]


def test_bilstm_masking_and_reversal(depth_only):
    model, cell = depth_only, depth_only.rnn_bw
    x = torch.randn(3, 4, 128)
    lengths = torch.tensor([4, 2, 1])
    with torch.no_grad():
        fw = model._run_direction(model.rnn_fw, x, lengths, reverse=False)
        bw = model._run_direction(cell, x, lengths, reverse=True)
        for i, n in enumerate(lengths.tolist()):
            alone = x[i:i + 1, :n]
            full = torch.full((1,), n)
            torch.testing.assert_close(fw[i:i + 1, :n], model._run_direction(model.rnn_fw, alone, full, False))
            # backward = forward recursion over the reversed valid prefix, re-reversed
            flipped = model._run_direction(cell, alone.flip(1), full, False).flip(1)
            torch.testing.assert_close(bw[i:i + 1, :n], flipped)
            assert fw[i, n:].abs().sum() == 0 and bw[i, n:].abs().sum() == 0
        # First step: the window is all zeros, so the attention vector is zero.
        y, (c, h, attn, window) = cell(x[:, 0], cell.init_state(3, x))
    assert attn.abs().sum() == 0
    torch.testing.assert_close(y, cell.output_proj(torch.cat([h, torch.zeros_like(attn)], 1)))
    torch.testing.assert_close(window[:, -1], y)


def test_prediction_loss_and_dropout_flag(depth_only):
    seq = torch.randn(2, 3, 512)
    lengths = torch.tensor([3, 1])
    feats = SMnetFeatures(seq, lengths)
    model = SMnet(modalities=("depth",)).eval()
    model.rnn_fw, model.rnn_bw = depth_only.rnn_fw, depth_only.rnn_bw
    with torch.no_grad():
        per_clip = model.clip_logits(feats)
        masked = model.forward_head(feats)
        model.prediction = "upstream"
        upstream = model.forward_head(feats)
    torch.testing.assert_close(masked[0], per_clip[0].mean(0))
    torch.testing.assert_close(masked[1], per_clip[1, 0])
    torch.testing.assert_close(upstream[1], per_clip[1, 0] / 3)        # divided by the padded K
    assert (upstream.argmax(1) == masked.argmax(1)).all()
    target = torch.tensor([4, 7])
    expected = (F.cross_entropy(per_clip[0], target[0].repeat(3), reduction="sum")
                + F.cross_entropy(per_clip[1, :1], target[1:])) / 4
    torch.testing.assert_close(masked_clip_cross_entropy(per_clip, lengths, target), expected)

    x = torch.randn(1, 3, 128)
    full = torch.tensor([3])
    with torch.no_grad():
        a = depth_only._run_direction(depth_only.rnn_fw, x, full, False)
        b = depth_only._run_direction(depth_only.rnn_fw, x, full, False)
        depth_only.lstm_dropout_in_eval = True
        c = depth_only._run_direction(depth_only.rnn_fw, x, full, False)
        depth_only.lstm_dropout_in_eval = False
    assert torch.equal(a, b) and not torch.allclose(a, c)


def test_c3d_init():
    with torch.device("meta"):
        shapes = {k: v.shape for k, v in C3D().state_dict().items() if k.startswith("conv")}
    c3d_sd = {k: torch.randn(s) for k, s in shapes.items()}
    model = SMnet(modalities=("rgb", "skeleton"))
    written = model.load_c3d_trunks(c3d_sd)
    assert len(written) == 2 * 8 + 2 * 6
    torch.testing.assert_close(model.trunks["rgb"].conv5b.conv.weight, c3d_sd["conv5b.weight"])
    torch.testing.assert_close(model.trunks["skeleton"].conv4b.conv.bias, c3d_sd["conv4b.bias"])


def test_reference_param_groups_reach_the_optimizer():
    """The reference recipe names the param-group rule "smnet": trunk conv kernels and biases at 1e-5 (kernels with
    weight decay 5e-4), everything else at 5e-5 - checked on the optimiser the engine builds, at two epochs."""
    from motionzoo.engine import build_optimizer, set_epoch_lr
    from motionzoo.recipes import build_param_groups, get_recipe
    model = SMnet(modalities=("rgb", "skeleton"))
    recipe = get_recipe("smnet", "chalearn2013_gesture_resplit")
    groups = build_param_groups(model, recipe)
    ids = [id(p) for g in groups for p in g["params"]]
    assert len(ids) == len(set(ids)) == len(list(model.parameters()))
    assert len(groups[0]["params"]) == 14                    # 8 + 6 trunk conv kernels
    opt = build_optimizer(groups, recipe)
    assert type(opt) is torch.optim.Adam
    for epoch in (0, 7):
        set_epoch_lr(opt, recipe, epoch)
        assert [g["lr"] for g in opt.param_groups] == pytest.approx([1e-5, 1e-5, 5e-5])
    assert [g["weight_decay"] for g in opt.param_groups] == [5e-4, 0.0, 0.0]
    upstream = recipe.replace(param_groups_kwargs={"trunk_weight_decay": 0.0})
    assert build_optimizer(build_param_groups(model, upstream), upstream).param_groups[0]["weight_decay"] == 0.0


def test_explicit_group_lrs_reach_the_optimizer():
    """A parameter group that states its own lr keeps it (relative to the recipe's base lr, following the
    schedule in proportion), rather than being overwritten by the recipe's single lr."""
    from motionzoo.engine import build_optimizer, set_epoch_lr
    from motionzoo.recipes import Recipe
    with torch.device("meta"):
        model = SMnet(modalities=("rgb", "skeleton"))
    params = list(model.parameters())
    recipe = Recipe("smnet_test", epochs=4, batch_size=2, optimizer="adam", lr=1e-4, schedule="step", step_size=2,
                    gamma=0.1)
    groups = [{"params": params[:2], "lr": 1e-5, "weight_decay": 5e-4}, {"params": params[2:], "lr": 5e-5}]
    opt = build_optimizer(groups, recipe)
    assert [g["lr"] for g in opt.param_groups] == pytest.approx([1e-5, 5e-5])
    set_epoch_lr(opt, recipe, 2)                          # the step schedule's first decay: x 0.1
    assert [g["lr"] for g in opt.param_groups] == pytest.approx([1e-6, 5e-6])
    with pytest.raises(ValueError, match="both lr and lr_scale"):
        build_optimizer([{"params": params, "lr": 1e-5, "lr_scale": 0.5}], recipe)


def test_bad_input(depth_only):
    ok = torch.zeros(1, 3, 16, 80, 80)
    with pytest.raises(TypeError, match="dict"):
        depth_only(ok)
    with pytest.raises(ValueError, match="lacks \\['depth'\\]"):
        depth_only({"rgb": ok})
    with pytest.raises(ValueError, match="H and W must be in 65..96"):
        depth_only({"depth": torch.zeros(1, 3, 16, 112, 112)})
    with pytest.raises(ValueError, match="N,C,T,H,W"):
        depth_only({"depth": torch.zeros(3, 16, 80, 80)})
    with pytest.raises(ValueError, match="lengths"):
        depth_only({"depth": ok, "lengths": torch.tensor([17])})
    with pytest.raises(ValueError, match="modalities"):
        SMnet(modalities=("rgb", "audio"))


def test_skeleton_image_transform():
    pose = np.array([[300, 250], [300, 200], [300, 150], [300, 110], [270, 160], [250, 200], [240, 240],
                     [238, 255], [330, 160], [350, 200], [360, 240], [362, 255], [285, 260], [283, 300],
                     [282, 320], [280, 328], [315, 260], [317, 300], [318, 320], [320, 328]], float)
    vec = np.zeros((2, 20, 9))
    vec[:, :, 7:9] = pose
    images = SMnetSkeletonImage(standardize=False)(vec.reshape(2, 180))
    assert images.shape == (3, 2, 80, 80) and images.dtype == torch.uint8
    rgb_at = lambda u, v: images[:, 0, round((v - 10) / 4), round((u - 140) / 4)].tolist()
    assert rgb_at(300, 150) == [0, 0, 255]            # ShoulderCenter joint: blue
    assert rgb_at(300, 175) == [255, 0, 0]            # midway along Spine-ShoulderCenter: red bone
    assert images[:, 0, 0, 0].tolist() == [255, 255, 255]
    std = SMnetSkeletonImage()(vec.reshape(2, 180))
    assert abs(std.mean().item()) < 1e-5 and abs(std.std(unbiased=False).item() - 1) < 1e-4
