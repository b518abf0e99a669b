"""Weights hub: cache directory, verified downloads, safe checkpoint loading.

Guarantees:
- a file only ever appears in the cache under its final name after its full sha256 was checked
  (download to `<name>.part-<pid>`, hash while streaming, `os.replace` on success, delete on failure);
  a mirror that serves a different file is skipped and the next one tried;
- a file found in the cache (also one copied there by hand) is hashed against the cfg's sha256 before first use;
  the hash accepted for it is recorded beside it (`<name>.sha256`), which is what later uses check when the cfg
  pins none (trust on first use, logged);
- `MOTIONZOO_OFFLINE=1` (or `offline=True`) never opens a socket; a miss raises `OfflineCacheMiss`
  naming the file, its sha256 and the exact path it is expected at;
- safetensors is read directly; pickles are never allowed to run code: torch files through
  `torch.load(weights_only=True)`, plain pickles (numpy-array dicts, pyskl annotation files) through
  `safe_pickle_load`, which admits only plain containers and numpy arrays.  A readable pickle that needs more
  raises `UnsafeCheckpointError` naming what it refused (unless the caller passes `allow_unsafe_pickle=True`); a
  damaged file (truncated, not a checkpoint at all) raises `CorruptCheckpointError`.
"""
from __future__ import annotations

import hashlib
import importlib
import io
import json
import logging
import os
import pickle
import pickletools
import sys
import tempfile
import urllib.error
import urllib.request
import zipfile
from pathlib import Path
from typing import Iterable, Mapping

import torch

from ._pretrained import PretrainedCfg, SourceFile

__all__ = [
    "get_cache_dir", "is_offline", "download_file", "fetch_source_file", "sha256_file",
    "load_state_dict_file", "load_pickle_checkpoint", "save_state_dict", "unwrap_state_dict", "safe_pickle_load",
    "WeightIntegrityError", "CorruptCheckpointError", "OfflineCacheMiss", "UnsafeCheckpointError",
    "UnsafePickleError", "DownloadError",
]

_logger = logging.getLogger(__name__)
_CHUNK = 1 << 20


class WeightIntegrityError(RuntimeError):
    pass


class CorruptCheckpointError(WeightIntegrityError):
    """The file is not a readable checkpoint (truncated, damaged, or something else such as an HTML page)."""


class OfflineCacheMiss(FileNotFoundError):
    pass


class UnsafeCheckpointError(RuntimeError):
    pass


class UnsafePickleError(UnsafeCheckpointError):
    """A pickle asked for a Python object outside the plain-data allowlist (`.refused` = "module.name")."""

    def __init__(self, message: str, refused: str | None = None):
        super().__init__(message)
        self.refused = refused


class DownloadError(RuntimeError):
    pass


def get_cache_dir(cache_dir: str | os.PathLike | None = None) -> Path:
    """`cache_dir` > `$MOTIONZOO_HOME` > `$TORCH_HOME/motionzoo` > `~/.cache/motionzoo`."""
    if cache_dir is not None:
        return Path(cache_dir).expanduser()
    if os.environ.get("MOTIONZOO_HOME"):
        return Path(os.environ["MOTIONZOO_HOME"]).expanduser()
    if os.environ.get("TORCH_HOME"):
        return Path(os.environ["TORCH_HOME"]).expanduser() / "motionzoo"
    return Path("~/.cache/motionzoo").expanduser()


def is_offline(offline: bool | None = None) -> bool:
    if offline is not None:
        return offline
    return os.environ.get("MOTIONZOO_OFFLINE", "").strip().lower() in {"1", "true", "yes", "on"}


def sha256_file(path: str | os.PathLike) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(_CHUNK), b""):
            h.update(chunk)
    return h.hexdigest()


# -- verification memo: a cached file is fully re-hashed once per process, and again if it changes ------
_verified: dict[str, tuple[int, float]] = {}


