"""RGB-D video datasets on disk (DRSR lineage): split files, each dataset's folder structure, frame names, decoding,
NTU masked-depth colouring and the NTU region-of-interest rules.

Spec: video-models.md §6.1, §6.2, §6.7, §6.9.  Frames are decoded with Pillow; nothing here needs OpenCV.
Where upstream relied on an OpenCV operation we re-implement its semantics (noted at each function).
"""
from __future__ import annotations

import os
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Sequence

import numpy as np
import torch
from PIL import Image, UnidentifiedImageError

__all__ = [
    "VideoDataError", "SplitFileError", "MissingFrameError", "CorruptFrameError", "DepthROIError",
    "VideoRecord", "SplitList", "read_split_file", "write_split_file", "MIN_FRAMES_EXCLUSIVE",
    "VideoDatasetFormat", "VIDEO_FORMATS", "get_video_format",
    "load_frame", "jet_lut", "ntu_depth_to_color", "ntu_depth_roi_box", "ntu_rgb_roi_box",
    "grey_erode", "grey_dilate",
]

# Upstream keeps only videos with MORE than 16 frames (§6.1); 16-frame videos are dropped too.
MIN_FRAMES_EXCLUSIVE = 16


# ---------------------------------------------------------------------------------------------------------
# Errors
# ---------------------------------------------------------------------------------------------------------
class VideoDataError(Exception):
    """Base class of every RGB-D data error (each message names the offending file)."""


class SplitFileError(VideoDataError, ValueError):
    """A malformed line in a split file (the message names the file and the 1-based line)."""


class MissingFrameError(VideoDataError, FileNotFoundError):
    """A frame that the split file promises is not on disk."""


class CorruptFrameError(VideoDataError, OSError):
    """A frame file that Pillow cannot decode (truncated, not an image, wrong mode)."""


class DepthROIError(VideoDataError, ValueError):
    """An NTU masked-depth frame without any person-sized region (upstream crashes on these)."""


# ---------------------------------------------------------------------------------------------------------
# Split files (§6.1): `<relative video path> <num_frames> <label>`, 0-based labels
# ---------------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class VideoRecord:
    name: str          # relative video path, exactly as in the split file
    num_frames: int
    label: int
    line: int = 0      # 1-based line number in the split file (0 = not from a file)


@dataclass
class SplitList:
    path: str
    records: list[VideoRecord]
    dropped: list[VideoRecord] = field(default_factory=list)   # too short (<= 16 frames), as upstream

    def __len__(self) -> int:
        return len(self.records)

    def __getitem__(self, i: int) -> VideoRecord:
        return self.records[i]


def read_split_file(path: str | os.PathLike, num_classes: int | None = None,
                    min_frames_exclusive: int = MIN_FRAMES_EXCLUSIVE, warn: bool = True) -> SplitList:
    """Parse a split file.

    Each non-blank line holds three whitespace-separated fields.  Unlike upstream (which drops the last
    character and splits on single spaces) surrounding whitespace is stripped and runs of whitespace split,
    so the successor's THU-READ lists that begin with a space parse correctly (§6.1 decision).

    Videos with `num_frames <= min_frames_exclusive` (16, the upstream rule) are dropped, counted in
    `SplitList.dropped` and reported with one warning.  Malformed lines raise `SplitFileError`.
    """
    path = os.fspath(path)
    try:
        with open(path, encoding="utf-8") as f:
            lines = f.read().splitlines()
    except FileNotFoundError as e:
        raise SplitFileError(f"split file {path!r} does not exist") from e
    records, dropped = [], []
    for lineno, raw in enumerate(lines, start=1):
        text = raw.strip()
        if not text:
            continue
        fields = text.split()
        if len(fields) != 3:
            raise SplitFileError(f"{path}:{lineno}: expected '<video path> <num_frames> <label>' (3 fields), "
                                 f"got {len(fields)} field(s): {raw!r}")
        name, frames_s, label_s = fields
        try:
            num_frames, label = int(frames_s), int(label_s)
        except ValueError:
            raise SplitFileError(f"{path}:{lineno}: num_frames and label must be integers, got "
                                 f"{frames_s!r} and {label_s!r}") from None
        if num_frames < 0:
            raise SplitFileError(f"{path}:{lineno}: negative frame count {num_frames}")
        if label < 0 or (num_classes is not None and label >= num_classes):
            bound = f"[0, {num_classes})" if num_classes is not None else ">= 0"
            raise SplitFileError(f"{path}:{lineno}: label {label} outside {bound} (labels are 0-based)")
        rec = VideoRecord(name, num_frames, label, lineno)
        (records if num_frames > min_frames_exclusive else dropped).append(rec)
    if dropped and warn:
        warnings.warn(f"{path}: dropped {len(dropped)} of {len(records) + len(dropped)} videos with "
                      f"<= {min_frames_exclusive} frames (the upstream rule keeps only longer videos)",
                      stacklevel=2)
    return SplitList(path, records, dropped)


