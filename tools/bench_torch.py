#!/usr/bin/env python3
"""PyTorch side of `sage-mpi bench model`: the same step (forward, loss, backward, clip_grad_norm 1.0, Adam with
weight decay 1e-5) on the reference pSAGEnet (tools/sagenet_torch.py), random one-hot input, median of N steps.

    ~/venv-sage/bin/python tools/bench_torch.py --input-len 2000 --first-layer-kernel-number 64 \
        --int-layers-kernel-number 32 --hidden-size 32 --n-conv-blocks 3 --batch 4 --threads 2
Run it beside `sage-mpi bench model` with the same flags and compare the ratios (the machine is shared). The
transformer ablation: --block-type transformer --int-layers-kernel-number 255 (--int-layers-kernel-size 5 = nhead)."""
import argparse
import os
import resource
import sys
import time

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(__file__))
from sagenet_torch import add_size_arguments, model_from_arguments  # noqa: E402

ap = argparse.ArgumentParser()
add_size_arguments(ap)
ap.add_argument("--block-type", default="conv", choices=["conv", "transformer"])
ap.add_argument("--batch", type=int, default=1)
ap.add_argument("--inference-batch", type=int, default=1)
ap.add_argument("--steps", type=int, default=3)
ap.add_argument("--threads", type=int, default=2)
a = ap.parse_args()
torch.set_num_threads(a.threads)
p = a.model == "psagenet"
m = model_from_arguments(a, block_type=a.block_type)
opt = torch.optim.Adam(m.parameters(), lr=5e-4, weight_decay=1e-5)


def onehot(B):
    return F.one_hot(torch.randint(0, 4, (B, a.input_len)), 4).permute(0, 2, 1).float().contiguous()


xs = [onehot(max(a.batch, a.inference_batch)) for _ in range(3 if p else 1)]
y = torch.rand(a.batch, 2 if p else 1)


def step():
    opt.zero_grad()
    out = m(*[x[:a.batch] for x in xs])
    loss = F.mse_loss(out[:, 0], y[:, 0]) + (10 * F.mse_loss(out[:, 1], y[:, 1]) if p else 0)
    loss.backward()
    torch.nn.utils.clip_grad_norm_(m.parameters(), 1.0)
    opt.step()


def infer():
    with torch.no_grad():
        m(*[x[:a.inference_batch] for x in xs])


def median(fn):
    fn()
    ts = []
    for _ in range(a.steps):
        t = time.perf_counter()
        fn()
        ts.append(time.perf_counter() - t)
    return sorted(ts)[len(ts) // 2]


m.train()
tt = median(step)
m.eval()
ti = median(infer)
block = f", last block a transformer ({a.int_layers_kernel_size} heads)" if a.block_type == "transformer" else ""
print(f"torch {torch.__version__} {a.model} input_len {a.input_len} filters {a.first_layer_kernel_number}/{a.int_layers_kernel_number}{block}, "
      f"{sum(q.numel() for q in m.parameters())} parameters, {a.threads} thread(s)")
print(f"train (B={a.batch}):     {a.batch / tt:.3f} samples/s  (median step {tt:.3f} s)")
print(f"inference (B={a.inference_batch}): {a.inference_batch / ti:.3f} samples/s  (median pass {ti:.3f} s)")
print(f"peak memory:      {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1048576:.2f} GiB")
