#!/usr/bin/env python3
"""Golden fixtures for sage-mpi's MEME reader, Tomtom, Benjamini-Hochberg and `sage-mpi tomtom` (SAGE-net's
annotate_seqlets), from memelite (memesuite-lite), pyjaspar and statsmodels, checked before they are written.

    /work/venv-torch/bin/pip install memelite pyjaspar statsmodels
    /work/venv-torch/bin/python tools/make_tomtom_fixtures.py   # writes Tests/SAGEGenomeTests/Fixtures/motifs/

Writes:
- jaspar.meme: 48 JASPAR CORE vertebrate motifs (every 21st of pyjaspar's default release, by matrix id), PPMs
  from the counts (count / column total), in JASPAR's MEME layout (MEME version 4, a URL line per motif).
- cwm_queries.meme: 30 random CWM-like matrices (signed, like seqlet CWMs: one dominant letter per position from a
  database motif, random sign flips and noise, rounded to 2 decimals as drg_tools' write_meme_file(round=2) does).
- tomtom_jaspar.json: memelite.tomtom(jaspar, jaspar) with its defaults: p-values, scores, offsets, overlaps,
  strands (query x target), statsmodels' multipletests(fdr_bh) of the flattened p-values, and the annotation rows
  (as below) of `sage-mpi tomtom` without --cwm.
- tomtom_cwm.json: the same for cwm_to_ppm(cwm_queries) against jaspar, plus SAGE-net's annotate_seqlets rows
  (union of the 5 smallest raw p-values and every BH < 0.05 per query) in query order, each query's rows in
  SAGE-net's order (ascending raw p-value, ties by target index), as `sage-mpi tomtom --cwm` writes them.

Checks before anything is written (any failure aborts): memelite's p-values against the exact null on tiny cases
(a one-column query against one-column targets, one strand, no column hashing: p = the weighted fraction of target
columns scoring >= the observed score; against two-column targets: 1 - F(s-1)^2 over iid columns, F the weighted
empirical CDF of single-column scores), the strand merge (two-strand p = 1 - (1 - min)^2 where both strands are
scored against the same background), every p-value in (0, 1], each JASPAR motif its own best match, and BH against
a NumPy formula. Never regenerate these from sage-mpi.
"""
import json
import os
import sys

import numpy as np
from memelite import tomtom
from pyjaspar import jaspardb
from statsmodels.stats.multitest import multipletests

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Tests", "SAGEGenomeTests", "Fixtures", "motifs")


def fail(msg):
    sys.exit("make_tomtom_fixtures: check failed: " + msg)


def cwm_to_ppm(cwm):
    """SAGE-net's cwm_to_ppm: (4, L), NaN -> 0, |w| / sum |w| per column."""
    cwm = np.nan_to_num(cwm)
    a = np.abs(cwm)
    with np.errstate(invalid="ignore", divide="ignore"):
        return a / a.sum(axis=0, keepdims=True)


def write_meme(path, motifs, url=True, fmt="{:.6f}"):
    """motifs: list of (id, name or None, (4, L) array)."""
    lines = ["MEME version 4", "", "ALPHABET= ACGT", "", "strands: + -", "", "Background letter frequencies",
             "A 0.25 C 0.25 G 0.25 T 0.25", ""]
    for mid, name, m in motifs:
        lines.append("MOTIF " + mid + ("" if name is None else " " + name))
        lines.append("letter-probability matrix: alength= 4 w= %d nsites= 20 E= 0" % m.shape[1])
        for col in m.T:
            lines.append("\t".join("  " + fmt.format(v) for v in col))
        if url:
            lines.append("URL http://jaspar.genereg.net/matrix/%s" % mid)
        lines.append("")
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")


def read_meme(path):
    """A plain reader (memelite's own io.read_meme keys by the whole MOTIF line)."""
    out, cur, w = [], None, None
    for line in open(path):
        if line.startswith("MOTIF"):
            cur, w = line.split()[1], None
        elif line.startswith("letter-probability"):
            w = int(line.split("w=")[1].split()[0])
            rows = []
        elif cur is not None and w is not None and len(rows) < w and line.strip():
            rows.append([float(x) for x in line.split()])
            if len(rows) == w:
                out.append((cur, np.array(rows).T))
                cur = None
    return out


