"""NTU RGB+D 60/120: the ``.skeleton`` text reader, file names, protocols, class names and the metadata lists
(skeleton-data.md §1).

    rec = read_ntu_skeleton("S001C001P001R001A050.skeleton")
    rec.num_frames, rec.joints.shape        # T, (B, 25, 12): one row per body record, in file order
    rec.body_ids, rec.frame_of_body         # (B,) uint64 Kinect ids, (B,) frame index of each record
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

import numpy as np

from ._fasttext import scan_numbers
from .errors import SkeletonFormatError

__all__ = [
    "NtuSkeleton", "read_ntu_skeleton", "NtuName", "parse_ntu_name", "NTU_NAME_RE", "NTU60_CLASSES",
    "NTU120_CLASSES", "NTU_PROTOCOLS", "ntu_split", "ntu_protocol_info", "read_missing_list", "read_ntu_statistics",
    "JOINT_FIELDS", "BODY_FIELDS", "NTU_MUTUAL_ACTIONS",
]

JOINT_FIELDS = ("x", "y", "z", "depthX", "depthY", "colorX", "colorY", "orientationW", "orientationX",
                "orientationY", "orientationZ", "trackingState")
BODY_FIELDS = ("bodyID", "clippedEdges", "handLeftConfidence", "handLeftState", "handRightConfidence",
               "handRightState", "isRestricted", "leanX", "leanY", "trackingState")
NUM_JOINTS = 25


@dataclass(frozen=True)
class NtuSkeleton:
    """One parsed ``.skeleton`` file.  B = total number of body records over all frames (file order).

    bodies_per_frame  (T,) int   body count line of each frame (0 is legal)
    frame_of_body     (B,) int   frame index of each body record
    slot_of_body      (B,) int   position of the record in its frame's body list
    body_ids          (B,) uint64  Kinect tracking id (exact: parsed as an integer)
    body_info         (B, 9) float64  the other 9 body-info fields in BODY_FIELDS[1:] order
    joints            (B, 25, 12) float64  the joint records in JOINT_FIELDS order
    """

    path: str
    num_frames: int
    bodies_per_frame: np.ndarray
    frame_of_body: np.ndarray
    slot_of_body: np.ndarray
    body_ids: np.ndarray
    body_info: np.ndarray
    joints: np.ndarray

    @property
    def name(self) -> str:
        return Path(self.path).name.split(".")[0]

    @property
    def xyz(self) -> np.ndarray:
        """(B, 25, 3) camera-space positions in metres."""
        return self.joints[..., :3]

    def unique_body_ids(self) -> np.ndarray:
        """Body ids in order of first appearance."""
        _, first = np.unique(self.body_ids, return_index=True)
        return self.body_ids[np.sort(first)]


def _err(path, msg, line=None, field=None):
    return SkeletonFormatError(path, msg, line=line, field=field)


def _int_line(lines: list[bytes], i: int, path, field: str) -> int:
    if i >= len(lines):
        raise _err(path, f"file ends before the {field} line (truncated file?)", i + 1, field)
    try:
        return int(lines[i])
    except ValueError:
        raise _err(path, f"expected one integer, got {lines[i][:60]!r}", i + 1, field) from None


def read_ntu_skeleton(path: str | os.PathLike, data: bytes | None = None, fast: bool = True) -> NtuSkeleton:
    """Parse an NTU ``.skeleton`` file (CRLF or LF, with or without final newline, scientific notation).

    Two parsers give bit-identical results.  The fast one (default; numba) converts every number of the file in
    one compiled pass (`_fasttext.scan_numbers`) and checks the layout from the count lines; when anything is
    unusual it hands over to the line-by-line parser (``fast=False``), which walks the structure line by line and
    raises `SkeletonFormatError` naming the 1-based line and the field of the first problem.
    """
    path = str(path)
    raw = Path(path).read_bytes() if data is None else data
    if fast:
        rec = _parse_fast(path, raw)
        if rec is not None:
            return rec
    return _parse_lines(path, raw)


_BODY_TOKENS = 11 + NUM_JOINTS * 12  # body-info line (10 tokens), joint count (1), joint records
# tokens per line of one body: info, joint count, the joint records
_BODY_LINE_COUNTS = np.array([10, 1] + [12] * NUM_JOINTS)


def _parse_fast(path: str, raw: bytes) -> NtuSkeleton | None:
    """The whole file in one scan; None (never an error) when the file is not a well-formed NTU file in the
    tokenizer's grammar (or numba is missing), so that `_parse_lines` can name the problem."""
    toks = scan_numbers(raw)
    if toks is None:
        return None
    vals, plain, n_tok = toks.values, toks.plain, len(toks.values)
    if not plain[0] or not 0 <= vals[0] <= n_tok:
        return None
    num_frames = int(vals[0])
    # walk the frame headers: one body-count token, then a fixed number of tokens per body
    frame_tok = np.empty(num_frames, np.int64)
    pos = 1
    for f in range(num_frames):
        if pos >= n_tok:
            return None
        nb = vals[pos]
        if not 0 <= nb <= 16:
            return None
        frame_tok[f] = pos
        pos += 1 + _BODY_TOKENS * int(nb)
    if pos != n_tok or not plain[frame_tok].all():
        return None
    bodies_per_frame = vals[frame_tok].astype(np.int64)
    B = int(bodies_per_frame.sum())
    # without the frame-count line and the body-count lines, the file is B equal blocks, one per body
    lines = toks.line_counts
    if len(lines) != 1 + num_frames + B * len(_BODY_LINE_COUNTS):
        return None
    count_lines = np.r_[0, 1 + np.arange(num_frames) + (np.cumsum(bodies_per_frame) - bodies_per_frame) * len(
        _BODY_LINE_COUNTS)]                     # the frame-count line and every body-count line: one token each
    if not ((lines[count_lines] == 1).all()
            and (np.delete(lines, count_lines).reshape(B, len(_BODY_LINE_COUNTS)) == _BODY_LINE_COUNTS).all()):
        return None
    blocks = np.delete(vals, np.r_[0, frame_tok]).reshape(B, _BODY_TOKENS)
    block_plain = np.delete(plain, np.r_[0, frame_tok]).reshape(B, _BODY_TOKENS)
    if not (block_plain[:, 0].all() and block_plain[:, 10].all() and (blocks[:, 10] == NUM_JOINTS).all()):
        return None
    joints = np.ascontiguousarray(blocks[:, 11:]).reshape(B, NUM_JOINTS, 12)
    if not np.isfinite(joints).all():
        return None
    frame_of_body = np.repeat(np.arange(num_frames, dtype=np.int64), bodies_per_frame)
    slot_of_body = np.arange(B, dtype=np.int64) - (np.cumsum(bodies_per_frame) - bodies_per_frame)[frame_of_body]
    id_tok = frame_tok[frame_of_body] + 1 + _BODY_TOKENS * slot_of_body
    ids = [int(raw[a:b]) for a, b in zip(toks.starts[id_tok].tolist(), toks.ends[id_tok].tolist())]
    if any(i >= 2 ** 64 for i in ids):
        return None
    return NtuSkeleton(path, num_frames, bodies_per_frame, frame_of_body, slot_of_body,
                       np.array(ids, dtype=np.uint64), blocks[:, 1:10].copy(), joints)


