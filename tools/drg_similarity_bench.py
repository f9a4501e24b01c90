#!/usr/bin/env python3
"""drg_tools' side of `sage-mpi bench motifs`: the seqlet similarity SAGE-net's cluster_seqlets computes
(torch_compute_similarity_motifs, 'correlation_pvalue', padding 0, both strands; the faithful port in
make_motif_fixtures.py, drg_tools is not on PyPI) on the seqlets sage-mpi wrote, on one torch thread.

    python tools/drg_similarity_bench.py WORK_DIR [--repeats R]

Reads WORK_DIR/seqlets.npy (n, max_len, 4 float32, zero-padded) and lengths.npy; writes WORK_DIR/drg_distance.npy,
drg_offsets.npy, drg_revcomp.npy (n x n) and prints one JSON line {"seconds": best, "pairs": n^2}.
"""
import json
import os
import sys
import time

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_motif_fixtures import drg_similarity  # noqa: E402


def main():
    work = sys.argv[1]
    repeats = int(sys.argv[sys.argv.index("--repeats") + 1]) if "--repeats" in sys.argv else 1
    torch.set_num_threads(1)
    padded = np.load(os.path.join(work, "seqlets.npy"))
    lengths = np.load(os.path.join(work, "lengths.npy")).astype(int)
    seqlets = [padded[k, :lengths[k]] for k in range(len(lengths))]
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        d, off, rc, _ = drg_similarity(seqlets)
        best = min(best, time.perf_counter() - start)
    np.save(os.path.join(work, "drg_distance.npy"), d.astype(np.float64))
    np.save(os.path.join(work, "drg_offsets.npy"), off.astype(np.float64))
    np.save(os.path.join(work, "drg_revcomp.npy"), rc.astype(np.float64))
    print(json.dumps({"seconds": best, "pairs": len(seqlets) ** 2, "torch": torch.__version__}))


if __name__ == "__main__":
    main()
