import Foundation
import SAGEEngine
import SAGEGenome

/// `sage-mpi baseline predixcan`: per region, an elastic net on the cis genotype dosages (SAGENET-REFERENCE §6),
/// regions dealt to ranks in contiguous blocks. Each rank writes its rows into `<out>.partial/`; rank 0 joins them
/// in rank order (= region order, so the files are the same for any number of ranks) and moves the directory to
/// `out`. Files:
/// - summary.csv: region_id, train_pearson, val_pearson, test_pearson, n_features, n_nonzero, alpha, status
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

    public func run(config: RunConfig, comm: any Communicator, log: RankLog) throws {
        let settings = try PrediXcanSettings(config: config)
        let fastaPath = try config.required("fasta", for: "for PrediXcan (contig lengths)")
        let vcfPath = try config.required("vcf", for: "for PrediXcan")
        let expressionPath = try config.required("expression", for: "for PrediXcan")
        let cohort = try Cohort(config: config)
        guard !cohort.train.isEmpty else { throw ConfigError("\(config.file ?? "configuration"): train_individuals is required for PrediXcan") }
        if settings.selection == .predefined && cohort.val.isEmpty {
            throw ConfigError("\(config.file ?? "configuration"): predixcan_cv = predefined selects the penalty on val_individuals; set them, or use --cv kfold:10")
        }
        if case .kfold(let k) = settings.selection, k > cohort.train.count {
            throw ConfigError("--cv kfold:\(k): more folds than the \(cohort.train.count) training individuals")
        }
        let rows = BaselineRows(cohort: cohort)
        let fasta = try FASTAReader(path: fastaPath), vcf = try VCFReader(path: vcfPath)
        let samples = try rows.ids.map { try vcf.sampleIndex(of: $0) }
        let expression = try readExpression(path: expressionPath)
        let column = Dictionary(expression.individuals.enumerated().map { ($1, $0) }, uniquingKeysWith: { a, _ in a })
        let lacking = rows.ids.filter { column[$0] == nil }
        if !lacking.isEmpty {
            throw GenomeError("\(expressionPath): \(lacking.count) individual(s) of the splits have no column: \(lacking.prefix(5).joined(separator: ", "))")
        }
        let expressionRow = Dictionary(expression.regionIDs.enumerated().map { ($1, $0) }, uniquingKeysWith: { a, _ in a })
        var table = try readRegions(path: config.required("regions", for: "for PrediXcan"))
        if regions != "all" {
            let wanted = try readIndividualList(regions), byID = Dictionary(uniqueKeysWithValues: table.map { ($0.id, $0) })
            table = try wanted.map { id in
                guard let r = byID[id] else { throw GenomeError("\(regions): region '\(id)' is not in the regions table") }
                return r
            }
        }
        let withoutExpression = table.filter { expressionRow[$0.id] == nil }.map(\.id)
        let work = table.filter { expressionRow[$0.id] != nil }
        let causalSet = try causal.map(readCausalVariants)
        let cv = rows.crossValidation(settings.selection, seed: settings.seed)

        let staged = try StagedDirectory(out: out, comm: comm)
        if comm.rank == 0 {
            log.root.info("predixcan: \(work.count) regions x \(rows.ids.count) individuals (\(rows.train.count) train, \(rows.val.count) val, \(rows.test.count) test), window \(settings.window), \(settings.selection) CV, on \(comm.size) rank(s)")
            if !withoutExpression.isEmpty {
                log.root.warning("predixcan: \(withoutExpression.count) region(s) have no expression row and are skipped, e.g. \(withoutExpression.prefix(5).joined(separator: ", "))")
            }
        }
        let mine = balancedRanges(count: work.count, parts: comm.size)[comm.rank]
        let started = Date()
        var lastReport = started
        let part = String(format: "%05d", comm.rank)
        try staged.collectively {
            // Every region's contig first, so that a bad row fails the job now rather than hours into it.
            let fastaContigs = try Dictionary(work.map { ($0.chr, try resolveContig($0.chr, in: fasta.contigs, file: fasta.path)) },
                                              uniquingKeysWith: { a, _ in a })
            var files = try PartFiles(staged: staged, names: ["summary.csv", "weights.csv", "predictions.csv"] + (causalSet == nil ? [] : ["causal.csv"]), part: part)
            for (k, region) in work[mine].enumerated() {
                let fastaContig = fastaContigs[region.chr]!
                let window = sageWindow(centre: region.pos, inputLen: settings.window, contigLength: fasta.length(of: fastaContig)!)
                let vcfContig = try? resolveContig(region.chr, in: vcf.contigs, prefix: config.string("contig_prefix"), file: vcf.path)
                let records = try vcfContig.map { try vcf.records(contig: $0, start: window.lowerBound, end: window.upperBound) } ?? []
                let dosages = dosageMatrix(records: records, samples: samples, trainingSamples: Array(samples[rows.train]),
                                           filter: settings.filter, missing: settings.missing)
                let values = expression.values[expressionRow[region.id]!]
                let y = rows.ids.map { values[column[$0]!] }
                let result = RegionBaseline(dosages: dosages, y: y, rows: rows, cv: cv, settings: settings.net)
                try files.write(result.rows(region: region, ids: rows.ids, split: rows.split(of:), causal: causalSet))
                if comm.rank == 0, Date().timeIntervalSince(lastReport) > 5 {
                    lastReport = Date()
                    let elapsed = Date().timeIntervalSince(started), rate = Double(k + 1) / max(elapsed, 1e-9)
                    log.root.info("predixcan: rank 0 \(k + 1)/\(mine.count) regions, \(String(format: "%.1f", rate)) regions/s, ETA \(Int(Double(mine.count - k - 1) / rate)) s")
                }
            }
            try files.close()
        }
        try comm.barrier()
        guard comm.rank == 0 else { try comm.barrier(); return }

        let headers = ["summary.csv": RegionBaseline.summaryHeader, "weights.csv": RegionBaseline.weightsHeader,
                       "predictions.csv": RegionBaseline.predictionsHeader, "causal.csv": RegionBaseline.causalHeader]
        for name in headers.keys.sorted() where name != "causal.csv" || causalSet != nil {
            try PartFiles.join(staged: staged, name: name, header: headers[name]!, parts: comm.size)
        }
        let summary = try PrediXcanSummary(summaryCSV: staged.path("summary.csv"), causalCSV: causalSet == nil ? nil : staged.path("causal.csv"))
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
