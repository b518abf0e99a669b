"""SBU Kinect Interaction, official 5-fold cross-validation (two persons, sbu15 joints).

    python benchmarks/sbu.py [--seeds 0 1 2] [--split val]

Each seed trains every row on the five folds and reports the mean over folds; the table then gives mean ± sample
std over seeds (folds are not seeds).  Both persons enter one sample (each frame carries A's and B's joints); the
SBU-normalised coordinates are de-normalised to millimetres (dataset README) before the pipeline.  The paper's
94.8 % (5-fold mean, two-stream RNN) is a recollection the spec marks unverified (skeleton-models.md §A.11).
`--split val` holds out one of the four training folds of every test fold (the test fold is not read).
"""
from __future__ import annotations

import sys

try:
    from benchmarks._common import Protocol, run_benchmark
    from benchmarks._skeleton import STREAMS, SkeletonBenchmark, skeleton_rows
except ImportError:  # run as `python benchmarks/sbu.py`
    from _common import Protocol, run_benchmark
    from _skeleton import STREAMS, SkeletonBenchmark, skeleton_rows

from motionzoo.data import SBUDataset

BENCH = SkeletonBenchmark(
    "sbu", SBUDataset, "sbu_kinect_interaction",
    Protocol("sbu", "5fold", num_classes=8, expected_test_samples=282,
             description="official 5-fold split over the 21 sets; both persons per sample; last epoch"),
    split_kwargs={"denormalize": True}, folds=5)
MODELS = ["two_stream_rnn"]                                           # default rows: the baseline and the paper's model
EXTRA = ["temporal_rnn_hierarchical", "spatial_rnn_traversal",        # its streams and the other variants:
         "temporal_rnn_stacked", "temporal_rnn_part_hier", "spatial_rnn_chain"]   # run with --models "*"
GCN = ["ctrgcn", "stgcn"]       # graph-convolution rows (issue 13): --models 'ctrgcn*' or "*"

PUBLISHED = {"two_stream_rnn": (94.8, "Wang & Wang 2017 as recalled (skeleton-models.md §A.11, unverified; "
                                      "5-fold mean)")}
ROWS = skeleton_rows(BENCH, MODELS, PUBLISHED, extra_models=EXTRA + GCN,
                     streams={"ctrgcn": STREAMS})

if __name__ == "__main__":
    run_benchmark("sbu", ROWS, sys.argv[1:])
