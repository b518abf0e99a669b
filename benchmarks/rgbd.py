"""DRSR (Zhou et al., CVPR 2022) on the RGB-D datasets: NTU RGB+D frames, NvGesture, THU-READ, IsoGD.

    python benchmarks/rgbd.py --data-root /data/NTU --dataset ntu --train-split train.txt --test-split valid.txt
    python benchmarks/rgbd.py --quick            # SYNTHETIC clips in the chosen dataset's format, tiny schedule (smoke test)

Rows: the unimodal network on RGB and on depth, and the cross-modal fusion network, each with the upstream loss
(the recipes' losses "drsr" / "drsr_capf") and upstream schedule.  Published numbers are the
MotionRGBD README's (top-1 %, single clip, best epoch chosen on the test set upstream: spec §6.11, so they are an
upper bound for our last-epoch protocol).  `--data-root` is required unless `--quick`, which writes synthetic
frame folders and split files with `motionzoo.data.synthetic_video.write_synthetic_rgbd` and labels every number
SYNTHETIC.  A fusion row trained from scratch here skips the upstream unimodal pre-training (noted in the row).
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

try:
    from benchmarks._common import BenchmarkData, BenchmarkRow, Protocol, run_benchmark
except ImportError:  # run as `python benchmarks/rgbd.py`
    from _common import BenchmarkData, BenchmarkRow, Protocol, run_benchmark

from torch.utils.data import Dataset

import motionzoo
from motionzoo.data.video import RGBDVideoDataset, read_split_file
from motionzoo.recipes import get_recipe

NUM_CLASSES = {"ntu": 60, "nvgesture": 25, "thuread": 40, "isogd": 249}
DATASET_KEY = {"ntu": "ntu60_xsub", "nvgesture": "nvgesture", "thuread": "thu_read", "isogd": "isogd"}
QUICK = dict(epochs=2, batch_size=2)   # epoch 0 is the upstream warm-up (lr 1e-8), epoch 1 trains
QUICK_SIZE = dict(resize=(40, 40), crop=32, sample_size=32)   # DRSR needs H, W multiples of 32


class _ModelInputs(Dataset):
    """RGBDVideoDataset items -> ((model positional inputs), label) for the engine.  The wrapped dataset is
    `.dataset`: the engine and the benchmark runner reach it there to set the epoch and the seed of its draws."""

    def __init__(self, ds: RGBDVideoDataset, fusion: bool):
        self.dataset, self.fusion = ds, fusion

    def __len__(self):
        return len(self.dataset)

    def __getitem__(self, i):
        item = self.dataset[i]
        if self.fusion:
            return (item["rgb"], item["depth"], item["heatmap_rgb"], item["heatmap_depth"]), item["label"]
        return (item["clip"], item["heatmap"]), item["label"]


def _loader(args, modality: str):
    def load(data_root: Path | None, quick: bool, recipe=None, split: str = "test") -> BenchmarkData:
        if split != "test":
            raise SystemExit("rgbd.py has no validation split yet (--split val)")
        fusion = modality == "rgbd"
        extra = QUICK_SIZE if quick else {}
        root = Path(data_root)
        n = args.num_classes or NUM_CLASSES[args.dataset]
        train = RGBDVideoDataset(root, args.train_split_path, dataset=args.dataset, modality=modality, train=True,
                                 seed=0, num_classes=n, **extra)
        test = RGBDVideoDataset(root, args.test_split_path, dataset=args.dataset, modality=modality, train=False,
                                num_classes=n, **extra)
        names = [f"class_{k}" for k in range(n)]
        fp = f"splits:{read_split_file(args.train_split_path, n).__class__.__name__}:{len(train)}/{len(test)}"
        return BenchmarkData(_ModelInputs(train, fusion), _ModelInputs(test, fusion), names, fingerprint=fp,
                             synthetic=args.synthetic_data,
                             notes=f"{len(train)} train / {len(test)} test videos ({train.num_dropped} + "
                                   f"{test.num_dropped} dropped with <= 16 frames)" + (f"; quick size {extra}" if quick else ""))
    return load


def rows(args) -> list[BenchmarkRow]:
    n = args.num_classes or NUM_CLASSES[args.dataset]
    protocol = Protocol(args.dataset, "split files", num_classes=n,
                        description="64 frames (segment midpoints), centre crop, 1 clip; last epoch")
    key = DATASET_KEY[args.dataset]
    out = []
    for model, modality in (("drsr", "rgb"), ("drsr", "depth"), ("drsr_capf", "rgbd")):
        recipe = get_recipe(model, "ntu60")
        # published numbers are keyed <dataset>_<modality> (one architecture serves RGB and depth)
        pub = (motionzoo.get_pretrained_cfg(model).published_metrics or {}).get(f"{key}_{modality}", {}).get("top1")
        out.append(BenchmarkRow(
            f"{model}_{modality}/{args.dataset}", model=model, protocol=protocol, data=_loader(args, modality), recipe=recipe,
            stream=modality, published=None if args.synthetic_data else pub,
            published_source=motionzoo.get_pretrained_cfg(model).published_source or "",
            quick=QUICK, quick_reason="smoke schedule: 2 epochs, batch 2, 32x32 crops"))
    return out


def main(argv=None) -> None:
    argv = list(sys.argv[1:] if argv is None else argv)
    pre = argparse.ArgumentParser(add_help=False)
    pre.add_argument("--data-root", type=Path, default=None)
    pre.add_argument("--dataset", choices=sorted(NUM_CLASSES), default="ntu")
    pre.add_argument("--train-split", default=None, help="split file (name frames label); default: the dataset's")
    pre.add_argument("--test-split", default=None)
    pre.add_argument("--num-classes", type=int, default=None)
    args, rest = pre.parse_known_args(argv)
    args.synthetic_data = args.data_root is None
    if args.synthetic_data:
        if "--quick" not in rest:
            raise SystemExit("rgbd.py needs --data-root (RGB-D frames are not bundled); "
                             "--quick runs a smoke test on synthetic clips")
        from motionzoo.data.synthetic_video import write_synthetic_rgbd
        args.data_root = motionzoo.get_cache_dir() / "synthetic" / f"rgbd_{args.dataset}"
        args.num_classes = args.num_classes or 3
        splits = write_synthetic_rgbd(args.data_root, dataset=args.dataset, num_classes=args.num_classes,
                                      videos_per_class=3, frames=(20, 30), size=(48, 40), seed=0,
                                      valid_per_class=1)
        args.train_split, args.test_split = str(splits["train"]), str(splits["valid"])
        print(f"[rgbd] --quick without --data-root: SYNTHETIC {args.dataset} clips in {args.data_root}")
    if not (args.train_split and args.test_split):
        raise SystemExit("pass --train-split and --test-split (upstream split files: name frames label)")
    args.train_split_path = Path(args.train_split)
    args.test_split_path = Path(args.test_split)
    run_benchmark("rgbd", rows(args), ["--data-root", str(args.data_root), *rest], record_argv=argv)


if __name__ == "__main__":
    main()
