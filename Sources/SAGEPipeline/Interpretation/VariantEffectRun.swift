import Foundation
import SAGEDistributed
import SAGEEngine
import SAGEGenome

/// `sage-mpi variant-effect`: variant groups (one per region) dealt to ranks in contiguous blocks, scored with
/// scoreVariants, gathered on rank 0, which writes (in `<out>.partial/`, moved to `out` when complete):
/// - variant_effects.csv (a table's rows in its order): line (of the variant table, else empty), region_id, chr, pos, ref, alt, status, then
///   ref_mean, ref_diff, alt_mean, alt_diff, delta_mean, delta_diff (p-SAGE-net) or ref_pred, alt_pred, delta
///   (r-SAGE-net); values empty unless status is ok;
/// - rankings.csv: per region its scored variants by |delta| of the difference head (p-SAGE-net; r-SAGE-net its
///   one head), descending (ties in input order): region_id, rank, chr, pos, ref, alt, delta, causal (1/0 with
///   --causal, else empty);
/// - summary.json: counts (per status, symbolic alleles skipped) and, with --causal, top-1 recovery beside its
///   chance rate and the top-3 count (and PrediXcan's largest |weight| with --predixcan): CausalRecovery.
/// Identical bytes for any number of ranks.
public struct VariantEffectRun {
    public var checkpoint: String, out: String
    public var naive = false
    public var batchSize = 16
    /// A simulation's truth/causal_variants.csv (region_id, pos, ref, alt).
    public var causal: String? = nil
    /// A PrediXcan output directory (its weights.csv).
    public var predixcan: String? = nil
    public init(checkpoint: String, out: String) { self.checkpoint = checkpoint; self.out = out }

    static let files: Set<String> = ["variant_effects.csv", "rankings.csv", "summary.json"]

