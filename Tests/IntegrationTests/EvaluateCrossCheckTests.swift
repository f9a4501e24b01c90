import Foundation
import Testing

/// `evaluate` against an independent path: `sequences` (FASTA + VCF read directly, not the store) piped through
/// `predict` must give the same predictions for the same (region, individual) pairs, for every way of choosing
/// regions (named splits, a shuffled file of ids, a ranking subset); and the validation metrics `train` logs must
/// equal `evaluate` on the same checkpoint. (Positions in the requested list were once used as store indices,
/// which only the store's first n regions survive.)
@Suite(.serialized) struct EvaluateCrossCheckTests {
    struct Cohort {
        let dir: String
        var config: String { dir + "/sage.toml" }
        var checkpoint: String { dir + "/run/last.safetensors" }
        func individuals(_ split: String) throws -> [String] {
            try String(contentsOfFile: dir + "/individuals/\(split).txt", encoding: .utf8).split(separator: "\n").map(String.init)
        }
        func regionIDs() throws -> [(id: String, chr: String)] {
            try String(contentsOfFile: dir + "/regions.csv", encoding: .utf8).split(separator: "\n").dropFirst().map {
                let f = $0.split(separator: ","); return (String(f[0]), String(f[1]))
            }
        }
    }

    static let tiny = ["first_layer_kernel_number=8", "int_layers_kernel_number=8", "hidden_size=8", "n_conv_blocks=2",
                       "pooling_size=5", "patience=0", "batch_size=4"].flatMap { ["--set", $0] }

    /// 18 regions over the three contigs, a store on 2 ranks and one epoch of p-SAGE-net training.
    static func cohort() throws -> Cohort {
        let dir = try Subprocess.simulatedCohort("xcheck", regions: 18, individuals: 30, inputLen: 300, seed: 8)
        let c = Cohort(dir: dir)
        let prep = try Subprocess.mpi(2, ["prepare", "--config", c.config])
        #expect(prep.status == 0, "\(prep.combined)")
        let train = try Subprocess.alone(["train", "--config", c.config, "--out", dir + "/run", "--set", "max_epochs=1"] + tiny, timeout: 300)
        #expect(train.status == 0, "\(train.combined)")
        return c
    }

