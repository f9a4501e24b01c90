#!/usr/bin/env python3
"""Golden fixtures for block_type = "transformer": PyTorch's own nn.LayerNorm, nn.MultiheadAttention and
nn.TransformerEncoderLayer (inside SAGE-net's Residual(TransformerBlock)), forward and every gradient, in eval mode
and in training mode with dropout 0; whole rSAGEnet / pSAGEnet models with the transformer block; and a 10-step
training curve, in the style of make_model_fixtures.py.

    /work/venv-torch/bin/python tools/make_transformer_fixtures.py   # writes Tests/SAGEEngineTests/Fixtures/transformer.safetensors

Checked before anything is written: a NumPy float64 re-implementation of the block (layer norm, packed in_proj,
per-head softmax(q k^T / sqrt(dh)) v, out_proj, ReLU feed-forward, post-norms, residual) must equal PyTorch's
forward; torch.autograd.gradcheck (float64) must pass for the attention module, the block and a tiny model; the
reference model's state_dict must carry SAGE-net's names for the block. Never regenerate from sage-mpi's engine.

Tensor names: "<case>/<tensor>" for layer cases (op in metadata "cases"), and for model cases those of
make_model_fixtures.py ("<case>/param/<key>", "<case>/grad/<key>", "<case>/input/...", "<case>/output", ...).
"""
import json
import os
import sys

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn
from safetensors.torch import save_file

sys.path.insert(0, os.path.dirname(__file__))
from sagenet_torch import PSAGEnet, RSAGEnet, Residual, transformer_block  # noqa: E402

OUT = os.path.join(os.path.dirname(__file__), "..", "Tests", "SAGEEngineTests", "Fixtures", "transformer.safetensors")
torch.manual_seed(2026)
tensors, cases = {}, {}


def record(case, params, **named):
    cases[case] = params
    for k, v in named.items():
        tensors[f"{case}/{k}"] = v.detach().float().contiguous().clone()


def check(name, ours, ref, tol):
    err = float(np.max(np.abs(np.asarray(ours, dtype=np.float64) - ref)))
    if not err <= tol * max(1.0, float(np.max(np.abs(ref)))):
        sys.exit(f"oracle check failed for {name}: max abs diff {err}")


def gradcheck(name, fn, *inputs):
    if not torch.autograd.gradcheck(fn, inputs, eps=1e-6, atol=1e-5):
        sys.exit(f"gradcheck failed for {name}")


# NumPy float64 oracle of the block's forward (eval, or training without dropout).
def ln_np(x, g, b):
    mu = x.mean(-1, keepdims=True)
    var = x.var(-1, keepdims=True)
    return (x - mu) / np.sqrt(var + 1e-5) * g + b


def softmax_np(s):
    e = np.exp(s - s.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True)


def mha_np(x, w_in, b_in, w_out, b_out, H):
    B, L, d = x.shape
    dh = d // H
    qkv = x @ w_in.T + b_in
    q, k, v = qkv[..., :d], qkv[..., d:2 * d], qkv[..., 2 * d:]
    out = np.zeros((B, L, d))
    probs = np.zeros((B, H, L, L))
    for h in range(H):
        sl = slice(h * dh, (h + 1) * dh)
        p = softmax_np(q[..., sl] @ np.swapaxes(k[..., sl], 1, 2) / np.sqrt(dh))
        probs[:, h] = p
        out[..., sl] = p @ v[..., sl]
    return out @ w_out.T + b_out, probs


def block_np(x, sd, H):
    """x (B, d, L); sd: the block's state_dict (keys relative to the Residual's _module) as float64 NumPy."""
    t = np.swapaxes(x, 1, 2)
    h0 = ln_np(t, sd["0.1.weight"], sd["0.1.bias"])
    e = "0.2.layers.0."
    a, _ = mha_np(h0, sd[e + "self_attn.in_proj_weight"], sd[e + "self_attn.in_proj_bias"],
                  sd[e + "self_attn.out_proj.weight"], sd[e + "self_attn.out_proj.bias"], H)
    n1 = ln_np(h0 + a, sd[e + "norm1.weight"], sd[e + "norm1.bias"])
    f = np.maximum(n1 @ sd[e + "linear1.weight"].T + sd[e + "linear1.bias"], 0) @ sd[e + "linear2.weight"].T + sd[e + "linear2.bias"]
    n2 = ln_np(n1 + f, sd[e + "norm2.weight"], sd[e + "norm2.bias"])
    return x + np.swapaxes(n2, 1, 2)


