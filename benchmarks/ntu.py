"""NTU RGB+D 60: the two-stream RNN table (Wang & Wang 2017) and the NAS-Bench-201 skeleton-image row.

    python benchmarks/ntu.py                                   # embedded default: SYNTHETIC NTU-format files
    python benchmarks/ntu.py --data-root /data/nturgb+d_skeletons [--protocols xsub xview] [--seeds 0 1 2]

With `--data-root` (a folder of original `.skeleton` files) the rows follow the authors' protocol: one sample per
moving body (skeleton-data.md §1.9 a), missing-skeleton files removed (`--missing`, default: the official list in
../shared/data when present), the two-centre normalisation, the first 100 frames with zeros prepended, and the
authors' Nesterov SGD recipe; "two-stream + 3D transform" adds the rotation/scale augmentation (§A.8).

Without `--data-root`, the embedded default writes synthetic NTU `.skeleton` files (real file names, 1-2 bodies,
class-dependent motions) with `motionzoo.data.write_synthetic_ntu`, reads them back through the same reader,
dataset and pipeline, trains every xsub row for a few epochs on the CPU and prints the table.  Every number it
prints is labelled SYNTHETIC — not comparable to the paper: it shows that the pipeline runs end to end.
DRSR rows need RGB-D frames: see `benchmarks/rgbd.py`.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

try:
    from benchmarks._common import BenchmarkRow, Protocol, run_benchmark
    from benchmarks._skeleton import skeleton_loader
except ImportError:  # run as `python benchmarks/ntu.py`
    from _common import BenchmarkRow, Protocol, run_benchmark
    from _skeleton import skeleton_loader

import motionzoo
from motionzoo.data import NTUSkeletonDataset, write_synthetic_ntu
from motionzoo.data.datasets import default_data_root
from motionzoo.models.nasbench201 import RECIPE_UTD_MHAD as NAS_RECIPE
from motionzoo.models.two_stream_rnn import RECIPES

# Published numbers (skeleton-models.md §A.11): survey Table III for the final model; the stream rows are quoted
# from a port's README and unverified.
PUBLISHED = {
    ("two_stream_rnn_3d", "xsub"): (71.3, "Sun et al. TPAMI 2022 survey, Table III"),
    ("two_stream_rnn_3d", "xview"): (79.5, "Sun et al. TPAMI 2022 survey, Table III"),
    ("two_stream_rnn", "xsub"): (68.6, "wyy27 README, quoted as the paper's (unverified)"),
    ("temporal_rnn_hierarchical", "xsub"): (67.8, "wyy27 README, quoted as the paper's (unverified)"),
    ("spatial_rnn_traversal", "xsub"): (55.2, "wyy27 README, quoted as the paper's (unverified)"),
}
EXPECTED_TEST = {"xsub": 16_487, "xview": 18_932}   # videos after removing missing skeletons (§1.6)
MISSING_LIST = "ntu_metadata/official/NTU_RGBD_samples_with_missing_skeletons.txt"

# (row name, registered model, pipeline/augmentation)
RNN_ROWS = [
    ("temporal_rnn_hierarchical", "temporal_rnn_hierarchical", {"augment": None}),
    ("spatial_rnn_traversal", "spatial_rnn_traversal", {"augment": None}),
    ("two_stream_rnn", "two_stream_rnn", {"augment": None}),
    ("two_stream_rnn_3d", "two_stream_rnn", {}),          # the recipe's rotation + scale augmentation
]

# Embedded default: small and short enough for a 2-core CPU in a few minutes.
SYNTH = dict(num_classes=5, samples_per_class=10, frames=(20, 30), seed=0)
SYNTH_PIPELINE = {"clip_len": 16, "temporal": "resample"}
SYNTH_MODEL_KWARGS = {"window": 8}
SYNTH_RECIPE = dict(epochs=5, batch_size=8, optimizer="adam", lr=2e-3, schedule="constant")


def rows(root: Path | None, protocols, missing: Path | None, synthetic: bool) -> list[BenchmarkRow]:
    out = []
    for proto in protocols:
        num_classes = SYNTH["num_classes"] if synthetic else 60
        protocol = Protocol("ntu60", proto, num_classes=num_classes,
                            expected_test_samples=None if synthetic else EXPECTED_TEST[proto],
                            description="per moving body, first 100 frames, last epoch" if not synthetic else
                            "SYNTHETIC files; per moving body, 16 frames (linspace), last epoch")
        split = {"protocol": f"ntu60_{proto}", "body_rule": "moving_bodies",
                 "missing": str(missing) if missing else None}
        for name, model, pipeline in RNN_ROWS:
            kwargs = dict(SYNTH_MODEL_KWARGS) if synthetic and not model.startswith("temporal") else {}
            pipe = {**pipeline, **(SYNTH_PIPELINE if synthetic else {})}
            recipe = RECIPES[model].replace(**SYNTH_RECIPE) if synthetic else RECIPES[model]
            published, source = PUBLISHED.get((name, proto), (None, "not published for this protocol"))
            out.append(BenchmarkRow(
                f"{name}/{proto}", model=model, model_kwargs=kwargs, protocol=protocol,
                data=skeleton_loader(NTUSkeletonDataset, "", model, kwargs, split, pipe, root=root,
                                     synthetic=synthetic),
                recipe=recipe, published=None if synthetic else published, published_source=source,
                quick={"epochs": 2}, quick_reason="smoke schedule: 2 epochs"))
        out.append(BenchmarkRow(
            f"nasbench201_resnet/{proto}", model="nasbench201_resnet", protocol=protocol,
            data=skeleton_loader(NTUSkeletonDataset, "", "nasbench201_resnet", {}, {**split, "body_rule": "denoised_top2"},
                                 {"preset": f"ntu60_{proto}_28x{84 if proto == 'xsub' else 88}"}, root=root,
                                 synthetic=synthetic),
            # thesis: the UTD-MHAD recipe with batch 256 on NTU (nas-bench-201.md §7.3)
            recipe=NAS_RECIPE.replace(name="nas201_skeleton_ntu", **(SYNTH_RECIPE if synthetic else {"batch_size": 256})),
            published=None, published_source="thesis numbers not accessible (nas-bench-201.md §7.5)",
            quick={"epochs": 2}, quick_reason="smoke schedule: 2 epochs"))
    return out


def main(argv=None) -> None:
    argv = list(sys.argv[1:] if argv is None else argv)
    pre = argparse.ArgumentParser(add_help=False)
    pre.add_argument("--data-root", type=Path, default=None)
    pre.add_argument("--protocols", nargs="+", default=None, choices=("xsub", "xview"))
    pre.add_argument("--missing", type=Path, default=None, help="missing-skeleton list (default: ../shared copy)")
    known, rest = pre.parse_known_args(argv)
    if "-h" in rest or "--help" in rest:
        print(__doc__)
    synthetic = known.data_root is None
    if synthetic:
        root = motionzoo.get_cache_dir() / "synthetic" / "ntu_skeletons"
        if not any(root.glob("*.skeleton")):
            paths = write_synthetic_ntu(root, **SYNTH)
            print(f"[ntu] no --data-root: wrote {len(paths)} SYNTHETIC NTU .skeleton files to {root}")
        else:
            print(f"[ntu] no --data-root: using the SYNTHETIC NTU files in {root}")
        protocols = known.protocols or ["xsub"]
        missing = None
    else:
        root = known.data_root
        protocols = known.protocols or ["xsub", "xview"]
        missing = known.missing
        if missing is None and default_data_root() is not None and (default_data_root() / MISSING_LIST).exists():
            missing = default_data_root() / MISSING_LIST
        if missing is None:
            print("[ntu] warning: no missing-skeleton list (--missing); counts will not match the protocol")
    run_benchmark("ntu", rows(root, protocols, missing, synthetic), rest, record_argv=argv)


if __name__ == "__main__":
    main()