def _parse_lines(path: str, raw: bytes) -> NtuSkeleton:
    lines = raw.splitlines()
    while lines and not lines[-1].strip():  # trailing whitespace allowed
        lines.pop()
    if not lines:
        raise _err(path, "empty file", 1, "frame_count")
    num_frames = _int_line(lines, 0, path, "frame_count")
    if num_frames < 0:
        raise _err(path, f"negative frame count {num_frames}", 1, "frame_count")

    bodies_per_frame = np.zeros(num_frames, np.int64)
    info_lines: list[int] = []  # 0-based line index of each body-info line
    joint_starts: list[int] = []
    frame_of_body: list[int] = []
    slot_of_body: list[int] = []
    i = 1
    for f in range(num_frames):
        nb = _int_line(lines, i, path, f"body_count (frame {f + 1} of {num_frames})")
        if not 0 <= nb <= 16:
            raise _err(path, f"implausible body count {nb}", i + 1, "body_count")
        bodies_per_frame[f] = nb
        i += 1
        for b in range(nb):
            if i >= len(lines):
                raise _err(path, f"file ends inside frame {f + 1} (truncated file?)", i + 1, "body_info")
            info_lines.append(i)
            jc = _int_line(lines, i + 1, path, "joint_count")
            if jc != NUM_JOINTS:
                raise _err(path, f"joint count {jc}, expected {NUM_JOINTS}", i + 2, "joint_count")
            joint_starts.append(i + 2)
            frame_of_body.append(f)
            slot_of_body.append(b)
            i += 2 + jc
            if i > len(lines):
                raise _err(path, f"file ends inside the joints of frame {f + 1}, body {b + 1} (truncated file?)",
                           len(lines) + 1, "joint")
    if i != len(lines):
        raise _err(path, f"{len(lines) - i} unexpected line(s) after the last of {num_frames} frames "
                         "(frame/body count disagrees with the content)", i + 1)

    B = len(joint_starts)
    joint_lines = [ln for s in joint_starts for ln in lines[s:s + NUM_JOINTS]]
    joints = _parse_joint_lines(joint_lines, joint_starts, path).reshape(B, NUM_JOINTS, 12)
    bad = ~np.isfinite(joints)
    if bad.any():
        b, j, c = map(int, np.argwhere(bad)[0])
        raise _err(path, f"non-finite value {joints[b, j, c]} ({int(bad.sum())} in total)", joint_starts[b] + j + 1,
                   JOINT_FIELDS[c])

    body_ids = np.zeros(B, np.uint64)
    body_info = np.zeros((B, 9), np.float64)
    for k, li in enumerate(info_lines):
        toks = lines[li].split()
        if len(toks) != 10:
            raise _err(path, f"body-info line has {len(toks)} fields, expected 10", li + 1, "body_info")
        try:
            body_ids[k] = int(toks[0])  # exceeds float64 precision: parse as an integer
        except (ValueError, OverflowError):
            raise _err(path, f"bad bodyID {toks[0][:30]!r}", li + 1, "bodyID") from None
        try:
            body_info[k] = [float(t) for t in toks[1:]]
        except ValueError:
            bad_f = next(n for n, t in zip(BODY_FIELDS[1:], toks[1:]) if not _is_float(t))
            raise _err(path, "unparsable number", li + 1, bad_f) from None
    return NtuSkeleton(path, num_frames, bodies_per_frame, np.asarray(frame_of_body, np.int64),
                       np.asarray(slot_of_body, np.int64), body_ids, body_info, joints)


