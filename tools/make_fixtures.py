#!/usr/bin/env python3
"""Golden fixtures for the engine's kernel tests, from PyTorch (CPU), checked before they are written.

    python3 -m venv ~/venv-sage && ~/venv-sage/bin/pip install torch numpy safetensors
    ~/venv-sage/bin/python tools/make_fixtures.py            # writes Tests/SAGEEngineTests/Fixtures/kernels.safetensors

Every case is computed by torch.nn.functional in float32 (what the Swift tests compare against). Before anything
is written, each op is checked against its oracle: a naive NumPy float64 implementation of the forward pass
(conv, pools, batch norm, linear), and torch.autograd.gradcheck in float64 for the gradients. A failed check
aborts without writing. Never regenerate these files from sage-mpi's own engine.

Layout: tensor names "<case>/<tensor>"; metadata "cases" = JSON {case: {op, params...}}. Shapes follow PyTorch:
activations (B, C, L), conv weight (OC, C, K), linear weight (OUT, IN).
"""
import json
import os
import sys

import numpy as np
import torch
import torch.nn.functional as F
from safetensors.torch import save_file

OUT = os.path.join(os.path.dirname(__file__), "..", "Tests", "SAGEEngineTests", "Fixtures", "kernels.safetensors")
torch.manual_seed(1234)
tensors, cases = {}, {}


def same_pad(k, d):
    total = d * (k - 1)
    return total // 2, total - total // 2


def conv_naive(x, w, b, d, padding):
    B, C, L = x.shape
    OC, _, K = w.shape
    left, right = same_pad(K, d) if padding == "same" else (0, 0)
    xp = np.pad(x, ((0, 0), (0, 0), (left, right)))
    Lout = L + left + right - d * (K - 1)
    out = np.zeros((B, OC, Lout))
    for k in range(K):
        out += np.einsum("oc,bct->bot", w[:, :, k], xp[:, :, k * d: k * d + Lout])
    return out + b[None, :, None]


