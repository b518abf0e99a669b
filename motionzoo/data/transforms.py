"""Skeleton transforms on one sample (M, T, V, C), numpy or torch (returned in the type received).

Normalisation: `two_centre_normalize` (two-stream RNN authors, skeleton-models.md §A.7), `center_on_joint`,
`first_frame_normalize`.  Streams: `bones`, `motion`.  Bodies: `select_most_active`.  Time: `fixed_length`,
`resample_linspace`, `resample_interpolate`, `temporal_window`, `random_start_crop`, `rnn_windows` (§A.7 step 4),
`resample_hpc350` (§B.4).
Augmentation: `rotation_matrix` (§A.8; the random draw lives in motionzoo.data.pipeline).
Images: `skeleton_to_image` / `SkeletonToImage` (nas-bench-201.md §7.1).  Per-frame features: `hpc_frame_features`
(§B.3).  Every transform accepts T = 1.
"""
from __future__ import annotations

import functools
import math
from typing import Callable, Sequence

import numpy as np
import torch

from .topology import SkeletonTopology, get_topology

__all__ = [
    "Compose", "two_centre_normalize", "center_on_joint", "select_most_active", "fixed_length", "resample_linspace",
    "resample_interpolate", "temporal_window", "random_start_crop", "rnn_windows", "resample_hpc350", "rotation_matrix",
    "skeleton_to_image", "SkeletonToImage", "IMAGE_PRESETS", "hpc_frame_features", "as_sample",
    "first_frame_normalize", "bones", "motion",
]


def _numpy_io(fn: Callable) -> Callable:
    """Run ``fn`` on a numpy view of a torch input and hand back a tensor of the input's dtype/device."""
    @functools.wraps(fn)
    def wrapper(x, *args, **kwargs):
        if isinstance(x, torch.Tensor):
            out = fn(x.detach().cpu().numpy(), *args, **kwargs)
            return torch.from_numpy(np.ascontiguousarray(out)).to(device=x.device, dtype=x.dtype)
        return fn(np.asarray(x), *args, **kwargs)
    return wrapper


def as_sample(x) -> np.ndarray:
    """(T, V, C) -> (1, T, V, C); (M, T, V, C) unchanged; anything else is an error naming the shape."""
    x = np.asarray(x)
    if x.ndim == 3:
        return x[None]
    if x.ndim != 4:
        raise ValueError(f"expected a skeleton sample (M, T, V, C) or (T, V, C), got shape {x.shape}")
    return x


class Compose:
    def __init__(self, transforms: Sequence[Callable]):
        self.transforms = list(transforms)

    def __call__(self, x):
        for t in self.transforms:
            x = t(x)
        return x

    def __repr__(self) -> str:
        return f"Compose({self.transforms!r})"


# -- normalisation --------------------------------------------------------------------------------------------

_ARM_WORDS = ("shoulder", "elbow", "wrist", "hand", "thumb")
_TRUNK_NAMES = ("spine_shoulder", "shoulder_center")  # trunk joints whose names contain an arm word
_UPPER = {"ntu25": ("neck", "r_shoulder", "l_shoulder", "spine_shoulder"),
          "kinect_v1_20": ("shoulder_center", "shoulder_left", "shoulder_right"),
          "sbu15": ("neck", "l_shoulder", "r_shoulder"), "coco17": ("l_shoulder", "r_shoulder")}
_LOWER = {"ntu25": ("spine_mid", "spine_base", "r_hip", "l_hip"),
          "kinect_v1_20": ("spine", "hip_center", "hip_left", "hip_right"),
          "sbu15": ("torso", "l_hip", "r_hip"), "coco17": ("l_hip", "r_hip")}
_ROOT = {"ntu25": ("spine_base",), "kinect_v1_20": ("hip_center",), "sbu15": ("torso",), "coco17": ("l_hip", "r_hip")}


def _family(topo: SkeletonTopology) -> str:
    fam = topo.canonical or topo.name
    return "ntu25" if fam.startswith("ntu25") else fam