    /// region|individual -> (pred_mean, pred_diff) from evaluate's predictions.csv.
    static func evaluated(_ path: String) throws -> [String: (Double, Double)] {
        var out: [String: (Double, Double)] = [:]
        for line in try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").dropFirst() {
            let f = line.split(separator: ",", omittingEmptySubsequences: false)
            out["\(f[0])|\(f[1])"] = (Double(f[5])!, Double(f[6])!)
        }
        return out
    }

    /// The same pairs the independent way: `sequences` from FASTA + VCF, then `predict`.
    static func predicted(_ c: Cohort, regions: [String], individuals: [String]) throws -> [String: (Double, Double)] {
        let fasta = c.dir + "/pairs-\(UUID().uuidString).fa", csv = fasta + ".csv"
        let seq = try Subprocess.alone(["sequences", "--config", c.config, "--out", fasta]
                                       + regions.flatMap { ["--region", $0] } + individuals.flatMap { ["--individual", $0] })
        #expect(seq.status == 0, "\(seq.combined)")
        let pred = try Subprocess.alone(["predict", "--checkpoint", c.checkpoint, "--sequences", fasta, "--out", csv, "--batch-size", "5"])
        #expect(pred.status == 0, "\(pred.combined)")
        var out: [String: (Double, Double)] = [:]
        for line in try String(contentsOfFile: csv, encoding: .utf8).split(separator: "\n").dropFirst() {
            let f = line.split(separator: ",")
            out[String(f[0])] = (Double(f[1])!, Double(f[2])!)
        }
        return out
    }

    /// evaluate with `args`; its pairs must be exactly `regions` x `individuals` and equal the independent path's.
    func crossCheck(_ c: Cohort, _ args: [String], regions: [String], individuals: [String], ranks: Int = 2) throws {
        let out = c.dir + "/eval-\(UUID().uuidString)"
        let run = try Subprocess.mpi(ranks, ["evaluate", "--config", c.config, "--checkpoint", c.checkpoint, "--out", out, "--batch-size", "3"] + args, timeout: 300)
        #expect(run.status == 0, "\(run.combined)")
        let ours = try Self.evaluated(out + "/predictions.csv")
        let expectedKeys = Set(regions.flatMap { r in individuals.map { "\(r)|\($0)" } })
        #expect(Set(ours.keys) == expectedKeys, "\(args): evaluated pairs differ from the requested ones")
        let theirs = try Self.predicted(c, regions: regions, individuals: individuals)
        var worst = 0.0, at = ""
        for (key, (m, d)) in ours {
            guard let (pm, pd) = theirs[key] else { Issue.record("\(key) missing from predict's output"); continue }
            let e = max(abs(m - pm) / (1e-4 + abs(pm)), abs(d - pd) / (1e-4 + abs(pd)))
            if e > worst { worst = e; at = key }
        }
        #expect(worst < 1e-3, "\(args): \(at): evaluate \(ours[at].map { "\($0)" } ?? "-") vs predict \(theirs[at].map { "\($0)" } ?? "-")")
        // Different regions get different predictions (so scoring one region's sequence for all could not pass):
        // the regions' mean predictions over individuals differ.
        let means = regions.map { r in individuals.map { ours["\(r)|\($0)"]?.0 ?? .nan }.reduce(0, +) / Double(individuals.count) }
        #expect(Set(means.map { ($0 * 1e6).rounded() }).count > regions.count / 2, "\(means)")
    }

    @Test func evaluateEqualsPredictOnSequencesForEveryRegionSelection() throws {
        let c = try Self.cohort()
        defer { try? FileManager.default.removeItem(atPath: c.dir) }
        let all = try c.regionIDs(), val = try c.individuals("val")
        func on(_ chr: String) -> [String] { all.filter { $0.chr == chr }.map(\.id) }
        try crossCheck(c, ["--regions", "test", "--individuals", "val"], regions: on("3"), individuals: val)
        try crossCheck(c, ["--regions", "val", "--individuals", "val"], regions: on("2"), individuals: val, ranks: 3)
        try crossCheck(c, ["--regions", "train", "--individuals", "test"], regions: on("1"), individuals: try c.individuals("test"))

        // A shuffled subset from every contig, in a file (the output keeps the file's order).
        var rng = SystemRandomNumberGenerator()
        let subset = Array(all.map(\.id).shuffled(using: &rng).prefix(7))
        try (subset.joined(separator: "\n") + "\n").write(toFile: c.dir + "/subset.txt", atomically: true, encoding: .utf8)
        try crossCheck(c, ["--regions", c.dir + "/subset.txt", "--individuals", "val"], regions: subset, individuals: val)

        // A ranking subset: ranks 2..7 of a shuffled ranking, then split by chromosome.
        let ranked = all.map(\.id).shuffled(using: &rng)
        var ranking = "region_id,val_pearson\n"
        for (k, id) in ranked.enumerated() { ranking += "\(id),\(1 - Double(k) / 100)\n" }
        try ranking.write(toFile: c.dir + "/ranking.csv", atomically: true, encoding: .utf8)
        let chosen = Array(ranked[2..<8])
        try crossCheck(c, ["--regions", "all", "--individuals", "val", "--set", "region_ranking=\(c.dir)/ranking.csv",
                           "--set", "num_regions=6", "--set", "region_idx_start=2"], regions: chosen, individuals: val)
    }

    @Test func validationMetricsEqualEvaluateOnTheSameCheckpoint() throws {
        let c = try Self.cohort()
        defer { try? FileManager.default.removeItem(atPath: c.dir) }
        // The epoch's validation ran on the model last.safetensors holds (one epoch, saved at its end).
        let lines = try String(contentsOfFile: c.dir + "/run/metrics.jsonl", encoding: .utf8).split(separator: "\n")
        let val = try #require(lines.compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
            .last { $0["kind"] as? String == "val" })
        for (prefix, regions) in [("train_", "train"), ("val_", "val")] {
            let out = c.dir + "/eval-\(prefix)"
            let run = try Subprocess.mpi(2, ["evaluate", "--config", c.config, "--checkpoint", c.checkpoint, "--out", out,
                                             "--regions", regions, "--individuals", "val"], timeout: 300)
            #expect(run.status == 0, "\(run.combined)")
            let summary = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out + "/summary.json"))) as? [String: Any])
            for (logged, evaluated) in [("region_pearson_median", "region_pearson_median"), ("individual_pearson_median", "individual_pearson_median"),
                                        ("mean_pearson", "mean_pearson"), ("loss_ref", "loss_ref"), ("loss_diff", "loss_diff")] {
                let a = try #require(val[prefix + logged] as? Double, "\(prefix + logged) not logged")
                let b = try #require(summary[evaluated] as? Double, "\(evaluated) not in summary.json")
                #expect(abs(a - b) <= 1e-4 * max(1, abs(b)), "\(prefix + logged) \(a) vs evaluate's \(evaluated) \(b)")
            }
        }
    }
}