    /// `groups(fasta, frames)` gives the variants of the regions (called on every rank after the frames are checked).
    public func run(config: RunConfig, comm: any Communicator, log: RankLog, regions: [Region], source: String, extraInputs: [String],
                    groups makeGroups: (FASTAReader, [RegionFrame]) throws -> VariantGroups) throws {
        let model = try SAGENet.load(checkpoint: checkpoint)
        let inputLen = try checkedInputLen(model: model, config: config, checkpoint: checkpoint)
        let fasta = try FASTAReader(path: config.paths.fasta.required(for: "(the reference variants are inserted into)"))
        let allowReverse = config.data.sequence.allowReverseComplement
        let frames = try regions.map { try RegionFrame(fasta: fasta, region: $0, inputLen: inputLen, allowReverseComplement: allowReverse) }
        let groups = try makeGroups(fasta, frames)
        let causalSet = try causal.map(readCausalVariants)
        let predixcanTop = try predixcan.map(topPrediXcanWeights)
        let staged = try StagedDirectory(out: out, kind: "variant-effect",
                                         inputs: config.inputPaths(except: ["predixcan_out"]) + [checkpoint] + extraInputs + [causal, predixcan].compactMap { $0 },
                                         comm: comm, owns: Self.files.contains)
        let n = model.config.outputCount, frameOf = Dictionary(zip(regions.map(\.id), frames), uniquingKeysWith: { a, _ in a })
        log.root.info("variant-effect: \(model.config.model.rawValue) from \(checkpoint), \(groups.variantCount) variant(s) (\(source)) in \(groups.groups.count) region(s), \(comm.size) rank(s)")
        let scorer = try makeHaplotypeScorer(model: model, naive: naive, batchSize: batchSize)
        let mine = share(of: groups.groups.count, for: comm)
        let progress = ProgressLine(task: "variant-effect", scope: "rank 0", total: mine.count, unit: "regions", log: log)
        // Per variant: status code, reference outputs, variant outputs.
        var values: [Float] = []
        for (done, g) in mine.enumerated() {
            let (region, variants) = groups.groups[g]
            let input = try RegionInput(fasta: fasta, frame: frameOf[region.id]!)
            let (reference, effects) = try scoreVariants(variants, input: input, scorer: scorer)
            for e in effects { values += [e.status.code] + reference + e.outputs }
            progress.update(done + 1, of: mine.count)
        }
        progress.finish()
        guard let gathered = try comm.gather(values, root: 0) else { return }
        let all = Array(gathered.joined()), width = 1 + 2 * n
        let psagenet = n == 2
        var csv = "line,region_id,chr,pos,ref,alt,status," + (psagenet ? "ref_mean,ref_diff,alt_mean,alt_diff,delta_mean,delta_diff" : "ref_pred,alt_pred,delta") + "\n"
        var csvRows: [(line: Int, text: String)] = []  // a table's rows go out in its line order
        var rankings = "region_id,rank,chr,pos,ref,alt,delta,causal\n"
        var counts = Dictionary(uniqueKeysWithValues: VariantStatus.allCases.map { ($0, 0) })
        var recovery = CausalRecovery()
        var k = 0
        for (region, variants) in groups.groups {
            var scored: [(row: VariantRow, delta: Float)] = []
            for v in variants {
                let at = k * width
                k += 1
                let status = VariantStatus(code: all[at])
                counts[status]! += 1
                var fields = [v.line.map(String.init) ?? "", csvCell(region.id), csvCell(v.chr), "\(v.pos)", text(v.ref), text(v.alt), status.rawValue]
                if status == .ok {
                    let ref = Array(all[(at + 1)..<(at + 1 + n)]), alt = Array(all[(at + 1 + n)..<(at + 1 + 2 * n)])
                    let delta = zip(alt, ref).map { $0 - $1 }
                    fields += (ref + alt + delta).map { "\($0)" }
                    scored.append((v, delta[n - 1]))
                } else {
                    fields += [String](repeating: "", count: 3 * n)
                }
                csvRows.append((v.line ?? csvRows.count, fields.joined(separator: ",") + "\n"))
            }
            let ranked = scored.enumerated().sorted { a, b in
                abs(a.element.delta) != abs(b.element.delta) ? abs(a.element.delta) > abs(b.element.delta) : a.offset < b.offset
            }.map(\.element)
            let truth = causalSet?[region.id] ?? []
            for (i, s) in ranked.enumerated() {
                let isCausal = causalSet.map { _ in truth.contains(causalKey(s.row)) ? "1" : "0" } ?? ""
                rankings += "\(csvCell(region.id)),\(i + 1),\(csvCell(s.row.chr)),\(s.row.pos),\(text(s.row.ref)),\(text(s.row.alt)),\(s.delta),\(isCausal)\n"
            }
            if causalSet != nil && !truth.isEmpty && !ranked.isEmpty {
                recovery.add(region: region.id, ranked: ranked.map { causalKey($0.row) }, truth: truth, predixcanTop: predixcanTop?[region.id])
            }
        }
        csv += csvRows.enumerated().sorted { ($0.element.line, $0.offset) < ($1.element.line, $1.offset) }.map(\.element.text).joined()
        try AtomicFile.write(Data(csv.utf8), to: staged.path("variant_effects.csv"))
        try AtomicFile.write(Data(rankings.utf8), to: staged.path("rankings.csv"))
        var summary: [String: Any] = ["checkpoint": checkpoint, "model": model.config.model.rawValue, "source": source,
                                      "regions": groups.groups.count, "variants": groups.variantCount, "symbolic_skipped": groups.symbolicSkipped,
                                      "ranking_head": psagenet ? "diff" : "mean"]
        for (status, count) in counts { summary[status.rawValue] = count }
        if causalSet != nil { summary["causal"] = recovery.record(withPrediXcan: predixcanTop != nil) }
        try AtomicFile.write(JSONSerialization.data(withJSONObject: summary, options: [.prettyPrinted, .sortedKeys]), to: staged.path("summary.json"))
        try staged.commit()
        let skipped = counts[.refMismatch]! + counts[.outsideWindow]!
        if skipped > 0 {
            log.root.warning("variant-effect: \(counts[.refMismatch]!) REF mismatch(es) and \(counts[.outsideWindow]!) variant(s) outside their region's window were not scored (status column of variant_effects.csv)")
        }
        if groups.symbolicSkipped > 0 { log.root.warning("variant-effect: \(groups.symbolicSkipped) symbolic ALT allele(s) were not scored") }
        if causalSet != nil { log.root.info("variant-effect: \(recovery.described(withPrediXcan: predixcanTop != nil))") }
        log.root.info("variant-effect: scored \(counts[.ok]!) of \(groups.variantCount) variant(s); wrote \(out)")
    }
}

