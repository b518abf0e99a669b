"""motionzoo/data/device_dataset.py: a whole split as one tensor on a device, batched on-device augmentation drawn
from (seed, epoch), and a loader the engine trains from.  Runs on the CPU (and on CUDA too when present)."""
from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from motionzoo.data import NTUSkeletonDataset, rotation_matrix, write_synthetic_ntu
from motionzoo.data.device_dataset import DeviceAffine, DeviceLoader, DeviceSplit
from motionzoo.data.pipeline import SkeletonSequencePipeline
from motionzoo.engine import fit
from motionzoo.recipes import Recipe

DEVICES = ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])


@pytest.fixture(scope="module")
def ntu_split(tmp_path_factory):
    root = tmp_path_factory.mktemp("ntu")
    write_synthetic_ntu(root, num_classes=6, samples_per_class=4, frames=(12, 20), seed=0)
    pipe = SkeletonSequencePipeline(clip_len=16, temporal="resample", persons="concat", num_person=2,
                                    normalization="scene")
    return NTUSkeletonDataset(root, protocol="ntu60_xsub", split="all", transform=pipe,
                              cache_dir=tmp_path_factory.mktemp("cache"))


@pytest.mark.parametrize("device", DEVICES)
def test_split_holds_the_dataset(ntu_split, device):
    split = DeviceSplit.from_dataset(ntu_split, device=device, chunk=5)
    assert split.x.shape == (24, 2, 16, 25, 3) and split.x.device.type == device
    for i in (0, 7, 23):
        x, y = ntu_split[i]
        assert torch.equal(split.x[i].cpu(), x) and int(split.y[i]) == y
    half = DeviceSplit.from_dataset(ntu_split, device=device, dtype=torch.float16)
    assert half.x.dtype == torch.float16
    torch.testing.assert_close(half.x.float().cpu(), split.x.cpu(), rtol=1e-3, atol=1e-3)


def test_epochs_cover_every_sample_once_and_depend_only_on_seed_and_epoch(ntu_split):
    split = DeviceSplit.from_dataset(ntu_split)
    marker = DeviceSplit(torch.arange(24.0)[:, None], torch.arange(24))  # each sample's index as its value

    def epoch_order(loader, epoch):
        loader.sampler.set_epoch(epoch)
        return torch.cat([y for _, y in loader]).tolist()

    a, b = marker.loader(5, seed=3), marker.loader(7, seed=3)
    assert len(a) == 5 and len(marker.loader(5, drop_last=True)) == 4
    assert sorted(epoch_order(a, 0)) == list(range(24))
    assert epoch_order(a, 0) == epoch_order(b, 0) != epoch_order(a, 1)   # the batch size changes nothing
    assert epoch_order(marker.loader(5, shuffle=False), 4) == list(range(24))
    # augmentation of sample i in epoch e: the same whatever the batch size
    aug = DeviceAffine(random_rotate=(20, 30, 10), random_scale=(0.8, 1.2))
    by_sample = []
    for bs in (3, 8):
        loader = split.loader(bs, seed=1, augment=aug)
        loader.sampler.set_epoch(2)
        got = {}
        for x, y in loader:
            for xi in x:  # find each augmented sample's index through its labels and the order
                got[len(got)] = xi
        order = loader.sampler.indices()
        by_sample.append({int(order[k]): v for k, v in got.items()})
    for i in range(24):
        torch.testing.assert_close(by_sample[0][i], by_sample[1][i])


def test_affine_is_the_pipelines_rotation_and_scale(ntu_split):
    split = DeviceSplit.from_dataset(ntu_split)
    aug = DeviceAffine(random_rotate=(17, 17, 17), random_scale=(0.9, 1.1), random_affine_p=0.5,
                       integer_degrees=True)
    mats = aug.matrices(24, seed=0, epoch=5)
    assert mats.shape == (24, 3, 3)
    identity = [np.allclose(m, np.eye(3)) for m in mats]
    assert 0 < sum(identity) < 24                                     # p = 0.5
    rng = np.random.default_rng([0, 5, 1])                           # the documented draw, by hand
    on = rng.random(24) < 0.5
    ang = [rng.integers(-17, 18, 24) for _ in range(3)]
    sc = rng.uniform(0.9, 1.1, 24)
    k = int(np.flatnonzero(on)[0])
    np.testing.assert_allclose(mats[k], rotation_matrix(ang[0][k], ang[1][k], ang[2][k], scale=sc[k]), rtol=1e-6)
    x = split.x[:4].clone()
    x[0, 1] = 0                                                       # an absent body
    out = DeviceAffine.apply(x, torch.from_numpy(mats[:4]))
    np.testing.assert_allclose(out.numpy(), x.numpy() @ mats[:4, None, None], rtol=1e-5, atol=1e-6)
    assert not out[0, 1].any()
    with pytest.raises(ValueError, match="crop"):
        DeviceAffine.from_pipeline(SkeletonSequencePipeline(random_start_crop=0.1, random_start_crop_p=0.5))
    pipe = SkeletonSequencePipeline(random_rotate=(10, 0, 5), random_scale=(0.9, 1.0), random_affine_p=0.3)
    assert DeviceAffine.from_pipeline(pipe) == DeviceAffine((10, 0, 5), (0.9, 1.0), 0.3, False)


def test_engine_trains_from_the_loader_and_resumes_exactly(ntu_split, tmp_path):
    split = DeviceSplit.from_dataset(ntu_split, dtype=torch.float16)
    recipe = Recipe(name="test/device", epochs=3, batch_size=5, optimizer="adam", lr=1e-2)
    aug = DeviceAffine(random_rotate=(15, 15, 15), random_scale=(0.9, 1.1))

    def run(out, epochs, resume=False):
        torch.manual_seed(0)
        model = nn.Sequential(nn.Flatten(), nn.Linear(2 * 16 * 25 * 3, 6))
        r = Recipe(**{**recipe.__dict__, "epochs": epochs})
        return fit(model, split.loader(5, seed=0, augment=aug), split.loader(8, shuffle=False), r, out,
                   resume=resume, progress=False, plots=False)

    straight = run(tmp_path / "a", 3)
    run(tmp_path / "b", 2)
    resumed = run(tmp_path / "b", 3, resume=True)
    assert straight.history[0]["train_loss"] > straight.history[-1]["train_loss"]
    for k, v in straight.model.state_dict().items():
        assert torch.equal(v, resumed.model.state_dict()[k]), k


def test_distributed_shares_and_errors():
    split = DeviceSplit(torch.zeros(10, 3), torch.arange(10))
    shares = [split.loader(2, seed=0, num_replicas=3, rank=r).sampler.indices() for r in range(3)]
    assert [len(s) for s in shares] == [4, 4, 4] and set(np.concatenate(shares)) == set(range(10))

    class Ragged(torch.utils.data.Dataset):
        def __len__(self):
            return 3

        def __getitem__(self, i):
            return torch.zeros(4 + (i == 2), 3), 0

    with pytest.raises(ValueError, match="sample 2 has shape"):
        DeviceSplit.from_dataset(Ragged())
    with pytest.raises(ValueError, match="samples"):
        DeviceSplit(torch.zeros(3, 2), torch.zeros(4))
    with pytest.raises(ValueError):
        DeviceAffine(random_scale=(1.2, 1.1))
    assert isinstance(split.loader(4), DeviceLoader)
