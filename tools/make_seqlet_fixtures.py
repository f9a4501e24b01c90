#!/usr/bin/env python3
"""Golden fixtures for `sage-mpi seqlets`: tangermeme's recursive_seqlets on small tracks, checked before writing.

    /work/venv-torch/bin/pip install tangermeme                 # any venv outside the repo
    /work/venv-torch/bin/python tools/make_seqlet_fixtures.py   # writes Tests/SAGEGenomeTests/Fixtures/seqlets.json

Each case is one float32 track (SAGE-net's identify_seqlets calls recursive_seqlets on one projected region at a
time, X[np.newaxis]) with its settings and tangermeme's seqlets, sorted by (p-value, start, end) (tangermeme's own
pandas quicksort leaves ties in no defined order).

Before writing, the oracle is checked against an independent re-computation of its definition (SAGENET-REFERENCE
§4.2 and tangermeme's docstring), written here from scratch in plain NumPy/Python:
  * the null: the histogram of the clamped bins, convolved with itself by numpy.convolve, P(S >= i) as a reversed
    cumulative sum; on a tiny case (few bins, short lengths) also by enumerating every tuple of bins;
  * the p-value of every (start, length) span (monotone over nested prefixes), the triangle rule (every sub-span of
    at least min_seqlet_len has p < threshold), the greedy decode from the longest length, non-overlap, flanks;
  * tangermeme's reported p-values equal the brute force's to 1e-12 relative, starts and ends exactly.
Any disagreement aborts. Never regenerate this file from sage-mpi's own seqlet caller.
"""
import itertools
import json
import os
import sys

import numpy as np
from tangermeme.seqlet import recursive_seqlets

OUT = os.path.join(os.path.dirname(__file__), "..", "Tests", "SAGEGenomeTests", "Fixtures", "seqlets.json")
rng = np.random.default_rng(20261201)


def brute_bins(x, n_bins):
    xmin, xmax = x.min(), x.max()
    width = float(xmax - xmin) / (n_bins - 1)
    b = np.floor((x - xmin).astype(np.float64) / width).astype(np.int64)  # float32 difference, float64 division
    return np.clip(b, 0, n_bins - 1)


def brute_null(x, n_bins, max_len):
    """P(S_len >= i) for the binned sum of len values, from numpy.convolve (float64)."""
    f = np.bincount(brute_bins(x, n_bins), minlength=n_bins) / x.size
    tails, dist = {}, np.array([1.0])
    for length in range(1, max_len + 1):
        dist = np.convolve(dist, f)
        tails[length] = np.cumsum(dist[::-1])[::-1]
    return tails


def enumerate_null(x, n_bins, max_len):
    """The same tails by enumerating every tuple of bins (tiny cases only)."""
    f = np.bincount(brute_bins(x, n_bins), minlength=n_bins) / x.size
    tails = {}
    for length in range(1, max_len + 1):
        dist = np.zeros(length * (n_bins - 1) + 1)
        for combo in itertools.product(range(n_bins), repeat=length):
            dist[sum(combo)] += np.prod([f[c] for c in combo])
        tails[length] = np.cumsum(dist[::-1])[::-1]
    return tails


def brute_seqlets(x, threshold, min_len, max_len, flanks, n_bins):
    """recursive_seqlets by its definition, in plain Python."""
    l = x.size
    if x.max() == x.min():
        return []
    bins = brute_bins(x, n_bins)
    tails = brute_null(x, n_bins, max_len)
    csum = np.concatenate([[0], np.cumsum(bins)])
    xsum = np.concatenate([[0.0], np.cumsum(x.astype(np.float64))])

    lengths = range(min_len, min(max_len, l) + 1)
    # own[m][k]: P(S_m >= binned sum of [k, k + m)); entry[len][k]: the largest over the prefixes of length >= min_len.
    own = {m: tails[m][csum[m:] - csum[:-m]] for m in lengths}
    entry = {}
    for m in lengths:
        entry[m] = own[m] if m == min_len else np.maximum(own[m], entry[m - 1][:l - m + 1])

    def own_p(k, length):
        return own[length][k]

    def triangle_max(length):  # for each k, max of entry[length - a][k + a], a = 0 .. length - min_len: every sub-span
        n = l - length + 1
        return np.max([entry[length - a][a:a + n] for a in range(length - min_len + 1)], axis=0)

    called = np.zeros(l, dtype=bool)
    out = []
    for length in range(min(max_len, l), min_len - 1, -1):
        q = triangle_max(length)
        cands = [(entry[length][k], k) for k in range(l - length + 1) if q[k] < threshold]
        for p, k in sorted(cands):
            if called[k:k + length].any():
                continue
            called[k:k + length] = True
            end, start = min(k + length + flanks, l), max(k - flanks, 0)
            out.append((start, end, xsum[end] - xsum[start], own_p(k, length)))
    return out


def canonical(rows):
    return sorted(rows, key=lambda r: (r[3], r[0], r[1]))


