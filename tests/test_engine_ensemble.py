"""Late fusion of stream scores (`motionzoo.engine.ensemble_scores`): the CTR-GCN weights, inputs, errors."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from motionzoo.engine import CTRGCN_STREAM_WEIGHTS, ensemble_scores


def _scores(seed: int, n: int = 6, k: int = 4) -> np.ndarray:
    return np.random.default_rng(seed).normal(0, 2, (n, k))


def test_ctrgcn_preset_is_the_official_weighted_sum():
    streams = {name: _scores(i) for i, name in enumerate(("joint", "bone", "joint_motion", "bone_motion"))}
    fused = ensemble_scores(streams, "ctrgcn")
    expected = 0.6 * streams["joint"] + 0.6 * streams["bone"] + 0.4 * streams["joint_motion"] + 0.4 * streams["bone_motion"]
    np.testing.assert_allclose(fused, expected)
    assert isinstance(fused, np.ndarray) and fused.dtype == np.float64
    # two streams: the official rule is joint + alpha * bone (alpha = 1), which ranks like 0.6 / 0.6
    two = ensemble_scores({"joint": streams["joint"], "bone": streams["bone"]}, "ctrgcn")
    np.testing.assert_array_equal(two.argmax(-1), (streams["joint"] + streams["bone"]).argmax(-1))
    assert CTRGCN_STREAM_WEIGHTS == {"joint": 0.6, "bone": 0.6, "joint_motion": 0.4, "bone_motion": 0.4}


def test_fusion_changes_the_decision():
    # stream a prefers class 0, stream b class 1; the weights decide
    a, b = np.array([[2.0, 0.0]]), np.array([[0.0, 3.0]])
    assert ensemble_scores([a, b], [1.0, 0.5]).argmax() == 0
    assert ensemble_scores([a, b], [1.0, 1.0]).argmax() == 1
    assert ensemble_scores([a, b]).tolist() == [[2.0, 3.0]]


def test_normalize_and_tensor_inputs():
    a, b = torch.tensor(_scores(0)), _scores(1)
    fused = ensemble_scores([a, b], [0.5, 2.0], normalize="softmax")
    assert isinstance(fused, torch.Tensor)
    expected = 0.5 * a.softmax(-1) + 2.0 * torch.tensor(b).softmax(-1)
    torch.testing.assert_close(fused, expected.double())
    torch.testing.assert_close(ensemble_scores([a], normalize="log_softmax"), a.double().log_softmax(-1))


def test_errors_name_the_problem():
    a = _scores(0)
    with pytest.raises(ValueError, match=r"scores\[1\] has shape \(6, 3\)"):
        ensemble_scores([a, _scores(1, k=3)])
    with pytest.raises(ValueError, match="2 weights for 3"):
        ensemble_scores([a, a, a], [1, 1])
    with pytest.raises(ValueError, match=r"no weight for stream\(s\) \['angle'\]"):
        ensemble_scores({"joint": a, "angle": a}, "ctrgcn")
    with pytest.raises(ValueError, match="by stream name"):
        ensemble_scores([a, a], {"joint": 1.0, "bone": 1.0})
    with pytest.raises(ValueError, match="NaN"):
        ensemble_scores([np.full((2, 2), np.nan)])
    with pytest.raises(ValueError, match=r"\(N, K\)"):
        ensemble_scores([np.zeros(3)])
    with pytest.raises(ValueError, match="preset"):
        ensemble_scores([a], "pyskl")
    with pytest.raises(ValueError, match="normalize"):
        ensemble_scores([a], normalize="sigmoid")
    with pytest.raises(ValueError, match="no scores"):
        ensemble_scores([])
