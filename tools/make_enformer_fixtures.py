#!/usr/bin/env python3
"""Golden fixtures for `sage-mpi baseline enformer` and the NPY reader, from NumPy and scikit-learn, checked first.

    /work/venv/bin/pip install numpy scikit-learn        # any venv outside the repo
    /work/venv/bin/python tools/make_enformer_fixtures.py  # writes Tests/SAGEGenomeTests/Fixtures/enformer/

Writes, under Fixtures/enformer/:
- npy/*.npy + npy/expected.json: arrays written by numpy itself (header versions 1.0, 2.0, 3.0, 0-d, empty, a '<U'
  string array) and the
  files the reader must refuse (Fortran order, big-endian, int64, float16);
- cohort/: a small cohort (regions.csv, expression.csv, individuals/, sage.toml) with Enformer outputs in SAGE-net's
  layout (features/eval_on_ref_seq/gene_res/{id}.npy (1, 3, 5313), features/eval_on_individual/snps_and_indels/
  no_maf_filter/rosmap/test_subs/gene_res/{id}.npy (n, 3, 5313), rows in the order of test_subs/sub_list.npy, not
  test.txt's) and a head (head/coef.npy, head/intercept.npy);
- expected.json: SAGE-net's predict_on_batch modes re-implemented in NumPy as SAGEnet/enformer.py computes them
  (SAGENET-REFERENCE §5.1: only_brain = sum_b log(p[b, 4980] + 1), finetuned = coef . sum_b log(p[b, :] + 1) +
  intercept, float32 logs as there), and fit-head = finetune_enformer.py (§5.2): ElasticNetCV(l1_ratio=0.5,
  cv=PredefinedSplit(train -1, val 0)) on the reference features of the training + validation regions -> their
  mean expression over the training individuals, then ElasticNet(alpha_) refit on the training regions.

Features are zero on all but 40 tracks (4980 among them), so the files compress to kilobytes in git. scikit-learn
runs with tol 1e-12 (the test passes --tol 1e-12 --max-iter 200000) on float64 features (log1p of the float32
values), the ones sage-mpi computes; SAGE-net's float32 features differ from them by < 1e-6 relative (checked).

Before writing, everything is checked against an oracle independent of the code under test: the modes against
plain-Python math.log loops, the refit weights against the elastic net's optimality (KKT) conditions, the chosen
penalty against the argmin of the mean held-out MSE, and the npy files against a byte-level parse. Any failure
aborts. Never regenerate these files from sage-mpi's own output.
"""
import json
import math
import os
import shutil
import struct
import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import ElasticNet, ElasticNetCV
from sklearn.model_selection import PredefinedSplit

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Tests", "SAGEGenomeTests", "Fixtures", "enformer")
TRACK_IDX, NUM_TRACKS, BINS = 4980, 5313, 3
TOL, MAX_ITER, L1_RATIO = 1e-12, 200000, 0.5
rng = np.random.default_rng(20261201)


# ---------------------------------------------------------------- SAGE-net's predict_on_batch, on one (3, 5313) block
def only_brain(p):
    return float(np.sum(np.log(p[:, TRACK_IDX] + 1)))


def finetuned(p, coef, intercept):
    return float(np.sum(coef * np.sum(np.log(p + 1), axis=0)) + intercept)


def features64(p):
    """What fit-head regresses on, in float64 (sage-mpi's): sum_b log1p(p[b, t])."""
    return np.log1p(p.astype(np.float64)).sum(axis=0)


def oracle_only_brain(p):
    return sum(math.log(float(p[b, TRACK_IDX]) + 1.0) for b in range(BINS))


def oracle_finetuned(p, coef, intercept):
    total = intercept
    for t in np.nonzero(coef)[0]:
        total += float(coef[t]) * sum(math.log(float(p[b, t]) + 1.0) for b in range(BINS))
    return total


