import Foundation

/// Synthetic Enformer outputs for a simulated cohort (`simulate --enformer-features`), in SAGE-net's `all_tracks`
/// layout, so that `baseline enformer` can be run end to end without Enformer. NOT Enformer's predictions: every
/// value is drawn here, with a planted relation to the simulated expression. Written under `{cohort}/enformer/`:
/// - `eval_on_ref_seq/gene_res/{region_id}.npy`: float32 (1, 3, 5313), the "reference sequence", whose signal is
///   the region's mean expression over the training individuals;
/// - `eval_on_individual/test_subs/gene_res/{region_id}.npy`: float32 (n, 3, 5313), one block per test individual
///   in `individuals/test.txt` order (also `test_subs/sub_list.npy`, as SAGE-net saves it), whose signal is that
///   individual's expression;
/// - `truth/enformer_tracks.csv` (in the cohort): the planted tracks and their gains.
///
/// Per block, with s = signal + 0.5·N(0, 1) (expression units) and a fresh N(0, 1) draw per bin:
/// - planted track t (4980 = CAGE:brain, and a few others): ln(p[b, t] + 1) = max(0, 1 + gain_t·(s - 5) + 0.02·N),
///   a monotone function of the expression plus noise, so the cage and fit-head modes correlate clearly;
/// - every other track: ln(p[b, t] + 1) = max(0, level[region, t] + 0.02·N), level ~ U(0, 0.5) per region and
///   track, unrelated to expression.
/// Deterministic for a seed (a stream of its own: the cohort's files do not change with the flag).
public struct EnformerFeatureSimulator {
    public static let tracks = 5313, bins = 3
    /// (track, gain): track 4980 is SAGE-net's CAGE-brain track.
    public static let planted: [(track: Int, gain: Double)] = [(4980, 0.3), (41, 0.25), (1203, 0.2), (2718, 0.15), (3999, 0.25), (5100, 0.1)]
    public var seed: UInt64
    public init(seed: UInt64) { self.seed = seed }

    /// Reads the cohort `simulate` wrote into `dir` (regions.csv, expression.csv, individuals/) and writes the files.
    public func write(cohort dir: String) throws {
        func path(_ name: String) -> String { (dir as NSString).appendingPathComponent(name) }
        let regions = try readRegions(path: path("regions.csv"))
        let expression = try readExpression(path: path("expression.csv"))
        let column = Dictionary(uniqueKeysWithValues: expression.individuals.enumerated().map { ($1, $0) })
        let train = try readIndividualList(path("individuals/train.txt")).map { column[$0]! }
        let test = try readIndividualList(path("individuals/test.txt")).map { column[$0]! }
        let reference = path("enformer/eval_on_ref_seq/gene_res"), personal = path("enformer/eval_on_individual/test_subs/gene_res")
        for sub in [reference, personal] { try FileManager.default.createDirectory(atPath: sub, withIntermediateDirectories: true) }
        var rng = SimRandom(seed: seed ^ 0xE4F0_53ED)
        var gain = [Double?](repeating: nil, count: Self.tracks)
        for (t, g) in Self.planted { gain[t] = g }
        for region in regions {
            guard let row = expression.row(of: region.id) else { continue }
            let level = (0..<Self.tracks).map { _ in 0.5 * rng.uniform() }
            /// One (3, 5313) block for a sequence whose expression is `signal`.
            func block(_ signal: Double) -> [Float] {
                let s = signal + 0.5 * rng.normal()
                var values = [Float](repeating: 0, count: Self.bins * Self.tracks)
                for b in 0..<Self.bins {
                    for t in 0..<Self.tracks {
                        let logValue = gain[t].map { 1 + $0 * (s - 5) } ?? level[t]
                        values[b * Self.tracks + t] = Float(expm1(max(0, logValue + 0.02 * rng.normal())))
                    }
                }
                return values
            }
            let mean = train.reduce(0.0) { $0 + row[$1] } / Double(max(train.count, 1))
            let refBlock = block(mean), testBlocks = test.flatMap { block(row[$0]) }
            try NPY.encode(NPYArray(shape: [1, Self.bins, Self.tracks], values: .float32(refBlock)))
                .write(to: URL(fileURLWithPath: (reference as NSString).appendingPathComponent("\(region.id).npy")), options: .atomic)
            try NPY.encode(NPYArray(shape: [test.count, Self.bins, Self.tracks], values: .float32(testBlocks)))
                .write(to: URL(fileURLWithPath: (personal as NSString).appendingPathComponent("\(region.id).npy")), options: .atomic)
        }
        let testIDs = try readIndividualList(path("individuals/test.txt"))
        try NPY.encodeStrings(testIDs).write(to: URL(fileURLWithPath: path("enformer/eval_on_individual/test_subs/sub_list.npy")), options: .atomic)
        let truth = "track,gain\n" + Self.planted.map { "\($0.track),\($0.gain)\n" }.joined()
        try truth.write(toFile: path("truth/enformer_tracks.csv"), atomically: true, encoding: .utf8)
    }
}
