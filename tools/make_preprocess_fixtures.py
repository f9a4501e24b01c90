#!/usr/bin/env python3
"""Golden fixtures for `sage-mpi preprocess expression`, from NumPy/pandas/scikit-learn/statsmodels re-implementations
of SAGE-net's covariate adjustment, checked before they are written.

    python3 -m venv /work/venv-pre && /work/venv-pre/bin/pip install numpy scikit-learn statsmodels pandas
    /work/venv-pre/bin/python tools/make_preprocess_fixtures.py   # writes Tests/SAGEGenomeTests/Fixtures/preprocess/

SAGE-net's functions (SAGENET-REFERENCE §3.8, §10.3, §10.4), as the reference describes them:
- get_pcs(X, n): X samples x genes; each column standardised (pandas mean, std ddof=1), NaN -> 0 (constant genes),
  sklearn PCA(n_components=n).fit_transform.
- filter_known_covariates(known, inferred, cutoff=0.9) (PCAForQTL port): known covariates standardised (ddof=1,
  NaN -> 0); for each, statsmodels OLS(cov, inferred) WITHOUT an intercept -> rsquared (uncentred R^2); dropped when
  R^2 >= cutoff; returns the kept UNstandardised covariates.
- the regression: sklearn LinearRegression (intercept) of every gene on [kept known covariates, expression PCs]
  jointly; adjusted = log2TPM - prediction + gene mean.
- log2(TPM + 1); one-hot encoding with pd.get_dummies(drop_first=True); genotype PCs join the known covariates
  (and so go through the filter); missing numeric values mean-imputed.
What sage-mpi adds, and this script does the same way: the fit on a subset (--fit-on: PCs, standardisations,
imputation means, the filter and the regression fitted on those individuals, then applied to all; the gene mean is
theirs); a categorical column's missing cell is imputed with each level column's mean (pandas' get_dummies leaves it
all-zero); a gene constant over the fit individuals is 0 for everyone; PCA signs fixed so that each component's
largest-|loading| gene is positive (sklearn >= 1.5's svd_flip on the components; applied explicitly here, so that
another sklearn version cannot change the fixtures).

Checks before anything is written (any failure aborts): the PCs against a hand SVD of the centred standardised
matrix (NumPy) and against sklearn's default solver up to sign; the R^2 screen against a NumPy lstsq formula, and
statsmodels' uncentred R^2 on a hand case (y = 1,2,3 on x = 1,0,1: 4/7); the regression's predictions
against statsmodels OLS with a constant and NumPy lstsq; the dummy column order against get_dummies' own; the
fixture design (the collinear covariate dropped, every other R^2 clear of the cutoff, well-separated PCs with a
unique largest loading, so that any two correct implementations agree). Never regenerate these from sage-mpi.
"""
import json
import os

import numpy as np
import pandas as pd
import statsmodels.api as sm
from sklearn.decomposition import PCA
from sklearn.linear_model import LinearRegression

OUT = os.path.join(os.path.dirname(__file__), "..", "Tests", "SAGEGenomeTests", "Fixtures", "preprocess")
rng = np.random.default_rng(20261218)
N_SAMPLES = 40
SAMPLES = [f"S{i:02d}" for i in range(1, N_SAMPLES + 1)]


# ----------------------------------------------------------------------------------------------------------------
# SAGE-net's functions (with the fit subset)

def standardise(df, fit):
    """(df - mean) / std over the fit rows (ddof 1); a column constant over them -> NaN -> 0."""
    mean, std = df.loc[fit].mean(), df.loc[fit].std()
    constant = df.loc[fit].nunique() == 1
    std[constant] = np.nan
    return ((df - mean) / std).fillna(0)


def fix_signs(components, scores):
    """Each component's largest-|loading| entry positive (the first on ties)."""
    components, scores = components.copy(), scores.copy()
    for c in range(components.shape[0]):
        j = int(np.argmax(np.abs(components[c])))
        if components[c, j] < 0:
            components[c] *= -1
            scores[:, c] *= -1
    return components, scores


