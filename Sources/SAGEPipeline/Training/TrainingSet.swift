import Foundation
import SAGEEngine
import SAGEGenome

/// What a run trains and validates on, in the store's indices: regions split by chromosome (optionally selected
/// from a ranking first), individuals from the split files, and SAGE-net's targets for every (region, individual).
///
/// Targets (SAGENET-REFERENCE §2.4, §7.2): y0[r] = mean (or median) of region r over ALL training individuals;
/// y1[r, i] = z-score (sd over the training individuals, ddof 1) when zscore, else y - y0 when split_y_data, else raw
/// y. `num_training_subs` limits whom we train on, not whom y0 and allele frequencies are computed over (as SAGE-net).
public final class TrainingSet: @unchecked Sendable {
    public let store: VariantStore
    public let trainRegions: [Int], valRegions: [Int], testRegions: [Int]
    public let trainIndividuals: [Int], valIndividuals: [Int], testIndividuals: [Int]
    /// Per store region (R) and store individual (N), row-major R x N; NaN where a region has no expression row.
    public let y0: [Float], y1: [Float], raw: [Float]
    /// Per region: the training individuals' sd (ddof 1), to map a predicted z-score back to expression.
    public let sd: [Float]
    public let splitYData: Bool, zscore: Bool
    /// What was dropped on the way (regions without expression, ranking ids not in the store): for rank 0 to log.
    public private(set) var warnings: [String] = []
    /// The regions the splits are taken from (after the ranking and the expression rows), and where they came from.
    public private(set) var selectedRegions: [Int] = [], selection = ""

    /// Whose numbers y0 and the allele frequencies come from (this cohort's training individuals, or train_subs).
    public let trainingCohort: TrainingCohort

