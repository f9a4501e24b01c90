import Foundation
import Testing

/// `baseline enformer` against NumPy's and scikit-learn's numbers (Fixtures/enformer, tools/make_enformer_fixtures.py):
/// SAGE-net's predict_on_batch modes (cage = only_brain, finetuned with a given head) and the fit-head of
/// finetune_enformer.py; bad feature files are one error and leave no output.
@Suite struct EnformerBaselineTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../SAGEGenomeTests/Fixtures/enformer").standardized.path
    static let cohort = fixtures + "/cohort"

    struct Mode: Decodable { let reference: Double, individuals: [Double], pearson: Double? }
    struct FitHead: Decodable { let alpha: Double, alpha_index: Int, intercept: Double, coef: [String: Double], predictions: [String: Mode] }
    struct Expected: Decodable {
        let regions: [String], test_individuals: [String], y_mean: [Double]
        let cage: [String: Mode], finetuned: [String: Mode], fit_head: FitHead
        let cage_mean_pearson: Double, finetuned_mean_pearson: Double
        let tol: Double, max_iter: Int
    }
    static let expected = try! JSONDecoder().decode(Expected.self, from: Data(contentsOf: URL(fileURLWithPath: fixtures + "/expected.json")))

    /// The rows of a CSV we wrote (header dropped), split on commas.
    static func rows(_ path: String) throws -> [[String]] {
        try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").dropFirst().map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
    }

    static func close(_ a: Double, _ b: Double, _ rtol: Double) -> Bool { abs(a - b) <= rtol * max(1, abs(b)) }

    /// Runs a mode on the fixture cohort into a fresh directory; returns it (the caller removes it).
    static func run(_ extra: [String]) throws -> String {
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("sage-enformer-\(UUID().uuidString)").path
        let run = try Subprocess.alone(["baseline", "enformer", "--features", cohort + "/features", "--config", cohort + "/sage.toml", "--out", out] + extra)
        #expect(run.status == 0, "\(run.combined)")
        return out
    }

    /// predictions.csv and reference_predictions.csv hold `mode`'s numbers, in region then list order.
    static func checkPredictions(_ out: String, _ mode: [String: Mode], rtol: Double) throws {
        let e = expected
        let predictions = try rows(out + "/predictions.csv"), reference = try rows(out + "/reference_predictions.csv")
        #expect(predictions.count == e.regions.count * e.test_individuals.count && reference.count == e.regions.count)
        for (k, region) in e.regions.enumerated() {
            let want = mode[region]!
            #expect(reference[k][0] == region && close(Double(reference[k][4])!, want.reference, rtol), "\(region) reference: \(reference[k]) vs \(want.reference)")
            #expect(close(Double(reference[k][3])!, e.y_mean[k], 1e-12), "\(region) y_mean")
            for (j, id) in e.test_individuals.enumerated() {
                let row = predictions[k * e.test_individuals.count + j]
                #expect(row[0] == region && row[1] == id, "row order: \(row)")
                #expect(close(Double(row[3])!, want.individuals[j], rtol), "\(region) \(id): \(row[3]) vs \(want.individuals[j])")
            }
        }
    }

    @Test func cageAndFinetunedEqualSAGENetsModesInNumPy() throws {
        for (mode, extra, expected, meanPearson) in [
            ("cage", [String](), Self.expected.cage, Self.expected.cage_mean_pearson),
            ("finetuned", ["--coef", Self.cohort + "/head/coef.npy", "--intercept", Self.cohort + "/head/intercept.npy"], Self.expected.finetuned, Self.expected.finetuned_mean_pearson),
        ] {
            let out = try Self.run(["--mode", mode] + extra)
            defer { try? FileManager.default.removeItem(atPath: out) }
            try Self.checkPredictions(out, expected, rtol: 1e-6)
            // Per-region Pearson across the test individuals; across-region Pearson of reference vs mean expression.
            for (k, row) in try Self.rows(out + "/region_correlations.csv").enumerated() {
                #expect(row[0] == Self.expected.regions[k] && Self.close(Double(row[3])!, expected[row[0]]!.pearson!, 1e-5), "\(mode) \(row)")
            }
            let summary = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out + "/summary.json"))) as! [String: Any]
            #expect(Self.close(summary["mean_pearson"] as! Double, meanPearson, 1e-6), "\(mode): \(summary)")
            #expect(summary["mode"] as? String == mode && summary["n_regions"] as? Int == 24 && summary["n_individuals"] as? Int == 3)
            #expect(((summary["by_region_split"] as! [String: Any])["test"] as! [String: Any])["n_regions"] as? Int == 6)
        }
    }

    @Test func fitHeadEqualsScikitLearnsElasticNetCVAndRefit() throws {
        let out = try Self.run(["--mode", "fit-head", "--tol", "\(Self.expected.tol)", "--max-iter", "\(Self.expected.max_iter)"])
        defer { try? FileManager.default.removeItem(atPath: out) }
        let fit = Self.expected.fit_head
        try Self.checkPredictions(out, fit.predictions, rtol: 1e-6)
        let summary = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out + "/summary.json"))) as! [String: Any]
        let chosen = summary["fit"] as! [String: Any]
        #expect(chosen["alpha_index"] as? Int == fit.alpha_index && Self.close(chosen["alpha"] as! Double, fit.alpha, 1e-12), "\(chosen)")
        #expect(chosen["n_train_regions"] as? Int == 12 && chosen["n_val_regions"] as? Int == 6)
        // coef.npy (5313,) and intercept.npy 0-d, float64, in numpy's own format: the header then the values.
        let coef = try Data(contentsOf: URL(fileURLWithPath: out + "/coef.npy")), intercept = try Data(contentsOf: URL(fileURLWithPath: out + "/intercept.npy"))
        let coefHeader = String(decoding: coef[10..<(10 + Int(coef[8]) + Int(coef[9]) << 8)], as: UTF8.self)
        #expect(coefHeader.hasPrefix("{'descr': '<f8', 'fortran_order': False, 'shape': (5313,), }"), "\(coefHeader)")
        #expect(String(decoding: intercept[10..<74], as: UTF8.self).hasPrefix("{'descr': '<f8', 'fortran_order': False, 'shape': (), }"))
        let values = coef.suffix(5313 * 8).withUnsafeBytes { raw in (0..<5313).map { raw.loadUnaligned(fromByteOffset: 8 * $0, as: Double.self) } }
        let b = intercept.suffix(8).withUnsafeBytes { $0.loadUnaligned(as: Double.self) }
        for (t, v) in values.enumerated() {
            #expect(abs(v - (fit.coef[String(t)] ?? 0)) <= 1e-7, "coef[\(t)] \(v) vs \(fit.coef[String(t)] ?? 0)")
        }
        #expect(abs(b - fit.intercept) <= 1e-7)
        // The written head, given back as --mode finetuned, predicts the same.
        let again = try Self.run(["--mode", "finetuned", "--coef", out + "/coef.npy", "--intercept", out + "/intercept.npy"])
        defer { try? FileManager.default.removeItem(atPath: again) }
        #expect(try Self.rows(again + "/predictions.csv") == Self.rows(out + "/predictions.csv"))
    }

    /// A float32 .npy of `shape` filled with `value` (our own bytes: numpy's version-1 header).
    static func npy(_ shape: [Int], value: Float = 0.5, at: Int? = nil, special: Float = .nan) -> Data {
        let dims = shape.count == 1 ? "(\(shape[0]),)" : "(" + shape.map(String.init).joined(separator: ", ") + ")"
        var header = "{'descr': '<f4', 'fortran_order': False, 'shape': \(dims), }"
        header += String(repeating: " ", count: (64 - (10 + header.utf8.count + 1) % 64) % 64) + "\n"
        var data = Data([0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(header.utf8.count & 0xFF), UInt8(header.utf8.count >> 8)] + Array(header.utf8))
        var values = [Float](repeating: value, count: shape.reduce(1, *))
        if let at { values[at] = special }
        values.withUnsafeBytes { data.append(contentsOf: $0) }
        return data
    }

    /// Each damage to a copy of the fixture's features is one error naming the file; no output directory is left.
    @Test func badFeatureFilesAreOneClearError() throws {
        let region = "ENSG00000000020"  // a test region, in the last rank's block
        let personal = "features/eval_on_individual/snps_and_indels/no_maf_filter/rosmap/test_subs/gene_res/\(region).npy"
        let otherIDs = try Data(contentsOf: URL(fileURLWithPath: Self.fixtures + "/npy/ids.npy"))  // S10, S08, Gü9, LONGER_ID_1
        let cases: [(String, Data?, String)] = [
            ("features/eval_on_individual/snps_and_indels/no_maf_filter/rosmap/test_subs/sub_list.npy", otherIDs,
             "the features' rows are 4 individual(s), not the 3 of the split (missing S09; not in the split: Gü9, LONGER_ID_1)"),
            (personal, nil, "missing; region '\(region)' has no Enformer features here"),
            (personal, Self.npy([3, 3, 100]), "shape (3, 3, 100), expected (3, 3, 5313)"),
            (personal, Self.npy([2, 3, 5313]), "2 sequence(s), expected 3 individual(s)"),
            (personal, Self.npy([3, 3, 5313], at: 5313 + 4980), "value nan at [0, 1, 4980]"),
            ("features/eval_on_ref_seq/gene_res/\(region).npy", Self.npy([1, 3, 5313], at: 7, special: .infinity), "value inf at [0, 0, 7]"),
            ("features/eval_on_ref_seq/gene_res/\(region).npy", Data(Self.npy([1, 3, 5313]).prefix(5000)), "truncated"),
            // fit-head reads the validation regions' reference first (this one on rank 1), before its gather.
            ("features/eval_on_ref_seq/gene_res/ENSG00000000015.npy", Self.npy([1, 3, 5313], at: 9, special: -1), "value -1.0 at [0, 0, 9]"),
        ]
        for (file, content, message) in cases {
            let mode = file.hasSuffix("15.npy") ? "fit-head" : "cage"
            let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sage-enformer-bad-\(UUID().uuidString)").path
            defer { try? FileManager.default.removeItem(atPath: dir) }
            try FileManager.default.copyItem(atPath: Self.cohort, toPath: dir)
            let path = dir + "/" + file
            try FileManager.default.removeItem(atPath: path)
            if let content { try content.write(to: URL(fileURLWithPath: path)) }
            let run = try Subprocess.mpi(2, ["baseline", "enformer", "--features", dir + "/features", "--config", dir + "/sage.toml", "--mode", mode, "--out", dir + "/out"])
            #expect(run.status != 0 && !run.timedOut)
            #expect(run.stderr.components(separatedBy: "error: \(path): ").count == 2 && run.stderr.contains(message), "want '\(message)' once: \(run.stderr)")
            #expect(!FileManager.default.fileExists(atPath: dir + "/out") && !FileManager.default.fileExists(atPath: dir + "/out.partial"))
        }
    }

    /// A head of the wrong shape, and individuals whose features were not saved, are one error naming the path.
    @Test func aBadHeadOrAbsentIndividualsAreOneClearError() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sage-enformer-head-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try Self.npy([10]).write(to: URL(fileURLWithPath: dir + "/coef.npy"))
        let base = ["baseline", "enformer", "--features", Self.cohort + "/features", "--config", Self.cohort + "/sage.toml", "--out", dir + "/out"]
        for (extra, message) in [
            (["--mode", "finetuned", "--coef", dir + "/coef.npy", "--intercept", Self.cohort + "/head/intercept.npy"],
             "error: \(dir)/coef.npy: shape (10,), a head's coef.npy has shape (5313,)"),
            (["--mode", "cage", "--individuals", "val"], "error: \(Self.cohort)/features/eval_on_individual: no val_subs/gene_res directory under it"),
        ] {
            let run = try Subprocess.alone(base + extra)
            #expect(run.status == 1 && run.stderr.contains(message), "want '\(message)': \(run.combined)")
            #expect(!FileManager.default.fileExists(atPath: dir + "/out"))
        }
    }
}