def _verify_cached(path: Path, sha256: str | None, size: int | None, source: str) -> None:
    st = path.stat()
    if size is not None and st.st_size != size:
        raise WeightIntegrityError(
            f"{path}: size {st.st_size} bytes, expected {size} (truncated or wrong file; source {source}). "
            f"Delete the file and retry, or pass checkpoint_path=.")
    key = str(path)
    if _verified.get(key) == (st.st_size, st.st_mtime):
        return
    if sha256 is not None:
        actual = sha256_file(path)
        if actual != sha256:
            raise WeightIntegrityError(
                f"{path}: sha256 mismatch\n  expected {sha256}\n  actual   {actual}\n  source   {source}\n"
                f"  size     {st.st_size} bytes\nDelete the file and retry, try another mirror, or pass checkpoint_path=.")
    _verified[key] = (st.st_size, st.st_mtime)


def _tofu_record(path: Path) -> Path:
    return path.with_name(path.name + ".sha256")


def download_file(
    urls: str | Iterable[str],
    dest: str | os.PathLike,
    sha256: str | None,
    size: int | None = None,
    progress: bool = True,
    offline: bool | None = None,
    timeout: float = 60.0,
) -> Path:
    """Return `dest`, downloading it from the first working mirror if it is not cached.

    With `sha256=None` (a hash upstream never published), the first download's hash is recorded beside
    the file (`<file>.sha256`) and every later use must match it: trust on first use, loudly logged.
    """
    dest = Path(dest)
    url_list = [urls] if isinstance(urls, str) else list(urls)
    record = _tofu_record(dest)
    pinned = sha256
    if pinned is None and record.exists():
        pinned = record.read_text().strip()
    if dest.exists():
        source = url_list[0] if url_list else "cache"
        _verify_cached(dest, pinned, size, source)
        if pinned is None:  # e.g. copied into the cache by hand: its hash is what later uses must match
            actual = sha256_file(dest)
            _logger.warning("%s: found in the cache, no sha256 pinned upstream; accepted and recorded %s "
                            "(trust on first use)", dest, actual)
            record.write_text(actual + "\n")
        elif not record.exists():
            record.write_text(pinned + "\n")
        return dest
    if is_offline(offline):
        raise OfflineCacheMiss(
            f"MOTIONZOO_OFFLINE is set and {dest.name} is not cached.\n  expected at {dest}\n"
            f"  sha256 {sha256 or 'not pinned'}\n  urls {url_list}\n"
            f"Copy the file there (e.g. from `motionzoo download` on a connected machine) or pass checkpoint_path=.")
    if not url_list:
        raise DownloadError(f"{dest.name}: no download URL is known and the file is not at {dest}")
    dest.parent.mkdir(parents=True, exist_ok=True)
    errors, mismatches = [], []
    part = dest.with_name(f"{dest.name}.part-{os.getpid()}")
    for url in url_list:
        try:
            actual = _stream(url, part, progress, timeout)
            _finish_download(part, dest, sha256, actual, url)
        except WeightIntegrityError as e:   # this mirror serves another file: try the next one
            mismatches.append(str(e))
            _logger.warning("%s", e)
            continue
        except (urllib.error.URLError, OSError, DownloadError) as e:
            errors.append(f"{url}: {e}")
            _logger.warning("download of %s failed: %s", url, e)
            continue
        finally:
            part.unlink(missing_ok=True)
        if sha256 is None:
            _logger.warning("%s: upstream publishes no sha256; recorded %s on first download (trust on first use)",
                            dest.name, actual)
        record.write_text(actual + "\n")
        return dest
    if mismatches:
        raise WeightIntegrityError(
            f"no mirror of {dest.name} served the file with the expected sha256 ({len(url_list)} tried):\n"
            + "\n".join(mismatches + errors) + f"\nNothing was written to {dest}; pass checkpoint_path= to use "
            "a file you trust.")
    raise DownloadError(f"could not download {dest.name}:\n  " + "\n  ".join(errors))


def _stream(url: str, part: Path, progress: bool, timeout: float) -> str:
    """Stream `url` into `part`, returning its sha256; raise on HTTP errors and truncation."""
    from tqdm.auto import tqdm

    h = hashlib.sha256()
    req = urllib.request.Request(url, headers={"User-Agent": "motionzoo"})
    with urllib.request.urlopen(req, timeout=timeout) as resp, open(part, "wb") as out:
        total = resp.headers.get("Content-Length")
        total = int(total) if total is not None else None
        n = 0
        with tqdm(total=total, unit="B", unit_scale=True, desc=part.name.split(".part-")[0],
                  disable=not progress, file=sys.stderr, leave=False) as bar:
            while chunk := resp.read(_CHUNK):
                out.write(chunk)
                h.update(chunk)
                n += len(chunk)
                bar.update(len(chunk))
    if total is not None and n != total:
        raise DownloadError(f"truncated download: got {n} of {total} bytes")
    return h.hexdigest()


