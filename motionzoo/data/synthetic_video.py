"""Synthetic RGB-D clips written in the on-disk folder structure of `motionzoo.data.video` (for tests and the
`--quick` benchmark mode).

Each video shows a textured static background, a static "torso" and a moving blob ("hand") whose direction
of travel is set by the class: class c of K moves along angle 2πc/K (start point, speed, colours and
texture vary per video), so a video model can learn the classes from motion alone.  Depth shows the same
scene: stored 3-channel JPEGs for NvGesture / IsoGD / THU-READ, 16-bit masked PNGs (0 = background,
millimetres on the person) for NTU.

    paths = write_synthetic_rgbd(tmp, dataset="ntu", num_classes=4, videos_per_class=3, frames=24, seed=0)
    ds = RGBDVideoDataset(tmp, paths["train"], dataset="ntu", modality="rgbd", resize=(64, 48), crop=32,
                          sample_size=32)
"""
from __future__ import annotations

import math
import os
from pathlib import Path

import numpy as np
from PIL import Image

from .._deprecation import warn_deprecated
from .video_io import VideoRecord, get_video_format, write_split_file

__all__ = ["render_synthetic_video", "write_synthetic_rgbd"]


def render_synthetic_video(label: int, num_classes: int, frames: int = 24, size: tuple[int, int] = (64, 48),
                           rng: np.random.Generator | None = None, blob_radius: float = 0.09,
                           travel: float = 0.5) -> tuple[np.ndarray, np.ndarray]:
    """One video: (rgb T×H×W×3 uint8, depth T×H×W uint16 millimetres with 0 = background).

    blob_radius, travel: the blob's radius and its mean path length, as fractions of the frame's shorter side."""
    rng = rng if rng is not None else np.random.default_rng()
    w, h = size
    ys, xs = np.mgrid[0:h, 0:w].astype(np.float32)
    background = rng.integers(40, 120, size=3).astype(np.float32)
    texture = rng.normal(0, 12, size=(h, w, 1)).astype(np.float32)
    hand_colour = rng.integers(150, 256, size=3).astype(np.float32)
    torso_colour = rng.integers(60, 200, size=3).astype(np.float32)
    # torso: a static ellipse big enough to pass the NTU ROI's contour-area test (> 500 px after dilation)
    tx, ty = w * rng.uniform(0.4, 0.6), h * rng.uniform(0.45, 0.6)
    torso = ((xs - tx) / (0.16 * w)) ** 2 + ((ys - ty) / (0.3 * h)) ** 2 < 1
    angle = 2 * math.pi * label / num_classes + rng.uniform(-0.2, 0.2)
    path = travel * min(w, h) * rng.uniform(0.8, 1.2)
    cx0 = w / 2 - 0.5 * path * math.cos(angle) + rng.uniform(-2, 2)
    cy0 = h / 2 - 0.5 * path * math.sin(angle) + rng.uniform(-2, 2)
    radius = max(2.0, blob_radius * min(w, h))
    torso_depth = rng.uniform(2200, 3000)
    rgb = np.empty((frames, h, w, 3), np.uint8)
    depth = np.zeros((frames, h, w), np.uint16)
    for t in range(frames):
        s = t / max(frames - 1, 1)
        cx, cy = cx0 + s * path * math.cos(angle), cy0 + s * path * math.sin(angle)
        hand = np.exp(-(((xs - cx) ** 2 + (ys - cy) ** 2) / (2 * radius ** 2)))[..., None]
        img = background + texture
        img = np.where(torso[..., None], torso_colour, img)
        img = img * (1 - hand) + hand_colour * hand
        rgb[t] = np.clip(img + rng.normal(0, 3, img.shape), 0, 255).astype(np.uint8)
        person = torso | (hand[..., 0] > 0.3)
        d = np.where(hand[..., 0] > 0.3, torso_depth - 500 * hand[..., 0], torso_depth + 3 * (ys - ty))
        depth[t] = np.where(person, d, 0).astype(np.uint16)
    return rgb, depth


def _depth_as_jpeg_rgb(depth: np.ndarray) -> np.ndarray:
    """Stored-JPEG depth (NvGesture, IsoGD, THU-READ): nearer is brighter, replicated to 3 channels."""
    v = np.where(depth > 0, np.clip(255 - (depth.astype(np.float32) - 1500) / 8, 0, 255), 0).astype(np.uint8)
    return np.repeat(v[..., None], 3, axis=-1)