@_numpy_io
def two_centre_normalize(x, topology: str | SkeletonTopology = "ntu25"):
    """Per frame: subtract the upper centre (mean of neck, shoulders, spine-shoulder for ntu25) from the arm joints
    and the lower centre (mean of spine-mid, spine-base, hips) from all other joints; both centres come from the
    unmodified frame.  All-zero frames (padding, absent bodies) stay zero.  Other topologies use the analogous
    joints (skeleton-models.md §A.7)."""
    topo = get_topology(topology)
    fam = _family(topo)
    if fam not in _UPPER:
        raise ValueError(f"two_centre_normalize has no centre joints for topology {topo.name!r}")
    x = as_sample(x).astype(np.float32, copy=True)
    if x.shape[2] != topo.num_joints:
        raise ValueError(f"sample has V={x.shape[2]} joints, topology {topo.name!r} has {topo.num_joints}")
    upper = [topo.joint(n) for n in _UPPER[fam]]
    lower = [topo.joint(n) for n in _LOWER[fam]]
    arm = np.array([any(w in n for w in _ARM_WORDS) and n not in _TRUNK_NAMES for n in topo.joint_names])
    c_up = x[:, :, upper, :3].mean(axis=2, keepdims=True)  # (M, T, 1, 3)
    c_lo = x[:, :, lower, :3].mean(axis=2, keepdims=True)
    present = np.abs(x[..., :3]).sum(axis=(2, 3), keepdims=True) > 0
    x[:, :, arm, :3] -= c_up * present
    x[:, :, ~arm, :3] -= c_lo * present
    return x


@_numpy_io
def center_on_joint(x, topology: str | SkeletonTopology = "ntu25", joint: str | int | None = None,
                    mode: str = "each"):
    """Subtract a centre joint (default: spine base / hip centre / torso / mid-hip) from xyz.
    ``mode='each'``: per frame; ``'first'``: the centre of each body's first present frame for the whole body."""
    topo = get_topology(topology)
    if joint is None:
        idx = [topo.joint(n) for n in _ROOT.get(_family(topo), (topo.joint_names[topo.roots[0]],))]
    else:
        idx = [joint if isinstance(joint, int) else topo.joint(joint)]
    x = as_sample(x).astype(np.float32, copy=True)
    C = min(3, x.shape[-1])
    centre = x[:, :, idx, :C].mean(axis=2, keepdims=True)  # (M, T, 1, C)
    present = np.abs(x[..., :C]).sum(axis=(2, 3), keepdims=True) > 0
    if mode == "first":
        first = present[:, :, 0, 0].argmax(axis=1)  # (M,)
        centre = centre[np.arange(x.shape[0]), first][:, None]
    elif mode != "each":
        raise ValueError(f"mode must be 'each' or 'first', got {mode!r}")
    x[..., :C] -= centre * present
    return x


@_numpy_io
def first_frame_normalize(x):
    """Centre every body on the mean of all present joints (all bodies) in the first frame that has any, and
    divide by their mean distance to that centre, so that size and position in the scene no longer tell classes
    apart while the bodies keep their positions relative to each other.  Absent joints stay zero."""
    x = as_sample(x).astype(np.float32, copy=True)
    present = np.abs(x[..., :3]).sum(axis=-1) > 0                    # (M, T, V)
    frames = present.any(axis=(0, 2))
    if not frames.any():
        return x
    t0 = int(frames.argmax())
    pts = x[:, t0, :, :3][present[:, t0]]                             # (P, 3)
    centre = pts.mean(axis=0)
    size = float(np.linalg.norm(pts - centre, axis=1).mean()) + 1e-6
    x[..., :3] = np.where(present[..., None], (x[..., :3] - centre) / size, 0.0)
    return x


