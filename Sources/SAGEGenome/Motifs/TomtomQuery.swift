import Foundation

/// One query column scored against every unique target column, binned as memelite's tomtom does (steps 1-4 of
/// `_integer_distances_and_histogram`), for a query of nq columns:
/// 1. score(c, u) = -sqrt(|q_c|^2 + |t_u|^2 - 2 q_c . t_u) (0 when the radicand is <= 0): minus the Euclidean
///    distance, in memelite's order of operations;
/// 2. each column's binned median m_c (`medianBins` bins between the row's min and max; the mean of the values
///    in the bin where the weighted count reaches half);
/// 3. i_min = floor(min_c (min_u score - m_c)), scale = floor(scoreBins / max(max_c(max_u score - m_c) - i_min,
///    1)), offset = -i_min * scale; bin x(c, u) = floor((score - (m_c + i_min)) * scale + 0.5) in [0, scoreBins];
/// 4. f[c][x] = the weighted fraction of target columns in bin x (the column's null distribution);
///    gammaInt[u * (nq + 16) + 8 + (nq - 1 - c)] = x - offset (query columns reversed, as memelite stores them;
///    each row between 8 zeros on either side, so any 8 consecutive positions of a row can be loaded as a vector).
///
/// Speed without changing a bit: steps 1-3 run in vectors over u (the same operations per element, no
/// fused multiply-add); the histogram scatters of steps 2 and 4 run four query columns at a time, so four
/// independent load-add-store chains overlap (consecutive target columns usually fall in the same bin, and
/// one column's chain through memory would wait on each add). Each bin still sums its terms in ascending u.
struct TomtomQueryScores {
    var offset = 0
    /// Each query column's lowest and highest non-empty bin (nq entries each, in the workspace).
    let fLow: UnsafeMutablePointer<Int>, fHigh: UnsafeMutablePointer<Int>

    typealias V = SIMD8<Double>

    /// Fills `gammaInt` (nu rows of nq + 16) and `f` (nq x (scoreBins + 1)) in `w`; returns the offset and each column's
    /// lowest and highest non-empty bin.
    static func compute(query q: UnsafeBufferPointer<Double>, nq: Int, database db: TomtomDatabase,
                        workspace w: TomtomWorkspace) -> TomtomQueryScores {
        let nu = db.uniqueCount, nBins = db.settings.scoreBins, nMedian = db.settings.medianBins
        w.reserve(nq: nq, nu: nu, scoreBins: nBins, medianBins: nMedian, targets: db.lengths.count)
        let gamma = w.gamma, gammaInt = w.gammaInt, fAll = w.f, bins = w.medianIndex, medianCounts = w.medianCounts
        let rowMin = w.columnStats, rowMax = rowMin + nq, medians = rowMax + nq
        db.letters.withUnsafeBufferPointer { letters in
            db.norms.withUnsafeBufferPointer { norms in
                db.counts.withUnsafeBufferPointer { counts in
                    let y = letters.baseAddress!, yn = norms.baseAddress!
                    for c in 0..<nq {
                        let (lo, hi) = distances(q, c, y, yn, nu, gamma + c * nu)
                        rowMin[c] = lo
                        rowMax[c] = hi
                    }
                    for c0 in stride(from: 0, to: nq, by: 4) {
                        let m = Swift.min(4, nq - c0)
                        binnedMedians(gamma + c0 * nu, m, nu, rowMin, rowMax, c0, counts.baseAddress!, db.halfway, nMedian,
                                      bins, medianCounts, medians)
                    }
                }
            }
        }
        var zMin = 9999999.9, zMax = -9999999.9
        for c in 0..<nq {
            zMin = min(zMin, rowMin[c] - medians[c])
            zMax = max(zMax, rowMax[c] - medians[c])
        }
        let iMin = Int(zMin.rounded(.down))
        let scale = Int((Double(nBins) / max(zMax - Double(iMin), 1.0)).rounded(.down))
        let offset = -iMin * scale
        let fScale = Double(scale)
        let result = TomtomQueryScores(offset: offset, fLow: w.columnBins, fHigh: w.columnBins + nq)
        let fw = nBins + 1
        fAll.update(repeating: 0, count: nq * fw)
        let rowStride = nq + 16
        for u in 0..<nu {  // the zero pads, one vector store each
            let row = gammaInt + u &* rowStride
            UnsafeMutableRawPointer(row).storeBytes(of: SIMD8<Int32>(), as: SIMD8<Int32>.self)
            UnsafeMutableRawPointer(row + 8 + nq).storeBytes(of: SIMD8<Int32>(), as: SIMD8<Int32>.self)
        }
        db.weights.withUnsafeBufferPointer { weights in
            let wp = weights.baseAddress!
            for c0 in stride(from: 0, to: nq, by: 4) {
                let m = Swift.min(4, nq - c0)
                // x(c, u) for the block's columns, into bins[(c - c0) * nu + u].
                for c in c0..<(c0 + m) {
                    let row = gamma + c * nu, xs = bins + (c - c0) * nu
                    let mi = medians[c] + Double(iMin)
                    var u = 0
                    while u + 8 <= nu {
                        let r = UnsafeRawPointer(row + u).loadUnaligned(as: V.self)
                        UnsafeMutableRawPointer(xs + u).storeBytes(of: floorToInt32((r - V(repeating: mi)) * V(repeating: fScale) + V(repeating: 0.5)), as: SIMD8<Int32>.self)
                        u += 8
                    }
                    while u < nu { xs[u] = Int32(((row[u] - mi) * fScale + 0.5).rounded(.down)); u += 1 }
                }
                scatter(bins, m, nu, wp, fAll + c0 * fw, fw)
                let shift = Int32(truncatingIfNeeded: offset)
                if m == 4 {  // columns c0 + 3 ... c0 go to 4 adjacent entries of each row: one vector store per row
                    let x0 = bins, x1 = bins + nu, x2 = bins + 2 * nu, x3 = bins + 3 * nu
                    let row = gammaInt + 8 + (nq - 4 - c0), shifts = SIMD4<Int32>(repeating: shift)
                    for u in 0..<nu {
                        UnsafeMutableRawPointer(row + u &* rowStride).storeBytes(
                            of: SIMD4<Int32>(x3[u], x2[u], x1[u], x0[u]) &- shifts, as: SIMD4<Int32>.self)
                    }
                } else {
                    for c in c0..<(c0 + m) {
                        let xs = bins + (c - c0) * nu, row = gammaInt + 8 + (nq - 1 - c)
                        for u in 0..<nu { row[u &* rowStride] = xs[u] &- shift }
                    }
                }
                for c in c0..<(c0 + m) {
                    let f = fAll + c * fw
                    var lo = fw, hi = 0
                    for x in 0..<fw where f[x] != 0 {
                        if lo == fw { lo = x }
                        hi = x
                    }
                    result.fLow[c] = lo
                    result.fHigh[c] = hi
                }
            }
        }
        return result
    }