def get_pcs(X, num_pcs, fit):
    """SAGE-net's get_pcs, fitted on the fit rows and applied to all (PCA.transform)."""
    Z = standardise(X, fit)
    pca = PCA(n_components=num_pcs, svd_solver="full").fit(Z.loc[fit])
    components, scores = fix_signs(pca.components_, pca.transform(Z))
    # Oracle 1: a hand SVD of the centred fit matrix.
    Zf = Z.loc[fit].to_numpy()
    Zc = Zf - Zf.mean(axis=0)
    U, S, Vt = np.linalg.svd(Zc, full_matrices=False)
    comp_hand, _ = fix_signs(Vt[:num_pcs], (U * S)[:, :num_pcs])
    scores_hand = (Z.to_numpy() - Zf.mean(axis=0)) @ comp_hand.T
    assert np.allclose(comp_hand, components, atol=1e-10), "PCA components differ from the hand SVD"
    assert np.allclose(scores_hand, scores, atol=1e-9), "PCA scores differ from the hand SVD"
    # Oracle 2: sklearn's default solver agrees up to sign.
    default = PCA(n_components=num_pcs).fit(Z.loc[fit])
    assert np.allclose(np.abs(default.components_), np.abs(components), atol=1e-8), "sklearn solvers disagree"
    # The fixture must not sit on a knife edge: distinct singular values, a unique largest loading.
    sv = S[: num_pcs + 1]
    assert np.all(np.diff(sv) < -1e-3 * sv[0]), f"PCs too close: {sv}"
    for c in range(num_pcs):
        a = np.sort(np.abs(components[c]))[::-1]
        assert a[0] - a[1] > 1e-6, f"component {c}: two loadings of nearly equal size ({a[0] - a[1]})"
    return pd.DataFrame(scores, index=X.index, columns=[f"expression PC{c + 1}" for c in range(num_pcs)]), S


def filter_known_covariates(known, inferred, fit, cutoff):
    """PCAForQTL's filter as SAGE-net ports it, over the fit rows: uncentred R^2 of each standardised covariate."""
    ks = standardise(known, fit).loc[fit]
    X = inferred.loc[fit].to_numpy()
    r2s, kept = [], []
    for name in known.columns:
        y = ks[name].to_numpy()
        r2 = sm.OLS(y, X).fit().rsquared  # no constant: statsmodels' uncentred R^2
        beta, *_ = np.linalg.lstsq(X, y, rcond=None)
        hand = 1 - np.sum((y - X @ beta) ** 2) / np.sum(y ** 2)
        assert abs(r2 - hand) < 1e-12, f"R^2 of {name}: statsmodels {r2} vs lstsq {hand}"
        r2s.append(float(r2))
        if r2 < cutoff:
            kept.append(name)
    return r2s, known[kept]


def regress(Y, covariates, fit):
    """LinearRegression of every gene on the covariates over the fit rows; adjusted = Y - prediction + fit mean."""
    model = LinearRegression().fit(covariates.loc[fit], Y.loc[fit])
    prediction = model.predict(covariates)
    A = sm.add_constant(covariates.to_numpy(), has_constant="add")
    for g in range(0, Y.shape[1], 7):  # statsmodels per gene (a sample of them)
        ols = sm.OLS(Y.loc[fit].iloc[:, g].to_numpy(), A[[Y.index.get_loc(i) for i in fit]]).fit()
        assert np.allclose(ols.predict(A), prediction[:, g], atol=1e-9), f"gene {g}: LinearRegression vs statsmodels"
    rows = [Y.index.get_loc(i) for i in fit]
    B, *_ = np.linalg.lstsq(A[rows], Y.loc[fit].to_numpy(), rcond=None)
    assert np.allclose(A @ B, prediction, atol=1e-9), "LinearRegression vs lstsq"
    return Y - prediction + Y.loc[fit].mean()


