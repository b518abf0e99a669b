"""RGB-D video pipeline (video-models.md §6, §3.2): split files, folder structures, sampling, transforms, heat-map,
NTU depth / ROI, datasets on synthetic clips of every dataset, bad input, SMnet preprocessing."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from motionzoo.data.synthetic_video import render_synthetic_video, write_synthetic_rgbd
from motionzoo.data.video import (
    CorruptFrameError, DepthROIError, MissingFrameError, RGBDVideoDataset, SplitFileError, VideoClipTransform,
    draw_spatial_params, frp_heatmap, get_clip_transform_config, get_video_format, grey_dilate, grey_erode,
    jet_lut, ntu_depth_to_color, ntu_rgb_roi_box, read_split_file, rotate_frame, sample_frame_indices,
    split_file_path, video_transform_from_cfg,
)
from motionzoo.data.video_smnet import render_skeleton_image, smnet_collate, smnet_preprocess

DATASETS = ["ntu", "nvgesture", "thuread", "isogd", "jester"]
# small frames for speed; THU-READ keeps its crop < sample_size upscaling step
SMALL = {"resize": (64, 64), "crop": 32, "sample_size": 32}
SMALL_THU = {"resize": (64, 64), "crop": 28, "sample_size": 32}
NORM_MAX = 127.5 / 128


def small(dataset):
    return SMALL_THU if dataset == "thuread" else SMALL


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory):
    out = {}
    for dataset in DATASETS:
        root = tmp_path_factory.mktemp(dataset)
        paths = write_synthetic_rgbd(root, dataset=dataset, num_classes=2, videos_per_class=3, frames=(17, 40),
                                     size=(64, 48), seed=0)
        out[dataset] = (root, paths)
    return out


# ---------------------------------------------------------------------------------------------------------
# split files
# ---------------------------------------------------------------------------------------------------------
def test_split_file_parsing_and_short_video_rule(tmp_path):
    p = tmp_path / "train.txt"
    p.write_text(" RGB_a_1 103 0\nRGB_b_1\t20  3 \n\nshort 16 1\nshorter 5 2\nRGB_c_1 17 39\n")
    with pytest.warns(UserWarning, match="dropped 2 of 5"):
        split = read_split_file(p, num_classes=40)
    assert [(r.name, r.num_frames, r.label, r.line) for r in split.records] == [
        ("RGB_a_1", 103, 0, 1), ("RGB_b_1", 20, 3, 2), ("RGB_c_1", 17, 39, 6)]
    assert [r.name for r in split.dropped] == ["short", "shorter"]


@pytest.mark.parametrize("line, match", [
    ("a 10", "3 fields"), ("a 10 1 extra", "3 fields"), ("a ten 1", "integers"), ("a 30 -1", "label -1"),
    ("a 30 60", "label 60"), ("a -3 1", "negative")])
def test_split_file_errors_name_file_and_line(tmp_path, line, match):
    p = tmp_path / "valid.txt"
    p.write_text(f"ok 30 0\n{line}\n")
    with pytest.raises(SplitFileError, match=match) as e:
        read_split_file(p, num_classes=60)
    assert f"{p}:2" in str(e.value)


def test_split_file_missing(tmp_path):
    with pytest.raises(SplitFileError, match="does not exist"):
        read_split_file(tmp_path / "nope.txt")


def test_split_file_names():
    assert split_file_path("s", "ntu", True).name == "train.txt"
    assert split_file_path("s", "thuread", False, "depth").name == "depth_valid_lst.txt"
    assert split_file_path("s", "thuread", True, "rgb").name == "train.txt"


# ---------------------------------------------------------------------------------------------------------
# each dataset's folders and frame names (§6.2)
# ---------------------------------------------------------------------------------------------------------
def test_old_layout_names_still_work_with_a_warning(tmp_path):
    """"layout" means tensor axes only; the folder-structure API is `dataset=` / `get_video_format`."""
    from motionzoo.data import video, video_io
    with pytest.warns(DeprecationWarning, match="get_video_format"):
        assert video.get_video_layout is video_io.get_video_format
    with pytest.warns(DeprecationWarning, match="VideoDatasetFormat"):
        assert video_io.VideoLayout is video_io.VideoDatasetFormat
    with pytest.warns(DeprecationWarning, match="dataset="):
        paths = write_synthetic_rgbd(tmp_path, layout="nvgesture", num_classes=2, videos_per_class=2, frames=20)
    with pytest.warns(DeprecationWarning, match="dataset="):
        ds = RGBDVideoDataset(tmp_path, paths["valid"], layout="nvgesture", modality="rgb", **SMALL)
    assert ds.video_format.name == "nvgesture" and "dataset='nvgesture'" in repr(ds)


def test_dataset_paths():
    r = Path("/d")
    ntu = get_video_format("ntu")
    assert ntu.frame_path(r, "S001C001P001R001A001_rgb", "rgb", 0) == r / "Images/S001C001P001R001A001_rgb/000001.jpg"
    assert ntu.frame_path(r, "S001C001P001R001A001_rgb", "depth", 9) == \
        r / "nturgb+d_depth_masked/S001C001P001R001A001/MDepth-00000010.png"
    nv = get_video_format("nvgesture")
    assert nv.frame_path(r, "train/class_01/subject3_r0", "depth", 0) == r / "depth/train/class_01/subject3_r0/000000.jpg"
    iso = get_video_format("isogd")
    # only the file-name prefix changes (upstream would also rewrite the M of "Mtrain")
    assert iso.frame_dir(r, "Mtrain/001/M_00001", "depth") == r / "depth/Mtrain/001/K_00001"
    assert iso.frame_dir(r, "train/001/K_00001", "depth") == r / "depth/train/001/K_00001"
    thu = get_video_format("thuread")
    assert thu.frame_dir(Path("/x/RGB"), "RGB_open_laptop_lhh_2", "depth") == Path("/x/Depth/D_open_laptop_lhh_2")
    assert thu.frame_dir(r, "D_open_laptop_lhh_2", "depth") == r / "D_open_laptop_lhh_2"
    jester = get_video_format("jester")
    assert jester.frame_path(r, "123", "rgb", 0) == r / "123/00001.jpg"
    assert [get_video_format(n).num_classes for n in DATASETS] == [60, 25, 40, 249, 27]
    with pytest.raises(ValueError, match="known"):
        get_video_format("kinetics")
    with pytest.raises(ValueError, match="modalities"):
        jester.frame_dir(r, "1", "depth")


# ---------------------------------------------------------------------------------------------------------
# sampling and spatial transforms
# ---------------------------------------------------------------------------------------------------------
def test_temporal_sampling_eval_matches_spec_examples():
    assert sample_frame_indices(30)[:6].tolist() == [0, 0, 0, 1, 1, 2]
    assert sample_frame_indices(200)[:4].tolist() == [1, 4, 7, 10]
    for n in (1, 17, 64, 65, 999):
        idx = sample_frame_indices(n)
        assert len(idx) == 64 and idx.min() >= 0 and idx.max() < n and (np.diff(idx) >= 0).all()


def test_temporal_sampling_train_stays_in_segments_and_is_seeded():
    n = 200
    a = sample_frame_indices(n, train=True, rng=np.random.default_rng(3))
    b = sample_frame_indices(n, train=True, rng=np.random.default_rng(3))
    c = sample_frame_indices(n, train=True, rng=np.random.default_rng(4))
    assert (a == b).all() and not (a == c).all()
    i = np.arange(64)
    start, stop = n * i // 64, np.maximum(n * i // 64 + 1, n * (i + 1) // 64)
    assert ((a >= start) & (a < stop)).all()


def test_spatial_params_per_dataset():
    ntu = get_clip_transform_config("ntu")
    assert draw_spatial_params(ntu, train=False) == draw_spatial_params(ntu, False)
    p = draw_spatial_params(ntu, False)
    assert (p.left, p.top, p.flip, p.angle) == (48, 8, False, 0)
    nv = get_clip_transform_config("nvgesture")
    assert (draw_spatial_params(nv, False).left, draw_spatial_params(nv, False).top) == (32, 32)
    rng = np.random.default_rng(0)
    draws = [draw_spatial_params(nv, True, rng) for _ in range(300)]
    assert min(d.left for d in draws) >= 10 and max(d.left for d in draws) == 32     # [10, W - crop] inclusive
    assert not any(d.flip for d in draws)                                           # NvGesture never flips
    thu = get_clip_transform_config("thuread")
    draws = [draw_spatial_params(thu, True, rng) for _ in range(400)]
    angles = [d.angle for d in draws]
    assert min(angles) >= -45 and max(angles) <= 44 and 0.7 < np.mean([a != 0 for a in angles]) < 0.9
    assert max(d.left for d in draws) < 320 - 200
    assert get_clip_transform_config("ntu", crop=100).crop == 100


def test_rotation_semantics():
    img = np.random.default_rng(0).integers(0, 256, (6, 8, 3), dtype=np.uint8)
    assert (rotate_frame(img, 0) == img).all()
    # 180° about (W/2, H/2) with pixel centres at integers: dst(x, y) = src(W - x, H - y), zero outside
    r = rotate_frame(img, 180)
    assert (r[1:, 1:] == img[::-1, ::-1][:-1, :-1]).all()
    assert (r[0] == 0).all() and (r[:, 0] == 0).all()


def test_morphology_anchor_and_border():
    x = torch.zeros(5, 5)
    x[2, 2] = 1
    d = grey_dilate(x, (2, 2))       # anchor (1, 1): out(y, x) = max src[y-1:y+1, x-1:x+1]
    assert torch.nonzero(d).tolist() == [[2, 2], [2, 3], [3, 2], [3, 3]]
    assert (grey_erode(torch.ones(4, 4), (3, 3)) == 1).all()       # the border is ignored
    e = grey_erode(np.pad(np.ones((3, 3), np.float32), 1), (2, 2))
    assert e.sum() == 4 and e[2:4, 2:4].all()


# ---------------------------------------------------------------------------------------------------------
# FRP heat-map (§6.8)
# ---------------------------------------------------------------------------------------------------------
def test_heatmap_shape_range_alignment():
    rng = np.random.default_rng(0)
    rgb, _ = render_synthetic_video(1, 4, 64, (32, 32), rng)
    clip = (torch.from_numpy(rgb).permute(3, 0, 1, 2).float() - 127.5) / 128
    for w in (10, 4):
        g = frp_heatmap(clip, w)
        assert g.shape == (1, 64, 32, 32) and g.min() >= 0 and g.max() <= 2 and g.max() > 0.5
        assert (g[:, : w - 1] == 0).all()           # trailing windows: w-1 zero maps first
    still = clip[:, :1].expand(-1, 64, -1, -1)
    assert (frp_heatmap(still, 10) == 0).all()       # no motion, no heat
    with pytest.raises(ValueError, match=r"\(3, T, H, W\)"):
        frp_heatmap(clip[:1], 10)


# ---------------------------------------------------------------------------------------------------------
# NTU depth colouring and ROI (§6.7, §6.9)
# ---------------------------------------------------------------------------------------------------------
def test_jet_lut_matches_opencv_values():
    lut = jet_lut()   # R, G, B; values measured with cv2.applyColorMap (opencv-python-headless 5.0.0)
    assert lut.shape == (256, 3) and lut.dtype == np.uint8
    assert lut[0].tolist() == [0, 0, 128] and lut[32].tolist() == [0, 0, 255] and lut[96].tolist() == [2, 255, 254]
    assert lut[128].tolist() == [130, 255, 126] and lut[159].tolist() == [254, 255, 1]
    assert lut[255].tolist() == [128, 0, 0]
    assert np.abs(jet_lut("matplotlib").astype(int) - lut).max() > 10   # matplotlib's jet is a different map


def test_ntu_depth_wraps_crops_and_colours():
    depth = np.zeros((424, 512), np.uint16)
    depth[100:300, 200:300] = 2000                    # 2000 mm -> np.uint8(255 * 2000) = (-2000) % 256 = 48
    out = ntu_depth_to_color(depth, channel_order="rgb")
    assert out.shape == (240, 320, 3)
    assert (out == jet_lut()[48]).all(-1).sum() > 0.5 * 200 * 100 - 1
    bgr = ntu_depth_to_color(depth)
    assert (bgr == out[..., ::-1]).all()
    with pytest.raises(DepthROIError, match="contour area"):
        ntu_depth_to_color(np.zeros((424, 512), np.uint16), path="x.png")
    assert ntu_depth_to_color(np.zeros((424, 512), np.uint16), on_empty="center").shape == (240, 320, 3)


def test_ntu_rgb_roi_half_and_readme_variant():
    depth = np.zeros((424, 512), np.uint16)
    depth[150:290, 220:300] = 3000
    box = ntu_rgb_roi_box(depth, (1920, 1080), roi="half")
    assert box[2] - box[0] == 960 and box[3] - box[1] == 540
    cx, cy = int(1920 / 512 * 259), int(1080 / 424 * 219)     # the anchor is the blob centre here
    assert abs(box[0] - (cx - 480)) <= 4 and abs(box[1] - (cy - 270)) <= 4
    readme = ntu_rgb_roi_box(depth, (1920, 1080), roi="640x480")
    assert readme[2] - readme[0] == 640 and readme[3] - readme[1] == 480
    corner = np.zeros((424, 512), np.uint16)
    corner[0:60, 0:60] = 3000
    assert ntu_rgb_roi_box(corner)[:2] == (0, 0)                # clamped at the image edge
    assert ntu_rgb_roi_box(np.zeros((424, 512), np.uint16)) is None


# ---------------------------------------------------------------------------------------------------------
# datasets on synthetic clips, every dataset
# ---------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("dataset", DATASETS)
def test_dataset_eval_shapes_ranges_determinism(synthetic, dataset):
    root, paths = synthetic[dataset]
    modality = "rgb" if dataset == "jester" else "rgbd"
    ds = RGBDVideoDataset(root, paths["valid"], dataset=dataset, modality=modality, **small(dataset))
    assert len(ds) == 2 and ds.verify_files() == []
    item = ds[1]
    keys = ["clip"] if modality == "rgb" else ["rgb", "depth"]
    for k in keys:
        x = item[k]
        assert x.shape == (3, 64, 32, 32) and x.dtype == torch.float32
        assert x.min() >= -NORM_MAX and x.max() <= NORM_MAX and x.std() > 0.05
        g = item["heatmap" if k == "clip" else f"heatmap_{k}"]
        w = ds.cfg.heatmap_window
        assert g.shape == (1, 64, 32, 32) and g.min() >= 0 and g.max() <= 2 and (g[:, : w - 1] == 0).all()
    assert item["label"] == ds.records[1].label and item["name"] == ds.records[1].name
    again = RGBDVideoDataset(root, paths["valid"], dataset=dataset, modality=modality, **small(dataset))[1]
    for k in keys:
        assert torch.equal(item[k], again[k])


@pytest.mark.parametrize("dataset, modality", [("ntu", "rgbd"), ("isogd", "rgb")])
def test_dataset_train_randomness_under_seed(synthetic, dataset, modality):
    root, paths = synthetic[dataset]
    mk = lambda seed: RGBDVideoDataset(root, paths["train"], dataset=dataset, modality=modality, train=True,
                                       seed=seed, heatmap=False, **small(dataset))
    keys = ["rgb", "depth"] if modality == "rgbd" else ["clip"]
    a, b, c = mk(0), mk(0), mk(1)
    xa, xb, xc = a[0], b[0], c[0]
    assert all(torch.equal(xa[k], xb[k]) for k in keys) and (a.frame_indices(0) == b.frame_indices(0)).all()
    assert not torch.equal(xa[keys[0]], xc[keys[0]])
    a.set_epoch(1)
    assert not torch.equal(xa[keys[0]], a[0][keys[0]])


def test_dataset_unimodal_depth_lists_and_collate(synthetic):
    root, paths = synthetic["thuread"]
    ds = RGBDVideoDataset(root, paths["depth_valid"], dataset="thuread", modality="depth", **SMALL_THU)
    assert ds.records[0].name.startswith("D_") and ds[0]["clip"].shape == (3, 64, 32, 32)
    batch = torch.utils.data.default_collate([ds[0], ds[1]])
    assert batch["clip"].shape == (2, 3, 64, 32, 32) and batch["heatmap"].shape == (2, 1, 64, 32, 32)
    with pytest.raises(ValueError, match="no \\['depth'\\] frames"):
        RGBDVideoDataset(*synthetic["jester"][0:1], synthetic["jester"][1]["train"], dataset="jester", modality="rgbd")


def test_synthetic_classes_differ_in_motion():
    """The moving blob's displacement direction follows the class angle 2πc/K."""
    for label in range(4):
        rgb, depth = render_synthetic_video(label, 4, 20, (64, 48), np.random.default_rng(label))
        near = depth < depth[depth > 0].min() + 200          # the blob is the nearest surface
        pos = [np.argwhere(m & (d > 0)).mean(0) for m, d in zip(near, depth)]
        dy, dx = pos[-1] - pos[0]
        assert np.cos(np.arctan2(dy, dx) - 2 * np.pi * label / 4) > 0.8


