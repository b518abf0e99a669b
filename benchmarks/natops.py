"""NATOPS (UEA archive): 180 train / 180 test, 6 aircraft-handling signals, 8 arm points (natops8), 51 frames.

    python benchmarks/natops.py [--seeds 0 1 2] [--split val]

natops8 has no trunk, so the 5-part hierarchical temporal streams (`temporal_rnn_hierarchical`,
`temporal_rnn_part_hier`) do not apply and have no row; `two_stream_rnn` here pairs the stacked temporal stream
with the traversal spatial stream (its recipe's `model_kwargs`).  The UEA files carry no subject ids, so
`--split val` holds out 20 % of every class.  The plain `lstm_baseline` row shares the run.
"""
from __future__ import annotations

import sys

try:
    from benchmarks._common import Protocol, run_benchmark
    from benchmarks._skeleton import STREAMS, SkeletonBenchmark, skeleton_rows
except ImportError:  # run as `python benchmarks/natops.py`
    from _common import Protocol, run_benchmark
    from _skeleton import STREAMS, SkeletonBenchmark, skeleton_rows

from motionzoo.data import NATOPSDataset

BENCH = SkeletonBenchmark(
    "natops", NATOPSDataset, "natops",
    Protocol("natops", "uea", num_classes=6, expected_test_samples=180,
             description="fixed UEA train/test split; 1 clip; last epoch"))
MODELS = ["two_stream_rnn"]                                           # default rows: the baseline and the paper's model
EXTRA = ["temporal_rnn_stacked", "spatial_rnn_traversal", "spatial_rnn_chain"]   # run with --models "*"
GCN = ["ctrgcn", "stgcn"]       # graph-convolution rows (issue 13): --models 'ctrgcn*' or "*"
ROWS = skeleton_rows(BENCH, MODELS, extra_models=EXTRA + GCN,
                     streams={"ctrgcn": STREAMS})

if __name__ == "__main__":
    run_benchmark("natops", ROWS, sys.argv[1:])
