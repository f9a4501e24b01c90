/// Scratch memory of one thread's Tomtom queries, grown to the largest query seen and reused (nothing is
/// allocated per query once it has grown, but for the rows it returns). Not thread-safe: one per thread.
public final class TomtomWorkspace {
    private(set) var gamma = UnsafeMutablePointer<Double>.allocate(capacity: 1)  // nq x nu scores
    private(set) var gammaInt = UnsafeMutablePointer<Int32>.allocate(capacity: 1)  // nu x (8 zeros, nq bins - offset, 8 zeros)
    private(set) var f = UnsafeMutablePointer<Double>.allocate(capacity: 1)  // nq x (scoreBins + 1)
    private(set) var medianIndex = UnsafeMutablePointer<Int32>.allocate(capacity: 1)  // 4 x nu: bins of a block of 4 query columns
    private(set) var medianCounts = UnsafeMutablePointer<Int>.allocate(capacity: 1)  // 4 x medianBins
    private(set) var columnStats = UnsafeMutablePointer<Double>.allocate(capacity: 1)  // 3 x nq: each column's min, max, median score
    private(set) var columnBins = UnsafeMutablePointer<Int>.allocate(capacity: 1)  // 2 x nq: each column's lowest, highest non-empty bin
    private(set) var spanIndex = UnsafeMutablePointer<Int>.allocate(capacity: 1)  // 5 x nq^2: span windows, starts, marks; an order
    private(set) var spanTotals = UnsafeMutablePointer<Double>.allocate(capacity: 1)  // nq^2: each span's total
    private(set) var targetP = UnsafeMutablePointer<Double>.allocate(capacity: 1)  // targets: best p-value
    private(set) var targetInts = UnsafeMutablePointer<Int>.allocate(capacity: 1)  // 3 x targets: best score, offset, overlap
    private var capacities = [Int](repeating: 1, count: 11)
    /// The chain lanes' state (TomtomBackground.build): 8 entries each of chain, step, support and range ends and
    /// busy lanes, then 4 pending target lengths and their count.
    let laneState = UnsafeMutablePointer<Int>.allocate(capacity: 64)
    /// Rows of the two RunningSums of TomtomBackground.build (8 each: the spans', then the lanes').
    let sumRows = UnsafeMutablePointer<UnsafeMutablePointer<Double>?>.allocate(capacity: 16)
    let sumCounts = UnsafeMutablePointer<Int>.allocate(capacity: 16)
    /// Packed span backgrounds and their cumulative sums (TomtomBackground), the pdfs of up to eight chains of
    /// maxima, their running sums and up to four pdfs waiting for their survival rows, a zero-padded convolution
    /// input, survival rows; the score sums of one target and the gammaInt rows of its columns (Tomtom).
    var spans: [Double] = [], spanSums: [Double] = []
    var chainPDFs: [Double] = [], chainSums: [Double] = [], pendingPDFs: [Double] = [], padded: [Double] = []
    var survival: [Double] = []
    var sums: [Int32] = [], targetRows: [Int] = []
    /// The chains of maxima of each query length (TomtomBackground.chains), for the database they were made for (held,
    /// so that no other database can take its address while they are kept).
    private var chainCache: [Int: [TomtomBackground.Chain]] = [:], chainDatabase: TomtomDatabase?

    /// The chains of a query of nq columns against `db`, made by `make` the first time.
    func chains(nq: Int, database db: TomtomDatabase, make: () -> [TomtomBackground.Chain]) -> [TomtomBackground.Chain] {
        if chainDatabase !== db { chainCache = [:]; chainDatabase = db }
        if let chains = chainCache[nq] { return chains }
        let chains = make()
        chainCache[nq] = chains
        return chains
    }

    public init() {}

    deinit {
        gamma.deallocate(); gammaInt.deallocate(); f.deallocate(); medianIndex.deallocate(); medianCounts.deallocate()
        columnStats.deallocate(); columnBins.deallocate(); spanIndex.deallocate(); spanTotals.deallocate()
        targetP.deallocate(); targetInts.deallocate(); laneState.deallocate(); sumRows.deallocate(); sumCounts.deallocate()
    }

    private func grow<T>(_ p: inout UnsafeMutablePointer<T>, _ slot: Int, _ n: Int) {
        guard n > capacities[slot] else { return }
        p.deallocate()
        p = .allocate(capacity: n)
        capacities[slot] = n
    }

    /// Room for a query of nq columns against nu unique target columns and `targets` targets (both strands).
    func reserve(nq: Int, nu: Int, scoreBins: Int, medianBins: Int, targets: Int) {
        grow(&gamma, 0, nq * nu)
        grow(&gammaInt, 1, (nq + 16) * nu)
        grow(&f, 2, nq * (scoreBins + 1))
        grow(&medianIndex, 3, 4 * nu)
        grow(&medianCounts, 4, 4 * medianBins)
        grow(&columnStats, 5, 3 * nq)
        grow(&columnBins, 6, 2 * nq)
        grow(&spanIndex, 7, 5 * nq * nq)
        grow(&spanTotals, 8, nq * nq)
        grow(&targetP, 9, targets)
        grow(&targetInts, 10, 3 * targets)
    }
}