def _finish_download(part: Path, dest: Path, expected: str | None, actual: str, url: str) -> None:
    if expected is not None and actual != expected:
        size = part.stat().st_size
        raise WeightIntegrityError(
            f"{dest.name}: sha256 mismatch for the download from {url}\n  expected {expected}\n  actual   {actual}\n"
            f"  size     {size} bytes")
    os.replace(part, dest)


def fetch_source_file(src: SourceFile, subdir: str, cache_dir=None, progress=True, offline=None) -> Path:
    """Local path of one `SourceFile`, from the cache or downloaded (hf-hub ids through huggingface_hub)."""
    if src.hf_hub_id and not src.urls:
        if is_offline(offline):
            os.environ.setdefault("HF_HUB_OFFLINE", "1")
        try:
            from huggingface_hub import hf_hub_download
        except ImportError as e:  # optional extra
            raise ImportError("hf-hub weights need `pip install motionzoo[hf]` (huggingface_hub)") from e
        path = Path(hf_hub_download(src.hf_hub_id, src.name, cache_dir=str(get_cache_dir(cache_dir) / "hf")))
        _verify_cached(path, src.sha256, src.size, f"hf-hub:{src.hf_hub_id}")
        return path
    dest = get_cache_dir(cache_dir) / subdir / src.name
    return download_file(src.urls, dest, src.sha256, src.size, progress=progress, offline=offline)


# -- plain pickles without code execution ----------------------------------------------------------------------
def _latin1_encode(text, encoding="latin1"):
    """`_codecs.encode` as protocol-2 pickles use it for bytes (numpy array buffers): latin-1 only."""
    if encoding not in ("latin1", "latin-1", "iso-8859-1", "iso8859-1"):
        raise UnsafePickleError(f"_codecs.encode with encoding {encoding!r} is not allowed (only latin1)",
                                "_codecs.encode")
    return text.encode("latin1")


# module -> names a plain-data pickle may reference: containers that protocols 0-5 pickle as globals, and
# what numpy needs to rebuild arrays, dtypes and scalars (the array payload is bytes, or a list of further
# plain objects for object arrays, which go through this same allowlist)
_SAFE_GLOBALS = {
    "builtins": {"set", "frozenset", "slice", "complex", "bytearray"},
    "__builtin__": {"set", "frozenset", "slice", "complex", "bytearray"},   # protocol 2 written by Python 2
    "collections": {"OrderedDict"},
    "numpy": {"ndarray", "dtype"},
    "numpy.core.multiarray": {"_reconstruct", "scalar"},     # numpy 1.x names
    "numpy._core.multiarray": {"_reconstruct", "scalar"},    # numpy 2.x names
    "numpy.core.numeric": {"_frombuffer"},                   # protocol 5 arrays
    "numpy._core.numeric": {"_frombuffer"},
    "_codecs": {"encode"},
}


class _PlainDataUnpickler(pickle.Unpickler):
    def __init__(self, file, source: str):
        super().__init__(file, encoding="latin1")   # Python-2 pickles (old numpy) keep their byte strings
        self._source = source

    def find_class(self, module: str, name: str):
        if name not in _SAFE_GLOBALS.get(module, ()):
            raise UnsafePickleError(
                f"{self._source}: refused to load the global {module}.{name} -- this pickle contains a Python object "
                "other than plain containers and numpy arrays, and unpickling it could run code. Nothing was "
                "executed. If you trust its source, load it yourself with pickle and save the data in a plain "
                "format.", f"{module}.{name}")
        if module == "_codecs":
            return _latin1_encode
        if module == "__builtin__":
            module = "builtins"
        if module.startswith("numpy.core."):   # numpy 1.x name; numpy 2 keeps it only as a deprecated alias
            try:
                importlib.import_module("numpy._core")
                module = "numpy._core." + module[len("numpy.core."):]
            except ImportError:
                pass
        return getattr(importlib.import_module(module), name)

    def persistent_load(self, pid):
        raise UnsafePickleError(f"{self._source}: refused a persistent id ({pid!r}); plain-data pickles have none",
                                "persistent_load")


