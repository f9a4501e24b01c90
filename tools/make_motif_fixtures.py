#!/usr/bin/env python3
"""Golden fixtures for `sage-mpi motifs` (SAGE-net's cluster_seqlets): seqlet similarities, clusters and cluster
CWMs, checked before they are written.

    /work/venv-torch/bin/python tools/make_motif_fixtures.py   # writes Tests/SAGEGenomeTests/Fixtures/motifs/seqlet_clusters.json

drg_tools (sasselab/DRG) is not on PyPI, so the two functions SAGE-net calls are ported here, operation for
operation, from drg_tools/motif_analysis.py and drg_tools/stats_functions.py at commit
d917eb07d02238e8d952764774d1f686335c8f76 (2025-12-23), restricted to the arguments SAGE-net passes:
- torch_compute_similarity_motifs(seqs, seqs, return_alignment=True, reverse_complement=True, padding=0,
  metric='correlation_pvalue', bk_freq=0) with drg's defaults min_sim=4, exact=True, fill_logp_self=127
  (padded_weight_conv1d with centered=True, standard=True; correlation_to_pvalue(r, n, eps=1e-7)), in torch
  float64 as drg runs it, the correlation matrix float32 as drg keeps it;
- combine_pwms(seqs, labels, 1 - distance, offsets, revcomp) with drg's defaults norm='max', remove_low=0.075,
  minlen=3 (_join_pwms).
The clustering oracle is scikit-learn itself: AgglomerativeClustering(n_clusters=None, metric='precomputed',
linkage=..., distance_threshold=...).fit(distance).labels_.

Checks before anything is written (any failure aborts): on a hand case the ported similarity equals a brute-force
search (every offset with >= 4 overlapping positions and both strands, numpy's corrcoef over the zero-padded
union, forward preferred on ties, then the smallest offset) and scipy's two-sided t p-value; the matrix is
symmetric in distance; every seqlet is its own best match at offset 0; the cluster CWM of a one-member cluster is
the seqlet; combine_pwms' output has the length the alignment implies.

Writes seqlet_clusters.json: `seqlets` (the normalised seqlet CWMs, L x 4 position-major, float32 values as
SAGE-net stores them), `distance`, `offsets`, `revcomp` (n x n, drg's), `labels` per (linkage, threshold),
`cwms` (combine_pwms per labelling, full precision) and `cwms_rounded` (np.around(., 2), as write_meme_file(round=2)
writes them). The seqlets are made like SAGE-net's: attribution x one-hot of a sampled sequence, a few planted
PWM families (some reverse-complemented, some negative), noise, normalised by the signed entry with the largest |.|.
Never regenerate these from sage-mpi.
"""
import json
import os
import sys

import numpy as np
import scipy.stats
import torch
import torch.nn.functional as F
from sklearn.cluster import AgglomerativeClustering

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Tests", "SAGEGenomeTests", "Fixtures", "motifs")


def fail(msg):
    sys.exit("make_motif_fixtures: check failed: " + msg)


# ---- drg_tools port (see the module docstring for the file and commit) ----

def _reverse(ppm):
    return ppm[::-1][:, ::-1].copy()


def _padded_conv(ref, weights, min_overlap):
    """padded_weight_conv1d(ref (N0, 4, L0), weights (N1, 4, L1), min_overlap, padding=0, centered, standard):
    for every shift of the weights along the zero-padded reference, the Pearson correlation over the union of both
    (centred and scaled over the union window, summed products / (window x channels)). Returns (N0, N1, shifts)."""
    cha, lq, lp = ref.shape[-2], ref.shape[-1], weights.shape[-1]
    qpad = lp - min_overlap
    ppad = qpad - (lp - lq)
    refp = F.pad(ref, (qpad, qpad), "constant", 0.0)
    wp = F.pad(weights, (ppad, ppad), "constant", 0.0)
    lpp, lqp = wp.shape[-1], refp.shape[-1]
    res = []
    for i in range(lqp - lp + 1):
        qstart, qend = min(i, qpad), max(qpad + lq, i + lp)
        pstart, pend = ppad + min(0, qpad - i), max(lpp - ppad, lpp - i)
        a = refp[..., qstart:qend].clone()
        b = wp[..., pstart:pend].clone()
        a -= torch.mean(a, dim=(-1, -2), keepdim=True)
        b -= torch.mean(b, dim=(-1, -2), keepdim=True)
        a /= torch.sqrt(torch.mean(a ** 2, dim=(-1, -2), keepdim=True))
        b /= torch.sqrt(torch.mean(b ** 2, dim=(-1, -2), keepdim=True))
        res.append(torch.conv1d(a, b) / ((qend - qstart) * cha))
    return torch.cat(res, -1)