@_numpy_io
def bones(x, topology: str | SkeletonTopology = "ntu25", root: str = "keep", tree: str = "parents"):
    """Bone vectors: each joint minus its parent joint (xyz).  Root joints keep their position (``root='keep'``,
    so the sequence still says where the body is) or become zero (``'zero'``, the GCN bone stream).  Joints of
    an absent body stay zero.

    ``tree='parents'`` takes the topology's `parents`; ``'centre'`` the same bones directed towards the centre
    joint (`SkeletonTopology.rooted_parents`): with ``root='zero'`` that is exactly the bone input of CTR-GCN's
    NTU and NW-UCLA feeders (the centre joint, spine shoulder / shoulder centre, is zero)."""
    topo = get_topology(topology)
    x = as_sample(x).astype(np.float32, copy=True)
    if x.shape[2] != topo.num_joints:
        raise ValueError(f"sample has V={x.shape[2]} joints, topology {topo.name!r} has {topo.num_joints}")
    if tree == "layout":     # the value's old name ("layout" now means tensor axes only)
        from .._deprecation import warn_deprecated
        warn_deprecated("bones(tree='layout') is deprecated; use tree='parents'")
        tree = "parents"
    if tree not in ("parents", "centre"):
        raise ValueError(f"tree must be 'parents' or 'centre', got {tree!r}")
    parents = np.asarray(topo.parents if tree == "parents" else topo.rooted_parents())
    child = parents >= 0
    out = x.copy()
    out[:, :, child, :3] -= x[:, :, parents[child], :3]
    if root == "zero":
        out[:, :, ~child, :3] = 0.0
    elif root != "keep":
        raise ValueError(f"root must be 'keep' or 'zero', got {root!r}")
    present = np.abs(x[..., :3]).sum(axis=(2, 3), keepdims=True) > 0   # (M, T, 1, 1) frames of present bodies
    return out * present


@_numpy_io
def motion(x, mask_absent: bool = True):
    """Frame differences x[t + 1] - x[t] (xyz); the last frame is zero.  With ``mask_absent`` (default) any step
    into or out of an absent frame is zero too; ``mask_absent=False`` is the plain difference of the GCN feeders
    (ST-GCN / CTR-GCN `vel`), where a body that appears or leaves makes one jump."""
    x = as_sample(x).astype(np.float32, copy=True)
    out = np.zeros_like(x)
    out[:, :-1, :, :3] = x[:, 1:, :, :3] - x[:, :-1, :, :3]
    if mask_absent:
        present = np.abs(x[..., :3]).sum(axis=(2, 3)) > 0             # (M, T)
        both = present[:, 1:] & present[:, :-1]
        out[:, :-1] *= both[:, :, None, None]
    return out


@_numpy_io
def select_most_active(x, k: int = 2):
    """Keep the ``k`` bodies with the largest motion (sum over xyz of the variance over present frames and
    joints), most active first; zero-filled bodies are added when fewer than ``k`` exist."""
    x = as_sample(x)
    M, T, V, C = x.shape
    scores = []
    for m in range(M):
        present = np.abs(x[m]).sum(axis=(1, 2)) > 0
        v = x[m, present, :, :3].reshape(-1, min(3, C))
        scores.append(float(v.var(axis=0).sum()) if len(v) else -1.0)
    order = np.argsort(-np.asarray(scores), kind="stable")[:k]
    out = np.zeros((k, T, V, C), x.dtype)
    out[: len(order)] = x[order]
    return out


# -- time -------------------------------------------------------------------------------------------------------

@_numpy_io
def fixed_length(x, length: int, pad: str = "append", crop: str = "first"):
    """Exactly ``length`` frames: zeros prepended (``pad='prepend'``) or appended; longer sequences keep the
    ``crop`` = 'first' or 'last' window."""
    x = as_sample(x)
    T = x.shape[1]
    if T >= length:
        return temporal_window.__wrapped__(x, length, crop)
    z = np.zeros((x.shape[0], length - T) + x.shape[2:], x.dtype)
    if pad == "prepend":
        return np.concatenate([z, x], axis=1)
    if pad == "append":
        return np.concatenate([x, z], axis=1)
    raise ValueError(f"pad must be 'prepend' or 'append', got {pad!r}")