def randomise(module):
    """Non-trivial layer norms and biases (PyTorch initialises them to 1 and 0), so that every term is tested."""
    with torch.no_grad():
        for name, p in module.named_parameters():
            if name.endswith("bias") or "norm" in name or name.startswith("0.1"):
                p.copy_(torch.randn_like(p) * 0.3 + (1.0 if name.endswith("weight") else 0.0))


# LayerNorm over the last axis: rows x C.
for (rows, C) in [(6, 5), (1, 8), (3, 255)]:
    x = (torch.randn(rows, C) * 2 + 0.7).requires_grad_()
    g = (torch.rand(C) + 0.5).requires_grad_()
    b = torch.randn(C).requires_grad_()
    out = F.layer_norm(x, (C,), g, b, eps=1e-5)
    check("layer norm", out.detach().numpy(), ln_np(x.detach().double().numpy(), g.detach().double().numpy(), b.detach().double().numpy()), 1e-5)
    gradcheck("layer norm", lambda x, g, b: F.layer_norm(x, (C,), g, b, eps=1e-5), *[t.detach().double().requires_grad_() for t in (x, g, b)])
    dout = torch.randn_like(out)
    dx, dg, db = torch.autograd.grad(out, (x, g, b), dout)
    record(f"layernorm_{rows}x{C}", dict(op="layernorm", rows=rows, C=C), inp=x, gamma=g, beta=b, out=out, dout=dout,
           dinp=dx, dgamma=dg, dbeta=db)

# nn.MultiheadAttention (self-attention, batch_first, no dropout): packed in_proj, per-head probabilities, out_proj.
for (B, L, d, H) in [(2, 5, 6, 3), (3, 1, 4, 1), (2, 7, 8, 2)]:
    mha = nn.MultiheadAttention(d, H, batch_first=True)
    randomise(mha)
    x = torch.randn(B, L, d, requires_grad=True)
    out, probs = mha(x, x, x, need_weights=True, average_attn_weights=False)
    sd = {k: v.detach().double().numpy() for k, v in mha.state_dict().items()}
    ref, ref_probs = mha_np(x.detach().double().numpy(), sd["in_proj_weight"], sd["in_proj_bias"], sd["out_proj.weight"], sd["out_proj.bias"], H)
    check("attention", out.detach().numpy(), ref, 1e-5)
    check("attention probs", probs.detach().numpy(), ref_probs, 1e-5)
    m64 = nn.MultiheadAttention(d, H, batch_first=True).double()
    m64.load_state_dict({k: v.double() for k, v in mha.state_dict().items()})
    gradcheck("attention", lambda x: m64(x, x, x, need_weights=False)[0], x.detach().double().requires_grad_())
    dout = torch.randn_like(out)
    grads = torch.autograd.grad(out, [x] + [mha.in_proj_weight, mha.in_proj_bias, mha.out_proj.weight, mha.out_proj.bias], dout)
    record(f"attention_B{B}_L{L}_d{d}_H{H}", dict(op="attention", B=B, L=L, d=d, heads=H), inp=x,
           in_proj_weight=mha.in_proj_weight, in_proj_bias=mha.in_proj_bias, out_proj_weight=mha.out_proj.weight,
           out_proj_bias=mha.out_proj.bias, out=out, probs=probs, dout=dout, dinp=grads[0], din_proj_weight=grads[1],
           din_proj_bias=grads[2], dout_proj_weight=grads[3], dout_proj_bias=grads[4])

# SAGE-net's Residual(TransformerBlock) around PyTorch's nn.TransformerEncoderLayer: eval, and training with dropout 0.
for (B, L, d, H, training) in [(2, 6, 6, 3, False), (2, 6, 6, 3, True), (3, 1, 4, 2, True), (2, 4, 10, 5, False), (1, 9, 8, 4, True)]:
    block = Residual(transformer_block(d, H, dropout=0.0))
    randomise(block._module)
    block.train(training)
    x = torch.randn(B, d, L, requires_grad=True)
    out = block(x)
    sd = {k: v.detach().double().numpy() for k, v in block._module.state_dict().items()}
    check("transformer block", out.detach().numpy(), block_np(x.detach().double().numpy(), sd, H), 1e-5)
    b64 = Residual(transformer_block(d, H, dropout=0.0)).double()
    b64.load_state_dict({k: v.double() for k, v in block.state_dict().items()})
    b64.train(True)
    gradcheck("transformer block", b64, x.detach().double().requires_grad_())
    dout = torch.randn_like(out)
    names = [k for k, _ in block.named_parameters()]
    grads = torch.autograd.grad(out, [x] + [p for _, p in block.named_parameters()], dout)
    extra = {}
    if not training:  # PyTorch's inference fast path (torch._transformer_encoder_layer_fwd) must agree too
        with torch.no_grad():
            extra["out_nograd"] = block(x)
    name = f"block_{'train' if training else 'eval'}_B{B}_L{L}_d{d}_H{H}"
    record(name, dict(op="transformer_block", B=B, L=L, d=d, heads=H, training=training, parameters=names), inp=x, out=out,
           dout=dout, dinp=grads[0], **{f"param/{n}": p for n, p in block.named_parameters()},
           **{f"grad/{n}": g for n, g in zip(names, grads[1:])}, **extra)