def _correlation_to_pvalue(r, n, eps=1e-7):
    tt = r * np.sqrt(n - 2) / np.sqrt(1 - (r - eps) ** 2)
    return scipy.stats.t.sf(np.abs(tt), n - 1) * 2


def drg_similarity(seqs, min_sim=4, fill_logp_self=127):
    """torch_compute_similarity_motifs(seqs, seqs, metric='correlation_pvalue', padding=0, reverse_complement=True,
    return_alignment=True, exact=True): (distance, offsets, revcomp), each n x n; row i is aligned (offset of its
    start, reverse-complemented when revcomp) onto column j."""
    n = len(seqs)
    offsets = np.zeros((n, n), dtype=np.int8)
    revcomp = np.zeros((n, n), dtype=np.int8)
    correlation = np.ones((n, n), dtype=np.float32)
    n_matrix = np.zeros((n, n), dtype=np.int16)
    seqs = [s.astype(np.float32) for s in seqs]
    lens = np.array([len(s) for s in seqs])
    groups = [np.where(lens == l)[0] for l in np.unique(lens)]
    tensors = [torch.tensor(np.array([seqs[k] for k in g], dtype=float)).transpose(-1, -2) for g in groups]
    for p, w in enumerate(tensors):
        plp, cha = w.shape[-1], w.shape[-2]
        for q, ref in enumerate(tensors):
            plq = ref.shape[-1]
            pad = plp - min_sim
            with torch.no_grad():
                res = _padded_conv(ref, w, min_sim).transpose(0, 1)
                resrev = _padded_conv(ref, w.flip([-1, -2]), min_sim).transpose(0, 1)
            bmax, best = torch.max(res, dim=-1)
            bmax, best = bmax.numpy(), best.numpy()
            bmaxrev, bestrev = torch.max(resrev, dim=-1)
            bmaxrev, bestrev = bmaxrev.numpy(), bestrev.numpy()
            mask = (bmaxrev > bmax).astype(int)
            best[mask == 1] = bestrev[mask == 1]
            bmax[mask == 1] = bmaxrev[mask == 1]
            off = best - pad
            for j, i in enumerate(groups[p]):
                ns = (np.amax([plp + off[j], np.ones(len(off[j])) * plq], axis=0) - np.amin([np.zeros(len(off[j])), off[j]], axis=0)) * cha
                n_matrix[i, groups[q]] = ns
                correlation[i, groups[q]] += -1 * bmax[j]
                offsets[i, groups[q]] = off[j]
                revcomp[i, groups[q]] = mask[j]
    pvalue = _correlation_to_pvalue(1. - correlation, n_matrix) + 10 ** -(fill_logp_self)
    correlation = np.sign(1. - correlation) * -np.log10(pvalue)
    return 10 ** (-correlation), offsets, revcomp, n_matrix


