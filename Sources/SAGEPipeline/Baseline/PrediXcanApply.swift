import Foundation
import SAGEDistributed
import SAGEEngine
import SAGEGenome

/// `sage-mpi baseline predixcan --apply WEIGHTS_DIR`: a fitted PrediXcan model (see `PrediXcanModel`) applied to
/// another cohort's VCF (the configuration's `vcf`, its contigs resolved as everywhere: `contig_prefix` or detected),
/// as SAGE-net's `gtex_pred.csv`. Weights are applied as fitted: allele frequencies and targets are not recomputed.
/// Individuals: the VCF samples in the configuration's individual lists (all samples without lists), in VCF order.
/// Regions dealt to ranks in contiguous blocks, joined by rank 0 in region order (the same files for any number of
/// ranks). Files:
/// - predictions.csv: region_id, individual, pred (every region of the model, every individual);
/// - summary.csv: region_id, n_weights, n_missing_variants (weights whose allele the VCF lacks: dosage 0), pearson
///   (pred vs the configuration's expression over the individuals it has; NaN without one or the region's row);
/// - summary.json: counts, the median pearson, the note that nothing is refitted.
public struct PrediXcanApply {
    public var weights: String, out: String
    public init(weights: String, out: String) { self.weights = weights; self.out = out }

    static let predictionsHeader = "region_id,individual,pred"
    static let summaryHeader = "region_id,n_weights,n_missing_variants,pearson"
    static let note = "weights applied as fitted: allele frequencies and targets are not recomputed on this cohort"

    public func run(config: RunConfig, comm: any Communicator, log: RankLog) throws {
        let started = Date()
        let model = try PrediXcanModel(directory: weights)
        let vcf = try VCFReader(path: config.paths.vcf.required(for: "as the genotypes to apply the weights to"))
        let contigPrefix = config.paths.contigPrefix
        let cohort = try Cohort(config: config)
        let listed = Set(cohort.train + cohort.val + cohort.test)
        let samples = listed.isEmpty ? Array(vcf.samples.indices) : vcf.samples.indices.filter { listed.contains(vcf.samples[$0]) }
        let ids = samples.map { vcf.samples[$0] }
        guard !ids.isEmpty else {
            throw ConfigError("\(vcf.path): none of the \(listed.count) individuals of the configuration's lists is a sample of it")
        }
        let expression = try config.paths.expression.value.map { try readExpression(path: $0) }
        let column = expression.map { t in Dictionary(t.individuals.enumerated().map { ($1, $0) }, uniquingKeysWith: { a, _ in a }) } ?? [:]
        let expressionRow = expression.map { t in Dictionary(t.regionIDs.enumerated().map { ($1, $0) }, uniquingKeysWith: { a, _ in a }) } ?? [:]
        let scored = ids.indices.filter { column[ids[$0]] != nil }  // rows with an expression column
        var contigs: [String: String] = [:]
        for chr in Set(model.regions.compactMap(\.chr)) { contigs[chr] = try? resolveContig(chr, in: vcf.contigs, prefix: contigPrefix, file: vcf.path) }
        let absent = model.regions.filter { $0.chr.map { contigs[$0] == nil } ?? false }.map(\.id)

        let modelFiles = ["summary.csv", "weights.csv"].map { (weights as NSString).appendingPathComponent($0) }
        let staged = try StagedDirectory(out: out, kind: "predixcan-apply",
                                         inputs: config.inputPaths(except: ["predixcan_out", "store"]) + [weights] + modelFiles, comm: comm,
                                         owns: { ["predictions.csv", "summary.csv", "summary.json"].contains($0) })
        if comm.rank == 0 {
            log.root.info("predixcan --apply: \(model.regions.count) regions of \(weights) x \(ids.count) individuals of \(vcf.path), on \(comm.size) rank(s); \(Self.note)")
            if !absent.isEmpty {
                log.root.warning("predixcan --apply: \(absent.count) region(s) are on chromosomes \(vcf.path) lacks (all their variants count missing), e.g. \(absent.prefix(5).joined(separator: ", "))")
            }
            if expression != nil && scored.count < ids.count {
                log.root.warning("predixcan --apply: \(ids.count - scored.count) individual(s) have no expression column; pearson is over the other \(scored.count)")
            }
        }
        let mine = share(of: model.regions.count, for: comm)
        try staged.collectively {
            let files = try PartFiles(staged: staged, names: ["predictions.csv", "summary.csv"], part: String(format: "%05d", comm.rank))
            for region in model.regions[mine] {
                let applied = try AppliedRegion(region, vcf: vcf, contig: region.chr.flatMap { contigs[$0] }, samples: samples)
                var r = Double.nan
                if let expression, let row = expressionRow[region.id] {
                    let observed = expression.values[row]
                    r = pearson(scored.map { applied.predictions[$0] }, scored.map { observed[column[ids[$0]]!] })
                }
                try files.write(["predictions.csv": ids.indices.map { "\(region.id),\(ids[$0]),\(applied.predictions[$0])\n" }.joined(),
                                 "summary.csv": "\(region.id),\(region.weights.count),\(applied.missing),\(r)\n"])
            }
            try files.close()
        }
        try comm.barrier()
        guard comm.rank == 0 else { try comm.barrier(); return }

        var line = ""
        do {
            try PartFiles.join(staged: staged, name: "predictions.csv", header: Self.predictionsHeader, parts: comm.size)
            try PartFiles.join(staged: staged, name: "summary.csv", header: Self.summaryHeader, parts: comm.size)
            let rows = try String(contentsOfFile: staged.path("summary.csv"), encoding: .utf8).split(separator: "\n").dropFirst()
                .map { $0.split(separator: ",").map(String.init) }
            let missing = rows.map { Int($0[2])! }, r = rows.map { Double($0[3]) ?? .nan }
            let finite = r.filter(\.isFinite)
            let json: [String: Any] = [
                "note": Self.note, "weights": weights, "vcf": vcf.path, "expression": config.paths.expression.value ?? NSNull(),
                "n_regions": rows.count, "n_individuals": ids.count, "n_individuals_with_expression": expression == nil ? 0 : scored.count,
                "n_weights": rows.map { Int($0[1])! }.reduce(0, +), "n_missing_variants": missing.reduce(0, +),
                "n_regions_with_missing_variants": missing.filter { $0 > 0 }.count, "regions_on_absent_contigs": absent,
                "pearson": ["median": finite.isEmpty ? NSNull() : median(finite) as Any, "nan": r.count - finite.count],
                "ranks": comm.size, "seconds": Date().timeIntervalSince(started)]
            try AtomicFile.write(JSONSerialization.data(withJSONObject: json, options: [.prettyPrinted, .sortedKeys]), to: staged.path("summary.json"))
            try staged.commit()
            line = "\(rows.count) regions, \(missing.reduce(0, +)) weighted variant(s) missing in \(missing.filter { $0 > 0 }.count) region(s), median r \(finite.isEmpty ? "nan" : String(format: "%.3f", median(finite)))"
        } catch {
            try? FileManager.default.removeItem(atPath: staged.partial)
            throw error
        }
        log.root.info("predixcan --apply: \(line); \(Self.note); wrote \(out) in \(String(format: "%.1f", Date().timeIntervalSince(started))) s")
        try comm.barrier()
    }
}