def write_split_file(path: str | os.PathLike, records: Sequence[VideoRecord | tuple[str, int, int]]) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        for r in records:
            name, n, label = (r.name, r.num_frames, r.label) if isinstance(r, VideoRecord) else r
            f.write(f"{name} {n} {label}\n")
    return path


# ---------------------------------------------------------------------------------------------------------
# Each dataset's folders and frame names (§6.2)
# ---------------------------------------------------------------------------------------------------------
def _strip_rgb_suffix(name: str) -> str:
    # Upstream cuts the last 4 characters unconditionally; we only strip a real "_rgb".
    return name[:-4] if name.endswith("_rgb") else name


def _isogd_depth_name(name: str) -> str:
    # Upstream replaces every capital M in the whole path; only the file-name prefix M_ is meant (§6.2).
    head, _, base = name.rpartition("/")
    if base.startswith("M_"):
        base = "K_" + base[2:]
    return f"{head}/{base}" if head else base


def _thuread_depth_dir(rgb_dir: Path) -> Path:
    # Components equal to "RGB" become "Depth"; the video folder "RGB_<x>" becomes "D_<x>" (§6.2).
    parts = ["Depth" if p == "RGB" else p for p in rgb_dir.parts]
    if parts[-1].startswith("RGB"):
        parts[-1] = "D" + parts[-1][3:]
    return Path(*parts)


@dataclass(frozen=True)
class VideoDatasetFormat:
    """Where a dataset keeps its frames.  `rgb_dir(root, name)` / `depth_dir(root, name)` give the frame
    folder of a split-file entry (for depth: also from an RGB list entry, as fusion does);
    `frame_name(modality, i)` the file name of 0-based frame i."""

    name: str
    num_classes: int
    modalities: tuple[str, ...]
    rgb_dir: Callable[[Path, str], Path]
    depth_dir: Callable[[Path, str], Path] | None
    rgb_pattern: str                  # printf pattern
    depth_pattern: str | None
    index_offset: int                 # added to the 0-based frame index before formatting
    split_names: tuple[str, str] = ("train.txt", "valid.txt")
    depth_split_names: tuple[str, str] | None = None
    depth_kind: str = "jpeg"          # "jpeg" (stored 3-channel) or "ntu_masked_png" (§6.7)

    def frame_dir(self, root: str | os.PathLike, name: str, modality: str) -> Path:
        if modality not in self.modalities:
            raise ValueError(f"dataset {self.name!r} has modalities {self.modalities}, not {modality!r}")
        fn = self.rgb_dir if modality == "rgb" else self.depth_dir
        return fn(Path(root), name)

    def frame_name(self, modality: str, index: int) -> str:
        pattern = self.rgb_pattern if modality == "rgb" else self.depth_pattern
        return pattern % (index + self.index_offset)

    def frame_path(self, root: str | os.PathLike, name: str, modality: str, index: int) -> Path:
        return self.frame_dir(root, name, modality) / self.frame_name(modality, index)


VIDEO_FORMATS: dict[str, VideoDatasetFormat] = {
    "ntu": VideoDatasetFormat(
        "ntu", 60, ("rgb", "depth"),
        rgb_dir=lambda root, n: root / "Images" / n,
        depth_dir=lambda root, n: root / "nturgb+d_depth_masked" / _strip_rgb_suffix(n),
        rgb_pattern="%06d.jpg", depth_pattern="MDepth-%08d.png", index_offset=1,
        depth_kind="ntu_masked_png"),
    "nvgesture": VideoDatasetFormat(
        "nvgesture", 25, ("rgb", "depth"),
        rgb_dir=lambda root, n: root / "rgb" / n,
        depth_dir=lambda root, n: root / "depth" / n,
        rgb_pattern="%06d.jpg", depth_pattern="%06d.jpg", index_offset=0),
    "isogd": VideoDatasetFormat(
        "isogd", 249, ("rgb", "depth"),
        rgb_dir=lambda root, n: root / "rgb" / n,
        depth_dir=lambda root, n: root / "depth" / _isogd_depth_name(n),
        rgb_pattern="%06d.jpg", depth_pattern="%06d.jpg", index_offset=0),
    "thuread": VideoDatasetFormat(
        "thuread", 40, ("rgb", "depth"),
        rgb_dir=lambda root, n: root / n,
        depth_dir=lambda root, n: _thuread_depth_dir(root / n),
        rgb_pattern="%06d.jpg", depth_pattern="%06d.jpg", index_offset=0,
        depth_split_names=("depth_train_lst.txt", "depth_valid_lst.txt")),
    "jester": VideoDatasetFormat(
        "jester", 27, ("rgb",),
        rgb_dir=lambda root, n: root / n, depth_dir=None,
        rgb_pattern="%05d.jpg", depth_pattern=None, index_offset=1),
}