# ---------------------------------------------------------------------------------------------------------
# bad input
# ---------------------------------------------------------------------------------------------------------
def test_missing_frame_names_file_and_split_line(tmp_path):
    paths = write_synthetic_rgbd(tmp_path, dataset="nvgesture", num_classes=2, videos_per_class=2, frames=20)
    lines = paths["valid"].read_text().splitlines()
    name = lines[0].split()[0]
    paths["valid"].write_text(f"{name} 40 0\n" + "\n".join(lines[1:]) + "\n")     # claims more frames than exist
    ds = RGBDVideoDataset(tmp_path, paths["valid"], dataset="nvgesture", modality="rgb", **SMALL)
    problems = ds.verify_files()
    assert len(problems) == 1 and "000039.jpg" in problems[0] and ":1:" in problems[0]
    with pytest.raises(MissingFrameError, match=r"000\d\d\d\.jpg.*valid\.txt:1 says 40 frames"):
        ds[0]


def test_corrupt_frame_raises_typed_error(tmp_path):
    paths = write_synthetic_rgbd(tmp_path, dataset="isogd", num_classes=2, videos_per_class=2, frames=20)
    ds = RGBDVideoDataset(tmp_path, paths["valid"], dataset="isogd", modality="depth", **SMALL)
    bad = ds.video_format.frame_path(tmp_path, ds.records[0].name, "depth", int(ds.frame_indices(0)[5]))
    bad.write_bytes(b"\xff\xd8\xff\xe0 not really a jpeg")
    with pytest.raises(CorruptFrameError, match=str(bad.name)):
        ds[0]