    /// Step 1 for query column c into `row` (nu scores); returns the row's min and max. Every value is -sqrt(z)
    /// or +0: no NaN, no -0, so min and max in any order give the same bits. The square root's argument is
    /// clamped to >= 0 first (the same value wherever it is used): the compiler then drops libm's errno path
    /// and vectorises the loop (vsqrtpd; Swift's SIMD squareRoot stays scalar).
    @inline(__always)
    static func distances(_ q: UnsafeBufferPointer<Double>, _ c: Int, _ y: UnsafePointer<Double>, _ yn: UnsafePointer<Double>,
                          _ nu: Int, _ row: UnsafeMutablePointer<Double>) -> (Double, Double) {
        var xn = q[c * 4] * q[c * 4]
        xn += q[c * 4 + 1] * q[c * 4 + 1]
        xn += q[c * 4 + 2] * q[c * 4 + 2]
        xn += q[c * 4 + 3] * q[c * 4 + 3]
        let x0 = 2 * q[c * 4], x1 = 2 * q[c * 4 + 1], x2 = 2 * q[c * 4 + 2], x3 = 2 * q[c * 4 + 3]
        let y0 = y, y1 = y0 + nu, y2 = y1 + nu, y3 = y2 + nu
        for u in 0..<nu {
            var z = xn + yn[u]
            z -= x0 * y0[u]
            z -= x1 * y1[u]
            z -= x2 * y2[u]
            z -= x3 * y3[u]
            let root = (z > 0 ? z : 0).squareRoot()
            row[u] = z > 0 ? -root : 0
        }
        var lo = V(repeating: 9999999.9), hi = V(repeating: -9999999.9)
        var u = 0
        while u + 8 <= nu {
            let g = UnsafeRawPointer(row + u).loadUnaligned(as: V.self)
            lo = lo.replacing(with: g, where: g .< lo)
            hi = hi.replacing(with: g, where: g .> hi)
            u += 8
        }
        var l = lo.min(), h = hi.max()
        while u < nu {
            let g = row[u]
            l = g < l ? g : l
            h = g > h ? g : h
            u += 1
        }
        return (l, h)
    }

    /// floor(y) for |y| < 2^51, exactly: round to nearest through 1.5 * 2^52, one down where that rounded up.
    @inline(__always)
    static func floorToInt32(_ y: V) -> SIMD8<Int32> {
        let magic = V(repeating: 6755399441055744.0)
        var r = (y + magic) - magic
        r = r.replacing(with: r - 1, where: r .> y)
        let bits = unsafeBitCast(r + magic, to: SIMD8<Int64>.self) &- SIMD8<Int64>(repeating: Int64(bitPattern: magic[0].bitPattern))
        return SIMD8<Int32>(truncatingIfNeeded: bits)
    }

