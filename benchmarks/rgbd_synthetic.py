"""SYNTHETIC RGB-D benchmark: can every video family learn a task that each modality shows on its own?

    python benchmarks/rgbd_synthetic.py --threads 1                      # every row, seed 0 (CPU: 19-27 min a row
                                                                         # with the 2 cores shared by 3-5 jobs)
    python benchmarks/rgbd_synthetic.py --threads 1 --models 'drsr*'     # a subset (fusion-from-unimodal needs
                                                                         # the two unimodal rows of the same run)
    python benchmarks/rgbd_synthetic.py --threads 1 --split val --eval-every 2   # where the recipes were chosen

Data (`motionzoo.data.synthetic_video.write_synthetic_rgbd`, IsoGD folder layout, written once into the cache):
each video shows a textured background, a static torso and a moving blob; the class is the blob's direction of
travel (one of `NUM_CLASSES` directions, +-0.2 rad jitter; start point, speed, colours and texture vary per
video).  RGB shows the blob's colour against the scene, depth shows it nearer than the torso, so each modality alone
carries the class.  180 training and 30 test videos of 20-28 frames at 64 x 48 pixels; every model sees 32 x 32
crops.  `--split val` trains on 150 of the training videos and evaluates on the other 30 (5 per class): the
recipes were chosen there.  None of this is a real dataset: every number is labelled SYNTHETIC.

Why this much data and this geometry (v2): on the v1 data (72 training videos, a 0.09 blob radius, half a frame
of travel over 24-40 frames) every row stayed near chance, and a diagnosis outside the benchmark (a 3-layer 3D CNN
trained on the same pipeline output) memorised the training videos without generalising; more videos per class
and a larger blob crossing more of the frame in fewer frames (so a 16-frame clip sees most of the path) let it
generalise.  The benchmark's own validation runs (model_cards/results/rgbd_synthetic/val-*) are the evidence that
counts for the recipes.

Rows (recipes `<arch>/synthetic_rgbd` in motionzoo/recipes/video.py): C3D and I3D on RGB, SMnet on RGB + depth,
DRSR on RGB and on depth, and the DRSR fusion network trained from scratch and initialised from the two unimodal
runs of the same run name and seed (as upstream does).  Goal: >= 90 % test top-1 per row within 20 minutes on a
2-core CPU, and the fusion rows >= the better unimodal DRSR row.
"""
from __future__ import annotations

import datetime
import sys
from pathlib import Path

try:
    from benchmarks._common import BenchmarkData, BenchmarkRow, Protocol, fingerprint_files, make_parser, \
        run_benchmark
    from benchmarks.rgbd import _ModelInputs
except ImportError:  # run as `python benchmarks/rgbd_synthetic.py`
    from _common import BenchmarkData, BenchmarkRow, Protocol, fingerprint_files, make_parser, run_benchmark
    from rgbd import _ModelInputs

import torch

import motionzoo
from motionzoo.data.video import DecodedVideoDataset, RGBDVideoDataset
from motionzoo.data.video_io import read_split_file, write_split_file
from motionzoo.recipes import get_recipe

BENCHMARK = "rgbd_synthetic"
DATASET = "synthetic_rgbd"              # the recipes' dataset key
VIDEO_FORMAT = "isogd"                  # folders and stored 3-channel depth JPEGs; no flip in its clip pipeline
NUM_CLASSES = 6                         # directions 60 degrees apart
# 30 + 5 videos per class: 180 train (22 batches of 8 and one of 4; the fusion's BatchNorm over N x C x 1 x 1 maps
# needs more than 2 clips in a batch), 30 test
DATA = dict(dataset=VIDEO_FORMAT, num_classes=NUM_CLASSES, videos_per_class=35, valid_per_class=5,
            frames=(20, 28), size=(64, 48), blob_radius=0.12, travel=0.7, seed=0)
DATA_VERSION = "v2"
VAL_PER_CLASS = 5                       # --split val: the first 5 training videos of each class (30), trained on 150
PROTOCOLS = {
    "test": Protocol(DATASET, "train180_test30", num_classes=NUM_CLASSES, expected_test_samples=30,
                     description="SYNTHETIC moving-blob directions, 32x32 crops, 1 clip, last epoch"),
    "val": Protocol(DATASET, "train150_val30", num_classes=NUM_CLASSES, expected_test_samples=30,
                    description="SYNTHETIC moving-blob directions, validation carved from the training videos"),
}


def write_data(root: Path | None) -> tuple[Path, dict[str, Path]]:
    """The benchmark's videos (written on first use; the generator is seeded, so every machine writes the same)."""
    from motionzoo.data.synthetic_video import write_synthetic_rgbd
    root = Path(root) if root is not None else motionzoo.get_cache_dir() / "synthetic" / f"rgbd_benchmark_{DATA_VERSION}"
    done = root / "WRITTEN"
    split_dir = root / "dataset_splits"
    splits = {s: split_dir / f"{s}.txt" for s in ("train", "valid", "train_sub", "val")}
    if not done.exists():
        written = write_synthetic_rgbd(root, **DATA)
        assert written == {"train": splits["train"], "valid": splits["valid"]}, written
        records = read_split_file(splits["train"], NUM_CLASSES).records
        val = [r for c in range(NUM_CLASSES) for r in [r for r in records if r.label == c][:VAL_PER_CLASS]]
        write_split_file(splits["val"], val)
        write_split_file(splits["train_sub"], [r for r in records if r not in val])
        done.write_text(repr(DATA) + "\n")
    return root, splits