def check_null():
    rng = np.random.default_rng(7)
    # One-column query, one-column targets, one strand, no hashing: p(s) = P(x >= s) under the weighted columns.
    q = rng.dirichlet(np.ones(4), size=1).T
    ts = [rng.dirichlet(np.ones(4), size=1).T for _ in range(200)]
    p, s, _, _, _ = tomtom([q], ts, n_target_bins=None, reverse_complement=False, n_jobs=1)
    p, s = p[0], s[0]
    expect = np.array([(s >= v).mean() for v in s])
    if not np.allclose(p, expect, rtol=1e-12, atol=1e-15):
        fail("1-column null: max |diff| %g" % np.abs(p - expect).max())
    # Two-column targets: the max of two iid columns, p = 1 - F(s-1)^2; single-column scores from a run against
    # the same columns as one-column targets (the same background, so the same binning).
    ts2 = [rng.dirichlet(np.ones(4), size=2).T for _ in range(150)]
    cols = [t[:, [k]] for t in ts2 for k in range(2)]
    _, s1, _, _, _ = tomtom([q], cols, n_target_bins=None, reverse_complement=False, n_jobs=1)
    p2, s2, _, _, _ = tomtom([q], ts2, n_target_bins=None, reverse_complement=False, n_jobs=1)
    s1 = s1[0]
    expect2 = np.array([1 - (s1 < v).mean() ** 2 for v in s2[0]])
    if not np.allclose(s2[0], np.maximum(s1[0::2], s1[1::2])):
        fail("2-column scores are not the max of the column scores")
    if not np.allclose(p2[0], expect2, rtol=1e-9, atol=1e-15):
        fail("2-column null: max |diff| %g" % np.abs(p2[0] - expect2).max())
    # Strand merge: targets given with their reverse complements already appended, one strand, against the
    # two-strand run (the same background columns either way).
    ts3 = [rng.dirichlet(np.ones(4) * 0.5, size=int(rng.integers(4, 9))).T for _ in range(40)]
    q3 = [rng.dirichlet(np.ones(4) * 0.5, size=6).T]
    pr, sr, _, _, st = tomtom(q3, ts3, n_target_bins=None, n_jobs=1)
    pf, sf, _, _, _ = tomtom(q3, ts3 + [t[::-1, ::-1] for t in ts3], n_target_bins=None, reverse_complement=False,
                             n_jobs=1)
    mn = np.minimum(pf[0, :40], pf[0, 40:])
    if not np.allclose(pr[0], 1 - (1 - mn) ** 2, rtol=1e-12, atol=1e-300):
        fail("strand merge")
    if not np.array_equal(st[0], (sf[0, :40] <= sf[0, 40:]).astype(float)):
        fail("strand choice (reverse when its score is >= the forward one)")


def bh(p):
    """Benjamini-Hochberg by formula."""
    p = np.asarray(p, dtype=float)
    n = len(p)
    order = np.argsort(p, kind="mergesort")
    ranked = p[order] * n / np.arange(1, n + 1)
    q = np.minimum.accumulate(ranked[::-1])[::-1]
    out = np.empty(n)
    out[order] = np.minimum(q, 1)
    return out


def run(queries, targets):
    p, sc, off, ov, st = tomtom(queries, targets)
    if not (np.all(p > 0) and np.all(p <= 1)):
        fail("p-values outside (0, 1]")
    flat = p.flatten()
    rej, q, _, _ = multipletests(flat, method="fdr_bh")
    if not np.allclose(q, bh(flat), rtol=1e-12, atol=0):
        fail("statsmodels BH against the formula")
    return p, sc, off, ov, st, q.reshape(p.shape)


def annotations(names, db_names, p, st, off, ov, q, n_top=5, thresh=0.05):
    rows = []
    for i in range(p.shape[0]):
        top = set(np.argsort(p[i], kind="stable")[:n_top].tolist())
        sig = set(np.nonzero(q[i] < thresh)[0].tolist())
        keep = sorted(top | sig, key=lambda j: (p[i, j], j))
        for j in keep:
            rows.append({"query": names[i], "motif_match": db_names[j], "raw_pval": float(p[i, j]),
                         "bh_corrected_pval": float(q[i, j]), "strand": int(st[i, j]), "offset": int(off[i, j]),
                         "overlap": int(ov[i, j])})
    return rows


def matrices(p, sc, off, ov, st, q):
    return {"p_values": p.tolist(), "scores": sc.tolist(), "offsets": off.astype(int).tolist(),
            "overlaps": ov.astype(int).tolist(), "strands": st.astype(int).tolist(), "bh": q.tolist()}


