"""UTD-MHAD skeletons, cross-subject (train subjects 1, 3, 5, 7; test 2, 4, 6, 8), 27 classes, Kinect v1 joints.

    python benchmarks/utd_mhad.py                         # default rows (baseline, two_stream_rnn), seed 0
    python benchmarks/utd_mhad.py --models lstm_baseline nasbench201   # the NAS-Bench-201 cell's row
    python benchmarks/utd_mhad.py --seeds 0 1 2           # the card's numbers (mean ± std over 3 seeds)
    python benchmarks/utd_mhad.py --split val             # choose recipes: validation split of the training subjects

Every row trains with `motionzoo.recipes.get_recipe(model, "utd_mhad")` (its `source` says how it was chosen) and
the plain `lstm_baseline` row shares the run.  The default rows are the baseline and the paper's model, sized to
finish within 30 minutes on a 2-core CPU; `--models "*"` adds the streams, the variants, the NAS cell and the graph
rows (what `benchmarks/reproduce.py` runs).  No paper reports the two-stream RNN on UTD-MHAD, so the rows compare
with the baseline, not with a published number.  The `nasbench201` row trains the benchmark's best CIFAR-10 cell on
skeleton images with motionzoo's recipe `nasbench201/utd_mhad` (the thesis' schedule over 100 epochs with rotation
and temporal-crop augmentation, chosen on the validation split; joints in the canonical kinect_v1_20 order, the
thesis used the file order); the sweep over cells with the thesis' own recipe is `benchmarks/nas_skeleton.py`.
"""
from __future__ import annotations

import sys

try:
    from benchmarks._common import Protocol, run_benchmark
    from benchmarks._skeleton import STREAMS, SkeletonBenchmark, skeleton_rows
except ImportError:  # run as `python benchmarks/utd_mhad.py`
    from _common import Protocol, run_benchmark
    from _skeleton import STREAMS, SkeletonBenchmark, skeleton_rows

from motionzoo.data import UTDMHADDataset

BENCH = SkeletonBenchmark(
    "utd_mhad", UTDMHADDataset, "utd_mhad",
    Protocol("utd_mhad", "xsub", num_classes=27, expected_test_samples=430,
             description="subjects 1,3,5,7 train / 2,4,6,8 test; 1 clip; last epoch"))
MODELS = ["two_stream_rnn"]                                           # default rows: the baseline and the paper's model
# the NAS cell's 100 epochs take as long as two_stream_rnn's 40 (45 vs 43 min, utd_mhad/test-default-seed0):
# as a default row it would double the default run
EXTRA = ["nasbench201",
         "temporal_rnn_hierarchical", "spatial_rnn_traversal",        # the streams and the other variants:
         "temporal_rnn_stacked", "temporal_rnn_part_hier", "spatial_rnn_chain"]   # run with --models "*"
GCN = ["ctrgcn", "stgcn"]       # graph-convolution rows (issue 13): --models 'ctrgcn*' or "*"

ROWS = skeleton_rows(BENCH, MODELS, extra_models=EXTRA + GCN,
                     streams={"ctrgcn": STREAMS})

if __name__ == "__main__":
    run_benchmark("utd_mhad", ROWS, sys.argv[1:])
