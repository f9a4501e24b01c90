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
        let (lo, hi, start, mark, L, H, packed) = Self.spanWindows(scores: scores, nq: nq, nBins: nBins)
        var total = [Double](repeating: 0, count: nSpans)
        if w.spans.count < packed { w.spans = [Double](repeating: 0, count: packed); w.spanSums = w.spans }
        let tMax = db.needed.count - 1
        var slots = [Int](repeating: -1, count: tMax + 1), nSlots = 0
        for t in 1...max(tMax, 1) where t <= tMax && db.needed[t] { slots[t] = nSlots; nSlots += 1 }
        let slot = slots
        let background = TomtomBackground(low: L, high: H, slot: slot)
        let width = background.width, rowWidth = H - L
        if w.survival.count < nSlots * width { w.survival = [Double](repeating: 0, count: nSlots * width) }
        let chains = Self.chains(nq: nq, tMax: tMax, slot: slot)
        let lanes = min(4, chains.count)
        if w.chainPDFs.count < lanes * rowWidth { w.chainPDFs = [Double](repeating: 0, count: lanes * rowWidth); w.chainSums = w.chainPDFs }
        if w.pendingPDFs.count < 4 * rowWidth { w.pendingPDFs = [Double](repeating: 0, count: 4 * rowWidth) }

        let widest = (0..<nSpans).reduce(0) { max($0, hi[$1] - lo[$1]) }
        if w.padded.count < widest + 2 * Self.pad + 4 { w.padded = [Double](repeating: 0, count: widest + 2 * Self.pad + 4) }

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
                    out.update(repeating: 0, count: n)
                    let p = i * nq + j - 1, prev = A + start[p], pn = hi[p] - lo[p]
                    convolve(prev, pn, fj, fn, out, padded: padded)
                }
            }
            // Cumulative sums: the window's running sum, 1 from the mark on. Each span's sum is serial; four spans
            // of about the same width (the same length j - i) run interleaved so that their add latencies overlap.
            var order: [Int] = []
            order.reserveCapacity(nSpans)
            for d in 0..<nq { for i in 0..<(nq - d) where hi[i * nq + i + d] > lo[i * nq + i + d] { order.append(i * nq + i + d) } }
            var g = 0
            while g < order.count {
                let m = min(4, order.count - g)
                var acc = (0.0, 0.0, 0.0, 0.0), common = Int.max
                for r in 0..<m { common = min(common, hi[order[g + r]] - lo[order[g + r]]) }
                if m == 4 {
                    let s0 = order[g], s1 = order[g + 1], s2 = order[g + 2], s3 = order[g + 3]
                    let a0 = A + start[s0], a1 = A + start[s1], a2 = A + start[s2], a3 = A + start[s3]
                    let c0 = S + start[s0], c1 = S + start[s1], c2 = S + start[s2], c3 = S + start[s3]
                    for k in 0..<common {
                        acc.0 += a0[k]; c0[k] = acc.0
                        acc.1 += a1[k]; c1[k] = acc.1
                        acc.2 += a2[k]; c2[k] = acc.2
                        acc.3 += a3[k]; c3[k] = acc.3
                    }
                } else {
                    common = 0
                }
                for r in 0..<m {  // the rest of each span, serially
                    let s = order[g + r], a = A + start[s], cs = S + start[s], n = hi[s] - lo[s]
                    var x = r == 0 ? acc.0 : r == 1 ? acc.1 : r == 2 ? acc.2 : acc.3
                    for k in common..<n { x += a[k]; cs[k] = x }
                    total[s] = x
                    var k = max(mark[s] - lo[s], 0)
                    while k < n { cs[k] = 1; k += 1 }
                }
                g += m
            }

            w.pendingPDFs.withUnsafeMutableBufferPointer { pendingBuffer in
            w.chainPDFs.withUnsafeMutableBufferPointer { chainBuffer in
            w.chainSums.withUnsafeMutableBufferPointer { prefixBuffer in
            w.survival.withUnsafeMutableBufferPointer { survivalBuffer in
                let survival = survivalBuffer.baseAddress!
                // Lane c's pdf and prefix sums, indexed by bin.
                let xs = (0..<lanes).map { chainBuffer.baseAddress! + $0 * rowWidth - L }
                let cs = (0..<lanes).map { prefixBuffer.baseAddress! + $0 * rowWidth - L }

                /// z = y (span s) over [L, H); returns its support.
                func copy(_ z: UnsafeMutablePointer<Double>, _ s: Int) -> (Int, Int) {
                    for k in L..<H { z[k] = 0 }
                    let y = A + start[s] - lo[s]
                    for k in lo[s]..<hi[s] { z[k] = y[k] }
                    return (lo[s], hi[s])
                }
                /// The survival row of target length t from the pdf in z, later: z is copied to a pending slot, and
                /// four pending rows are summed at a time (`survivalRows`), their serial sums interleaved.
                var pendingT = [Int](repeating: 0, count: 4), pendingCount = 0
                let pending = pendingBuffer.baseAddress!
                func finish(_ z: UnsafeMutablePointer<Double>, _ t: Int) {
                    (pending + pendingCount * rowWidth).update(from: z + L, count: rowWidth)
                    pendingT[pendingCount] = t
                    pendingCount += 1
                    if pendingCount == 4 {
                        Self.survivalRows(pending, rowWidth, pendingT, 4, survival: survival, slot: slot, width: width)
                        pendingCount = 0
                    }
                }

                // Four lanes in lockstep, each running one chain after another (longest first): at each tick the
                // running sums of the busy lanes' pdfs in one interleaved pass, then each lane's x = max(x, span).
                // Lane c runs chain lane[c] (-1: idle) at step step[c]; a lane whose chain ends takes the next one.
                var lane = [Int](repeating: -1, count: lanes), step = lane
                var support = [(Int, Int)](repeating: (0, 0), count: lanes), ranges = support
                var next = 0
                var active: [Int] = [], activeX: [UnsafeMutablePointer<Double>] = [], activeCS = activeX
                active.reserveCapacity(lanes); activeX.reserveCapacity(lanes); activeCS.reserveCapacity(lanes)
                while true {
                    for c in 0..<lanes where lane[c] < 0 {
                        // The next chain with steps (those that are a copy alone finish at once).
                        while next < chains.count && lane[c] < 0 {
                            let chain = chains[next]
                            support[c] = copy(xs[c], chain.first)
                            if chain.finishFirst >= 0 { finish(xs[c], chain.finishFirst) }
                            if !chain.steps.isEmpty { lane[c] = next; step[c] = 0 }
                            next += 1
                        }
                    }
                    var gLo = Int.max, gHi = Int.min
                    active.removeAll(keepingCapacity: true); activeX.removeAll(keepingCapacity: true)
                    activeCS.removeAll(keepingCapacity: true)
                    for c in 0..<lanes where lane[c] >= 0 {
                        let s = chains[lane[c]].steps[step[c]].span
                        ranges[c] = (min(support[c].0, lo[s]), max(support[c].1, hi[s]))
                        gLo = min(gLo, ranges[c].0); gHi = max(gHi, ranges[c].1)
                        active.append(c); activeX.append(xs[c]); activeCS.append(cs[c])
                    }
                    if active.isEmpty { break }
                    prefixSums(activeX, activeCS, gLo, gHi)
                    for c in active {
                        let st = chains[lane[c]].steps[step[c]], s = st.span
                        update(xs[c], cs[c], ranges[c], y: A + start[s] - lo[s], ycs: S + start[s] - lo[s],
                               window: (lo[s], hi[s]), total: total[s], mark: mark[s])
                        support[c] = (max(support[c].0, lo[s]), max(support[c].1, hi[s]))
                        if st.finish >= 0 { finish(xs[c], st.finish) }
                        step[c] += 1
                        if step[c] == chains[lane[c]].steps.count { lane[c] = -1 }
                    }
                }
                Self.survivalRows(pending, rowWidth, pendingT, pendingCount, survival: survival, slot: slot, width: width)
            }
            }
            }
            }
        }
        }
        }
        return background
    }

    /// Each span i...j's window [lo, hi) on the shared axis (its columns' lowest and highest non-empty bins summed,
    /// shifted by offset * (nq - m)), its mark (the bin from which its cumulative sum is 1), its start in the packed
    /// buffers; the axis [L, H) where any span is non-zero and the packed size.
    static func spanWindows(scores: TomtomQueryScores, nq: Int, nBins: Int)
        -> (lo: [Int], hi: [Int], start: [Int], mark: [Int], L: Int, H: Int, packed: Int) {
        let offset = scores.offset, nSpans = nq * nq
        var lo = [Int](repeating: 0, count: nSpans), hi = lo, start = lo, mark = lo
        var L = Int.max, H = Int.min, packed = 0
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
            }
        }
        return (lo, hi, start, mark, L, H, packed)
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
    static func survivalRows(_ pdfs: UnsafePointer<Double>, _ n: Int, _ ts: [Int], _ count: Int,
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

    /// cs[c][k] = x[c][gLo] + ... + x[c][k] (from +0.0, in ascending k) for k in [gLo, gHi), the chains' serial
    /// sums interleaved so their add latencies overlap. A pdf is +0 outside its support, so starting below it
    /// adds only +0.0 terms.
    @inline(__always)
    static func prefixSums(_ x: [UnsafeMutablePointer<Double>], _ cs: [UnsafeMutablePointer<Double>], _ gLo: Int, _ gHi: Int) {
        switch x.count {
        case 4:
            let x0 = x[0], x1 = x[1], x2 = x[2], x3 = x[3], c0 = cs[0], c1 = cs[1], c2 = cs[2], c3 = cs[3]
            var a0 = 0.0, a1 = 0.0, a2 = 0.0, a3 = 0.0
            for k in gLo..<gHi {
                a0 += x0[k]; c0[k] = a0
                a1 += x1[k]; c1[k] = a1
                a2 += x2[k]; c2[k] = a2
                a3 += x3[k]; c3[k] = a3
            }
        case 3:
            let x0 = x[0], x1 = x[1], x2 = x[2], c0 = cs[0], c1 = cs[1], c2 = cs[2]
            var a0 = 0.0, a1 = 0.0, a2 = 0.0
            for k in gLo..<gHi {
                a0 += x0[k]; c0[k] = a0
                a1 += x1[k]; c1[k] = a1
                a2 += x2[k]; c2[k] = a2
            }
        case 2:
            let x0 = x[0], x1 = x[1], c0 = cs[0], c1 = cs[1]
            var a0 = 0.0, a1 = 0.0
            for k in gLo..<gHi {
                a0 += x0[k]; c0[k] = a0
                a1 += x1[k]; c1[k] = a1
            }
        case 1:
            let x0 = x[0], c0 = cs[0]
            var a0 = 0.0
            for k in gLo..<gHi { a0 += x0[k]; c0[k] = a0 }
        default:
            break
        }
    }

    /// x = max(x, y) in place over [range.0, range.1), the pdf of the maximum z = x * Y + y * X - x * y (X = xcs,
    /// the running sums of x; Y those of y): +0 below y's window [window.0, window.1) (y = 0 and Y = 0 there), the
    /// full formula in it (vectors of 4, each element the same operations in the same order), and x * Y above it
    /// (Y = total below the mark, 1 from it on).
    @inline(__always)
    static func update(_ x: UnsafeMutablePointer<Double>, _ xcs: UnsafeMutablePointer<Double>, _ range: (Int, Int),
                       y: UnsafePointer<Double>, ycs: UnsafePointer<Double>, window: (Int, Int), total K: Double, mark X: Int) {
        typealias V = SIMD4<Double>
        let (uLo, uHi) = range
        var k = uLo
        while k < min(window.0, uHi) { x[k] = 0; k += 1 }
        let end = min(window.1, uHi)
        @inline(__always) func load(_ p: UnsafePointer<Double>, _ i: Int) -> V { UnsafeRawPointer(p + i).loadUnaligned(as: V.self) }
        while k + 4 <= end {
            let xv = load(x, k), yv = load(y, k)
            UnsafeMutableRawPointer(x + k).storeBytes(of: xv * load(ycs, k) + yv * load(xcs, k) - xv * yv, as: V.self)
            k += 4
        }
        while k < end {
            let xv = x[k], yv = y[k]
            x[k] = xv * ycs[k] + yv * xcs[k] - xv * yv
            k += 1
        }
        // Above the window x * Y + 0 * X - x * 0 = x * Y exactly: x * K below the mark, x itself from it on.
        let scaled = min(X, uHi)
        let kv = V(repeating: K)
        while k + 4 <= scaled {
            UnsafeMutableRawPointer(x + k).storeBytes(of: load(x, k) * kv, as: V.self)
            k += 4
        }
        while k < scaled { x[k] = x[k] * K; k += 1 }
    }

    /// out[t + k] += f[t] * prev[k] for taps t from fn - 1 down to 0 and k in 0..<pn (each output's terms in
    /// ascending k, as memelite's scatter adds them; out has pn + fn - 1 entries). `padded` is scratch of at least
    /// pn + 2 * pad + 4 entries. prev goes into it between `pad` zeros on each side, so a pass of g taps t ... t-g+1
    /// adds to every output it reaches in one vector loop, out[b + q] += sum over r ascending of f[t - r] *
    /// padded[q + r + pad - (g - 1)] (b = t - g + 1, q in 0..<pn + g - 1), the edge outputs' missing terms being
    /// products with +0. Eight taps per pass, then four; taps below 0 of the last pass are +0 too. f and prev are
    /// >= 0, so each added +0 changes no sum, and every output gets its terms in the same order: the result is
    /// bitwise memelite's.
    static let pad = 7

    @inline(__always)
    static func convolve(_ prev: UnsafeMutablePointer<Double>, _ pn: Int, _ f: UnsafeMutablePointer<Double>, _ fn: Int,
                         _ out: UnsafeMutablePointer<Double>, padded: UnsafeMutablePointer<Double>) {
        typealias V = SIMD4<Double>
        let pad = Self.pad
        padded.update(repeating: 0, count: pad)
        padded.advanced(by: pad).update(from: prev, count: pn)
        (padded + pad + pn).update(repeating: 0, count: pad + 4)
        @inline(__always) func load(_ p: UnsafePointer<Double>) -> V { UnsafeRawPointer(p).loadUnaligned(as: V.self) }
        @inline(__always) func tap(_ i: Int) -> Double { i >= 0 ? f[i] : 0 }
        var t = fn - 1
        while t >= 7 {  // eight taps t ... t-7
            let b = t - 7, n = pn + 7, src = UnsafePointer(padded), dst = out + b
            let c0 = V(repeating: f[t]), c1 = V(repeating: f[t - 1]), c2 = V(repeating: f[t - 2]), c3 = V(repeating: f[t - 3])
            let c4 = V(repeating: f[t - 4]), c5 = V(repeating: f[t - 5]), c6 = V(repeating: f[t - 6]), c7 = V(repeating: f[t - 7])
            var q = 0
            while q + 4 <= n {
                var x = load(dst + q)
                x += c0 * load(src + q)
                x += c1 * load(src + q + 1)
                x += c2 * load(src + q + 2)
                x += c3 * load(src + q + 3)
                x += c4 * load(src + q + 4)
                x += c5 * load(src + q + 5)
                x += c6 * load(src + q + 6)
                x += c7 * load(src + q + 7)
                UnsafeMutableRawPointer(dst + q).storeBytes(of: x, as: V.self)
                q += 4
            }
            while q < n {
                var x = dst[q]
                for r in 0..<8 { x += f[t - r] * src[q + r] }
                dst[q] = x
                q += 1
            }
            t -= 8
        }
        while t >= 0 {  // four taps t ... t-3 (those below 0 are +0); outputs from b = t - 3 (which may be < 0)
            let b = t - 3, n = pn + 3, src = UnsafePointer(padded) + (pad - 3)
            let f0 = tap(t), f1 = tap(t - 1), f2 = tap(t - 2), f3 = tap(t - 3)
            let c0 = V(repeating: f0), c1 = V(repeating: f1), c2 = V(repeating: f2), c3 = V(repeating: f3)
            var q = max(-b, 0)  // outputs below 0 get only +0 terms: skipped
            while q + 4 <= n {
                let dst = out + b + q
                var x = load(dst)
                x += c0 * load(src + q)
                x += c1 * load(src + q + 1)
                x += c2 * load(src + q + 2)
                x += c3 * load(src + q + 3)
                UnsafeMutableRawPointer(dst).storeBytes(of: x, as: V.self)
                q += 4
            }
            while q < n {
                var x = out[b + q]
                x += f0 * src[q]
                x += f1 * src[q + 1]
                x += f2 * src[q + 2]
                x += f3 * src[q + 3]
                out[b + q] = x
                q += 1
            }
            t -= 4
        }
    }
}