def safe_pickle_load(source: str | os.PathLike | bytes | io.IOBase):
    """Unpickle a file (path, bytes or binary file object) that holds only plain data: None, bools, numbers,
    strings, bytes, lists, tuples, dicts, sets, OrderedDicts and numpy arrays / dtypes / scalars.  Any other
    global raises `UnsafePickleError` naming it, before anything is called."""
    if isinstance(source, (bytes, bytearray)):
        return _PlainDataUnpickler(io.BytesIO(source), "<bytes>").load()
    if isinstance(source, (str, os.PathLike)):
        with open(source, "rb") as f:
            return _PlainDataUnpickler(f, str(source)).load()
    return _PlainDataUnpickler(source, getattr(source, "name", "<file>")).load()


def _load_without_code(path: Path):
    """torch files through torch.load(weights_only=True), plain pickles through safe_pickle_load."""
    if zipfile.is_zipfile(path):
        return torch.load(str(path), map_location="cpu", weights_only=True)
    with open(path, "rb") as f:
        first = safe_pickle_load(f)
    if isinstance(first, int) and first == _TORCH_LEGACY_MAGIC:
        return torch.load(str(path), map_location="cpu", weights_only=True)
    return _arrays_to_tensors(first)


# -- loading -----------------------------------------------------------------------------------------------
def unwrap_state_dict(obj) -> dict[str, torch.Tensor]:
    """Strip the usual checkpoint wrappers (`model`, `state_dict`, `model_state`) and `module.` prefixes."""
    for key in ("state_dict", "model_state", "model"):
        if isinstance(obj, Mapping) and key in obj and isinstance(obj[key], Mapping):
            obj = obj[key]
            break
    if not isinstance(obj, Mapping):
        raise TypeError(f"expected a state dict, got {type(obj).__name__}")
    sd = dict(obj)
    for prefix in ("module.", "model."):
        if sd and all(k.startswith(prefix) for k in sd):
            sd = {k[len(prefix):]: v for k, v in sd.items()}
    return sd


_TORCH_LEGACY_MAGIC = 0x1950A86A20F9469CFC6C   # first pickle of torch's pre-zip format


def _pickle_damage(path: Path) -> str | None:
    """Why `path` is not a well-formed pickle / torch checkpoint, or None when it is.  Reads the pickle opcodes
    without executing anything (pickletools), so it tells a damaged file from one with disallowed content."""
    try:
        with open(path, "rb") as f:
            head = f.read(4)
        if head == b"PK\x03\x04":                     # torch's zip format: the object pickle is <dir>/data.pkl
            with zipfile.ZipFile(path) as z:
                names = [n for n in z.namelist() if n.endswith("/data.pkl") or n == "data.pkl"]
                if not names:
                    return "a zip archive without data.pkl"
                streams = [z.read(names[0])]
        else:
            streams = [None]
        if streams[0] is not None:
            for _ in pickletools.genops(streams[0]):
                pass
            return None
        with open(path, "rb") as f:
            count, legacy = 0, False
            while count < (5 if legacy else 1):   # legacy: magic, protocol, sys info, object, storage keys
                for op, arg, _ in pickletools.genops(f):
                    legacy = legacy or (count == 0 and arg == _TORCH_LEGACY_MAGIC)
                count += 1
        return None
    except (zipfile.BadZipFile, ValueError, EOFError, pickle.UnpicklingError, OSError, KeyError) as e:
        return f"{type(e).__name__}: {e}" if str(e) else type(e).__name__


