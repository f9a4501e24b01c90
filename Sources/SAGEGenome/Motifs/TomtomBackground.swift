import CKernels

/// The null distributions of one query's best alignment score, memelite's `_p_value_backgrounds_windowed`, in
/// bins of the summed score: a span of query columns i...j (m = j - i + 1 columns) has the distribution of the sum
/// of its columns' bins, stored at bin sum + offset * (nq - m), so every span shares one axis of n = nq *
/// (scoreBins + offset) bins. Span pdfs are convolutions (column by column, each bin's terms added in ascending
/// order of the previous span's bin) stored over their non-zero window; their cumulative sums hold the window's
/// running sum, the total K above it and 1 from bin scoreBins * (j + 1) + offset * (nq - m) on.
///
/// The distribution for a target of t columns is that of the maximum of independent spans, built by the pdf of
/// a maximum, z = x * Y + y * X - x * y (X, Y the running cumulative sums), in memelite's order:
/// - t >= nq: spans 0...0 and nq-1...nq-1, then for each length i = 2..<nq the prefix 0...i-1 and the suffix
///   nq-i...nq-1, then t - nq + 1 full spans 0...nq-1;
/// - t < nq: the prefix 0...t-1, every inner span j...j+t-1 (j = 1...nq-t), then for lengths 1..<t a prefix and a
///   suffix each.
/// p(score s) = the sum of the pdf over bins >= s, added from the top down, clamped to [0, 1].
struct TomtomBackground {
    let low: Int, high: Int  // [L, H): the bins where any span is non-zero
    /// slot[t] >= 0: target length t's survival row, `width` entries over bins L-1 ..< H.
    var slot: [Int]
    var width: Int { high - low + 1 }

    /// p-value of a best score `s` > 0 for a target of length t.
    @inline(__always)
    func pValue(_ s: Int, length t: Int, _ survival: UnsafePointer<Double>) -> Double {
        let i = min(max(s - low, 0), width - 1)
        return survival[slot[t] * width + i]
    }

