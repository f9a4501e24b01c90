import ArgumentParser
import Foundation
import SAGEDistributed
import SAGEPipeline
import SAGEEngine
import SAGEReport

struct Report: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Draw the results in run, evaluation, PrediXcan and simulated-cohort directories as one HTML page.",
        discussion: """
        Each PATH is an output directory of train, evaluate, baseline predixcan or simulate (recognised by its \
        .sage-mpi-output marker), or a directory holding such outputs (searched three levels deep; e.g. the \
        demo's directory). The page shows what was run (versions, configuration, ranks, times), the training \
        curves with the best epoch, per-region and per-individual Pearson r by model and region set (box, violin \
        and points, medians labelled), model against model per region (identity line, n, Pearson, Spearman) and, \
        for a simulated cohort, whether PrediXcan recovers the planted causal variants. A part whose files are \
        absent is left out. One self-contained file (inline SVG and CSS, no scripts, nothing fetched), written \
        atomically; it opens offline and prints.
        """)

    @Argument(help: "Run, evaluation, PrediXcan or simulated-cohort directories (or directories holding them).") var paths: [String]
    @Option(help: "The HTML file to write.") var out = "report.html"
    @OptionGroup var force: ForceOption

    func run() throws {
        // Before the work: the page may replace only a report of ours (or a file given with --force), never an input.
        try OutputGuard.checkFile(out, inputs: paths, force: force.force, what: "report", isOurs: startsWith(SAGEReport.Report.signature))
        let inputs = try ReportInputs(paths: paths)
        try writeOutput(SAGEReport.Report(inputs: inputs, version: SageVersion.string).html(), to: out)
        FileHandle.standardError.write(Data("report: wrote \(out)\n".utf8))
    }
}
