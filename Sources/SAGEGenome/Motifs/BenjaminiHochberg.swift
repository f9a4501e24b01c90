/// Benjamini-Hochberg adjusted p-values, statsmodels' `multipletests(p, method='fdr_bh')[1]` operation for
/// operation: p sorted ascending, p_(r) / (r / n), the running minimum from the largest rank down, capped at 1,
/// returned in the input order (ties get equal values whatever their order). SAGE-net applies it to the
/// flattened query x database p-value matrix (`annotate_seqlets`).
public func benjaminiHochberg(_ p: [Double]) -> [Double] {
    let n = p.count
    guard n > 0 else { return [] }
    let order = (0..<n).sorted { p[$0] != p[$1] ? p[$0] < p[$1] : $0 < $1 }
    var adjusted = [Double](repeating: 0, count: n)
    var running = Double.infinity
    for r in stride(from: n - 1, through: 0, by: -1) {
        let i = order[r]
        running = min(running, p[i] / (Double(r + 1) / Double(n)))
        adjusted[i] = min(running, 1)
    }
    return adjusted
}
