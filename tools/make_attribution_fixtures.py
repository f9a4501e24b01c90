#!/usr/bin/env python3
"""Golden fixtures for input gradients (`SAGENet.inputGradients`, `sage-mpi attribute`): PyTorch autograd of each
head with respect to each one-hot input, in eval mode (batch norm on non-trivial running statistics, no dropout),
for rSAGEnet and pSAGEnet, batch norm on and off, avg and max pooling, subtract / concat / no split, a transformer
block; in the style of make_model_fixtures.py.

    /work/venv-torch/bin/python tools/make_attribution_fixtures.py   # writes Tests/SAGEEngineTests/Fixtures/attributions.safetensors

Checked before anything is written: for every case, the float64 copy of the model must pass
torch.autograd.gradcheck (each head as a function of all inputs), and its autograd input gradients must equal
central finite differences (float64, every input element of the first item); the float32 gradients written must
equal the float64 ones. Never regenerate from sage-mpi's engine.

Tensor names: "<case>/param/<state_dict key>", "<case>/input/{ref,mat,pat}" (rSAGEnet: "input/x"), "<case>/output"
(B, outputs), "<case>/grad/<head>/<input>" with head "out0" (mean) or "out1" (difference, pSAGEnet) = d(sum over
items of that head)/d(input) (B, 4, L), which is each item's own gradient in eval mode.
Metadata "cases" = JSON {case: {model, hparams}}.
"""
import json
import os
import sys

import numpy as np
import torch
from safetensors.torch import save_file

sys.path.insert(0, os.path.dirname(__file__))
from sagenet_torch import PSAGEnet, RSAGEnet  # noqa: E402

OUT = os.path.join(os.path.dirname(__file__), "..", "Tests", "SAGEEngineTests", "Fixtures", "attributions.safetensors")

CASES = {
    "r_bn_avg": dict(model="rsagenet", hp=dict(input_len=48, first_layer_kernel_number=6, int_layers_kernel_number=4, first_layer_kernel_size=10, int_layers_kernel_size=5, hidden_size=8, n_conv_blocks=2, pooling_size=4, pooling_type="avg", batch_norm=True, h_layers=1, n_dilated_conv_blocks=1)),
    "r_nobn_max": dict(model="rsagenet", hp=dict(input_len=40, first_layer_kernel_number=5, int_layers_kernel_number=4, first_layer_kernel_size=7, int_layers_kernel_size=4, hidden_size=6, n_conv_blocks=3, pooling_size=3, pooling_type="max", batch_norm=False, h_layers=2)),
    "r_transformer": dict(model="rsagenet", hp=dict(input_len=40, first_layer_kernel_number=5, int_layers_kernel_number=6, first_layer_kernel_size=5, int_layers_kernel_size=3, hidden_size=5, n_conv_blocks=2, pooling_size=5, pooling_type="avg", batch_norm=True, h_layers=1, block_type="transformer")),
    "p_bn_subtract": dict(model="psagenet", hp=dict(input_len=45, first_layer_kernel_number=6, int_layers_kernel_number=4, first_layer_kernel_size=10, int_layers_kernel_size=3, hidden_size=8, n_conv_blocks=3, pooling_size=3, pooling_type="avg", batch_norm=True, h_layers=2, n_dilated_conv_blocks=2, increasing_dilation=True)),
    "p_nobn_concat_max": dict(model="psagenet", hp=dict(input_len=40, first_layer_kernel_number=5, int_layers_kernel_number=4, first_layer_kernel_size=9, int_layers_kernel_size=4, hidden_size=6, n_conv_blocks=2, pooling_size=5, pooling_type="max", batch_norm=False, h_layers=1, n_dilated_conv_blocks=1, subtract_or_concat="concat")),
    "p_bn_nosplit": dict(model="psagenet", hp=dict(input_len=36, first_layer_kernel_number=4, int_layers_kernel_number=3, first_layer_kernel_size=10, int_layers_kernel_size=5, hidden_size=5, n_conv_blocks=2, pooling_size=10, pooling_type="avg", batch_norm=True, h_layers=1, split_y_data=False)),
}
B = 3


