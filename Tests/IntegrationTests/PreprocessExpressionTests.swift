import Foundation
import Testing

/// `sage-mpi preprocess expression` through the built binary: the oracle's numbers in the file it writes, the file
/// consumed by `baseline predixcan` as a cohort's expression, the output rules (no input, no user's file without
/// --force, its own earlier output replaced) and one error line for a bad input.
@Suite struct PreprocessExpressionTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../SAGEGenomeTests/Fixtures/preprocess").standardized.path

    static func temporaryDirectory() throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sage-pre-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    /// The fit-on case of Fixtures/preprocess/expected.json (tools/make_preprocess_fixtures.py).
    @Test func writesTheOraclesNumbersAndFollowsTheOutputRules() throws {
        struct Case: Decodable { let name: String, genes: [String], individuals: [String], adjusted: [[Double]] }
        struct File: Decodable { let cases: [Case] }
        let data = try Data(contentsOf: URL(fileURLWithPath: Self.fixtures + "/expected.json"))
        let expected = try #require(try JSONDecoder().decode(File.self, from: data).cases.first { $0.name == "fit_on_training" })
        let dir = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let f = Self.fixtures
        let args = ["preprocess", "expression", "--tpm", f + "/tpm_a.csv", "--covariates", f + "/covariates_a.csv",
                    "--genotype-pcs", f + "/genotype_a.eigenvec", "--expression-pcs", "4", "--fit-on", f + "/fit_on_a.txt"]
        let out = dir + "/adjusted.csv"
        let run = try Subprocess.alone(args + ["--out", out])
        #expect(run.status == 0, "\(run.combined)")
        #expect(run.stdout.contains("fitted on the 28 individuals of"))
        #expect(run.stdout.contains("dropped: qc_metric\n"))
        let lines = try String(contentsOfFile: out, encoding: .utf8).split(separator: "\n").map { $0.split(separator: ",").map(String.init) }
        #expect(lines[0] == ["region_id (sage-mpi preprocess expression)"] + expected.individuals)
        #expect(lines.dropFirst().map { $0[0] } == expected.genes)
        var worst = 0.0
        for (row, values) in zip(lines.dropFirst(), expected.adjusted) {
            for (cell, v) in zip(row.dropFirst(), values) { worst = max(worst, abs(Double(cell)! - v) / max(1, abs(v))) }
        }
        #expect(worst <= 1e-9, "adjusted values differ from the oracle by up to \(worst)")

        // Its own output is replaced; a user's file only with --force; an input never.
        #expect(try Subprocess.alone(args + ["--out", out]).status == 0)
        let mine = dir + "/mine.csv"
        try "my notes\n".write(toFile: mine, atomically: true, encoding: .utf8)
        let refused = try Subprocess.alone(args + ["--out", mine])
        #expect(refused.status == 1 && refused.stderr.contains("is not a covariate-adjusted expression table written by sage-mpi"), "\(refused.combined)")
        #expect(try String(contentsOfFile: mine, encoding: .utf8) == "my notes\n")
        #expect(try Subprocess.alone(args + ["--out", mine, "--force"]).status == 0)
        let input = try Subprocess.alone(args + ["--out", f + "/covariates_a.csv", "--force"])
        #expect(input.status == 1 && input.stderr.contains("is an input of this command"), "\(input.combined)")
    }

    @Test func badInputIsOneErrorAndNoOutput() throws {
        let dir = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let tpm = dir + "/tpm.csv"
        var text = try String(contentsOfFile: Self.fixtures + "/tpm_a.csv", encoding: .utf8)
        text = text.replacingOccurrences(of: "\nENSG00000000003,", with: "\nENSG00000000003,-2,")
        text = text.replacingOccurrences(of: #"(\nENSG00000000003,-2,)[^,]*,"#, with: "$1", options: .regularExpression)
        try text.write(toFile: tpm, atomically: true, encoding: .utf8)
        let run = try Subprocess.alone(["preprocess", "expression", "--tpm", tpm, "--covariates", Self.fixtures + "/covariates_a.csv",
                                        "--out", dir + "/adjusted.csv"])
        #expect(run.status == 1 && !run.timedOut)
        #expect(run.stderr == "Error: \(tpm):4: TPM -2 of gene 'ENSG00000000003' for sample 'S01' (column 2) is negative; TPMs are >= 0 (give TPM, not log values)\n", "\(run.combined)")
        #expect(!FileManager.default.fileExists(atPath: dir + "/adjusted.csv"))
    }

    /// A simulated cohort's expression turned into TPM with covariates, adjusted on its training individuals, and
    /// read by `baseline predixcan` as the cohort's expression.
    @Test func adjustedTableIsACohortsExpression() throws {
        let dir = try Subprocess.simulatedCohort("pre", regions: 6, individuals: 30, inputLen: 300, seed: 3)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let rows = try String(contentsOfFile: dir + "/expression.csv", encoding: .utf8).split(separator: "\n").map { $0.split(separator: ",") }
        let individuals = rows[0].dropFirst().map(String.init)
        var tpm = "Name," + individuals.joined(separator: ",") + "\n"
        for row in rows.dropFirst() {
            tpm += row[0] + "," + row.dropFirst().map { String(pow(2, Double($0)!) - 1) }.joined(separator: ",") + "\n"
        }
        try tpm.write(toFile: dir + "/tpm.csv", atomically: true, encoding: .utf8)
        var covariates = "sample,age,batch\n"
        for (i, id) in individuals.enumerated() { covariates += "\(id),\(60 + (i * 37) % 31),\(["A", "B", "C"][i % 3])\n" }
        try covariates.write(toFile: dir + "/covariates.csv", atomically: true, encoding: .utf8)
        let adjust = try Subprocess.alone(["preprocess", "expression", "--tpm", dir + "/tpm.csv", "--covariates", dir + "/covariates.csv",
                                           "--expression-pcs", "2", "--fit-on", dir + "/individuals/train.txt", "--out", dir + "/adjusted.csv"])
        #expect(adjust.status == 0, "\(adjust.combined)")
        #expect(adjust.stdout.contains("regression: intercept + age + batch=B + batch=C + expression PC1 + expression PC2\n"), "\(adjust.stdout)")
        let predixcan = try Subprocess.alone(["baseline", "predixcan", "--config", dir + "/sage.toml", "--set", "expression=\(dir)/adjusted.csv",
                                              "--out", dir + "/px"], timeout: 120)
        #expect(predixcan.status == 0, "\(predixcan.combined)")
        #expect(FileManager.default.fileExists(atPath: dir + "/px/summary.csv"))
    }
}
