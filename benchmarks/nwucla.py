"""Northwestern-UCLA (CTR-GCN JSON release), cross-view: train views 1+2, test view 3; 10 classes, Kinect v1.

    python benchmarks/nwucla.py --data-root /path/to/NW-UCLA/all_sqe [--seeds 0 1 2] [--split val]

The dataset is not bundled; `--data-root` is required.  Every row trains with `get_recipe(model, "nwucla")` and
the plain `lstm_baseline` row shares the run.  No paper reports the two-stream RNN on NW-UCLA.  `ctrgcn` trains with
the official NW-UCLA recipe; `--models ctrgcn/xview/ensemble` adds its bone and motion streams and the four-stream
ensemble, which is what the paper's 96.5 % reports.  ST-GCN has no NW-UCLA configuration upstream (and motionzoo
has no NW-UCLA copy to choose one on), so it has no row here.
"""
from __future__ import annotations

import sys

try:
    from benchmarks._common import Protocol, run_benchmark
    from benchmarks._skeleton import STREAMS, SkeletonBenchmark, skeleton_rows
except ImportError:  # run as `python benchmarks/nwucla.py`
    from _common import Protocol, run_benchmark
    from _skeleton import STREAMS, SkeletonBenchmark, skeleton_rows

from motionzoo.data import NWUCLADataset

BENCH = SkeletonBenchmark(
    "nwucla", NWUCLADataset, "nw_ucla",
    Protocol("nw_ucla", "xview", num_classes=10, expected_test_samples=None,
             description="train views 1+2 / test view 3; 1 clip; last epoch"))
MODELS = ["two_stream_rnn", "temporal_rnn_hierarchical", "spatial_rnn_traversal"]
PUBLISHED = {"ctrgcn/ensemble": (96.5, "Chen et al. ICCV 2021, 4-stream ensemble (values as listed by Papers with "
                                       "Code, not checked against the PDF); reruns of the official code: 95.0-95.5")}
ROWS = skeleton_rows(BENCH, MODELS, PUBLISHED, extra_models=["ctrgcn"], streams={"ctrgcn": STREAMS})

if __name__ == "__main__":
    run_benchmark("nwucla", ROWS, sys.argv[1:])
