import Foundation
import Testing

/// `baseline predixcan --apply`: fitted weights applied to a cohort's VCF reproduce the fit's own predictions,
/// through another contig naming too; weighted variants the VCF lacks count dosage 0 (checked against a hand
/// computation over `bcftools query` genotypes); 1 and 2 ranks write the same files; the weights are never overwritten.
@Suite(.serialized) struct PrediXcanApplyTests {
    /// A simulated cohort (contigs chr1..chr3 in the VCF, 1..3 in the regions table) with a fit in `px`.
    static func fitted() throws -> String {
        let dir = try Subprocess.simulatedCohort("pxapply", regions: 12, individuals: 60, inputLen: 2000, seed: 3)
        let fit = try Subprocess.alone(["baseline", "predixcan", "--config", dir + "/sage.toml", "--out", dir + "/px"])
        guard fit.status == 0 else { throw SubprocessError("predixcan failed: \(fit.combined)") }
        return dir
    }

    static func csv(_ path: String) throws -> [[String]] {
        try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").dropFirst().map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
    }

    /// "region individual" -> pred, from a predictions.csv (pred is the last column).
    static func predictions(_ path: String) throws -> [String: Double] {
        Dictionary(uniqueKeysWithValues: try csv(path).map { ("\($0[0]) \($0[1])", Double($0.last!)!) })
    }

    static func tool(_ args: [String]) throws -> String {
        let run = try Subprocess.run("/usr/bin/env", args, timeout: 60)
        guard run.status == 0 else { throw SubprocessError("\(args.joined(separator: " ")) failed: \(run.combined)") }
        return run.stdout
    }

    /// The cohort's config with its vcf (and expression) replaced, written beside it as `name`.
    static func config(_ dir: String, _ name: String, vcf: String, expression: Bool = true) throws -> String {
        var lines = try String(contentsOfFile: dir + "/sage.toml", encoding: .utf8).split(separator: "\n").map(String.init)
        lines = lines.map { $0.hasPrefix("vcf = ") ? "vcf = \"\(vcf)\"" : $0 }.filter { expression || !$0.hasPrefix("expression = ") }
        try (lines.joined(separator: "\n") + "\n").write(toFile: dir + "/" + name, atomically: true, encoding: .utf8)
        return dir + "/" + name
    }

    func apply(_ dir: String, config: String, out: String) throws -> Subprocess.Outcome {
        try Subprocess.alone(["baseline", "predixcan", "--apply", dir + "/px", "--config", config, "--out", out])
    }

