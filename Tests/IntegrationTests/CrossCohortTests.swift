import Foundation
import Testing

/// Evaluation on a second cohort (`simulate --second-cohort`: other individuals, VCF contigs 1..3 where the first
/// cohort's are chr1..chr3, a shifted allele-frequency spectrum, SNPs of its own), with y0 and allele frequencies
/// from the first cohort's training individuals (train_subs_*), each against an independent path:
/// - predictions equal `sequences` (read from the second cohort's FASTA + VCF) through `predict`;
/// - y0 and y1 equal the first cohort's training mean and sd applied to the second cohort's values;
/// - with a MAF filter, predictions equal `sequences` on a VCF from which the alleles at or below the threshold
///   in the FIRST cohort (`bcftools query` counts) were removed by hand, alleles it lacks included;
/// - PrediXcan weights fitted on the first cohort, applied to the second, equal a hand computation over its
///   `bcftools query` genotypes, absent variants dosage 0 and counted.
@Suite(.serialized) struct CrossCohortTests {
    typealias XCheck = EvaluateCrossCheckTests

    /// 18 regions, 40 + 30 individuals, stores of both cohorts, one epoch of p-SAGE-net on the first.
    static func cohorts() throws -> String {
        let dir = try Subprocess.simulatedCohort("xcohort", regions: 18, individuals: 40, inputLen: 300, seed: 11, secondCohort: 30)
        for config in [dir + "/sage.toml", dir + "/second/sage.toml"] {
            let prep = try Subprocess.mpi(2, ["prepare", "--config", config])
            guard prep.status == 0 else { throw SubprocessError("prepare \(config): \(prep.combined)") }
        }
        let train = try Subprocess.alone(["train", "--config", dir + "/sage.toml", "--out", dir + "/second/run", "--set", "max_epochs=1"] + XCheck.tiny, timeout: 300)
        guard train.status == 0 else { throw SubprocessError("train: \(train.combined)") }
        return dir
    }

    static func lines(_ path: String) throws -> [[String]] {
        try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
    }

    /// region -> values in the order of the header's individuals.
    static func expression(_ path: String) throws -> (individuals: [String], rows: [String: [Double]]) {
        let t = try lines(path)
        return (Array(t[0].dropFirst()), Dictionary(uniqueKeysWithValues: t.dropFirst().map { ($0[0], $0.dropFirst().map { Double($0)! }) }))
    }

    static func ids(_ path: String) throws -> [String] {
        try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map(String.init)
    }

    /// "chr pos ref alt" (chr without any prefix) -> haplotypes carrying that ALT, per sample, from `bcftools query`.
    static func carriers(_ vcf: String, samples: String? = nil) throws -> [String: [Int]] {
        var out: [String: [Int]] = [:]
        let query = try PrediXcanApplyTests.tool(["bcftools", "query"] + (samples.map { ["-S", $0] } ?? []) + ["-f", "%CHROM %POS %REF %ALT [%GT ]\n", vcf])
        for line in query.split(separator: "\n") {
            let f = line.split(separator: " ").map(String.init)
            let chr = f[0].hasPrefix("chr") ? String(f[0].dropFirst(3)) : f[0]
            for (k, alt) in f[3].split(separator: ",").enumerated() {
                out["\(chr) \(f[1]) \(f[2]) \(alt)", default: []] += f[4...].map { gt in
                    gt.split(whereSeparator: { $0 == "|" || $0 == "/" }).filter { $0 == Substring("\(k + 1)") }.count
                }
            }
        }
        return out
    }

    func evaluate(_ dir: String, ranks: Int, out: String, _ extra: [String] = []) throws -> [String: (Double, Double)] {
        let run = try Subprocess.mpi(ranks, ["evaluate", "--config", dir + "/second/sage.toml", "--checkpoint", dir + "/second/run/last.safetensors",
                                             "--regions", "all", "--individuals", "test", "--out", out, "--batch-size", "4"] + extra, timeout: 300)
        #expect(run.status == 0, "\(run.combined)")
        #expect(run.stderr.contains("y0 from 28 training individuals"), "\(run.stderr)")
        return try XCheck.evaluated(out + "/predictions.csv")
    }

