/// Tomtom's settings, memelite's `tomtom` defaults.
public struct TomtomSettings: Sendable, Equatable {
    /// Score bins of each query column's background (`t` of the Tomtom paper; memelite `n_score_bins`).
    public var scoreBins = 100
    /// Bins of the approximate (binned) median of each query column's scores (`n_median_bins`).
    public var medianBins = 1000
    /// Target columns whose letters fall in the same of this many bins (per letter, over all target columns) are
    /// merged into one weighted column (`n_target_bins`); nil: no merging.
    public var targetBins: Int? = 100
    /// Also score each target's reverse complement; the p-values of both strands merge as 1 - (1 - min p)^2.
    public var reverseComplement = true

    public init() {}
}

/// The target motifs prepared for Tomtom as memelite prepares them: the targets then (with `reverseComplement`)
/// their reverse complements, as one run of columns; identical columns after binning merged (NumPy `unique`
/// order: ascending key sum_a bin_a * targetBins^a), each with its count. Every query is scored against these
/// unique columns; their counts weigh the backgrounds. Immutable, shared by threads.
public final class TomtomDatabase: Sendable {
    public let targets: [Motif]
    public let settings: TomtomSettings
    /// Lengths of the target motifs (forward, then reverse complements).
    let lengths: [Int]
    /// Unique target columns: letter a of column u at `columns[u * 4 + a]`; their squared norms and counts.
    let columns: [Double]
    /// The same columns letter by letter (letters[a * nu + u]), for the vectorised distance loop.
    let letters: [Double]
    let norms: [Double]
    let counts: [Int]
    /// counts / sum(counts), and sum(counts) / 2 (the binned median's half count).
    let weights: [Double]
    let halfway: Double
    /// Unique column of each concatenated target column (memelite's `rr_inv`).
    let columnIndex: [Int]
    /// slot[t] for t in 0...longest target: the survival row (TomtomBackground) of target length t, -1 for a length
    /// no target has; and the number of such rows.
    let slot: [Int], slotCount: Int
    /// Number of distinct target columns after merging.
    public var uniqueCount: Int { norms.count }

    /// Throws a GenomeError naming the motif for an empty database or a target with a non-finite value.
    public init(targets: [Motif], settings: TomtomSettings = TomtomSettings(), name: String = "the database") throws {
        guard !targets.isEmpty else { throw GenomeError("\(name): no target motifs") }
        for t in targets where !t.values.allSatisfy(\.isFinite) || t.length == 0 {
            throw GenomeError("\(name): motif \(t.id) is empty or has a non-finite value")
        }
        self.targets = targets
        self.settings = settings
        let all = settings.reverseComplement ? targets + targets.map(\.reverseComplement) : targets
        lengths = all.map(\.length)
        var raw: [Double] = []
        raw.reserveCapacity(lengths.reduce(0, +) * 4)
        for m in all { raw += m.values }
        let n = raw.count / 4
        // (T ** 2).sum(axis=0): letters added in order.
        var rawNorms = [Double](repeating: 0, count: n)
        for c in 0..<n {
            var s = raw[c * 4] * raw[c * 4]
            s += raw[c * 4 + 1] * raw[c * 4 + 1]
            s += raw[c * 4 + 2] * raw[c * 4 + 2]
            s += raw[c * 4 + 3] * raw[c * 4 + 3]
            rawNorms[c] = s
        }
        guard rawNorms.contains(where: { $0 != 0 }) else { throw GenomeError("\(name): every target column is all zeros") }

        var firsts: [Int], inverse: [Int], cnt: [Int]
        if let bins = settings.targetBins {
            var lo = [Double](repeating: .infinity, count: 4), hi = [Double](repeating: -.infinity, count: 4)
            for c in 0..<n { for a in 0..<4 { lo[a] = min(lo[a], raw[c * 4 + a]); hi[a] = max(hi[a], raw[c * 4 + a]) } }
            for a in 0..<4 where hi[a] == lo[a] { hi[a] = lo[a] + 1 }
            let scale = Double(bins - 1), base = Double(bins)
            var keys = [Double](repeating: 0, count: n)
            for c in 0..<n {
                var key = 0.0, power = 1.0
                for a in 0..<4 {
                    let b = ((raw[c * 4 + a] - lo[a]) / (hi[a] - lo[a]) * scale).rounded(.toNearestOrEven)
                    key += b * power
                    power *= base
                }
                keys[c] = key
            }
            // numpy.unique(return_index, return_inverse, return_counts): sorted keys, first occurrences.
            let order = (0..<n).sorted { keys[$0] != keys[$1] ? keys[$0] < keys[$1] : $0 < $1 }
            firsts = []; inverse = [Int](repeating: 0, count: n); cnt = []
            var previous: Double? = nil
            for c in order {
                if keys[c] != previous { firsts.append(c); cnt.append(0); previous = keys[c] }
                inverse[c] = firsts.count - 1
                cnt[cnt.count - 1] += 1
            }
        } else {
            firsts = Array(0..<n); inverse = Array(0..<n); cnt = [Int](repeating: 1, count: n)
        }
        var cols = [Double](repeating: 0, count: firsts.count * 4)
        for (u, c) in firsts.enumerated() { for a in 0..<4 { cols[u * 4 + a] = raw[c * 4 + a] } }
        columns = cols
        var byLetter = [Double](repeating: 0, count: cols.count)
        for u in 0..<firsts.count { for a in 0..<4 { byLetter[a * firsts.count + u] = cols[u * 4 + a] } }
        letters = byLetter
        norms = firsts.map { rawNorms[$0] }
        counts = cnt
        columnIndex = inverse
        let total = cnt.reduce(0, +)
        weights = cnt.map { Double($0) / Double(total) }
        halfway = Double(total) / 2
        var need = [Bool](repeating: false, count: (lengths.max() ?? 0) + 1)
        for t in lengths { need[t] = true }
        var slots = [Int](repeating: -1, count: need.count), count = 0
        for t in need.indices where t >= 1 && need[t] { slots[t] = count; count += 1 }
        slot = slots
        slotCount = count
    }

    /// Throws a GenomeError naming the query for an empty query, a non-finite value (an all-zero CWM position
    /// gives NaN in cwmToPPM) or an all-zero query (memelite: "Cannot have all-zeroes").
    public static func check(query q: Motif, name: String = "queries") throws {
        guard q.length > 0 else { throw GenomeError("\(name): query \(q.id) is empty") }
        if let p = (0..<q.length).first(where: { p in (0..<4).contains { !q[p, $0].isFinite } }) {
            throw GenomeError("\(name): query \(q.id) has a non-finite value at position \(p + 1) (an all-zero CWM position has no PPM)")
        }
        guard q.values.contains(where: { $0 != 0 }) else { throw GenomeError("\(name): query \(q.id) is all zeros") }
    }
}