    @Test func appliedToTheSameCohortTheWeightsReproduceTheFitsPredictions() throws {
        let dir = try Self.fitted()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let run = try apply(dir, config: dir + "/sage.toml", out: dir + "/ap")
        #expect(run.status == 0, "\(run.combined)")
        #expect(run.stderr.contains("allele frequencies and targets are not recomputed"))
        let fit = try Self.predictions(dir + "/px/predictions.csv"), mine = try Self.predictions(dir + "/ap/predictions.csv")
        #expect(Set(fit.keys) == Set(mine.keys) && fit.count == 12 * 60)
        for (key, value) in fit { #expect(abs(mine[key]! - value) <= 1e-6, "\(key): \(mine[key]!) vs the fit's \(value)") }
        let summary = try Self.csv(dir + "/ap/summary.csv")
        let weights = try Self.csv(dir + "/px/weights.csv")
        #expect(summary.count == 12)
        for row in summary {
            #expect(Int(row[1])! == weights.filter { $0[0] == row[0] }.count && row[2] == "0")
            #expect(Double(row[3])!.isFinite, "pearson against the configured expression: \(row)")
        }
    }

    @Test func anotherContigNamingGivesTheSamePredictions() throws {
        let dir = try Self.fitted()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try "chr1 1\nchr2 2\nchr3 3\n".write(toFile: dir + "/rename.txt", atomically: true, encoding: .utf8)
        _ = try Self.tool(["bcftools", "annotate", "--rename-chrs", dir + "/rename.txt", "-Oz", "-o", dir + "/bare.vcf.gz", dir + "/cohort.vcf.gz"])
        _ = try Self.tool(["tabix", "-p", "vcf", dir + "/bare.vcf.gz"])
        #expect(try Set(Self.tool(["bcftools", "query", "-f", "%CHROM\n", dir + "/bare.vcf.gz"]).split(separator: "\n")) == ["1", "2", "3"])
        let config = try Self.config(dir, "bare.toml", vcf: "bare.vcf.gz", expression: false)
        let run = try apply(dir, config: config, out: dir + "/bare")
        #expect(run.status == 0, "\(run.combined)")
        let fit = try Self.predictions(dir + "/px/predictions.csv"), mine = try Self.predictions(dir + "/bare/predictions.csv")
        #expect(Set(fit.keys) == Set(mine.keys))
        for (key, value) in fit { #expect(abs(mine[key]! - value) <= 1e-6, "\(key)") }
        // Without an expression table there is nothing to correlate with.
        #expect(try Self.csv(dir + "/bare/summary.csv").allSatisfy { $0[2] == "0" && $0[3] == "nan" })
    }

    @Test func weightedVariantsAbsentFromTheVCFCountDosageZero() throws {
        let dir = try Self.fitted()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let weights = try Self.csv(dir + "/px/weights.csv")
        // Two weighted variants of the first region with at least two weights, one of the next region with any.
        let regions = weights.map { $0[0] }.reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } }
        let a = try #require(regions.first { r in weights.filter { $0[0] == r }.count >= 2 })
        let b = try #require(regions.first { $0 != a })
        let removed = weights.filter { $0[0] == a }.prefix(2) + weights.filter { $0[0] == b }.prefix(1)
        let rule = removed.map { "(CHROM==\"chr\($0[1])\" && POS==\($0[2]))" }.joined(separator: " || ")
        _ = try Self.tool(["bcftools", "view", "-e", rule, "-Oz", "-o", dir + "/fewer.vcf.gz", dir + "/cohort.vcf.gz"])
        _ = try Self.tool(["tabix", "-p", "vcf", dir + "/fewer.vcf.gz"])
        let run = try apply(dir, config: Self.config(dir, "fewer.toml", vcf: "fewer.vcf.gz"), out: dir + "/fewer")
        #expect(run.status == 0, "\(run.combined)")

        // Expected missing per region: its weights at a removed (chr, pos) (every allele of a removed record).
        let gone = Set(removed.map { "\($0[1]) \($0[2])" })
        let summary = try Self.csv(dir + "/fewer/summary.csv")
        for row in summary {
            #expect(Int(row[2])! == weights.filter { $0[0] == row[0] && gone.contains("\($0[1]) \($0[2])") }.count, "\(row)")
        }
        #expect(summary.filter { $0[2] != "0" }.map { $0[0] }.sorted() == [a, b].sorted())

        // By hand: intercept + sum of weight x (haplotypes carrying the ALT) over `bcftools query` genotypes.
        let samples = try Self.tool(["bcftools", "query", "-l", dir + "/fewer.vcf.gz"]).split(separator: "\n").map(String.init)
        var genotypes: [String: [String]] = [:]  // "chr pos ref alt" -> GT per sample
        for line in try Self.tool(["bcftools", "query", "-f", "%CHROM %POS %REF %ALT [%GT ]\n", dir + "/fewer.vcf.gz"]).split(separator: "\n") {
            let f = line.split(separator: " ").map(String.init)
            for (k, alt) in f[3].split(separator: ",").enumerated() {
                genotypes["\(f[0].dropFirst(3)) \(f[1]) \(f[2]) \(alt)"] = f[4...].map { gt in
                    String(gt.split(whereSeparator: { $0 == "|" || $0 == "/" }).filter { $0 == Substring("\(k + 1)") }.count)
                }
            }
        }
        let intercept = Dictionary(uniqueKeysWithValues: try String(contentsOfFile: dir + "/px/summary.csv", encoding: .utf8)
            .split(separator: "\n").dropFirst().map { $0.split(separator: ",").map(String.init) }.map { ($0[0], Double($0.last!)!) })
        let mine = try Self.predictions(dir + "/fewer/predictions.csv"), fit = try Self.predictions(dir + "/px/predictions.csv")
        for region in [a, b] {
            for (s, id) in samples.enumerated() {
                var expected = intercept[region]!
                for w in weights where w[0] == region {
                    expected += Double(w[5])! * (genotypes["\(w[1]) \(w[2]) \(w[3]) \(w[4])"].map { Double($0[s])! } ?? 0)
                }
                #expect(abs(mine["\(region) \(id)"]! - expected) <= 1e-9, "\(region) \(id)")
            }
            #expect(samples.contains { abs(mine["\(region) \($0)"]! - fit["\(region) \($0)"]!) > 1e-6 }, "removing weighted variants changes \(region)")
        }
        for region in regions where region != a && region != b {
            for id in samples { #expect(abs(mine["\(region) \(id)"]! - fit["\(region) \(id)"]!) <= 1e-6) }
        }
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir + "/fewer/summary.json"))) as! [String: Any]
        #expect(json["n_missing_variants"] as? Int == weights.filter { gone.contains("\($0[1]) \($0[2])") }.count)
        #expect(json["n_regions_with_missing_variants"] as? Int == 2)
        #expect((json["note"] as? String)?.contains("not recomputed") == true)
    }

    @Test func oneAndTwoRanksWriteTheSameFiles() throws {
        let dir = try Self.fitted()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let one = try apply(dir, config: dir + "/sage.toml", out: dir + "/np1")
        #expect(one.status == 0, "\(one.combined)")
        let two = try Subprocess.mpi(2, ["baseline", "predixcan", "--apply", dir + "/px", "--config", dir + "/sage.toml", "--out", dir + "/np2"])
        #expect(two.status == 0, "\(two.combined)")
        for file in ["predictions.csv", "summary.csv"] {
            let a = try Data(contentsOf: URL(fileURLWithPath: "\(dir)/np1/\(file)")), b = try Data(contentsOf: URL(fileURLWithPath: "\(dir)/np2/\(file)"))
            #expect(a == b && !a.isEmpty, "\(file) differs between 1 and 2 ranks")
        }
    }

    @Test func refusesToWriteOverTheWeightsAndNamesAnEarlierFitWithoutIntercepts() throws {
        let dir = try Self.fitted()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let before = try Data(contentsOf: URL(fileURLWithPath: dir + "/px/weights.csv"))
        let run = try apply(dir, config: dir + "/sage.toml", out: dir + "/px")
        #expect(run.status == 1 && run.stderr.contains("is an input of this command"), "\(run.combined)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: dir + "/px/weights.csv")) == before)
        #expect(!FileManager.default.fileExists(atPath: dir + "/px.partial"))

        // A fit written before summary.csv had intercepts: one message saying to fit again.
        var summary = try String(contentsOfFile: dir + "/px/summary.csv", encoding: .utf8).split(separator: "\n").map { $0.split(separator: ",").dropLast().joined(separator: ",") }
        summary.append("")
        try summary.joined(separator: "\n").write(toFile: dir + "/px/summary.csv", atomically: true, encoding: .utf8)
        let old = try apply(dir, config: dir + "/sage.toml", out: dir + "/ap")
        #expect(old.status == 1 && old.stderr.contains("no intercept column") && old.stderr.contains("fit again"), "\(old.combined)")
        #expect(!FileManager.default.fileExists(atPath: dir + "/ap"))
    }

    /// Weights applied to another cohort equal NumPy's intercept + X @ w on its dosages (tools/make_apply_fixtures.py:
    /// contigs chr1/chr2 against weights on 1/2, a weight on a second ALT, missing alleles, weighted variants absent by
    /// position and by ALT, a region without weights).
    @Test func appliedWeightsEqualNumPyOnTheSameDosages() throws {
        let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/apply").path
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sage-apply-numpy-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        _ = try Self.tool(["bcftools", "view", "-Oz", "-o", dir + "/cohort.vcf.gz", fixture + "/cohort.vcf"])
        _ = try Self.tool(["tabix", "-p", "vcf", dir + "/cohort.vcf.gz"])
        try "vcf = \"cohort.vcf.gz\"\n".write(toFile: dir + "/other.toml", atomically: true, encoding: .utf8)
        let run = try Subprocess.mpi(2, ["baseline", "predixcan", "--apply", fixture + "/weights", "--config", dir + "/other.toml", "--out", dir + "/out"])
        #expect(run.status == 0, "\(run.combined)")
        let expected = try Self.csv(fixture + "/expected.csv"), mine = try Self.predictions(dir + "/out/predictions.csv")
        #expect(mine.count == expected.count && expected.count == 4 * 12)
        for row in expected {
            let got = try #require(mine["\(row[0]) \(row[1])"], "\(row[0]) \(row[1]) missing")
            #expect(abs(got - Double(row[2])!) <= 1e-12, "\(row[0]) \(row[1]): \(got) vs NumPy's \(row[2])")
        }
        let missing = Dictionary(uniqueKeysWithValues: try Self.csv(dir + "/out/summary.csv").map { ($0[0], $0[2]) })
        for row in expected { #expect(missing[row[0]] == row[3], "\(row[0]) missing variants") }
    }

}
