import Foundation
import SAGEDistributed
import SAGEEngine
import SAGEGenome

/// `sage-mpi baseline predixcan`: per region, an elastic net on the cis genotype dosages (SAGENET-REFERENCE §6),
/// regions dealt to ranks in contiguous blocks. Each rank writes its rows into `<out>.partial/`; rank 0 joins them
/// in rank order (= region order, so the files are the same for any number of ranks) and moves the directory to
/// `out`. Files:
/// - summary.csv: region_id, train_pearson, val_pearson, test_pearson, n_features, n_nonzero, alpha, status,
///   unconverged (penalty solves that stopped at predixcan_max_iter), intercept (see `PrediXcanApply`)
///   (SAGE-net's ranking format: `train` can select regions from it with region_ranking);
/// - weights.csv: region_id, chr, pos, ref, alt, weight (non-zero weights; pos 1-based);
/// - predictions.csv: region_id, individual, split, pred (every region, every individual of every split);
/// - causal.csv (with `causal`): per region, whether known causal variants carry the weight;
/// - summary.json: settings, counts, medians, regions without features or expression.
public struct PrediXcanRun {
    public var out: String
    /// "all" or a file of region ids.
    public var regions = "all"
    /// Optional CSV of known causal variants (region_id, pos, ref, alt), e.g. a simulation's truth.
    public var causal: String?
    public init(out: String) { self.out = out }

    /// A PrediXcan directory written before output markers: its summary.csv starts with our header.
    static func isEarlierOutput(_ directory: String) -> Bool {
        let summary = (directory as NSString).appendingPathComponent("summary.csv")
        return (try? String(contentsOfFile: summary, encoding: .utf8))?.hasPrefix(RegionBaseline.earlierSummaryHeader) == true
    }

    public func run(config: RunConfig, comm: any Communicator, log: RankLog) throws {
        let inputs = try PrediXcanInputs(config: config, regionList: regions)
        let settings = inputs.settings, rows = inputs.rows, work = inputs.regions, withoutExpression = inputs.withoutExpression
        let causalSet = try causal.map(readCausalVariants)

        // One thread per rank (OpenBLAS is kept at 1 thread, `BLAS.singleThreaded`; its calls here are small, one Gram
        // column at a time): ranks are the parallelism here (mpirun -np P for P cores).
        let inputFiles = config.inputPaths(except: ["predixcan_out", "store"]) + [regions, causal].compactMap { $0 }.filter { FileManager.default.fileExists(atPath: $0) }
        let staged = try StagedDirectory(out: out, kind: "predixcan", inputs: inputFiles, comm: comm, legacy: Self.isEarlierOutput,
                                         owns: { ["summary.csv", "weights.csv", "predictions.csv", "causal.csv", "summary.json"].contains($0) })
        if comm.rank == 0 {
            log.root.info("predixcan: \(work.count) regions x \(rows.ids.count) individuals (\(rows.train.count) train, \(rows.val.count) val, \(rows.test.count) test), window \(settings.window), \(settings.selection) CV, on \(comm.size) rank(s)")
            if !withoutExpression.isEmpty {
                log.root.warning("predixcan: \(withoutExpression.count) region(s) have no expression row and are skipped, e.g. \(withoutExpression.prefix(5).joined(separator: ", "))")
            }
        }
        let mine = share(of: work.count, for: comm)
        let started = Date()
        let progress = ProgressLine(task: "predixcan", scope: "rank 0", total: mine.count, unit: "regions", log: log)
        let part = String(format: "%05d", comm.rank)
        try staged.collectively {
            // Every region's contig and window first, so that a bad row fails the job now rather than hours into it.
            try inputs.checkWindows()
            let files = try PartFiles(staged: staged, names: ["summary.csv", "weights.csv", "predictions.csv"] + (causalSet == nil ? [] : ["causal.csv"]), part: part)
            for (k, region) in work[mine].enumerated() {
                let dosages = try inputs.dosages(for: region)
                let result = RegionBaseline(dosages: dosages, y: inputs.targets(for: region), rows: rows, cv: inputs.crossValidation, settings: settings.net)
                try files.write(result.rows(region: region, ids: rows.ids, split: rows.split(of:), causal: causalSet))
                progress.update(k + 1)
            }
            progress.finish()
            try files.close()
        }
        try comm.barrier()
        guard comm.rank == 0 else { try comm.barrier(); return }

        // Rank 0 finishes alone; if that fails, the partial directory goes too (its error then ends the job).
        let summary: PrediXcanSummary
        do {
            let headers = ["summary.csv": RegionBaseline.summaryHeader, "weights.csv": RegionBaseline.weightsHeader,
                           "predictions.csv": RegionBaseline.predictionsHeader, "causal.csv": RegionBaseline.causalHeader]
            for name in headers.keys.sorted() where name != "causal.csv" || causalSet != nil {
                try PartFiles.join(staged: staged, name: name, header: headers[name]!, parts: comm.size)
            }
            summary = try PrediXcanSummary(summaryCSV: staged.path("summary.csv"), causalCSV: causalSet == nil ? nil : staged.path("causal.csv"))
            var json = summary.json
            json["settings"] = ["window": settings.window, "maf_min": settings.filter.mafMin, "maf_max": settings.filter.mafMax,
                                "true_maf": settings.filter.trueMAF, "missing": settings.missing.rawValue, "cv": settings.selection.description,
                                "l1_ratio": settings.net.l1Ratio, "n_alphas": settings.net.alphaCount, "eps": settings.net.eps,
                                "tol": settings.net.tol, "max_iter": settings.net.maxIter] as [String: Any]
            json["individuals"] = ["train": rows.train.count, "val": rows.val.count, "test": rows.test.count]
            json["regions_without_expression"] = withoutExpression
            json["ranks"] = comm.size
            json["seconds"] = Date().timeIntervalSince(started)
            try AtomicFile.write(JSONSerialization.data(withJSONObject: json, options: [.prettyPrinted, .sortedKeys]), to: staged.path("summary.json"))
            try staged.commit()
        } catch {
            try? FileManager.default.removeItem(atPath: staged.partial)
            throw error
        }
        log.root.info("predixcan: \(summary.line); wrote \(out) in \(String(format: "%.1f", Date().timeIntervalSince(started))) s")
        try comm.barrier()
    }
}

/// Known causal variants per region id: "pos ref alt" keys, from a CSV with columns region_id (or gene_id), pos
/// (1-based), ref and alt, such as a simulation's truth/causal_variants.csv.
func readCausalVariants(_ path: String) throws -> [String: Set<String>] {
    guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { throw ConfigError("\(path): cannot read the causal variants") }
    let lines = text.split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
    guard let header = lines.first, let id = header.firstIndex(where: { $0 == "region_id" || $0 == "gene_id" }),
          let pos = header.firstIndex(of: "pos"), let ref = header.firstIndex(of: "ref"), let alt = header.firstIndex(of: "alt") else {
        throw ConfigError("\(path): the header must name region_id, pos, ref and alt")
    }
    var keys: [String: Set<String>] = [:]
    for (k, fields) in lines.dropFirst().enumerated() {
        guard fields.count == header.count else { throw ConfigError("\(path):\(k + 2): \(fields.count) fields, the header has \(header.count)") }
        keys[fields[id], default: []].insert("\(fields[pos]) \(fields[ref]) \(fields[alt])")
    }
    return keys
}
