import Foundation

/// SAGE-net's `cwm_to_ppm`: NaN -> 0, then each position's |w| / sum over letters |w|. An all-zero position
/// gives NaN in every letter, as NumPy's 0/0 does (Tomtom refuses such a query; see `Tomtom.check`).
public func cwmToPPM(_ cwm: Motif) -> Motif {
    var ppm = cwm
    for p in 0..<cwm.length {
        var total = 0.0
        for a in 0..<4 {
            let v = cwm[p, a]
            total += v.isNaN ? 0 : abs(v)
        }
        for a in 0..<4 {
            let v = cwm[p, a]
            ppm.values[p * 4 + a] = (v.isNaN ? 0 : abs(v)) / total
        }
    }
    return ppm
}

/// SAGE-net's `ppm_to_ic(ppm, epsilon=1e-6)`: p + epsilon renormalised per position, then each letter's
/// information content p * (2 - H) with H = -sum p log2 p (bits; the heights of a sequence logo). L x 4.
public func ppmToIC(_ ppm: Motif, epsilon: Double = 1e-6) -> Motif {
    var ic = ppm
    for pos in 0..<ppm.length {
        var q = (0..<4).map { ppm[pos, $0] + epsilon }
        let total = q[0] + q[1] + q[2] + q[3]
        q = q.map { $0 / total }
        let entropy = -q.reduce(0) { $0 + $1 * log2($1) }
        for a in 0..<4 { ic.values[pos * 4 + a] = q[a] * (2 - entropy) }
    }
    return ic
}
