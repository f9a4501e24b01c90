import CKernels

/// Settings of tangermeme's `recursive_seqlets` (tangermeme/seqlet.py). The defaults are SAGE-net's
/// `identify_seqlets` call: threshold 0.05 (tangermeme's own default is 0.01), the others tangermeme's.
public struct SeqletSettings: Sendable, Equatable {
    /// p-value threshold: every sub-span (of at least `minLength`) of a seqlet must have p < threshold.
    public var threshold = 0.05
    public var minLength = 4
    public var maxLength = 25
    /// Bins of the score histogram the null distribution is built from.
    public var bins = 1000
    /// Positions added on each side of a called seqlet (does not change which are called).
    public var flanks = 0

    public init(threshold: Double = 0.05, minLength: Int = 4, maxLength: Int = 25, bins: Int = 1000, flanks: Int = 0) {
        self.threshold = threshold; self.minLength = minLength; self.maxLength = maxLength; self.bins = bins; self.flanks = flanks
    }

    /// What is wrong with these settings (tangermeme loops forever or reads out of bounds on them), or nil.
    public var problem: String? {
        if !(threshold > 0 && threshold <= 1) { return "threshold \(threshold) must be in (0, 1]" }
        if minLength < 1 || maxLength < minLength { return "lengths must satisfy 1 <= min \(minLength) <= max \(maxLength)" }
        if maxLength > 1000 { return "max length \(maxLength) is implausible (at most 1000)" }
        if bins < 2 || bins > 100_000 { return "bins \(bins) must be in 2...100000" }
        if flanks < 0 { return "flanks \(flanks) must be at least 0" }
        return nil
    }
}

/// One seqlet of a track: positions [start, end) (0-based half-open, flanks included), the track's sum over them,
/// and the p-value of the (start, length) span as called (before flanks).
public struct Seqlet: Sendable, Equatable {
    public let start: Int
    public let end: Int
    public let attribution: Double
    public let pValue: Double
    public init(start: Int, end: Int, attribution: Double, pValue: Double) {
        self.start = start; self.end = end; self.attribution = attribution; self.pValue = pValue
    }
}

/// tangermeme's `recursive_seqlets` (version 1.6.0, tangermeme/seqlet.py) on one track, as SAGE-net calls it, one
/// region at a time (`X[np.newaxis]`), with the same float32/float64 arithmetic as its numba kernels, so starts, ends,
/// attributions and p-values are the same numbers. Only positive seqlets are found.
///
/// The algorithm: each value goes to one of `bins` bins of width (max - min) / (bins - 1) from the track's min
/// (float32 difference, float64 division, floor, clamped to the end bins); the null of the binned sum of `len`
/// values is the histogram convolved with itself len - 1 times (each output summed over ascending input from +0.0,
/// no fused multiply-add, as tangermeme's blocked loop), and rcdfs[len][i] = P(S >= i) is summed down from the top.
/// A span [k, k + len) has p = max(rcdfs[len][its binned sum], p of [k, k + len - 1)) (zero below minLength), and
/// its "triangle" maximum q = max(p, q of [k + 1, k + len)). From the longest length to the shortest, the spans
/// with q < threshold are visited in order of p (ties: lowest start); a span none of whose positions is in a
/// seqlet already becomes one, reported with its own p-value rcdfs[len][binned sum] and, after `flanks` are added
/// (clamped to the track), the float64 sum of the track over it.
///
/// A track shorter than minLength or constant (every span has the same sum) has no seqlets, as in tangermeme.
/// Output order: p-value ascending, ties by start then end (tangermeme's pandas `sort_values` quicksort leaves ties
/// in an unspecified order). A caller keeps its buffers between tracks; use one per thread.
public final class SeqletCaller {
    public let settings: SeqletSettings
    /// Null tables: row `len` holds P(S >= i) for S the binned sum of `len` values, i in 0...bins * maxLength.
    private var rcdfs: [Double]
    /// Score rows (previous and current length) with `bins` zeros of padding before and after.
    private var previous: [Double], current: [Double]
    /// Per-track scratch, grown to the longest track and reused: prefix sums of the bins and of the values.
    private var binSums: [Int] = [], sums: [Double] = []
    /// The histogram (counts, then fractions) and its nonzero bins, descending, with their fractions.
    private var counts: [Int], fractions: [Double], nonzeroBins: [Int], nonzeroWeights: [Double]
    /// The decoder's entries of the current length (start, p, q) and of the next, and its candidates: those of
    /// length minLength + d at candidates[candidateStart[d] ..< candidateStart[d + 1]].
    private var ks: [Int] = [], ps: [Double] = [], qs: [Double] = []
    private var nextK: [Int] = [], nextP: [Double] = [], nextQ: [Double] = []
    private var candidates: [Candidate] = [], scratch: [Candidate] = [], candidateStart: [Int]
    private var called: [Bool] = []
    private let width: Int
    /// Multiply-adds of the null convolutions so far (48 per block and bin visited), over every track called:
    /// the work that bounds the caller's speed (see `sage-mpi bench seqlets`).
    public private(set) var nullProducts = 0
    /// Tracks whose null had to be built in full after its tails (see `buildNull`).
    public private(set) var fullNullRebuilds = 0
    /// Whether the null is built from its tails (see `buildNull`); false builds it in full (tests compare the two).
    var truncatesNull = true
    /// How many sds below its mean each tail is estimated to start (tests set it so that the estimates miss).
    var tailEstimateSDs = 1.0
    /// Per length, the first bin of the null row built.
    private var nullFrom: [Int]