def oracle(x, threshold, min_len, max_len, flanks, n_bins):
    df = recursive_seqlets(x[None, :], threshold=threshold, min_seqlet_len=min_len, max_seqlet_len=max_len,
                           additional_flanks=flanks, n_bins=n_bins)
    return canonical([(int(r.start), int(r.end), float(r.attribution), float(r._5)) for r in df.itertuples()])


def check(name, x, rows, threshold, min_len, max_len, flanks, n_bins):
    expected = canonical(brute_seqlets(x, threshold, min_len, max_len, flanks, n_bins))
    if len(expected) != len(rows):
        sys.exit(f"{name}: tangermeme gives {len(rows)} seqlets, the brute force {len(expected)}")
    for a, b in zip(rows, expected):
        if a[0] != b[0] or a[1] != b[1] or abs(a[3] - b[3]) > 1e-12 * max(b[3], 1e-300) or abs(a[2] - b[2]) > 1e-9 * max(1, abs(b[2])):
            sys.exit(f"{name}: tangermeme {a} != brute force {b}")


def check_null():
    """The convolution null against full enumeration on tiny cases."""
    for seed in range(3):
        x = np.random.default_rng(seed).normal(size=200).astype(np.float32)
        a, b = brute_null(x, 6, 4), enumerate_null(x, 6, 4)
        for length in a:
            if not np.allclose(a[length], b[length], rtol=1e-12, atol=1e-15):
                sys.exit(f"null check: convolution and enumeration disagree at length {length}")


def bumps(l, n_bumps, noise=0.05, height=(0.5, 2.0), width=(4, 14)):
    """Real-looking projected attributions: sparse positive bumps (motif-like) on small noise."""
    x = rng.normal(0, noise, size=l)
    for _ in range(n_bumps):
        w = int(rng.integers(*width))
        s = int(rng.integers(0, l - w))
        x[s:s + w] += rng.uniform(*height) * np.hanning(w + 2)[1:-1]
    return x.astype(np.float32)


def main():
    check_null()
    defaults = dict(threshold=0.05, min_len=4, max_len=25, flanks=0, n_bins=1000)
    cases = []

    def add(name, x, **kw):
        s = {**defaults, **kw}
        x = np.asarray(x, dtype=np.float32)
        rows = oracle(x, s["threshold"], s["min_len"], s["max_len"], s["flanks"], s["n_bins"])
        check(name, x, rows, s["threshold"], s["min_len"], s["max_len"], s["flanks"], s["n_bins"])
        if "expect_none" in kw and rows:
            sys.exit(f"{name}: expected no seqlet, tangermeme gives {len(rows)}")
        s.pop("expect_none", None)
        cases.append({"name": name, **s, "track": [float(v) for v in x],
                      "seqlets": [{"start": r[0], "end": r[1], "attribution": r[2], "p_value": r[3]} for r in rows]})
        print(f"{name}: length {x.size}, {len(rows)} seqlets", file=sys.stderr)

    add("random-normal", rng.normal(size=600))
    add("random-normal-flanks2", rng.normal(size=800), flanks=2)
    add("random-laplace-bins100", rng.laplace(size=700), n_bins=100, max_len=12)
    add("bumps", bumps(2000, 12))
    add("bumps-flanks2", bumps(2000, 12), flanks=2)
    add("bumps-long", bumps(6000, 24))
    add("bumps-threshold-0.01", bumps(1500, 8), threshold=0.01)
    add("ties", rng.integers(-2, 3, size=500).astype(np.float32) * 0.5)
    add("ties-flanks2", np.repeat(rng.integers(0, 4, size=100), 5).astype(np.float32), flanks=2)
    add("all-negative", -np.abs(rng.normal(size=500)))
    add("all-negative-bumps", bumps(800, 6) - 3.0)
    add("shorter-than-max-len", rng.normal(size=15))
    add("shorter-than-max-len-bump", np.concatenate([rng.normal(0, 0.1, 8), [2, 3, 3, 2], rng.normal(0, 0.1, 8)]))
    add("shorter-than-min-len", rng.normal(size=3), expect_none=True)
    add("no-seqlet", rng.normal(size=300), threshold=1e-9, expect_none=True)
    add("constant", np.full(100, 0.25), expect_none=True)
    add("edge-bumps-flanks2", np.concatenate([[3, 3, 3, 3, 3], rng.normal(0, 0.1, 200), [3, 3, 3, 3, 3]]), flanks=2)
    add("min-len-1", bumps(400, 4), min_len=1, max_len=8)

    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w") as fh:
        json.dump({"source": "tangermeme " + __import__("tangermeme").__version__ + " recursive_seqlets",
                   "order": "p_value, start, end", "cases": cases}, fh, separators=(",", ":"))
        fh.write("\n")
    print(f"wrote {OUT}: {len(cases)} cases", file=sys.stderr)


if __name__ == "__main__":
    main()
