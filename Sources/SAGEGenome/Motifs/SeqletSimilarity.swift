import Foundation

/// The best ungapped alignment of a row seqlet onto a column seqlet (drg_tools' `offsets[i, j]`,
/// `revcomp_matrix[i, j]` and distance): `offset` is the row's first position (reverse-complemented when
/// `reverse`) minus the column's first position.
public struct SeqletAlignment: Equatable, Sendable {
    public var distance: Double
    public var offset: Int
    public var reverse: Bool
    public init(distance: Double, offset: Int, reverse: Bool) { self.distance = distance; self.offset = offset; self.reverse = reverse }
}

/// Normalised seqlet CWMs prepared for all-pairs similarity as drg_tools' `torch_compute_similarity_motifs`
/// computes it for SAGE-net's `cluster_seqlets` (metric 'correlation_pvalue', padding 0, reverse_complement,
/// min_sim 4, exact): for every offset at which at least `minOverlap` positions overlap, and for the row seqlet
/// forward and reverse-complemented, the Pearson correlation of the two matrices over the union of their positions
/// (zero-padded, 4 x union values); the best (first largest offset, forward unless the reverse is strictly better)
/// becomes a distance by `distance(correlation:count:)`.
///
/// Storage is flat: seqlet k's L x 4 values (position-major, A C G T) at `values[starts[k] ..< starts[k] + 4 L]`,
/// its reverse complement likewise in `reversed`. Immutable, shared by threads. The union always holds both
/// seqlets whole, so their sums and sums of squares are constants; an alignment costs the overlap's products only.
public final class SeqletSet: Sendable {
    public static let minOverlap = 4
    public let count: Int
    let values: [Double], reversed: [Double]
    let starts: [Int], lengths: [Int]
    let sums: [Double], squares: [Double]

    /// Throws a GenomeError naming the seqlet for one shorter than `minOverlap` positions or with a non-finite value.
    public init(_ seqlets: [Motif]) throws {
        var v: [Double] = [], r: [Double] = [], s: [Int] = [], l: [Int] = [], sum: [Double] = [], sq: [Double] = []
        for m in seqlets {
            guard m.length >= Self.minOverlap else {
                throw GenomeError("seqlet \(m.id): \(m.length) position(s); drg_tools' similarity aligns at least \(Self.minOverlap) (call seqlets with --min-len \(Self.minOverlap) or more)")
            }
            guard m.values.allSatisfy(\.isFinite), m.values.contains(where: { $0 != 0 }) else {
                throw GenomeError("seqlet \(m.id): its CWM is all zeros or not finite")
            }
            s.append(v.count); l.append(m.length)
            v += m.values; r += m.reverseComplement.values
            sum.append(m.values.reduce(0, +)); sq.append(m.values.reduce(0) { $0 + $1 * $1 })
        }
        count = seqlets.count; values = v; reversed = r; starts = s; lengths = l; sums = sum; squares = sq
    }

    public func length(_ k: Int) -> Int { lengths[k] }

    /// Row seqlet `i` aligned onto column seqlet `j`.
    public func align(_ i: Int, onto j: Int) -> SeqletAlignment {
        let la = lengths[i], lb = lengths[j], m = Self.minOverlap
        var best = -Double.infinity, bestOffset = 0, bestUnion = 0, reverse = false
        values.withUnsafeBufferPointer { all in
        reversed.withUnsafeBufferPointer { rev in
            let b = all.baseAddress! + starts[j]
            for strand in 0..<2 {
                let a = (strand == 0 ? all.baseAddress! : rev.baseAddress!) + starts[i]
                var strandBest = -Double.infinity, strandOffset = 0, strandUnion = 0
                for offset in -(la - m)...(lb - m) {
                    // Overlap: row positions p, column positions p + offset.
                    let lo = max(0, -offset), hi = min(la, lb - offset)
                    var xy = 0.0
                    for k in (lo * 4)..<(hi * 4) { xy += a[k] * b[k + offset * 4] }
                    let union = max(la + offset, lb) - min(0, offset)
                    let r = Self.correlation(xy: xy, sa: sums[i], sb: sums[j], qa: squares[i], qb: squares[j], n: Double(4 * union))
                    if r > strandBest { strandBest = r; strandOffset = offset; strandUnion = union }
                }
                if strand == 0 || strandBest > best {
                    if strand == 1 { reverse = true }
                    best = strandBest; bestOffset = strandOffset; bestUnion = strandUnion
                }
            }
        }
        }
        return SeqletAlignment(distance: Self.distance(correlation: best, count: 4 * bestUnion), offset: bestOffset, reverse: reverse)
    }

    @inline(__always)
    static func correlation(xy: Double, sa: Double, sb: Double, qa: Double, qb: Double, n: Double) -> Double {
        (xy - sa * sb / n) / ((qa - sa * sa / n) * (qb - sb * sb / n)).squareRoot()
    }

    /// drg_tools' 'correlation_pvalue' distance of a best correlation `r` over `n` values (4 x union): the
    /// correlation kept as float32 (1 - r, then 1 - that), its two-sided t-test p-value (correlation_to_pvalue:
    /// t = r sqrt(n - 2) / sqrt(1 - (r - 1e-7)^2) in float32, 2 sf(|t|, n - 1)) plus 1e-127 (fill_logp_self), and
    /// 10^(sign(r) log10 p): p for a positive correlation, 1 / p for a negative one, 1 for r = 0. Where drg_tools
    /// gives NaN (r <= -1 + 1e-7, the square root of a negative), 1e127 (the largest it can give otherwise).
    public static func distance(correlation r: Double, count n: Int) -> Double {
        let kept = Float(1 - r)
        let r32 = Float(1) - kept
        let e = r32 - Float(1e-7)
        let t = r32 * Float(n - 2).squareRoot() / (Float(1) - e * e).squareRoot()
        guard !t.isNaN else { return 1e127 }
        let p = StudentT.survival(Double(abs(t)), degreesOfFreedom: Double(n - 1)) * 2 + 1e-127
        let sign: Double = r32 > 0 ? 1 : (r32 < 0 ? -1 : 0)
        let correlation = sign * -log10(p)
        return pow(10, -correlation)
    }
}