    /// A span of the decoder: its start and p-value; ordered by p, then start.
    struct Candidate { var p: Double, k: Int }

    public init(settings: SeqletSettings = SeqletSettings()) {
        precondition(settings.problem == nil, "SeqletCaller: \(settings.problem!)")
        self.settings = settings
        width = settings.bins * settings.maxLength + 1
        rcdfs = [Double](repeating: 0, count: (settings.maxLength + 1) * width)
        previous = [Double](repeating: 0, count: width + 2 * settings.bins + 96)  // outputs are written in blocks of 48
        current = previous
        counts = [Int](repeating: 0, count: settings.bins)
        fractions = [Double](repeating: 0, count: settings.bins)
        nonzeroBins = []; nonzeroBins.reserveCapacity(settings.bins)
        nonzeroWeights = []; nonzeroWeights.reserveCapacity(settings.bins)
        candidateStart = [Int](repeating: 0, count: settings.maxLength - settings.minLength + 2)
        nullFrom = [Int](repeating: 0, count: settings.maxLength + 1)
    }

    /// Seqlets of `track` (the projected attribution: one value per position). Values must be finite.
    public func call(_ track: UnsafeBufferPointer<Float>) -> [Seqlet] {
        let l = track.count, s = settings
        guard l >= s.minLength else { return [] }
        var xmin = track[0], xmax = track[0]
        for x in track { xmin = Swift.min(xmin, x); xmax = Swift.max(xmax, x) }
        guard xmax > xmin else { return [] }
        let binWidth = Double(xmax - xmin) / Double(s.bins - 1)  // float32 difference, float64 division
        if binSums.count < l + 1 {
            binSums = [Int](repeating: 0, count: l + 1); sums = [Double](repeating: 0, count: l + 1)
            called = [Bool](repeating: false, count: l)
        }
        let nb = s.bins
        counts.withUnsafeMutableBufferPointer { c in
            binSums.withUnsafeMutableBufferPointer { bs in
                sums.withUnsafeMutableBufferPointer { sm in
                    c.update(repeating: 0)
                    bs[0] = 0; sm[0] = 0
                    for j in 0..<l {
                        let b = Swift.min(Swift.max(Int((Double(track[j] - xmin) / binWidth).rounded(.down)), 0), nb - 1)
                        c[b] &+= 1
                        bs[j + 1] = bs[j] &+ b
                        sm[j + 1] = sm[j] + Double(track[j])
                    }
                }
            }
        }
        nonzeroBins.removeAll(keepingCapacity: true); nonzeroWeights.removeAll(keepingCapacity: true)
        for j in 0..<nb { fractions[j] = Double(counts[j]) / Double(l) }
        // Nonzero histogram bins, descending: with t fixed, j descending is i = t - j ascending. Skipping the zero
        // bins drops only +0.0 terms, which change no sum.
        for j in stride(from: nb - 1, through: 0, by: -1) where fractions[j] != 0 {
            nonzeroBins.append(j); nonzeroWeights.append(fractions[j])
        }
        buildNull()
        return decode(length: l)
    }

