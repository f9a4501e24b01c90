#!/usr/bin/env python3
"""Golden fixtures for whole-model tests: rSAGEnet / pSAGEnet forward, loss, every gradient and batch-norm
running statistics across a grid of small configurations, and a 10-step training curve with Adam (L2 weight
decay 1e-5) + CyclicLR (triangular) + gradient clipping at norm 1.0.

    ~/venv-sage/bin/python tools/make_model_fixtures.py   # writes Tests/SAGEEngineTests/Fixtures/models.safetensors

The reference (tools/sagenet_torch.py) is checked before anything is written: its parameter counts at SAGE-net's
default sizes must equal the published ones (2,636,589 for rSAGEnet without conv0 batch norm, +8 with it;
2,702,638 for pSAGEnet), its state_dict must carry SAGE-net's key names, and a tiny model must pass
torch.autograd.gradcheck in float64. Tensor names: "<case>/param/<state_dict key>", "<case>/grad/<key>",
"<case>/after/<buffer key>", "<case>/input/{ref,mat,pat}", "<case>/target", "<case>/output", "<case>/loss".
Metadata "cases" = JSON {case: {model, training, hparams, lam_ref, lam_diff}}.
"""
import json
import os
import sys

import torch
import torch.nn.functional as F
from safetensors.torch import save_file

sys.path.insert(0, os.path.dirname(__file__))
from sagenet_torch import PSAGEnet, RSAGEnet  # noqa: E402

OUT = os.path.join(os.path.dirname(__file__), "..", "Tests", "SAGEEngineTests", "Fixtures", "models.safetensors")


def n_params(m):
    return sum(p.numel() for p in m.parameters())


def check_reference():
    r = RSAGEnet(batch_norm=True)
    r_nobn0 = sum(p.numel() for n, p in r.named_parameters() if not n.startswith("conv0.0"))
    if n_params(r) != 2_636_589 + 8 or r_nobn0 != 2_636_589:
        sys.exit(f"rSAGEnet parameter count {n_params(r)} differs from SAGE-net's")
    p = PSAGEnet()
    if n_params(p) != 2_702_638:
        sys.exit(f"pSAGEnet parameter count {n_params(p)} differs from SAGE-net's 2,702,638")
    keys = set(p.state_dict())
    for k in ["conv0.1.weight", "convlayers.0.0.running_var", "convlayers.0.0.num_batches_tracked",
              "convlayers.2._module.1.weight", "fc0.0.weight", "fclayers.0.weight", "ref_out.0.bias",
              "diff_fclayers.0.weight", "diff_out.0.weight"]:
        if k not in keys:
            sys.exit(f"reference state_dict lacks SAGE-net's key {k}")
    tiny = PSAGEnet(input_len=12, first_layer_kernel_number=3, int_layers_kernel_number=2, first_layer_kernel_size=4,
                    int_layers_kernel_size=3, hidden_size=3, n_conv_blocks=2, pooling_size=3, n_dilated_conv_blocks=1).double()
    x = [torch.randn(2, 4, 12, dtype=torch.float64, requires_grad=True) for _ in range(3)]
    if not torch.autograd.gradcheck(lambda a, b, c: tiny(a, b, c), x, eps=1e-6, atol=1e-5):
        sys.exit("gradcheck of the reference model failed")


def onehot(B, L, gen):
    idx = torch.randint(0, 5, (B, L), generator=gen)
    x = torch.zeros(B, 4, L)
    for b in range(B):
        for t in range(L):
            if idx[b, t] == 4:
                x[b, :, t] = 0.25  # N
            else:
                x[b, idx[b, t], t] = 1
    return x