def hand_checks():
    # y = (1, 2, 3) on x = (1, 0, 1): b = 2, residuals (-1, 2, 1), 1 - 6/14 = 4/7 uncentred (centred it would be -2).
    r2 = sm.OLS(np.array([1.0, 2.0, 3.0]), np.array([[1.0], [0.0], [1.0]])).fit().rsquared
    assert abs(r2 - 4 / 7) < 1e-14, f"statsmodels uncentred R^2 {r2}, expected 4/7"
    x = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    assert abs(sm.OLS(x @ [2.0, -1.0], x).fit().rsquared - 1) < 1e-14


# ----------------------------------------------------------------------------------------------------------------
# Covariates as sage-mpi reads them (numeric, categorical one-hot, mean imputation over the fit rows)

def encode(raw, categorical, fit):
    """raw: DataFrame of strings/NaN (one column per covariate). Returns numeric columns named as sage-mpi names them."""
    columns = []
    for name in raw.columns:
        col = raw[name]
        values = col.dropna()
        numeric = pd.to_numeric(values, errors="coerce").notna().all()
        if name not in categorical and numeric:
            x = pd.to_numeric(col)
            columns.append(x.fillna(x.loc[fit].mean()).rename(name))
            continue
        levels = sorted(values.unique(), key=float) if numeric else sorted(values.unique())
        if not numeric:
            default = pd.get_dummies(col, prefix=name, prefix_sep="=", drop_first=True).columns.tolist()
            assert default == [f"{name}={lv}" for lv in levels[1:]], "get_dummies order differs"
        dummies = pd.get_dummies(pd.Categorical(col, categories=levels), prefix=name, prefix_sep="=",
                                 drop_first=True, dtype=float)
        dummies.index = col.index
        dummies[col.isna()] = np.nan
        columns.extend(dummies[c].fillna(dummies[c].loc[fit].mean()) for c in dummies.columns)
    return pd.concat(columns, axis=1)


def read_eigenvec(path, count):
    with open(path) as f:
        first = f.readline().split()
    header = first[0].startswith("#")
    df = pd.read_csv(path, sep=r"\s+", header=0 if header else None)
    if header:
        df.columns = [c.lstrip("#") for c in df.columns]
    else:
        df.columns = ["FID", "IID"] + [f"PC{i}" for i in range(1, df.shape[1] - 1)]
    df = df.set_index("IID")
    pcs = [c for c in df.columns if c.startswith("PC")][:count]
    return df[pcs].rename(columns={c: f"genotype {c}" for c in pcs})


def adjust(case):
    tpm = pd.read_csv(os.path.join(OUT, case["tpm"]), sep="\t" if case["tpm"].endswith(".tsv") else ",",
                      index_col=0)
    X = np.log2(tpm.T + 1)  # samples x genes, as SAGE-net
    samples = list(X.index)
    fit = samples
    if case["fit_on"]:
        with open(os.path.join(OUT, case["fit_on"])) as f:
            listed = set(line.strip() for line in f if line.strip())
        fit = [s for s in samples if s in listed]
    raw = pd.read_csv(os.path.join(OUT, case["covariates"]), index_col=0, dtype=str).loc[samples]
    known = encode(raw, case["categorical"], fit)
    if case["genotype_pcs"]:
        known = known.join(read_eigenvec(os.path.join(OUT, case["genotype_pcs"]), case["genotype_pcs_count"]))
    pcs, _ = get_pcs(X, case["expression_pcs"], fit)
    r2s, kept = filter_known_covariates(known, pcs, fit, case["r2_cutoff"])
    covariates = kept.join(pcs)
    adjusted = regress(X, covariates, fit)
    return {
        "fit_individuals": fit,
        "screens": [{"name": n, "r2": r, "dropped": bool(r >= case["r2_cutoff"])} for n, r in zip(known.columns, r2s)],
        "design": ["intercept"] + list(covariates.columns),
        "pc_scores": pcs.to_numpy().tolist(),
        "genes": list(tpm.index),
        "individuals": samples,
        "adjusted": adjusted.T.to_numpy().tolist(),  # genes x individuals
    }


# ----------------------------------------------------------------------------------------------------------------
# Synthetic inputs