def build(case):
    torch.manual_seed(11)
    cls = PSAGEnet if case["model"] == "psagenet" else RSAGEnet
    m = cls(**case["hp"], transformer_dropout=0.0) if case["hp"].get("block_type") == "transformer" else cls(**case["hp"])
    with torch.no_grad():  # non-trivial running statistics and affine parameters: eval-mode batch norm is a real test
        for name, buf in m.named_buffers():
            if name.endswith("running_mean"):
                buf.copy_(torch.randn_like(buf) * 0.3)
            elif name.endswith("running_var"):
                buf.copy_(torch.rand_like(buf) + 0.5)
        for name, p in m.named_parameters():
            if ".0.weight" in name and p.dim() == 1 and "norm" not in name:
                p.copy_(torch.rand_like(p) + 0.5)
    return m.eval()


def onehot(L, gen):
    idx = torch.randint(0, 5, (B, L), generator=gen)
    x = torch.zeros(B, 4, L, dtype=torch.float64)
    for b in range(B):
        for t in range(L):
            if idx[b, t] == 4:
                x[b, :, t] = 0.25  # N
            else:
                x[b, idx[b, t], t] = 1
    return x


def gradients(m, inputs, head):
    """d(sum over items of out[:, head]) / d(each input)."""
    xs = [x.clone().requires_grad_(True) for x in inputs]
    out = m(*xs)
    return [g.detach() for g in torch.autograd.grad(out[:, head].sum(), xs)]


def finite_differences(m, inputs, head, eps=1e-6):
    """Central differences of out[0, head] (item 0) in every element of item 0 of each input."""
    result = []
    with torch.no_grad():
        for k in range(len(inputs)):
            g = torch.zeros(4, inputs[k].shape[2], dtype=torch.float64)
            for c in range(4):
                for t in range(inputs[k].shape[2]):
                    plus = [x.clone() for x in inputs]
                    minus = [x.clone() for x in inputs]
                    plus[k][0, c, t] += eps
                    minus[k][0, c, t] -= eps
                    g[c, t] = (m(*plus)[0, head] - m(*minus)[0, head]) / (2 * eps)
            result.append(g)
    return result


def main():
    tensors, meta = {}, {}
    gen = torch.Generator().manual_seed(2027)
    for name, case in CASES.items():
        m = build(case)
        m64 = build(case).double()
        names = ["ref", "mat", "pat"] if case["model"] == "psagenet" else ["x"]
        inputs = [onehot(case["hp"]["input_len"], gen) for _ in names]
        heads = [0, 1] if case["model"] == "psagenet" else [0]
        # The oracle first: gradcheck, then autograd = finite differences, both in float64.
        for h in heads:
            small = [x[:1].clone().requires_grad_(True) for x in inputs]
            if not torch.autograd.gradcheck(lambda *xs: m64(*xs)[:, h], small, eps=1e-6, atol=1e-5):
                sys.exit(f"gradcheck failed for {name} head {h}")
            auto = gradients(m64, inputs, h)
            fd = finite_differences(m64, inputs, h)
            for k, key in enumerate(names):
                err = float((auto[k][0] - fd[k]).abs().max())
                if not err <= 1e-6 * max(1.0, float(fd[k].abs().max())):
                    sys.exit(f"oracle check failed for {name} head {h} input {key}: autograd vs finite differences {err}")
            if case["model"] == "psagenet" and h == 0 and any(float(g.abs().max()) != 0 for g in auto[1:]):
                sys.exit(f"{name}: the mean head depends on the haplotypes")
            if not any(float(g.abs().max()) > 0 for g in auto):
                sys.exit(f"{name} head {h}: every gradient is zero; choose another seed")
        x32 = [x.float() for x in inputs]
        for k, v in m.state_dict().items():
            tensors[f"{name}/param/{k}"] = v.clone()
        for key, x in zip(names, x32):
            tensors[f"{name}/input/{key}"] = x
        with torch.no_grad():
            tensors[f"{name}/output"] = m(*x32)
        for h in heads:
            g32, g64 = gradients(m, x32, h), gradients(m64, inputs, h)
            for key, a, b in zip(names, g32, g64):
                err = float((a.double() - b).abs().max())
                if not err <= 1e-4 * max(1.0, float(b.abs().max())):
                    sys.exit(f"{name} head {h} input {key}: float32 autograd differs from float64 by {err}")
                tensors[f"{name}/grad/out{h}/{key}"] = a
        meta[name] = dict(model=case["model"], hparams=case["hp"])

    tensors = {k: v.contiguous() for k, v in tensors.items()}
    save_file(tensors, OUT, metadata={"cases": json.dumps(meta, sort_keys=True), "torch": torch.__version__, "magic": "sage-mpi-fixtures", "version": "1"})
    print(f"wrote {len(meta)} cases, {len(tensors)} tensors, {os.path.getsize(OUT)} bytes to {os.path.relpath(OUT)}")


main()