def _video_name(dataset: str, subset: str, label: int, k: int) -> tuple[str, str | None]:
    """(name in the split file, name in the depth list where the dataset has separate depth lists)."""
    if dataset == "ntu":
        camera = 1 if subset == "valid" else 2
        return f"S001C{camera:03d}P{k + 1:03d}R001A{label + 1:03d}_rgb", None
    if dataset == "nvgesture":
        return f"{'train' if subset == 'train' else 'test'}/class_{label + 1:02d}/subject{k + 1}_r0", None
    if dataset == "isogd":
        return f"{subset}/{label + 1:03d}/M_{k + 1:05d}", None
    if dataset == "thuread":
        return f"RGB_class{label:02d}_p{k + 1}_1", f"D_class{label:02d}_p{k + 1}_1"
    if dataset == "jester":
        return f"{label + 1}{k + 1:05d}", None
    raise ValueError(f"no synthetic naming for dataset {dataset!r}")


def write_synthetic_rgbd(root: str | os.PathLike, dataset: str = "ntu", num_classes: int = 4,
                         videos_per_class: int = 3, frames: int | tuple[int, int] = 24,
                         size: tuple[int, int] = (64, 48), seed: int = 0, valid_per_class: int | None = None,
                         depth: bool = True, split_dir: str | os.PathLike | None = None,
                         blob_radius: float = 0.09, travel: float = 0.5, layout: str | None = None) -> dict[str, Path]:
    """Write frame folders and split files for `dataset` (`layout=`: its deprecated name) under `root`; returns the
    split-file paths {"train", "valid"} (THU-READ also {"depth_train", "depth_valid"}).

    frames: a count, or an inclusive (min, max) range drawn per video.  size: (W, H) of every frame.
    valid_per_class: videos per class in the valid list (default max(1, videos_per_class // 3)).
    blob_radius, travel: `render_synthetic_video`'s.
    Split files go to `split_dir` (default `<root>/dataset_splits`)."""
    if layout is not None:
        warn_deprecated("write_synthetic_rgbd: layout= is deprecated; use dataset=")
        dataset = layout
    fmt = get_video_format(dataset)
    if num_classes > fmt.num_classes:
        raise ValueError(f"{fmt.name} has {fmt.num_classes} classes, asked for {num_classes}")
    rng = np.random.default_rng(seed)
    root = Path(root)
    split_dir = Path(split_dir) if split_dir is not None else root / "dataset_splits"
    n_valid = valid_per_class if valid_per_class is not None else max(1, videos_per_class // 3)
    if not 0 < n_valid < videos_per_class:
        raise ValueError(f"valid_per_class={n_valid} must be in 1..videos_per_class-1={videos_per_class - 1}")
    modalities = [m for m in fmt.modalities if depth or m == "rgb"]
    lists: dict[str, list[VideoRecord]] = {"train": [], "valid": [], "depth_train": [], "depth_valid": []}
    k = 0
    for label in range(num_classes):
        for v in range(videos_per_class):
            subset = "valid" if v < n_valid else "train"
            n = frames if isinstance(frames, int) else int(rng.integers(frames[0], frames[1] + 1))
            rgb, dep = render_synthetic_video(label, num_classes, n, size, rng, blob_radius, travel)
            name, depth_name = _video_name(fmt.name, subset, label, k)
            k += 1
            lists[subset].append(VideoRecord(name, n, label))
            if depth_name is not None and "depth" in modalities:
                lists[f"depth_{subset}"].append(VideoRecord(depth_name, n, label))
            for m in modalities:
                folder = fmt.frame_dir(root, name, m)
                folder.mkdir(parents=True, exist_ok=True)
                for i in range(n):
                    path = folder / fmt.frame_name(m, i)
                    if m == "rgb":
                        Image.fromarray(rgb[i]).save(path, quality=95)
                    elif fmt.depth_kind == "ntu_masked_png":
                        Image.fromarray(dep[i]).save(path)          # 16-bit greyscale PNG, as NTU
                    else:
                        Image.fromarray(_depth_as_jpeg_rgb(dep[i])).save(path, quality=95)
    paths = {s: write_split_file(split_dir / fmt.split_names[i], lists[s]) for i, s in enumerate(("train", "valid"))}
    if fmt.depth_split_names and "depth" in modalities:
        for i, s in enumerate(("train", "valid")):
            paths[f"depth_{s}"] = write_split_file(split_dir / fmt.depth_split_names[i], lists[f"depth_{s}"])
    return paths