    func expectClose(_ ours: [String: (Double, Double)], _ theirs: [String: (Double, Double)], _ what: String) {
        #expect(Set(ours.keys) == Set(theirs.keys), "\(what): other pairs")
        var worst = 0.0, at = ""
        for (key, (m, d)) in ours {
            guard let (pm, pd) = theirs[key] else { continue }
            let e = max(abs(m - pm) / (1e-4 + abs(pm)), abs(d - pd) / (1e-4 + abs(pd)))
            if e > worst { worst = e; at = key }
        }
        #expect(worst < 1e-3, "\(what): \(at): evaluate \(ours[at].map { "\($0)" } ?? "-") vs predict \(theirs[at].map { "\($0)" } ?? "-")")
    }

    @Test func evaluationOfTheSecondCohortEqualsPredictOnItsOwnSequencesWithTheTrainingCohortsTargets() throws {
        let dir = try Self.cohorts()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let second = XCheck.Cohort(dir: dir + "/second")
        let ours = try evaluate(dir, ranks: 2, out: dir + "/second/eval2")
        var rng = SystemRandomNumberGenerator()
        let regions = try XCheck.Cohort(dir: dir).regionIDs().map(\.id)
        let everyone = try second.individuals("all")
        let someRegions = Array(regions.shuffled(using: &rng).prefix(6)), someIndividuals = Array(everyone.shuffled(using: &rng).prefix(5))
        let theirs = try XCheck.predicted(second, regions: someRegions, individuals: someIndividuals)
        expectClose(ours.filter { theirs[$0.key] != nil }, theirs, "second cohort")
        #expect(ours.count == regions.count * everyone.count)

        // One rank writes what two do.
        _ = try evaluate(dir, ranks: 1, out: dir + "/second/eval1")
        for file in ["predictions.csv", "region_correlations.csv", "individual_correlations.csv"] {
            #expect(FileManager.default.contents(atPath: dir + "/second/eval1/" + file) == FileManager.default.contents(atPath: dir + "/second/eval2/" + file), "\(file)")
        }

        // y0 = the first cohort's training mean; y1 = (y - that mean) / that sd (zscore), y = the second cohort's value.
        let first = try Self.expression(dir + "/expression.csv"), mine = try Self.expression(dir + "/second/expression.csv")
        let training = try Self.ids(dir + "/individuals/train.txt").map { id in first.individuals.firstIndex(of: id)! }
        let rows = try Self.lines(dir + "/second/eval2/predictions.csv").dropFirst()
        var shifted = 0
        for row in rows {
            let train = training.map { first.rows[row[0]]![$0] }, mean = train.reduce(0, +) / Double(train.count)
            let sd = (train.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(train.count - 1)).squareRoot()
            let y = mine.rows[row[0]]![mine.individuals.firstIndex(of: row[1])!]
            #expect(abs(Double(row[2])! - mean) <= 1e-4 * max(1, abs(mean)), "\(row[0]) \(row[1]): y0 \(row[2]) vs the training cohort's mean \(mean)")
            #expect(abs(Double(row[3])! - (y - mean) / sd) <= 1e-3 * max(1, abs((y - mean) / sd)), "\(row[0]) \(row[1]): y1")
            #expect(abs(Double(row[4])! - y) <= 1e-4 * max(1, abs(y)))
            let own = mine.rows[row[0]]!.reduce(0, +) / Double(mine.individuals.count)
            if abs(own - mean) > 0.05 { shifted += 1 }
        }
        #expect(shifted > rows.count / 2, "the second cohort's own mean differs from the training cohort's (so y0 from it would fail)")
        let summary = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir + "/second/eval2/summary.json"))) as? [String: Any])
        let cohort = try #require(summary["training_cohort"] as? [String: Any])
        #expect(cohort["other_cohort"] as? Bool == true && cohort["train_subs"] as? Int == 28)
        #expect((cohort["allele_frequencies_from"] as? String)?.hasSuffix("/../cohort.vcf.gz") == true)
    }

    @Test func theMAFFilterUsesTheTrainingCohortsFrequenciesAndAllelesItLacksHaveNone() throws {
        let dir = try Self.cohorts()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let threshold = 0.05
        let ours = try evaluate(dir, ranks: 2, out: dir + "/second/eval-maf", ["--set", "maf_min=\(threshold)"])
        let unfiltered = try evaluate(dir, ranks: 2, out: dir + "/second/eval-all")

        // Frequencies among the first cohort's 28 training individuals, and among the second cohort's 30.
        let trainingCounts = try Self.carriers(dir + "/cohort.vcf.gz", samples: dir + "/individuals/train.txt")
        let secondCounts = try Self.carriers(dir + "/second/cohort.vcf.gz")
        func af(_ counts: [Int]?) -> Double { counts.map { Double($0.reduce(0, +)) / Double(2 * $0.count) } ?? 0 }
        let keep = Set(secondCounts.keys.filter { af(trainingCounts[$0]) > threshold })
        let disagree = secondCounts.keys.filter { keep.contains($0) != (af(secondCounts[$0]) > threshold) }
        #expect(disagree.count >= 5, "the two cohorts' frequencies should filter differently (\(disagree.count))")
        #expect(secondCounts.keys.contains { trainingCounts[$0] == nil }, "the second cohort has alleles the first lacks")

        // By hand: the second cohort's VCF with every allele the filter drops set to reference in every genotype.
        let text = try PrediXcanApplyTests.tool(["bcftools", "view", dir + "/second/cohort.vcf.gz"])
        var filtered = ""
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) where !line.isEmpty {
            guard !line.hasPrefix("#") else { filtered += line + "\n"; continue }
            var f = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            let dropped = Set(f[4].split(separator: ",").enumerated().filter { !keep.contains("\(f[0]) \(f[1]) \(f[3]) \($0.element)") }.map { "\($0.offset + 1)" })
            for s in 9..<f.count {
                f[s] = f[s].split(separator: "|", omittingEmptySubsequences: false).map { dropped.contains(String($0)) ? "0" : String($0) }.joined(separator: "|")
            }
            filtered += f.joined(separator: "\t") + "\n"
        }
        try filtered.write(toFile: dir + "/second/filtered.vcf", atomically: true, encoding: .utf8)
        _ = try PrediXcanApplyTests.tool(["bcftools", "view", "-Oz", "-o", dir + "/second/filtered.vcf.gz", dir + "/second/filtered.vcf"])
        _ = try PrediXcanApplyTests.tool(["tabix", "-p", "vcf", dir + "/second/filtered.vcf.gz"])

        var rng = SystemRandomNumberGenerator()
        let regions = Array(try XCheck.Cohort(dir: dir).regionIDs().map(\.id).shuffled(using: &rng).prefix(8))
        let individuals = Array(try Self.ids(dir + "/second/individuals/all.txt").shuffled(using: &rng).prefix(6))
        let fasta = dir + "/second/filtered.fa"
        let seq = try Subprocess.alone(["sequences", "--config", dir + "/second/sage.toml", "--vcf", dir + "/second/filtered.vcf.gz", "--out", fasta]
                                       + regions.flatMap { ["--region", $0] } + individuals.flatMap { ["--individual", $0] })
        #expect(seq.status == 0, "\(seq.combined)")
        let pred = try Subprocess.alone(["predict", "--checkpoint", dir + "/second/run/last.safetensors", "--sequences", fasta, "--out", fasta + ".csv"])
        #expect(pred.status == 0, "\(pred.combined)")
        var theirs: [String: (Double, Double)] = [:]
        for f in try Self.lines(fasta + ".csv").dropFirst() { theirs[f[0]] = (Double(f[1])!, Double(f[2])!) }
        expectClose(ours.filter { theirs[$0.key] != nil }, theirs, "maf_min \(threshold)")
        // The filter matters: over every evaluated (region, individual), not the random subset above (which
        // may hold none that it changes).
        #expect(ours.keys.contains { abs(ours[$0]!.1 - unfiltered[$0]!.1) > 1e-6 }, "the filter changes some predictions")
    }

    @Test func predixcanFittedOnTheFirstCohortAppliesToTheSecondAsAHandComputation() throws {
        let dir = try Subprocess.simulatedCohort("xcohort-px", regions: 12, individuals: 60, inputLen: 2000, seed: 4, secondCohort: 30)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let fit = try Subprocess.alone(["baseline", "predixcan", "--config", dir + "/sage.toml", "--out", dir + "/px"])
        #expect(fit.status == 0, "\(fit.combined)")
        let refused = try Subprocess.alone(["baseline", "predixcan", "--config", dir + "/second/sage.toml", "--out", dir + "/px2"])
        #expect(refused.status == 1 && refused.stderr.contains("--apply"), "\(refused.combined)")
        let run = try Subprocess.mpi(2, ["baseline", "predixcan", "--apply", dir + "/px", "--config", dir + "/second/sage.toml", "--out", dir + "/second/px"])
        #expect(run.status == 0, "\(run.combined)")

        let weights = try PrediXcanApplyTests.csv(dir + "/px/weights.csv")
        let genotypes = try Self.carriers(dir + "/second/cohort.vcf.gz")
        let samples = try PrediXcanApplyTests.tool(["bcftools", "query", "-l", dir + "/second/cohort.vcf.gz"]).split(separator: "\n").map(String.init)
        let intercept = Dictionary(uniqueKeysWithValues: try PrediXcanApplyTests.csv(dir + "/px/summary.csv").map { ($0[0], Double($0.last!)!) })
        let mine = try PrediXcanApplyTests.predictions(dir + "/second/px/predictions.csv")
        #expect(mine.count == 12 * 30)
        for region in Set(weights.map { $0[0] }) {
            for (s, id) in samples.enumerated() {
                var expected = intercept[region]!
                for w in weights where w[0] == region { expected += Double(w[5])! * Double(genotypes["\(w[1]) \(w[2]) \(w[3]) \(w[4])"]?[s] ?? 0) }
                #expect(abs(mine["\(region) \(id)"]! - expected) <= 1e-9, "\(region) \(id)")
            }
        }
        let absent = weights.filter { genotypes["\($0[1]) \($0[2]) \($0[3]) \($0[4])"] == nil }
        for row in try PrediXcanApplyTests.csv(dir + "/second/px/summary.csv") {
            #expect(Int(row[2])! == absent.filter { $0[0] == row[0] }.count, "\(row)")
            #expect(Double(row[3]).map { $0.isFinite } == true, "pearson against the second cohort's expression: \(row)")
        }
    }

    @Test func aStoreCountedElsewhereOrATrainingRunOnTheSecondCohortIsRefused() throws {
        let dir = try Subprocess.simulatedCohort("xcohort-refuse", regions: 6, individuals: 20, inputLen: 300, seed: 5, secondCohort: 12)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let prep = try Subprocess.alone(["prepare", "--config", dir + "/second/sage.toml"])
        #expect(prep.status == 0 && prep.stderr.contains("alleles are absent from the training cohort's VCF"), "\(prep.combined)")
        let ckpt = dir + "/m.safetensors"
        let model = try Subprocess.alone(["init-model", "--out", ckpt, "--input-len", "300", "--first-layer-kernel-number", "8", "--int-layers-kernel-number", "8",
                                          "--hidden-size", "8", "--n-conv-blocks", "2", "--pooling-size", "5"])
        #expect(model.status == 0, "\(model.combined)")
        let other = try Subprocess.alone(["evaluate", "--config", dir + "/second/sage.toml", "--checkpoint", ckpt, "--out", dir + "/e",
                                          "--set", "train_subs_contig_prefix=chr"])
        #expect(other.status == 1 && other.stderr.contains("train_subs_contig_prefix was (detected), now chr"), "\(other.combined)")
        let own = try Subprocess.alone(["evaluate", "--config", dir + "/second/sage.toml", "--checkpoint", ckpt, "--out", dir + "/e",
                                        "--set", "train_subs_vcf_file_path=\(dir)/second/cohort.vcf.gz"])
        #expect(own.status == 1 && own.stderr.contains("the training cohort's VCF changed") && own.stderr.contains("Rebuild it"), "\(own.combined)")
        let train = try Subprocess.alone(["train", "--config", dir + "/second/sage.toml", "--out", dir + "/run"])
        #expect(train.status == 1 && train.stderr.contains("train_individuals is required to train"), "\(train.combined)")
        // The training cohort's tables without its individuals cannot say whose mean y0 is.
        let toml = try String(contentsOfFile: dir + "/second/sage.toml", encoding: .utf8)
        try toml.split(separator: "\n").filter { !$0.hasPrefix("train_subs = ") }.joined(separator: "\n").write(toFile: dir + "/second/bad.toml", atomically: true, encoding: .utf8)
        let noSubs = try Subprocess.alone(["prepare", "--config", dir + "/second/bad.toml"])
        #expect(noSubs.status == 1 && noSubs.stderr.contains("need train_subs"), "\(noSubs.combined)")
    }
}
