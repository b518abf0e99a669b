"""A whole preprocessed skeleton split held as one tensor on a device, with batched on-device augmentation: a train
loader whose batches never leave the accelerator (no worker processes, no host-to-device copies per step).

    split = DeviceSplit.from_dataset(train_ds, device="cuda", dtype=torch.float16)   # ds[i] -> (x, y), fixed shape
    loader = split.loader(batch_size=64, seed=0, augment=DeviceAffine(random_rotate=(17, 17, 17),
                                                                     random_scale=(0.9, 1.1), random_affine_p=1.0))
    fit(model, loader, val_loader, recipe, out_dir)        # the engine calls loader.sampler.set_epoch(epoch)

NTU-60 xsub (40,091 samples x 2 bodies x 100 frames x 25 joints x 3) is about 1.2 GB in float16.

Reproducibility: the order of epoch e and the augmentation of sample i in epoch e are functions of (seed, e) alone
(numpy generators seeded with [seed, e], drawn on the host for the whole epoch), so they do not depend on the
device, the batch size or a resume.  `DeviceAffine` applies the training pipeline's random rotation + scale
(motionzoo.data.pipeline.SkeletonSequencePipeline: `random_rotate` degrees about x, y, z, `random_scale`,
`random_affine_p`, `integer_degrees`; matrices from transforms.rotation_matrix, row vectors x' = x @ A) to the
first three channels of the last axis; zero (absent) joints stay zero.  Build the split with the pipeline in
evaluation mode (its deterministic steps) and give the random part to `DeviceAffine` (`from_pipeline`).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator

import numpy as np
import torch

from .transforms import rotation_matrix

__all__ = ["DeviceSplit", "DeviceLoader", "DeviceAffine"]


@dataclass(frozen=True)
class DeviceAffine:
    """Per-sample random rotation + isotropic scale, applied to a batch on its device (see the module doc)."""

    random_rotate: tuple[float, float, float] = (0.0, 0.0, 0.0)   # max |angle| in degrees about x, y, z
    random_scale: tuple[float, float] = (1.0, 1.0)
    random_affine_p: float = 1.0
    integer_degrees: bool = False

    def __post_init__(self):
        if len(self.random_rotate) != 3 or len(self.random_scale) != 2 or not 0 < self.random_scale[0] <= \
                self.random_scale[1] or not 0.0 <= self.random_affine_p <= 1.0:
            raise ValueError(f"DeviceAffine needs 3 angles, a scale range 0 < lo <= hi and p in [0, 1]; got "
                             f"{self.random_rotate}, {self.random_scale}, {self.random_affine_p}")

    @classmethod
    def from_pipeline(cls, pipeline) -> "DeviceAffine":
        """The random rotation + scale of a training `SkeletonSequencePipeline` (its other random steps, the start
        and temporal crops, have no on-device version: an error if they are on)."""
        if getattr(pipeline, "random_start_crop_p", 0) > 0 or tuple(getattr(pipeline, "random_temporal_crop",
                                                                            (1, 1))) != (1.0, 1.0):
            raise ValueError("the pipeline's random start / temporal crops have no on-device version; turn them off "
                             "or use the data-loader path")
        return cls(tuple(pipeline.random_rotate), tuple(pipeline.random_scale), pipeline.random_affine_p,
                   pipeline.integer_degrees)

    def matrices(self, n: int, seed: int, epoch: int) -> np.ndarray:
        """(n, 3, 3) float32: the matrix of every sample index in `epoch` (identity where no affine is drawn)."""
        rng = np.random.default_rng([int(seed), int(epoch), 1])
        on = rng.random(n) < self.random_affine_p
        angles = []
        for d in self.random_rotate:
            if d <= 0:
                angles.append(np.zeros(n))
            elif self.integer_degrees:
                angles.append(rng.integers(-int(d), int(d) + 1, n).astype(np.float64))
            else:
                angles.append(rng.uniform(-d, d, n))
        scale = rng.uniform(*self.random_scale, n)
        a = rotation_matrix(*angles, scale=scale)
        a[~on] = np.eye(3)
        return a.astype(np.float32)

    @staticmethod
    def apply(x: torch.Tensor, a: torch.Tensor) -> torch.Tensor:
        """x (B, ..., C >= 3), a (B, 3, 3) on x's device -> x with x[..., :3] @ a per sample (a new tensor)."""
        b = x.shape[0]
        xyz = x[..., :3].reshape(b, -1, 3) @ a.to(x.dtype)                  # (B, L, 3)
        return torch.cat([xyz.reshape(x[..., :3].shape), x[..., 3:]], -1) if x.shape[-1] > 3 else \
            xyz.reshape(x.shape)


