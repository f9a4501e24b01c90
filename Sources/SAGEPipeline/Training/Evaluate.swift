import Foundation
import SAGEDistributed
import SAGEEngine
import SAGEGenome

/// `sage-mpi evaluate`: predictions for regions x individuals from a checkpoint, in parallel (regions dealt to
/// ranks, gathered on rank 0), and their correlations. Files (rank 0, in `<out>.partial/`, moved to `out` when
/// all are written): predictions.csv, region_correlations.csv, individual_correlations.csv, summary.json.
/// Identical for any number of ranks (see `predictFromStore`).
public struct Evaluation {
    public var checkpoint: String
    public var regions = "test", individuals = "test"
    public var out: String
    public var batchSize = 16
    public var referenceInput = ReferenceModelInput.personal
    public var inference = InferencePath.sparse
    public init(checkpoint: String, out: String) { self.checkpoint = checkpoint; self.out = out }

    public func run(config: RunConfig, comm: any Communicator, log: RankLog) throws {
        let (model, store) = try openModelAndStore(checkpoint: checkpoint, config: config, purpose: "to evaluate")
        let set = try TrainingSet(config: config, store: store)
        for warning in set.warnings { log.root.warning("\(warning)") }
        var regionList = try pick(regions, named: set.regions, lookup: store.region, what: "region")
        let lacking = regionList.filter { set.y0[$0 * store.individualCount].isNaN }  // a file's ids without expression
        if !lacking.isEmpty {
            log.root.warning("evaluate: \(lacking.count) region(s) of \(regions) have no expression row\(set.trainingCohort.isOtherCohort ? " (here or in train_subs_y_data)" : "") and are dropped: \(lacking.prefix(5).map { store.manifest.regions[$0].id }.joined(separator: ", "))")
            regionList.removeAll { set.y0[$0 * store.individualCount].isNaN }
        }
        let individualList = try pick(individuals, named: set.individuals, lookup: store.individual, what: "individual")
        guard !regionList.isEmpty, !individualList.isEmpty else { throw ConfigError("evaluate: no regions or no individuals selected (\(regions) x \(individuals))") }
        let dataset = PersonalDataset(store: store, options: config.data.sequence)
        // After the checks, before the work: `out` must be new, empty or an earlier evaluation (replaced whole once this one is done).
        let lists = [regions, individuals].filter { FileManager.default.fileExists(atPath: $0) }
        let staged = try StagedDirectory(out: out, kind: "evaluate", inputs: config.inputPaths(except: ["predixcan_out"]) + [checkpoint] + lists,
                                         comm: comm, legacy: { FileManager.default.fileExists(atPath: ($0 as NSString).appendingPathComponent("region_correlations.csv")) },
                                         owns: Self.files.contains)
        log.root.info("evaluate: \(model.config.model.rawValue) from \(checkpoint) on \(regionList.count) regions x \(individualList.count) individuals, \(comm.size) rank(s)")
        log.root.info("evaluate: \(set.trainingCohort.description)")
        log.root.info("evaluate: \(inference == .sparse ? "variant-sparse inference (each region's reference once, then the columns each haplotype's variants change; --dense to check)" : "dense inference (--dense)")")
        let start = Date()
        let progress = ProgressLine(task: "evaluate", scope: "rank 0", total: regionList.count, unit: "regions", log: log)
        let predictions = try predictFromStore(comm: comm, model: model, dataset: dataset, regions: regionList, individuals: individualList,
                                               batchSize: batchSize, referenceInput: referenceInput, path: inference) { done, total in progress.update(done, of: total) }
        progress.finish()
        guard let p = predictions else { return }
        let m = EvaluationMetrics(predictions: p, set: set)
        func path(_ name: String) -> String { staged.path(name) }
        let N = store.individualCount, I = individualList.count
        var csv = "region_id,individual,y0_true,y1_true,y_true,pred_mean,pred_diff\n"
        for (k, r) in regionList.enumerated() {
            for (j, i) in individualList.enumerated() {
                let t = r * N + i, q = k * I + j
                csv += "\(store.manifest.regions[r].id),\(store.manifest.individuals[i]),\(set.y0[t]),\(set.y1[t]),\(set.raw[t]),\(p.predMean[q]),\(p.predDiff[q])\n"
            }
        }
        try AtomicFile.write(Data(csv.utf8), to: path("predictions.csv"))
        var regionsCSV = "region_id,chr,pearson\n"
        for (k, r) in regionList.enumerated() { regionsCSV += "\(store.manifest.regions[r].id),\(store.manifest.regions[r].chr),\(m.regionPearson[k])\n" }
        try AtomicFile.write(Data(regionsCSV.utf8), to: path("region_correlations.csv"))
        var individualsCSV = "individual,pearson\n"
        for (j, i) in individualList.enumerated() { individualsCSV += "\(store.manifest.individuals[i]),\(m.individualPearson[j])\n" }
        try AtomicFile.write(Data(individualsCSV.utf8), to: path("individual_correlations.csv"))
        func finite(_ v: [Double]) -> [Double] { v.filter(\.isFinite) }
        let summary: [String: Any] = [
            "checkpoint": checkpoint, "model": model.config.model.rawValue, "regions": regions, "individuals": individuals,
            "n_regions": regionList.count, "n_individuals": I, "ranks": comm.size,
            "region_pearson_median": json(median(m.regionPearson)), "region_pearson_mean": json(finite(m.regionPearson).reduce(0, +) / Double(finite(m.regionPearson).count)),
            "region_pearson_nan": m.regionPearson.count - finite(m.regionPearson).count,
            "individual_pearson_median": json(median(m.individualPearson)), "individual_pearson_nan": m.individualPearson.count - finite(m.individualPearson).count,
            "mean_pearson": json(m.meanPearson), "loss_ref": json(m.lossRef), "loss_diff": json(m.lossDiff),
            "seconds": Date().timeIntervalSince(start), "training_cohort": set.trainingCohort.record,
        ]
        try AtomicFile.write(JSONSerialization.data(withJSONObject: summary, options: [.prettyPrinted, .sortedKeys]), to: path("summary.json"))
        try staged.commit()
        log.root.info("evaluate: median region r \(fmt(median(m.regionPearson))) (\(m.regionPearson.count - finite(m.regionPearson).count) NaN of \(m.regionPearson.count)), median individual r \(fmt(median(m.individualPearson))), mean-head r \(fmt(m.meanPearson)); wrote \(out)")
    }

    /// What evaluate writes into its directory.
    static let files: Set<String> = ["predictions.csv", "region_correlations.csv", "individual_correlations.csv", "summary.json"]

    /// A split name, or a file of ids one per line.
    func pick(_ spec: String, named: (String) throws -> [Int], lookup: (String) throws -> Int, what: String) throws -> [Int] {
        if ["train", "val", "test", "all"].contains(spec) { return try named(spec) }
        guard FileManager.default.fileExists(atPath: spec) else { throw ConfigError("\(spec): neither train, val, test, all nor a file of \(what) ids") }
        return try readIndividualList(spec).map(lookup)
    }

    func json(_ x: Double) -> Any { x.isFinite ? x : NSNull() }
}
