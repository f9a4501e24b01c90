import ArgumentParser
import Foundation
import SAGEDistributed
import SAGEPipeline

struct Evaluate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Predict regions x individuals from a checkpoint in parallel and correlate with the observed expression.",
        discussion: """
        Writes predictions.csv (region_id, individual, y0_true, y1_true, y_true, pred_mean, pred_diff), \
        region_correlations.csv (per region: Pearson across individuals of pred_diff and y1), \
        individual_correlations.csv (per individual: Pearson across regions of predicted and observed expression) \
        and summary.json (medians, means, counts; NaN counts reported). Identical output for any number of ranks. \
        By default each region's reference is run once and each haplotype only where its variants change the \
        first layers (variant-sparse inference, exact to float rounding, ~20x faster at the paper's size); --dense \
        runs every sequence whole. An r-SAGE-net checkpoint scores the mean of the two haplotypes (pred_diff = that minus the reference's), \
        or with --rsagenet-input reference the reference alone. To evaluate a second cohort, give its own \
        configuration with train_subs, train_subs_y_data and train_subs_vcf_file_path pointing at the training \
        cohort: y0 and the allele frequencies then come from the training cohort's training individuals (stated in \
        the log and in summary.json), as SAGE-net intends (it fails at HEAD, BUG-10).
        """)

    @Option(help: "Checkpoint (safetensors with sage_config metadata), e.g. RUN/best.safetensors.") var checkpoint: String
    @OptionGroup var config: ConfigOptions
    @Option(help: "train, val, test, all, or a file of region ids.") var regions = "test"
    @Option(help: "train, val, test, all, or a file of individual ids.") var individuals = "test"
    @Option(help: "Output directory (default: eval-<regions>-<individuals> beside the checkpoint).") var out: String?
    @Option(help: "Items per forward pass.") var batchSize = 16
    @Option(help: "r-SAGE-net input: personal or reference.") var rsagenetInput = "personal"
    @Flag(help: "Run the dense forward on every sequence instead of the variant-sparse path (equal to float rounding; for checking).") var dense = false
    @OptionGroup var runtime: RuntimeOptions

    func validate() throws {
        if config.config == nil { throw ValidationError("Give --config sage.toml.") }
        if batchSize < 1 { throw ValidationError("--batch-size must be at least 1.") }
        if ReferenceModelInput(rawValue: rsagenetInput) == nil { throw ValidationError("--rsagenet-input must be personal or reference.") }
    }

    func run() throws {
        let cfg = try config.load()
        var evaluation = Evaluation(checkpoint: checkpoint, out: out ?? (((checkpoint as NSString).deletingLastPathComponent as NSString).appendingPathComponent("eval-\(regions)-\(individuals)")))
        evaluation.regions = regions
        evaluation.individuals = individuals
        evaluation.batchSize = batchSize
        evaluation.referenceInput = ReferenceModelInput(rawValue: rsagenetInput)!
        evaluation.inference = dense ? .dense : .sparse
        try runOnRanks(runtime) { ctx in try evaluation.run(config: cfg, comm: ctx.comm, log: ctx.log) }
    }
}
