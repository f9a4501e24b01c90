import Foundation

/// Settings of `adjustExpression` (SAGE-net's defaults).
public struct ExpressionAdjustmentSettings: Sendable {
    /// Expression PCs (`num_expr_pcs`); 0: none (then nothing is dropped).
    public var expressionPCs = 10
    /// The first genotype PCs used when a .eigenvec file is given (`num_genotype_pcs`).
    public var genotypePCCount = 3
    /// A known covariate (or genotype PC) is dropped when its uncentred R^2 against the expression PCs is >= this.
    public var r2Cutoff = 0.9
    /// Covariate columns to one-hot encode even when their values are numbers (e.g. batch codes 1, 2, 3).
    public var categorical: [String] = []
    public init() {}
}

/// What the R^2 screen found for one known covariate column (a level of a categorical one, a genotype PC).
public struct CovariateScreen: Sendable, Equatable {
    public let name: String
    /// statsmodels' `OLS(covariate, expression PCs).fit().rsquared` (no intercept: uncentred), over the fit individuals.
    public let r2: Double
    public let dropped: Bool
}

/// The result of `adjustExpression`.
public struct ExpressionAdjustment: Sendable {
    /// Covariate-adjusted log2(TPM + 1): regions (genes, in the TPM table's order) x individuals (its samples' order).
    public let table: ExpressionTable
    /// The individuals the PCs, standardisations and regression were fitted on (in the table's order).
    public let fitIndividuals: [String]
    /// Every known covariate column and genotype PC in design order, with its R^2 and whether it was dropped.
    public let screens: [CovariateScreen]
    /// The regression's columns: "intercept", the kept covariates, "expression PC1", ...
    public let design: [String]
    /// Expression PC scores, individuals x PCs row-major (see `ExpressionPCs`, sign convention included).
    public let expressionPCScores: [Double]
}

