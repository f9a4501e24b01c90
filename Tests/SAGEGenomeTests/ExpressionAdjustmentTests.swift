import Foundation
import Testing
@testable import SAGEGenome

/// `adjustExpression` against NumPy/pandas/scikit-learn/statsmodels re-implementations of SAGE-net's get_pcs,
/// filter_known_covariates and regression (Fixtures/preprocess/expected.json, written and checked by
/// tools/make_preprocess_fixtures.py), and every bad input as one error naming the file, line and column.
@Suite struct ExpressionAdjustmentTests {
    struct Screen: Decodable { let name: String, r2: Double, dropped: Bool }
    struct Case: Decodable {
        let name: String, tpm: String, covariates: String, genotype_pcs: String?, genotype_pcs_count: Int
        let expression_pcs: Int, r2_cutoff: Double, fit_on: String?, categorical: [String]
        let fit_individuals: [String], screens: [Screen], design: [String], pc_scores: [[Double]]
        let genes: [String], individuals: [String], adjusted: [[Double]]
    }

    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/preprocess")
    static let cases: [Case] = {
        struct File: Decodable { let cases: [Case] }
        let data = try! Data(contentsOf: directory.appendingPathComponent("expected.json"))
        return try! JSONDecoder().decode(File.self, from: data).cases
    }()

    static func fixture(_ name: String) -> String { directory.appendingPathComponent(name).path }

    /// The largest |a - b| / max(1, |b|) over two equally shaped matrices.
    static func maxError(_ a: [[Double]], _ b: [[Double]]) -> Double {
        zip(a, b).map { ra, rb in zip(ra, rb).map { abs($0 - $1) / max(1, abs($1)) }.max() ?? 0 }.max() ?? 0
    }

    static func run(_ c: Case) throws -> ExpressionAdjustment {
        var settings = ExpressionAdjustmentSettings()
        settings.expressionPCs = c.expression_pcs
        settings.genotypePCCount = c.genotype_pcs_count
        settings.r2Cutoff = c.r2_cutoff
        settings.categorical = c.categorical
        return try adjustExpression(tpm: fixture(c.tpm), covariates: fixture(c.covariates), genotypePCs: c.genotype_pcs.map(fixture),
                                    fitOn: c.fit_on.map(fixture), settings: settings)
    }

    @Test(arguments: cases.map(\.name))
    func matchesTheOracle(name: String) throws {
        let c = try #require(Self.cases.first { $0.name == name })
        let result = try Self.run(c)
        #expect(result.table.regionIDs == c.genes)
        #expect(result.table.individuals == c.individuals)
        #expect(result.fitIndividuals == c.fit_individuals)
        #expect(result.screens.map(\.name) == c.screens.map(\.name))
        #expect(result.screens.map(\.dropped) == c.screens.map(\.dropped))
        for (ours, theirs) in zip(result.screens, c.screens) {
            #expect(abs(ours.r2 - theirs.r2) <= 1e-9, "\(name): R^2 of \(ours.name) \(ours.r2) vs \(theirs.r2)")
        }
        #expect(result.design == c.design)
        let k = c.expression_pcs
        let scores = (0..<c.individuals.count).map { i in Array(result.expressionPCScores[(i * k)..<(i * k + k)]) }
        let pcError = Self.maxError(scores, c.pc_scores)
        #expect(pcError <= 1e-9, "\(name): expression PC scores differ by up to \(pcError)")
        let error = Self.maxError(result.table.values, c.adjusted)
        #expect(error <= 1e-9, "\(name): adjusted expression differs by up to \(error)")
    }

