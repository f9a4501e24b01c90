#!/usr/bin/env python3
"""Golden fixtures for the elastic net (PrediXcan baseline), from scikit-learn, checked before they are written.

    /work/venv/bin/pip install scikit-learn numpy      # any venv outside the repo
    /work/venv/bin/python tools/make_enet_fixtures.py  # writes Tests/SAGEEngineTests/Fixtures/elasticnet.json

Each case is SAGE-net's PrediXcan fit (SAGENET-REFERENCE §6): ElasticNetCV(l1_ratio=0.5, cv=PredefinedSplit(folds))
on the rows the CV sees, then ElasticNet(alpha=cv.alpha_) refit on the training rows. Dosage-like matrices 0/1/2.
Tolerances are tight (tol 1e-12) so that any two correct solvers agree to ~1e-9 on the weights.

Before writing, every case is checked against an oracle independent of scikit-learn's solver: the refit weights
satisfy the elastic net's optimality (KKT) conditions, computed here with NumPy; the chosen penalty is the argmin
of the mean held-out MSE path; and one point of that path is recomputed from a separate fit. Any failure aborts.
Never regenerate this file from sage-mpi's own solver.
"""
import json
import os
import sys
import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import ElasticNet, ElasticNetCV
from sklearn.model_selection import PredefinedSplit

OUT = os.path.join(os.path.dirname(__file__), "..", "Tests", "SAGEEngineTests", "Fixtures", "elasticnet.json")
TOL, MAX_ITER, L1_RATIO = 1e-12, 200000, 0.5
rng = np.random.default_rng(20261125)


def dosages(n, p, freq_low=0.05, freq_high=0.5):
    freqs = rng.uniform(freq_low, freq_high, size=p)
    return rng.binomial(2, freqs, size=(n, p)).astype(np.float64)


def kkt_violation(X, y, w, alpha, l1_ratio):
    """Largest violation of the elastic net's optimality conditions on centred data (0 at the optimum)."""
    Xc, yc = X - X.mean(axis=0), y - y.mean()
    n = X.shape[0]
    g = Xc.T @ (yc - Xc @ w) / n - alpha * (1 - l1_ratio) * w   # must equal alpha*l1_ratio*sign(w), or lie within it
    lam = alpha * l1_ratio
    active = w != 0
    v_active = np.abs(g[active] - lam * np.sign(w[active])).max(initial=0)
    v_zero = np.maximum(np.abs(g[~active]) - lam, 0).max(initial=0)
    return max(v_active, v_zero) / max(lam, 1e-300)


