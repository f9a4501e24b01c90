import Foundation
import SAGEDistributed
import SAGEEngine
import SAGEGenome

/// What an Enformer baseline predicts from each sequence's (3, 5313) block (SAGE-net's `predict_on_batch` modes).
public enum EnformerMode: String, Sendable, CaseIterable {
    /// `only_brain`: Σ_b ln(p[b, 4980] + 1), the CAGE-brain track.
    case cage
    /// `finetuned`: a given head (SAGE-net's shipped coef.npy, intercept.npy) on Σ_b ln(p[b, :] + 1).
    case finetuned
    /// A new head fit as `finetune_enformer.py` does, then applied as `finetuned`.
    case fitHead = "fit-head"
}

/// `sage-mpi baseline enformer`: Enformer's saved outputs (`EnformerFeatureDirectory`) turned into expression
/// predictions per (region, individual) and for each region's reference sequence, scored as `evaluate` scores a
/// CNN. Regions dealt to ranks in contiguous blocks, gathered on rank 0 in region order (identical files for any
/// number of ranks), written into `<out>.partial/` and moved to `out`. Files:
/// - predictions.csv: region_id, individual, y_true (observed expression), pred;
/// - reference_predictions.csv: region_id, chr, split, y_mean (mean over the training individuals), pred;
/// - region_correlations.csv: region_id, chr, split, pearson (across the individuals);
/// - individual_correlations.csv: individual, pearson (across the regions);
/// - summary.json: evaluate's keys (region_pearson_median, mean_pearson = across regions, reference predictions
///   vs y_mean, ...), the same per region split, the mode and, for fit-head, the penalty;
/// - fit-head: coef.npy (5313,) float64 and intercept.npy 0-d float64, as SAGE-net's head.
///
/// fit-head (SAGENET-REFERENCE §5.2): features of the reference sequence of the training regions -> their mean
/// expression; `ElasticNetCV(l1_ratio=0.5)` (scikit-learn's defaults) with the validation regions as the one
/// held-out fold picks the penalty; the model at that penalty is refit on the training regions. Regions' splits are
/// the configuration's (train_chrs / train_regions, ...), where SAGE-net uses Enformer's own gene split.
public struct EnformerBaseline {
    public var features: String, out: String, mode: EnformerMode
    /// Individuals: a split name (train, val, test, all); regions: all, a split name, or a file of region ids.
    public var individuals = "test", regions = "all"
    /// The head of `finetuned`.
    public var coef: String?, intercept: String?
    /// fit-head's elastic net (scikit-learn's defaults, l1_ratio 0.5).
    public var net = ElasticNetSettings()
    public init(features: String, out: String, mode: EnformerMode) { self.features = features; self.out = out; self.mode = mode }

    /// What the baseline writes into its directory.
    static let files: Set<String> = ["predictions.csv", "reference_predictions.csv", "region_correlations.csv",
                                     "individual_correlations.csv", "summary.json", "coef.npy", "intercept.npy"]