def _is_float(tok: bytes) -> bool:
    try:
        float(tok)
        return True
    except ValueError:
        return False


def _parse_joint_lines(joint_lines: list[bytes], joint_starts: list[int], path: str) -> np.ndarray:
    if not joint_lines:
        return np.zeros((0, 12))
    try:
        # numpy's C text parser: one call for every joint line of the file; it also checks 12 columns per line
        return np.loadtxt(joint_lines, dtype=np.float64, comments=None, ndmin=2).reshape(-1)
    except ValueError:
        pass
    # slow path only to locate the problem
    for k, ln in enumerate(joint_lines):
        toks = ln.split()
        file_line = joint_starts[k // NUM_JOINTS] + k % NUM_JOINTS + 1
        if len(toks) != 12:
            raise _err(path, f"joint record has {len(toks)} fields, expected 12", file_line, "joint")
        for name, t in zip(JOINT_FIELDS, toks):
            if not _is_float(t):
                raise _err(path, f"unparsable number {t[:30]!r}", file_line, name)
    raise _err(path, "could not parse the joint records")  # pragma: no cover - defensive


# -- file names, classes, protocols ----------------------------------------------------------------------

NTU_NAME_RE = re.compile(r"^S(\d{3})C(\d{3})P(\d{3})R(\d{3})A(\d{3})$")


@dataclass(frozen=True)
class NtuName:
    setup: int
    camera: int
    performer: int
    replication: int
    action: int  # 1-based, as in the file name

    @property
    def label(self) -> int:
        return self.action - 1


def parse_ntu_name(name: str | os.PathLike) -> NtuName:
    """'S001C002P003R001A060' (optionally a path, with any extension) -> its fields."""
    stem = Path(name).name.split(".")[0]
    m = NTU_NAME_RE.match(stem)
    if not m:
        raise ValueError(f"{name!r} is not an NTU sample name SsssCcccPpppRrrrAaaa")
    return NtuName(*map(int, m.groups()))


NTU60_CLASSES = (
    "drink water", "eat meal/snack", "brushing teeth", "brushing hair", "drop", "pickup", "throw", "sitting down",
    "standing up (from sitting position)", "clapping", "reading", "writing", "tear up paper", "wear jacket",
    "take off jacket", "wear a shoe", "take off a shoe", "wear on glasses", "take off glasses", "put on a hat/cap",
    "take off a hat/cap", "cheer up", "hand waving", "kicking something", "reach into pocket",
    "hopping (one foot jumping)", "jump up", "make a phone call/answer phone", "playing with phone/tablet",
    "typing on a keyboard", "pointing to something with finger", "taking a selfie", "check time (from watch)",
    "rub two hands together", "nod head/bow", "shake head", "wipe face", "salute", "put the palms together",
    "cross hands in front (say stop)", "sneeze/cough", "staggering", "falling", "touch head (headache)",
    "touch chest (stomachache/heart pain)", "touch back (backache)", "touch neck (neckache)",
    "nausea or vomiting condition", "use a fan (with hand or paper)/feeling warm", "punching/slapping other person",
    "kicking other person", "pushing other person", "pat on back of other person", "point finger at the other person",
    "hugging other person", "giving something to other person", "touch other person's pocket", "handshaking",
    "walking towards each other", "walking apart from each other")
NTU120_CLASSES = NTU60_CLASSES + (
    "put on headphone", "take off headphone", "shoot at the basket", "bounce ball", "tennis bat swing",
    "juggling table tennis balls", "hush (quite)", "flick hair", "thumb up", "thumb down", "make ok sign",
    "make victory sign", "staple book", "counting money", "cutting nails", "cutting paper (using scissors)",
    "snapping fingers", "open bottle", "sniff (smell)", "squat down", "toss a coin", "fold paper", "ball up paper",
    "play magic cube", "apply cream on face", "apply cream on hand back", "put on bag", "take off bag",
    "put something into a bag", "take something out of a bag", "open a box", "move heavy objects", "shake fist",
    "throw up cap/hat", "hands up (both hands)", "cross arms", "arm circles", "arm swings", "running on the spot",
    "butt kicks (kick backward)", "cross toe touch", "side kick", "yawn", "stretch oneself", "blow nose",
    "hit other person with something", "wield knife towards other person", "knock over other person (hit with body)",
    "grab other person's stuff", "shoot at other person with a gun", "step on foot", "high-five",
    "cheers and drink", "carry something with other person", "take a photo of other person", "follow other person",
    "whisper in other person's ear", "exchange things with other person", "support somebody with hand",
    "finger-guessing game (playing rock-paper-scissors)")
NTU_MUTUAL_ACTIONS = frozenset(range(50, 61)) | frozenset(range(106, 121))  # 1-based action ids

_XSUB60_TRAIN = frozenset((1, 2, 4, 5, 8, 9, 13, 14, 15, 16, 17, 18, 19, 25, 27, 28, 31, 34, 35, 38))
_XSUB120_TRAIN = _XSUB60_TRAIN | frozenset((
    45, 46, 47, 49, 50, 52, 53, 54, 55, 56, 57, 58, 59, 70, 74, 78, 80, 81, 82, 83, 84, 85, 86, 89, 91, 92, 93, 94,
    95, 97, 98, 100, 103))

# protocol -> (field, training ids, number of classes, last setup)
NTU_PROTOCOLS = {
    "ntu60_xsub": ("performer", _XSUB60_TRAIN, 60, 17),
    "ntu60_xview": ("camera", frozenset((2, 3)), 60, 17),
    "ntu120_xsub": ("performer", _XSUB120_TRAIN, 120, 32),
    "ntu120_xset": ("setup", frozenset(range(2, 33, 2)), 120, 32),
}
_PROTOCOL_ALIASES = {"xsub": "ntu60_xsub", "xview": "ntu60_xview", "cs": "ntu60_xsub", "cv": "ntu60_xview",
                     "xsub60": "ntu60_xsub", "xview60": "ntu60_xview", "xsub120": "ntu120_xsub",
                     "xset": "ntu120_xset", "xset120": "ntu120_xset"}


def ntu_protocol_info(protocol: str) -> tuple[str, frozenset, int, int]:
    key = _PROTOCOL_ALIASES.get(protocol.lower(), protocol.lower())
    if key not in NTU_PROTOCOLS:
        raise ValueError(f"unknown NTU protocol {protocol!r}; choose one of {sorted(NTU_PROTOCOLS)} "
                         f"or aliases {sorted(_PROTOCOL_ALIASES)}")
    return NTU_PROTOCOLS[key]


def ntu_split(name: str | NtuName, protocol: str) -> str | None:
    """'train' or 'test' for a sample under a protocol; None when the sample is outside the protocol's
    dataset (e.g. an NTU-120-only setup under an NTU-60 protocol)."""
    n = name if isinstance(name, NtuName) else parse_ntu_name(name)
    field, train_ids, num_classes, last_setup = ntu_protocol_info(protocol)
    if n.setup > last_setup or n.action > num_classes:
        return None
    return "train" if getattr(n, field) in train_ids else "test"


# -- metadata lists ---------------------------------------------------------------------------------------

def read_missing_list(path: str | os.PathLike) -> list[str]:
    """Sample names from a missing-skeleton list, official (English header) or headerless."""
    names: list[str] = []
    for k, line in enumerate(Path(path).read_text(encoding="latin-1").splitlines(), 1):
        s = line.strip()
        if not s:
            continue
        if NTU_NAME_RE.match(s):
            names.append(s)
        elif names:
            raise SkeletonFormatError(path, f"not a sample name: {s[:60]!r}", line=k, field="sample_name")
    return names


def read_ntu_statistics(directory: str | os.PathLike) -> dict[str, np.ndarray]:
    """The line-aligned lists of ``ntu*/statistics`` (skes_available_name + label/performer/camera/setup/
    replication).  Returns arrays keyed by file stem; checks that the lists are aligned and agree with the names."""
    d = Path(directory)
    names = np.array([s.strip() for s in (d / "skes_available_name.txt").read_text().split()])
    out = {"name": names}
    for key in ("label", "performer", "camera", "setup", "replication"):
        vals = np.loadtxt(d / f"{key}.txt", dtype=np.int64, ndmin=1)
        if len(vals) != len(names):
            raise SkeletonFormatError(d / f"{key}.txt", f"{len(vals)} lines, skes_available_name has {len(names)}")
        out[key] = vals
    return out


def iter_skeleton_files(root: str | os.PathLike) -> Iterable[Path]:
    """All ``*.skeleton`` files under ``root`` (recursively), sorted by sample name."""
    return sorted(Path(root).rglob("*.skeleton"), key=lambda p: p.name)