def case(name, X, y, folds, refit_rows, note):
    folds = np.asarray(folds)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        cv = ElasticNetCV(l1_ratio=L1_RATIO, cv=PredefinedSplit(folds), tol=TOL, max_iter=MAX_ITER).fit(X, y)
        refit = ElasticNet(alpha=cv.alpha_, l1_ratio=L1_RATIO, tol=TOL, max_iter=MAX_ITER).fit(X[refit_rows], y[refit_rows])
    mse_path = np.asarray(cv.mse_path_).reshape(len(cv.alphas_), -1)  # (alphas, folds); 1-D for a single fold
    mean_mse = mse_path.mean(axis=1)
    best = int(np.argmin(mean_mse))
    # Oracle checks (independent of scikit-learn's coordinate descent).
    assert np.isclose(cv.alphas_[best], cv.alpha_, rtol=0, atol=0), f"{name}: alpha_ is not the argmin of the mean MSE"
    violation = kkt_violation(X[refit_rows], y[refit_rows], refit.coef_, cv.alpha_, L1_RATIO)
    assert violation < 1e-6, f"{name}: refit violates KKT by {violation}"
    fold = sorted(set(folds[folds >= 0]))[0]
    train, test = folds != fold, folds == fold
    point = min(best + 3, len(cv.alphas_) - 1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        m = ElasticNet(alpha=cv.alphas_[point], l1_ratio=L1_RATIO, tol=TOL, max_iter=MAX_ITER).fit(X[train], y[train])
    mse = np.mean((X[test] @ m.coef_ + m.intercept_ - y[test]) ** 2)
    assert np.isclose(mse, mse_path[point, 0], rtol=1e-7), f"{name}: MSE path point {point} differs: {mse} vs {mse_path[point, 0]}"
    print(f"{name:16s} n={X.shape[0]:3d} p={X.shape[1]:4d} alpha={cv.alpha_:.6g} (index {best}) "
          f"non-zero={int((refit.coef_ != 0).sum())} KKT={violation:.1e}")
    return {
        "name": name, "note": note, "rows": X.shape[0], "cols": X.shape[1],
        "x": X.flatten(order="F").tolist(), "y": y.tolist(), "folds": folds.tolist(), "refit_rows": list(map(int, refit_rows)),
        "l1_ratio": L1_RATIO, "tol": TOL, "max_iter": MAX_ITER,
        "alphas": cv.alphas_.tolist(), "mean_mse": mean_mse.tolist(), "best_index": best,
        "alpha": float(cv.alpha_), "coef": refit.coef_.tolist(), "intercept": float(refit.intercept_),
    }


def predefined(n_train, n_val):
    return [-1] * n_train + [0] * n_val, list(range(n_train))


def causal_y(X, k, noise=1.0):
    beta = np.zeros(X.shape[1])
    beta[rng.choice(X.shape[1], size=k, replace=False)] = rng.normal(0, 1, size=k)
    return X @ beta + rng.normal(0, noise, size=X.shape[0]) + 3.0


cases = []
X = dosages(100, 30)
folds, refit = predefined(80, 20)
cases.append(case("causal", X, causal_y(X, 3, 0.7), folds, refit, "30 features, 3 causal"))

X = dosages(60, 1)
folds, refit = predefined(48, 12)
cases.append(case("single_feature", X, 0.8 * X[:, 0] + rng.normal(0, 0.5, 60), folds, refit, "one feature"))

X = dosages(70, 5)
X = np.column_stack([X, X[:, 1], 2 - X[:, 0]])  # a duplicate column and a perfectly anti-correlated one
folds, refit = predefined(55, 15)
cases.append(case("collinear", X, 0.9 * X[:, 1] - 0.6 * X[:, 0] + rng.normal(0, 0.4, 70), folds, refit,
                  "column 5 = column 1, column 6 = 2 - column 0"))

X = dosages(64, 6)
X[:, 2] = 0.0
X[:, 4] = 1.0
X[:50, 5] = 2.0  # constant on the training rows only
folds, refit = predefined(50, 14)
cases.append(case("constant", X, 0.7 * X[:, 0] + 0.5 * X[:, 3] + rng.normal(0, 0.5, 64), folds, refit,
                  "column 2 all 0, column 4 all 1, column 5 constant on the training rows"))

X = dosages(40, 120)
folds, refit = predefined(30, 10)
cases.append(case("wide", X, causal_y(X, 4, 0.5), folds, refit, "more features than individuals"))

X = dosages(50, 8)
folds, refit = predefined(40, 10)
cases.append(case("no_signal", X, rng.normal(0, 1, 50), folds, refit, "y is noise"))

X = dosages(75, 20)
kfolds = [k for k in range(5) for _ in range(15)]
cases.append(case("kfold", X, causal_y(X, 2, 0.8), kfolds, list(range(75)), "5 folds over all rows, refit on all rows"))

os.makedirs(os.path.dirname(OUT), exist_ok=True)
with open(OUT + ".tmp", "w") as f:
    json.dump({"generator": "tools/make_enet_fixtures.py", "sklearn": __import__("sklearn").__version__, "cases": cases}, f)
os.replace(OUT + ".tmp", OUT)
print(f"wrote {OUT} ({os.path.getsize(OUT) // 1024} KiB)")
