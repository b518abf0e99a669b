"""torchvision-style metadata checks for every registered arch: the cfg's promises against the real model,
the API every model must offer, and a model-card entry per arch."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
import torch

import motionzoo
from motionzoo._registry import get_arch_cfgs, get_model_family

CARDS = Path(__file__).resolve().parents[1] / "model_cards"
README = Path(__file__).resolve().parents[1] / "README.md"
ARCHS = motionzoo.list_models()


def test_registry_is_populated():
    assert len(ARCHS) >= 1


@pytest.mark.parametrize("arch", ARCHS)
def test_cfg_promises_match_the_model(arch):
    """The *registered* cfg (what the README and `motionzoo info` print) against the default build.  The built
    model's own cfg is rewritten to describe the model as built, so checking that one would prove nothing."""
    cfg = motionzoo.get_pretrained_cfg(arch, pretrained=False)
    model = motionzoo.create_model(arch)
    assert model.pretrained_cfg.arch == cfg.arch == arch
    n = sum(p.numel() for p in model.parameters())
    assert cfg.num_params == n, f"{arch}: registered cfg.num_params {cfg.num_params} != real count {n}"
    assert model.pretrained_cfg.num_params == n
    assert cfg.input_layout, f"{arch}: input_layout missing"
    assert cfg.paper, f"{arch}: paper missing"
    sd = model.state_dict()
    for prefix in cfg.classifier_prefixes:
        assert any(k == prefix or k.startswith(prefix + ".") for k in sd), f"{arch}: classifier {prefix!r} not in state dict"
    if cfg.first_conv:
        assert cfg.first_conv + ".weight" in sd, f"{arch}: first_conv {cfg.first_conv!r} not in state dict"
    if cfg.categories is not None:
        assert len(cfg.categories) == cfg.num_classes
    for method in ("forward_features", "forward_head", "get_classifier", "reset_classifier"):
        assert callable(getattr(model, method, None)), f"{arch}: {method} missing"


@pytest.mark.parametrize("arch", ARCHS)
def test_unknown_keywords_raise_naming_the_accepted_ones(arch):
    """No argument is silently dropped: checked before anything is built, so this is cheap for every arch."""
    with pytest.raises(TypeError, match=r"'bogus'.* accepts: .*\bnum_classes\b"):
        motionzoo.create_model(arch, bogus=1)
    with pytest.raises(TypeError, match="'bogus'"):
        motionzoo.create_model(arch, bogus=None)


@pytest.mark.parametrize("arch", [a for a in ARCHS if get_model_family(a) in ("two_stream_rnn", "lstm_baseline", "stgcn",
                                                                          "ctrgcn")])
def test_topology_keyword_and_its_deprecated_name(arch):
    """Skeleton models take `topology=`; `layout=` (its old name) still works, with a DeprecationWarning."""
    with torch.device("meta"):
        assert motionzoo.create_model(arch, topology="sbu15").pretrained_cfg.keypoint_format == "sbu15"
        with pytest.warns(DeprecationWarning, match="layout= is deprecated.*topology="):
            assert motionzoo.create_model(arch, layout="sbu15").pretrained_cfg.keypoint_format == "sbu15"
        with pytest.raises(TypeError, match="both topology= and"):
            motionzoo.create_model(arch, layout="sbu15", topology="ntu25")


def test_keywords_a_name_fixes_cannot_be_changed():
    with pytest.raises(TypeError, match="variant='hierarchical' conflicts"):
        motionzoo.create_model("temporal_rnn_stacked", variant="hierarchical")
    with pytest.raises(TypeError, match="sequence='chain' conflicts"):
        motionzoo.create_model("spatial_rnn_traversal", sequence="chain")


@pytest.mark.parametrize("arch", ARCHS)
def test_every_tag_is_backed_by_real_files(arch):
    for tag, cfg in get_arch_cfgs(arch).items():
        if not tag:
            continue
        assert cfg.has_weights, f"{arch}.{tag}: a tag must name real weights"
        for src in cfg.source_files:
            assert src.urls or src.hf_hub_id, f"{arch}.{tag}: {src.name} has no source"
        if cfg.file_name and not cfg.source_files:
            assert cfg.sha256 and re.fullmatch(r"[0-9a-f]{64}", cfg.sha256), f"{arch}.{tag}: sha256 must be pinned"
        if cfg.reproduced_metrics:
            for key, m in cfg.reproduced_metrics.items():
                assert "command" in m, f"{arch}.{tag}: measured {key} without the command that measured it"