    public func run(config: RunConfig, comm: any Communicator, log: RankLog) throws {
        let started = Date()
        let directory = try EnformerFeatureDirectory(root: features, split: individuals)
        let cohort = try EnformerCohort(config: config, split: individuals, regionList: regions)
        var head: EnformerHead? = nil
        if mode == .finetuned {
            guard let coef, let intercept else { throw ConfigError("--mode finetuned needs the head: --coef coef.npy --intercept intercept.npy") }
            head = try EnformerHead(coefPath: coef, interceptPath: intercept)
        }
        if mode == .fitHead {
            let (train, val) = cohort.fitRegions
            guard train.count >= 2, !val.isEmpty else {
                throw ConfigError("--mode fit-head: \(train.count) training and \(val.count) validation region(s) with expression; it needs at least 2 and 1 (train_chrs / val_chrs, or train_regions / val_regions)")
            }
        }
        let rowOf = try directory.rows(of: cohort.individuals)  // individual j's row in the files
        let listed = [regions, coef, intercept, directory.subList].compactMap { $0 }.filter { FileManager.default.fileExists(atPath: $0) }
        let staged = try StagedDirectory(out: out, kind: "enformer", inputs: config.inputPaths(except: ["predixcan_out", "store"]) + [features] + listed,
                                         comm: comm, owns: Self.files.contains)
        let n = cohort.individuals.count, selected = cohort.selected
        if comm.rank == 0 {
            log.root.info("enformer \(mode.rawValue): \(selected.count) regions x \(n) \(individuals) individuals from \(features), on \(comm.size) rank(s)")
            if !cohort.withoutExpression.isEmpty {
                log.root.warning("enformer: \(cohort.withoutExpression.count) region(s) have no expression row and are skipped, e.g. \(cohort.withoutExpression.prefix(5).joined(separator: ", "))")
            }
        }
        var fit: (fit: ElasticNetFit, train: Int, val: Int)? = nil
        if mode == .fitHead {
            let fitted = try fitHead(directory: directory, cohort: cohort, staged: staged, comm: comm, log: log)
            head = fitted.head
            fit = fitted.fit
        }

        // Predictions: this rank's block of the selected regions; rows region-major, individuals in list order.
        let mine = share(of: selected.count, for: comm)
        let (local, localReference) = try staged.collectively {
            var predictions: [Double] = [], reference: [Double] = []
            func predict(_ values: [Double], _ block: Int) -> Double {
                head.map { $0.predict(values, block: block) } ?? EnformerTracks.cage(values, block: block)
            }
            for k in mine {
                let id = cohort.regions[selected[k]].id
                reference.append(predict(try directory.referenceBlock(id), 0))
                let blocks = try directory.individualBlocks(id, count: n)
                for j in 0..<n { predictions.append(predict(blocks, rowOf[j])) }
            }
            return (predictions, reference)
        }
        let gathered = try comm.gather(local, root: 0), gatheredReference = try comm.gather(localReference, root: 0)
        guard comm.rank == 0, let gathered, let gatheredReference else { try comm.barrier(); return }

        do {
            let scores = EnformerScores(predictions: gathered.flatMap { $0 }, reference: gatheredReference.flatMap { $0 }, cohort: cohort)
            try write(scores, cohort: cohort, head: head, fit: fit, staged: staged, ranks: comm.size, started: started)
            try staged.commit()
            log.root.info("enformer \(mode.rawValue): median region r \(fmt(scores.summary["region_pearson_median"])), across regions (reference vs mean expression) r \(fmt(scores.summary["mean_pearson"])); wrote \(out)")
        } catch {
            try? FileManager.default.removeItem(atPath: staged.partial)
            throw error
        }
        try comm.barrier()
    }

    /// fit-head: rank r reads the reference features of its block of the training + validation regions (a failure
    /// there is collective); rank 0 fits and broadcasts the head. Every rank calls it.
    func fitHead(directory: EnformerFeatureDirectory, cohort: EnformerCohort, staged: StagedDirectory, comm: any Communicator, log: RankLog) throws
        -> (head: EnformerHead, fit: (fit: ElasticNetFit, train: Int, val: Int)?) {
        let (train, val) = cohort.fitRegions
        let rows = train + val, p = EnformerTracks.count
        let local = try staged.collectively {
            try share(of: rows.count, for: comm).flatMap { k in
                EnformerTracks.features(try directory.referenceBlock(cohort.regions[rows[k]].id), block: 0)
            }
        }
        let gathered = try comm.gather(local, root: 0)
        var parameters = [Double](repeating: 0, count: p + 1)
        var result: (fit: ElasticNetFit, train: Int, val: Int)? = nil
        if let gathered {
            let features = gathered.flatMap { $0 }  // row-major regions x tracks
            var x = [Double](repeating: 0, count: rows.count * p)
            for i in rows.indices { for j in 0..<p { x[j * rows.count + i] = features[i * p + j] } }
            let data = RegressionData(rows: rows.count, cols: p, x: x, y: rows.map { cohort.mean[$0] })
            log.root.info("enformer fit-head: elastic net on \(train.count) training regions' reference features (\(p) tracks), penalty chosen on \(val.count) validation regions")
            let f = elasticNetCV(data, folds: [Int](repeating: -1, count: train.count) + [Int](repeating: 0, count: val.count),
                                 refitRows: Array(0..<train.count), settings: net)
            if f.unconverged > 0 { log.root.warning("enformer fit-head: \(f.unconverged) penalty solve(s) stopped at --max-iter \(net.maxIter) (scikit-learn's ConvergenceWarning)") }
            parameters = f.weights + [f.intercept]
            result = (f, train.count, val.count)
        }
        try comm.broadcast(&parameters, root: 0)
        return (EnformerHead(coef: Array(parameters[0..<p]), intercept: parameters[p]), result)
    }

