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
///    gammaInt[u * nq + (nq - 1 - c)] = x - offset (query columns reversed, as memelite stores them).
struct TomtomQueryScores {
    var offset = 0
    var fLow: [Int] = [], fHigh: [Int] = []

    /// Fills `gammaInt` (nu x nq) and `f` (nq x (scoreBins + 1)) in `w`; returns the offset and each column's
    /// lowest and highest non-empty bin.
    static func compute(query q: UnsafeBufferPointer<Double>, nq: Int, database db: TomtomDatabase,
                        workspace w: TomtomWorkspace) -> TomtomQueryScores {
        let nu = db.uniqueCount, nBins = db.settings.scoreBins, nMedian = db.settings.medianBins
        w.reserve(nq: nq, nu: nu, scoreBins: nBins, medianBins: nMedian)
        var rowMin = [Double](repeating: 0, count: nq), rowMax = rowMin, medians = rowMin
        db.letters.withUnsafeBufferPointer { letters in
            db.norms.withUnsafeBufferPointer { norms in
                db.counts.withUnsafeBufferPointer { counts in
                    let y0 = letters.baseAddress!, y1 = y0 + nu, y2 = y1 + nu, y3 = y2 + nu, yn = norms.baseAddress!
                    for c in 0..<nq {
                        let row = w.gamma + c * nu
                        var xn = q[c * 4] * q[c * 4]
                        xn += q[c * 4 + 1] * q[c * 4 + 1]
                        xn += q[c * 4 + 2] * q[c * 4 + 2]
                        xn += q[c * 4 + 3] * q[c * 4 + 3]
                        let x0 = 2 * q[c * 4], x1 = 2 * q[c * 4 + 1], x2 = 2 * q[c * 4 + 2], x3 = 2 * q[c * 4 + 3]
                        for u in 0..<nu {
                            var z = xn + yn[u]
                            z -= x0 * y0[u]
                            z -= x1 * y1[u]
                            z -= x2 * y2[u]
                            z -= x3 * y3[u]
                            row[u] = z > 0 ? -z.squareRoot() : 0
                        }
                        // Every value is -sqrt(z) or +0: no NaN, no -0, so min and max in any order give the same bits.
                        var lo = 9999999.9, hi = -9999999.9
                        for u in 0..<nu {
                            let g = row[u]
                            lo = g < lo ? g : lo
                            hi = g > hi ? g : hi
                        }
                        rowMin[c] = lo
                        rowMax[c] = hi
                        medians[c] = binnedMedian(row, nu, lo, hi, counts, db.halfway, nMedian, w)
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
        var result = TomtomQueryScores(offset: offset, fLow: [], fHigh: [])
        let fw = nBins + 1
        w.f.update(repeating: 0, count: nq * fw)
        db.weights.withUnsafeBufferPointer { weights in
            for c in 0..<nq {
                let row = w.gamma + c * nu, f = w.f + c * fw
                let mi = medians[c] + Double(iMin)
                let k = nq - 1 - c
                for u in 0..<nu {
                    let x = Int(((row[u] - mi) * fScale + 0.5).rounded(.down))
                    f[x] += weights[u]
                    w.gammaInt[u * nq + k] = Int32(x - offset)
                }
                var lo = fw, hi = 0
                for x in 0..<fw where f[x] != 0 {
                    if lo == fw { lo = x }
                    hi = x
                }
                result.fLow.append(lo)
                result.fHigh.append(hi)
            }
        }
        return result
    }

    /// memelite's `_binned_median`: the row's range cut into `bins` bins (index int((x - lo) / (hi - lo) *
    /// (bins - 1))); the first bin where the running weighted count reaches `halfway` gives the mean of its values
    /// (summed in column order). A constant row's median is its value.
    static func binnedMedian(_ row: UnsafeMutablePointer<Double>, _ n: Int, _ lo: Double, _ hi: Double,
                             _ counts: UnsafeBufferPointer<Int>, _ halfway: Double, _ bins: Int,
                             _ w: TomtomWorkspace) -> Double {
        let range = hi - lo
        if range == 0 { return lo }
        let top = Double(bins - 1)
        let zb = w.medianIndex, cnt = w.medianCounts
        cnt.update(repeating: 0, count: bins)
        for i in 0..<n { zb[i] = Int32((row[i] - lo) / range * top) }
        for i in 0..<n { cnt[Int(zb[i])] &+= counts[i] }
        var count = 0
        for b in 0..<bins {
            count &+= cnt[b]
            if Double(count) >= halfway {
                var s = 0.0
                let b32 = Int32(b)
                for i in 0..<n where zb[i] == b32 { s += row[i] * Double(counts[i]) }
                return s / Double(cnt[b])
            }
        }
        return -99999
    }
}
