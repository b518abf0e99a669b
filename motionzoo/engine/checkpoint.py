"""Crash-safe training checkpoints.

A checkpoint is a directory `<out_dir>/<name>/` (`name` = `last` or `best`) holding
- `model.safetensors`: the weights (written with `motionzoo._hub.save_state_dict`, loadable by `create_model(...,
  checkpoint_path=...)`),
- `state.pt`: optimiser, schedule position, RNG states of every rank, epoch, metrics history, recipe and the
  sha256 of `model.safetensors`, as plain types and tensors so `torch.load(weights_only=True)` reads it.

Publishing is atomic at the directory level: the new checkpoint is written completely into a temporary
directory, then `<name>` is renamed to `<name>.old`, the temporary directory to `<name>`, and `<name>.old` is
removed.  A crash at any point leaves either `<name>` or `<name>.old` complete, and `load_checkpoint` falls back
to `<name>.old` when `<name>` is missing or incomplete.  The recorded sha256 catches a mismatched pair.
"""
from __future__ import annotations

import os
import random
import shutil
from pathlib import Path
from typing import Any, Mapping

import numpy as np
import torch

from .._hub import save_state_dict, sha256_file

__all__ = ["save_checkpoint", "load_checkpoint", "publish_copy", "find_checkpoint", "get_rng_state",
           "set_rng_state", "CheckpointError", "MODEL_FILE", "STATE_FILE"]

MODEL_FILE = "model.safetensors"
STATE_FILE = "state.pt"
FORMAT = "motionzoo-train-state/1"


class CheckpointError(RuntimeError):
    pass


# -- RNG states as tensors and plain types (weights_only-loadable) ---------------------------------------------
def get_rng_state() -> dict[str, Any]:
    version, py_state, gauss = random.getstate()
    np_name, np_keys, np_pos, np_has_gauss, np_gauss = np.random.get_state()
    state = {
        "python": {"version": int(version), "state": torch.tensor(py_state, dtype=torch.int64), "gauss": gauss},
        "numpy": {"name": str(np_name), "keys": torch.from_numpy(np_keys.astype(np.int64)), "pos": int(np_pos),
                  "has_gauss": int(np_has_gauss), "cached_gaussian": float(np_gauss)},
        "torch": torch.get_rng_state(),
        "cuda": [s for s in torch.cuda.get_rng_state_all()] if torch.cuda.is_available() else [],
    }
    return state


def set_rng_state(state: Mapping[str, Any]) -> None:
    py = state["python"]
    random.setstate((py["version"], tuple(int(v) for v in py["state"].tolist()), py["gauss"]))
    npy = state["numpy"]
    np.random.set_state((npy["name"], npy["keys"].numpy().astype(np.uint32), npy["pos"], npy["has_gauss"],
                         npy["cached_gaussian"]))
    torch.set_rng_state(state["torch"])
    if state.get("cuda") and torch.cuda.is_available():
        if len(state["cuda"]) == torch.cuda.device_count():
            torch.cuda.set_rng_state_all(state["cuda"])
        else:
            torch.cuda.set_rng_state(state["cuda"][0])


# -- files -------------------------------------------------------------------------------------------------
def _fsync_file(path: Path) -> None:
    with open(path, "rb") as f:
        os.fsync(f.fileno())


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:  # directories cannot be opened on some platforms (Windows)
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _publish(tmp: Path, final: Path) -> None:
    old = final.with_name(final.name + ".old")
    if old.exists() and _complete(final):
        shutil.rmtree(old)
    if final.exists():
        if old.exists():  # `final` is incomplete and `old` is the good one: drop `final`
            shutil.rmtree(final)
        else:
            os.replace(final, old)
    os.replace(tmp, final)
    _fsync_dir(final.parent)
    if old.exists():
        shutil.rmtree(old)


def _complete(d: Path) -> bool:
    return (d / MODEL_FILE).is_file() and (d / STATE_FILE).is_file()


def _tmp_dir(out_dir: Path, name: str) -> Path:
    tmp = out_dir / f".{name}.tmp-{os.getpid()}"
    if tmp.exists():
        shutil.rmtree(tmp)
    tmp.mkdir(parents=True)
    return tmp


def save_checkpoint(out_dir: str | os.PathLike, name: str, model_state: Mapping[str, torch.Tensor],
                    state: Mapping[str, Any], metadata: Mapping[str, str] | None = None) -> Path:
    """Write `<out_dir>/<name>/` atomically; returns its path."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    tmp = _tmp_dir(out_dir, name)
    try:
        sha = save_state_dict(model_state, tmp / MODEL_FILE, metadata=metadata)
        _fsync_file(tmp / MODEL_FILE)
        torch.save({"format": FORMAT, **state, "model_sha256": sha}, tmp / STATE_FILE)
        _fsync_file(tmp / STATE_FILE)
        _fsync_dir(tmp)
        _publish(tmp, out_dir / name)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    return out_dir / name


def publish_copy(out_dir: str | os.PathLike, src: str, dst: str) -> Path:
    """Atomically make `<out_dir>/<dst>` a copy of `<out_dir>/<src>` (e.g. `best` from `last`).  Hard links are
    enough because checkpoint files are only ever replaced, never modified in place."""
    out_dir = Path(out_dir)
    src_dir = find_checkpoint(out_dir, src)
    tmp = _tmp_dir(out_dir, dst)
    try:
        for fname in (MODEL_FILE, STATE_FILE):
            try:
                os.link(src_dir / fname, tmp / fname)
            except OSError:
                shutil.copyfile(src_dir / fname, tmp / fname)
                _fsync_file(tmp / fname)
        _publish(tmp, out_dir / dst)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    return out_dir / dst


def find_checkpoint(out_dir: str | os.PathLike, name: str = "last") -> Path:
    """The directory holding the newest complete `<name>` checkpoint (`<name>` or its `.old` fallback)."""
    out_dir = Path(out_dir)
    for cand in (out_dir / name, out_dir / f"{name}.old"):
        if _complete(cand):
            return cand
    raise FileNotFoundError(f"no complete checkpoint {name!r} in {out_dir} (looked for {name}/ and {name}.old/ "
                            f"containing {MODEL_FILE} and {STATE_FILE})")


def load_checkpoint(out_dir: str | os.PathLike, name: str = "last") -> tuple[dict[str, torch.Tensor], dict[str, Any]]:
    """(model state dict, training state) of the newest complete `<name>` checkpoint.  Falls back to
    `<name>.old` when the newest copy is unreadable or its weights do not match the recorded sha256."""
    from safetensors.torch import load_file

    out_dir = Path(out_dir)
    errors = []
    for cand in (out_dir / name, out_dir / f"{name}.old"):
        if not _complete(cand):
            continue
        try:
            state = torch.load(cand / STATE_FILE, map_location="cpu", weights_only=True)
            if state.get("format") != FORMAT:
                raise CheckpointError(f"{cand / STATE_FILE}: unknown format {state.get('format')!r}")
            actual = sha256_file(cand / MODEL_FILE)
            if actual != state["model_sha256"]:
                raise CheckpointError(f"{cand / MODEL_FILE}: sha256 {actual} differs from the one recorded in "
                                      f"{STATE_FILE} ({state['model_sha256']})")
            return load_file(str(cand / MODEL_FILE)), state
        except Exception as e:  # try the fallback, report both if neither works
            errors.append(f"{cand}: {type(e).__name__}: {e}")
    if not errors:
        raise FileNotFoundError(f"no checkpoint {name!r} in {out_dir}")
    raise CheckpointError(f"no readable checkpoint {name!r} in {out_dir}:\n  " + "\n  ".join(errors))