    static func build(scores: TomtomQueryScores, nq: Int, database db: TomtomDatabase, workspace w: TomtomWorkspace) -> TomtomBackground {
        let nBins = db.settings.scoreBins, fw = nBins + 1
        // Span windows [lo, hi) and their place in the packed buffers. Constants from here on (a var that the nested
        // functions below captured would be boxed, and every access to it in the hot loops checked at run time).
        let nSpans = nq * nq
        let lo = w.spanIndex, hi = lo + nSpans, start = hi + nSpans, mark = start + nSpans, order = mark + nSpans
        let (L, H, packed, widest) = Self.spanWindows(scores: scores, nq: nq, nBins: nBins, lo: lo, hi: hi, start: start, mark: mark)
        let total = w.spanTotals
        // 8 entries of slack: a convolution writes up to 7 entries past its span (see `sage_tomtom_convolve`).
        if w.spans.count < packed + 8 { w.spans = [Double](repeating: 0, count: packed + 8); w.spanSums = w.spans }
        let tMax = db.slot.count - 1, slot = db.slot, nSlots = db.slotCount
        let background = TomtomBackground(low: L, high: H, slot: slot)
        let width = background.width, rowWidth = H - L
        if w.survival.count < nSlots * width { w.survival = [Double](repeating: 0, count: nSlots * width) }
        let chains = w.chains(nq: nq, database: db) { Self.chains(nq: nq, tMax: tMax, slot: slot) }
        let lanes = min(RunningSums.capacity, chains.count)
        if w.chainPDFs.count < lanes * rowWidth { w.chainPDFs = [Double](repeating: 0, count: lanes * rowWidth); w.chainSums = w.chainPDFs }
        if w.pendingPDFs.count < 4 * rowWidth { w.pendingPDFs = [Double](repeating: 0, count: 4 * rowWidth) }

        if w.padded.count < widest + 32 { w.padded = [Double](repeating: 0, count: widest + 32) }

        w.padded.withUnsafeMutableBufferPointer { paddedBuffer in
        w.spans.withUnsafeMutableBufferPointer { spans in
        w.spanSums.withUnsafeMutableBufferPointer { sums in
            let A = spans.baseAddress!, S = sums.baseAddress!, padded = paddedBuffer.baseAddress!
            // Span pdfs.
            for i in 0..<nq {
                for j in i..<nq {
                    let s = i * nq + j, out = A + start[s], n = hi[s] - lo[s]
                    let fj = w.f + j * fw + scores.fLow[j], fn = scores.fHigh[j] - scores.fLow[j] + 1
                    if i == j {
                        for k in 0..<n { out[k] = fj[k] }
                        continue
                    }
                    // out[t + k] += f_j[t] * prev[k], each output's terms in ascending k as memelite adds them.
                    out.update(repeating: 0, count: n)
                    let p = i * nq + j - 1, prev = A + start[p], pn = hi[p] - lo[p]
                    sage_tomtom_convolve(prev, pn, fj, fn, out, padded)
                }
            }
            // Cumulative sums: the window's running sum, 1 from the mark on. Each span's sum is serial; eight spans
            // of about the same width (the same length j - i) run interleaved (RunningSums) so that their add
            // latencies overlap.
            var nOrder = 0
            for d in 0..<nq {
                for i in 0..<(nq - d) where hi[i * nq + i + d] > lo[i * nq + i + d] { order[nOrder] = i * nq + i + d; nOrder += 1 }
            }
            var spanSums = RunningSums(rows: w.sumRows, counts: w.sumCounts)
            let group = RunningSums.capacity
            for g in stride(from: 0, to: nOrder, by: group) {
                spanSums.removeAll()
                for e in g..<min(g + group, nOrder) { let s = order[e]; spanSums.add(A + start[s], S + start[s], hi[s] - lo[s]) }
                spanSums.run()
                for e in g..<min(g + group, nOrder) {
                    let s = order[e]
                    let cs = S + start[s], n = hi[s] - lo[s]
                    total[s] = cs[n - 1]
                    var k = max(mark[s] - lo[s], 0)
                    while k < n { cs[k] = 1; k += 1 }
                }
            }

            w.pendingPDFs.withUnsafeMutableBufferPointer { pendingBuffer in
            w.chainPDFs.withUnsafeMutableBufferPointer { chainBuffer in
            w.chainSums.withUnsafeMutableBufferPointer { prefixBuffer in
            w.survival.withUnsafeMutableBufferPointer { survivalBuffer in
                let survival = survivalBuffer.baseAddress!
                // Lane c's pdf and prefix sums, indexed by bin.
                let chainBase = chainBuffer.baseAddress! - L, sumBase = prefixBuffer.baseAddress! - L
                @inline(__always) func xs(_ c: Int) -> UnsafeMutablePointer<Double> { chainBase + c * rowWidth }
                @inline(__always) func cs(_ c: Int) -> UnsafeMutablePointer<Double> { sumBase + c * rowWidth }
                // The lanes' state (workspace memory, so nothing here allocates): see `TomtomWorkspace.laneState`.
                let lane = w.laneState, step = lane + 8, supportLo = lane + 16, supportHi = lane + 24
                let rangeLo = lane + 32, rangeHi = lane + 40, active = lane + 48, pendingT = lane + 56, pendingCount = lane + 60

                /// z = y (span s) over [L, H); returns its support.
                func copy(_ z: UnsafeMutablePointer<Double>, _ s: Int) -> (Int, Int) {
                    for k in L..<H { z[k] = 0 }
                    let y = A + start[s] - lo[s]
                    for k in lo[s]..<hi[s] { z[k] = y[k] }
                    return (lo[s], hi[s])
                }
                /// The survival row of target length t from the pdf in z, later: z is copied to a pending slot, and
                /// four pending rows are summed at a time (`survivalRows`), their serial sums interleaved.
                pendingCount.pointee = 0
                let pending = pendingBuffer.baseAddress!
                func finish(_ z: UnsafeMutablePointer<Double>, _ t: Int) {
                    (pending + pendingCount.pointee * rowWidth).update(from: z + L, count: rowWidth)
                    pendingT[pendingCount.pointee] = t
                    pendingCount.pointee += 1
                    if pendingCount.pointee == 4 {
                        Self.survivalRows(pending, rowWidth, pendingT, 4, survival: survival, slot: slot, width: width)
                        pendingCount.pointee = 0
                    }
                }

                // Up to eight lanes in lockstep, each running one chain after another (longest first): at each tick the
                // running sums of the busy lanes' pdfs in one interleaved pass, then each lane's x = max(x, span).
                // Lane c runs chain lane[c] (-1: idle) at step step[c]; a lane whose chain ends takes the next one.
                for c in 0..<lanes { lane[c] = -1; step[c] = 0 }
                var next = 0
                var laneSums = RunningSums(rows: w.sumRows + RunningSums.capacity, counts: w.sumCounts + RunningSums.capacity)
                while true {
                    for c in 0..<lanes where lane[c] < 0 {
                        // The next chain with steps (those that are a copy alone finish at once).
                        while next < chains.count && lane[c] < 0 {
                            let chain = chains[next]
                            (supportLo[c], supportHi[c]) = copy(xs(c), chain.first)
                            if chain.finishFirst >= 0 { finish(xs(c), chain.finishFirst) }
                            if !chain.steps.isEmpty { lane[c] = next; step[c] = 0 }
                            next += 1
                        }
                    }
                    var nActive = 0
                    for c in 0..<lanes where lane[c] >= 0 {
                        let s = chains[lane[c]].steps[step[c]].span
                        rangeLo[c] = min(supportLo[c], lo[s]); rangeHi[c] = max(supportHi[c], hi[s])
                        active[nActive] = c; nActive += 1
                    }
                    if nActive == 0 { break }
                    // Each lane's running sums over [range lo, min(range hi, hi[s])): the update reads them only in the
                    // span's window.
                    laneSums.removeAll()
                    for a in 0..<nActive {
                        let c = active[a], s = chains[lane[c]].steps[step[c]].span, from = rangeLo[c]
                        laneSums.add(xs(c) + from, cs(c) + from, min(rangeHi[c], hi[s]) - from)
                    }
                    laneSums.run()
                    for a in 0..<nActive {
                        let c = active[a], st = chains[lane[c]].steps[step[c]], s = st.span
                        // x = max(x, span s) over the lane's range (sage_tomtom_max_update has the cases).
                        sage_tomtom_max_update(xs(c), cs(c), rangeLo[c], rangeHi[c], A + start[s] - lo[s], S + start[s] - lo[s],
                                               lo[s], hi[s], total[s], mark[s])
                        supportLo[c] = max(supportLo[c], lo[s]); supportHi[c] = max(supportHi[c], hi[s])
                        if st.finish >= 0 { finish(xs(c), st.finish) }
                        step[c] += 1
                        if step[c] == chains[lane[c]].steps.count { lane[c] = -1 }
                    }
                }
                Self.survivalRows(pending, rowWidth, pendingT, pendingCount.pointee, survival: survival, slot: slot, width: width)
            }
            }
            }
            }
        }
        }
        }
        return background
    }

