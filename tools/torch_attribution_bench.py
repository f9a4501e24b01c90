#!/usr/bin/env python3
"""PyTorch side of `sage-mpi bench ism`: SAGE-net's reference attribution (save_ref_attribs) on the reference model
(tools/sagenet_torch.py) with autograd, random one-hot input, median over --regions regions after one warm-up.
p-SAGE-net with personal = reference: one forward of (ref, mat, pat), then d out0 / d ref and d out1 / d mat (two
backward passes through one graph); r-SAGE-net: d out / d x. Prints one JSON line: regions_per_s, seconds."""
import argparse
import json
import os
import sys
import time

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(__file__))
from sagenet_torch import add_size_arguments, model_from_arguments  # noqa: E402

ap = argparse.ArgumentParser()
add_size_arguments(ap)
ap.add_argument("--regions", type=int, default=2)
ap.add_argument("--threads", type=int, default=1)
a = ap.parse_args()
torch.set_num_threads(a.threads)
p = a.model == "psagenet"
m = model_from_arguments(a)
m.eval()


def region():
    x = F.one_hot(torch.randint(0, 4, (1, a.input_len)), 4).permute(0, 2, 1).float().contiguous()
    if not p:
        x.requires_grad_(True)
        m(x)[:, 0].sum().backward()
        return x.grad
    ref, mat, pat = (x.clone().requires_grad_(True) for _ in range(3))
    out = m(ref, mat, pat)
    g0 = torch.autograd.grad(out[:, 0].sum(), ref, retain_graph=True)[0]
    g1 = torch.autograd.grad(out[:, 1].sum(), mat)[0]
    return g0, g1


region()
times = []
for _ in range(a.regions):
    t = time.perf_counter()
    region()
    times.append(time.perf_counter() - t)
s = sorted(times)[len(times) // 2]
print(json.dumps({"regions_per_s": 1 / s, "seconds": s, "torch": torch.__version__, "threads": a.threads}))