# Whole models with block_type = "transformer".
def check_reference():
    p = PSAGEnet(block_type="transformer", int_layers_kernel_number=255)
    keys = list(p.state_dict())
    e = "convlayers.8._module.0.2.layers.0."
    for k in ["convlayers.8._module.0.1.weight", e + "self_attn.in_proj_weight", e + "self_attn.in_proj_bias",
              e + "self_attn.out_proj.weight", e + "linear1.weight", e + "linear2.bias", e + "norm1.weight", e + "norm2.bias"]:
        if k not in keys:
            sys.exit(f"reference state_dict lacks SAGE-net's key {k}")
    if any(k.startswith("convlayers.8._module.1.") or k.startswith("convlayers.8._module.0.0.") for k in keys):
        sys.exit("the transformer block still carries a conv block's parameters")
    tiny = PSAGEnet(input_len=12, first_layer_kernel_number=3, int_layers_kernel_number=4, first_layer_kernel_size=4,
                    int_layers_kernel_size=2, hidden_size=3, n_conv_blocks=2, pooling_size=3, block_type="transformer",
                    transformer_dropout=0.0).double()
    x = [torch.randn(2, 4, 12, dtype=torch.float64, requires_grad=True) for _ in range(3)]
    tiny.train()
    gradcheck("tiny transformer model", lambda a, b, c: tiny(a, b, c), *x)


def onehot(B, L, gen):
    idx = torch.randint(0, 5, (B, L), generator=gen)
    x = torch.zeros(B, 4, L)
    for b in range(B):
        for t in range(L):
            if idx[b, t] == 4:
                x[b, :, t] = 0.25
            else:
                x[b, idx[b, t], t] = 1
    return x


MODEL_CASES = {
    "tp_train": dict(model="psagenet", training=True, hp=dict(input_len=60, first_layer_kernel_number=6, int_layers_kernel_number=6, first_layer_kernel_size=10, int_layers_kernel_size=3, hidden_size=8, n_conv_blocks=3, pooling_size=3, pooling_type="avg", batch_norm=True, h_layers=1, n_dilated_conv_blocks=1, block_type="transformer")),
    "tp_eval_max": dict(model="psagenet", training=False, hp=dict(input_len=50, first_layer_kernel_number=5, int_layers_kernel_number=4, first_layer_kernel_size=7, int_layers_kernel_size=2, hidden_size=6, n_conv_blocks=2, pooling_size=4, pooling_type="max", batch_norm=True, h_layers=1, block_type="transformer")),
    "tr_train": dict(model="rsagenet", training=True, hp=dict(input_len=64, first_layer_kernel_number=6, int_layers_kernel_number=8, first_layer_kernel_size=10, int_layers_kernel_size=4, hidden_size=8, n_conv_blocks=3, pooling_size=4, pooling_type="avg", batch_norm=True, h_layers=2, block_type="transformer")),
    "tr_eval_nobn": dict(model="rsagenet", training=False, hp=dict(input_len=40, first_layer_kernel_number=5, int_layers_kernel_number=6, first_layer_kernel_size=5, int_layers_kernel_size=3, hidden_size=5, n_conv_blocks=2, pooling_size=5, pooling_type="avg", batch_norm=False, h_layers=1, block_type="transformer")),
}
LAM_REF, LAM_DIFF = 1.0, 10.0


