"""Shared test fixtures.  Real data and upstream fixtures are read from ../shared (never copied here);
tests that need them skip cleanly when it is absent."""
from __future__ import annotations

import os
from pathlib import Path

import pytest
import torch

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("MOTIONZOO_SHARED", REPO.parent / "shared")).resolve()
DATA = SHARED / "data"
REFERENCE = SHARED / "reference"

torch.set_num_threads(min(2, os.cpu_count() or 1))


@pytest.fixture(scope="module")
def one_thread():
    """One intra-op thread for a module: small-batch LSTMs and small convolutions gain nothing from threads, and
    on a busy 2-core machine two threads made them 2-50x slower.  Use with
    `pytestmark = pytest.mark.usefixtures("one_thread")`."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture(autouse=True)
def _isolated_cache(tmp_path_factory, monkeypatch):
    """Every test gets its own weights/data cache so nothing leaks between tests or into ~/.cache."""
    monkeypatch.setenv("MOTIONZOO_HOME", str(tmp_path_factory.mktemp("mzhome")))
    monkeypatch.delenv("MOTIONZOO_OFFLINE", raising=False)


def _need(path: Path) -> Path:
    if not path.exists():
        pytest.skip(f"{path} not present (../shared is optional)")
    return path


@pytest.fixture
def data_dir() -> Path:
    return _need(DATA)


@pytest.fixture
def reference_dir() -> Path:
    return _need(REFERENCE)


def need_shared(*parts: str) -> Path:
    """Path under ../shared, or skip the calling test."""
    return _need(SHARED.joinpath(*parts))


def cache_pose_lstm_weights(monkeypatch) -> None:
    """The released `pose_lstm.hpc5_2d` checkpoint (../shared, or skip) in this test's cache, read offline."""
    import shutil
    import motionzoo
    src = need_shared("data", "human_pose_classification_ckpt", "model")
    cache = motionzoo.get_cache_dir() / "upstream" / "pose_lstm.hpc5_2d"
    cache.mkdir(parents=True)
    for f in src.iterdir():
        shutil.copy(f, cache / f.name)
    monkeypatch.setenv("MOTIONZOO_OFFLINE", "1")


def param_count(model) -> int:
    return sum(p.numel() for p in model.parameters())


def meta_param_count(arch: str, **kwargs) -> tuple[int, int]:
    """(real parameter count, cfg.num_params) of `create_model(arch, **kwargs)` built on the meta device: shapes
    only, no memory, no init."""
    import motionzoo
    with torch.device("meta"):
        model = motionzoo.create_model(arch, **kwargs)
    return param_count(model), model.pretrained_cfg.num_params


def pytest_collection_modifyitems(config, items):
    """`slow` tests (pyproject's marker) run only when asked for: `-m slow`, or any -m expression naming it.  The
    default run stays within the suite's time budget; each skip says how to run the test."""
    if "slow" in (config.getoption("-m") or ""):
        return
    skip = pytest.mark.skip(reason="slow: run with -m slow")
    for item in items:
        if "slow" in item.keywords:
            item.add_marker(skip)


class BatchRecorder(torch.nn.Linear):
    """A linear classifier that records the size of every training batch it sees (in `self.seen`)."""

    def __init__(self, in_features: int, out_features: int):
        super().__init__(in_features, out_features)
        self.seen: list[int] = []

    def forward(self, x):
        if self.training:
            self.seen.append(len(x))
        return super().forward(x)