def kkt_violation(X, y, w, alpha, l1_ratio):
    Xc, yc = X - X.mean(axis=0), y - y.mean()
    g = Xc.T @ (yc - Xc @ w) / X.shape[0] - alpha * (1 - l1_ratio) * w
    lam = alpha * l1_ratio
    active = w != 0
    v_active = np.abs(g[active] - lam * np.sign(w[active])).max(initial=0)
    v_zero = np.maximum(np.abs(g[~active]) - lam, 0).max(initial=0)
    return max(v_active, v_zero) / lam


def parse_npy(path):
    """Byte-level parse (independent of numpy.lib.format): version, header dict, data length."""
    raw = open(path, "rb").read()
    assert raw[:6] == b"\x93NUMPY"
    major = raw[6]
    n, start = (struct.unpack("<H", raw[8:10])[0], 10) if major == 1 else (struct.unpack("<I", raw[8:12])[0], 12)
    header = eval(raw[start:start + n].decode("utf-8"))  # our own freshly written file
    return major, header, len(raw) - start - n


# ---------------------------------------------------------------- npy/: numpy-written arrays, good and refused
def write_npy_cases():
    out = os.path.join(ROOT, "npy")
    os.makedirs(out)
    good = {
        "f4_3d_v1": (rng.normal(size=(2, 3, 4)).astype(np.float32), (1, 0)),
        "f8_1d_v1": (rng.normal(size=7), (1, 0)),
        "f8_0d_v1": (np.array(1.1410312870953843), (1, 0)),
        "f4_empty_v1": (np.zeros((0, 3, 2), dtype=np.float32), (1, 0)),
        "f8_2d_v2": (rng.normal(size=(3, 5)), (2, 0)),
        "f4_2d_v3": (rng.normal(size=(4, 2)).astype(np.float32), (3, 0)),
    }
    expected = {}
    for name, (a, version) in good.items():
        path = os.path.join(out, name + ".npy")
        with open(path, "wb") as f:
            np.lib.format.write_array(f, a, version=version)
        major, header, nbytes = parse_npy(path)
        assert major == version[0] and header["shape"] == a.shape and nbytes == a.nbytes, name
        assert np.array_equal(np.load(path), a), name
        expected[name] = {"shape": list(a.shape), "dtype": a.dtype.str, "values": [float(v) for v in a.ravel()]}
    refused = {
        "fortran": (np.asfortranarray(rng.normal(size=(3, 4))), "Fortran-order"),
        "big_endian": (rng.normal(size=5).astype(">f8"), "big-endian"),
        "int64": (np.arange(6, dtype=np.int64), "dtype '<i8'"),
        "float16": (np.ones(4, dtype=np.float16), "dtype '<f2'"),
    }
    for name, (a, message) in refused.items():
        path = os.path.join(out, name + ".npy")
        np.save(path, a)
        assert np.array_equal(np.load(path), a), name
        expected[name] = {"error": message}
    ids = np.array(["S10", "S08", "G\u00fc9", "LONGER_ID_1"])  # dtype '<U11'
    path = os.path.join(out, "ids.npy")
    np.save(path, ids)
    assert np.load(path).dtype.str == "<U11" and list(np.load(path)) == list(ids)
    expected["ids"] = {"strings": [str(v) for v in ids]}
    with open(os.path.join(out, "expected.json"), "w") as f:
        json.dump(expected, f, indent=1)


