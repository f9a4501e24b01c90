import ArgumentParser
import Foundation
import SAGEDistributed
import SAGEPipeline
import SAGEEngine
import SAGEGenome
import SAGEReport

struct Motifs: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "motifs",
        abstract: "Cluster seqlets into motifs and annotate them with a motif database (SAGE-net's cluster_seqlets + annotate_seqlets), the all-pairs similarity across ranks.",
        discussion: """
        Each seqlets CSV (`sage-mpi seqlets`) comes with the attribution directory it was called on (same order; \
        --head per directory for the p-SAGE-net layout, '-' for the single-output one) and a label (--labels a,b: \
        the two-model comparison). Seqlets with p_value < --seqlet-threshold are kept, region by region (regions in \
        the order of the CSVs, the first CSV's seqlets of a region before the second's), id REGION_K_LABEL with K \
        the index after filtering. Each becomes SAGE-net's normalised CWM: the attribution (optionally zero-centred) \
        times the one-hot of the reference the model reads (--config: FASTA, regions, input_len, \
        allow_reverse_complement), cropped, divided by its signed entry of largest |value|. \
        Similarity is drg_tools' 'correlation_pvalue' (best ungapped offset with >= 4 overlapping positions, both \
        strands, Pearson over the zero-padded union, its t-test p-value as the distance); the upper triangle is cut \
        into --block-size (256) square blocks dealt to ranks and gathered on rank 0, which clusters (scikit-learn's \
        AgglomerativeClustering on the precomputed distance, its labels exactly) and combines each cluster as \
        drg_tools' combine_pwms (centre member, alignment, max-coverage normalisation, flanks trimmed below 0.075; a \
        cluster of k seqlets costs k^2 alignments on rank 0's threads). \
        Memory on rank 0: the condensed distance matrix, 4 n^2 bytes (40 GB for 10^5 seqlets, 400 MB for 10^4); \
        other ranks hold the seqlets and one batch of blocks (64 MB). \
        Tomtom (memelite's, defaults) of each cluster CWM as written (2 decimals), converted by cwm_to_ppm (an \
        all-zero position, NaN in SAGE-net, is uniform here), BH over the whole clusters x database matrix; per \
        cluster the --top smallest raw p-values and every BH < --bh. A cluster trimmed to nothing has no CWM and no \
        annotation. Output directory (staged, replaced only when it is an earlier motifs output): seqlets.csv \
        (each seqlet's cluster), clusters.csv (seqlet counts per label, CWM length, best match), cluster_cwms.meme, \
        annotations.csv, summary.json. Identical for any number of ranks.
        """)

    @Option(help: "Seqlets CSV of `sage-mpi seqlets` (repeat once for the two-model comparison).") var seqlets: [String] = []
    @Option(help: "Attribution directory each seqlets CSV was called on (same order).") var attributions: [String] = []
    @Option(help: "Labels of the seqlet sets, comma-separated (default a, or a,b).") var labels: String?
    @Option(help: "p-SAGE-net head per attribution directory: 0, 1, or - (single-output layout); repeat in order.") var head: [String] = []
    @OptionGroup var config: ConfigOptions
    @Option(help: "Keep seqlets with p_value below this (cluster_seqlet_threshold).") var seqletThreshold = 0.005
    @Option(help: "average or complete (SAGE-net's analyze_attribs default: complete).") var linkage = "complete"
    @Option(help: "Distance threshold of the clustering.") var distanceThreshold = 0.05
    @Flag(help: "Zero-centre attributions over the four channels before the CWMs (zero_center_attribs).") var zeroCenter = false
    @Option(help: "Motif database (MEME file), e.g. HOCOMOCO v12 CORE or JASPAR CORE.") var database: String
    @Option(help: "Keep each cluster's this many smallest raw p-values (n_top_motif_matches).") var top = 5
    @Option(help: "... and every match with BH-corrected p-value below this (pval_thresh).") var bh = 0.05
    @Option(help: "Seqlets per side of the similarity blocks dealt to ranks (the output does not depend on it).") var blockSize = 256
    @Option(help: "Output directory.") var out = "motifs"
    @OptionGroup var runtime: RuntimeOptions

    static let files: Set<String> = ["seqlets.csv", "clusters.csv", "cluster_cwms.meme", "annotations.csv", "summary.json"]

    var labelList: [String] {
        labels.map { $0.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) } }
            ?? (seqlets.count == 2 ? ["a", "b"] : ["a"])
    }

    func validate() throws {
        if seqlets.isEmpty || seqlets.count > 2 { throw ValidationError("Give --seqlets once, or twice for the two-model comparison (got \(seqlets.count)).") }
        if attributions.count != seqlets.count {
            throw ValidationError("Give one --attributions per --seqlets, in the same order (got \(attributions.count) for \(seqlets.count)).")
        }
        let l = labelList
        if l.count != seqlets.count || l.contains(where: \.isEmpty) || Set(l).count != l.count {
            throw ValidationError("--labels '\(labels ?? "")': give \(seqlets.count) distinct, non-empty label(s), comma-separated, one per --seqlets.")
        }
        if !head.isEmpty && head.count != attributions.count {
            throw ValidationError("Give --head once per --attributions (0, 1, or - for the single-output layout), or not at all.")
        }
        if let bad = head.first(where: { !["0", "1", "-"].contains($0) }) { throw ValidationError("--head '\(bad)': 0 (mean), 1 (difference) or - (single-output layout).") }
        if Linkage(rawValue: linkage) == nil { throw ValidationError("--linkage must be average or complete, got '\(linkage)'.") }
        if !(seqletThreshold > 0 && seqletThreshold <= 1) { throw ValidationError("--seqlet-threshold must be in (0, 1].") }
        if !(distanceThreshold >= 0 && distanceThreshold.isFinite) { throw ValidationError("--distance-threshold must be a finite number >= 0.") }
        if top < 0 { throw ValidationError("--top must be at least 0.") }
        if blockSize < 1 { throw ValidationError("--block-size must be at least 1.") }
        if !(bh >= 0 && bh <= 1) { throw ValidationError("--bh must be in [0, 1].") }
        if config.config == nil { throw ValidationError("Give --config sage.toml (its FASTA, regions, input_len and allow_reverse_complement give the reference the CWMs are read on).") }
    }

    func run() throws {
        let cfg = try config.load()
        let fasta = try cfg.paths.fasta.required(for: "(the reference the seqlet CWMs are read on)")
        let table = try cfg.paths.regions.required(for: "(the regions the seqlets lie in)")
        let inputs = seqlets + attributions + [database, fasta, table, config.config!] + genomeIndexes(of: fasta)
        try runOnRanks(runtime) { ctx in
            let comm = ctx.comm, labels = labelList
            // Rank 0 reads every input (one error whatever the number of ranks) and sends the CWMs to all.
            var found: SeqletInputs? = nil, db: TomtomDatabase? = nil
            var packed: [Double] = [], lengths: [Int] = []
            if comm.rank == 0 {
                db = try TomtomDatabase(targets: try readMEME(path: database), name: database)
                if db!.targets.count < 25 {
                    ctx.log.root.warning("motifs: only \(db!.targets.count) database motifs; Tomtom's background is the database's columns, so its p-values depend strongly on which motifs it holds (memelite warns below 25)")
                }
                let heads = attributions.indices.map { k -> Int? in head.isEmpty || head[k] == "-" ? nil : Int(head[k])! }
                let sets = try zip(seqlets, attributions).enumerated().map { k, pair in
                    SeqletSource(csv: pair.0, directory: try AttributionDirectory(root: pair.1, head: heads[k], readTensor: AttributionPartReader().read), label: labels[k])
                }
                found = try SeqletInputs.read(sets, config: cfg, fasta: fasta, table: table, threshold: seqletThreshold, zeroCenter: zeroCenter)
                for m in found!.cwms { packed += m.values; lengths.append(m.length) }
                let perLabel = labels.indices.map { l in "\(labels[l]): \(found!.seqlets.filter { $0.source == l }.count)" }
                ctx.log.root.info("motifs: \(found!.cwms.count) seqlet(s) with p < \(seqletThreshold) (\(perLabel.joined(separator: ", "))) on \(comm.size) rank(s) x \(ctx.threads) thread(s)")
            }
            var sizes = [lengths.count, packed.count]
            try comm.broadcast(&sizes, root: 0)
            if comm.rank != 0 { lengths = [Int](repeating: 0, count: sizes[0]); packed = [Double](repeating: 0, count: sizes[1]) }
            try comm.broadcast(&lengths, root: 0)
            try comm.broadcast(&packed, root: 0)
            var cwms: [Motif] = [], at = 0
            for (k, l) in lengths.enumerated() { cwms.append(Motif(id: "\(k)", values: Array(packed[at..<(at + 4 * l)]))); at += 4 * l }
            let set = try SeqletSet(cwms)

            let staged = try StagedDirectory(out: out, kind: "motifs", inputs: inputs, comm: comm, owns: Self.files.contains)
            let start = Date()
            let pairs = cwms.count * (cwms.count - 1) / 2
            let progress = ProgressLine(task: "motifs", total: pairs, unit: "seqlet pairs", log: ctx.log)
            guard var condensed = try MotifSimilarity.condensedDistances(set, comm: comm, threads: ctx.threads, tile: blockSize,
                                                                         progress: { progress.update($0, of: $1) }) else { return }
            progress.finish()
            ctx.log.root.info("motifs: \(pairs) seqlet pair(s) in \(String(format: "%.2f", Date().timeIntervalSince(start))) s")
            let clusters = SeqletClustering.labels(condensed: &condensed, n: cwms.count, linkage: Linkage(rawValue: linkage)!, threshold: distanceThreshold)
            try writeResults(found!, cwms: cwms, set: set, clusters: clusters, database: db!, staged: staged, threads: ctx.threads)
            try staged.commit()
            ctx.log.root.info("motifs: \(Set(clusters).count) cluster(s) of \(cwms.count) seqlet(s) -> \(out)")
        }
    }

    /// Everything rank 0 writes once the clusters are known.
    func writeResults(_ found: SeqletInputs, cwms: [Motif], set: SeqletSet, clusters: [Int], database db: TomtomDatabase,
                      staged: StagedDirectory, threads: Int) throws {
        let labels = labelList
        let k = (clusters.max() ?? -1) + 1
        var members = [[Int]](repeating: [], count: k)
        for (i, c) in clusters.enumerated() { members[c].append(i) }
        // Cluster CWMs as cluster_cwms.meme holds them (2 decimals), and their Tomtom queries.
        // Small clusters a thread each; a large one's k^2 similarity sums over all threads.
        let large = members.indices.filter { members[$0].count > 256 }
        var sums: [Int: [Double]] = [:]
        for u in large {
            let k = members[u].count
            sums[u] = Parallel.map(balancedRanges(count: k, parts: min(threads, k)), threads: threads) {
                clusterSimilaritySums(members[u], set: set, rows: $0)
            }.flatMap { $0 }
        }
        let combined = Parallel.map(Array(members.indices), threads: threads) { u in
            combineCluster(members[u], seqlets: cwms, set: set, sums: sums[u]).map { roundLikeNumPy($0) }
        }
        var written: [Motif] = [], queries: [Motif] = [], queryCluster: [Int] = []
        for (u, values) in combined.enumerated() where values.contains(where: { $0 != 0 }) {
            let cwm = Motif(id: "\(u)", values: values, nsites: Double(members[u].count))
            written.append(cwm)
            var ppm = cwmToPPM(cwm)
            for p in 0..<ppm.length where !ppm[p, 0].isFinite { for a in 0..<4 { ppm.values[p * 4 + a] = 0.25 } }
            queries.append(ppm); queryCluster.append(u)
        }
        try AtomicFile.write(Data(formatMEME(written, decimals: 2).utf8), to: staged.path("cluster_cwms.meme"))
        let rows = compareInParallel(queries, db, threads: threads)
        let annotations = annotateMatches(rows, top: top, bhThreshold: bh)
        var text = "cluster_idx,motif_match,raw_pval,bh_corrected_pval,strand,offset,overlap\n"
        var best: [Int: MotifAnnotation] = [:]
        for a in annotations {
            let u = queryCluster[a.query]
            if best[u] == nil { best[u] = a }
            text += "\(u),\(csvField(db.targets[a.target].id)),\(a.pValue),\(a.bhPValue),\(a.strand),\(a.offset),\(a.overlap)\n"
        }
        try AtomicFile.write(Data(text.utf8), to: staged.path("annotations.csv"))

        var table = "cluster,n_seqlets," + labels.map { "n_\($0)" }.joined(separator: ",") + ",models,cwm_length,best_match,best_raw_pval,best_bh_corrected_pval\n"
        for u in 0..<k {
            let counts = labels.indices.map { l in members[u].filter { found.seqlets[$0].source == l }.count }
            let models = labels.indices.filter { counts[$0] > 0 }.map { labels[$0] }.joined(separator: "+")
            let b = best[u].map { "\(csvField(db.targets[$0.target].id)),\($0.pValue),\($0.bhPValue)" } ?? ",,"
            table += "\(u),\(members[u].count),\(counts.map(String.init).joined(separator: ",")),\(csvField(models)),\(combined[u].count / 4 * (combined[u].contains { $0 != 0 } ? 1 : 0)),\(b)\n"
        }
        try AtomicFile.write(Data(table.utf8), to: staged.path("clusters.csv"))

        var list = "seqlet_id,model,region_id,seqlet,start,end,p_value,cluster\n"
        for (i, s) in found.seqlets.enumerated() {
            list += "\(csvField(s.id)),\(csvField(labels[s.source])),\(csvField(s.region)),\(s.row),\(s.start),\(s.end),\(s.pValue),\(clusters[i])\n"
        }
        try AtomicFile.write(Data(list.utf8), to: staged.path("seqlets.csv"))
        let summary: [String: Any] = [
            "seqlets": seqlets, "attributions": attributions, "labels": labels, "database": database,
            "seqlet_threshold": seqletThreshold, "linkage": linkage, "distance_threshold": distanceThreshold, "zero_center": zeroCenter,
            "n_seqlets": cwms.count, "n_clusters": k, "n_annotated_clusters": queries.count, "n_annotations": annotations.count,
            "n_database_motifs": db.targets.count,
        ]
        try AtomicFile.write(JSONSerialization.data(withJSONObject: summary, options: [.prettyPrinted, .sortedKeys]), to: staged.path("summary.json"))
    }
}

extension Parallel {
    /// `transform` of every element on up to `threads` threads, results in order.
    static func map<T, R>(_ items: [T], threads: Int, _ transform: (T) -> R) -> [R] {
        let parts = balancedRanges(count: items.count, parts: max(1, min(threads, items.count)))
        var results = [[R]](repeating: [], count: parts.count)
        results.withUnsafeMutableBufferPointer { out in
            Parallel.forEachPart(parts.count) { p in out[p] = parts[p].map { transform(items[$0]) } }
        }
        return results.flatMap { $0 }
    }
}
