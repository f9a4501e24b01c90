#!/usr/bin/env python3
"""Golden fixture for `baseline predixcan --apply`: fitted weights applied to another cohort's genotypes, computed
with NumPy (SAGE-net's gtex_pred.csv: dosage = haplotypes carrying the weight's ALT, a missing allele 0, a weighted
variant absent from the VCF 0; pred = intercept + X @ w).

    python3 -m venv /work/venv && /work/venv/bin/pip install numpy   # any venv outside the repo
    /work/venv/bin/python tools/make_apply_fixtures.py               # writes Tests/IntegrationTests/Fixtures/apply/

The cohort's VCF names contigs chr1/chr2, the weights 1/2 (another naming); it has a multi-allelic record with a
weight on its second ALT, missing alleles (./. and .|1), weights whose position is absent and one whose position is
present with another ALT, and a region with no weights. Before writing, the NumPy result is checked against a
plain-Python loop over the VCF text.
"""
import os
import numpy as np

OUT = os.path.join(os.path.dirname(__file__), "..", "Tests", "IntegrationTests", "Fixtures", "apply")
rng = np.random.default_rng(18)
samples = [f"GTEX-{i:04d}" for i in range(1, 13)]

# Records: (contig, pos 1-based, ref, alts)
records = [("chr1", 101, "A", ["G"]), ("chr1", 150, "C", ["T", "A"]), ("chr1", 230, "G", ["GTT"]), ("chr1", 400, "TA", ["T"]),
           ("chr2", 55, "T", ["C"]), ("chr2", 90, "G", ["A"]), ("chr2", 120, "C", ["G"])]
genotypes = []
for _, _, _, alts in records:
    row = []
    for s in range(len(samples)):
        a, b = (int(x) for x in rng.integers(0, len(alts) + 1, size=2))
        gt = f"{a}|{b}"
        row.append(gt)
    genotypes.append(row)
genotypes[0][3] = "./."   # missing alleles count 0
genotypes[1][5] = ".|2"
genotypes[4][0] = "1|."

# Weights (region, chr, pos, ref, alt, weight), chromosomes without "chr".
weights = [("G1", "1", 101, "A", "G", 0.75), ("G1", "1", 150, "C", "A", -1.25), ("G1", "1", 230, "G", "GTT", 0.5),
           ("G1", "1", 333, "C", "T", 2.0),            # absent position
           ("G2", "1", 400, "TA", "T", 1.5), ("G2", "1", 150, "C", "G", 3.0),   # present position, another ALT: absent
           ("G3", "2", 55, "T", "C", -0.5), ("G3", "2", 90, "G", "A", 0.25), ("G3", "2", 120, "C", "G", 1.0)]
intercepts = {"G1": 5.5, "G2": -1.0, "G3": 2.25, "G4": 7.0}   # G4: no weights

def dosage_matrix(region):
    ws = [w for w in weights if w[0] == region]
    X = np.zeros((len(samples), len(ws)))
    missing = 0
    for j, (_, chr_, pos, ref, alt, _) in enumerate(ws):
        found = False
        for (contig, p, r, alts), row in zip(records, genotypes):
            if contig.removeprefix("chr") == chr_ and p == pos and r == ref and alt in alts:
                k = str(alts.index(alt) + 1)
                X[:, j] = [sum(1 for allele in gt.replace("/", "|").split("|") if allele == k) for gt in row]
                found = True
        missing += not found
    return X, np.array([w[5] for w in ws]), missing

expected = {}
for region, b in intercepts.items():
    X, w, missing = dosage_matrix(region)
    expected[region] = (b + X @ w if len(w) else np.full(len(samples), b), missing)

# The oracle's own check: a plain loop over the VCF text.
for region, b in intercepts.items():
    for s in range(len(samples)):
        total = b
        for (_, chr_, pos, ref, alt, value) in (w for w in weights if w[0] == region):
            for (contig, p, r, alts), row in zip(records, genotypes):
                if contig[3:] == chr_ and p == pos and r == ref and alt in alts:
                    total += value * row[s].replace("/", "|").split("|").count(str(alts.index(alt) + 1))
        assert abs(total - expected[region][0][s]) < 1e-12, (region, s)
assert [expected[r][1] for r in ["G1", "G2", "G3", "G4"]] == [1, 1, 0, 0]

os.makedirs(os.path.join(OUT, "weights"), exist_ok=True)
with open(os.path.join(OUT, "cohort.vcf"), "w") as f:
    f.write("##fileformat=VCFv4.2\n##contig=<ID=chr1,length=1000>\n##contig=<ID=chr2,length=1000>\n")
    f.write('##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">\n')
    f.write("#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\t" + "\t".join(samples) + "\n")
    for (contig, pos, ref, alts), row in zip(records, genotypes):
        f.write(f"{contig}\t{pos}\t.\t{ref}\t{','.join(alts)}\t.\tPASS\t.\tGT\t" + "\t".join(row) + "\n")
with open(os.path.join(OUT, "weights", "summary.csv"), "w") as f:
    f.write("region_id,train_pearson,val_pearson,test_pearson,n_features,n_nonzero,alpha,status,unconverged,intercept\n")
    for region, b in intercepts.items():
        n = sum(1 for w in weights if w[0] == region)
        f.write(f"{region},nan,nan,nan,{n},{n},0.1,{'fitted' if n else 'no_features'},0,{b!r}\n")
with open(os.path.join(OUT, "weights", "weights.csv"), "w") as f:
    f.write("region_id,chr,pos,ref,alt,weight\n")
    for w in weights:
        f.write(",".join(str(x) for x in w[:5]) + f",{w[5]!r}\n")
with open(os.path.join(OUT, "expected.csv"), "w") as f:
    f.write("region_id,individual,pred,n_missing_variants\n")
    for region, (pred, missing) in expected.items():
        for s, p in zip(samples, pred):
            f.write(f"{region},{s},{float(p)!r},{missing}\n")
print("wrote", OUT)