def get_video_format(dataset: str | VideoDatasetFormat) -> VideoDatasetFormat:
    """Where `dataset` ("ntu", "nvgesture", "thuread", "isogd", "jester" or an alias) keeps its frames."""
    if isinstance(dataset, VideoDatasetFormat):
        return dataset
    key = dataset.lower().replace("-", "").replace("_", "")
    aliases = {"nturgbd": "ntu", "ntu60": "ntu", "nv": "nvgesture", "thu": "thuread", "chalearnisogd": "isogd"}
    key = aliases.get(key, key)
    if key not in VIDEO_FORMATS:
        raise ValueError(f"unknown RGB-D dataset {dataset!r}; known: {sorted(VIDEO_FORMATS)}")
    return VIDEO_FORMATS[key]


# "layout" now means tensor axes only; the old names of this module's folder-structure API still resolve.
_RENAMED = {"VideoLayout": "VideoDatasetFormat", "VIDEO_LAYOUTS": "VIDEO_FORMATS",
            "get_video_layout": "get_video_format"}


def __getattr__(name: str):
    if name in _RENAMED:
        from .._deprecation import warn_deprecated
        warn_deprecated(f"motionzoo.data.video_io.{name} is deprecated; use {_RENAMED[name]}")
        return globals()[_RENAMED[name]]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


# ---------------------------------------------------------------------------------------------------------
# Decoding
# ---------------------------------------------------------------------------------------------------------
def load_frame(path: str | os.PathLike, kind: str = "color") -> np.ndarray:
    """Decode one frame with Pillow.

    kind="color": H×W×3 uint8 RGB (a greyscale JPEG is replicated to 3 channels).
    kind="raw":   the array exactly as stored (NTU masked depth: H×W, uint16 or uint8).
    Raises `MissingFrameError` / `CorruptFrameError` naming the file.
    """
    path = os.fspath(path)
    try:
        with Image.open(path) as im:
            im.load()
            if kind == "color":
                return np.asarray(im.convert("RGB"))
            arr = np.asarray(im)
    except FileNotFoundError:
        raise MissingFrameError(f"frame file {path!r} does not exist") from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as e:
        raise CorruptFrameError(f"cannot decode frame {path!r}: {e}") from e
    if arr.ndim != 2:
        raise CorruptFrameError(f"{path!r}: expected a single-channel depth image, got shape {arr.shape}")
    return arr


# ---------------------------------------------------------------------------------------------------------
# Grey morphology with OpenCV semantics (anchor at k//2, border ignored).  Used by the NTU ROI and by the
# FRP heat-map's static mask (§6.8) -- one implementation for both.
# ---------------------------------------------------------------------------------------------------------
def _morph(x, kh: int, kw: int, op: str):
    """op over src[y-ay : y-ay+kh, x-ax : x-ax+kw] on the last two axes, a = k//2, outside pixels never
    win (OpenCV's default morphology border).  scipy's filters centre even windows the same way
    (checked against cv2.erode / cv2.dilate for 2×2, 3×3, 3×5 and 10×10: identical)."""
    from scipy import ndimage
    is_tensor = isinstance(x, torch.Tensor)
    arr = x.detach().cpu().numpy() if is_tensor else np.asarray(x)
    size = (1,) * (arr.ndim - 2) + (kh, kw)
    if arr.dtype == bool:
        fill = op == "min"
    else:
        fill = np.inf if op == "min" else -np.inf
    filt = ndimage.minimum_filter if op == "min" else ndimage.maximum_filter
    out = filt(arr, size=size, mode="constant", cval=fill)
    return torch.from_numpy(out).to(x.device) if is_tensor else out


def grey_erode(x, size: tuple[int, int]):
    """`cv2.erode` with a kh×kw rectangle, default anchor and border (size = (kh, kw)); numpy or torch."""
    return _morph(x, size[0], size[1], "min")


