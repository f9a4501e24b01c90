#!/usr/bin/env python3
"""Re-runs SAGE-net's cluster_seqlets + annotate_seqlets in Python on the inputs of a `sage-mpi motifs` run and
compares every output: each seqlet's cluster, the cluster CWMs as written (2 decimals) and the annotation rows.

    /work/venv-torch/bin/python tools/check_motifs_against_sagenet.py OUT --config sage.toml \\
        --seqlets A.csv [--seqlets B.csv] --attributions DIR [--attributions DIR2] [--labels a,b] \\
        --database DB.meme [--seqlet-threshold 0.005] [--linkage complete] [--distance-threshold 0.05] [--zero-center]

SAGE-net's steps, as in SAGEnet/attributions.py: attribution (DIR/per_region_attribs/{region}.npy) times the
reference one-hot of the model window (the configuration's FASTA, regions table, input_len; reverse-complemented on
the minus strand, N-padded), seqlets with p_value < threshold in the CSV's order, crop, divided by the flat argmax
of |.|; drg_tools' similarity and combine_pwms (the port in make_motif_fixtures.py); scikit-learn's
AgglomerativeClustering; np.around(cwm, 2); cwm_to_ppm; memelite's tomtom; statsmodels' fdr_bh; the top 5 plus
BH < 0.05 per cluster. Exits non-zero on the first difference. Single-output attribution layout only.
"""
import argparse
import csv
import os
import sys
import tomllib

import numpy as np
from memelite import tomtom
from sklearn.cluster import AgglomerativeClustering
from statsmodels.stats.multitest import multipletests
from tangermeme.io import read_meme

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_motif_fixtures import drg_combine, drg_similarity  # noqa: E402


def fail(msg):
    sys.exit("check_motifs_against_sagenet: DIFFERENT: " + msg)


def read_fasta(path):
    contigs, name, parts = {}, None, []
    for line in open(path):
        line = line.strip()
        if line.startswith(">"):
            if name is not None:
                contigs[name] = "".join(parts)
            name, parts = line[1:].split()[0], []
        else:
            parts.append(line)
    contigs[name] = "".join(parts)
    return contigs