    /// scores[1] = f; scores[len][t] = sum over i ascending of scores[len-1][i] * f[t-i]; then rcdfs[len][i] =
    /// rcdfs[len][i+1] + scores[len][i] from i = bins * len - 1 down to 0 (rcdfs[len][bins * len] = 0). The
    /// convolution is CKernels' `sage_seqlet_convolve` (blocks of 48 outputs, the nonzero bins that reach each,
    /// separate multiplies and adds; AVX-512 where the CPU has it, the same bits either way).
    ///
    /// Only the tails are built. The decoder uses rcdfs[len][i] only when it is below the threshold, and a row is
    /// non-increasing in i (each step adds a term >= 0), so if the built rcdfs[len][from] >= threshold, every entry
    /// below `from` may stand as 1 (also >= threshold) without changing a single result. Row len is built from
    /// from[len] up, in multiples of 48 (the kernel's blocks), and reads row len - 1 from from[len] - (the top
    /// nonzero bin) up. So, from the longest length down, from[len] is the lower of what row len + 1 reads and an
    /// estimate of where row len drops below the threshold: len * mean - sd * sqrt(len) bins (mean and sd of one
    /// binned value; P(S >= that) is about 0.84 for a normal S). Every value built is then the full computation's,
    /// bit for bit. A row whose check fails (a track whose sums are far from normal) has the whole null built again
    /// in full (`fullNullRebuilds`). Thresholds above 0.5 build it in full at once (the estimates would often miss).
    private func buildNull() {
        let tails = truncatesNull && settings.threshold <= 0.5
        if tails && buildNull(truncated: true) { return }
        if tails { fullNullRebuilds += 1 }
        _ = buildNull(truncated: false)
    }

    /// Builds the null (see above), from the estimated tails or in full; false if a tail's check failed.
    private func buildNull(truncated: Bool) -> Bool {
        let nb = settings.bins, maxLen = settings.maxLength, minLen = settings.minLength, pad = nb, w = width
        previous.withUnsafeMutableBufferPointer { $0.update(repeating: 0) }
        current.withUnsafeMutableBufferPointer { $0.update(repeating: 0) }  // nothing of the previous track
        for j in 0..<nb { previous[pad + j] = fractions[j] }
        for len in 0...maxLen { nullFrom[len] = 0 }
        if truncated, let top = nonzeroBins.first {
            var mean = 0.0, square = 0.0
            for j in 0..<nb where fractions[j] != 0 { mean += Double(j) * fractions[j]; square += Double(j * j) * fractions[j] }
            let sd = Swift.max(square - mean * mean, 0).squareRoot()
            var from = Int.max
            for len in stride(from: maxLen, through: 1, by: -1) {
                var t = from == Int.max ? Int.max : from - top
                if len >= minLen {
                    let estimate = Double(len) * mean - tailEstimateSDs * sd * Double(len).squareRoot()
                    t = Swift.min(t, estimate > 0 ? Int(estimate) : 0)
                }
                from = t == Int.max ? 0 : Swift.max(t, 0) / 48 * 48
                nullFrom[len] = from
            }
        }
        let threshold = settings.threshold
        var passed = true
        rcdfs.withUnsafeMutableBufferPointer { r in
        nonzeroBins.withUnsafeBufferPointer { js in
        nonzeroWeights.withUnsafeBufferPointer { ws in
            let base = r.baseAddress!
            for len in 1...maxLen {
                let outputs = nb * len, from = nullFrom[len]
                if len >= 2 {
                    previous.withUnsafeBufferPointer { prev in
                        current.withUnsafeMutableBufferPointer { cur in
                            nullProducts &+= 48 &* sage_seqlet_convolve(prev.baseAddress! + pad, nb * (len - 1), js.baseAddress!,
                                                                        ws.baseAddress!, js.count, from, outputs, cur.baseAddress! + pad)
                        }
                    }
                    swap(&previous, &current)
                }
                guard len >= minLen else { continue }  // the decoder reads rows minLength... only
                // `previous` now holds scores[len] (from `from` on).
                previous.withUnsafeBufferPointer { sc in
                    let row = base + len * w, scores = sc.baseAddress! + pad
                    var c = 0.0
                    row[outputs] = 0
                    for i in stride(from: outputs - 1, through: from, by: -1) {
                        c = c + scores[i]
                        row[i] = c
                    }
                    for i in 0..<from { row[i] = 1 }
                    if from > 0 && !(row[from] >= threshold) { passed = false }
                }
                if !passed { return }
            }
        }
        }
        }
        return passed
    }