    public init(config: RunConfig, store: VariantStore) throws {
        self.store = store
        let cohort = try Cohort(config: config)
        trainingCohort = try TrainingCohort(config: config, cohort: cohort)
        let expressionPath = try config.paths.expression.required(for: "to train or evaluate")
        let expression = try readExpression(path: expressionPath)
        let R = store.regionCount, N = store.individualCount
        guard !trainingCohort.individuals.isEmpty else { throw ConfigError("\(config.file ?? "configuration"): train_individuals is required") }
        let subs = config.splits.numTrainingSubs
        let allTraining = try cohort.train.map { try store.individual($0) }
        trainIndividuals = subs > 0 ? Array(allTraining.prefix(subs)) : allTraining
        valIndividuals = try cohort.val.map { try store.individual($0) }
        testIndividuals = try cohort.test.map { try store.individual($0) }

        // Expression columns of the stored individuals; every one of them must be there.
        let column = Dictionary(expression.individuals.enumerated().map { ($1, $0) }, uniquingKeysWith: { a, _ in a })
        let missing = store.manifest.individuals.filter { column[$0] == nil }
        if !missing.isEmpty {
            throw GenomeError("\(expressionPath): \(missing.count) individual(s) of the splits have no column: \(missing.prefix(5).joined(separator: ", "))")
        }
        let row = Dictionary(expression.regionIDs.enumerated().map { ($1, $0) }, uniquingKeysWith: { a, _ in a })
        // y0 and sd from the training individuals: in this table, or in the training cohort's (train_subs_y_data).
        let yDataPath = trainingCohort.expression ?? expressionPath
        let yData = yDataPath == expressionPath ? expression : try readExpression(path: yDataPath)
        let yDataColumn = Dictionary(yData.individuals.enumerated().map { ($1, $0) }, uniquingKeysWith: { a, _ in a })
        let absent = trainingCohort.individuals.filter { yDataColumn[$0] == nil }
        if !absent.isEmpty {
            throw GenomeError("\(yDataPath): \(absent.count) training individual(s) have no column: \(absent.prefix(5).joined(separator: ", "))")
        }
        let trainingColumns = trainingCohort.individuals.map { yDataColumn[$0]! }
        let yDataRow = Dictionary(yData.regionIDs.enumerated().map { ($1, $0) }, uniquingKeysWith: { a, _ in a })
        splitYData = config.model.splitYData
        zscore = config.data.zscore
        let centre = config.data.centre
        let deviation: TargetDeviation = !splitYData ? .raw : zscore ? .zscore : .deviation
        var y0 = [Float](repeating: .nan, count: R * N), y1 = y0, raw = y0
        var sd = [Float](repeating: .nan, count: R)
        var withoutTrainingRow: [String] = []
        for r in 0..<R {
            let id = store.manifest.regions[r].id
            guard let e = row[id] else { continue }
            guard let t = yDataRow[id] else { withoutTrainingRow.append(id); continue }
            let statistics = TargetStatistics(training: trainingColumns.map { yData.values[t][$0] }, centre: centre)
            let values = expression.values[e], deviations = statistics.deviations(values, deviation)
            sd[r] = Float(statistics.sd)
            for i in 0..<N {
                let c = column[store.manifest.individuals[i]]!
                y0[r * N + i] = Float(statistics.y0); y1[r * N + i] = Float(deviations[c]); raw[r * N + i] = Float(values[c])
            }
        }
        self.y0 = y0; self.y1 = y1; self.raw = raw; self.sd = sd
        /// Whether region r has an expression row (and one in the training cohort's table, for y0).
        func hasTargets(_ r: Int) -> Bool { N > 0 && !y0[r * N].isNaN }

        // Regions: all of the store's, or a ranking's selection; then split by chromosome. SAGE-net selects from the
        // ranking once per split size: num_top_train_regions for the training regions, num_top_val_regions for the
        // validation regions (each 0 = num_regions), num_regions for the rest.
        var notes: [String] = []
        var origin = "the store's \(R) regions"
        /// The selection of `count` regions (the store's, without a ranking) that have expression rows.
        func select(count: Int, noting: Bool) throws -> [Int] {
            var candidates = Array(0..<R)
            if let ranking = config.paths.regionRanking.value {
                let ids = try selectRegions(ranking: ranking, count: count, start: config.splits.regionIdxStart,
                                            random: config.splits.randRegions, consider: config.splits.topRegionsToConsider,
                                            seed: config.training.seed)
                candidates = ids.compactMap { store.regionIndex[$0] }
                let unknown = ids.filter { store.regionIndex[$0] == nil }
                if !unknown.isEmpty && noting {
                    notes.append("\(ranking): \(unknown.count) of the \(ids.count) selected region(s) are not in the store, dropped: \(unknown.prefix(5).joined(separator: ", "))\(unknown.count > 5 ? ", ..." : "")")
                }
                guard !candidates.isEmpty else {
                    throw ConfigError("\(ranking): none of the \(ids.count) region(s) selected (\(count) from rank region_idx_start \(config.splits.regionIdxStart)) is in the store (\(ids.prefix(3).joined(separator: ", ")), ...): is it a ranking of these regions?")
                }
                if noting { origin = "the \(candidates.count) region(s) selected from \(ranking)" }
            }
            let withExpression = candidates.filter { hasTargets($0) }
            if withExpression.count < candidates.count && noting {
                // SAGE-net drops regions without an expression row; so do we, saying how many.
                let lacking = candidates.filter { !hasTargets($0) }.map { store.manifest.regions[$0].id }
                guard !withExpression.isEmpty else {
                    throw GenomeError("\(expressionPath): none of \(origin) has an expression row (\(lacking.prefix(3).joined(separator: ", ")), ...): do the region ids match the expression table's first column?")
                }
                notes.append("\(expressionPath): \(lacking.count) of \(origin) have no expression row and are dropped: \(lacking.prefix(5).joined(separator: ", "))\(lacking.count > 5 ? ", ..." : "")")
            }
            return withExpression
        }
        let count = config.splits.numRegions
        let withExpression = try select(count: count, noting: true)
        var perSplit: [SplitName: [Int]] = [:]
        for (split, n) in [(SplitName.train, config.splits.numTopTrainRegions), (.val, config.splits.numTopValRegions)] {
            if n > 0 && n != count && config.paths.regionRanking.value != nil { perSplit[split] = try select(count: n, noting: false) }
        }
        func bare(_ chr: String) -> String { chr.hasPrefix("chr") ? String(chr.dropFirst(3)) : chr }
        /// An explicit list (`<split>_regions`, a file of ids) or the regions on `<split>_chrs`.
        func regions(_ split: SplitName) throws -> [Int] {
            if let file = config.splits[split].regionsFile {
                let listed = try readIndividualList(file).map { id in
                    guard let r = store.regionIndex[id] else { throw GenomeError("\(file): region '\(id)' is not in the store (not in the regions table?)") }
                    return r
                }
                let kept = listed.filter { hasTargets($0) }
                if kept.count < listed.count {
                    guard !kept.isEmpty else { throw GenomeError("\(expressionPath): none of the \(listed.count) region(s) of \(file) has an expression row") }
                    notes.append("\(expressionPath): \(listed.count - kept.count) of the \(listed.count) region(s) of \(file) have no expression row and are dropped")
                }
                return kept
            }
            let chrs = Set(config.splits[split].chromosomes.map(bare))
            return (perSplit[split] ?? withExpression).filter { chrs.contains(bare(store.manifest.regions[$0].chr)) }
        }
        trainRegions = try regions(.train); valRegions = try regions(.val); testRegions = try regions(.test)
        if !withoutTrainingRow.isEmpty {
            notes.append("\(yDataPath): \(withoutTrainingRow.count) region(s) with expression have no row in the training cohort's table (train_subs_y_data), so no y0, and are dropped: \(withoutTrainingRow.prefix(5).joined(separator: ", "))\(withoutTrainingRow.count > 5 ? ", ..." : "")")
        }
        warnings = notes; selectedRegions = withExpression; selection = origin
    }