class _EpochSampler:
    """The sample order of an epoch: a permutation drawn from (seed, epoch), or 0..N-1; under torch.distributed
    (or explicit `num_replicas`, `rank`) this rank's share, padded to equal shares as DistributedSampler does.
    It is the loader's `sampler`, which the engine tells the epoch (`set_epoch`)."""

    def __init__(self, n: int, shuffle: bool, seed: int, num_replicas: int | None, rank: int | None):
        dist = torch.distributed.is_available() and torch.distributed.is_initialized()
        self.n, self.shuffle, self.seed, self.epoch = n, shuffle, int(seed), 0
        self.num_replicas = num_replicas if num_replicas is not None else (
            torch.distributed.get_world_size() if dist else 1)
        self.rank = rank if rank is not None else (torch.distributed.get_rank() if dist else 0)

    def set_epoch(self, epoch: int) -> None:
        self.epoch = int(epoch)

    def indices(self) -> np.ndarray:
        order = np.random.default_rng([self.seed, self.epoch, 0]).permutation(self.n) if self.shuffle \
            else np.arange(self.n)
        if self.num_replicas > 1:
            per = -(-self.n // self.num_replicas)
            order = np.resize(order, per * self.num_replicas)[self.rank::self.num_replicas]
        return order

    def __iter__(self) -> Iterator[int]:
        return iter(self.indices().tolist())

    def __len__(self) -> int:
        return -(-self.n // self.num_replicas)


class DeviceSplit:
    """x (N, ...) and y (N,) on one device; x stored in `dtype` (e.g. float16 to halve the memory)."""

    def __init__(self, x: torch.Tensor, y: torch.Tensor, device=None, dtype: torch.dtype | None = None):
        if x.shape[0] != y.shape[0]:
            raise ValueError(f"x has {x.shape[0]} samples but y has {y.shape[0]}")
        device = torch.device(device) if device is not None else x.device
        self.x = x.to(device=device, dtype=dtype or x.dtype)
        self.y = y.to(device=device, dtype=torch.int64)

    @property
    def device(self) -> torch.device:
        return self.x.device

    def __len__(self) -> int:
        return self.x.shape[0]

    @classmethod
    def from_dataset(cls, dataset, device=None, dtype: torch.dtype | None = None, chunk: int = 1024) -> "DeviceSplit":
        """Materialise `dataset` (items (x, y, ...) with one fixed x shape, e.g. after a fixed-length pipeline in
        evaluation mode) on `device`, `chunk` samples at a time (host memory stays small)."""
        n = len(dataset)
        if n == 0:
            raise ValueError("empty dataset")
        x0 = torch.as_tensor(dataset[0][0])
        device = torch.device(device) if device is not None else torch.device("cpu")
        x = torch.empty((n,) + tuple(x0.shape), dtype=dtype or x0.dtype, device=device)
        y = torch.empty(n, dtype=torch.int64)
        for start in range(0, n, chunk):
            xs = []
            for i in range(start, min(n, start + chunk)):
                item = dataset[i]
                xi = torch.as_tensor(item[0])
                if xi.shape != x0.shape:
                    raise ValueError(f"sample {i} has shape {tuple(xi.shape)}, sample 0 {tuple(x0.shape)}: a "
                                     "device split needs one shape (use a fixed-length transform)")
                xs.append(xi)
                y[i] = int(item[1])
            x[start:start + len(xs)] = torch.stack(xs).to(device=device, dtype=x.dtype)
        return cls(x, y, device)

    def loader(self, batch_size: int, shuffle: bool = True, seed: int = 0, augment: DeviceAffine | None = None,
               drop_last: bool = False, out_dtype: torch.dtype = torch.float32, num_replicas: int | None = None,
               rank: int | None = None) -> "DeviceLoader":
        return DeviceLoader(self, batch_size, shuffle, seed, augment, drop_last, out_dtype, num_replicas, rank)


class DeviceLoader:
    """Iterates (x, y) batches of a `DeviceSplit`: x in `out_dtype` (float32 by default; the engine's autocast
    takes it from there), y int64, both on the split's device.  len() = batches per epoch."""

    def __init__(self, split: DeviceSplit, batch_size: int, shuffle: bool = True, seed: int = 0,
                 augment: DeviceAffine | None = None, drop_last: bool = False, out_dtype: torch.dtype = torch.float32,
                 num_replicas: int | None = None, rank: int | None = None):
        if batch_size < 1:
            raise ValueError(f"batch_size must be >= 1, got {batch_size}")
        self.split, self.batch_size, self.augment = split, batch_size, augment
        self.drop_last, self.out_dtype, self.seed = drop_last, out_dtype, int(seed)
        self.sampler = _EpochSampler(len(split), shuffle, seed, num_replicas, rank)

    def __len__(self) -> int:
        n = len(self.sampler)
        return n // self.batch_size if self.drop_last else -(-n // self.batch_size)

    def __iter__(self) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
        device = self.split.device
        order = torch.from_numpy(self.sampler.indices()).to(device)
        mats = None
        if self.augment is not None:
            mats = torch.from_numpy(self.augment.matrices(len(self.split), self.seed, self.sampler.epoch)).to(device)
        for b in range(len(self)):
            idx = order[b * self.batch_size:(b + 1) * self.batch_size]
            x = self.split.x.index_select(0, idx).to(self.out_dtype)
            if mats is not None:
                x = DeviceAffine.apply(x, mats.index_select(0, idx))
            yield x, self.split.y.index_select(0, idx)
