"""SAGE-net's per-item data path (PersonalGenomeDataset.__getitem__), re-implemented from
SAGENET-REFERENCE.md §2.1-2.4 with pysam and NumPy, to time it beside `sage-mpi bench data` on the same cohort.

Per item, as SAGE-net: open the FASTA, fetch the window, open the VCF, fetch the overlapping records, build both
haplotypes by string edits, one-hot the reference (twice) and both haplotypes into x (2, 8, L) float32. No caching.

    python tools/sagenet_loader.py COHORT_DIR [--items 300]     (COHORT_DIR from `sage-mpi simulate`)
"""
import argparse, csv, random, re, time
import numpy as np
import pysam

def onehot(seq, L):
    out = np.full((4, L), 0.25, dtype=np.float32)
    s = np.frombuffer(seq.upper().encode(), dtype=np.uint8)
    n = len(s)
    block = np.zeros((4, n), dtype=np.float32)
    for c, base in enumerate(b"ACGT"):
        block[c, s == base] = 1
    block[:, s == ord("N")] = 0.25
    out[:, :n] = block
    return out

def rc(seq):
    return seq.translate(str.maketrans("ACGTacgt", "TGCAtgca"))[::-1]

def item(fasta_path, vcf_path, region, sample, L):
    fasta = pysam.FastaFile(fasta_path)
    chrom = "chr" + region["chr"]
    start = max(0, int(region["pos"]) - L // 2)
    end = min(fasta.get_reference_length(chrom), int(region["pos"]) + L // 2)
    ref = fasta.fetch(chrom, start, end).upper()
    vcf = pysam.VariantFile(vcf_path)
    records = [r for r in vcf.fetch(chrom, start, end)
               if r.samples[sample]["GT"] not in ((0, 0), (None, None))]
    haps = []
    for h in range(2):
        seq, shift = ref, 0
        for r in records:
            gt = r.samples[sample]["GT"]
            allele = gt[h] if h < len(gt) else None
            if not allele:
                continue
            alt = r.alts[allele - 1]
            i = r.pos - start + shift - 1
            if i < 0 or seq[i:i + len(r.ref)] != r.ref:
                continue
            seq = seq[:i] + alt + seq[i + len(r.ref):]
            shift += len(alt) - len(r.ref)
        haps.append(seq[:L])
    minus = region.get("strand", "+") != "+"
    ref_seq, haps = (rc(ref), [rc(s) for s in haps]) if minus else (ref, haps)
    r1 = onehot(ref_seq, L)
    x = np.zeros((2, 8, L), dtype=np.float32)
    x[0, :4] = r1; x[0, 4:] = r1
    x[1, :4] = onehot(haps[0], L); x[1, 4:] = onehot(haps[1], L)
    return x

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("cohort")
    ap.add_argument("--items", type=int, default=300)
    a = ap.parse_args()
    toml = open(f"{a.cohort}/sage.toml").read()
    L = int(re.search(r"^input_len\s*=\s*(\d+)", toml, re.M).group(1))
    regions = list(csv.DictReader(open(f"{a.cohort}/regions.csv")))
    samples = list(pysam.VariantFile(f"{a.cohort}/cohort.vcf.gz").header.samples)
    rng = random.Random(1)
    picks = [(rng.choice(regions), rng.choice(samples)) for _ in range(a.items)]
    t = time.perf_counter()
    for region, sample in picks:
        item(f"{a.cohort}/genome.fa", f"{a.cohort}/cohort.vcf.gz", region, sample, L)
    dt = time.perf_counter() - t
    print(f"SAGE-net loader (pysam, per item): input_len {L}, {a.items} items, {a.items / dt:.0f} items/s")

if __name__ == "__main__":
    main()