def onehot(seq, L):
    x = np.zeros((4, L), dtype=np.float32)
    for t, b in enumerate(seq[:L]):
        k = "ACGT".find(b.upper())
        if k >= 0:
            x[k, t] = 1
    return x


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--config", required=True)
    ap.add_argument("--seqlets", action="append", required=True)
    ap.add_argument("--attributions", action="append", required=True)
    ap.add_argument("--labels")
    ap.add_argument("--database", required=True)
    ap.add_argument("--seqlet-threshold", type=float, default=0.005)
    ap.add_argument("--linkage", default="complete")
    ap.add_argument("--distance-threshold", type=float, default=0.05)
    ap.add_argument("--zero-center", action="store_true")
    a = ap.parse_args()
    labels = a.labels.split(",") if a.labels else (["a", "b"] if len(a.seqlets) == 2 else ["a"])
    cfg = tomllib.load(open(a.config, "rb"))
    base = os.path.dirname(os.path.abspath(a.config))
    L = int(cfg["input_len"])
    allow_rc = bool(cfg.get("allow_reverse_complement", True))
    genome = read_fasta(os.path.join(base, cfg["fasta"]))
    regions = {}
    for row in csv.DictReader(open(os.path.join(base, cfg["regions"]))):
        regions[row.get("gene_id") or row.get("region_id")] = row

    def model_onehot(rid):
        r = regions[rid]
        chrom = r["chr"] if r["chr"] in genome else "chr" + r["chr"]
        seq = genome[chrom]
        pos = int(r["pos"])
        w = seq[max(0, pos - L // 2): min(len(seq), pos + L // 2)]
        if r.get("strand") == "-" and allow_rc:
            w = w[::-1].translate(str.maketrans("ACGTacgt", "TGCAtgca"))
        return onehot(w, L)

    kept, order = [], []
    for path in a.seqlets:
        by = {}
        for row in csv.DictReader(open(path)):
            if float(row["p_value"]) < a.seqlet_threshold:
                if row["region_id"] not in by and all(row["region_id"] not in k for k in kept):
                    order.append(row["region_id"])
                by.setdefault(row["region_id"], []).append((int(row["start"]), int(row["end"])))
        kept.append(by)
    normed, ids = [], []
    for rid in order:
        x = model_onehot(rid)
        for s, d in enumerate(a.attributions):
            if rid not in kept[s]:
                continue
            attrib = np.load(os.path.join(d, "per_region_attribs", rid + ".npy")).reshape(4, L)
            if a.zero_center:  # SAGEnet.tools.zero_center_attributions(attrib, axis=0)
                attrib = attrib - np.mean(attrib, axis=0, keepdims=True)
            attrib = attrib * x
            for k, (start, end) in enumerate(kept[s][rid]):
                crop = attrib[:, start:end]
                normed.append((crop / crop.flat[np.argmax(np.abs(crop))]).T)
                ids.append(f"{rid}_{k}_{labels[s]}")
    dist, off, rc, _ = drg_similarity(normed)
    clusters = AgglomerativeClustering(n_clusters=None, metric="precomputed", linkage=a.linkage,
                                       distance_threshold=a.distance_threshold).fit(dist).labels_
    ours = list(csv.DictReader(open(os.path.join(a.out, "seqlets.csv"))))
    if [r["seqlet_id"] for r in ours] != ids:
        fail("seqlet ids / order")
    if [int(r["cluster"]) for r in ours] != [int(c) for c in clusters]:
        fail("clusters: " + str([(i, int(r["cluster"]), int(c)) for i, (r, c) in enumerate(zip(ours, clusters)) if int(r["cluster"]) != c][:10]))
    cwms = [np.around(c, 2) for c in drg_combine(normed, clusters, 1. - dist, off, rc)]
    written = read_meme(os.path.join(a.out, "cluster_cwms.meme"))
    names = [str(u) for u, c in enumerate(cwms) if np.sum(np.abs(c)) > 0]
    if list(written.keys()) != names:
        fail(f"cluster_cwms.meme motifs {list(written.keys())[:10]} vs {names[:10]}")
    for u in names:
        if not np.array_equal(written[u].numpy().T, cwms[int(u)]):
            fail(f"cluster {u}'s CWM")
    # annotate_seqlets on the file as written.
    queries = []
    for u in names:
        cwm = written[u].numpy().astype(np.float64).copy()
        cwm[cwm != cwm] = 0
        with np.errstate(invalid="ignore"):
            queries.append(np.abs(cwm) / np.abs(cwm).sum(axis=0, keepdims=True))
    nan_queries = [u for u, q in zip(names, queries) if np.isnan(q).any()]
    db = read_meme(a.database)
    db_names, db_values = [k.split()[0] for k in db.keys()], [v.numpy() for v in db.values()]  # sage-mpi writes the MOTIF id
    if nan_queries:
        # SAGE-net's cwm_to_ppm gives NaN there and memelite's p-values for such a query are not numbers; sage-mpi
        # makes the position uniform, and so does this check (the one deliberate difference).
        print(f"note: clusters {nan_queries} have an all-zero position after rounding (NaN in SAGE-net's cwm_to_ppm): compared with it uniform, as sage-mpi makes it")
        queries = [np.where(np.isnan(q), 0.25, q) for q in queries]
    p, _, _, _, strands = tomtom(queries, db_values)
    bh = multipletests(p.flatten(), method="fdr_bh")[1].reshape(p.shape)
    expected = []
    for i, u in enumerate(names):
        top = sorted(range(len(db_names)), key=lambda j: (p[i, j], j))[:5]
        keep = set(top) | {j for j in range(len(db_names)) if bh[i, j] < 0.05}
        for j in sorted(keep, key=lambda j: (p[i, j], j)):
            expected.append((u, db_names[j], p[i, j], bh[i, j], int(strands[i, j])))
    rows = list(csv.DictReader(open(os.path.join(a.out, "annotations.csv"))))
    if len(rows) != len(expected):
        fail(f"{len(rows)} annotation rows, SAGE-net {len(expected)}")
    worst = 0.0
    for r, e in zip(rows, expected):
        if (r["cluster_idx"], r["motif_match"], int(r["strand"])) != (e[0], e[1], e[4]):
            fail(f"annotation {r} vs {e}")
        worst = max(worst, abs(np.log10(float(r["raw_pval"])) - np.log10(e[2])), abs(np.log10(float(r["bh_corrected_pval"])) - np.log10(e[3])))
    print(f"same: {len(ids)} seqlets, {len(set(clusters))} clusters (labels exactly), {len(names)} CWMs (exactly), "
          f"{len(rows)} annotations (matches and strands exactly; max |log10 p difference| {worst:.2e})")


if __name__ == "__main__":
    main()