def write_tpm(path, genes, expression, sep):
    """expression: genes x samples log2 values; TPM = 2^x - 1 (0 where x <= 0.3); one all-zero gene."""
    tpm = np.where(expression > 0.3, 2.0 ** expression - 1, 0.0)
    tpm[-1] = 0.0
    with open(path, "w") as f:
        f.write(sep.join(["gene_id"] + SAMPLES) + "\n")
        for g, row in zip(genes, tpm):
            f.write(sep.join([g] + [repr(float(v)) if v else "0" for v in row]) + "\n")


def synthetic_expression(n_genes, factor_sd, effects):
    """n_genes x N: gene means + latent factors (distinct variances) + covariate effects + noise."""
    factors = rng.normal(size=(N_SAMPLES, len(factor_sd))) * factor_sd
    loadings = rng.normal(size=(n_genes, len(factor_sd)))
    mean = rng.uniform(2, 7, size=(n_genes, 1))
    x = mean + loadings @ factors.T + 0.35 * rng.normal(size=(n_genes, N_SAMPLES))
    for values, size in effects:
        x += np.outer(rng.normal(scale=size, size=n_genes), values - values.mean())
    return x


def write_covariates(path, columns, extra_row):
    order = rng.permutation(N_SAMPLES)
    with open(path, "w") as f:
        f.write(",".join(["sample_id"] + list(columns)) + "\n")
        for i in order:
            f.write(",".join([SAMPLES[i]] + [columns[c][i] for c in columns]) + "\n")
        f.write(",".join(["S99"] + extra_row) + "\n")  # a sample the TPM table does not have: ignored


def collinear_with_pcs(tpm_name, num_pcs, fit):
    """A covariate that is 2 PC1 - PC2 of the expression (+ a little noise): R^2 ~0.99, must be dropped."""
    tpm = pd.read_csv(os.path.join(OUT, tpm_name), sep="\t" if tpm_name.endswith(".tsv") else ",", index_col=0)
    pcs, _ = get_pcs(np.log2(tpm.T + 1), num_pcs, fit)
    return 2 * pcs.iloc[:, 0] - pcs.iloc[:, 1] + 0.3 * rng.normal(size=N_SAMPLES)


def fmt(v):
    return repr(round(float(v), 6))


def make_inputs():
    os.makedirs(OUT, exist_ok=True)
    age = rng.uniform(60, 95, N_SAMPLES)
    sex = rng.integers(0, 2, N_SAMPLES).astype(float)
    batch = rng.choice(["B1", "B2", "C"], N_SAMPLES)
    rin = rng.normal(7, 1, N_SAMPLES)
    batch_effect = np.array([{"B1": 0.0, "B2": 1.0, "C": -1.0}[b] for b in batch])
    # Case A: 30 genes (fewer than the 40 samples: the gene-side PCA; the 28-individual fit: the sample side).
    x = synthetic_expression(30, [3.0, 2.0, 1.4, 1.0], [(age / 10, 0.3), (sex, 0.4), (batch_effect, 0.5), (rin, 0.2)])
    write_tpm(os.path.join(OUT, "tpm_a.csv"), [f"ENSG{g:011d}" for g in range(1, 31)], x, ",")
    qc = collinear_with_pcs("tpm_a.csv", 4, SAMPLES)
    cells = {"age": [fmt(v) for v in age], "sex": [str(int(v)) for v in sex], "batch": list(batch),
             "rin": [fmt(v) for v in rin], "qc_metric": [fmt(v) for v in qc]}
    cells["rin"][5] = "NA"     # a missing number: mean-imputed
    cells["batch"][11] = ""    # a missing level: each level column mean-imputed
    write_covariates(os.path.join(OUT, "covariates_a.csv"), cells, ["70", "1", "C", "7.1", "0.2"])
    # PLINK 1.9 .eigenvec: FID IID PC1..PC5, no header, another order, an extra individual.
    with open(os.path.join(OUT, "genotype_a.eigenvec"), "w") as f:
        for i in list(rng.permutation(N_SAMPLES)) + [None]:
            iid = SAMPLES[i] if i is not None else "S77"
            f.write(" ".join([iid, iid] + [f"{v:.6g}" for v in rng.normal(scale=0.05, size=5)]) + "\n")
    train = sorted(rng.choice(N_SAMPLES, 28, replace=False))
    with open(os.path.join(OUT, "fit_on_a.txt"), "w") as f:
        f.write("\n".join(SAMPLES[i] for i in train) + "\n")

    # Case B: 60 genes (more than the samples: the sample-side PCA), TSV, batch codes 1/2/3 declared categorical,
    # a text column with two levels, PLINK 2 header.
    codes = rng.integers(1, 4, N_SAMPLES)
    site = rng.choice(["north", "south"], N_SAMPLES)
    depth = rng.lognormal(3, 0.3, N_SAMPLES)
    y = synthetic_expression(60, [3.2, 2.0, 1.2], [(codes.astype(float), 0.4), ((site == "south") * 1.0, 0.5),
                                                   (np.log(depth), 0.3)])
    write_tpm(os.path.join(OUT, "tpm_b.tsv"), [f"G{g:03d}" for g in range(1, 61)], y, "\t")
    qc_b = collinear_with_pcs("tpm_b.tsv", 3, SAMPLES)
    cells_b = {"batch": [str(c) for c in codes], "site": list(site), "depth": [fmt(v) for v in depth],
               "mapped_fraction": [fmt(v) for v in qc_b]}
    cells_b["depth"][3] = ""
    write_covariates(os.path.join(OUT, "covariates_b.csv"), cells_b, ["2", "north", "20", "0.9"])
    with open(os.path.join(OUT, "genotype_b.eigenvec"), "w") as f:
        f.write("#FID\tIID\tPC1\tPC2\tPC3\n")
        for i in rng.permutation(N_SAMPLES):
            f.write("\t".join(["fam" + SAMPLES[i], SAMPLES[i]] + [f"{v:.6g}" for v in rng.normal(scale=0.05, size=3)]) + "\n")