def make_dataset(kind: str, modality: str, root: Path, split: Path, recipe, train: bool, seed: int | None = 0):
    """One split as the engine's (inputs, label) items.  kind "drsr": `RGBDVideoDataset` (64 segment frames and
    the FRP heat-maps, the recipe's clip-transform fields); kind "pipeline": `DecodedVideoDataset` through the
    model's own input pipeline (`resolve_transforms(arch, recipe=recipe)`).  Also used by the overfit tests."""
    if kind == "drsr":
        fields = {k: v for k, v in recipe.pipeline.items() if k not in ("dataset", "heatmap")}
        ds = RGBDVideoDataset(root, split, dataset=VIDEO_FORMAT, modality=modality, train=train, seed=seed,
                              num_classes=NUM_CLASSES, **fields)
        return _ModelInputs(ds, modality == "rgbd")
    return DecodedVideoDataset(root, split, motionzoo.resolve_transforms(recipe.arch, train=train, recipe=recipe),
                               dataset=VIDEO_FORMAT, modality=modality, train=train, seed=seed, num_classes=NUM_CLASSES)


def _loader(kind: str, modality: str):
    def load(data_root, quick: bool, recipe=None, split: str = "test") -> BenchmarkData:
        root, splits = write_data(data_root)
        fit_split, eval_split, eval_name = ("train", "valid", "test") if split == "test" else \
            ("train_sub", "val", "validation")
        train = make_dataset(kind, modality, root, splits[fit_split], recipe, train=True)
        test = make_dataset(kind, modality, root, splits[eval_split], recipe, train=False)
        files = sorted(p for p in root.rglob("*") if p.is_file() and p.name != "WRITTEN")
        return BenchmarkData(train, test, [f"direction_{k}" for k in range(NUM_CLASSES)],
                             fingerprint=fingerprint_files(files, root), synthetic=True,
                             notes=f"SYNTHETIC {len(train)} train / {len(test)} {eval_name} videos "
                                   f"({DATA}), modality {modality}")
    return load


class _FusionFromUnimodal:
    """Builds drsr_capf with its trunks initialised from the last checkpoints of the two unimodal DRSR rows of the
    same run and seed (upstream's fusion training starts from its unimodal models, spec §5.12.1)."""

    def __init__(self, runs_dir: Path, run_name: str, seeds: list[int]):
        self.runs_dir, self.run_name, self.seeds = runs_dir, run_name, seeds

    def __call__(self, pretrained: bool = False, num_classes: int | None = None, **kwargs):
        from motionzoo.engine import load_checkpoint
        seed = torch.initial_seed()          # run_row seeds torch with the row's seed just before building
        if seed not in self.seeds:
            raise RuntimeError(f"cannot tell which seed's unimodal runs to load (torch seed {seed}, seeds "
                               f"{self.seeds})")
        model = motionzoo.create_model("drsr_capf", num_classes=num_classes, **kwargs)
        states = []
        for row in ("drsr_rgb", "drsr_depth"):
            run = self.runs_dir / BENCHMARK / self.run_name / row / f"seed{seed}"
            try:
                states.append(load_checkpoint(run, "last")[0])
            except Exception as e:
                raise SystemExit(f"fusion row: no finished unimodal run in {run} ({e}); run the rows drsr_rgb and "
                                 f"drsr_depth first with the same --run-name") from None
        unused = model.load_unimodal_trunks(*states)
        print(f"[{BENCHMARK}] drsr_capf trunks from {self.run_name}/drsr_rgb and drsr_depth seed {seed} "
              f"({len(unused)} head entries unused)", flush=True)
        return model


def rows(args) -> list[BenchmarkRow]:
    protocol = PROTOCOLS[args.split]

    def row(name, model, arch, kind, modality, **extra):
        return BenchmarkRow(name, model=model, protocol=protocol, data=_loader(kind, modality),
                            recipe=get_recipe(arch, DATASET), stream=modality, **extra)
    fusion_init = _FusionFromUnimodal(args.runs_dir, args.run_name, list(args.seeds))
    return [
        row("c3d", "c3d", "c3d", "pipeline", "rgb"),
        row("i3d", "i3d", "i3d", "pipeline", "rgb"),
        row("smnet", "smnet", "smnet", "pipeline", "rgbd"),
        row("drsr_rgb", "drsr", "drsr", "drsr", "rgb"),
        row("drsr_depth", "drsr", "drsr", "drsr", "depth"),
        row("drsr_capf_from_unimodal", "drsr_capf", "drsr_capf", "drsr", "rgbd", build_model=fusion_init),
        row("drsr_capf_scratch", "drsr_capf", "drsr_capf", "drsr", "rgbd"),
    ]


def main(argv=None) -> None:
    given = list(sys.argv[1:] if argv is None else argv)
    argv = list(given)
    args, _ = make_parser(BENCHMARK).parse_known_args(argv)
    if args.run_name is None:                # the fusion row needs to know where the unimodal rows write
        args.run_name = datetime.datetime.now(datetime.timezone.utc).strftime("%Y%m%d-%H%M%S") + "-synthetic"
        argv += ["--run-name", args.run_name]
    run_benchmark(BENCHMARK, rows(args), argv, record_argv=given)


if __name__ == "__main__":
    main()
