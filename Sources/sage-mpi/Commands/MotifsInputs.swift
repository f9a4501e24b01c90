import Foundation
import SAGEDistributed
import SAGEPipeline
import SAGEGenome
import SAGEReport

/// One seqlet set of `motifs`: a seqlets CSV, the attributions it was called on, its label.
struct SeqletSource {
    let csv: String
    let directory: AttributionDirectory
    let label: String
}

/// The seqlets `motifs` clusters, in SAGE-net's order (cluster_seqlets: region by region, each source's kept
/// seqlets of that region in source order), and their normalised CWMs.
struct SeqletInputs {
    struct Seqlet {
        let id: String, region: String
        /// Which source (0: the first --seqlets) and the seqlet's index in the region after filtering.
        let source: Int, row: Int
        let start: Int, end: Int, pValue: Double
    }
    var seqlets: [Seqlet] = []
    var cwms: [Motif] = []

    /// Reads every source's CSV (columns region_id, start, end, p_value of `sage-mpi seqlets`), keeps p_value <
    /// `threshold`, and builds each seqlet's CWM on the model reference of its region. Every problem is one error
    /// naming the file (and row).
    static func read(_ sources: [SeqletSource], config cfg: RunConfig, fasta: String, table: String, threshold: Double,
                     zeroCenter: Bool) throws -> SeqletInputs {
        struct Row { let region: String, start: Int, end: Int, p: Double }
        let inputLen = cfg.data.inputLen, reverse = cfg.data.sequence.allowReverseComplement
        var kept: [[String: [Row]]] = [], order: [String] = [], seen = Set<String>(), total = 0
        for source in sources {
            let csv = try CSVTable(path: source.csv)
            let rid = try csv.column("region_id"), cs = try csv.column("start"), ce = try csv.column("end"), cp = try csv.column("p_value")
            var byRegion: [String: [Row]] = [:]
            for (k, f) in csv.rows.enumerated() {
                guard let start = Int(f[cs]), let end = Int(f[ce]), let p = Double(f[cp]), 0 <= start, start < end, end <= inputLen else {
                    throw CommandError("\(source.csv): row \(k + 1): start '\(f[cs])', end '\(f[ce])', p_value '\(f[cp])': expected 0 <= start < end <= input_len \(inputLen) and a p-value (is it a `sage-mpi seqlets` CSV of this configuration?)")
                }
                total += 1
                guard p < threshold else { continue }
                if seen.insert(f[rid]).inserted { order.append(f[rid]) }
                byRegion[f[rid], default: []].append(Row(region: f[rid], start: start, end: end, p: p))
            }
            kept.append(byRegion)
        }
        guard !order.isEmpty else {
            throw CommandError("\(sources.map(\.csv).joined(separator: ", ")): no seqlet with p_value < \(threshold) among \(total) row(s); raise --seqlet-threshold, or check that the seqlets CSV is not empty")
        }
        let regions = Dictionary(try readRegions(path: table).map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        let reader = try FASTAReader(path: fasta)
        var out = SeqletInputs()
        for id in order {
            guard let region = regions[id] else {
                let file = sources.indices.first { kept[$0][id] != nil }.map { sources[$0].csv } ?? ""
                throw CommandError("\(file): region '\(id)' is not in the regions table \(table) of the configuration (use the configuration the seqlets were called with)")
            }
            let sequence = try reader.modelReference(of: region, inputLen: inputLen, allowReverseComplement: reverse).sequence
            for (s, source) in sources.enumerated() {
                guard let rows = kept[s][id] else { continue }
                let attribution = try source.directory.read(regionID: id, inputLen: inputLen)
                for (k, r) in rows.enumerated() {
                    let name = "\(id)_\(k)_\(source.label)"
                    guard let cwm = seqletCWM(id: name, attribution: attribution, sequence: sequence, length: inputLen,
                                              start: r.start, end: r.end, zeroCenter: zeroCenter) else {
                        throw CommandError("\(source.csv): seqlet [\(r.start), \(r.end)) of region '\(id)' has zero attribution on the reference in \(source.directory.path(of: id)); was the CSV called on these attributions?")
                    }
                    guard cwm.length >= SeqletSet.minOverlap else {
                        throw CommandError("\(source.csv): seqlet [\(r.start), \(r.end)) of region '\(id)' has \(cwm.length) position(s); drg_tools' similarity aligns at least \(SeqletSet.minOverlap) (call seqlets with --min-len \(SeqletSet.minOverlap) or more)")
                    }
                    out.cwms.append(cwm)
                    out.seqlets.append(Seqlet(id: name, region: id, source: s, row: k, start: r.start, end: r.end, pValue: r.p))
                }
            }
        }
        return out
    }
}