CASES = {
    "r_bn_avg_train": dict(model="rsagenet", training=True, hp=dict(input_len=64, first_layer_kernel_number=6, int_layers_kernel_number=4, first_layer_kernel_size=10, int_layers_kernel_size=5, hidden_size=8, n_conv_blocks=2, pooling_size=4, pooling_type="avg", batch_norm=True, h_layers=1)),
    "r_nobn_max_eval": dict(model="rsagenet", training=False, hp=dict(input_len=50, first_layer_kernel_number=5, int_layers_kernel_number=4, first_layer_kernel_size=7, int_layers_kernel_size=4, hidden_size=6, n_conv_blocks=3, pooling_size=3, pooling_type="max", batch_norm=False, h_layers=2)),
    "p_subtract_avg_train": dict(model="psagenet", training=True, hp=dict(input_len=50, first_layer_kernel_number=6, int_layers_kernel_number=4, first_layer_kernel_size=10, int_layers_kernel_size=3, hidden_size=8, n_conv_blocks=3, pooling_size=3, pooling_type="avg", batch_norm=True, h_layers=2, n_dilated_conv_blocks=2, increasing_dilation=True)),
    "p_concat_max_train": dict(model="psagenet", training=True, hp=dict(input_len=40, first_layer_kernel_number=5, int_layers_kernel_number=4, first_layer_kernel_size=9, int_layers_kernel_size=4, hidden_size=6, n_conv_blocks=2, pooling_size=5, pooling_type="max", batch_norm=True, h_layers=1, n_dilated_conv_blocks=1, subtract_or_concat="concat")),
    "p_nobn_eval": dict(model="psagenet", training=False, hp=dict(input_len=45, first_layer_kernel_number=4, int_layers_kernel_number=3, first_layer_kernel_size=6, int_layers_kernel_size=5, hidden_size=5, n_conv_blocks=2, pooling_size=4, pooling_type="avg", batch_norm=False, h_layers=1)),
    "p_bn_eval_nosplit": dict(model="psagenet", training=False, hp=dict(input_len=36, first_layer_kernel_number=4, int_layers_kernel_number=3, first_layer_kernel_size=10, int_layers_kernel_size=5, hidden_size=5, n_conv_blocks=2, pooling_size=10, pooling_type="avg", batch_norm=True, h_layers=1, split_y_data=False)),
}
LAM_REF, LAM_DIFF = 1.0, 10.0


def build(case):
    torch.manual_seed(7)
    m = (PSAGEnet if case["model"] == "psagenet" else RSAGEnet)(**case["hp"])
    with torch.no_grad():  # non-trivial running statistics so that eval mode is a real test
        for name, buf in m.named_buffers():
            if name.endswith("running_mean"):
                buf.copy_(torch.randn_like(buf) * 0.1)
            elif name.endswith("running_var"):
                buf.copy_(torch.rand_like(buf) + 0.5)
    return m


def loss_of(m, case, inputs, target):
    out = m(*inputs)
    if case["model"] == "psagenet":
        loss = LAM_REF * F.mse_loss(out[:, 0], target[:, 0]) + LAM_DIFF * F.mse_loss(out[:, 1], target[:, 1])
    else:
        loss = F.mse_loss(out[:, 0], target[:, 0])
    return out, loss


def main():
    check_reference()
    tensors, meta = {}, {}
    gen = torch.Generator().manual_seed(99)
    for name, case in CASES.items():
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
        meta[name] = dict(model=case["model"], training=case["training"], hparams=case["hp"], lam_ref=LAM_REF, lam_diff=LAM_DIFF)

    # 10 training steps on one batch: clip_grad_norm_(1.0) -> Adam(weight_decay=1e-5) -> CyclicLR.step().
    case = CASES["p_subtract_avg_train"]
    m = build(case)
    m.train()
    lr = 1e-3
    opt = torch.optim.Adam(m.parameters(), lr=lr, weight_decay=1e-5)
    sched = torch.optim.lr_scheduler.CyclicLR(opt, base_lr=lr / 2, max_lr=lr * 2, step_size_up=3, cycle_momentum=False)
    inputs = [tensors[f"p_subtract_avg_train/input/{k}"] for k in ["ref", "mat", "pat"]]
    target = tensors["p_subtract_avg_train/target"] * 5  # large targets: gradients exceed norm 1 and get clipped
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
    meta["curve"] = dict(base_case="p_subtract_avg_train", learning_rate=lr, step_size_up=3, max_norm=1.0, weight_decay=1e-5, steps=10)

    tensors = {k: v.contiguous() for k, v in tensors.items()}
    save_file(tensors, OUT, metadata={"cases": json.dumps(meta, sort_keys=True), "torch": torch.__version__, "magic": "sage-mpi-fixtures", "version": "1"})
    print(f"wrote {len(meta)} cases, {len(tensors)} tensors to {os.path.relpath(OUT)}; curve losses {['%.4f' % l for l in losses]}, grad norms {['%.2f' % n for n in norms]}")


main()
