"""The synthetic RGB-D benchmark's validation split is carved from its training videos: disjoint from what the
validation runs train on, never touching the test videos, every class equally represented."""
from __future__ import annotations

from collections import Counter

from benchmarks.rgbd_synthetic import NUM_CLASSES, VAL_PER_CLASS, write_data
from motionzoo.data.video_io import read_split_file


def test_validation_is_carved_from_the_training_videos(tmp_path):
    _, splits = write_data(tmp_path)
    names = {s: [r.name for r in read_split_file(p, NUM_CLASSES).records] for s, p in splits.items()}
    assert set(names["val"]) | set(names["train_sub"]) == set(names["train"])
    assert not set(names["val"]) & set(names["train_sub"])
    assert not set(names["train"]) & set(names["valid"]), "the test videos stay out of training and validation"
    labels = Counter(r.label for r in read_split_file(splits["val"], NUM_CLASSES).records)
    assert labels == {c: VAL_PER_CLASS for c in range(NUM_CLASSES)}
    assert (len(names["train_sub"]), len(names["val"]), len(names["valid"])) == (150, 30, 30)