def grey_dilate(x, size: tuple[int, int]):
    """`cv2.dilate` with a kh×kw rectangle, default anchor and border; numpy or torch."""
    return _morph(x, size[0], size[1], "max")


# ---------------------------------------------------------------------------------------------------------
# NTU masked depth -> 3 channels (§6.7) and the ROI rules (§6.7 step 2, §6.9)
# ---------------------------------------------------------------------------------------------------------
# OpenCV's COLORMAP_JET is piecewise linear with slope 4 per LUT index: channel = clip(min(4i + a, b - 4i)).
# Checked against cv2.applyColorMap (opencv-python-headless 5.0.0): identical except blue[159], which
# OpenCV rounds to 1.  matplotlib's own "jet" uses other breakpoints (up to 34 levels off), so it is only an
# option, not the default, because converted NTU-depth weights saw OpenCV's colours.
_JET_OPENCV_AB = {"red": (-382, 1148), "green": (-128, 892), "blue": (128, 638)}


def jet_lut(source: str = "opencv") -> np.ndarray:
    """256×3 uint8 lookup table in R, G, B order.  source: "opencv" | "matplotlib"."""
    if source == "matplotlib":
        import matplotlib
        return np.round(matplotlib.colormaps["jet"](np.arange(256) / 255.0)[:, :3] * 255).astype(np.uint8)
    if source != "opencv":
        raise ValueError(f"jet source must be 'opencv' or 'matplotlib', got {source!r}")
    i = np.arange(256)
    lut = np.stack([np.clip(np.minimum(4 * i + a, b - 4 * i), 0, 255) for a, b in _JET_OPENCV_AB.values()], 1)
    lut[159, 2] = 1
    return lut.astype(np.uint8)


def _wrap_uint8_times_255(depth: np.ndarray, path: str = "") -> np.ndarray:
    """Upstream's `np.uint8(255 * img)`: for any integer array that is (-v) mod 256 (it wraps, §6.7)."""
    if not np.issubdtype(depth.dtype, np.integer):
        raise CorruptFrameError(f"{path or 'depth frame'}: expected an integer depth image, got {depth.dtype}")
    return ((depth.astype(np.int64) * 255) % 256).astype(np.uint8)


def _contour_centres(support: np.ndarray, min_area: float = 500.0) -> np.ndarray:
    """Centres of the minimum-area rectangles of the external contours of `support` whose contour area
    exceeds `min_area` -- what upstream gets from findContours(RETR_EXTERNAL) + contourArea + minAreaRect.

    Without OpenCV: each external contour is one 8-connected component with its holes filled; the contour
    polygon through the boundary-pixel centres has area P - B/2 - 1 (Pick's theorem; P pixels, B of them on
    the boundary); the minimum-area rectangle comes from rotating calipers over the pixel convex hull.
    Returns (K, 2) float (x, y)."""
    from scipy import ndimage
    from scipy.spatial import ConvexHull, QhullError

    filled = ndimage.binary_fill_holes(support)
    labels, n = ndimage.label(filled, structure=np.ones((3, 3), bool))
    if n == 0:
        return np.zeros((0, 2))
    # boundary = pixels with a 4-neighbour outside (image edge included); 8-components never touch 4-wise
    boundary = filled & ~ndimage.binary_erosion(filled, border_value=0)
    pixels = np.bincount(labels.ravel(), minlength=n + 1)
    edge_labels = labels[boundary]
    edges = np.bincount(edge_labels, minlength=n + 1)
    ys, xs = np.nonzero(boundary)
    order = np.argsort(edge_labels, kind="stable")
    groups = np.split(np.stack([xs, ys], 1)[order].astype(np.float64), np.cumsum(edges[1:])[:-1])
    centres = []
    for k in range(1, n + 1):
        if pixels[k] - edges[k] / 2 - 1 <= min_area:
            continue
        try:   # the hull of a component is the hull of its boundary pixels
            hull = groups[k - 1][ConvexHull(groups[k - 1]).vertices]
        except QhullError:
            continue
        best = None
        for j in range(len(hull)):
            edge = hull[(j + 1) % len(hull)] - hull[j]
            u = edge / np.hypot(*edge)
            v = np.array([-u[1], u[0]])
            pu, pv = hull @ u, hull @ v
            area = (pu.max() - pu.min()) * (pv.max() - pv.min())
            if best is None or area < best[0] - 1e-9:
                best = (area, (pu.max() + pu.min()) / 2 * u + (pv.max() + pv.min()) / 2 * v)
        centres.append(best[1])
    return np.array(centres).reshape(-1, 2)


