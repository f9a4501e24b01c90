import ArgumentParser
import Foundation
import SAGEDistributed
import SAGEPipeline
import SAGEGenome

/// `sage-mpi preprocess expression`: SAGE-net's covariate adjustment (`adjustExpression`) from a TPM table to the
/// expression table training reads.
struct PreprocessExpression: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "expression",
        abstract: "Covariate-adjusted log2(TPM + 1) from a TPM table, known covariates and genotype PCs (SAGE-net's adjustment).",
        discussion: """
        Steps (those of SAGE-net's preprocess_data.py, which does not run as shipped): log2(TPM + 1); expression PCs as \
        SAGE-net's get_pcs (each gene standardised with its mean and sd (ddof 1), a constant gene 0, then PCA by an \
        exact SVD; signs: each component's largest loading is positive); known covariates: numbers standardised, a \
        column with any non-numeric value (or named by --categorical) one-hot encoded with its first level (sorted) \
        dropped, a missing cell (empty, NA, NaN, N/A, null, None) imputed with the fit individuals' mean; the first \
        --genotype-pcs-count genotype PCs join the known covariates, as in SAGE-net. A covariate whose uncentred R^2 \
        against the expression PCs (PCAForQTL's filter: least squares without an intercept) is at least \
        --r2-cutoff is dropped and listed. Then one least-squares regression of every gene on [intercept, kept \
        covariates, expression PCs]; adjusted = log2(TPM + 1) - prediction + the gene's mean.

        Which individuals the adjustment learns from: SAGE-net fits the PCs, the filter and the regression on every \
        individual, training, validation and test alike, so the test individuals shape their own targets; that is \
        the default here too, for parity. --fit-on LIST fits all of it (PCs, standardisations, imputations, the \
        regression, the gene means) on the listed individuals only, e.g. the training list, and applies it to \
        every sample.

        Inputs: --tpm is a CSV or TSV with one row per gene (first column the gene id) and one column per sample \
        (header: any first cell, then the sample ids); every sample is an output individual, and needs a row in \
        --covariates (CSV or TSV, one row per sample, first column the sample id, then one column per covariate; \
        rows of other samples are ignored) and, with --genotype-pcs, a line in the PLINK .eigenvec (FID IID PC1 \
        ..., with or without PLINK 2's #FID/#IID header; matched on IID). Output: the expression table training \
        reads (CSV, regions x individuals: header "\(Self.firstHeader)" then the individuals, one row per gene in \
        the TPM table's order, gene ids as written there).
        """)

    /// The first header cell of the table written: how an earlier output of this command is recognised.
    static let firstHeader = "region_id (sage-mpi preprocess expression)"

    @Option(help: "TPM table: CSV/TSV, genes x samples (first column the gene id, header the sample ids).") var tpm: String
    @Option(help: "Known covariates: CSV/TSV, one row per sample (first column the sample id), one column per covariate.") var covariates: String
    @Option(name: .customLong("genotype-pcs"), help: "Genotype PCs: a PLINK .eigenvec (FID IID PC1 PC2 ...). Default: none.") var genotypePCs: String?
    @Option(name: .customLong("expression-pcs"), help: "Expression PCs (SAGE-net's num_expr_pcs; 0: none).") var expressionPCs = 10
    @Option(name: .customLong("genotype-pcs-count"), help: "The first genotype PCs to use (SAGE-net's num_genotype_pcs; default 3).") var genotypePCsCount: Int?
    @Option(name: .customLong("r2-cutoff"), help: "Drop a covariate whose R^2 against the expression PCs is at least this.") var r2Cutoff = 0.9
    @Option(name: .customLong("categorical"), help: "A covariate column to one-hot encode though its values are numbers, e.g. batch codes (repeat, or comma-separate).")
    var categorical: [String] = []
    @Option(name: .customLong("fit-on"), help: "Fit on these individuals only (one id per line, e.g. the training list) and apply to all. Default: every sample, as SAGE-net.")
    var fitOn: String?
    @Option(help: "Output expression table (CSV, regions x individuals), written atomically.") var out: String
    @OptionGroup var force: ForceOption

    func validate() throws {
        if expressionPCs < 0 { throw ValidationError("--expression-pcs must be 0 or more, got \(expressionPCs).") }
        if let genotypePCsCount {
            if genotypePCs == nil { throw ValidationError("--genotype-pcs-count needs --genotype-pcs (the .eigenvec file).") }
            if genotypePCsCount < 1 { throw ValidationError("--genotype-pcs-count must be at least 1, got \(genotypePCsCount).") }
        }
        if !(r2Cutoff > 0 && r2Cutoff <= 1) { throw ValidationError("--r2-cutoff must be in (0, 1], got \(r2Cutoff).") }
    }

    func run() throws {
        let inputs = [tpm, covariates] + [genotypePCs, fitOn].compactMap { $0 }
        try OutputGuard.checkFile(out, inputs: inputs, force: force.force, what: "covariate-adjusted expression table", isOurs: startsWith(Self.firstHeader + ","))
        var settings = ExpressionAdjustmentSettings()
        settings.expressionPCs = expressionPCs
        settings.genotypePCCount = genotypePCsCount ?? 3
        settings.r2Cutoff = r2Cutoff
        settings.categorical = categorical.flatMap { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } }
        let start = Date()
        let result = try adjustExpression(tpm: tpm, covariates: covariates, genotypePCs: genotypePCs, fitOn: fitOn, settings: settings)
        try writeOutput(result.table.csvText(firstHeader: Self.firstHeader), to: out)
        print(summary(result, seconds: Date().timeIntervalSince(start)), terminator: "")
    }

    /// What was fitted, each covariate's R^2, what was dropped, and where the table went.
    func summary(_ result: ExpressionAdjustment, seconds: Double) -> String {
        let table = result.table
        let fitted = fitOn.map { "the \(result.fitIndividuals.count) individuals of \($0)" } ?? "every sample (as SAGE-net; --fit-on to fit on training individuals only)"
        var text = "preprocess expression: \(table.regionIDs.count) genes x \(table.individuals.count) individuals, fitted on \(fitted)\n"
        if !result.screens.isEmpty {
            text += "R^2 against the \(expressionPCs) expression PC(s) (dropped when >= \(r2Cutoff)):\n"
            let width = result.screens.map(\.name.count).max() ?? 0
            for s in result.screens {
                text += "  " + s.name.padding(toLength: width, withPad: " ", startingAt: 0) + String(format: "  %.4f", s.r2) + (s.dropped ? "  dropped" : "") + "\n"
            }
        }
        let dropped = result.screens.filter(\.dropped).map(\.name)
        text += "dropped: " + (dropped.isEmpty ? "none" : dropped.joined(separator: ", ")) + "\n"
        text += "regression: " + result.design.joined(separator: " + ") + "\n"
        text += "wrote \(out) in \(String(format: "%.1f", seconds)) s\n"
        return text
    }
}
