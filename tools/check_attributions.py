#!/usr/bin/env python3
"""`sage-mpi attribute` against PyTorch autograd on a simulated cohort, read back without sage-mpi.

    swift build && /work/venv-torch/bin/python tools/check_attributions.py [.build/debug/sage-mpi]

1. A simulated cohort (`sage-mpi simulate`, `prepare`), and PyTorch p-SAGE-net / r-SAGE-net models (tools/sagenet_torch.py)
   with random weights and running statistics, saved as sage-mpi checkpoints (safetensors + sage_config).
2. `sage-mpi attribute` on the reference (p-SAGE-net both heads; r-SAGE-net grad_x_input, zero-centred, float16) and
   per individual (two individuals).
3. The sequences the model reads, from `sage-mpi sequences` (an independent path: FASTA + VCF, not the store).
4. Each tensor, found through index.csv and loaded with safetensors.numpy, must equal PyTorch autograd with
   SAGE-net's semantics (save_ref_attribs): p-SAGE-net with mat = pat = ref, d out0 / d ref and d out1 / d mat;
   per individual d out1 / d mat, d pat; r-SAGE-net d out / d x, per individual of (out(mat) + out(pat)) / 2.
Exits non-zero on any mismatch. Needs torch and safetensors (not CI: CI uses the fixtures and the engine API)."""
import csv
import json
import os
import subprocess
import sys
import tempfile

import numpy as np
import torch
from safetensors.numpy import load_file
from safetensors.torch import save_file

sys.path.insert(0, os.path.dirname(__file__))
from sagenet_torch import PSAGEnet, RSAGEnet  # noqa: E402

EXE = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", ".build", "debug", "sage-mpi"))
L = 2000
HP = dict(input_len=L, first_layer_kernel_number=8, int_layers_kernel_number=6, first_layer_kernel_size=10,
          int_layers_kernel_size=5, hidden_size=6, n_conv_blocks=3, pooling_size=10, batch_norm=True, h_layers=1)


