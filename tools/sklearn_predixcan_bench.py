#!/usr/bin/env python3
"""scikit-learn's PrediXcan fit on the matrices `sage-mpi bench predixcan` wrote, timed on one thread.

    sage-mpi bench predixcan --work-dir /tmp/pxb
    OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 /work/venv/bin/python tools/sklearn_predixcan_bench.py /tmp/pxb

Per region: ElasticNetCV(l1_ratio, cv=PredefinedSplit(folds), tol, max_iter) on the CV rows, then ElasticNet(alpha=cv.alpha_)
refit on the training rows (SAGE-net's script/baselines/predixcan/predixcan.py). Prints regions/s, the ratio to
sage-mpi's rate from the manifest, and how often both chose the same penalty.
"""
import json
import os
import sys
import time
import warnings

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
import numpy as np  # noqa: E402
from sklearn.exceptions import ConvergenceWarning  # noqa: E402
from sklearn.linear_model import ElasticNet, ElasticNetCV  # noqa: E402
from sklearn.model_selection import PredefinedSplit  # noqa: E402

work = sys.argv[1] if len(sys.argv) > 1 else "predixcan-bench"
m = json.load(open(os.path.join(work, "manifest.json")))
folds, refit = np.array(m["folds"]), np.array(m["refit_rows"])
data = []
for r in m["regions"]:
    raw = np.fromfile(os.path.join(work, r["file"]), dtype="<f8")
    n, p = r["rows"], r["cols"]
    data.append((raw[: n * p].reshape(p, n).T.copy(), raw[n * p:], r))

warnings.simplefilter("ignore", ConvergenceWarning)
same, t0 = 0, time.perf_counter()
for X, y, r in data:
    cv = ElasticNetCV(l1_ratio=m["l1_ratio"], alphas=m["n_alphas"], eps=m["eps"], tol=m["tol"], max_iter=m["max_iter"],
                      cv=PredefinedSplit(folds)).fit(X, y)
    ElasticNet(alpha=cv.alpha_, l1_ratio=m["l1_ratio"], tol=m["tol"], max_iter=m["max_iter"]).fit(X[refit], y[refit])
    same += int(np.isclose(cv.alpha_, r["alpha"], rtol=1e-9))
seconds = time.perf_counter() - t0
rate = len(data) / seconds
ours = m["ours_regions_per_second"]
print(f"scikit-learn {__import__('sklearn').__version__}: {len(data)} regions in {seconds:.2f} s = {rate:.1f} regions/s "
      f"({1000 / rate:.1f} ms per region); sage-mpi {ours:.1f} regions/s = {ours / rate:.1f}x; same penalty chosen in {same}/{len(data)}")