/// `simulate --enformer-features` then `baseline enformer` under mpirun: the same files for 1, 2 and 3 ranks, and the
/// planted tracks give clearly positive correlations in the cage and fit-head modes.
@Suite(.serialized) struct EnformerJobTests {
    @Test func simulatedFeaturesGiveTheSameResultsForOneTwoAndThreeRanks() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sage-enfjob-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let sim = try Subprocess.alone(["simulate", "--out", dir, "--regions", "30", "--individuals", "40", "--input-len", "2000", "--seed", "2", "--enformer-features"])
        #expect(sim.status == 0, "\(sim.combined)")
        #expect(try String(contentsOfFile: dir + "/truth/enformer_tracks.csv", encoding: .utf8).hasPrefix("track,gain\n4980,"))
        for mode in ["cage", "fit-head"] {
            let args = ["baseline", "enformer", "--features", dir + "/enformer", "--config", dir + "/sage.toml", "--mode", mode]
            let one = try Subprocess.alone(args + ["--out", "\(dir)/\(mode)-np1"])
            #expect(one.status == 0, "\(one.combined)")
            for ranks in [2, 3] {
                let run = try Subprocess.mpi(ranks, args + ["--out", "\(dir)/\(mode)-np\(ranks)"])
                #expect(run.status == 0, "\(run.combined)")
                var files = ["predictions.csv", "reference_predictions.csv", "region_correlations.csv", "individual_correlations.csv"]
                if mode == "fit-head" { files += ["coef.npy", "intercept.npy"] }
                for file in files {
                    let a = try Data(contentsOf: URL(fileURLWithPath: "\(dir)/\(mode)-np1/\(file)"))
                    let b = try Data(contentsOf: URL(fileURLWithPath: "\(dir)/\(mode)-np\(ranks)/\(file)"))
                    #expect(a == b, "\(mode): \(file) differs between 1 and \(ranks) ranks")
                }
                func summary(_ r: Int) throws -> NSDictionary {
                    var s = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: "\(dir)/\(mode)-np\(r)/summary.json"))) as! [String: Any]
                    #expect(s["ranks"] as? Int == r)
                    s["seconds"] = nil; s["ranks"] = nil
                    return s as NSDictionary
                }
                #expect(try summary(1) == summary(ranks), "\(mode): summary.json differs beyond seconds and ranks")
            }
            let s = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: "\(dir)/\(mode)-np1/summary.json"))) as! [String: Any]
            let test = (s["by_region_split"] as! [String: Any])["test"] as! [String: Any]
            #expect(s["n_regions"] as? Int == 30 && s["n_individuals"] as? Int == 6)
            #expect(s["region_pearson_median"] as! Double > 0.5, "\(mode): \(s)")
            #expect(test["mean_pearson"] as! Double > 0.5, "\(mode) across test regions: \(test)")
            if mode == "fit-head" {
                // The head finds planted tracks (truth/enformer_tracks.csv) among its non-zero weights.
                let coef = try Data(contentsOf: URL(fileURLWithPath: "\(dir)/\(mode)-np1/coef.npy")).suffix(5313 * 8)
                let weights = coef.withUnsafeBytes { raw in (0..<5313).map { raw.loadUnaligned(fromByteOffset: 8 * $0, as: Double.self) } }
                let planted: Set = [4980, 41, 1203, 2718, 3999, 5100]
                let nonzero = weights.indices.filter { weights[$0] != 0 }
                #expect(!nonzero.isEmpty && nonzero.filter(planted.contains).count * 2 > nonzero.count, "non-zero tracks \(nonzero)")
            }
        }
    }
}
