/// One annotation row of SAGE-net's `annotate_seqlets`: a query (cluster) and one database motif it matches.
public struct MotifAnnotation: Equatable, Sendable {
    public var query: Int, target: Int
    public var pValue: Double, bhPValue: Double
    public var strand: Int, offset: Int, overlap: Int
}

/// SAGE-net's `annotate_seqlets` selection: Benjamini-Hochberg over the whole flattened query x database matrix
/// of `rows` (query-major), then per query the union of its `top` smallest raw p-values (ties: lower database
/// index first) and every match with BH < `bhThreshold`, each once, ordered by raw p-value (ties by database
/// index). Queries in order.
public func annotateMatches(_ rows: [TomtomRow], top: Int = 5, bhThreshold: Double = 0.05) -> [MotifAnnotation] {
    let flat = rows.flatMap(\.pValues)
    let bh = benjaminiHochberg(flat)
    var out: [MotifAnnotation] = []
    var start = 0
    for (q, row) in rows.enumerated() {
        let n = row.pValues.count
        let byP = (0..<n).sorted { row.pValues[$0] != row.pValues[$1] ? row.pValues[$0] < row.pValues[$1] : $0 < $1 }
        var keep = Set(byP.prefix(top))
        for j in 0..<n where bh[start + j] < bhThreshold { keep.insert(j) }
        for j in byP where keep.contains(j) {
            out.append(MotifAnnotation(query: q, target: j, pValue: row.pValues[j], bhPValue: bh[start + j],
                                       strand: row.strands[j], offset: row.offsets[j], overlap: row.overlaps[j]))
        }
        start += n
    }
    return out
}