/// SAGE-net's covariate adjustment (preprocess_data.py `rosmap_adjust_for_covariates`, SAGENET-REFERENCE §10.3-10.4),
/// fixed and generalised:
/// 1. log2(TPM + 1) of the TPM table (`TPMTable`: genes x samples; every sample is an output individual);
/// 2. expression PCs (`ExpressionPCs`: `get_pcs`, signs by the largest loading);
/// 3. known covariates (`readKnownCovariates`: numeric standardised, categorical one-hot with the first level dropped,
///    missing values mean-imputed) and the first genotype PCs (`readGenotypePCs`), each dropped when its uncentred
///    R^2 against the expression PCs (PCAForQTL's `filter_known_covariates`) is >= the cutoff;
/// 4. one least-squares regression of every gene on [intercept, kept covariates, expression PCs];
///    adjusted = log2TPM - prediction + the gene's mean.
/// Steps 2-4 are fitted on `fitOn`'s individuals (default: every sample, as SAGE-net) and applied to all; the gene
/// mean is the fit individuals'. Errors name the file, line and column, or the covariate and what to change.
public func adjustExpression(tpm tpmPath: String, covariates covariatesPath: String, genotypePCs genotypePCsPath: String? = nil,
                             fitOn fitOnPath: String? = nil, settings: ExpressionAdjustmentSettings = .init()) throws -> ExpressionAdjustment {
    let tpm = try TPMTable(path: tpmPath)
    let individuals = tpm.samples, n = individuals.count, genes = tpm.genes.count
    let fit: [Int]
    if let fitOnPath {
        let listed = try readIndividualList(fitOnPath)
        let column = Dictionary(uniqueKeysWithValues: individuals.enumerated().map { ($1, $0) })
        if let absent = listed.first(where: { column[$0] == nil }) {
            throw GenomeError("\(fitOnPath): individual '\(absent)' is not a sample (column) of \(tpmPath)")
        }
        fit = listed.map { column[$0]! }.sorted()
    } else {
        fit = Array(0..<n)
    }
    let m = fit.count, k = settings.expressionPCs
    let fitWhat = fitOnPath.map { "the \(m) individuals of \($0)" } ?? "the \(m) samples of \(tpmPath)"
    guard m >= 3 else { throw GenomeError("\(fitWhat): at least 3 individuals are needed to fit the adjustment") }
    guard k >= 0, k <= min(m - 1, genes) else {
        throw GenomeError("--expression-pcs \(k): \(fitWhat) and \(genes) gene(s) allow at most \(min(m - 1, genes)) expression PCs")
    }

    var screened = try readKnownCovariates(path: covariatesPath, individuals: individuals, fit: fit, categorical: settings.categorical)
    if let genotypePCsPath {
        screened += try readGenotypePCs(path: genotypePCsPath, individuals: individuals, fit: fit, count: settings.genotypePCCount)
    }

    let pcs = ExpressionPCs(log2TPM: tpm.log2TPM, genes: genes, individuals: n, fit: fit, count: k)
    if k > 0, let weak = pcs.singularValues.firstIndex(where: { $0 <= 1e-8 * pcs.singularValues[0] }) {
        throw GenomeError("--expression-pcs \(k): the standardised expression of \(fitWhat) has only \(weak) component(s) with variance; use at most \(weak)")
    }

    // The R^2 screen: each standardised covariate on the PCs without an intercept, over the fit individuals.
    var screens: [CovariateScreen] = [], kept: [CovariateColumn] = []
    var pcFit: LeastSquares? = nil
    if k > 0 {
        do { pcFit = try LeastSquares(fit.flatMap { i in pcs.scores[(i * k)..<(i * k + k)] }, rows: m, cols: k) } catch {
            throw GenomeError("--expression-pcs \(k): expression PC \(error.column + 1) of \(fitWhat) is degenerate; use at most \(error.column)")
        }
    }
    for column in screened {
        let r2 = pcFit?.uncentredR2(fit.map { column.values[$0] }) ?? 0
        let dropped = k > 0 && r2 >= settings.r2Cutoff
        screens.append(CovariateScreen(name: column.name, r2: r2, dropped: dropped))
        if !dropped { kept.append(column) }
    }

    // The design over every individual: [1, kept covariates, PCs] (n, q).
    let names = ["intercept"] + kept.map(\.name) + (0..<k).map { "expression PC\($0 + 1)" }
    let q = names.count
    guard q < m else {
        throw GenomeError("the regression has \(q) columns (intercept, \(kept.count) known covariate column(s) after one-hot encoding, \(k) expression PC(s)) for \(fitWhat); it needs fewer columns than individuals: remove covariates, use fewer PCs, or fit on more individuals")
    }
    var design = [Double](repeating: 0, count: n * q)
    for i in 0..<n {
        design[i * q] = 1
        for (j, column) in kept.enumerated() { design[i * q + 1 + j] = column.values[i] }
        for c in 0..<k { design[i * q + 1 + kept.count + c] = pcs.scores[i * k + c] }
    }
    let solver: LeastSquares
    do {
        solver = try LeastSquares(fit.flatMap { design[($0 * q)..<($0 * q + q)] }, rows: m, cols: q)
    } catch {
        let earlier = names[..<error.column].joined(separator: ", ")
        throw GenomeError("covariate '\(names[error.column])' is (numerically) a linear combination of \(earlier) over \(fitWhat): remove it from the covariates")
    }

    var adjusted = [[Double]](repeating: [], count: genes)
    var y = [Double](repeating: 0, count: m)
    tpm.log2TPM.withUnsafeBufferPointer { x in
        design.withUnsafeBufferPointer { a in
            for g in 0..<genes {
                let row = x.baseAddress! + g * n
                for (r, i) in fit.enumerated() { y[r] = row[i] }
                let beta = y.withUnsafeBufferPointer { solver.coefficients($0) }
                let mean = y.reduce(0, +) / Double(m)
                adjusted[g] = (0..<n).map { i in
                    var prediction = 0.0
                    for j in 0..<q { prediction += a[i * q + j] * beta[j] }
                    return row[i] - prediction + mean
                }
            }
        }
    }
    return ExpressionAdjustment(table: ExpressionTable(regionIDs: tpm.genes, individuals: individuals, values: adjusted),
                                fitIndividuals: fit.map { individuals[$0] }, screens: screens, design: names,
                                expressionPCScores: pcs.scores)
}

extension ExpressionTable {
    /// The table as `readExpression` reads it: CSV, header `firstHeader` then the individuals, one row per region
    /// (its id, then one value per individual, each the shortest text that reads back as the same Double). Ids with
    /// a comma, a quote or outer spaces are quoted.
    public func csvText(firstHeader: String) -> String {
        func field(_ s: String) -> String {
            let quote = s.contains { $0 == "," || $0 == "\"" } || s.first == " " || s.last == " "
            return quote ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s
        }
        var text = ([firstHeader] + individuals).map(field).joined(separator: ",") + "\n"
        for (id, row) in zip(regionIDs, values) {
            text += field(id)
            for v in row { text += ","; text += v.description }
            text += "\n"
        }
        return text
    }
}