    /// The collinear covariate is dropped and listed; the fit-on case differs from the all-samples case (it is
    /// not the same fit applied twice) but keeps the fit individuals' gene means.
    @Test func fitOnFitsOnlyTheListedIndividuals() throws {
        let all = try Self.run(try #require(Self.cases.first { $0.name == "all_samples" }))
        let train = try #require(Self.cases.first { $0.name == "fit_on_training" })
        let fitted = try Self.run(train)
        #expect(fitted.screens.filter(\.dropped).map(\.name) == ["qc_metric"])
        #expect(Self.maxError(all.table.values, fitted.table.values) > 1e-3)
        let fitColumns = train.fit_individuals.map { try! #require(fitted.table.individuals.firstIndex(of: $0)) }
        let tpm = try TPMTable(path: Self.fixture(train.tpm))
        for g in 0..<tpm.genes.count {
            let adjustedMean = fitColumns.map { fitted.table.values[g][$0] }.reduce(0, +) / Double(fitColumns.count)
            let rawMean = fitColumns.map { tpm.log2TPM[g * tpm.samples.count + $0] }.reduce(0, +) / Double(fitColumns.count)
            #expect(abs(adjustedMean - rawMean) <= 1e-10)
        }
    }

    /// What `preprocess expression` writes reads back through `readExpression` unchanged.
    @Test func writtenTableReadsBackExactly() throws {
        let result = try Self.run(Self.cases[0])
        let file = try TableTests.File("adjusted.csv", result.table.csvText(firstHeader: "region_id"))
        let read = try readExpression(path: file.path)
        #expect(read.regionIDs == result.table.regionIDs)
        #expect(read.individuals == result.table.individuals)
        #expect(read.values == result.table.values)
        let quoted = ExpressionTable(regionIDs: ["a,b", " c"], individuals: ["x\"y"], values: [[1.5], [-0.25]])
        let quotedFile = try TableTests.File("q.csv", quoted.csvText(firstHeader: "id"))
        let back = try readExpression(path: quotedFile.path)
        #expect(back.regionIDs == ["a,b", " c"] && back.individuals == ["x\"y"] && back.values == [[1.5], [-0.25]])
    }

    @Test func eigenDecompositionAndLeastSquares() throws {
        var state: UInt64 = 7
        func next() -> Double { state = state &* 6364136223846793005 &+ 1442695040888963407; return Double(state >> 11) / Double(1 << 53) - 0.5 }
        let n = 9
        var a = [Double](repeating: 0, count: n * n)
        for i in 0..<n { for j in 0...i { let v = next(); a[i * n + j] = v; a[j * n + i] = v } }
        let eigen = SymmetricEigen(a, n: n)
        #expect(eigen.values == eigen.values.sorted())
        for j in 0..<n {
            let v = Array(eigen.vectors[(j * n)..<(j * n + n)])
            for i in 0..<n {
                let av = (0..<n).reduce(0.0) { $0 + a[i * n + $1] * v[$1] }
                #expect(abs(av - eigen.values[j] * v[i]) <= 1e-12)
            }
            for l in 0..<n {
                let dot = (0..<n).reduce(0.0) { $0 + v[$1] * eigen.vectors[l * n + $1] }
                #expect(abs(dot - (l == j ? 1 : 0)) <= 1e-12)
            }
        }
        // y = 2 - x1 + 0.5 x2 exactly: the coefficients come back; uncentred R^2 of (1, 2, 3) on (1, 0, 1) is 4/7.
        let x: [Double] = [1, 0.3, 2, 1, 1.1, -1, 1, -0.4, 0.5, 1, 2.0, 0.1, 1, 0.7, 3]
        let y: [Double] = (0..<5).map { (i: Int) -> Double in 2.0 - x[i * 3 + 1] + 0.5 * x[i * 3 + 2] }
        let beta = try LeastSquares(x, rows: 5, cols: 3).coefficients(y)
        #expect(zip(beta, [2, -1, 0.5]).allSatisfy { abs($0 - $1) <= 1e-12 })
        #expect(abs(try LeastSquares([1, 0, 1], rows: 3, cols: 1).uncentredR2([1, 2, 3]) - 4.0 / 7) <= 1e-15)
        #expect(throws: LeastSquares.DependentColumn.self) { try LeastSquares([1, 2, 1, 2, 1, 2], rows: 3, cols: 2) }
    }

    // MARK: Bad inputs: one error each, naming the file and the line or column

    /// A small well-posed cohort: 6 genes x 10 samples, covariates age (numeric) and site (two levels).
    struct Cohort {
        var tpm: [String]
        var covariates: [String]
        static let samples = (1...10).map { "S\($0)" }
        init() {
            var state: UInt64 = 11
            func next() -> Double { state = state &* 6364136223846793005 &+ 1442695040888963407; return Double(state >> 11) / Double(1 << 53) }
            tpm = ["gene_id," + Self.samples.joined(separator: ",")]
            for g in 1...6 { tpm.append("G\(g)," + Self.samples.map { _ in String(format: "%.3f", 50 * next()) }.joined(separator: ",")) }
            covariates = ["id,age,site"]
            for (i, s) in Self.samples.enumerated() { covariates.append("\(s),\(String(format: "%.2f", 60 + 30 * next())),\(i % 3 == 0 ? "north" : "south")") }
        }
    }

    func message(_ cohort: Cohort, pcs: Int = 2, genotype: String? = nil, genotypeCount: Int = 2, fitOn: String? = nil,
                 categorical: [String] = []) -> String {
        do {
            let tpm = try TableTests.File("tpm.csv", cohort.tpm.joined(separator: "\n") + "\n")
            let cov = try TableTests.File("cov.csv", cohort.covariates.joined(separator: "\n") + "\n")
            let eigen = try genotype.map { try TableTests.File("g.eigenvec", $0) }
            let fit = try fitOn.map { try TableTests.File("fit.txt", $0) }
            var settings = ExpressionAdjustmentSettings()
            settings.expressionPCs = pcs; settings.genotypePCCount = genotypeCount; settings.categorical = categorical
            _ = try adjustExpression(tpm: tpm.path, covariates: cov.path, genotypePCs: eigen?.path, fitOn: fit?.path, settings: settings)
            return "(no error)"
        } catch let error as GenomeError {
            return error.description
        } catch {
            return "unexpected \(type(of: error)): \(error)"
        }
    }

    @Test func goodCohortRuns() {
        #expect(message(Cohort()) == "(no error)")
        let eigenvec = Cohort.samples.enumerated().map { "\($1) \($1) \(0.01 * Double($0 * $0 % 7)) \(0.02 * Double($0 % 4))" }.joined(separator: "\n")
        #expect(message(Cohort(), genotype: eigenvec) == "(no error)")
    }

    @Test func tpmErrorsNameLineAndSample() {
        var c = Cohort()
        c.tpm[2] = c.tpm[2].replacingOccurrences(of: #"^(G2,[^,]*),[^,]*"#, with: "$1,abc", options: .regularExpression)
        #expect(message(c).hasSuffix("tpm.csv:3: TPM 'abc' of gene 'G2' for sample 'S2' (column 3) is not a number"))
        c = Cohort()
        c.tpm[3] = c.tpm[3].replacingOccurrences(of: #",[^,]*$"#, with: ",-1.5", options: .regularExpression)
        #expect(message(c).contains("tpm.csv:4: TPM -1.5 of gene 'G3' for sample 'S10' (column 11) is negative"))
        c = Cohort()
        c.tpm[4] += ",7"
        #expect(message(c).hasSuffix("tpm.csv:5: 12 fields, the header has 11"))
        c = Cohort()
        c.tpm[5] = c.tpm[5].replacingOccurrences(of: "G5,", with: "G1,")
        #expect(message(c).hasSuffix("tpm.csv:6: gene 'G1' has a second row (first on line 2)"))
        c = Cohort()
        c.tpm[0] = c.tpm[0].replacingOccurrences(of: ",S4,", with: ", ,")
        #expect(message(c).hasSuffix("tpm.csv:1: column 5 has no sample id"))
        c = Cohort()
        c.tpm = [c.tpm[0]]
        #expect(message(c).hasSuffix("tpm.csv: the TPM table has a header but no genes (one row per gene)"))
    }

    @Test func covariateErrorsNameTheColumn() {
        var c = Cohort()
        c.covariates.remove(at: 3)  // S3's row
        #expect(message(c).contains("cov.csv: sample 'S3' of the expression table has no row of covariates"))
        c = Cohort()
        c.covariates = c.covariates.enumerated().map { $0 == 0 ? "id,age,site,tissue" : $1 + ",cortex" }
        #expect(message(c).contains("cov.csv: categorical column 'tissue' has the single level 'cortex'"))
        c = Cohort()
        c.covariates = c.covariates.enumerated().map { $0 == 0 ? "id,age,site,rin" : $1 + ",7" }
        #expect(message(c).contains("cov.csv: column 'rin' is constant (7.0) over the 10 individuals the fit uses"))
        c = Cohort()
        c.covariates[4] = c.covariates[4].replacingOccurrences(of: #",[0-9.]+,"#, with: ",inf,", options: .regularExpression)
        #expect(message(c).hasSuffix("cov.csv:5: column 'age': 'inf' is not a finite number"))
        c = Cohort()
        c.covariates = c.covariates.enumerated().map { $0 == 0 ? "id,age,site,age2" : $1 + "," + $1.split(separator: ",")[1] }
        #expect(message(c).contains("covariate 'age2' is (numerically) a linear combination of intercept, age"))
        #expect(message(Cohort(), categorical: ["sex"]).contains("--categorical 'sex' is not a column"))
    }

    @Test func tooManyColumnsOrPCs() {
        var c = Cohort()
        // 10 samples: intercept + 1 + 1 + 6 extra numeric columns + 2 PCs = 11 columns.
        c.covariates = c.covariates.enumerated().map { i, row in
            i == 0 ? row + ",c1,c2,c3,c4,c5,c6" : row + "," + (1...6).map { String((i * 7 + $0 * $0 * 3) % 11) }.joined(separator: ",")
        }
        #expect(message(c).contains("the regression has 11 columns (intercept, 8 known covariate column(s) after one-hot encoding, 2 expression PC(s)) for the 10 samples of"))
        #expect(message(Cohort(), pcs: 7).contains("--expression-pcs 7: the 10 samples of"))
        #expect(message(Cohort(), pcs: 7).hasSuffix("allow at most 6 expression PCs"))
    }

    @Test func fitOnAndGenotypeErrors() {
        #expect(message(Cohort(), fitOn: "S1\nS2\nS11\n").contains("fit.txt: individual 'S11' is not a sample (column) of /"))
        // Site 'north' is S1, S4, S7, S10: a fit on the others never sees it.
        #expect(message(Cohort(), pcs: 1, fitOn: "S2\nS3\nS5\nS6\nS8\nS9\n").contains("level 'south' of column 'site' occurs in every one of the 6 individuals the fit uses"))
        let short = Cohort.samples.dropLast().map { "\($0) \($0) 0.1 0.2" }.joined(separator: "\n")
        #expect(message(Cohort(), genotype: short).contains("g.eigenvec: sample 'S10' of the expression table has no genotype PCs (matched on IID)"))
        let onePC = Cohort.samples.map { "\($0) \($0) 0.1" }.joined(separator: "\n")
        #expect(message(Cohort(), genotype: onePC).hasSuffix("g.eigenvec:1: 1 PC(s), fewer than the 2 asked for (--genotype-pcs-count)"))
        let text = "#FID IID PC1 PC2\n" + Cohort.samples.map { "f \($0) 0.1 x" }.joined(separator: "\n")
        #expect(message(Cohort(), genotype: text).hasSuffix("g.eigenvec:2: PC 2 'x' of 'S1' is not a number"))
    }
}