    /// Writes each span i...j's window [lo, hi) on the shared axis (its columns' lowest and highest non-empty bins
    /// summed, shifted by offset * (nq - m)), its mark (the bin from which its cumulative sum is 1) and its start in
    /// the packed buffers, at index i * nq + j (j >= i); returns the axis [L, H) where any span is non-zero, the
    /// packed size and the widest window.
    static func spanWindows(scores: TomtomQueryScores, nq: Int, nBins: Int, lo: UnsafeMutablePointer<Int>,
                            hi: UnsafeMutablePointer<Int>, start: UnsafeMutablePointer<Int>, mark: UnsafeMutablePointer<Int>)
        -> (L: Int, H: Int, packed: Int, widest: Int) {
        let offset = scores.offset
        var L = Int.max, H = Int.min, packed = 0, widest = 0
        for i in 0..<nq {
            var sLo = 0, sHi = 0
            for j in i..<nq {
                sLo += scores.fLow[j]
                sHi += scores.fHigh[j]
                let c = offset * (nq - (j - i + 1)), s = i * nq + j
                lo[s] = sLo + c
                hi[s] = sHi + c + 1
                mark[s] = nBins * (j + 1) + c
                start[s] = packed
                packed += hi[s] - lo[s]
                L = min(L, lo[s])
                H = max(H, hi[s])
                widest = max(widest, hi[s] - lo[s])
            }
        }
        return (L, H, packed, widest)
    }

    /// One chain of maxima: its first span (copied), the target length finished right after the copy (or -1),
    /// and its steps, each x = max(x, span) then the survival row of `finish` (or -1).
    struct Chain {
        var first: Int, finishFirst = -1
        var steps: [(span: Int, finish: Int)] = []
    }

    /// The chains in memelite's order (span i...j is i * nq + j), largest first:
    /// - t >= nq: spans 0...0 and nq-1...nq-1, then for each length i = 2..<nq the prefix 0...i-1 and the suffix
    ///   nq-i...nq-1, then t - nq + 1 full spans 0...nq-1, finishing each needed t on the way;
    /// - each needed t < nq: the prefix 0...t-1, every inner span j...j+t-1 (j = 1...nq-t), then for lengths
    ///   1..<t a prefix and a suffix each.
    static func chains(nq: Int, tMax: Int, slot: [Int]) -> [Chain] {
        var result: [Chain] = []
        if tMax >= nq {
            var c = Chain(first: 0)
            if nq > 1 {
                c.steps.append(((nq - 1) * nq + nq - 1, -1))
                for i in stride(from: 2, to: nq, by: 1) {
                    c.steps.append((i - 1, -1))
                    c.steps.append(((nq - i) * nq + nq - 1, -1))
                }
            }
            for t in nq...tMax {
                let f = slot[t] >= 0 ? t : -1
                if nq == 1 && t == 1 { c.finishFirst = f } else { c.steps.append((nq - 1, f)) }
            }
            while let last = c.steps.last, last.finish < 0 { c.steps.removeLast() }  // nothing needed after
            result.append(c)
        }
        for r in stride(from: min(nq, tMax + 1) - 1, through: 1, by: -1) where slot[r] >= 0 {
            var c = Chain(first: r - 1)
            if nq - r >= 1 { for j in 1...(nq - r) { c.steps.append((j * nq + j + r - 1, -1)) } }
            for j in 0..<max(r - 1, 0) {
                c.steps.append((j, -1))
                c.steps.append(((nq - 1 - j) * nq + nq - 1, -1))
            }
            if c.steps.isEmpty { c.finishFirst = r } else { c.steps[c.steps.count - 1].finish = r }
            result.append(c)
        }
        return result
    }

