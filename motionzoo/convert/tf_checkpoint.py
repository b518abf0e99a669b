"""A small reader of TensorFlow "V2" checkpoints (tensor bundles) that needs no TensorFlow.

A checkpoint with prefix ``P`` is ``P.index`` plus ``P.data-<shard>-of-<num_shards>``:

- ``P.index`` is a LevelDB-style sorted string table.  Its last 48 bytes are the footer: two block handles
  (metaindex, index; each two varints ``offset, size``), zero padding, and the 8-byte magic
  ``0xdb4775248b80fb57``.  The index block lists, per data block, a separator key and the block's handle.
  Every block is followed by a 5-byte trailer: compression type (TF writes bundles uncompressed) and the
  masked CRC-32C of block + type byte.  Block entries share key prefixes with their predecessor:
  ``varint shared, varint non_shared, varint value_len, key[shared:], value``; the block ends with an array
  of uint32 restart offsets and their count.
- Table entries map variable names to serialized ``BundleEntryProto`` messages (dtype, shape, shard_id,
  offset, size, masked CRC-32C of the bytes); the empty key holds the ``BundleHeaderProto`` (num_shards,
  endianness, version).
- ``P.data-*`` shards hold the raw tensor bytes at those offsets.

Everything read is checked: footer magic, block CRCs, entry bounds, tensor sizes against dtype x shape, and
each tensor's CRC-32C.  Any mismatch raises `TFCheckpointError` naming the file and the field.

    ckpt = TFCheckpoint("path/to/model")          # a directory with a `checkpoint` file, a prefix, or P.index
    ckpt.entries["rnn/basic_lstm_cell/kernel"]    # TensorEntry(dtype='float32', shape=(132, 256), ...)
    arrays = ckpt.read_all()                      # {name: numpy array}
"""
from __future__ import annotations

import re
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import numpy as np

__all__ = ["TFCheckpoint", "TensorEntry", "TFCheckpointError", "resolve_checkpoint_prefix", "crc32c"]

_TABLE_MAGIC = 0xDB4775248B80FB57
_FOOTER_LEN = 48
_BLOCK_TRAILER_LEN = 5

# tensorflow/core/framework/types.proto DataType -> numpy dtype (the numeric types a bundle stores raw).
_DTYPES = {
    1: "float32", 2: "float64", 3: "int32", 4: "uint8", 5: "int16", 6: "int8", 9: "int64", 10: "bool",
    17: "uint16", 19: "float16", 22: "uint32", 23: "uint64",
}


class TFCheckpointError(ValueError):
    """A TF checkpoint file is malformed, truncated, corrupted, or uses a feature this reader does not handle."""


# -- CRC-32C (Castagnoli), as used by LevelDB tables and TF bundles ----------------------------------------
def _make_crc_table() -> tuple[int, ...]:
    table = []
    for n in range(256):
        c = n
        for _ in range(8):
            c = (c >> 1) ^ 0x82F63B78 if c & 1 else c >> 1
        table.append(c)
    return tuple(table)


_CRC_TABLE = _make_crc_table()


def crc32c(data: bytes) -> int:
    crc = 0xFFFFFFFF
    table = _CRC_TABLE
    for b in data:
        crc = table[(crc ^ b) & 0xFF] ^ (crc >> 8)
    return crc ^ 0xFFFFFFFF


def _unmask_crc(masked: int) -> int:
    # LevelDB stores CRCs "masked" so that CRCs of data containing CRCs stay well distributed.
    rot = (masked - 0xA282EAD8) & 0xFFFFFFFF
    return ((rot >> 17) | (rot << 15)) & 0xFFFFFFFF


# -- protobuf wire format (only what the bundle messages use) --------------------------------------------
def _varint(buf: bytes, pos: int, where: str) -> tuple[int, int]:
    result, shift = 0, 0
    while True:
        if pos >= len(buf):
            raise TFCheckpointError(f"{where}: truncated varint")
        b = buf[pos]
        pos += 1
        result |= (b & 0x7F) << shift
        if not b & 0x80:
            return result, pos
        shift += 7
        if shift > 63:
            raise TFCheckpointError(f"{where}: varint longer than 10 bytes")


def _proto_fields(buf: bytes, where: str) -> Iterator[tuple[int, int, int | bytes]]:
    """(field number, wire type, value) for each field of a serialized message."""
    pos = 0
    while pos < len(buf):
        key, pos = _varint(buf, pos, where)
        field, wire = key >> 3, key & 7
        if wire == 0:
            value, pos = _varint(buf, pos, where)
        elif wire == 1:
            value, pos = struct.unpack_from("<Q", buf, pos)[0], pos + 8
        elif wire == 2:
            n, pos = _varint(buf, pos, where)
            value, pos = buf[pos:pos + n], pos + n
        elif wire == 5:
            value, pos = struct.unpack_from("<I", buf, pos)[0], pos + 4
        else:
            raise TFCheckpointError(f"{where}: unsupported protobuf wire type {wire} (field {field})")
        if pos > len(buf):
            raise TFCheckpointError(f"{where}: truncated protobuf field {field}")
        yield field, wire, value


