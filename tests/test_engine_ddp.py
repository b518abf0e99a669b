"""DistributedDataParallel on CPU: 2 gloo processes train a tiny model; the metrics they report (all-gathered,
sampler padding removed) must equal a single-process evaluation of the same weights on the same data."""
from __future__ import annotations

import json
import os
import socket

import torch
import torch.distributed as dist
import torch.multiprocessing as mp
from torch import nn
from torch.utils.data import TensorDataset

from motionzoo.engine import evaluate, fit, load_checkpoint, make_loader, seed_everything
from motionzoo.recipes import Recipe

N_VAL = 13   # odd: DistributedSampler pads rank 1's shard with a duplicate of sample 0


def _data():
    g = torch.Generator().manual_seed(0)
    x = torch.randn(30, 5, generator=g)
    y = (x[:, 0] > 0).long() + (x[:, 1] > 0).long()
    return TensorDataset(x, y), TensorDataset(x[:N_VAL] + 0.3, y[:N_VAL])


def _net():
    return nn.Sequential(nn.Linear(5, 8), nn.ReLU(), nn.Linear(8, 3))


def _worker(rank: int, world: int, port: int, out_dir: str):
    os.environ.update(RANK=str(rank), WORLD_SIZE=str(world), LOCAL_RANK=str(rank), MASTER_ADDR="127.0.0.1",
                      MASTER_PORT=str(port))
    torch.set_num_threads(1)
    dist.init_process_group("gloo", rank=rank, world_size=world)
    try:
        seed_everything(0)
        train, val = _data()
        recipe = Recipe("ddp", epochs=2, batch_size=4, lr=0.1, momentum=0.9)
        res = fit(_net(), make_loader(train, 4, train=True, seed=0), make_loader(val, 3, train=False), recipe,
                  out_dir, device="cpu", progress=False, plots=False)
        params = torch.cat([p.detach().flatten() for p in res.model.parameters()])
        with open(os.path.join(out_dir, f"rank{rank}.json"), "w") as f:
            json.dump({k: res.final[k] for k in ("top1", "top5", "mean_class_accuracy", "num_samples",
                                                 "confusion_matrix")} | {"params": params.tolist(),
                                                                         "logits": res.final["logits"].tolist()}, f)
    finally:
        dist.destroy_process_group()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_ddp_two_gloo_processes_exact_metrics(tmp_path):
    # fork (Linux) skips re-importing torch in each child, the bulk of this test's time; spawn elsewhere
    method = "fork" if "fork" in mp.get_all_start_methods() else "spawn"
    mp.start_processes(_worker, args=(2, _free_port(), str(tmp_path)), nprocs=2, join=True, start_method=method)
    r0, r1 = (json.loads((tmp_path / f"rank{r}.json").read_text()) for r in (0, 1))
    assert r0["params"] == r1["params"]                   # gradients were all-reduced: replicas agree
    for key in ("top1", "top5", "mean_class_accuracy", "num_samples", "confusion_matrix"):
        assert r0[key] == r1[key], key                    # every rank sees the full-split metrics

    model = _net()
    sd, state = load_checkpoint(tmp_path, "last")        # written by rank 0 only
    model.load_state_dict(sd)
    assert state["world_size"] == 2 and len(state["rng"]) == 2
    _, val = _data()
    single = evaluate(model, make_loader(val, 5, train=False), "cpu", progress=False)
    assert r0["num_samples"] == single["num_samples"] == N_VAL
    for key in ("top1", "top5", "mean_class_accuracy", "confusion_matrix"):
        assert r0[key] == single[key], key
    torch.testing.assert_close(torch.tensor(r0["logits"]), single["logits"])   # same order: dataset order