    func write(_ s: EnformerScores, cohort: EnformerCohort, head: EnformerHead?, fit: (fit: ElasticNetFit, train: Int, val: Int)?,
               staged: StagedDirectory, ranks: Int, started: Date) throws {
        let n = cohort.individuals.count
        var predictions = "region_id,individual,y_true,pred\n", reference = "region_id,chr,split,y_mean,pred\n"
        var regionRows = "region_id,chr,split,pearson\n"
        for (k, r) in cohort.selected.enumerated() {
            let region = cohort.regions[r], split = cohort.regionSplit[r]
            for j in 0..<n { predictions += "\(region.id),\(cohort.individuals[j]),\(cohort.observed[r * n + j]),\(s.predictions[k * n + j])\n" }
            reference += "\(region.id),\(region.chr),\(split),\(cohort.mean[r]),\(s.reference[k])\n"
            regionRows += "\(region.id),\(region.chr),\(split),\(s.regionPearson[k])\n"
        }
        var individualRows = "individual,pearson\n"
        for (j, id) in cohort.individuals.enumerated() { individualRows += "\(id),\(s.individualPearson[j])\n" }
        for (name, text) in [("predictions.csv", predictions), ("reference_predictions.csv", reference),
                             ("region_correlations.csv", regionRows), ("individual_correlations.csv", individualRows)] {
            try AtomicFile.write(Data(text.utf8), to: staged.path(name))
        }
        var summary = s.summary
        summary["mode"] = mode.rawValue
        summary["features"] = features
        summary["individuals"] = individuals
        summary["regions"] = regions
        summary["ranks"] = ranks
        summary["regions_without_expression"] = cohort.withoutExpression
        if let head, mode != .cage {
            summary["head"] = ["coef": coef ?? "coef.npy", "intercept": intercept ?? "intercept.npy",
                               "n_nonzero": head.coef.filter { $0 != 0 }.count, "intercept_value": head.intercept] as [String: Any]
        }
        if let head, let fit {
            let files = head.files
            try AtomicFile.write(files.coef, to: staged.path("coef.npy"))
            try AtomicFile.write(files.intercept, to: staged.path("intercept.npy"))
            summary["fit"] = ["alpha": fit.fit.alpha, "alpha_index": fit.fit.bestIndex, "n_train_regions": fit.train, "n_val_regions": fit.val,
                              "unconverged": fit.fit.unconverged, "l1_ratio": net.l1Ratio, "n_alphas": net.alphaCount, "eps": net.eps,
                              "tol": net.tol, "max_iter": net.maxIter] as [String: Any]
        }
        summary["seconds"] = Date().timeIntervalSince(started)
        try AtomicFile.write(JSONSerialization.data(withJSONObject: summary, options: [.prettyPrinted, .sortedKeys]), to: staged.path("summary.json"))
    }

    func fmt(_ value: Any?) -> String { (value as? Double).map { String(format: "%.3f", $0) } ?? "nan" }
}

/// The correlations of the Enformer baseline's predictions (the selected regions, in order).
struct EnformerScores {
    let predictions: [Double], reference: [Double]
    let regionPearson: [Double], individualPearson: [Double]
    /// evaluate's summary keys, overall and per region split ("train", "val", "test" entries of "by_region_split").
    var summary: [String: Any] = [:]

    init(predictions: [Double], reference: [Double], cohort: EnformerCohort) {
        let n = cohort.individuals.count, selected = cohort.selected
        self.predictions = predictions
        self.reference = reference
        regionPearson = selected.indices.map { k in
            pearson(Array(predictions[(k * n)..<((k + 1) * n)]), (0..<n).map { cohort.observed[selected[k] * n + $0] })
        }
        individualPearson = (0..<n).map { j in
            pearson(selected.indices.map { predictions[$0 * n + j] }, selected.map { cohort.observed[$0 * n + j] })
        }
        func json(_ x: Double) -> Any { x.isFinite ? x : NSNull() }
        func scores(_ ks: [Int]) -> [String: Any] {
            let r = ks.map { regionPearson[$0] }, finite = r.filter(\.isFinite)
            return ["n_regions": ks.count, "region_pearson_median": json(median(r)),
                    "region_pearson_mean": json(finite.isEmpty ? .nan : finite.reduce(0, +) / Double(finite.count)),
                    "region_pearson_nan": r.count - finite.count,
                    "mean_pearson": json(pearson(ks.map { reference[$0] }, ks.map { cohort.mean[selected[$0]] }))]
        }
        summary = scores(Array(selected.indices))
        summary["n_individuals"] = n
        summary["individual_pearson_median"] = json(median(individualPearson))
        summary["individual_pearson_nan"] = individualPearson.filter { !$0.isFinite }.count
        var bySplit: [String: Any] = [:]
        for split in ["train", "val", "test"] {
            let ks = selected.indices.filter { cohort.regionSplit[selected[$0]] == split }
            if !ks.isEmpty { bySplit[split] = scores(ks) }
        }
        summary["by_region_split"] = bySplit
    }
}