@dataclass(frozen=True)
class TensorEntry:
    """One variable of the bundle, as the index describes it."""
    name: str
    dtype: str
    shape: tuple[int, ...]
    shard_id: int
    offset: int
    size: int
    crc32c: int | None   # unmasked; None if the writer stored none


def _parse_shape(buf: bytes, where: str) -> tuple[int, ...]:
    dims = []
    for field, _, value in _proto_fields(buf, where):
        if field == 2:      # TensorShapeProto.dim
            size = 0
            for f2, _, v2 in _proto_fields(value, where):
                if f2 == 1:
                    size = v2 - (1 << 64) if v2 >= 1 << 63 else v2
            dims.append(size)
        elif field == 3 and value:
            raise TFCheckpointError(f"{where}: unknown-rank shape")
    return tuple(dims)


def _parse_entry(name: str, buf: bytes, where: str) -> TensorEntry:
    dtype_code, shape, shard_id, offset, size, crc = 0, (), 0, 0, 0, None
    for field, _, value in _proto_fields(buf, where):
        if field == 1:
            dtype_code = value
        elif field == 2:
            shape = _parse_shape(value, where)
        elif field == 3:
            shard_id = value
        elif field == 4:
            offset = value
        elif field == 5:
            size = value
        elif field == 6:
            crc = _unmask_crc(value)
        elif field == 7:
            raise TFCheckpointError(f"{where}: variable {name!r} is partitioned (slices); not supported")
    if dtype_code not in _DTYPES:
        raise TFCheckpointError(f"{where}: variable {name!r} has TF dtype code {dtype_code}, which this reader "
                                f"does not decode (numeric types only: {sorted(_DTYPES)})")
    dtype = _DTYPES[dtype_code]
    expected = int(np.prod(shape, dtype=np.int64)) * np.dtype(dtype).itemsize
    if expected != size:
        raise TFCheckpointError(f"{where}: variable {name!r}: size {size} bytes, but {dtype} x {shape} "
                                f"needs {expected}")
    return TensorEntry(name, dtype, shape, shard_id, offset, size, crc)


# -- the sorted string table --------------------------------------------------------------------------------
def _read_block(data: bytes, offset: int, size: int, path: Path) -> bytes:
    end = offset + size + _BLOCK_TRAILER_LEN
    if end > len(data):
        raise TFCheckpointError(f"{path}: block at {offset} (+{size}) runs past the end of the file ({len(data)} bytes)")
    block = data[offset:offset + size]
    ctype = data[offset + size]
    stored = struct.unpack_from("<I", data, offset + size + 1)[0]
    if _unmask_crc(stored) != crc32c(block + bytes([ctype])):
        raise TFCheckpointError(f"{path}: CRC mismatch in the block at byte {offset} (file corrupted)")
    if ctype != 0:
        raise TFCheckpointError(f"{path}: block at byte {offset} is compressed (type {ctype}); "
                                "TF writes bundle indexes uncompressed and this reader only reads those")
    return block


def _block_entries(block: bytes, path: Path) -> Iterator[tuple[bytes, bytes]]:
    where = f"{path} (block)"
    if len(block) < 4:
        raise TFCheckpointError(f"{where}: block shorter than its restart count")
    num_restarts = struct.unpack_from("<I", block, len(block) - 4)[0]
    limit = len(block) - 4 - 4 * num_restarts
    if limit < 0:
        raise TFCheckpointError(f"{where}: restart array ({num_restarts}) larger than the block")
    pos, key = 0, b""
    while pos < limit:
        shared, pos = _varint(block, pos, where)
        non_shared, pos = _varint(block, pos, where)
        value_len, pos = _varint(block, pos, where)
        if shared > len(key) or pos + non_shared + value_len > limit:
            raise TFCheckpointError(f"{where}: corrupt entry at byte {pos}")
        key = key[:shared] + block[pos:pos + non_shared]
        pos += non_shared
        yield key, block[pos:pos + value_len]
        pos += value_len