def build(case):
    torch.manual_seed(7)
    cls = PSAGEnet if case["model"] == "psagenet" else RSAGEnet
    m = cls(**case["hp"], transformer_dropout=0.0)
    with torch.no_grad():
        for name, buf in m.named_buffers():
            if name.endswith("running_mean"):
                buf.copy_(torch.randn_like(buf) * 0.1)
            elif name.endswith("running_var"):
                buf.copy_(torch.rand_like(buf) + 0.5)
        for name, p in m.named_parameters():  # layer norms and attention biases away from PyTorch's 1 and 0
            if "_module.0." in name and p.dim() == 1:
                p.copy_(torch.randn_like(p) * 0.3 + (1.0 if name.endswith("weight") and "in_proj" not in name else 0.0))
    return m


def loss_of(m, case, inputs, target):
    out = m(*inputs)
    if case["model"] == "psagenet":
        loss = LAM_REF * F.mse_loss(out[:, 0], target[:, 0]) + LAM_DIFF * F.mse_loss(out[:, 1], target[:, 1])
    else:
        loss = F.mse_loss(out[:, 0], target[:, 0])
    return out, loss


def models():
    check_reference()
    gen = torch.Generator().manual_seed(99)
    for name, case in MODEL_CASES.items():
        m = build(case)
        m.train(case["training"])
        B, L = 3, case["hp"]["input_len"]
        inputs = [onehot(B, L, gen) for _ in range(3 if case["model"] == "psagenet" else 1)]
        target = torch.randn(B, 2 if case["model"] == "psagenet" else 1, generator=gen)
        for k, v in m.state_dict().items():
            tensors[f"{name}/param/{k}"] = v.clone()
        out, loss = loss_of(m, case, inputs, target)
        loss.backward()
        for k, p in m.named_parameters():
            tensors[f"{name}/grad/{k}"] = p.grad.clone()
        for k, v in m.state_dict().items():
            if "running" in k or "num_batches" in k:
                tensors[f"{name}/after/{k}"] = v.clone()
        for key, x in zip(["ref", "mat", "pat"], inputs):
            tensors[f"{name}/input/{key}"] = x
        tensors[f"{name}/target"] = target
        tensors[f"{name}/output"] = out.detach()
        tensors[f"{name}/loss"] = loss.detach().reshape(1)
        cases[name] = dict(op="model", model=case["model"], training=case["training"], hparams=case["hp"], lam_ref=LAM_REF,
                           lam_diff=LAM_DIFF, transformer_dropout=0.0)

    # 10 steps: clip_grad_norm_(1.0) -> Adam(weight_decay=1e-5) -> CyclicLR.step(), as make_model_fixtures.py.
    case = MODEL_CASES["tp_train"]
    m = build(case)
    m.train()
    lr = 1e-3
    opt = torch.optim.Adam(m.parameters(), lr=lr, weight_decay=1e-5)
    sched = torch.optim.lr_scheduler.CyclicLR(opt, base_lr=lr / 2, max_lr=lr * 2, step_size_up=3, cycle_momentum=False)
    inputs = [tensors[f"tp_train/input/{k}"] for k in ["ref", "mat", "pat"]]
    target = tensors["tp_train/target"] * 5
    losses, lrs, norms = [], [], []
    for _ in range(10):
        opt.zero_grad()
        _, loss = loss_of(m, case, inputs, target)
        loss.backward()
        lrs.append(opt.param_groups[0]["lr"])
        norms.append(float(torch.nn.utils.clip_grad_norm_(m.parameters(), 1.0)))
        opt.step()
        sched.step()
        losses.append(loss.item())
    if not max(norms) > 1:
        sys.exit("the training curve never clips: make the targets larger")
    tensors["curve/loss"] = torch.tensor(losses)
    tensors["curve/lr"] = torch.tensor(lrs)
    tensors["curve/grad_norm"] = torch.tensor(norms)
    tensors["curve/target"] = target
    for k, v in m.state_dict().items():
        tensors[f"curve/final/{k}"] = v.clone()
    cases["curve"] = dict(op="curve", base_case="tp_train", learning_rate=lr, step_size_up=3, max_norm=1.0, weight_decay=1e-5, steps=10)
    return losses, norms


losses, norms = models()
out = {k: v.contiguous() for k, v in tensors.items()}
save_file(out, OUT, metadata={"cases": json.dumps(cases, sort_keys=True), "torch": torch.__version__, "magic": "sage-mpi-fixtures", "version": "1"})
print(f"wrote {len(cases)} cases, {len(out)} tensors ({os.path.getsize(OUT) // 1024} KiB) to {os.path.relpath(OUT)}; "
      f"curve losses {['%.4f' % l for l in losses]}, grad norms {['%.2f' % n for n in norms]}")