func text(_ bases: [UInt8]) -> String { String(decoding: bases, as: UTF8.self) }

/// "pos ref alt" (1-based pos, upper case), the key readCausalVariants gives.
func causalKey(_ v: VariantRow) -> String { "\(v.pos) \(text(v.ref).uppercased()) \(text(v.alt).uppercased())" }

/// How often the top-scored variant of a region is a planted causal one, over the regions with a causal variant
/// and at least one scored variant; beside PrediXcan's largest |weight| on the same regions (a region without a
/// non-zero weight counts as a miss), the rate of a variant drawn uniformly from each region's scored ones (chance:
/// the mean over regions of causal / scored) and, as a diagnostic, how often a causal variant is among the top 3.
struct CausalRecovery {
    var regions = 0, top1 = 0, top3 = 0, causalAmongCandidates = 0, predixcanTop1 = 0
    var chanceSum = 0.0

    /// `ranked`: the region's scored variants' keys, best first (distinct).
    mutating func add(region: String, ranked: [String], truth: Set<String>, predixcanTop: String?) {
        regions += 1
        if let top = ranked.first, truth.contains(top) { top1 += 1 }
        if ranked.prefix(3).contains(where: truth.contains) { top3 += 1 }
        let causal = ranked.filter(truth.contains).count
        if causal > 0 { causalAmongCandidates += 1 }
        if !ranked.isEmpty { chanceSum += Double(causal) / Double(ranked.count) }
        if let p = predixcanTop, truth.contains(p) { predixcanTop1 += 1 }
    }

    func fraction(_ k: Int) -> Any { regions > 0 ? Double(k) / Double(regions) : NSNull() }
    var chance: Any { regions > 0 ? chanceSum / Double(regions) : NSNull() }

    func record(withPrediXcan: Bool) -> [String: Any] {
        var r: [String: Any] = ["regions": regions, "top1_causal": top1, "top1_fraction": fraction(top1), "top1_chance": chance,
                                "top3_causal": top3, "regions_with_causal_among_scored": causalAmongCandidates]
        if withPrediXcan { r["predixcan_top1_causal"] = predixcanTop1; r["predixcan_top1_fraction"] = fraction(predixcanTop1) }
        return r
    }

    func described(withPrediXcan: Bool) -> String {
        var s = "top-scored variant is causal in \(top1) of \(regions) region(s)"
        if regions > 0 { s += String(format: " (%.3f; by chance %.3f; among the top 3 in %d)", Double(top1) / Double(regions), chanceSum / Double(regions), top3) }
        s += "; a causal variant was among the scored in \(causalAmongCandidates)"
        if withPrediXcan { s += "; PrediXcan's largest |weight|: \(predixcanTop1) of \(regions)" }
        return s
    }
}

/// Per region the "pos ref alt" key of PrediXcan's largest |weight| (first on ties), from DIR/weights.csv
/// (region_id, chr, pos, ref, alt, weight).
func topPrediXcanWeights(_ directory: String) throws -> [String: String] {
    let path = (directory as NSString).appendingPathComponent("weights.csv")
    guard let content = try? String(contentsOfFile: path, encoding: .utf8) else { throw ConfigError("\(path): cannot read PrediXcan's weights (run `sage-mpi baseline predixcan` first)") }
    let lines = content.split(separator: "\n", omittingEmptySubsequences: true).map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
    guard let header = lines.first, let id = header.firstIndex(of: "region_id"), let pos = header.firstIndex(of: "pos"),
          let ref = header.firstIndex(of: "ref"), let alt = header.firstIndex(of: "alt"), let weight = header.firstIndex(of: "weight") else {
        throw ConfigError("\(path): the header must name region_id, pos, ref, alt and weight")
    }
    var best: [String: (key: String, weight: Double)] = [:]
    for (k, f) in lines.dropFirst().enumerated() {
        guard f.count == header.count, let w = Double(f[weight]) else { throw ConfigError("\(path):\(k + 2): not region_id, chr, pos, ref, alt, weight") }
        if abs(w) > abs(best[f[id]]?.weight ?? 0) || best[f[id]] == nil { best[f[id]] = ("\(f[pos]) \(f[ref].uppercased()) \(f[alt].uppercased())", w) }
    }
    return best.mapValues(\.key)
}
