/// Scratch memory of one thread's Tomtom queries, grown to the largest query seen and reused (nothing is
/// allocated per query once it has grown). Not thread-safe: one per thread.
public final class TomtomWorkspace {
    private(set) var gamma = UnsafeMutablePointer<Double>.allocate(capacity: 1)  // nq x nu scores
    private(set) var gammaInt = UnsafeMutablePointer<Int32>.allocate(capacity: 1)  // nu x (8 zeros, nq bins - offset, 8 zeros)
    private(set) var f = UnsafeMutablePointer<Double>.allocate(capacity: 1)  // nq x (scoreBins + 1)
    private(set) var medianIndex = UnsafeMutablePointer<Int32>.allocate(capacity: 1)  // 4 x nu: bins of a block of 4 query columns
    private(set) var medianCounts = UnsafeMutablePointer<Int>.allocate(capacity: 1)  // 4 x medianBins
    private var capacities = [Int](repeating: 1, count: 5)
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
    }

    func reserve(nq: Int, nu: Int, scoreBins: Int, medianBins: Int) {
        func grow<T>(_ p: inout UnsafeMutablePointer<T>, _ slot: Int, _ n: Int) {
            guard n > capacities[slot] else { return }
            p.deallocate()
            p = .allocate(capacity: n)
            capacities[slot] = n
        }
        grow(&gamma, 0, nq * nu)
        grow(&gammaInt, 1, (nq + 16) * nu)
        grow(&f, 2, nq * (scoreBins + 1))
        grow(&medianIndex, 3, 4 * nu)
        grow(&medianCounts, 4, 4 * medianBins)
    }
}
