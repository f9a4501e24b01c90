#!/usr/bin/env python3
"""Checkpoint round trips between sage-mpi and PyTorch, both directions, with predictions compared.

    swift build -c release && ~/venv-sage/bin/python tools/check_roundtrip.py [.build/release/sage-mpi]

1. sage-mpi init-model -> PyTorch load_state_dict(strict=True) into the reference model (tools/sagenet_torch.py)
   -> PyTorch predictions == `sage-mpi predict` predictions on the same FASTA.
2. PyTorch model with random weights and running statistics -> safetensors.torch.save_file(state_dict,
   metadata={"sage_config": json.dumps(hparams)}) -> `sage-mpi predict` == PyTorch predictions.
Exits non-zero on any mismatch. Needs torch and safetensors (not needed by CI; the CI tests use the fixtures)."""
import csv
import json
import os
import random
import subprocess
import sys
import tempfile

import torch
import torch.nn.functional as F
from safetensors.torch import load_file, save_file

sys.path.insert(0, os.path.dirname(__file__))
from sagenet_torch import PSAGEnet, RSAGEnet  # noqa: E402

EXE = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", ".build", "release", "sage-mpi")
HP = dict(input_len=300, first_layer_kernel_number=16, int_layers_kernel_number=8, first_layer_kernel_size=10,
          int_layers_kernel_size=5, hidden_size=12, n_conv_blocks=3, pooling_size=5, pooling_type="max",
          n_dilated_conv_blocks=1, h_layers=2, batch_norm=True)
# The same with SAGE-net's transformer block (d_model 10, 5 heads) in place of the last residual conv block.
HP_TRANSFORMER = dict(HP, block_type="transformer", int_layers_kernel_number=10)


def onehot(seq, L):
    x = torch.zeros(4, L)
    for t in range(L):
        c = seq[t] if t < len(seq) else "N"
        if c == "N":
            x[:, t] = 0.25
        elif c in "ACGT":
            x["ACGT".index(c), t] = 1
    return x


def run_predict(ckpt, fasta, out):
    subprocess.run([EXE, "predict", "--checkpoint", ckpt, "--sequences", fasta, "--out", out], check=True)
    with open(out) as f:
        return [[float(v) for v in row[1:]] for row in list(csv.reader(f))[1:]]


def compare(label, ours, theirs):
    theirs = theirs.tolist()
    worst = max(abs(a - b) / (1e-4 + abs(b)) for r1, r2 in zip(ours, theirs) for a, b in zip(r1, r2))
    print(f"{label}: {len(ours)} items, worst relative difference {worst:.2e}")
    if worst > 1e-3:
        sys.exit(f"{label}: predictions differ")


def main():
    for HP_ in (HP, HP_TRANSFORMER):
        round_trips(HP_)
    print("round trips OK")


def round_trips(HP):
    random.seed(3)
    d = tempfile.mkdtemp()
    for model_name in ["psagenet", "rsagenet"]:
        hp = dict(HP, model=model_name)
        cls = PSAGEnet if model_name == "psagenet" else RSAGEnet
        n_seq = 3 if model_name == "psagenet" else 1
        seqs = ["".join(random.choice("ACGTN") for _ in range(random.randint(200, 300))) for _ in range(4 * n_seq)]
        fasta = os.path.join(d, f"{model_name}.fa")
        with open(fasta, "w") as f:
            for i, s in enumerate(seqs):
                role = ["reference", "maternal", "paternal"][i % 3] if n_seq == 3 else "seq"
                f.write(f">item{i // n_seq}|{role}\n{s}\n")
        xs = [torch.stack([onehot(s, HP["input_len"]) for s in seqs[k::n_seq]]) for k in range(n_seq)]

        # 1. ours -> PyTorch
        ckpt = os.path.join(d, f"{model_name}-ours.safetensors")
        args = [EXE, "init-model", "--model", model_name, "--out", ckpt, "--seed", "5"]
        for k, v in HP.items():
            args += [f"--{k.replace('_', '-')}", str(int(v) if isinstance(v, bool) else v)]
        subprocess.run(args, check=True)
        m = cls(**HP)
        m.load_state_dict(load_file(ckpt), strict=True)
        m.eval()
        with torch.no_grad():
            compare(f"{model_name} ({HP.get('block_type', 'conv')}): sage-mpi checkpoint in PyTorch", run_predict(ckpt, fasta, ckpt + ".csv"), m(*xs))

        # 2. PyTorch -> ours (random running statistics, so eval-mode batch norm matters)
        torch.manual_seed(11)
        m = cls(**HP)
        with torch.no_grad():
            for name, buf in m.named_buffers():
                if name.endswith("running_mean"):
                    buf.copy_(torch.randn_like(buf) * 0.1)
                elif name.endswith("running_var"):
                    buf.copy_(torch.rand_like(buf) + 0.5)
        m.eval()
        ckpt = os.path.join(d, f"{model_name}-torch.safetensors")
        save_file(m.state_dict(), ckpt, metadata={"sage_config": json.dumps(hp)})
        with torch.no_grad():
            compare(f"{model_name} ({HP.get('block_type', 'conv')}): PyTorch checkpoint in sage-mpi", run_predict(ckpt, fasta, ckpt + ".csv"), m(*xs))


main()