    /// f_c[xs_c[u]] += w[u] for the m (1...4) columns of a block, u ascending, the columns' chains interleaved.
    @inline(__always)
    static func scatter(_ xs: UnsafeMutablePointer<Int32>, _ m: Int, _ nu: Int, _ w: UnsafePointer<Double>,
                        _ f: UnsafeMutablePointer<Double>, _ fw: Int) {
        let x0 = xs, x1 = xs + nu, x2 = xs + 2 * nu, x3 = xs + 3 * nu
        let f0 = f, f1 = f + fw, f2 = f + 2 * fw, f3 = f + 3 * fw
        switch m {
        case 4: for u in 0..<nu { let v = w[u]; f0[Int(x0[u])] += v; f1[Int(x1[u])] += v; f2[Int(x2[u])] += v; f3[Int(x3[u])] += v }
        case 3: for u in 0..<nu { let v = w[u]; f0[Int(x0[u])] += v; f1[Int(x1[u])] += v; f2[Int(x2[u])] += v }
        case 2: for u in 0..<nu { let v = w[u]; f0[Int(x0[u])] += v; f1[Int(x1[u])] += v }
        default: for u in 0..<nu { f0[Int(x0[u])] += w[u] }
        }
    }

    /// Step 2 for the m (1...4) rows at `rows` (query columns c0 ..< c0 + m): memelite's `_binned_median` of
    /// each. The row's range is cut into `bins` bins (index int((x - lo) / (hi - lo) * (bins - 1))); the first
    /// bin where the running weighted count reaches `halfway` gives the mean of its values (summed in column
    /// order). A constant row's median is its value. The count scatters of the m rows are interleaved.
    static func binnedMedians(_ rows: UnsafeMutablePointer<Double>, _ m: Int, _ n: Int, _ rowMin: UnsafePointer<Double>, _ rowMax: UnsafePointer<Double>,
                              _ c0: Int, _ counts: UnsafePointer<Int>, _ halfway: Double, _ bins: Int,
                              _ zb: UnsafeMutablePointer<Int32>, _ cnt: UnsafeMutablePointer<Int>, _ medians: UnsafeMutablePointer<Double>) {
        let top = Double(bins - 1)
        cnt.update(repeating: 0, count: 4 * bins)
        var live: UInt8 = 0  // bit r: row r is not constant
        for r in 0..<m {
            let lo = rowMin[c0 + r], range = rowMax[c0 + r] - lo, row = rows + r * n, z = zb + r * n
            if range == 0 { medians[c0 + r] = lo; for i in 0..<n { z[i] = 0 }; continue }
            live |= 1 << r
            var i = 0
            while i + 8 <= n {
                let x = UnsafeRawPointer(row + i).loadUnaligned(as: V.self)
                UnsafeMutableRawPointer(z + i).storeBytes(of: floorToInt32((x - V(repeating: lo)) / V(repeating: range) * V(repeating: top)), as: SIMD8<Int32>.self)
                i += 8
            }
            while i < n { z[i] = Int32((row[i] - lo) / range * top); i += 1 }
        }
        let z0 = zb, z1 = zb + n, z2 = zb + 2 * n, z3 = zb + 3 * n
        let k0 = cnt, k1 = cnt + bins, k2 = cnt + 2 * bins, k3 = cnt + 3 * bins
        switch m {  // rows of constant scores have all-zero bins here; their counts are not read
        case 4: for i in 0..<n { let v = counts[i]; k0[Int(z0[i])] &+= v; k1[Int(z1[i])] &+= v; k2[Int(z2[i])] &+= v; k3[Int(z3[i])] &+= v }
        case 3: for i in 0..<n { let v = counts[i]; k0[Int(z0[i])] &+= v; k1[Int(z1[i])] &+= v; k2[Int(z2[i])] &+= v }
        case 2: for i in 0..<n { let v = counts[i]; k0[Int(z0[i])] &+= v; k1[Int(z1[i])] &+= v }
        default: for i in 0..<n { k0[Int(z0[i])] &+= counts[i] }
        }
        for r in 0..<m where live & (1 << r) != 0 {
            let row = rows + r * n, z = zb + r * n, k = cnt + r * bins
            var count = 0, median = -99999.0
            for b in 0..<bins {
                count &+= k[b]
                if Double(count) >= halfway {
                    var s = 0.0
                    let b32 = Int32(b)
                    for i in 0..<n where z[i] == b32 { s += row[i] * Double(counts[i]) }
                    median = s / Double(k[b])
                    break
                }
            }
            medians[c0 + r] = median
        }
    }
}
