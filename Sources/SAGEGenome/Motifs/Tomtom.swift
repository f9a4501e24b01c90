/// One query's Tomtom matches against every database motif, in database order (memelite's tomtom outputs, one
/// row): the p-value of the best ungapped alignment (both strands merged: 1 - (1 - min p)^2), its score (the
/// summed bins, memelite's `best_scores`), offset (target position minus query position of the aligned columns),
/// overlap (aligned columns) and strand (1: the database motif reverse-complemented, chosen when its score is >=
/// the forward one's).
public struct TomtomRow: Equatable, Sendable {
    public var pValues: [Double]
    public var scores: [Double]
    public var offsets: [Int]
    public var overlaps: [Int]
    public var strands: [Int]

    public init(pValues: [Double], scores: [Double], offsets: [Int], overlaps: [Int], strands: [Int]) {
        self.pValues = pValues; self.scores = scores; self.offsets = offsets; self.overlaps = overlaps; self.strands = strands
    }
}

/// memelite's `tomtom(Qs, Ts)` (memesuite-lite 0.5, "complete score" Tomtom), reimplemented: each query column
/// scored against every (merged) target column by minus the Euclidean distance, median-centred and binned
/// (TomtomQueryScores), null distributions of every span and target length (TomtomBackground), then per target the
/// best offset's summed bins and its p-value. Queries and targets are PPMs (L x 4 Motifs; a CWM goes through
/// `cwmToPPM` first). The p-values depend on the whole database (its columns are each query column's background).
public enum Tomtom {
    /// All queries against `database`, one row per query; throws a GenomeError for a bad query (`check`).
    public static func compare(_ queries: [Motif], database: TomtomDatabase, name: String = "queries") throws -> [TomtomRow] {
        for q in queries { try TomtomDatabase.check(query: q, name: name) }
        let w = TomtomWorkspace()
        return queries.map { compare($0, database: database, workspace: w) }
    }

    /// One (checked) query; `workspace` is this thread's scratch.
    public static func compare(_ query: Motif, database db: TomtomDatabase, workspace w: TomtomWorkspace) -> TomtomRow {
        let nq = query.length
        let scores = query.values.withUnsafeBufferPointer { TomtomQueryScores.compute(query: $0, nq: nq, database: db, workspace: w) }
        let background = TomtomBackground.build(scores: scores, nq: nq, database: db, workspace: w)
        let nTargets = db.lengths.count
        // Per target: the best alignment's p-value, score, offset and overlap (workspace memory).
        let p = w.targetP, score = w.targetInts, offset = score + nTargets, overlap = offset + nTargets
        p.update(repeating: 1, count: nTargets)
        w.targetInts.update(repeating: 0, count: 3 * nTargets)
        let maxSums = (db.lengths.max() ?? 0) + nq + 7  // m sums, written 8 at a time
        if w.sums.count < maxSums { w.sums = [Int32](repeating: 0, count: maxSums) }
        let base = Int32(truncatingIfNeeded: nq * scores.offset)  // sums are below nq * (scoreBins + offset)
        if w.targetRows.count < maxSums { w.targetRows = [Int](repeating: 0, count: maxSums) }
        w.sums.withUnsafeMutableBufferPointer { sumsBuffer in
        w.targetRows.withUnsafeMutableBufferPointer { rowsBuffer in
        w.survival.withUnsafeBufferPointer { survivalBuffer in
        db.columnIndex.withUnsafeBufferPointer { columnIndex in
            let sums = sumsBuffer.baseAddress!, survival = survivalBuffer.baseAddress!, g = UnsafePointer(w.gammaInt)
            let rows = rowsBuffer.baseAddress!
            var column = 0
            for t in 0..<nTargets {
                let nt = db.lengths[t], m = nt + nq - 1
                // sums[j] = base + the sum over target columns k of their query position j - k (0 outside the
                // query), eight outputs at a time: a zero-padded row slice per column (integers: any order).
                for k in 0..<nt { rows[k] = columnIndex[column + k] * (nq + 16) + 8 }
                for j0 in Swift.stride(from: 0, to: m, by: 8) {
                    var acc = SIMD8<Int32>(repeating: base)
                    var k = Swift.max(0, j0 - nq + 1)
                    let last = Swift.min(nt - 1, j0 + 7)
                    while k <= last {
                        acc &+= UnsafeRawPointer(g + (rows[k] &+ j0 &- k)).loadUnaligned(as: SIMD8<Int32>.self)
                        k &+= 1
                    }
                    UnsafeMutableRawPointer(sums + j0).storeBytes(of: acc, as: SIMD8<Int32>.self)
                }
                var best = Int32.min
                for j in 0..<m { best = Swift.max(best, sums[j]) }
                column += nt
                // The best sum; among equal sums memelite keeps the first position unless a later one's overlap
                // exceeds the kept position's offset (its `results[i, 2] >= overlap` test, kept as is).
                var keptOffset = Int.min, keptScore: Int32 = 0, keptOverlap = 0, found = false
                for k in 0..<m where sums[k] == best {
                    let ov = min(k + 1, nq) - max(0, k - nt + 1)
                    guard best >= keptScore else { continue }
                    if found && best == keptScore && keptOffset >= ov { continue }
                    found = true
                    keptScore = best
                    keptOffset = k - nq + 1
                    keptOverlap = ov
                }
                if found {
                    p[t] = keptScore > 0 ? background.pValue(Int(keptScore), length: nt, survival) : 1
                    score[t] = Int(keptScore)
                    offset[t] = keptOffset
                    overlap[t] = keptOverlap
                }
            }
        }
        }
        }
        }
        guard db.settings.reverseComplement else {
            return TomtomRow(pValues: Array(UnsafeBufferPointer(start: p, count: nTargets)),
                             scores: (0..<nTargets).map { Double(score[$0]) },
                             offsets: Array(UnsafeBufferPointer(start: offset, count: nTargets)),
                             overlaps: Array(UnsafeBufferPointer(start: overlap, count: nTargets)),
                             strands: [Int](repeating: 0, count: nTargets))
        }
        let n = nTargets / 2
        var row = TomtomRow(pValues: [], scores: [], offsets: [], overlaps: [], strands: [])
        row.pValues.reserveCapacity(n); row.scores.reserveCapacity(n); row.offsets.reserveCapacity(n)
        row.overlaps.reserveCapacity(n); row.strands.reserveCapacity(n)
        for i in 0..<n {
            let m = min(p[i], p[i + n])
            row.pValues.append(m * (2 - m))  // 1 - (1 - m)^2 without rounding to 0 below 1e-16
            let reverse = score[i] <= score[i + n]
            let j = reverse ? i + n : i
            row.scores.append(Double(score[j]))
            row.offsets.append(offset[j])
            row.overlaps.append(overlap[j])
            row.strands.append(reverse ? 1 : 0)
        }
        return row
    }
}