@_numpy_io
def temporal_window(x, length: int, where: str = "first"):
    """The first or last ``length`` frames (all of them when shorter)."""
    x = as_sample(x)
    if where == "first":
        return x[:, :length]
    if where == "last":
        return x[:, max(0, x.shape[1] - length):]
    raise ValueError(f"where must be 'first' or 'last', got {where!r}")


@_numpy_io
def resample_linspace(x, length: int):
    """Uniformly spaced frame indices round(linspace(0, T-1, length)) (repeats frames when T < length)."""
    x = as_sample(x)
    T = x.shape[1]
    if T < 1:
        raise ValueError("cannot resample a sequence with 0 frames")
    idx = np.round(np.linspace(0, T - 1, length)).astype(np.int64)
    return x[:, idx]


@_numpy_io
def resample_interpolate(x, length: int):
    """Linear interpolation in time to ``length`` frames (up or down): output frame i is read at position
    (i + 1/2) T / length - 1/2 of the input, clamped at 0, between its two neighbouring frames.  This is what the
    CTR-GCN feeder does with `F.interpolate(mode="bilinear", align_corners=False)` on a (C V M, T) image; absent
    (zero) frames are interpolated like any other, as there."""
    x = as_sample(x)
    T = x.shape[1]
    if T < 1:
        raise ValueError("cannot interpolate a sequence with 0 frames")
    # positions in float32 arithmetic, as torch computes them, so the weights agree to the last bit
    f32 = np.float32
    pos = np.maximum((np.arange(length, dtype=f32) + f32(0.5)) * (f32(T) / f32(length)) - f32(0.5), f32(0))
    lo = np.minimum(pos.astype(np.int64), T - 1)
    hi = np.minimum(lo + 1, T - 1)
    w = (pos - lo.astype(f32))[None, :, None, None]                         # weight of the later frame
    return (x[:, lo] * (f32(1) - w) + x[:, hi] * w).astype(x.dtype, copy=False)


@_numpy_io
def random_start_crop(x, max_fraction: float = 0.3, p: float = 0.5, rng: np.random.Generator | None = None):
    """With probability p drop the first k frames, k ~ U{0..floor(max_fraction*T)}, and re-pad k zero frames at
    the front so that T is unchanged (skeleton-models.md §A.8)."""
    x = as_sample(x)
    rng = rng if rng is not None else np.random.default_rng()
    T = x.shape[1]
    if rng.random() >= p:
        return x
    k = int(rng.integers(0, int(max_fraction * T) + 1))
    if k == 0:
        return x
    out = np.zeros_like(x)
    out[:, k:] = x[:, k:]
    return out


def rnn_windows(x, length: int = 100, train: bool = True, min_fraction: float = 0.05) -> list:
    """The two-stream RNN authors' fixed length (skeleton-models.md §A.7 step 4): longer than ``length`` ->
    [first, last] windows when training, [first] at test; otherwise zeros are prepended so that the real frames
    end at t = length-1; sequences shorter than ``min_fraction*length`` frames -> [] (dropped)."""
    T = as_sample(x).shape[1] if not isinstance(x, torch.Tensor) else x.shape[-3]
    if T > length:
        first = temporal_window(x, length, "first")
        return [first, temporal_window(x, length, "last")] if train else [first]
    if T < min_fraction * length:
        return []
    return [fixed_length(x, length, pad="prepend")]