def drg_combine(pwms, clusters, similarity, offsets, orientation, remove_low=0.075, minlen=3):
    """combine_pwms(..., norm='max', remove_low=0.075, minlen=3): one CWM per label (ascending)."""
    lenpwms = np.array([len(p) for p in pwms])
    out = []
    for u in [u for u in np.unique(clusters) if u >= 0]:
        mask = np.where(clusters == u)[0]
        sim = similarity[mask][:, mask]
        off = offsets[mask][:, mask]
        orient = orientation[mask][:, mask]
        members = [pwms[m] for m in mask]
        clen = lenpwms[mask]
        sort = np.argsort(-np.sum(sim, axis=1))
        off, orient = off[sort][:, sort], orient[sort][:, sort]
        members = [members[s] for s in sort]
        clen = clen[sort]
        coff, corient = off.T[0], orient.T[0]
        if len(members) > 1:
            centre = members[0]
            lenmat = len(centre) + max(0, np.amax(coff + clen - len(centre))) - min(0, np.amin(coff))
            seed = np.zeros((lenmat, 4))
            count = np.zeros(len(seed))
            c = -min(0, np.amin(coff))
            for o, m in enumerate(members):
                if corient[o] == 1:
                    m = _reverse(m)
                seed[c + coff[o]: c + coff[o] + len(m)] += m.astype(float)
                count[c + coff[o]: c + coff[o] + len(m)] += 1
        else:
            seed = members[0]
            count = np.ones(len(seed))
        seed = seed / np.amax(count)
        total = np.sum(np.absolute(seed), axis=1)
        edges = np.where(total / np.amax(total) > remove_low)[0]
        if len(edges) > 0 and edges[-1] + 1 - edges[0] >= minlen:
            seed = seed[edges[0]:edges[-1] + 1]
        else:
            seed = seed.copy()
            seed[:] = 0.
        out.append(np.asarray(seed, dtype=float))
    return out


# ---- checks ----

def brute_force(a, b, min_sim=4):
    """Row a aligned onto column b: (r, offset, reverse) by exhaustive search."""
    best = None
    for rev in (0, 1):
        x = _reverse(a) if rev else a
        for off in range(-(len(x) - min_sim), len(b) - min_sim + 1):
            lo, hi = min(0, off), max(len(b), off + len(x))
            xa = np.zeros((hi - lo, 4)); xb = np.zeros((hi - lo, 4))
            xa[off - lo: off - lo + len(x)] = x
            xb[-lo: -lo + len(b)] = b
            r = np.corrcoef(xa.ravel(), xb.ravel())[0, 1]
            if best is None or r > best[0] + 1e-12:
                best = (r, off, rev, 4 * (hi - lo))
    return best


def check_hand_case():
    rng = np.random.default_rng(5)
    a = rng.normal(size=(6, 4)).astype(np.float32)
    b = np.zeros((9, 4), dtype=np.float32)
    b[2:8] = _reverse(a) * 0.8
    b += rng.normal(scale=0.05, size=b.shape).astype(np.float32)
    c = rng.normal(size=(5, 4)).astype(np.float32)
    seqs = [a, b, c]
    d, off, rc, nm = drg_similarity(seqs)
    for i in range(3):
        for j in range(3):
            r, o, rev, n = brute_force(seqs[i], seqs[j])
            if off[i, j] != o or rc[i, j] != rev or nm[i, j] != n:
                fail(f"hand case ({i}, {j}): drg offset {off[i, j]} strand {rc[i, j]} n {nm[i, j]}, brute force {o} {rev} {n}")
            r32 = np.float32(1) - np.float32(1 - r)
            p = 2 * scipy.stats.t.sf(abs(r32 * np.sqrt(np.float32(n - 2)) / np.sqrt(np.float32(1) - (r32 - np.float32(1e-7)) ** 2)), n - 1) + 1e-127
            want = p if r32 > 0 else 1 / p
            if not np.isclose(d[i, j], want, rtol=1e-9, atol=0):
                fail(f"hand case ({i}, {j}): distance {d[i, j]} vs {want}")
    if not (off[0, 1] == 2 and rc[0, 1] == 1):
        fail(f"hand case: the planted reverse complement at offset 2 was not found ({off[0, 1]}, {rc[0, 1]})")
    if not d[0, 1] < 1e-10 or not d[0, 2] > 1e-3:
        fail(f"hand case: distances {d[0, 1]} (planted) {d[0, 2]} (unrelated)")


# ---- the fixture ----

