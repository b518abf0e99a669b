"""NTU RGB+D 60: the two-stream RNN table (Wang & Wang 2017), the NAS-Bench-201 skeleton-image row, the graph
convolutions (ST-GCN, CTR-GCN and its four-stream ensemble) and the plain baseline.

    python benchmarks/ntu.py                                   # embedded default: SYNTHETIC NTU-format files
    python benchmarks/ntu.py --data-root /data/nturgb+d_skeletons [--protocols xsub xview] [--seeds 0 1 2]

With `--data-root` (a folder of original `.skeleton` files) the rows follow the authors' protocol with their
recipes (`motionzoo.recipes.get_recipe(model, "ntu60")`): one sample per moving body (skeleton-data.md §1.9 a),
missing-skeleton files removed (`--missing`, default: the official list in ../shared/data when present), the
two-centre normalisation, the first 100 frames with zeros prepended, Nesterov SGD, and the 3D transform.  The graph
rows follow their authors' recipes and body rules: CTR-GCN the SGN-denoised two bodies (`denoised_top2`), ST-GCN the
two most energetic body slots (`energy_top2`).  `--models ctrgcn/xsub/ensemble` adds CTR-GCN's bone, joint-motion
and bone-motion streams and the ensemble of the four (the published CTR-GCN numbers are that ensemble's).

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
    from benchmarks._common import Protocol, run_benchmark
    from benchmarks._skeleton import STREAMS, SkeletonBenchmark, skeleton_rows
except ImportError:  # run as `python benchmarks/ntu.py`
    from _common import Protocol, run_benchmark
    from _skeleton import STREAMS, SkeletonBenchmark, skeleton_rows

import motionzoo
from motionzoo.data import NTUSkeletonDataset, write_synthetic_ntu
from motionzoo.data.datasets import default_data_root
from motionzoo.recipes import get_recipe

# Published numbers (skeleton-models.md §A.11): survey Table III for the final model; the stream rows are quoted
# from a port's README and unverified.
_STGCN_SRC = "yysijie/st-gcn OLD_README.md: expected top-1 of the released NTU models"
_CTRGCN_SRC = ("Chen et al. ICCV 2021, 4-stream ensemble (values as listed by Papers with Code, not checked against "
               "the PDF)")
PUBLISHED = {
    "xsub": {"two_stream_rnn": (71.3, "Sun et al. TPAMI 2022 survey, Table III (with 3D transformation)"),
             "temporal_rnn_hierarchical": (67.8, "wyy27 README, quoted as the paper's (unverified)"),
             "spatial_rnn_traversal": (55.2, "wyy27 README, quoted as the paper's (unverified)"),
             "stgcn": (81.6, _STGCN_SRC), "ctrgcn/ensemble": (92.4, _CTRGCN_SRC)},
    "xview": {"two_stream_rnn": (79.5, "Sun et al. TPAMI 2022 survey, Table III (with 3D transformation)"),
              "stgcn": (88.8, _STGCN_SRC), "ctrgcn/ensemble": (96.8, _CTRGCN_SRC)},
}
EXPECTED_TEST = {"xsub": 16_487, "xview": 18_932}   # videos after removing missing skeletons (§1.6)
MISSING_LIST = "ntu_metadata/official/NTU_RGBD_samples_with_missing_skeletons.txt"
MODELS = ["two_stream_rnn", "temporal_rnn_hierarchical", "spatial_rnn_traversal"]
GCN_BODY_RULES = {"ctrgcn": "denoised_top2", "stgcn": "energy_top2"}     # each authors' body selection

# Embedded default: small and short enough for a 2-core CPU in a few minutes.
SYNTH = dict(num_classes=5, samples_per_class=10, frames=(20, 30), seed=0)
SYNTH_RECIPE = dict(epochs=5, batch_size=8, optimizer="adam", lr=2e-3, schedule="constant", warmup_epochs=0)
SYNTH_PIPELINE = {"clip_len": 16, "temporal": "resample"}


def _synthetic_recipe(model: str, protocol: str):
    r = get_recipe(model, "ntu60" if not model.startswith("nasbench201") else f"ntu60_{protocol}")
    kwargs = dict(r.model_kwargs)
    if "window" in kwargs or model.startswith(("spatial", "two_stream")):
        kwargs["window"] = 8
    pipeline = r.pipeline if model.startswith("nasbench201") else {**r.pipeline, **SYNTH_PIPELINE}
    return r.replace(model_kwargs=kwargs, pipeline=pipeline, **SYNTH_RECIPE)


def rows(root: Path, protocols, missing: Path | None, synthetic: bool):
    out = []
    for proto in protocols:
        num_classes = SYNTH["num_classes"] if synthetic else 60
        protocol = Protocol("ntu60", proto, num_classes=num_classes,
                            expected_test_samples=None if synthetic else EXPECTED_TEST[proto],
                            description="per moving body, the recipe's clip, last epoch" if not synthetic else
                            "SYNTHETIC files; per moving body, 16 frames (linspace), last epoch")
        split = {"protocol": f"ntu60_{proto}", "missing": str(missing) if missing else None}
        rnn = SkeletonBenchmark("ntu60", NTUSkeletonDataset, "", protocol,
                                split_kwargs={**split, "body_rule": "moving_bodies"})
        both = SkeletonBenchmark("ntu60", NTUSkeletonDataset, "", protocol,
                                 split_kwargs={**split, "body_rule": "denoised_top2"})
        recipes = ({m: _synthetic_recipe(m, proto) for m in ["lstm_baseline", *MODELS, *GCN_BODY_RULES]}
                   if synthetic else None)
        for r in skeleton_rows(rnn, MODELS, PUBLISHED.get(proto, {}), root=root, synthetic=synthetic,
                               recipes=recipes):
            # the baseline sees both persons of a video (denoised top-2 bodies), as graph models do
            out.append(r if r.model != "lstm_baseline" else skeleton_rows(
                both, [], root=root, synthetic=synthetic, recipes=recipes)[0])
        nas = _synthetic_recipe("nasbench201", proto) if synthetic else get_recipe("nasbench201", f"ntu60_{proto}")
        out += [r for r in skeleton_rows(both, ["nasbench201"], root=root, synthetic=synthetic,
                                         recipes={"nasbench201": nas, **(recipes or {})})
                if r.model == "nasbench201"]
        for model, rule in GCN_BODY_RULES.items():
            bench = SkeletonBenchmark("ntu60", NTUSkeletonDataset, "", protocol,
                                      split_kwargs={**split, "body_rule": rule})
            out += [r for r in skeleton_rows(bench, [model], PUBLISHED.get(proto, {}), root=root, synthetic=synthetic,
                                             recipes=recipes, streams={"ctrgcn": STREAMS})
                    if r.model == model]
    return out


def main(argv=None):
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
    return run_benchmark("ntu", rows(root, protocols, missing, synthetic), rest, record_argv=argv)


if __name__ == "__main__":
    main()