CASES = [
    {"name": "all_samples", "tpm": "tpm_a.csv", "covariates": "covariates_a.csv", "genotype_pcs": "genotype_a.eigenvec",
     "genotype_pcs_count": 3, "expression_pcs": 4, "r2_cutoff": 0.9, "fit_on": None, "categorical": [],
     "must_drop": ["qc_metric"]},
    {"name": "fit_on_training", "tpm": "tpm_a.csv", "covariates": "covariates_a.csv",
     "genotype_pcs": "genotype_a.eigenvec", "genotype_pcs_count": 3, "expression_pcs": 4, "r2_cutoff": 0.9,
     "fit_on": "fit_on_a.txt", "categorical": [], "must_drop": ["qc_metric"]},
    {"name": "wide_categorical_codes", "tpm": "tpm_b.tsv", "covariates": "covariates_b.csv",
     "genotype_pcs": "genotype_b.eigenvec", "genotype_pcs_count": 2, "expression_pcs": 3, "r2_cutoff": 0.9,
     "fit_on": None, "categorical": ["batch"], "must_drop": ["mapped_fraction"]},
]


def main():
    hand_checks()
    make_inputs()
    cases = []
    for case in CASES:
        result = adjust(case)
        dropped = [s["name"] for s in result["screens"] if s["dropped"]]
        assert dropped == case["must_drop"], f"{case['name']}: dropped {dropped}, expected {case['must_drop']}"
        for s in result["screens"]:
            assert abs(s["r2"] - case["r2_cutoff"]) > 0.05, f"{case['name']}: R^2 of {s['name']} near the cutoff"
        entry = {k: v for k, v in case.items() if k != "must_drop"}
        entry.update(result)
        cases.append(entry)
        print(f"{case['name']}: {len(result['genes'])} genes x {len(result['individuals'])}, fit on "
              f"{len(result['fit_individuals'])}; R^2 " + ", ".join(f"{s['name']} {s['r2']:.3f}" for s in result["screens"]))
    with open(os.path.join(OUT, "expected.json"), "w") as f:
        json.dump({"generator": "tools/make_preprocess_fixtures.py", "cases": cases}, f)
        f.write("\n")


if __name__ == "__main__":
    main()
