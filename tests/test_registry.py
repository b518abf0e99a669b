"""Registry, naming and discovery, with a throw-away family registered for the test and removed after."""
from __future__ import annotations

import sys
import types

import pytest
from torch import nn

import motionzoo
from motionzoo import PretrainedCfg, create_model, list_models, model_info
from motionzoo import _registry


@pytest.fixture
def toy_family():
    snapshot = (dict(_registry._model_entrypoints), dict(_registry._model_family),
                {k: dict(v) for k, v in _registry._arch_cfgs.items()}, dict(_registry._deprecated))
    mod = types.ModuleType("motionzoo_test_toy")
    mod.MODEL_FAMILY = "toy"

    class Toy(nn.Module):
        def __init__(self, num_classes=4, width=3):
            super().__init__()
            self.head = nn.Linear(width, num_classes)

        def forward(self, x):
            return self.head(x)

    mod.default_cfgs = {
        "toynet_a": PretrainedCfg(num_classes=4, modality="skeleton", num_params=16),
        "toynet_a.ds1_x_3d": PretrainedCfg(num_classes=4, modality="skeleton", dataset="ds1",
                                           file_name="/nonexistent/a.safetensors"),
        "toynet_a.ds2_x_3d": PretrainedCfg(num_classes=4, modality="skeleton", dataset="ds2", default=True,
                                           file_name="/nonexistent/b.safetensors"),
        "toynet_b10": PretrainedCfg(num_classes=4, modality="rgb"),
        "toynet_b2": PretrainedCfg(num_classes=4, modality="rgb"),
    }
    sys.modules[mod.__name__] = mod

    def make(name):
        def builder(pretrained=False, pretrained_cfg=None, checkpoint_path=None, cache_dir=None, **kw):
            from motionzoo._builder import build_model_with_cfg
            return build_model_with_cfg(Toy, name, pretrained, pretrained_cfg, checkpoint_path, cache_dir, **kw)
        builder.__name__ = name
        builder.__module__ = mod.__name__
        return _registry.register_model(builder)

    for n in ("toynet_a", "toynet_b10", "toynet_b2"):
        make(n)
    yield make
    (_registry._model_entrypoints, _registry._model_family, arch_cfgs, _registry._deprecated) = snapshot
    _registry._arch_cfgs.clear()
    _registry._arch_cfgs.update(arch_cfgs)
    del sys.modules[mod.__name__]


def test_list_models_wildcards_natural_order_and_filters(toy_family):
    assert list_models("toynet*") == ["toynet_a", "toynet_b2", "toynet_b10"]
    assert list_models(["TOYNET_A", "toynet_b1?"]) == ["toynet_a", "toynet_b10"]
    assert list_models("toynet*", exclude_filters="*b*") == ["toynet_a"]
    assert list_models("toynet*", modality="rgb") == ["toynet_b2", "toynet_b10"]
    assert list_models("toynet*", pretrained=True) == ["toynet_a.ds1_x_3d", "toynet_a.ds2_x_3d"]
    assert motionzoo.list_pretrained("toynet*") == list_models("toynet*", pretrained=True)
    assert list_models("toynet*", pretrained=True, dataset="ds1") == ["toynet_a.ds1_x_3d"]


def test_default_tag_and_cfg_resolution(toy_family):
    assert motionzoo.get_pretrained_cfg("toynet_a").tag == "ds2_x_3d", "default=True wins"
    assert motionzoo.get_pretrained_cfg("toynet_a", pretrained=False).tag == ""
    assert motionzoo.is_model("toynet_a.ds1_x_3d") and not motionzoo.is_model("toynet_a.nope")
    assert motionzoo.is_model_pretrained("toynet_a") and not motionzoo.is_model_pretrained("toynet_b2")
    m = create_model("toynet_b2", num_classes=7)
    assert m.head.out_features == 7 and m.pretrained_cfg.arch == "toynet_b2" and m.default_cfg is m.pretrained_cfg
    assert create_model("toynet_a", width=5).head.in_features == 5, "architecture kwargs pass through"


def test_unknown_name_suggests_close_matches(toy_family):
    with pytest.raises(motionzoo.UnknownModelError, match="toynet_b2"):
        create_model("toynet_b3")
    with pytest.raises(motionzoo.UnknownModelError, match="toynet_a.ds1_x_3d"):
        create_model("toynet_a.ds1_x_2d")


def test_duplicate_registration_raises(toy_family):
    with pytest.raises(RuntimeError, match="already registered"):
        toy_family("toynet_a")


def test_pretrained_without_weights_fails_clearly(toy_family):
    with pytest.raises(ValueError, match="no pretrained weights"):
        create_model("toynet_b2", pretrained=True)
    with pytest.raises(FileNotFoundError, match="a.safetensors"):
        create_model("toynet_a.ds1_x_3d", pretrained=True)


def test_overlay_file_and_model_info(toy_family, tmp_path):
    from motionzoo._hub import save_state_dict
    src = create_model("toynet_a", num_classes=4)
    path = tmp_path / "mine.safetensors"
    save_state_dict(src.state_dict(), path)
    m = create_model("toynet_a.ds1_x_3d", pretrained=True, pretrained_cfg_overlay={"file": str(path)})
    assert (m.head.weight == src.head.weight).all()
    info = model_info("toynet_a")
    assert info["family"] == "toy" and info["pretrained_tags"][0] == "ds2_x_3d"
    assert set(info["tags"]) == {"ds1_x_3d", "ds2_x_3d"}


def test_deprecated_names_warn(toy_family):
    motionzoo.register_model_deprecations({"old_toy": "toynet_b2"})
    with pytest.warns(DeprecationWarning, match="toynet_b2"):
        m = create_model("old_toy")
    assert m.pretrained_cfg.arch == "toynet_b2"


def test_cfg_json_roundtrip():
    from motionzoo import SourceFile
    cfg = PretrainedCfg(arch="a", tag="t", source_files=(SourceFile("f", ("http://x/f",), "ab" * 32),),
                        input_size=(100, 25, 3), classifier=("h1", "h2"), model_args={"topology": "sbu15"})
    back = PretrainedCfg.from_dict(__import__("json").loads(cfg.to_json()))
    assert back == cfg


def test_cfg_to_dict_is_strict_json():
    """One JSON rule (motionzoo._json) for cfgs, training logs and benchmark files: numpy numbers and NaN too."""
    import json
    import math

    import numpy as np
    cfg = PretrainedCfg(arch="a", published_metrics={"d": {"top1": np.float32(71.5), "top5": math.nan}},
                        num_params=np.int64(7))
    d = json.loads(json.dumps(cfg.to_dict(), allow_nan=False))
    assert d["published_metrics"] == {"d": {"top1": 71.5, "top5": None}} and d["num_params"] == 7


@pytest.mark.parametrize("old, new", [("drsr_rgb", "drsr"), ("drsr_depth", "drsr"), ("drsr_fusion", "drsr_capf"),
                                      ("nasbench201_best_cifar10", "nasbench201")])
def test_one_registered_name_per_architecture(old, new):
    """Duplicate names are gone from the registry; the old ones resolve to the kept one with a warning."""
    assert old not in list_models() and new in list_models()
    with pytest.warns(DeprecationWarning, match=f"'{old}' is deprecated; use '{new}'"):
        assert motionzoo.get_pretrained_cfg(old).arch == new
    with pytest.warns(DeprecationWarning), __import__("torch").device("meta"):
        assert create_model(old).pretrained_cfg.arch == new
