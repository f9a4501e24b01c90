import Foundation
import Testing

/// `sage-mpi motifs` end to end on a cohort with planted motifs (`simulate --motifs`): attribution files written
/// here (each planted instance's reference bases weighted on their channel, plus noise, for two "models" a and b),
/// `seqlets` on each, then `motifs` with both (labels a,b) against JASPAR plus the planted PWMs: the same output
/// on 1, 2 and 3 ranks, and the clusters' best Tomtom matches recover the planted motifs. Bad input is one error.
@Suite(.serialized) struct MotifsCommandTests {
    static let inputLen = SeqletsCommandTests.inputLen
    static let jaspar = TomtomCommandTests.motifs + "/jaspar.meme"

    /// Cohort with planted motifs, attributions a and b, their seqlets CSVs, and the database (JASPAR + planted).
    static func setUp() throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sage-motifs-\(UUID().uuidString)").path
        let sim = try Subprocess.alone(["simulate", "--out", dir, "--regions", "30", "--individuals", "20", "--input-len", "\(inputLen)",
                                        "--seed", "5", "--motifs"])
        guard sim.status == 0 else { throw SubprocessError("simulate failed: \(sim.combined)") }
        let regions = try SeqletsCommandTests.regions(dir + "/regions.csv"), g = try SeqletsCommandTests.genome(dir + "/genome.fa")
        let instances = try String(contentsOfFile: dir + "/truth/motif_instances.csv", encoding: .utf8).split(separator: "\n").dropFirst()
            .map { $0.split(separator: ",").map(String.init) }
        for (label, weight, seed) in [("a", Float(1.5), UInt64(3)), ("b", Float(1.0), UInt64(4))] {
            let sub = dir + "/attr_\(label)/per_region_attribs"
            try FileManager.default.createDirectory(atPath: sub, withIntermediateDirectories: true)
            var state = seed
            func noise() -> Float {
                state = state &* 6364136223846793005 &+ 1442695040888963407
                return Float(Int64(bitPattern: state) >> 40) / Float(1 << 23) * 0.05
            }
            for r in regions {
                var a = (0..<(4 * inputLen)).map { _ in noise() }
                let m = SeqletsCommandTests.model(r, g)
                for f in instances where f[0] == r.id {
                    for gpos in (Int(f[3])! - 1)..<Int(f[4])! {
                        let t = r.minus ? m.n - 1 - (gpos - m.w0) : gpos - m.w0
                        guard t >= 0 && t < m.n, let c = Array("ACGT".utf8).firstIndex(of: m.seq[t]) else { continue }
                        a[c * inputLen + t] += weight * (1 + 0.2 * noise())
                    }
                }
                try SeqletsCommandTests.npy(a, shape: [1, 4, inputLen]).write(to: URL(fileURLWithPath: "\(sub)/\(r.id).npy"))
            }
            let run = try Subprocess.alone(["seqlets", "--attributions", dir + "/attr_\(label)", "--config", dir + "/sage.toml",
                                            "--regions", "all", "--bins", "100", "--out", dir + "/seqlets_\(label).csv"])
            guard run.status == 0 else { throw SubprocessError("seqlets failed: \(run.combined)") }
        }
        let planted = try String(contentsOfFile: dir + "/truth/motifs.meme", encoding: .utf8)
        let database = try String(contentsOfFile: jaspar, encoding: .utf8) + "\n" + planted[planted.range(of: "MOTIF")!.lowerBound...]
        try database.write(toFile: dir + "/database.meme", atomically: true, encoding: .utf8)
        return dir
    }

    static func args(_ dir: String, out: String) -> [String] {
        ["motifs", "--seqlets", dir + "/seqlets_a.csv", "--seqlets", dir + "/seqlets_b.csv", "--labels", "a,b",
         "--attributions", dir + "/attr_a", "--attributions", dir + "/attr_b", "--config", dir + "/sage.toml",
         "--database", dir + "/database.meme", "--seqlet-threshold", "0.05", "--out", out, "--threads", "1"]
    }

    static func rows(_ path: String) throws -> [[String]] {
        try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
    }

    @Test func sameOnOneTwoThreeRanksAndThePlantedMotifsAreRecovered() throws {
        let dir = try Self.setUp()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var outputs: [[String: Data]] = []
        for ranks in [1, 2, 3] {
            // Blocks of 16 seqlets: several per rank (the default, 256, would be one block for all).
            let out = "\(dir)/motifs\(ranks)", args = Self.args(dir, out: out) + (ranks == 1 ? [] : ["--block-size", "16"])
            let run = ranks == 1 ? try Subprocess.alone(args) : try Subprocess.mpi(ranks, args)
            #expect(run.status == 0, "\(run.combined)")
            var files: [String: Data] = [:]
            for f in ["seqlets.csv", "clusters.csv", "cluster_cwms.meme", "annotations.csv", "summary.json"] {
                files[f] = FileManager.default.contents(atPath: "\(out)/\(f)")
                #expect(files[f] != nil, "\(out)/\(f)")
            }
            outputs.append(files)
        }
        #expect(outputs[1] == outputs[0] && outputs[2] == outputs[0], "outputs differ between 1, 2 and 3 ranks")

        let clusters = try Self.rows("\(dir)/motifs1/clusters.csv")
        #expect(clusters[0] == ["cluster", "n_seqlets", "n_a", "n_b", "models", "cwm_length", "best_match", "best_raw_pval", "best_bh_corrected_pval"])
        let body = clusters.dropFirst()
        let seqlets = try Self.rows("\(dir)/motifs1/seqlets.csv").dropFirst()
        #expect(body.map { Int($0[1])! }.reduce(0, +) == seqlets.count)
        #expect(Set(seqlets.map { $0[1] }) == ["a", "b"])
        // Planted motifs that are the best match of a cluster of at least 3 seqlets, and those clusters' share of seqlets.
        let recovered = body.filter { Int($0[1])! >= 3 && $0[6].hasPrefix("SIM_") }
        let names = Set(recovered.map { $0[6] })
        print("motifs: \(body.count) clusters; planted motifs recovered as best matches: \(names.sorted()) by \(recovered.count) cluster(s) holding \(recovered.map { Int($0[1])! }.reduce(0, +)) of \(seqlets.count) seqlets")
        #expect(names == ["SIM_AP1", "SIM_SP1", "SIM_NFY"], "recovered \(names.sorted())")
        #expect(recovered.contains { $0[4] == "a+b" }, "a cluster holding both models' seqlets")
        let big = body.filter { Int($0[1])! >= 3 }
        #expect(big.allSatisfy { $0[6].hasPrefix("SIM_") }, "every cluster of >= 3 seqlets matches a planted motif best: \(big.map { $0[6] })")
        let annotations = try Self.rows("\(dir)/motifs1/annotations.csv")
        #expect(annotations[0] == ["cluster_idx", "motif_match", "raw_pval", "bh_corrected_pval", "strand", "offset", "overlap"])
    }

    @Test func badInputIsOneClearError() throws {
        let dir = try Self.setUp()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var args = Self.args(dir, out: dir + "/m")
        // Missing database.
        args[args.firstIndex(of: "--database")! + 1] = dir + "/none.meme"
        var run = try Subprocess.alone(args)
        #expect(run.status == 1 && run.stderr.contains("error: \(dir)/none.meme"), "\(run.combined)")
        #expect(!FileManager.default.fileExists(atPath: dir + "/m"))
        // Bad labels.
        for labels in ["a", "a,a", "a,"] {
            var bad = Self.args(dir, out: dir + "/m")
            bad[bad.firstIndex(of: "--labels")! + 1] = labels
            run = try Subprocess.alone(bad)
            #expect(run.status != 0 && run.stderr.contains("--labels '\(labels)': give 2 distinct, non-empty label(s)"), "\(run.combined)")
        }
        // No seqlet passes the threshold (an empty CSV: its header only).
        try "region_id,seqlet,start,end,attribution,p_value,chr,genome_start,genome_end,strand\n".write(toFile: dir + "/empty.csv", atomically: true, encoding: .utf8)
        run = try Subprocess.alone(["motifs", "--seqlets", dir + "/empty.csv", "--attributions", dir + "/attr_a", "--config", dir + "/sage.toml",
                                    "--database", dir + "/database.meme", "--out", dir + "/m"])
        #expect(run.status == 1 && run.stderr.contains("error: \(dir)/empty.csv: no seqlet with p_value < 0.005 among 0 row(s)"), "\(run.combined)")
        // Attributions that are not the seqlets' own (a missing region file) name the file.
        let region = try Self.rows(dir + "/seqlets_b.csv")[1][0]
        try FileManager.default.removeItem(atPath: dir + "/attr_b/per_region_attribs/\(region).npy")
        run = try Subprocess.alone(Self.args(dir, out: dir + "/m"))
        #expect(run.status == 1 && run.stderr.contains("attr_b/per_region_attribs/\(region).npy: no such file"), "\(run.combined)")
        // The output directory is never someone else's.
        try FileManager.default.createDirectory(atPath: dir + "/mine", withIntermediateDirectories: true)
        try "keep".write(toFile: dir + "/mine/notes.txt", atomically: true, encoding: .utf8)
        run = try Subprocess.alone(["motifs", "--seqlets", dir + "/seqlets_a.csv", "--attributions", dir + "/attr_a", "--config", dir + "/sage.toml",
                                    "--database", dir + "/database.meme", "--seqlet-threshold", "0.05", "--out", dir + "/mine"])
        #expect(run.status == 1 && (try? String(contentsOfFile: dir + "/mine/notes.txt", encoding: .utf8)) == "keep", "\(run.combined)")
    }
}
