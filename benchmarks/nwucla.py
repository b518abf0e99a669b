"""Northwestern-UCLA (CTR-GCN JSON release), cross-view: train views 1+2, test view 3; 10 classes, Kinect v1.

    python benchmarks/nwucla.py --data-root /path/to/NW-UCLA/all_sqe [--quick]

The dataset is not bundled; `--data-root` is required.  Sequences are resampled to 50 frames.
"""
from __future__ import annotations

import sys

try:
    from benchmarks._common import BenchmarkRow, Protocol, run_benchmark
    from benchmarks._skeleton import skeleton_loader
except ImportError:  # run as `python benchmarks/nwucla.py`
    from _common import BenchmarkRow, Protocol, run_benchmark
    from _skeleton import skeleton_loader

from motionzoo.data import NWUCLADataset
from motionzoo.models.two_stream_rnn import RECIPES

XVIEW = Protocol("nw_ucla", "xview", num_classes=10, expected_test_samples=None,
                 description="train views 1+2 / test view 3; 50 frames (linspace); last epoch")
PIPELINE = {"clip_len": 50, "temporal": "resample"}
MODEL_KWARGS = {"layout": "kinect_v1_20"}
# Documented CPU schedule (a deviation from the authors' recipe, recorded in every result row): Adam lr 1e-3,
# batch 16, constant lr. Measured reason: with the authors' Nesterov SGD (lr 0.02-0.05) two_stream_rnn stayed at
# chance level for 11 epochs on SBU fold 1 (benchmarks/sbu_quick_train.py), while Adam leaves it in 1-2 epochs;
# a 2-core CPU affords tens of epochs, not the authors' hundreds.
RECIPE = RECIPES["two_stream_rnn"].replace(name="two_stream_rnn_nwucla_cpu", epochs=30, batch_size=16, optimizer="adam",
                                           lr=1e-3, schedule="constant")

ROWS = [BenchmarkRow("two_stream_rnn/xview", model="two_stream_rnn", model_kwargs=MODEL_KWARGS, protocol=XVIEW,
                     data=skeleton_loader(NWUCLADataset, "nw_ucla", "two_stream_rnn", MODEL_KWARGS, {}, PIPELINE),
                     recipe=RECIPE, published=None,
                     published_source="no published number for this model on NW-UCLA",
                     quick={"epochs": 8}, quick_reason="CPU smoke schedule: 8 epochs")]

if __name__ == "__main__":
    run_benchmark("nwucla", ROWS, sys.argv[1:])
