import ArgumentParser
import Foundation
import SAGEDistributed
import SAGEPipeline
import SAGEEngine
import SAGEGenome

struct TomtomCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tomtom",
        abstract: "Annotate query motifs with a motif database: Tomtom p-values, BH-corrected (SAGE-net's annotate_seqlets).",
        discussion: """
        Queries and database are MEME files (JASPAR, HOCOMOCO v12 and MEME-suite layouts; see README). With --cwm \
        the queries are CWMs (e.g. SAGE-net's cluster_cwms.meme, signed values) turned into PPMs by SAGE-net's \
        cwm_to_ppm (|w| / sum |w| per position). Tomtom is memelite's (memesuite-lite) with its defaults: minus \
        the Euclidean distance per aligned column, 100 score bins, 1000 median bins, target columns merged in 100 \
        bins, both strands (p = 1 - (1 - min p)^2). Benjamini-Hochberg (statsmodels' fdr_bh) runs over the \
        whole queries x database matrix; per query the --top smallest raw p-values and every match with BH < \
        --bh are kept, ordered by raw p-value. Output CSV: query, motif_match (the database MOTIF id), raw_pval, \
        bh_corrected_pval, strand (1: the database motif reverse-complemented), offset (database position minus \
        query position of the aligned columns), overlap (aligned columns). Queries are dealt to ranks (and \
        threads within a rank); the output is identical for any number of ranks.
        """)

    @Option(help: "Query motifs (MEME file).") var queries: String
    @Option(help: "Motif database (MEME file), e.g. HOCOMOCO v12 CORE or JASPAR CORE.") var database: String
    @Flag(help: "The queries are CWMs: convert each to a PPM as SAGE-net's cwm_to_ppm does.") var cwm = false
    @Option(help: "Keep each query's this many smallest raw p-values (n_top_motif_matches).") var top = 5
    @Option(help: "... and every match with BH-corrected p-value below this (pval_thresh).") var bh = 0.05
    @Option(help: "Output CSV (default: standard output). Written atomically.") var out: String?
    @OptionGroup var force: ForceOption
    @OptionGroup var runtime: RuntimeOptions

    static let header = "query,motif_match,raw_pval,bh_corrected_pval,strand,offset,overlap"

    func validate() throws {
        if top < 0 { throw ValidationError("--top must be at least 0.") }
        if !(bh >= 0 && bh <= 1) { throw ValidationError("--bh must be in [0, 1].") }
    }

    func run() throws {
        if let out {
            try OutputGuard.checkFile(out, inputs: [queries, database], force: force.force, what: "Tomtom annotations CSV",
                                      isOurs: startsWith(Self.header))
        }
        try runOnRanks(runtime) { ctx in
            let comm = ctx.comm
            var query = try readMEME(path: queries)
            if cwm { query = query.map(cwmToPPM) }
            for q in query { try TomtomDatabase.check(query: q, name: queries) }
            let db = try TomtomDatabase(targets: try readMEME(path: database), name: database)
            let mine = share(of: query.count, for: comm)
            if comm.rank == 0 {
                if !cwm, let q = query.first(where: { $0.values.contains { $0 < 0 } }) {
                    ctx.log.root.warning("tomtom: query \(q.id) has negative values, as a CWM does; they are used as given (add --cwm to convert CWMs to PPMs as SAGE-net does)")
                }
                if db.targets.count < 25 {
                    ctx.log.root.warning("tomtom: only \(db.targets.count) database motifs; Tomtom's background is the database's columns, so its p-values depend strongly on which motifs it holds (memelite warns below 25)")
                }
                ctx.log.root.info("tomtom: \(query.count) queries x \(db.targets.count) database motifs on \(comm.size) rank(s) x \(ctx.threads) thread(s)")
            }
            let rows = compareInParallel(Array(query[mine]), db, threads: ctx.threads)
            // Gathered as one Double run per rank: each row's p-values, then offsets, overlaps, strands.
            var packed: [Double] = []
            for r in rows { packed += r.pValues + r.offsets.map(Double.init) + r.overlaps.map(Double.init) + r.strands.map(Double.init) }
            let gathered = try comm.gather(packed, root: 0)
            if let gathered {
                let n = db.targets.count
                var all: [TomtomRow] = []
                for part in gathered {
                    for s in stride(from: 0, to: part.count, by: 4 * n) {
                        let v = part[s..<(s + 4 * n)]
                        all.append(TomtomRow(pValues: Array(v.prefix(n)), scores: [],
                                             offsets: v.dropFirst(n).prefix(n).map { Int($0) },
                                             overlaps: v.dropFirst(2 * n).prefix(n).map { Int($0) },
                                             strands: v.dropFirst(3 * n).map { Int($0) }))
                    }
                }
                var text = Self.header + "\n"
                for a in annotateMatches(all, top: top, bhThreshold: bh) {
                    text += [csvField(query[a.query].id), csvField(db.targets[a.target].id), "\(a.pValue)", "\(a.bhPValue)",
                             "\(a.strand)", "\(a.offset)", "\(a.overlap)"].joined(separator: ",") + "\n"
                }
                try writeOutput(text, to: out)
            }
            try comm.barrier()
        }
    }
}

/// Tomtom of every query on up to `threads` threads of sage-mpi's pool (one workspace each), rows in query order.
func compareInParallel(_ queries: [Motif], _ db: TomtomDatabase, threads: Int) -> [TomtomRow] {
    let parts = balancedRanges(count: queries.count, parts: max(1, min(threads, queries.count)))
    var results = [[TomtomRow]](repeating: [], count: parts.count)
    results.withUnsafeMutableBufferPointer { out in
        Parallel.forEachPart(parts.count) { p in
            let w = TomtomWorkspace()
            out[p] = parts[p].map { Tomtom.compare(queries[$0], database: db, workspace: w) }
        }
    }
    return results.flatMap { $0 }
}