def load_pickle_checkpoint(path: str | os.PathLike, allow_unsafe_pickle: bool = False):
    """A legacy `.pt/.pth/.pth.tar/.pickle/.pkl` checkpoint object: torch files through
    `torch.load(weights_only=True)`, other pickles through `safe_pickle_load` (numpy arrays come back as tensors).
    A file that needs full unpickling (which can run code) raises `UnsafeCheckpointError` unless explicitly allowed;
    a file that is not a readable checkpoint at all raises `CorruptCheckpointError`."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"checkpoint not found: {path}")

    def corrupt(why: str, cause: Exception) -> CorruptCheckpointError:
        return CorruptCheckpointError(
            f"{path}: not a readable checkpoint ({why}); the file is truncated, damaged or not a checkpoint "
            f"(e.g. an HTML error page), {path.stat().st_size} bytes. Delete it and download again, or pass "
            "checkpoint_path= to a good copy.")

    try:
        return _load_without_code(path)
    except UnsafePickleError:             # a plain pickle asking for a global outside the allowlist (named)
        if not allow_unsafe_pickle:
            raise
    except pickle.UnpicklingError as e:   # refused content or a damaged pickle: look at the opcodes to tell which
        damage = _pickle_damage(path)
        if damage is not None:
            raise corrupt(damage, e) from e
        if not allow_unsafe_pickle:
            raise UnsafeCheckpointError(
                f"{path}: cannot be read without running pickle code (torch.load(weights_only=True) for torch "
                f"files, the plain-data allowlist for other pickles): {type(e).__name__}: {e}. "
                "It may contain arbitrary Python objects; unpickling it can run code. If you trust its source, "
                "pass allow_unsafe_pickle=True.") from e
    except Exception as e:                 # zip, EOF and storage errors: the file itself is damaged
        raise corrupt(f"{type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}", e) from e
    _logger.warning("%s: loading with full unpickling (allow_unsafe_pickle=True)", path)
    return torch.load(str(path), map_location="cpu", weights_only=False)


def _arrays_to_tensors(obj):
    import numpy as np
    if isinstance(obj, np.ndarray) and obj.dtype != object:
        return torch.from_numpy(np.ascontiguousarray(obj))
    if isinstance(obj, dict):
        return type(obj)((k, _arrays_to_tensors(v)) for k, v in obj.items())
    if isinstance(obj, (list, tuple)):
        return type(obj)(_arrays_to_tensors(v) for v in obj)
    return obj


def load_state_dict_file(path: str | os.PathLike, allow_unsafe_pickle: bool = False) -> dict[str, torch.Tensor]:
    """Read a weights file: safetensors directly, a directory as `model.safetensors` inside it, and legacy
    pickles through `load_pickle_checkpoint` (wrappers such as `state_dict` and `module.` prefixes removed)."""
    path = Path(path)
    if path.is_dir():
        path = path / "model.safetensors"
    if not path.exists():
        raise FileNotFoundError(f"weights file not found: {path}")
    if path.suffix == ".safetensors":
        from safetensors.torch import load_file
        try:
            return load_file(str(path))
        except Exception as e:
            raise CorruptCheckpointError(f"{path}: not a readable safetensors file ({e})") from e
    return unwrap_state_dict(load_pickle_checkpoint(path, allow_unsafe_pickle))


def read_safetensors_metadata(path: str | os.PathLike) -> dict[str, str]:
    from safetensors import safe_open
    with safe_open(str(path), framework="pt") as f:
        return dict(f.metadata() or {})


def save_state_dict(state_dict: Mapping[str, torch.Tensor], path: str | os.PathLike,
                    cfg: PretrainedCfg | None = None, metadata: Mapping[str, str] | None = None) -> str:
    """Write safetensors atomically, with the cfg as JSON in the header; returns the file's sha256."""
    from safetensors.torch import save_file
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    meta = {"format": "pt", **(metadata or {})}
    if cfg is not None:
        meta["motionzoo.pretrained_cfg"] = cfg.to_json()
    tensors = {k: v.detach().contiguous().cpu() for k, v in state_dict.items()}
    fd, tmp = tempfile.mkstemp(prefix=path.name + ".", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        save_file(tensors, tmp, metadata=meta)
        os.chmod(tmp, 0o644)  # mkstemp creates owner-only files; weights are meant to be shared
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return sha256_file(path)


def write_json_atomic(obj, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + f".part-{os.getpid()}")
    tmp.write_text(json.dumps(obj, indent=2, sort_keys=True) + "\n")
    os.replace(tmp, path)
