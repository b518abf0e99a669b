"""Short CPU smoke training of `two_stream_rnn` on SBU Kinect Interaction, fold 1 (test = sets 1, 9, 15, 19).

    python benchmarks/sbu_quick_train.py --epochs 8

A minimal loop to show that the model trains end to end on real data; it is not a reproduction of the paper
(the full 5-fold benchmark is `benchmarks/sbu.py`).  Both persons enter one sample (`persons="concat"`), the
sequences (10-46 frames) are two-centre normalised and zero-padded in front to 50 frames (two 25-frame spatial
windows), training adds the authors' start-crop and 3D rotation/scale.  Nesterov SGD, momentum 0.9, batch 32,
lr 0.05 (the authors' batch 256 / lr 0.02 is one step per epoch on 230 samples).  Reports the last epoch.
"""
from __future__ import annotations

import argparse
import time

import numpy as np
import torch
import torch.nn.functional as F
from torch.utils.data import DataLoader

import motionzoo
from motionzoo.data import SBUDataset
from motionzoo.data.transforms import Augment3D, random_start_crop, rnn_windows, two_centre_normalize

T = 50


def make_transform(train: bool, seed: int, normalize: str = "two_centre"):
    rng = np.random.default_rng(seed)
    augment = Augment3D(rng=rng)                     # x/y rotation within +-10 deg, scale 0.9-1.1, p = 0.5

    def transform(x):                                # (2, T_file, 15, 3) -> (2, 50, 15, 3)
        if normalize == "two_centre":                # per person: removes where the two persons stand
            x = two_centre_normalize(x, "sbu15")
        x = rnn_windows(x, length=T, train=False)[0]
        if train:
            x = augment(random_start_crop(x, max_fraction=0.3, p=0.5, rng=rng))
        return torch.as_tensor(np.ascontiguousarray(x), dtype=torch.float32)
    return transform


@torch.no_grad()
def evaluate(model, loader) -> float:
    model.eval()
    correct = total = 0
    for x, y in loader:
        correct += (model(x).argmax(-1) == y).sum().item()
        total += len(y)
    return 100.0 * correct / total


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--epochs", type=int, default=8)
    p.add_argument("--batch-size", type=int, default=32)
    p.add_argument("--lr", type=float, default=0.05)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--normalize", choices=("two_centre", "none"), default="two_centre",
                   help="'none' keeps the file's normalised coordinates (and the persons' relative position)")
    args = p.parse_args(argv)
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)

    train = SBUDataset(fold=0, split="train", transform=make_transform(True, args.seed, args.normalize))
    test = SBUDataset(fold=0, split="test", transform=make_transform(False, args.seed, args.normalize))
    train_loader = DataLoader(train, batch_size=args.batch_size, shuffle=True,
                              generator=torch.Generator().manual_seed(args.seed))
    test_loader = DataLoader(test, batch_size=64)
    model = motionzoo.create_model("two_stream_rnn", layout="sbu15", num_classes=8, persons="concat", window=25)
    opt = torch.optim.SGD(model.parameters(), lr=args.lr, momentum=0.9, nesterov=True)
    print(f"SBU fold 1: {len(train)} train / {len(test)} test; two_stream_rnn (concat persons, T={T}, w=25), "
          f"{sum(p.numel() for p in model.parameters()):,} params; {args.epochs} epochs, batch {args.batch_size}, "
          f"lr {args.lr}, normalisation {args.normalize}, {args.threads} thread(s)")
    start = time.time()
    for epoch in range(1, args.epochs + 1):
        model.train()
        losses = []
        for x, y in train_loader:
            loss = F.nll_loss(model(x), y)          # the model returns the fused log-posterior
            opt.zero_grad()
            loss.backward()
            opt.step()
            losses.append(loss.item())
        acc = evaluate(model, test_loader)
        print(f"epoch {epoch:3d}  train loss {np.mean(losses):.4f}  test top-1 {acc:5.1f} %  "
              f"elapsed {time.time() - start:6.1f} s", flush=True)
    print(f"final (last epoch) test top-1 {acc:.1f} % after {args.epochs} epochs, wall {time.time() - start:.1f} s")


if __name__ == "__main__":
    main()