def test_ntu_empty_depth_mask_errors_or_falls_back(tmp_path):
    from PIL import Image
    paths = write_synthetic_rgbd(tmp_path, dataset="ntu", num_classes=2, videos_per_class=2, frames=18)
    ds = RGBDVideoDataset(tmp_path, paths["valid"], dataset="ntu", modality="depth", **SMALL)
    rec = ds.records[0]
    for i in range(rec.num_frames):
        Image.fromarray(np.zeros((48, 64), np.uint16)).save(ds.video_format.frame_path(tmp_path, rec.name, "depth", i))
    with pytest.raises(DepthROIError, match="MDepth-000000"):
        ds[0]
    ok = RGBDVideoDataset(tmp_path, paths["valid"], dataset="ntu", modality="depth", depth_roi_fallback="center",
                          **SMALL)
    assert ok[0]["clip"].shape == (3, 64, 32, 32)


# ---------------------------------------------------------------------------------------------------------
# transforms bound to weights (zoo-conventions §2.11)
# ---------------------------------------------------------------------------------------------------------
def test_video_transform_from_cfg():
    t = video_transform_from_cfg({"dataset": "ntu60_xsub", "input_size": (3, 64, 32, 32),
                                  "mean": (127.5,) * 3, "std": (128.0,) * 3})
    assert t.cfg.resize == (320, 240) and t.cfg.sample_size == 32 and t.cfg.heatmap_window == 10
    assert video_transform_from_cfg({"dataset": "nvgesture"}).cfg.heatmap_window == 4
    with pytest.raises(ValueError, match="dataset"):
        video_transform_from_cfg({"dataset": "kinetics400"})
    rgb, _ = render_synthetic_video(0, 2, 30, (64, 48), np.random.default_rng(0))
    tr = VideoClipTransform(get_clip_transform_config("ntu", resize=(48, 40), crop=32, sample_size=32))
    out = tr(rgb)
    assert out["clip"].shape == (3, 64, 32, 32) and out["heatmap"].shape == (1, 64, 32, 32)
    assert torch.equal(out["clip"], tr(rgb)["clip"])
    with pytest.raises(ValueError, match="uint8"):
        tr(rgb.astype(np.float32))