def resample_hpc350(frames, length: int = 350, subsample_long: bool = False):
    """The pose-LSTM's resampling to 350 frames exactly as skeleton-models.md §B.4 (``frames``: (L, F) numpy or
    torch).  R = ceil(length / L) - 1 evenly spaced inserts per gap at j/R, budget spent greedily from the start,
    then the last frame is repeated.  L > length raises unless ``subsample_long`` (uniform linspace subsampling)."""
    is_torch = isinstance(frames, torch.Tensor)
    f = frames.detach().cpu().numpy() if is_torch else np.asarray(frames)
    if f.ndim != 2:
        raise ValueError(f"resample_hpc350 expects (L, F) frames, got shape {f.shape}")
    L = f.shape[0]
    if L < 1:
        raise ValueError("resample_hpc350: empty sequence")
    if L > length:
        if not subsample_long:
            raise ValueError(f"sequence has {L} > {length} frames; upstream does not handle this "
                             "(pass subsample_long=True for uniform subsampling)")
        out = f[np.round(np.linspace(0, L - 1, length)).astype(np.int64)]
    else:
        R = math.ceil(length / L)
        budget = length - L
        rows = [f[0]]
        for m in range(1, L):
            for j in range(1, R):
                if budget == 0:
                    break
                rows.append(f[m - 1] + (j / R) * (f[m] - f[m - 1]))
                budget -= 1
            rows.append(f[m])
        while len(rows) < length:
            rows.append(f[L - 1])
        out = np.stack(rows).astype(f.dtype, copy=False)
    return torch.from_numpy(np.ascontiguousarray(out)).to(frames.dtype) if is_torch else out


def hpc_frame_features(x, channels: tuple[int, ...] = (0, 2)) -> np.ndarray:
    """(M, T, 17, C) COCO-17 sample -> (T, 17 M len(channels)) in the pose-LSTM's order [joint][person][channel]
    (skeleton-models.md §B.3; M = 2 persons gives the 68 features).  `channels`: (0, 2) for the upstream arrays
    (x, unused, y), (0, 1) for canonical coco17 (x, y[, score])."""
    x = as_sample(np.asarray(x))
    channels = list(channels)
    if x.shape[2] != 17 or x.shape[3] <= max(channels):
        raise ValueError(f"hpc_frame_features expects (M, T, 17, C > {max(channels)}) for channels {tuple(channels)}, "
                         f"got {x.shape}")
    f = x[..., channels]  # (M, T, 17, len(channels))
    return np.ascontiguousarray(f.transpose(1, 2, 0, 3).reshape(x.shape[1], -1))


# -- 3D augmentation ---------------------------------------------------------------------------------------------

def rotation_matrix(ax_deg: float = 0.0, ay_deg: float = 0.0, az_deg: float = 0.0, scale: float = 1.0,
                    shear: np.ndarray | None = None) -> np.ndarray:
    """3x3 matrix A for row vectors (x' = x @ A) = R_y @ R_x @ S (then @ R_z, @ H when given), with
    R_x = [[1,0,0],[0,c,s],[0,-s,c]], R_y = [[c,0,-s],[0,1,0],[s,0,c]] (skeleton-models.md §A.8).
    Angles and scale may also be arrays of one shape (N,): then (N, 3, 3), one matrix per sample (the
    on-device augmentation draws a whole epoch's at once)."""
    ax, ay, az, sc = np.broadcast_arrays(*(np.asarray(v, dtype=np.float64) for v in (ax_deg, ay_deg, az_deg, scale)))
    one, zero = np.ones_like(ax), np.zeros_like(ax)

    def rot(c, s, rows):  # rows of (c, s, 1, 0) symbols -> (..., 3, 3)
        vals = {"c": c, "s": s, "-s": -s, "1": one, "0": zero}
        return np.stack([np.stack([vals[k] for k in r], -1) for r in rows], -2)

    r = np.radians(ax)
    rx = rot(np.cos(r), np.sin(r), (("1", "0", "0"), ("0", "c", "s"), ("0", "-s", "c")))
    r = np.radians(ay)
    ry = rot(np.cos(r), np.sin(r), (("c", "0", "-s"), ("0", "1", "0"), ("s", "0", "c")))
    r = np.radians(az)
    rz = rot(np.cos(r), np.sin(r), (("c", "s", "0"), ("-s", "c", "0"), ("0", "0", "1")))
    a = ry @ rx @ (sc[..., None, None] * np.eye(3)) @ rz
    if shear is not None:
        a = a @ shear
    return a


