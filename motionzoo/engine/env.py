"""Seeding, device choice and a description of the run environment (for benchmark rows)."""
from __future__ import annotations

import os
import platform
import random
import sys
from typing import Any

import numpy as np
import torch

__all__ = ["seed_everything", "seed_worker", "resolve_device", "describe_env", "describe_device"]


def seed_everything(seed: int, deterministic: bool = False) -> None:
    """Seed Python, numpy and torch (CPU and every CUDA device).  `deterministic=True` also selects
    deterministic kernels (cuDNN deterministic, no autotuning, `torch.use_deterministic_algorithms`), which
    is slower and raises on ops that have no deterministic implementation."""
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)
    torch.cuda.manual_seed_all(seed)
    if deterministic:
        # cuBLAS needs this workspace setting for reproducible matmuls (read when CUDA initialises)
        os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")
        torch.backends.cudnn.deterministic = True
        torch.backends.cudnn.benchmark = False
        torch.use_deterministic_algorithms(True)
    else:
        torch.backends.cudnn.deterministic = False
        torch.use_deterministic_algorithms(False)


def seed_worker(worker_id: int) -> None:
    """DataLoader `worker_init_fn`: torch seeds each worker, numpy and `random` are derived from that seed so
    augmentations differ between workers but repeat between runs."""
    seed = torch.initial_seed() % 2**32
    np.random.seed(seed)
    random.seed(seed)


def resolve_device(device: str | torch.device | None = None) -> torch.device:
    """`None` -> this process's CUDA device if CUDA is available (LOCAL_RANK under torchrun), else CPU."""
    if device is not None:
        return torch.device(device)
    if torch.cuda.is_available():
        return torch.device("cuda", int(os.environ.get("LOCAL_RANK", 0)))
    return torch.device("cpu")


def describe_device(device: torch.device) -> str:
    if device.type == "cuda":
        idx = device.index if device.index is not None else torch.cuda.current_device()
        return f"cuda:{idx} ({torch.cuda.get_device_name(idx)})"
    return f"cpu ({platform.processor() or platform.machine()}, {torch.get_num_threads()} threads)"


def _cpu_model() -> str:
    """The processor's name as the OS reports it (/proc/cpuinfo on Linux), else platform's."""
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def describe_env(device: str | torch.device | None = None) -> dict[str, Any]:
    """torch / CUDA / cuDNN versions, device name, deterministic flags, world size: what a benchmark row needs
    to say where its number came from.  `cpu` and `cpu_capability` (the vector ISA torch dispatches its CPU
    kernels to, e.g. AVX2 or AVX512) are there because the same seeds on another ISA round differently, and a
    CPU training drifts apart from that over its epochs: two CPU numbers from different hosts need not agree
    to the bit even with `deterministic`."""
    dev = resolve_device(device)
    import motionzoo
    env = {
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "torch": torch.__version__,
        "numpy": np.__version__,
        "motionzoo": getattr(motionzoo, "__version__", "unknown"),
        "cuda": torch.version.cuda,
        "cudnn": torch.backends.cudnn.version() if torch.backends.cudnn.is_available() else None,
        "device": describe_device(dev),
        "deterministic": torch.are_deterministic_algorithms_enabled(),
        "cudnn_deterministic": torch.backends.cudnn.deterministic,
        "cudnn_benchmark": torch.backends.cudnn.benchmark,
        "world_size": int(os.environ.get("WORLD_SIZE", 1)),
        "num_threads": torch.get_num_threads(),
        "cpu": _cpu_model(),
        "cpu_capability": torch.backends.cpu.get_cpu_capability(),
    }
    if dev.type == "cuda":
        env["gpu_count"] = torch.cuda.device_count()
    return env