    public func regions(_ split: String) throws -> [Int] {
        try pickSplit(split, trainRegions, valRegions, testRegions, what: "region")
    }

    public func individuals(_ split: String) throws -> [Int] {
        try pickSplit(split, trainIndividuals, valIndividuals, testIndividuals, what: "individual")
    }
}

/// The list of a named split: train, val, test, or all (the three in that order).
func pickSplit<T>(_ name: String, _ train: [T], _ val: [T], _ test: [T], what: String) throws -> [T] {
    switch name {
    case "train": return train
    case "val": return val
    case "test": return test
    case "all": return train + val + test
    default: throw ConfigError("unknown \(what) split '\(name)' (train, val, test, all, or a file of \(what) ids)")
    }
}

/// SAGE-net's `select_region_set`: ranking rows sorted by val_pearson (descending, NaN last, stable); either
/// `count` ids from rank `start`, or (random) a seeded shuffle of the first `consider` then the first `count`.
/// count 0 = all. The shuffle is our SplitMix64, not CPython's Mersenne Twister: the same seed picks other genes.
public func selectRegions(ranking path: String, count: Int, start: Int, random: Bool, consider: Int, seed: UInt64) throws -> [String] {
    guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { throw GenomeError("\(path): cannot read the region ranking") }
    // Lines with their 1-based numbers (CRLF or LF; blank lines skipped), fields trimmed.
    // ("\r\n" is one Character in Swift, so split the scalars.)
    let lines = text.unicodeScalars.split(separator: "\n", omittingEmptySubsequences: false).map(Substring.init).enumerated().compactMap { k, line -> (Int, [String])? in
        let trimmed = line.hasSuffix("\r") ? line.dropLast() : line
        guard !trimmed.allSatisfy(\.isWhitespace) else { return nil }
        return (k + 1, trimmed.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) })
    }
    guard let header = lines.first?.1, let score = header.firstIndex(of: "val_pearson") else {
        throw GenomeError("\(path): the header must have a val_pearson column (e.g. a `sage-mpi baseline predixcan` summary)")
    }
    let idColumn = header.firstIndex(of: "region_id") ?? header.firstIndex(of: "gene_id") ?? 0
    var rows: [(id: String, score: Double, line: Int)] = []
    for (line, fields) in lines.dropFirst() {
        guard fields.count == header.count else {
            throw GenomeError("\(path):\(line): \(fields.count) fields, the header has \(header.count)")
        }
        let value = fields[score]
        guard let v = Double(value) ?? (["nan", "NaN", ""].contains(value) ? Double.nan : nil) else {
            throw GenomeError("\(path):\(line): val_pearson '\(value)' is not a number")
        }
        rows.append((fields[idColumn], v, line))
    }
    guard !rows.isEmpty else { throw GenomeError("\(path): the ranking has a header but no rows") }
    rows.sort { a, b in
        if a.score.isNaN != b.score.isNaN { return !a.score.isNaN }
        if a.score != b.score && !a.score.isNaN { return a.score > b.score }
        return a.line < b.line
    }
    var ids = rows.map(\.id)
    if random {
        ids = Array(ids.prefix(consider < 0 ? ids.count : consider))
        var rng = SplitMix64(seed: seed)
        ids.shuffle(using: &rng)
        return Array(ids.prefix(count > 0 ? count : ids.count))
    }
    let from = min(start, ids.count)
    return Array(ids[from..<(count > 0 ? min(ids.count, from + count) : ids.count)])
}
