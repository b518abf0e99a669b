"""MSR Action3D (real 3D skeletons), cross-subject (odd subjects train, even test), all 20 classes.

    python benchmarks/msr_action3d.py [--quick] [--seeds 0 1 2]

The two known bad files (`a13_s09_e02` all zeros, `a13_s09_e03` 936-frame corrupt recording) are skipped and
listed (skeleton-data.md §4), leaving 565 sequences.  Sequences are resampled to 32 frames (two 16-frame
spatial windows).  No published two-stream RNN number exists for this dataset.
"""
from __future__ import annotations

import sys

try:
    from benchmarks._common import BenchmarkRow, Protocol, run_benchmark
    from benchmarks._skeleton import skeleton_loader
except ImportError:  # run as `python benchmarks/msr_action3d.py`
    from _common import BenchmarkRow, Protocol, run_benchmark
    from _skeleton import skeleton_loader

from motionzoo.data import MSRAction3DDataset
from motionzoo.models.two_stream_rnn import RECIPES

XSUB = Protocol("msr_action3d", "xsub20", num_classes=20,
                description="odd subjects train / even test, 20 classes, bad files skipped; 32 frames; last epoch")
PIPELINE = {"clip_len": 32, "temporal": "resample"}
MODEL_KWARGS = {"layout": "kinect_v1_20", "window": 16}
# Documented CPU schedule (a deviation from the authors' recipe, recorded in every result row): Adam lr 1e-3,
# batch 16, constant lr. Measured reason: with the authors' Nesterov SGD (lr 0.02-0.05) two_stream_rnn stayed at
# chance level for 11 epochs on SBU fold 1 (benchmarks/sbu_quick_train.py), while Adam leaves it in 1-2 epochs;
# a 2-core CPU affords tens of epochs, not the authors' hundreds.
RECIPE = RECIPES["two_stream_rnn"].replace(name="two_stream_rnn_msr_cpu", epochs=25, batch_size=16, optimizer="adam",
                                           lr=1e-3, schedule="constant")

# The "bones" row feeds each joint relative to its parent (roots keep their position), which lifted NATOPS
# from 85.6 to 92.8 % (benchmarks/natops.py).
ROWS = [BenchmarkRow(f"two_stream_rnn{suffix}/xsub20", model="two_stream_rnn", model_kwargs=MODEL_KWARGS,
                     protocol=XSUB,
                     data=skeleton_loader(MSRAction3DDataset, "msr_action3d", "two_stream_rnn", MODEL_KWARGS, {},
                                          {**PIPELINE, **extra}),
                     recipe=RECIPE, published=None,
                     published_source="no published number for this model on MSR Action3D",
                     quick={"epochs": 8}, quick_reason="CPU smoke schedule: 8 epochs")
        for suffix, extra in (("", {}), ("_bones", {"representation": "bones"}))]

if __name__ == "__main__":
    run_benchmark("msr_action3d", ROWS, sys.argv[1:])
