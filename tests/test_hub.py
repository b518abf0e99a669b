"""The weights hub against a real HTTP server on 127.0.0.1: first download, cached reuse, hash mismatch,
offline mode, server errors, truncated bodies; and the builder's num_classes / in_chans / checkpoint paths."""
from __future__ import annotations

import hashlib
import http.server
import logging
import threading
from pathlib import Path

import pytest
import torch
from torch import nn

from motionzoo import (CorruptCheckpointError, OfflineCacheMiss, PretrainedCfg, SourceFile, WeightIntegrityError,
                       DownloadError, UnsafeCheckpointError)
from motionzoo._builder import adapt_input_conv, build_model_with_cfg
from motionzoo._hub import download_file, load_state_dict_file, save_state_dict, sha256_file


class _Handler(http.server.BaseHTTPRequestHandler):
    files: dict[str, bytes] = {}
    hits: dict[str, int] = {}
    truncate: set[str] = set()

    def do_GET(self):  # noqa: N802
        self.hits[self.path] = self.hits.get(self.path, 0) + 1
        if self.path == "/boom":
            self.send_error(500, "server exploded")
            return
        body = self.files.get(self.path)
        if body is None:
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body[: len(body) // 2] if self.path in self.truncate else body)

    def log_message(self, *args):
        pass


@pytest.fixture
def server():
    _Handler.files, _Handler.hits, _Handler.truncate = {}, {}, set()
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    t = threading.Thread(target=httpd.serve_forever, daemon=True)
    t.start()
    yield httpd, f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


class TinyNet(nn.Module):
    def __init__(self, num_classes=5, in_chans=3):
        super().__init__()
        self.stem = nn.Conv2d(in_chans, 4, 3)
        self.head = nn.Linear(4, num_classes)

    def forward_features(self, x):
        return self.stem(x).mean((2, 3))

    def forward_head(self, x, pre_logits=False):
        return x if pre_logits else self.head(x)

    def forward(self, x):
        return self.forward_head(self.forward_features(x))


def _weights(tmp_path: Path) -> tuple[bytes, str, dict]:
    torch.manual_seed(0)
    sd = TinyNet().state_dict()
    path = tmp_path / "tiny.safetensors"
    sha = save_state_dict(sd, path)
    return path.read_bytes(), sha, sd


def _cfg(url: str, sha: str | None, size: int | None = None) -> PretrainedCfg:
    return PretrainedCfg(arch="tiny", tag="test", file_name=f"tiny.test-{(sha or 'x')[:8]}.safetensors",
                         sha256=sha, file_size=size, urls=(url,), num_classes=5, in_chans=3,
                         classifier="head", first_conv="stem")


def test_first_download_then_cached(server, tmp_path):
    httpd, base = server
    body, sha, sd = _weights(tmp_path)
    _Handler.files["/w.safetensors"] = body
    cfg = _cfg(base + "/w.safetensors", sha, len(body))
    m = build_model_with_cfg(TinyNet, "tiny", pretrained=True, pretrained_cfg=cfg, progress=False)
    assert all(torch.equal(m.state_dict()[k], v) for k, v in sd.items())
    assert not m.training, "pretrained models come back in eval mode"
    build_model_with_cfg(TinyNet, "tiny", pretrained=True, pretrained_cfg=cfg, progress=False)
    assert _Handler.hits["/w.safetensors"] == 1, "second build must read the cache, not the network"
    assert m.pretrained_cfg is cfg


def test_hash_mismatch_leaves_nothing_in_cache(server, tmp_path):
    httpd, base = server
    body, sha, _ = _weights(tmp_path)
    _Handler.files["/w.safetensors"] = body
    wrong = hashlib.sha256(b"something else").hexdigest()
    dest = tmp_path / "cache" / "w.safetensors"
    with pytest.raises(WeightIntegrityError) as e:
        download_file(base + "/w.safetensors", dest, wrong, progress=False)
    assert wrong in str(e.value) and sha in str(e.value), "the message names expected and actual hash"
    assert list(dest.parent.iterdir()) == [], "no partial or mismatching file may remain"


def test_cached_file_tampered_is_detected(server, tmp_path):
    httpd, base = server
    body, sha, _ = _weights(tmp_path)
    dest = tmp_path / "c" / "w.safetensors"
    dest.parent.mkdir()
    dest.write_bytes(body[:-1] + bytes([body[-1] ^ 1]))
    with pytest.raises(WeightIntegrityError, match="sha256 mismatch"):
        download_file(base + "/w.safetensors", dest, sha, progress=False)


def test_offline_never_touches_network(server, tmp_path, monkeypatch):
    httpd, base = server
    body, sha, _ = _weights(tmp_path)
    _Handler.files["/w.safetensors"] = body
    monkeypatch.setenv("MOTIONZOO_OFFLINE", "1")
    with pytest.raises(OfflineCacheMiss) as e:
        build_model_with_cfg(TinyNet, "tiny", pretrained=True, pretrained_cfg=_cfg(base + "/w.safetensors", sha),
                             progress=False)
    assert sha in str(e.value) and "tiny.test-" in str(e.value)
    assert _Handler.hits == {}
    monkeypatch.delenv("MOTIONZOO_OFFLINE")
    build_model_with_cfg(TinyNet, "tiny", pretrained=True, pretrained_cfg=_cfg(base + "/w.safetensors", sha),
                         progress=False)
    monkeypatch.setenv("MOTIONZOO_OFFLINE", "1")  # now cached: offline works
    build_model_with_cfg(TinyNet, "tiny", pretrained=True, pretrained_cfg=_cfg(base + "/w.safetensors", sha),
                         progress=False)
    assert _Handler.hits["/w.safetensors"] == 1


def test_server_error_and_mirror_fallback(server, tmp_path):
    httpd, base = server
    body, sha, _ = _weights(tmp_path)
    _Handler.files["/w.safetensors"] = body
    with pytest.raises(DownloadError, match="500"):
        download_file(base + "/boom", tmp_path / "a.safetensors", sha, progress=False)
    assert not (tmp_path / "a.safetensors").exists()
    path = download_file([base + "/boom", base + "/missing", base + "/w.safetensors"], tmp_path / "b.safetensors",
                         sha, progress=False)
    assert sha256_file(path) == sha


def test_truncated_download_is_rejected(server, tmp_path):
    httpd, base = server
    body, sha, _ = _weights(tmp_path)
    _Handler.files["/t"] = body
    _Handler.truncate.add("/t")
    with pytest.raises(DownloadError):
        download_file(base + "/t", tmp_path / "t.safetensors", sha, progress=False)
    assert list(tmp_path.glob("t.safetensors*")) == []


def test_unpinned_hash_is_trusted_on_first_use_only(server, tmp_path, caplog):
    httpd, base = server
    body, sha, _ = _weights(tmp_path)
    _Handler.files["/w"] = body
    dest = tmp_path / "u" / "w.safetensors"
    with caplog.at_level(logging.WARNING):
        download_file(base + "/w", dest, None, progress=False)
    assert "trust on first use" in caplog.text
    assert (dest.parent / "w.safetensors.sha256").read_text().strip() == sha
    dest.write_bytes(body + b"x")  # a later, different file must be refused
    with pytest.raises(WeightIntegrityError):
        download_file(base + "/w", dest, None, progress=False)


def test_num_classes_override_reinitialises_only_the_head(server, tmp_path, caplog):
    httpd, base = server
    body, sha, sd = _weights(tmp_path)
    _Handler.files["/w"] = body
    with caplog.at_level(logging.INFO, logger="motionzoo"):
        m = build_model_with_cfg(TinyNet, "tiny", pretrained=True, pretrained_cfg=_cfg(base + "/w", sha),
                                 num_classes=9, progress=False)
    assert "classifier re-initialised" in caplog.text
    assert m.head.out_features == 9
    assert torch.equal(m.stem.weight, sd["stem.weight"])
    assert m.pretrained_cfg.num_classes == 9 and m.pretrained_cfg.categories is None
    assert m.pretrained_cfg.num_classes_overridden


def test_in_chans_adaptation_rules():
    w = torch.randn(8, 3, 3, 3, 3)
    assert torch.allclose(adapt_input_conv(w, 1), w.sum(1, keepdim=True))
    rgbd = adapt_input_conv(w, 4)
    assert torch.allclose(rgbd[:, :3], w * 0.75) and torch.allclose(rgbd[:, 3], w.mean(1) * 0.75)
    six = adapt_input_conv(w, 6)
    assert torch.allclose(six[:, 3:], w * 0.5)
    x = torch.rand(1, 1, 5, 6, 6).expand(1, 3, 5, 6, 6)  # grey RGB: the same response from the 4-channel kernel
    grey4 = torch.cat([x, x[:, :1]], 1)
    assert torch.allclose(torch.nn.functional.conv3d(x, w), torch.nn.functional.conv3d(grey4, rgbd), atol=1e-5)
    with pytest.raises(ValueError, match="no in_chans rule"):
        adapt_input_conv(torch.randn(8, 5, 3, 3), 2)


def test_in_chans_applied_when_loading(server, tmp_path):
    httpd, base = server
    body, sha, sd = _weights(tmp_path)
    _Handler.files["/w"] = body
    m = build_model_with_cfg(TinyNet, "tiny", pretrained=True, pretrained_cfg=_cfg(base + "/w", sha),
                             in_chans=1, progress=False)
    assert torch.allclose(m.stem.weight, sd["stem.weight"].sum(1, keepdim=True))
    assert m.pretrained_cfg.in_chans == 1


def test_checkpoint_path_and_strict_errors(tmp_path):
    sd = TinyNet().state_dict()
    good = tmp_path / "good.safetensors"
    save_state_dict(sd, good)
    cfg = PretrainedCfg(arch="tiny", num_classes=5, classifier="head")
    m = build_model_with_cfg(TinyNet, "tiny", pretrained_cfg=cfg, checkpoint_path=str(good))
    assert torch.equal(m.head.weight, sd["head.weight"])
    bad = tmp_path / "bad.safetensors"
    save_state_dict({**sd, "extra.weight": torch.zeros(1)}, bad)
    with pytest.raises(RuntimeError, match="unexpected.*extra.weight"):
        build_model_with_cfg(TinyNet, "tiny", pretrained_cfg=cfg, checkpoint_path=str(bad))


def test_legacy_pickles_only_with_weights_only(tmp_path):
    sd = TinyNet().state_dict()
    ok = tmp_path / "ok.pth"
    torch.save({"state_dict": {"module." + k: v for k, v in sd.items()}}, ok)
    loaded = load_state_dict_file(ok)
    assert set(loaded) == set(sd), "wrappers and module. prefixes are stripped"

    class Evil:
        def __reduce__(self):
            return (print, ("pwned",))

    evil = tmp_path / "evil.pth"
    torch.save({"model": sd, "extra": Evil()}, evil)
    with pytest.raises(UnsafeCheckpointError, match="allow_unsafe_pickle"):
        load_state_dict_file(evil)


def test_safetensors_carries_cfg(tmp_path):
    from motionzoo._builder import cfg_from_safetensors
    cfg = PretrainedCfg(arch="tiny", tag="x", num_classes=5, categories=("a", "b", "c", "d", "e"),
                        published_metrics={"d": {"top1": 1.0}})
    path = tmp_path / "w.safetensors"
    save_state_dict(TinyNet().state_dict(), path, cfg)
    assert cfg_from_safetensors(path) == cfg


def test_hash_mismatch_tries_the_next_mirror(server, tmp_path):
    httpd, base = server
    body, sha, _ = _weights(tmp_path)
    _Handler.files["/stale"] = body + b"stale"
    _Handler.files["/w.safetensors"] = body
    path = download_file([base + "/stale", base + "/w.safetensors"], tmp_path / "m" / "w.safetensors", sha,
                         progress=False)
    assert sha256_file(path) == sha and _Handler.hits == {"/stale": 1, "/w.safetensors": 1}
    dest = tmp_path / "n" / "w.safetensors"
    with pytest.raises(WeightIntegrityError, match="no mirror") as e:
        download_file([base + "/stale", base + "/boom"], dest, sha, progress=False)
    assert "/stale" in str(e.value) and "500" in str(e.value), "every mirror's failure is reported"
    assert not dest.exists()


def test_file_placed_in_the_cache_by_hand_is_hashed_and_recorded(server, tmp_path, caplog):
    """The offline-miss message tells users to copy the file into the cache: that copy is checked like a download."""
    httpd, base = server
    body, sha, _ = _weights(tmp_path)
    pinned = tmp_path / "p" / "w.safetensors"
    pinned.parent.mkdir()
    pinned.write_bytes(body)
    assert download_file(base + "/absent", pinned, sha, progress=False, offline=True) == pinned
    assert (pinned.parent / "w.safetensors.sha256").read_text().strip() == sha
    unpinned = tmp_path / "u" / "w.safetensors"
    unpinned.parent.mkdir()
    unpinned.write_bytes(body)
    with caplog.at_level(logging.WARNING):
        download_file(base + "/absent", unpinned, None, progress=False, offline=True)
    assert "trust on first use" in caplog.text
    assert (unpinned.parent / "w.safetensors.sha256").read_text().strip() == sha
    unpinned.write_bytes(body + b"x")     # replaced later: refused against the recorded hash
    with pytest.raises(WeightIntegrityError, match="sha256 mismatch"):
        download_file(base + "/absent", unpinned, None, progress=False, offline=True)
    assert _Handler.hits == {}


@pytest.mark.parametrize("damage", ["html", "truncated_zip", "truncated_legacy", "empty"])
def test_corrupt_checkpoint_is_not_called_unsafe(server, tmp_path, damage):
    """A damaged download (here served with a 200 by the server, no hash pinned) is reported as corrupt."""
    httpd, base = server
    sd = TinyNet().state_dict()
    good = tmp_path / "good.pth"
    torch.save(sd, good, _use_new_zipfile_serialization=damage != "truncated_legacy")
    raw = good.read_bytes()
    body = {"html": b"<html><body>502 Bad Gateway</body></html>", "truncated_zip": raw[: len(raw) // 2],
            "truncated_legacy": raw[:-64], "empty": b""}[damage]
    _Handler.files["/w.pth"] = body
    cfg = PretrainedCfg(arch="tiny", tag="x", num_classes=5, classifier="head",
                        source_files=(SourceFile("w.pth", urls=(base + "/w.pth",)),))
    with pytest.raises(CorruptCheckpointError, match="not a readable checkpoint") as e:
        build_model_with_cfg(TinyNet, "tiny", pretrained=True, pretrained_cfg=cfg, cache_dir=tmp_path / "cache",
                             progress=False)
    assert not isinstance(e.value, UnsafeCheckpointError) and "allow_unsafe_pickle" not in str(e.value)
