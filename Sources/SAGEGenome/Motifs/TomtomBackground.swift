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
        let nBins = db.settings.scoreBins, offset = scores.offset, fw = nBins + 1
        // Span windows [lo, hi) and their place in the packed buffers.
        let nSpans = nq * nq
        var lo = [Int](repeating: 0, count: nSpans), hi = lo, start = lo, mark = lo
        var total = [Double](repeating: 0, count: nSpans)
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
        if w.spans.count < packed { w.spans = [Double](repeating: 0, count: packed); w.spanSums = w.spans }
        let tMax = db.needed.count - 1
        var slot = [Int](repeating: -1, count: tMax + 1), nSlots = 0
        for t in 1...max(tMax, 1) where t <= tMax && db.needed[t] { slot[t] = nSlots; nSlots += 1 }
        let background = TomtomBackground(low: L, high: H, slot: slot)
        let width = background.width, rowWidth = H - L
        if w.survival.count < nSlots * width { w.survival = [Double](repeating: 0, count: nSlots * width) }
        if w.chain.count < rowWidth { w.chain = [Double](repeating: 0, count: rowWidth); w.row = w.chain }

        w.spans.withUnsafeMutableBufferPointer { spans in
        w.spanSums.withUnsafeMutableBufferPointer { sums in
            let A = spans.baseAddress!, S = sums.baseAddress!
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
                    convolve(prev, pn, fj, fn, out)
                }
            }
            // Cumulative sums: the window's running sum, 1 from the mark on.
            for s in 0..<nSpans where hi[s] > lo[s] {
                let a = A + start[s], cs = S + start[s], n = hi[s] - lo[s]
                var acc = 0.0
                for k in 0..<n { acc += a[k]; cs[k] = acc }
                total[s] = acc
                var k = max(mark[s] - lo[s], 0)
                while k < n { cs[k] = 1; k += 1 }
            }

            w.chain.withUnsafeMutableBufferPointer { chainBuffer in
            w.row.withUnsafeMutableBufferPointer { rowBuffer in
            w.survival.withUnsafeMutableBufferPointer { survivalBuffer in
                let chain = chainBuffer.baseAddress! - L, row = rowBuffer.baseAddress! - L  // indexed by bin
                let survival = survivalBuffer.baseAddress!

                /// z = y (span s) over [L, H); returns its support.
                func copy(_ z: UnsafeMutablePointer<Double>, _ s: Int) -> (Int, Int) {
                    for k in L..<H { z[k] = 0 }
                    let y = A + start[s] - lo[s]
                    for k in lo[s]..<hi[s] { z[k] = y[k] }
                    return (lo[s], hi[s])
                }
                /// x = max(x, span s) in place; returns the new support.
                func maxInPlace(_ x: UnsafeMutablePointer<Double>, _ support: (Int, Int), _ s: Int) -> (Int, Int) {
                    let yLo = lo[s], yHi = hi[s], K = total[s], X = mark[s]
                    let y = A + start[s] - yLo, ycs = S + start[s] - yLo
                    let uLo = min(support.0, yLo), uHi = max(support.1, yHi)
                    var xcs = 0.0
                    var k = uLo
                    while k < min(yLo, uHi) {  // y = 0 and Y = 0: z = x * 0 + 0 * X - x * 0 = +0
                        xcs += x[k]
                        x[k] = 0
                        k += 1
                    }
                    while k < min(yHi, uHi) {
                        let xv = x[k]; xcs += xv
                        let yv = y[k]
                        x[k] = xv * ycs[k] + yv * xcs - xv * yv
                        k += 1
                    }
                    while k < uHi {  // above the window: y = 0, Y = K below the mark, 1 from it
                        let xv = x[k]; xcs += xv
                        x[k] = xv * (k < X ? K : 1.0)  // = x * Y + 0 * X - x * 0, exactly
                        k += 1
                    }
                    return (max(support.0, yLo), max(support.1, yHi))
                }
                /// The survival row of target length t from the pdf in z.
                func finish(_ z: UnsafeMutablePointer<Double>, _ t: Int) {
                    let out = survival + slot[t] * width - (L - 1)  // indexed by bin, from L - 1
                    var a = 0.0
                    var k = H - 1
                    while k >= L {
                        let p = z[k]
                        out[k] = min(max(a, 0.0), 1.0)
                        a += p
                        k -= 1
                    }
                    out[L - 1] = min(max(a, 0.0), 1.0)
                }

                // Rows t >= nq: one chain.
                if tMax >= nq {
                    var sup = copy(chain, 0)  // span 0...0
                    if nq > 1 {
                        sup = maxInPlace(chain, sup, (nq - 1) * nq + nq - 1)
                        for i in stride(from: 2, to: nq, by: 1) {
                            sup = maxInPlace(chain, sup, i - 1)  // 0...i-1
                            sup = maxInPlace(chain, sup, (nq - i) * nq + nq - 1)  // nq-i...nq-1
                        }
                    }
                    for t in nq...tMax {
                        if !(nq == 1 && t == 1) { sup = maxInPlace(chain, sup, nq - 1) }  // 0...nq-1
                        if slot[t] >= 0 { finish(chain, t) }
                    }
                }
                // Rows t < nq.
                for r in 1..<max(min(nq, tMax + 1), 1) where slot[r] >= 0 {
                    var sup = copy(row, r - 1)
                    if nq - r >= 1 { for j in 1...(nq - r) { sup = maxInPlace(row, sup, j * nq + j + r - 1) } }
                    for j in 0..<max(r - 1, 0) {
                        sup = maxInPlace(row, sup, j)
                        sup = maxInPlace(row, sup, (nq - 1 - j) * nq + nq - 1)
                    }
                    finish(row, r)
                }
            }
            }
            }
        }
        }
        return background
    }

    /// out[t + k] += f[t] * prev[k] for taps t from fn - 1 down to 0 (each output's terms in ascending k, as
    /// memelite's scatter adds them); eight, then four taps per pass over the outputs in the interior, in SIMD lanes over k,
    /// every element getting the same operations in the same order. prev and out do not overlap.
    @inline(__always)
    static func convolve(_ prev: UnsafeMutablePointer<Double>, _ pn: Int, _ f: UnsafeMutablePointer<Double>, _ fn: Int,
                         _ out: UnsafeMutablePointer<Double>) {
        var t = fn - 1
        // Eight taps per pass, then four: output q = b + e (b = t - g + 1) gets f[t - r] * prev[q - t + r], r = 0 ..< g.
        for g in [8, 4] {
            while t >= g - 1 && pn >= 2 * g {
                let b = t - g + 1
                for e in 0..<(g - 1) {  // outputs b ..< b + g - 1: only taps with prev index >= 0
                    var x = out[b + e]
                    for r in (g - 1 - e)..<g { x += f[t - r] * prev[e - (g - 1) + r] }
                    out[b + e] = x
                }
                // Outputs b + g - 1 + k, k in 0 ..< pn - g + 1: all g taps, prev indices k + r.
                let n = pn - g + 1, dst = out + b + g - 1
                var k = 0
                if g == 8 {
                    let c0 = SIMD4(repeating: f[t]), c1 = SIMD4(repeating: f[t - 1]), c2 = SIMD4(repeating: f[t - 2])
                    let c3 = SIMD4(repeating: f[t - 3]), c4 = SIMD4(repeating: f[t - 4]), c5 = SIMD4(repeating: f[t - 5])
                    let c6 = SIMD4(repeating: f[t - 6]), c7 = SIMD4(repeating: f[t - 7])
                    while k + 4 <= n {
                        var x = UnsafeRawPointer(dst + k).loadUnaligned(as: SIMD4<Double>.self)
                        x += c0 * UnsafeRawPointer(prev + k).loadUnaligned(as: SIMD4<Double>.self)
                        x += c1 * UnsafeRawPointer(prev + k + 1).loadUnaligned(as: SIMD4<Double>.self)
                        x += c2 * UnsafeRawPointer(prev + k + 2).loadUnaligned(as: SIMD4<Double>.self)
                        x += c3 * UnsafeRawPointer(prev + k + 3).loadUnaligned(as: SIMD4<Double>.self)
                        x += c4 * UnsafeRawPointer(prev + k + 4).loadUnaligned(as: SIMD4<Double>.self)
                        x += c5 * UnsafeRawPointer(prev + k + 5).loadUnaligned(as: SIMD4<Double>.self)
                        x += c6 * UnsafeRawPointer(prev + k + 6).loadUnaligned(as: SIMD4<Double>.self)
                        x += c7 * UnsafeRawPointer(prev + k + 7).loadUnaligned(as: SIMD4<Double>.self)
                        UnsafeMutableRawPointer(dst + k).storeBytes(of: x, as: SIMD4<Double>.self)
                        k += 4
                    }
                } else {
                    let c0 = SIMD4(repeating: f[t]), c1 = SIMD4(repeating: f[t - 1]), c2 = SIMD4(repeating: f[t - 2]), c3 = SIMD4(repeating: f[t - 3])
                    while k + 4 <= n {
                        var x = UnsafeRawPointer(dst + k).loadUnaligned(as: SIMD4<Double>.self)
                        x += c0 * UnsafeRawPointer(prev + k).loadUnaligned(as: SIMD4<Double>.self)
                        x += c1 * UnsafeRawPointer(prev + k + 1).loadUnaligned(as: SIMD4<Double>.self)
                        x += c2 * UnsafeRawPointer(prev + k + 2).loadUnaligned(as: SIMD4<Double>.self)
                        x += c3 * UnsafeRawPointer(prev + k + 3).loadUnaligned(as: SIMD4<Double>.self)
                        UnsafeMutableRawPointer(dst + k).storeBytes(of: x, as: SIMD4<Double>.self)
                        k += 4
                    }
                }
                while k < n {
                    var x = dst[k]
                    for r in 0..<g { x += f[t - r] * prev[k + r] }
                    dst[k] = x
                    k += 1
                }
                for e in 0..<(g - 1) {  // outputs b + pn + e: taps with prev index < pn
                    var x = out[b + pn + e]
                    for r in 0..<(g - 1 - e) { x += f[t - r] * prev[pn - (g - 1) + e + r] }
                    out[b + pn + e] = x
                }
                t -= g
            }
        }
        while t >= 0 {
            let c = f[t]
            if c != 0 {
                let dst = out + t
                for k in 0..<pn { dst[k] += c * prev[k] }
            }
            t -= 1
        }
    }
}
