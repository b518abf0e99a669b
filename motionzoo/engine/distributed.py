"""PyTorch-native multi-process helpers.  Launch with `torchrun --nproc_per_node=G script.py ...` (multi-node:
add `--nnodes`, `--node_rank`, `--rdzv_endpoint`); `init_distributed()` reads torchrun's environment, picks NCCL
on CUDA and gloo on CPU.  Without torchrun every helper degrades to the single-process behaviour."""
from __future__ import annotations

import datetime
import os
from typing import Iterator

import torch
import torch.distributed as dist
from torch.utils.data import Sampler

__all__ = ["init_distributed", "cleanup_distributed", "is_distributed", "get_rank", "get_world_size", "is_main_process",
           "barrier", "all_gather_varlen", "all_gather_objects", "reduce_mean", "EpochShuffleSampler"]


def is_distributed() -> bool:
    return dist.is_available() and dist.is_initialized()


def get_rank() -> int:
    return dist.get_rank() if is_distributed() else 0


def get_world_size() -> int:
    return dist.get_world_size() if is_distributed() else 1


def is_main_process() -> bool:
    return get_rank() == 0


def init_distributed(backend: str | None = None, timeout_s: float = 1800) -> bool:
    """Join the process group described by torchrun's environment (RANK, WORLD_SIZE, MASTER_ADDR, ...).
    Returns True when running distributed.  Safe to call twice."""
    if is_distributed():
        return True
    if int(os.environ.get("WORLD_SIZE", 1)) <= 1:
        return False
    use_cuda = torch.cuda.is_available() and backend != "gloo"
    if use_cuda:
        torch.cuda.set_device(int(os.environ.get("LOCAL_RANK", 0)))
    dist.init_process_group(backend=backend or ("nccl" if use_cuda else "gloo"),
                            timeout=datetime.timedelta(seconds=timeout_s))
    return True


def cleanup_distributed() -> None:
    if is_distributed():
        dist.destroy_process_group()


def barrier() -> None:
    if is_distributed():
        dist.barrier()


def _comm_device() -> torch.device:
    # NCCL only moves CUDA tensors; gloo only CPU ones
    if is_distributed() and dist.get_backend() == "nccl":
        return torch.device("cuda", torch.cuda.current_device())
    return torch.device("cpu")


def all_gather_varlen(t: torch.Tensor) -> list[torch.Tensor]:
    """Gather a tensor whose first dimension differs between ranks; returns one CPU tensor per rank."""
    if not is_distributed():
        return [t.detach().cpu()]
    dev = _comm_device()
    t = t.detach().to(dev).contiguous()
    n = torch.tensor([t.shape[0]], device=dev, dtype=torch.int64)
    sizes = [torch.zeros_like(n) for _ in range(get_world_size())]
    dist.all_gather(sizes, n)
    sizes = [int(s.item()) for s in sizes]
    padded = torch.zeros((max(sizes), *t.shape[1:]), dtype=t.dtype, device=dev)
    padded[: t.shape[0]] = t
    out = [torch.zeros_like(padded) for _ in sizes]
    dist.all_gather(out, padded)
    return [o[:s].cpu() for o, s in zip(out, sizes)]


def all_gather_objects(obj) -> list:
    """Picklable objects from every rank (small things only: RNG states, counters)."""
    if not is_distributed():
        return [obj]
    out = [None] * get_world_size()
    dist.all_gather_object(out, obj)
    return out


def reduce_mean(value: float, weight: float = 1.0) -> float:
    """Weighted mean of a scalar over ranks (e.g. a loss averaged over each rank's sample count)."""
    if not is_distributed():
        return value
    t = torch.tensor([value * weight, weight], dtype=torch.float64, device=_comm_device())
    dist.all_reduce(t)
    return float(t[0] / t[1]) if t[1] > 0 else float("nan")


class EpochShuffleSampler(Sampler[int]):
    """Single-process shuffling that depends only on (seed, epoch), not on the global RNG, so a resumed run
    sees the same order as an uninterrupted one.  `fit` calls `set_epoch` like it does for DistributedSampler."""

    def __init__(self, data_source, seed: int = 0, shuffle: bool = True):
        self.n = len(data_source)
        self.seed, self.shuffle, self.epoch = seed, shuffle, 0

    def set_epoch(self, epoch: int) -> None:
        self.epoch = epoch

    def __iter__(self) -> Iterator[int]:
        if not self.shuffle:
            return iter(range(self.n))
        g = torch.Generator().manual_seed(self.seed + self.epoch)
        return iter(torch.randperm(self.n, generator=g).tolist())

    def __len__(self) -> int:
        return self.n