def run(*args):
    subprocess.run([EXE, *args], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def onehot(seq):
    x = np.full((4, L), 0.25)
    for t, c in enumerate(seq[:L]):
        x[:, t] = [1.0 if c == b else 0.0 for b in "ACGT"] if c in "ACGT" else (0.25 if c == "N" else 0.0)
    return torch.tensor(x, dtype=torch.float32)


def model(cls, path, seed):
    torch.manual_seed(seed)
    m = cls(**HP)
    with torch.no_grad():
        for name, buf in m.named_buffers():
            if name.endswith("running_mean"):
                buf.copy_(torch.randn_like(buf) * 0.2)
            elif name.endswith("running_var"):
                buf.copy_(torch.rand_like(buf) + 0.5)
    save_file(m.state_dict(), path, metadata={"sage_config": json.dumps(dict(HP, model="psagenet" if cls is PSAGEnet else "rsagenet"))})
    return m.eval()


def grad(f, *xs):
    xs = [x.clone().requires_grad_(True) for x in xs]
    return [g.numpy() for g in torch.autograd.grad(f(*xs), xs, allow_unused=True)]


def read(directory):
    with open(os.path.join(directory, "index.csv")) as f:
        rows = list(csv.DictReader(f))
    parts = {}
    out = {}
    for r in rows:
        parts.setdefault(r["file"], load_file(os.path.join(directory, r["file"])))
        t = parts[r["file"]][r["tensor"]]
        if list(t.shape) != [int(v) for v in r["shape"].split("x")]:
            sys.exit(f"{directory}: tensor {r['tensor']} has shape {t.shape}, the index says {r['shape']}")
        out[(r["region_id"], r["individual"])] = t.astype(np.float64)
    return out


def compare(label, ours, theirs, tol, floor=0.0):
    """max |ours - theirs| <= tol * max|theirs| + floor (floor: float16's subnormal spacing, 6e-8)."""
    worst = max(0.0, float(np.max(np.abs(ours - theirs))) - floor) / max(1e-12, float(np.max(np.abs(theirs))))
    if not worst <= tol:
        sys.exit(f"{label}: attributions differ, worst |diff| / max|ref| = {worst:.2e}")
    return worst


def main():
    d = tempfile.mkdtemp(prefix="check-attributions-")
    run("simulate", "--out", d, "--regions", "12", "--individuals", "20", "--input-len", str(L), "--seed", "4")
    config = os.path.join(d, "sage.toml")
    run("prepare", "--config", config)
    with open(os.path.join(d, "regions.csv")) as f:
        regions = [r["region_id"] if "region_id" in r else r["gene_id"] for r in csv.DictReader(f)]
    with open(os.path.join(d, "individuals", "test.txt")) as f:
        people = [line.strip() for line in f if line.strip()][:2]
    with open(os.path.join(d, "people.txt"), "w") as f:
        f.write("\n".join(people) + "\n")
    p = model(PSAGEnet, os.path.join(d, "p.safetensors"), 1)
    r = model(RSAGEnet, os.path.join(d, "r.safetensors"), 2)
    common = ["--config", config, "--regions", "all", "--batch-size", "3", "--tensors-per-part", "5"]
    run("attribute", "--checkpoint", os.path.join(d, "p.safetensors"), "--out", os.path.join(d, "p"), *common)
    run("attribute", "--checkpoint", os.path.join(d, "r.safetensors"), "--out", os.path.join(d, "r"), *common,
        "--method", "grad_x_input", "--zero-center", "--float16")
    run("attribute", "--checkpoint", os.path.join(d, "p.safetensors"), "--out", os.path.join(d, "pi"), *common, "--individuals", os.path.join(d, "people.txt"))
    run("attribute", "--checkpoint", os.path.join(d, "r.safetensors"), "--out", os.path.join(d, "ri"), *common, "--individuals", os.path.join(d, "people.txt"))
    fasta = os.path.join(d, "seqs.fa")
    run("sequences", "--config", config, *sum((["--individual", s] for s in people), []), "--out", fasta)
    seqs, name = {}, None
    for line in open(fasta):
        line = line.strip()
        if line.startswith(">"):
            name = line[1:]
            seqs[name] = ""
        else:
            seqs[name] += line

    p0, p1, r0 = read(os.path.join(d, "p", "output_idx_0")), read(os.path.join(d, "p", "output_idx_1")), read(os.path.join(d, "r"))
    pi, ri = read(os.path.join(d, "pi", "output_idx_1")), read(os.path.join(d, "ri"))
    worst = 0.0
    for region in regions:
        ref = onehot(seqs[f"{region}|reference"])[None]
        g0 = grad(lambda a, b, c: p(a, b, c)[0, 0], ref, ref, ref)
        g1 = grad(lambda a, b, c: p(a, b, c)[0, 1], ref, ref, ref)
        worst = max(worst, compare(f"{region} p out0", p0[(region, "")], g0[0], 1e-3))
        worst = max(worst, compare(f"{region} p out1", p1[(region, "")], g1[1], 1e-3))
        gr = grad(lambda a: r(a)[0, 0], ref)[0][0]
        gr = (gr - gr.mean(0, keepdims=True)) * ref[0].numpy()
        worst = max(worst, compare(f"{region} r grad_x_input zero-centred float16", r0[(region, "")][0], gr, 1e-3, floor=2.0 ** -24))
        for s in people:
            mat, pat = onehot(seqs[f"{region}|{s}|maternal"])[None], onehot(seqs[f"{region}|{s}|paternal"])[None]
            g = grad(lambda a, b, c: p(a, b, c)[0, 1], ref, mat, pat)
            worst = max(worst, compare(f"{region} {s} p out1", pi[(region, s)], np.concatenate([g[1], g[2]]), 1e-3))
            g = grad(lambda a, b: (r(a)[0, 0] + r(b)[0, 0]) / 2, mat, pat)
            worst = max(worst, compare(f"{region} {s} r", ri[(region, s)], np.concatenate([g[0], g[1]]), 1e-3))
    print(f"{len(regions)} regions x (reference, {len(people)} individuals), p-SAGE-net and r-SAGE-net: "
          f"attributions equal PyTorch autograd, worst |diff| / max|ref| {worst:.2e} ({d})")


main()
