import Foundation
import Testing

/// `tools/interpretation_chain.sh` cut down to seconds (a tiny cohort, one epoch each, two test regions, 100 null
/// bins): the whole chain simulate -> ... -> motifs -> variant-effect runs alone and on 2 ranks, writes every output
/// with the columns the next step and the summary read, and its summary's counts are the files' own. It refuses a
/// non-empty output directory and leaves it as it was.
@Suite(.serialized) struct InterpretationChainTests {
    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("tools/interpretation_chain.sh").path

    static func chain(_ out: String, _ extra: [String] = []) throws -> Subprocess.Outcome {
        try Subprocess.run("/bin/bash", [script, Subprocess.sageMPI, out, "--regions", "12", "--individuals", "20", "--r-epochs", "1",
                                         "--p-epochs", "1", "--motif-regions", "2", "--bins", "100"] + extra, timeout: 180)
    }

    static func rows(_ path: String) throws -> [[String]] {
        try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
    }

    @Test(arguments: [[String](), ["--ranks", "2"]]) func runsEndToEndWithTheSummaryOfItsFiles(ranks: [String]) throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sage-chain-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let run = try Self.chain(dir, ranks)
        try #require(run.status == 0 && !run.timedOut, "\(run.combined)")
        if !ranks.isEmpty { #expect(run.combined.contains("on 2 rank(s)"), "\(run.combined)") }

        let seqletHeader = ["region_id", "seqlet", "start", "end", "attribution", "p_value", "chr", "genome_start", "genome_end", "strand"]
        for label in ["r", "p"] { #expect(try Self.rows("\(dir)/seqlets_\(label).csv").first == seqletHeader) }
        let clusters = try Self.rows("\(dir)/motifs/clusters.csv")
        #expect(clusters.first == ["cluster", "n_seqlets", "n_r", "n_p", "models", "cwm_length", "best_match", "best_raw_pval", "best_bh_corrected_pval"])
        let body = clusters.dropFirst(), seqlets = try Self.rows("\(dir)/motifs/seqlets.csv").dropFirst()
        #expect(!body.isEmpty && Set(seqlets.map { $0[1] }).isSubset(of: ["r", "p"]))
        let inClusters = body.map { Int($0[1])! }.reduce(0, +)
        #expect(inClusters == seqlets.count)
        #expect(run.stdout.contains("  clusters: \(body.count) (\(inClusters) seqlets)"), "\(run.stdout)")
        let planted = Set(body.map { $0[6] }.filter { $0.hasPrefix("SIM_") })
        #expect(run.stdout.contains("planted motifs recovered as a cluster's best match: \(planted.count) of 3"), "\(run.stdout)")

        let rankings = try Self.rows("\(dir)/variant-effect/rankings.csv")
        #expect(rankings.count > 1)
        let summary = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: "\(dir)/variant-effect/summary.json"))) as! [String: Any]
        let causal = try #require(summary["causal"] as? [String: Any])
        let regions = causal["regions"] as! Int, top1 = causal["top1_causal"] as! Int, predixcan = causal["predixcan_top1_causal"] as! Int
        #expect(regions == 4, "the training chromosome's regions")
        #expect(run.stdout.contains("p-SAGE-net \(top1) of \(regions) training regions"), "\(run.stdout)")
        #expect(run.stdout.contains("PrediXcan \(predixcan) ("), "\(run.stdout)")
    }

    @Test func refusesANonEmptyDirectoryAndLeavesItAlone() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sage-chain-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try "mine\n".write(toFile: dir + "/keep.txt", atomically: true, encoding: .utf8)
        let run = try Self.chain(dir)
        #expect(run.status == 2 && run.stderr.contains("\(dir) is not empty; give a new or empty directory"), "\(run.combined)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir) == ["keep.txt"])
        #expect(try String(contentsOfFile: dir + "/keep.txt", encoding: .utf8) == "mine\n")

        let usage = try Subprocess.run("/bin/bash", [Self.script, Subprocess.sageMPI], timeout: 30)
        #expect(usage.status == 2 && usage.stderr.contains("usage: tools/interpretation_chain.sh SAGE_MPI OUT_DIR"), "\(usage.combined)")
        let bad = try Subprocess.run("/bin/bash", [Self.script, Subprocess.sageMPI, dir + "/new", "--ranks", "two"], timeout: 30)
        #expect(bad.status == 2 && bad.stderr.contains("--ranks must be a positive integer, got 'two'"), "\(bad.combined)")
        #expect(!FileManager.default.fileExists(atPath: dir + "/new"))
    }
}