# -- skeleton -> image (nas-bench-201.md §7.1) ------------------------------------------------------------------

IMAGE_PRESETS = {
    "utd_mhad_20x68": dict(height=20, width=68, mean=(60.3459, 48.0431, 241.8297), std=(8.8771, 28.9472, 11.0785)),
    "ntu60_xsub_28x84": dict(height=28, width=84, mean=(53.0716, 43.6048, 233.7430), std=(23.3220, 24.3743, 14.2552)),
    "ntu60_xview_28x88": dict(height=28, width=88, mean=(49.8020, 44.1620, 233.3507),
                              std=(22.7954, 24.4546, 15.1764)),
    "ntu120_xsub_28x76": dict(height=28, width=76, mean=(55.5735, 43.2908, 233.5864),
                              std=(23.6270, 23.9743, 14.3214)),
}


def skeleton_to_image(x, height: int | None = None, width: int | None = None, mean=None, std=None,
                      first_body_only: bool = True, round_values: bool = False) -> torch.Tensor:
    """Encode a skeleton as an image: rows = joints, columns = frames, (R, G, B) = (x, y, z); one global min-max
    over the (first) body to 0..255, uint8 by truncation, PIL bilinear resize to ``height`` x ``width`` (the
    stretch of the thesis; no padding), /255, then (x - mean/255) / (std/255) when mean/std (0..255 units) are
    given.  Returns float32 (3, H, W).  ``x``: (M, T, V, 3) or (T, V, 3); the joint order is the caller's
    (the thesis used the UTD-MHAD *file* order: ``read_utd_mhad(p, canonical=False)``).
    A constant sequence (max == min) raises ValueError."""
    from PIL import Image

    a = as_sample(x.detach().cpu().numpy() if isinstance(x, torch.Tensor) else x)
    if a.shape[-1] != 3:
        raise ValueError(f"skeleton_to_image needs xyz (C=3), got shape {a.shape}")
    a = a[0] if first_body_only else a.reshape(-1, *a.shape[2:])  # (T, V, 3)
    img = np.asarray(a, np.float64).transpose(1, 0, 2)  # (V, T, 3): height = joints, width = frames
    lo, hi = img.min(), img.max()
    if not hi > lo:
        raise ValueError(f"skeleton_to_image: constant sequence (min = max = {lo}); cannot min-max normalise")
    v = 255.0 * (img - lo) / (hi - lo)
    u8 = (np.round(v) if round_values else np.floor(v)).clip(0, 255).astype(np.uint8)
    pil = Image.fromarray(u8, mode="RGB")
    if height is not None or width is not None:
        pil = pil.resize((width or pil.width, height or pil.height), Image.BILINEAR)
    t = torch.from_numpy(np.asarray(pil, np.float32) / 255.0).permute(2, 0, 1).contiguous()
    if mean is not None:
        m = torch.tensor(mean, dtype=torch.float32).view(3, 1, 1) / 255.0
        s = torch.tensor(std, dtype=torch.float32).view(3, 1, 1) / 255.0
        t = (t - m) / s
    return t


class SkeletonToImage:
    """Callable form of `skeleton_to_image`; ``SkeletonToImage.preset("utd_mhad_20x68")`` uses the thesis
    constants (IMAGE_PRESETS)."""

    def __init__(self, height=None, width=None, mean=None, std=None, first_body_only=True):
        self.kw = dict(height=height, width=width, mean=mean, std=std, first_body_only=first_body_only)

    @classmethod
    def preset(cls, name: str) -> "SkeletonToImage":
        if name not in IMAGE_PRESETS:
            raise KeyError(f"unknown image preset {name!r}; choose one of {sorted(IMAGE_PRESETS)}")
        return cls(**IMAGE_PRESETS[name])

    def __call__(self, x) -> torch.Tensor:
        return skeleton_to_image(x, **self.kw)

    def __repr__(self) -> str:
        return f"SkeletonToImage({self.kw})"