def _roi_anchor(support: np.ndarray) -> tuple[int, int] | None:
    """(min centre x, min centre y) over the large contours after a 3×3 erosion and 10×10 dilation."""
    mask = grey_dilate(grey_erode(support.astype(bool), (3, 3)), (10, 10))
    centres = _contour_centres(mask)
    if len(centres) == 0:
        return None
    centres = centres.astype(np.intp)   # np.int0 truncates
    return int(centres[:, 0].min()), int(centres[:, 1].min())


def _anchored_box(cx: int, cy: int, crop_w: int, crop_h: int, width: int, height: int) -> tuple[int, int, int, int]:
    # Upstream: top-left = anchor - crop/2 floored at 0, then clipped to the image (boxes shrink at the
    # right/bottom edge instead of sliding back).
    left = max(cx - crop_w // 2, 0)
    top = max(cy - crop_h // 2, 0)
    return left, top, min(left + crop_w, width), min(top + crop_h, height)


def ntu_depth_roi_box(wrapped: np.ndarray, path: str = "", on_empty: str = "error") -> tuple[int, int, int, int]:
    """Dataloader ROI on an already wrapped uint8 masked-depth frame: a 320×240 box (§6.7 step 2).
    on_empty: "error" (upstream crashes) or "center" (a centred box)."""
    h, w = wrapped.shape
    anchor = _roi_anchor(wrapped > 0)
    if anchor is None:
        if on_empty == "center":
            anchor = (w // 2, h // 2)
        else:
            raise DepthROIError(f"{path or 'depth frame'}: no region with contour area > 500 in the depth "
                                f"mask (pass depth_roi_fallback='center' to use a centred box)")
    return _anchored_box(*anchor, 320, 240, w, h)


def ntu_depth_to_color(depth: np.ndarray, jet: str = "opencv", channel_order: str = "bgr", path: str = "",
                       on_empty: str = "error") -> np.ndarray:
    """NTU masked-depth frame (H×W integer) -> ROI crop, JET-coloured, H'×W'×3 uint8 (§6.7, "upstream").

    1. np.uint8(255·v), which wraps to (-v) mod 256;  2. 320×240 ROI anchored on the contours;
    3. JET.  channel_order="bgr" keeps OpenCV's order as upstream fed it to the network (open item in the
    spec; decided by the NTU-depth converter test), "rgb" reverses it."""
    wrapped = _wrap_uint8_times_255(depth, path)
    left, top, right, bottom = ntu_depth_roi_box(wrapped, path, on_empty)
    colored = jet_lut(jet)[wrapped[top:bottom, left:right]]
    if channel_order == "bgr":
        colored = colored[..., ::-1]
    elif channel_order != "rgb":
        raise ValueError(f"channel_order must be 'bgr' or 'rgb', got {channel_order!r}")
    return np.ascontiguousarray(colored)


def ntu_rgb_roi_box(depth: np.ndarray, rgb_size: tuple[int, int] = (1920, 1080), roi: str = "half"
                    ) -> tuple[int, int, int, int] | None:
    """The offline NTU RGB crop (§6.9): the box (left, top, right, bottom) in RGB pixels, or None when the
    depth mask holds no large region (upstream crashes there).

    `depth` is the 512×424 masked-depth PNG as stored.  Upstream reads it with OpenCV's 8-bit colour
    loader (16-bit values become v >> 8), finds the contour anchor at depth resolution, rescales it with
    int(W_rgb / W_depth · x), and crops roi="half" (half the RGB frame, the code, 960×540 for NTU) or
    roi="640x480" (what the README says) anchored there."""
    if depth.dtype == np.uint16:
        depth = depth >> 8
    support = _wrap_uint8_times_255(depth) > 0
    anchor = _roi_anchor(support)
    if anchor is None:
        return None
    w_rgb, h_rgb = rgb_size
    h_d, w_d = depth.shape
    x = int((w_rgb / w_d) * anchor[0])
    y = int((h_rgb / h_d) * anchor[1])
    if roi == "half":
        crop_w, crop_h = w_rgb // 2, h_rgb // 2
    elif roi == "640x480":
        crop_w, crop_h = 640, 480
    else:
        raise ValueError(f"roi must be 'half' (the code) or '640x480' (the README), got {roi!r}")
    return _anchored_box(x, y, crop_w, crop_h, w_rgb, h_rgb)