def pool_naive(x, size, kind):
    B, C, L = x.shape
    Lout = -(-L // size)
    out = np.zeros((B, C, Lout))
    for j in range(Lout):
        win = x[:, :, j * size: min(L, (j + 1) * size)]
        out[:, :, j] = win.mean(-1) if kind == "avg" else win.max(-1)
    return out


def check(name, ours, ref, tol=1e-9):
    err = np.max(np.abs(np.asarray(ours, dtype=np.float64) - ref)) if np.size(ref) else 0.0
    if not err <= tol * max(1.0, np.max(np.abs(ref))):
        sys.exit(f"oracle check failed for {name}: max abs diff {err}")


def gradcheck(name, fn, *inputs):
    dbl = [t.detach().double().requires_grad_(t.requires_grad) for t in inputs]
    if not torch.autograd.gradcheck(fn, dbl, eps=1e-6, atol=1e-5):
        sys.exit(f"gradcheck failed for {name}")


def record(case, params, **named):
    cases[case] = params
    for k, v in named.items():
        tensors[f"{case}/{k}"] = v.detach().float().contiguous().clone()


def backward(out, *inputs):
    dout = torch.randn_like(out)
    grads = torch.autograd.grad(out, inputs, dout)
    return dout, grads


# Conv1d: odd and even kernels, dilation, same and valid, an input shorter than the kernel.
for (K, d, padding, L) in [(5, 1, "same", 23), (10, 1, "same", 23), (4, 2, "same", 23), (3, 4, "same", 23),
                           (1, 1, "same", 9), (5, 1, "valid", 23), (4, 2, "valid", 23), (10, 1, "same", 7)]:
    B, C, OC = 2, 3, 4
    x = torch.randn(B, C, L, requires_grad=True)
    w = torch.randn(OC, C, K, requires_grad=True)
    b = torch.randn(OC, requires_grad=True)
    left, right = same_pad(K, d) if padding == "same" else (0, 0)
    fn = lambda x, w, b: F.conv1d(F.pad(x, (left, right)), w, b, dilation=d)
    if padding == "same":  # our explicit padding must equal PyTorch's own padding="same"
        check("conv same", F.conv1d(x, w, b, dilation=d, padding="same").detach().numpy(), fn(x, w, b).detach().double().numpy(), 1e-5)
    out = fn(x, w, b)
    check(f"conv k{K} d{d} {padding}", out.detach().numpy(), conv_naive(x.detach().double().numpy(), w.detach().double().numpy(), b.detach().double().numpy(), d, padding), 1e-5)
    gradcheck("conv", fn, x, w, b)
    dout, (dx, dw, db) = backward(out, x, w, b)
    record(f"conv_k{K}_d{d}_{padding}_L{L}", dict(op="conv1d", B=B, C=C, L=L, OC=OC, K=K, dilation=d, padding=padding),
           inp=x, weight=w, bias=b, out=out, dout=dout, dinp=dx, dweight=dw, dbias=db)

# BatchNorm1d, training (batch statistics, running update with momentum 0.1) and eval (running statistics).
for training in (True, False):
    B, C, L = 3, 4, 7
    x = (torch.randn(B, C, L) * 2 + 0.5).requires_grad_()
    g = (torch.rand(C) + 0.5).requires_grad_()
    be = torch.randn(C).requires_grad_()
    rm0, rv0 = torch.randn(C), torch.rand(C) + 0.5
    rm, rv = rm0.clone(), rv0.clone()
    out = F.batch_norm(x, rm, rv, g, be, training=training, momentum=0.1, eps=1e-5)
    xn = x.detach().double().numpy()
    if training:
        mu, var = xn.mean((0, 2)), xn.var((0, 2))
        n = B * L
        check("bn running_mean", rm.numpy(), 0.9 * rm0.double().numpy() + 0.1 * mu, 1e-6)
        check("bn running_var", rv.numpy(), 0.9 * rv0.double().numpy() + 0.1 * var * n / (n - 1), 1e-6)
    else:
        mu, var = rm0.double().numpy(), rv0.double().numpy()
    ref = (xn - mu[None, :, None]) / np.sqrt(var[None, :, None] + 1e-5) * g.detach().double().numpy()[None, :, None] + be.detach().double().numpy()[None, :, None]
    check("bn forward", out.detach().numpy(), ref, 1e-5)
    gradcheck("bn", lambda x, g, be: F.batch_norm(x, rm0.double().clone(), rv0.double().clone(), g, be, training=training), x, g, be)
    dout, (dx, dg, db) = backward(out, x, g, be)
    record(f"bn_{'train' if training else 'eval'}", dict(op="batchnorm1d", B=B, C=C, L=L, training=training),
           inp=x, gamma=g, beta=be, running_mean_before=rm0, running_var_before=rv0, running_mean_after=rm,
           running_var_after=rv, out=out, dout=dout, dinp=dx, dgamma=dg, dbeta=db)

# Pooling with ceil_mode=True: lengths divisible and not divisible by the pool size, shorter than it.
for kind in ("avg", "max"):
    for (L, size) in [(20, 10), (23, 10), (7, 10), (10, 3)]:
        B, C = 2, 3
        x = torch.randn(B, C, L, requires_grad=True)
        pool = (lambda x: F.avg_pool1d(x, size, size, ceil_mode=True)) if kind == "avg" else (lambda x: F.max_pool1d(x, size, size, ceil_mode=True))
        out = pool(x)
        check(f"{kind}pool L{L}", out.detach().numpy(), pool_naive(x.detach().double().numpy(), size, kind), 1e-6)
        gradcheck(f"{kind}pool", pool, x)
        dout, (dx,) = backward(out, x)
        record(f"{kind}pool_L{L}_s{size}", dict(op=f"{kind}pool1d", B=B, C=C, L=L, size=size), inp=x, out=out, dout=dout, dinp=dx)

# Linear, ReLU, MSE.
B, IN, OUTF = 3, 5, 4
x, w, b = torch.randn(B, IN, requires_grad=True), torch.randn(OUTF, IN, requires_grad=True), torch.randn(OUTF, requires_grad=True)
out = F.linear(x, w, b)
check("linear", out.detach().numpy(), x.detach().double().numpy() @ w.detach().double().numpy().T + b.detach().double().numpy(), 1e-5)
gradcheck("linear", F.linear, x, w, b)
dout, (dx, dw, db) = backward(out, x, w, b)
record("linear", dict(op="linear", B=B, IN=IN, OUT=OUTF), inp=x, weight=w, bias=b, out=out, dout=dout, dinp=dx, dweight=dw, dbias=db)

x = torch.randn(2, 3, 5, requires_grad=True)
out = F.relu(x)
dout, (dx,) = backward(out, x)
record("relu", dict(op="relu", count=30), inp=x, out=out, dout=dout, dinp=dx)

p, t = torch.randn(6, requires_grad=True), torch.randn(6)
loss = F.mse_loss(p, t)
check("mse", loss.detach().numpy(), np.mean((p.detach().double().numpy() - t.double().numpy()) ** 2), 1e-6)
(dp,) = torch.autograd.grad(loss, (p,))
record("mse", dict(op="mse", count=6), pred=p, target=t, loss=loss.reshape(1), dpred=dp)

os.makedirs(os.path.dirname(OUT), exist_ok=True)
save_file(tensors, OUT, metadata={"cases": json.dumps(cases, sort_keys=True), "torch": torch.__version__, "magic": "sage-mpi-fixtures", "version": "1"})
print(f"wrote {len(cases)} cases, {len(tensors)} tensors to {os.path.relpath(OUT)}")