def _table_items(path: Path) -> Iterator[tuple[bytes, bytes]]:
    data = path.read_bytes()
    if len(data) < _FOOTER_LEN:
        raise TFCheckpointError(f"{path}: {len(data)} bytes, shorter than a table footer")
    footer = data[-_FOOTER_LEN:]
    magic = struct.unpack_from("<Q", footer, 40)[0]
    if magic != _TABLE_MAGIC:
        raise TFCheckpointError(f"{path}: not a TF checkpoint index (footer magic {magic:#018x})")
    pos = 0
    _meta_off, pos = _varint(footer, pos, str(path))
    _meta_size, pos = _varint(footer, pos, str(path))
    index_off, pos = _varint(footer, pos, str(path))
    index_size, pos = _varint(footer, pos, str(path))
    index_block = _read_block(data, index_off, index_size, path)
    for _, handle in _block_entries(index_block, path):
        off, p = _varint(handle, 0, str(path))
        size, _ = _varint(handle, p, str(path))
        yield from _block_entries(_read_block(data, off, size, path), path)


# -- checkpoint ---------------------------------------------------------------------------------------------
def resolve_checkpoint_prefix(path: str | Path) -> Path:
    """The prefix ``P`` (so that ``P.index`` exists) for a directory, a prefix, or any file of the bundle.

    A directory is resolved through its ``checkpoint`` state file (``model_checkpoint_path``), else its
    single ``*.index`` file.
    """
    path = Path(path)
    if path.is_dir():
        state = path / "checkpoint"
        if state.exists():
            m = re.search(r'^model_checkpoint_path:\s*"([^"]+)"', state.read_text(), re.M)
            if m:
                p = Path(m.group(1))
                return p if p.is_absolute() else path / p
        indexes = sorted(path.glob("*.index"))
        if len(indexes) != 1:
            raise TFCheckpointError(f"{path}: no `checkpoint` file and {len(indexes)} *.index files; "
                                    "pass the checkpoint prefix (e.g. DIR/my-model)")
        return indexes[0].with_suffix("")
    name = path.name
    if name.endswith(".index"):
        return path.with_name(name[: -len(".index")])
    m = re.match(r"^(.*)\.data-\d{5}-of-\d{5}$", name)
    if m:
        return path.with_name(m.group(1))
    if name.endswith(".meta"):
        return path.with_name(name[: -len(".meta")])
    return path


class TFCheckpoint:
    """Index and tensors of a TF V2 checkpoint, read with NumPy only."""

    def __init__(self, path: str | Path):
        self.prefix = resolve_checkpoint_prefix(path)
        self.index_path = self.prefix.with_name(self.prefix.name + ".index")
        if not self.index_path.exists():
            raise FileNotFoundError(f"TF checkpoint index not found: {self.index_path} (from {path})")
        self.num_shards = 1
        self.entries: dict[str, TensorEntry] = {}
        for key, value in _table_items(self.index_path):
            where = f"{self.index_path} entry {key!r}"
            if key == b"":
                for field, _, v in _proto_fields(value, where):
                    if field == 1:
                        self.num_shards = v
                    elif field == 2 and v != 0:
                        raise TFCheckpointError(f"{where}: big-endian bundle; not supported")
                continue
            name = key.decode("utf-8")
            self.entries[name] = _parse_entry(name, value, where)
        for e in self.entries.values():
            if not 0 <= e.shard_id < self.num_shards:
                raise TFCheckpointError(f"{self.index_path}: {e.name!r} in shard {e.shard_id} of {self.num_shards}")

    def shard_path(self, shard_id: int) -> Path:
        return self.prefix.with_name(f"{self.prefix.name}.data-{shard_id:05d}-of-{self.num_shards:05d}")

    def read(self, name: str) -> np.ndarray:
        if name not in self.entries:
            raise KeyError(f"{name!r} is not in {self.index_path}; variables: {sorted(self.entries)}")
        e = self.entries[name]
        shard = self.shard_path(e.shard_id)
        with open(shard, "rb") as f:
            f.seek(e.offset)
            raw = f.read(e.size)
        if len(raw) != e.size:
            raise TFCheckpointError(f"{shard}: {name!r} needs bytes {e.offset}..{e.offset + e.size}, "
                                    f"the file ends after {e.offset + len(raw)} (truncated)")
        if e.crc32c is not None and crc32c(raw) != e.crc32c:
            raise TFCheckpointError(f"{shard}: CRC-32C mismatch for {name!r} (file corrupted)")
        return np.frombuffer(raw, dtype=np.dtype(e.dtype).newbyteorder("<")).reshape(e.shape).copy()

    def read_all(self) -> dict[str, np.ndarray]:
        return {name: self.read(name) for name in self.entries}

    def __repr__(self) -> str:
        vars_ = ", ".join(f"{e.name}: {e.dtype}{list(e.shape)}" for e in self.entries.values())
        return f"TFCheckpoint({self.prefix}, {vars_})"