def main():
    check_null()
    os.makedirs(OUT, exist_ok=True)
    jdb = jaspardb()
    motifs = sorted(jdb.fetch_motifs(collection="CORE", tax_group=["vertebrates"]), key=lambda m: m.matrix_id)
    picked = motifs[::21][:48]
    db = []
    for m in picked:
        c = np.array([m.counts[a] for a in "ACGT"], dtype=float)
        db.append((m.matrix_id, m.name, c / c.sum(axis=0, keepdims=True)))
    path_db = os.path.join(OUT, "jaspar.meme")
    write_meme(path_db, db)
    targets = [m for _, m in read_meme(path_db)]
    ids = [i for i, _ in read_meme(path_db)]
    if len(targets) != len(db):
        fail("jaspar.meme round trip")

    p, sc, off, ov, st, q = run(targets, targets)
    best = p.argmin(axis=1)
    if np.mean(best == np.arange(len(targets))) < 1.0:
        fail("a JASPAR motif is not its own best match")
    with open(os.path.join(OUT, "tomtom_jaspar.json"), "w") as f:
        json.dump({"release": jdb.release, "queries": ids, "targets": ids, **matrices(p, sc, off, ov, st, q),
                   "annotations": annotations(ids, ids, p, st, off, ov, q)}, f)

    rng = np.random.default_rng(14)
    cwms = []
    for k in range(30):
        src = targets[int(rng.integers(len(targets)))]
        L = src.shape[1]
        a, b = sorted(rng.integers(0, L + 1, size=2))
        if b - a < 4:
            a, b = 0, L
        w = src[:, a:b] * rng.uniform(0.2, 1.5, size=(1, b - a))
        w = w * np.where(rng.random((4, b - a)) < 0.15, -1, 1) + rng.normal(0, 0.05, size=(4, b - a))
        if k % 3 == 0:
            w = w[::-1, ::-1]
        w = w / np.abs(w).max() * np.sign(w.flat[np.abs(w).argmax()])
        cwms.append(("cluster_%d" % k, None, np.round(w, 2)))
    path_q = os.path.join(OUT, "cwm_queries.meme")
    write_meme(path_q, cwms, url=False, fmt="{:.2f}")
    back = read_meme(path_q)
    qnames = [n for n, _ in back]
    queries = [cwm_to_ppm(m) for _, m in back]
    if any(np.isnan(m).any() for m in queries):
        fail("an all-zero CWM column")
    p, sc, off, ov, st, q = run(queries, targets)
    rows = annotations(qnames, ids, p, st, off, ov, q)
    with open(os.path.join(OUT, "tomtom_cwm.json"), "w") as f:
        json.dump({"release": jdb.release, "queries": qnames, "targets": ids, **matrices(p, sc, off, ov, st, q),
                   "annotations": rows}, f)
    print("wrote %s: %d database motifs, %d CWM queries, %d annotation rows" % (OUT, len(ids), len(qnames), len(rows)))

    # Edge cases of the background's structure: queries of 1-3 columns, queries longer than every target (no
    # target reaches the full-span chain), and near one-hot columns (narrow score histograms).
    rng = np.random.default_rng(15)
    longest = max(t.shape[1] for t in targets)
    edges = []
    for k, width in enumerate([1, 1, 2, 2, 3, 3, 4, longest - 1, longest, longest + 1, longest + 4, longest + 9]):
        m = rng.dirichlet(np.ones(4) * (0.3 if k % 2 else 1.0), size=width).T
        if k % 3 == 2:
            m[:, ::2] = np.eye(4)[:, rng.integers(0, 4, size=m[:, ::2].shape[1])] * 0.97 + 0.01
        edges.append(("edge_%d_w%d" % (k, width), None, np.round(m / m.sum(axis=0, keepdims=True), 4)))
    path_e = os.path.join(OUT, "edge_queries.meme")
    write_meme(path_e, edges, url=False, fmt="{:.4f}")
    back = read_meme(path_e)
    enames = [n for n, _ in back]
    equeries = [m for _, m in back]
    p, sc, off, ov, st, q = run(equeries, targets)
    with open(os.path.join(OUT, "tomtom_edge.json"), "w") as f:
        json.dump({"release": jdb.release, "queries": enames, "targets": ids, **matrices(p, sc, off, ov, st, q),
                   "annotations": annotations(enames, ids, p, st, off, ov, q)}, f)
    print("wrote %s: %d edge-case queries (widths %s)" % (path_e, len(enames), [m.shape[1] for m in equeries]))


if __name__ == "__main__":
    main()