@pytest.mark.parametrize("arch", ARCHS)
def test_every_arch_has_a_card_entry_and_readme_row(arch):
    family = get_model_family(arch)
    card = CARDS / f"{family}.md"
    assert card.exists(), f"no model card {card.name} for family {family}"
    assert f"`{arch}`" in card.read_text(), f"{card.name} has no entry for `{arch}`"
    assert f"`{arch}`" in README.read_text(), f"README model table has no row for `{arch}`"


@pytest.mark.parametrize("arch", ARCHS)
def test_reset_classifier_zero_gives_identity_head(arch):
    model = motionzoo.create_model(arch)
    model.reset_classifier(0)
    heads = model.get_classifier()
    heads = heads.values() if isinstance(heads, dict) else [heads]
    for h in heads:
        assert not any(isinstance(m, torch.nn.Linear) for m in h.modules()) or sum(
            p.numel() for p in h.parameters()) == 0, f"{arch}: reset_classifier(0) left a Linear head"


def test_readme_model_table_is_current():
    from motionzoo.cli import markdown_table
    text = README.read_text()
    table = text.split("<!-- models:begin -->")[1].split("<!-- models:end -->")[0].strip()
    assert table == markdown_table(ARCHS), \
        "README model table is stale: replace it with the output of `motionzoo list --markdown`"


def test_names_quoted_in_docs_are_registered():
    """Every `create_model("name...")` in the README and the model cards names a registered arch or tag."""
    docs = [README, *sorted(CARDS.glob("*.md"))]
    quoted = {(d.name, m) for d in docs for m in re.findall(r'create_model\(\s*"([^"]+)"', d.read_text())}
    assert quoted, "the docs should show create_model usage"
    stale = sorted((doc, name) for doc, name in quoted if not motionzoo.is_model(name))
    assert not stale, f"docs quote unregistered model names: {stale}"


# -- which weights are verified, said everywhere a user looks ------------------------------------------------------
UNVERIFIED = "unverified upstream file (trust on first use)"


def test_list_pretrained_says_which_tags_are_verified():
    tags = motionzoo.list_pretrained()
    verified, unverified = motionzoo.list_pretrained(verified=True), motionzoo.list_pretrained(verified=False)
    assert sorted(verified + unverified) == sorted(tags) and not set(verified) & set(unverified)
    assert "pose_lstm.hpc5_2d" in verified and "c3d.sports1m_caffe" in unverified
    for name in tags:
        cfg = motionzoo.get_pretrained_cfg(name)
        files = cfg.source_files or ()
        pinned = all(f.sha256 for f in files) if files else bool(cfg.sha256)
        assert cfg.weights_verified == pinned == (name in verified)
        assert cfg.weights_integrity == ("sha256 pinned" if pinned else UNVERIFIED)
        assert motionzoo.model_info(name)["weights_integrity"] == cfg.weights_integrity
        assert cfg.to_dict()["weights_integrity"] == cfg.weights_integrity


@pytest.mark.parametrize("name", motionzoo.list_pretrained(verified=False))
def test_unverified_weights_are_marked_in_card_and_readme(name):
    family = get_model_family(name.partition(".")[0])
    card = " ".join((CARDS / f"{family}.md").read_text().split())       # the phrase may wrap
    assert UNVERIFIED in card, f"{family}.md must mark {name} as {UNVERIFIED!r}"
    rows = [line for line in README.read_text().splitlines() if f"`{name}`" in line]
    assert any(UNVERIFIED in row for row in rows), f"README must mark {name} as {UNVERIFIED!r}"


def test_readme_weights_table_is_current_and_claims_are_true():
    from motionzoo.cli import weights_markdown_table
    text = README.read_text()
    table = text.split("<!-- weights:begin -->")[1].split("<!-- weights:end -->")[0].strip()
    assert table == weights_markdown_table(motionzoo.list_pretrained()), \
        "README weights table is stale: replace it with the output of `motionzoo list --pretrained --markdown`"
    assert "always sha256-verified" not in text and "Hosted weights are safetensors" not in text


def test_hashes_the_specs_state_are_pinned():
    """Every sha256 a spec states for a file a tag downloads is pinned in that tag's cfg (same file name)."""
    from conftest import need_shared
    specs = need_shared("specs")
    stated = {}
    for doc in sorted(specs.glob("*.md")):
        for name, sha in re.findall(r"^\| `([^`]+)` \|[^|\n]*\| `([0-9a-f]{64})` \|", doc.read_text(), flags=re.M):
            stated[name] = sha
    checked = 0
    for tag in motionzoo.list_pretrained():
        for f in motionzoo.get_pretrained_cfg(tag).source_files:
            if f.name in stated:
                assert f.sha256 == stated[f.name], f"{tag}: {f.name} must pin the spec's sha256 {stated[f.name]}"
                checked += 1
    assert checked >= 3