# ---------------------------------------------------------------- cohort/: regions, expression, features, head
def write_cohort():
    out = os.path.join(ROOT, "cohort")
    chrs = ["1"] * 12 + ["2"] * 6 + ["3"] * 6  # train_chrs 1, val_chrs 2, test_chrs 3
    regions = [f"ENSG{r:011d}" for r in range(1, len(chrs) + 1)]
    train = [f"S{i:02d}" for i in range(1, 5)]
    val = [f"S{i:02d}" for i in range(5, 8)]
    test = ["S10", "S08", "S09"]  # not sorted: rows follow the list's order
    everyone = train + val + ["S08", "S09", "S10"]
    R = len(regions)
    region_mean = rng.normal(5, 1, size=R)
    expr = region_mean[:, None] + rng.normal(0, 0.6, size=(R, len(everyone)))
    expr = np.array([[float(repr(float(v))) for v in row] for row in expr])  # what the CSV holds, exactly

    os.makedirs(os.path.join(out, "individuals"))
    with open(os.path.join(out, "regions.csv"), "w") as f:
        f.write("gene_id,chr,pos,strand\n" + "".join(f"{g},{c},{1000 * (k + 1)},+\n" for k, (g, c) in enumerate(zip(regions, chrs))))
    with open(os.path.join(out, "expression.csv"), "w") as f:
        f.write("gene_id," + ",".join(everyone) + "\n")
        for g, row in zip(regions, expr):
            f.write(g + "," + ",".join(repr(float(v)) for v in row) + "\n")
    for name, ids in [("train", train), ("val", val), ("test", test)]:
        with open(os.path.join(out, "individuals", name + ".txt"), "w") as f:
            f.write("\n".join(ids) + "\n")
    with open(os.path.join(out, "sage.toml"), "w") as f:
        f.write('regions = "regions.csv"\nexpression = "expression.csv"\n'
                'train_individuals = "individuals/train.txt"\nval_individuals = "individuals/val.txt"\n'
                'test_individuals = "individuals/test.txt"\ntrain_chrs = ["1"]\nval_chrs = ["2"]\ntest_chrs = ["3"]\n')

    col = {s: k for k, s in enumerate(everyone)}
    y_mean = expr[:, [col[s] for s in train]].mean(axis=1)
    signal_tracks = [TRACK_IDX] + sorted(rng.choice([t for t in range(NUM_TRACKS) if t != TRACK_IDX], 39, replace=False).tolist())
    planted = signal_tracks[:6]  # log(p + 1) rises with expression on these

    def block(level):
        p = np.zeros((BINS, NUM_TRACKS), dtype=np.float32)
        for t in signal_tracks:
            base = 0.8 + 0.3 * (level - 5) if t in planted else rng.uniform(0.1, 1.0)
            p[:, t] = np.expm1(np.maximum(0, base + rng.normal(0, 0.15, size=BINS))).astype(np.float32)
        return p

    ref_dir = os.path.join(out, "features", "eval_on_ref_seq", "gene_res")
    ind_dir = os.path.join(out, "features", "eval_on_individual", "snps_and_indels", "no_maf_filter", "rosmap", "test_subs", "gene_res")
    os.makedirs(ref_dir)
    os.makedirs(ind_dir)
    ref_blocks, ind_blocks = {}, {}
    # The files' rows follow sub_list.npy (as SAGE-net saves it), here another order than test.txt's.
    sub_list = sorted(test)
    np.save(os.path.join(os.path.dirname(ind_dir), "sub_list.npy"), np.array(sub_list))
    for r, g in enumerate(regions):
        ref_blocks[g] = block(region_mean[r])[None]
        ind_blocks[g] = np.stack([block(expr[r, col[s]]) for s in test])  # in test.txt order
        np.save(os.path.join(ref_dir, g + ".npy"), ref_blocks[g])
        np.save(os.path.join(ind_dir, g + ".npy"), ind_blocks[g][[test.index(s) for s in sub_list]])
        assert np.array_equal(np.load(os.path.join(ind_dir, g + ".npy"))[sub_list.index("S10")], ind_blocks[g][0])

    os.makedirs(os.path.join(out, "head"))
    coef = np.zeros(NUM_TRACKS)
    coef[rng.choice(signal_tracks, 20, replace=False)] = rng.uniform(-0.2, 0.2, size=20)
    coef[rng.choice(NUM_TRACKS, 10, replace=False)] += rng.uniform(-0.2, 0.2, size=10)  # mostly on zero tracks
    intercept = np.array(1.1410312870953843)
    np.save(os.path.join(out, "head", "coef.npy"), coef)
    np.save(os.path.join(out, "head", "intercept.npy"), intercept)

    # Modes, checked against plain Python.
    expected = {"regions": regions, "test_individuals": test, "y_mean": y_mean.tolist(), "cage": {}, "finetuned": {}}
    for g in regions:
        for mode, f, oracle in [("cage", only_brain, oracle_only_brain),
                                ("finetuned", lambda p: finetuned(p, coef, float(intercept)), lambda p: oracle_finetuned(p, coef, float(intercept)))]:
            ref = f(ref_blocks[g][0])
            ind = [f(p) for p in ind_blocks[g]]
            for a, b in zip([ref] + ind, [oracle(ref_blocks[g][0])] + [oracle(p) for p in ind_blocks[g]]):
                assert abs(a - b) <= 1e-5 * max(1, abs(b)), f"{mode} {g}: numpy {a} vs python {b}"
            observed = [float(expr[regions.index(g), col[s]]) for s in test]
            expected[mode][g] = {"reference": ref, "individuals": ind, "pearson": float(np.corrcoef(ind, observed)[0, 1])}
    for mode in ["cage", "finetuned"]:
        refs = [expected[mode][g]["reference"] for g in regions]
        expected[mode + "_mean_pearson"] = float(np.corrcoef(refs, y_mean)[0, 1])  # across regions

    # fit-head: finetune_enformer.py on the float64 features.
    train_r = [r for r, c in enumerate(chrs) if c == "1"]
    val_r = [r for r, c in enumerate(chrs) if c == "2"]
    rows = train_r + val_r
    X = np.stack([features64(ref_blocks[regions[r]][0]) for r in rows])
    X32 = np.stack([np.sum(np.log(ref_blocks[regions[r]][0] + 1), axis=0) for r in rows])
    assert np.max(np.abs(X32 - X) / np.maximum(1, np.abs(X))) < 1e-6, "float32 and float64 features differ"
    y = y_mean[rows]
    folds = np.array([-1] * len(train_r) + [0] * len(val_r))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        cv = ElasticNetCV(l1_ratio=L1_RATIO, cv=PredefinedSplit(folds), tol=TOL, max_iter=MAX_ITER).fit(X, y)
        head = ElasticNet(alpha=cv.alpha_, l1_ratio=L1_RATIO, tol=TOL, max_iter=MAX_ITER).fit(X[: len(train_r)], y[: len(train_r)])
    mse = np.asarray(cv.mse_path_).reshape(len(cv.alphas_), -1).mean(axis=1)
    best = int(np.argmin(mse))
    assert cv.alphas_[best] == cv.alpha_, "alpha_ is not the argmin of the mean MSE"
    violation = kkt_violation(X[: len(train_r)], y[: len(train_r)], head.coef_, cv.alpha_, L1_RATIO)
    assert violation < 1e-6, f"refit violates KKT by {violation}"
    nonzero = int((head.coef_ != 0).sum())
    assert 0 < nonzero, "fit-head chose the all-zero model: no signal to test"
    fit = {"alpha": float(cv.alpha_), "alpha_index": best, "intercept": float(head.intercept_),
           "coef": {str(t): float(head.coef_[t]) for t in np.nonzero(head.coef_)[0]}, "predictions": {}}
    for g in regions:
        fit["predictions"][g] = {"reference": float(head.predict(features64(ref_blocks[g][0])[None])[0]),
                                 "individuals": head.predict(np.stack([features64(p) for p in ind_blocks[g]])).tolist()}
    expected["fit_head"] = fit
    expected["tol"], expected["max_iter"] = TOL, MAX_ITER
    with open(os.path.join(ROOT, "expected.json"), "w") as f:
        json.dump(expected, f, indent=1)
    print(f"{R} regions ({len(train_r)} train, {len(val_r)} val), {len(test)} test individuals; fit-head alpha "
          f"{cv.alpha_:.6g} (index {best}), {nonzero} non-zero weights, KKT {violation:.1e}")


if __name__ == "__main__":
    if os.path.exists(ROOT):
        shutil.rmtree(ROOT)
    write_npy_cases()
    write_cohort()
    print("wrote", os.path.normpath(ROOT))