    /// The survival rows of target lengths ts[0 ..< count] from their pdfs (pdfs + r * n, bins L ..< H, n = H - L):
    /// out[k] = clamp(sum of the pdf over bins > k) to [0, 1] for k from H - 1 down to L - 1, each sum added from the
    /// top down (memelite's order), the rows' serial sums interleaved four at a time.
    static func survivalRows(_ pdfs: UnsafePointer<Double>, _ n: Int, _ ts: UnsafePointer<Int>, _ count: Int,
                             survival: UnsafeMutablePointer<Double>, slot: [Int], width: Int) {
        @inline(__always) func clamp(_ a: Double) -> Double { min(max(a, 0.0), 1.0) }
        var r = 0
        if count == 4 {  // out rows are indexed from bin L - 1: entry k + 1 is bin L + k
            let z0 = pdfs, z1 = pdfs + n, z2 = pdfs + 2 * n, z3 = pdfs + 3 * n
            let o0 = survival + slot[ts[0]] * width, o1 = survival + slot[ts[1]] * width
            let o2 = survival + slot[ts[2]] * width, o3 = survival + slot[ts[3]] * width
            var a0 = 0.0, a1 = 0.0, a2 = 0.0, a3 = 0.0
            var k = n - 1
            while k >= 0 {
                o0[k + 1] = clamp(a0); a0 += z0[k]
                o1[k + 1] = clamp(a1); a1 += z1[k]
                o2[k + 1] = clamp(a2); a2 += z2[k]
                o3[k + 1] = clamp(a3); a3 += z3[k]
                k -= 1
            }
            o0[0] = clamp(a0); o1[0] = clamp(a1); o2[0] = clamp(a2); o3[0] = clamp(a3)
            r = 4
        }
        while r < count {
            let z = pdfs + r * n, o = survival + slot[ts[r]] * width
            var a = 0.0, k = n - 1
            while k >= 0 { o[k + 1] = clamp(a); a += z[k]; k -= 1 }
            o[0] = clamp(a)
            r += 1
        }
    }

    /// Running sums of up to eight rows at once: cs[k] = x[0] + ... + x[k] (from +0.0, in ascending k) for k in
    /// 0..<n of each row added, by CKernels' `sage_running_sums`; every row's sums lie at the same distance from it.
    /// The rows' serial sums run interleaved, so that their add latencies overlap: all rows up to the shortest one's
    /// end, then the longer ones on (rows are kept longest first). A chain's pdf is +0 outside its support, so a row
    /// that starts below it adds only +0.0 terms.
    struct RunningSums {
        static let capacity = 8
        /// The rows and their counts (`capacity` entries each, owned by the caller), how many are held, their sums'
        /// distance from them.
        private let x: UnsafeMutablePointer<UnsafeMutablePointer<Double>?>, n: UnsafeMutablePointer<Int>
        private var count = 0, delta = 0

        init(rows: UnsafeMutablePointer<UnsafeMutablePointer<Double>?>, counts: UnsafeMutablePointer<Int>) { x = rows; n = counts }

        mutating func removeAll() { count = 0 }

        /// Adds the row row[0..<length] -> sums[0..<length].
        mutating func add(_ row: UnsafeMutablePointer<Double>, _ sums: UnsafeMutablePointer<Double>, _ length: Int) {
            precondition(count < Self.capacity, "RunningSums holds \(Self.capacity) rows")
            if count == 0 { delta = sums - row } else { precondition(sums - row == delta, "RunningSums: rows at one distance from their sums") }
            var at = count
            while at > 0 && n[at - 1] < length { x[at] = x[at - 1]; n[at] = n[at - 1]; at -= 1 }
            x[at] = row; n[at] = length
            count += 1
        }

        func run() { sage_running_sums(x, delta, n, count) }
    }
}