def sample_seqlets(rng, n):
    """Normalised seqlet CWMs (L x 4, float32) as cluster_seqlets makes them: attribution x one-hot, cropped,
    divided by the signed entry with the largest |.| (taken in SAGE-net's (4, L) flat order)."""
    families = [rng.dirichlet(np.full(4, 0.3), size=rng.integers(6, 11)) for _ in range(4)]
    seqlets = []
    for k in range(n):
        if k % 7 == 6:  # background seqlet: no family
            length = int(rng.integers(4, 16))
            seq = rng.integers(0, 4, size=length)
            weight = rng.normal(size=length)
        else:
            fam = families[k % 4]
            flank_l, flank_r = int(rng.integers(0, 4)), int(rng.integers(0, 4))
            seq = np.concatenate([rng.integers(0, 4, flank_l), [rng.choice(4, p=col) for col in fam], rng.integers(0, 4, flank_r)])
            weight = np.concatenate([rng.normal(scale=0.1, size=flank_l), 1 + 0.2 * rng.normal(size=len(fam)), rng.normal(scale=0.1, size=flank_r)])
            if k % 5 == 0:
                seq, weight = 3 - seq[::-1], weight[::-1]
            if k % 11 == 3:
                weight = -weight
        length = len(seq)
        attrib = (rng.normal(scale=0.02, size=(4, length)) + 0).astype(np.float32)
        attrib[seq, np.arange(length)] += weight.astype(np.float32)
        onehot = np.zeros((4, length), dtype=np.float32)
        onehot[seq, np.arange(length)] = 1
        x = attrib * onehot
        max_abs = x.flat[np.argmax(np.abs(x))]
        seqlets.append((x / max_abs).T)
    return seqlets


def main():
    check_hand_case()
    rng = np.random.default_rng(14)
    seqlets = sample_seqlets(rng, 90)
    d, off, rc, nm = drg_similarity(seqlets)
    n = len(seqlets)
    if not np.allclose(d, d.T, rtol=1e-6, atol=0):
        fail("distance not symmetric")
    for i in range(n):
        if off[i, i] != 0 or rc[i, i] != 0 or d[i, i] > 1e-20:
            fail(f"seqlet {i} is not its own best match at offset 0 ({off[i, i]}, {rc[i, i]}, {d[i, i]})")
    labels, cwms, rounded = {}, {}, {}
    for linkage in ("average", "complete"):
        for threshold in (0.05, 1e-08):
            key = f"{linkage}_{threshold}"
            lab = AgglomerativeClustering(n_clusters=None, metric="precomputed", linkage=linkage,
                                          distance_threshold=threshold).fit(d).labels_
            labels[key] = [int(v) for v in lab]
            comb = drg_combine(seqlets, lab, 1. - d, off, rc)
            for u, c in zip(np.unique(lab), comb):
                members = np.where(lab == u)[0]
                if len(members) == 1 and c.any():
                    s = seqlets[members[0]].astype(float)
                    if not any(np.array_equal(c, s[a:b]) for a in range(len(s)) for b in range(a + 1, len(s) + 1)):
                        fail(f"{key}: one-member cluster {u} is not its (trimmed) seqlet")
            cwms[key] = [c.tolist() for c in comb]
            rounded[key] = [np.around(c, 2).tolist() for c in comb]
            sizes = np.bincount(lab)
            print(f"{key}: {len(comb)} clusters, largest {sizes.max()}, singletons {(sizes == 1).sum()}")
    out = {
        "source": "drg_tools d917eb07d02238e8d952764774d1f686335c8f76 (ported), scikit-learn " + __import__("sklearn").__version__,
        "seqlets": [[[float(v) for v in row] for row in s] for s in seqlets],
        "distance": [[float(v) for v in row] for row in d],
        "offsets": off.astype(int).tolist(),
        "revcomp": rc.astype(int).tolist(),
        "labels": labels, "cwms": cwms, "cwms_rounded": rounded,
    }
    os.makedirs(OUT, exist_ok=True)
    path = os.path.join(OUT, "seqlet_clusters.json")
    with open(path, "w") as f:
        json.dump(out, f, separators=(",", ":"))
    print(f"wrote {path} ({os.path.getsize(path)} bytes)")


if __name__ == "__main__":
    main()