    /// Steps 3-4: p and triangle maxima q length by length, the candidates (q < threshold) of every length, then
    /// the greedy decode from the longest length. Only entries below the threshold are built: q[len][k] is at least
    /// q[len-1][k] and q[len-1][k+1], so an entry of length len > minLength can be below the threshold only if both
    /// of those are, and its p and q come from them exactly as the full matrices compute them (tangermeme's
    /// sparse decoder).
    private func decode(length l: Int) -> [Seqlet] {
        let s = settings, minLen = s.minLength, maxLen = Swift.min(s.maxLength, l), threshold = s.threshold, w = width
        ks.removeAll(keepingCapacity: true); ps.removeAll(keepingCapacity: true); qs.removeAll(keepingCapacity: true)
        candidates.removeAll(keepingCapacity: true)
        rcdfs.withUnsafeBufferPointer { rc in
            binSums.withUnsafeBufferPointer { bs in
                let row = minLen * w
                for k in 0...(l - minLen) {
                    let p = Swift.max(rc[row + bs[k + minLen] - bs[k]], 0.0)
                    if p < threshold { ks.append(k); ps.append(p); qs.append(p) }
                }
                candidateStart[0] = 0
                for a in ks.indices { candidates.append(Candidate(p: ps[a], k: ks[a])) }
                candidateStart[1] = candidates.count
                guard maxLen > minLen else { return }
                for len in (minLen + 1)...maxLen {
                    let row = len * w
                    nextK.removeAll(keepingCapacity: true); nextP.removeAll(keepingCapacity: true); nextQ.removeAll(keepingCapacity: true)
                    for a in 0..<Swift.max(ks.count - 1, 0) where ks[a + 1] == ks[a] + 1 {
                        let k = ks[a]
                        let p = Swift.max(rc[row + bs[k + len] - bs[k]], ps[a])
                        let q = Swift.max(p, qs[a + 1])
                        if q < threshold { nextK.append(k); nextP.append(p); nextQ.append(q) }
                    }
                    swap(&ks, &nextK); swap(&ps, &nextP); swap(&qs, &nextQ)
                    for a in ks.indices { candidates.append(Candidate(p: ps[a], k: ks[a])) }
                    candidateStart[len - minLen + 1] = candidates.count
                }
            }
        }
        if scratch.count < candidates.count { scratch = candidates }
        for d in 0...(maxLen - minLen) { sortCandidates(candidateStart[d], candidateStart[d + 1]) }
        var seqlets: [Seqlet] = []
        called.withUnsafeMutableBufferPointer { c in
            for i in 0..<l { c[i] = false }
            for len in stride(from: maxLen, through: minLen, by: -1) {
                let d = len - minLen
                for e in candidateStart[d]..<candidateStart[d + 1] {
                    let start = candidates[e].k
                    var free = true
                    for i in start..<(start + len) where c[i] { free = false; break }
                    guard free else { continue }
                    for i in start..<(start + len) { c[i] = true }
                    let p = rcdfs[len * w + binSums[start + len] - binSums[start]]
                    let end = Swift.min(start + len + s.flanks, l), first = Swift.max(start - s.flanks, 0)
                    seqlets.append(Seqlet(start: first, end: end, attribution: sums[end] - sums[first], pValue: p))
                }
            }
        }
        seqlets.sort { a, b in
            a.pValue != b.pValue ? a.pValue < b.pValue : (a.start != b.start ? a.start < b.start : a.end < b.end)
        }
        return seqlets
    }

    /// Sorts candidates[lo..<hi] by (p, start) in place: runs of 16 by insertion, then bottom-up merges through
    /// `scratch` (no allocation). Starts are distinct within a length, so the order is total.
    private func sortCandidates(_ lo: Int, _ hi: Int) {
        let n = hi - lo
        guard n > 1 else { return }
        @inline(__always) func less(_ a: Candidate, _ b: Candidate) -> Bool { a.p < b.p || (a.p == b.p && a.k < b.k) }
        candidates.withUnsafeMutableBufferPointer { cb in
            scratch.withUnsafeMutableBufferPointer { sb in
                var src = cb.baseAddress! + lo, dst = sb.baseAddress!
                for r in stride(from: 0, to: n, by: 16) {
                    let e = Swift.min(r + 16, n)
                    for a in (r + 1)..<Swift.max(e, r + 1) {
                        let x = src[a]
                        var b = a
                        while b > r && less(x, src[b - 1]) { src[b] = src[b - 1]; b -= 1 }
                        src[b] = x
                    }
                }
                var run = 16, inScratch = false
                while run < n {
                    for a in stride(from: 0, to: n, by: 2 * run) {
                        let mid = Swift.min(a + run, n), end = Swift.min(a + 2 * run, n)
                        var i = a, j = mid, o = a
                        while i < mid && j < end {
                            if less(src[j], src[i]) { dst[o] = src[j]; j += 1 } else { dst[o] = src[i]; i += 1 }
                            o += 1
                        }
                        while i < mid { dst[o] = src[i]; i += 1; o += 1 }
                        while j < end { dst[o] = src[j]; j += 1; o += 1 }
                    }
                    swap(&src, &dst)
                    inScratch.toggle()
                    run *= 2
                }
                if inScratch { (cb.baseAddress! + lo).update(from: src, count: n) }
            }
        }
    }
}