# ---------------------------------------------------------------------------------------------------------
# SMnet preprocessing (§3.2)
# ---------------------------------------------------------------------------------------------------------
def _smnet_sample(t, rng):
    sk = np.zeros((t, 20, 9))
    sk[..., 7], sk[..., 8] = rng.uniform(200, 400, (t, 20)), rng.uniform(60, 280, (t, 20))
    mask = (rng.random((t, 80, 80, 1)) > 0.5).repeat(3, -1).astype(np.uint8) * 255
    return (rng.integers(0, 256, (t, 80, 80, 3), dtype=np.uint8), rng.integers(0, 256, (t, 80, 80, 1), dtype=np.uint8),
            mask, sk.reshape(t, 180))


def test_smnet_preprocess_and_collate():
    rng = np.random.default_rng(0)
    rgb, depth, mask, sk = _smnet_sample(5, rng)
    out = smnet_preprocess(rgb, depth, mask, sk)
    for k in ("rgb", "skeleton"):
        assert out[k].shape == (3, 5, 80, 80)
        assert abs(out[k].mean()) < 1e-4 and abs(out[k].std(unbiased=False) - 1) < 1e-3
    # BGR: channel 0 of the standardised tensor is the blue channel
    blue = torch.from_numpy(rgb[..., 2]).float()
    assert torch.corrcoef(torch.stack([out["rgb"][0].flatten(), blue.flatten()]))[0, 1] > 0.999
    d = out["depth"]
    assert d.min() >= 0 and d.max() <= 1 and (d[:, torch.from_numpy(mask[..., 0] == 0)] == 0).all()
    b = smnet_collate([out, smnet_preprocess(*_smnet_sample(9, rng))])
    assert b["rgb"].shape == (2, 3, 9, 80, 80) and b["lengths"].tolist() == [5, 9]
    assert (b["depth"][0, :, 5:] == 0).all()
    with pytest.raises(ValueError, match="T×180"):
        render_skeleton_image(np.zeros((2, 60)))


def test_skeleton_image_colours():
    sk = np.zeros((1, 20, 9))
    sk[0, :, 7], sk[0, :, 8] = 140 + 4 * 10, 10 + 4 * 10       # every joint at (10, 10)
    sk[0, 1, 7:9] = 140 + 4 * 50, 10 + 4 * 10                 # spine at (50, 10): bone hip-centre -> spine
    img = render_skeleton_image(sk.reshape(1, 180))[0]
    assert img[10, 10].tolist() == [0, 0, 255] and img[10, 50].tolist() == [0, 0, 255]   # joints blue
    assert img[10, 30].tolist() == [255, 0, 0] and img[11, 30].tolist() == [255, 0, 0]   # bone red, width 3
    assert img[13, 30].tolist() == [255, 255, 255] and img[70, 70].tolist() == [255, 255, 255]
