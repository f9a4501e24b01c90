#!/usr/bin/env python3
"""memelite's tomtom timed on the inputs `sage-mpi bench tomtom` gives it (the same queries and database).

    /work/venv-torch/bin/python tools/memelite_tomtom_bench.py QUERIES.meme DATABASE.meme [--repeats 3]

One warm-up call (numba compiles or loads its cache), then `--repeats` timed calls of tomtom(queries, database)
with memelite's defaults on one thread (n_jobs=1, the per-core figure); prints one JSON line with the best time,
(process CPU seconds, so that other jobs on the machine count less), the query count and a checksum of the p-values (sum of -log10 p), which sage-mpi compares with its own.
"""
import argparse
import json
import time

import numpy as np
from memelite import tomtom


def read_meme(path):
    out, rows, w = [], None, None
    for line in open(path):
        if line.startswith("MOTIF"):
            w = None
        elif line.startswith("letter-probability"):
            w = int(line.split("w=")[1].split()[0])
            rows = []
        elif w is not None and len(rows) < w and line.strip():
            rows.append([float(x) for x in line.split()])
            if len(rows) == w:
                out.append(np.array(rows).T.copy())
                w = None
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("queries")
    ap.add_argument("database")
    ap.add_argument("--repeats", type=int, default=3)
    a = ap.parse_args()
    q, db = read_meme(a.queries), read_meme(a.database)
    tomtom(q[:4], db, n_jobs=1)
    best, p = float("inf"), None
    for _ in range(a.repeats):
        t0 = time.process_time()
        p = tomtom(q, db, n_jobs=1)[0]
        best = min(best, time.process_time() - t0)
    print(json.dumps({"seconds": best, "queries": len(q), "targets": len(db), "checksum": float(-np.log10(p).sum())}))


if __name__ == "__main__":
    main()
