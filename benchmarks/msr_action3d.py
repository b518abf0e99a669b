"""MSR Action3D (real 3D skeletons), cross-subject (odd subjects train, even test), all 20 classes.

    python benchmarks/msr_action3d.py [--seeds 0 1 2] [--split val]

The two known bad files (`a13_s09_e02` all zeros, `a13_s09_e03` 936-frame corrupt recording) are skipped and
listed (skeleton-data.md §4), leaving 565 sequences.  Every row trains with `get_recipe(model, "msr_action3d")`;
the plain `lstm_baseline` row shares the run.  No paper reports the two-stream RNN on this dataset.
"""
from __future__ import annotations

import sys

try:
    from benchmarks._common import Protocol, run_benchmark
    from benchmarks._skeleton import STREAMS, SkeletonBenchmark, skeleton_rows
except ImportError:  # run as `python benchmarks/msr_action3d.py`
    from _common import Protocol, run_benchmark
    from _skeleton import STREAMS, SkeletonBenchmark, skeleton_rows

from motionzoo.data import MSRAction3DDataset

BENCH = SkeletonBenchmark(
    "msr_action3d", MSRAction3DDataset, "msr_action3d",
    Protocol("msr_action3d", "xsub20", num_classes=20, expected_test_samples=None,
             description="odd subjects train / even test, 20 classes, bad files skipped; 1 clip; last epoch"))
MODELS = ["two_stream_rnn"]                                           # default rows: the baseline and the paper's model
EXTRA = ["temporal_rnn_hierarchical", "spatial_rnn_traversal",        # its streams and the other variants:
         "temporal_rnn_stacked", "temporal_rnn_part_hier", "spatial_rnn_chain"]   # run with --models "*"
GCN = ["ctrgcn", "stgcn"]       # graph-convolution rows (issue 13): --models 'ctrgcn*' or "*"

ROWS = skeleton_rows(BENCH, MODELS, extra_models=EXTRA + GCN,
                     streams={"ctrgcn": STREAMS})

if __name__ == "__main__":
    run_benchmark("msr_action3d", ROWS, sys.argv[1:])
