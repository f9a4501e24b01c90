import ArgumentParser
import Foundation
import SAGEDistributed
import SAGEPipeline
import SAGEEngine

struct Attribute: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Input-gradient saliency per region (SAGE-net's save_ref_attribs) from a checkpoint, regions across ranks.",
        discussion: """
        Eval mode (batch norm on running statistics, no dropout), on the sequences the model reads from the store (as \
        evaluate: strand-aware window, N padding). r-SAGE-net: d out / d x on the reference. p-SAGE-net on the \
        reference, with personal = reference (mat = pat = ref) as SAGE-net: output_idx_0/ = d out0 (mean head) / d \
        reference channels, output_idx_1/ = d out1 (difference head) / d maternal channels alone (SAGE-net's \
        x[:, 1, 0:4]: the paternal gradient, equal here, is not added, nor the path through the reference). \
        --individuals: per (region, individual), the gradients with respect to both haplotypes, (2, 4, L) maternal \
        then paternal: p-SAGE-net d out1 / d mat and d pat (the mean head reads the reference only: no \
        per-individual attribution); r-SAGE-net of pred_mean = (out(mat) + out(pat)) / 2, as evaluate scores an \
        individual. --method grad_x_input multiplies by the one-hot input; --zero-center first subtracts the mean of \
        the four channels at each position. \
        Files (identical for any number of ranks): DIR (r-SAGE-net) or DIR/output_idx_0, DIR/output_idx_1 \
        (p-SAGE-net) each hold part-NNNNN.safetensors (one tensor per region, named by region id, or \
        'region|individual'; shape (1, 4, L), or (2, 4, L) per individual; channels A, C, G, T in model coordinates; \
        float32, or float16) and index.csv (region_id, individual, file, tensor, shape, chr, strand, window_start, \
        window_end: the reference window, 1-based inclusive; model position 0 is window_start on '+', window_end on \
        '-'); DIR/attribute.json records the settings. `sage-mpi seqlets --attributions DIR [--head 0|1]` reads them.
        """)

    @Option(help: "Checkpoint (safetensors with sage_config metadata), e.g. RUN/best.safetensors.") var checkpoint: String
    @OptionGroup var config: ConfigOptions
    @Option(help: "train, val, test, all, or a file of region ids.") var regions = "test"
    @Option(help: "grad (SAGE-net's) or grad_x_input.") var method = "grad"
    @Flag(help: "Subtract the mean over the four nucleotides at each position (SAGE-net's zero_center_attributions).") var zeroCenter = false
    @Option(help: "mean (out0), diff (out1, p-SAGE-net) or both (default: every head there is).") var head = "both"
    @Option(help: "Per-individual attributions: train, val, test, all, or a file of individual ids (default: the reference only).") var individuals: String?
    @Option(help: "Output directory (default: attributions-<regions> beside the checkpoint).") var out: String?
    @Flag(help: "Write float16 tensors (default float32).") var float16 = false
    @Option(help: "Items per forward and backward pass.") var batchSize = 8
    @Option(help: "Tensors per part file (default: up to 256 and about 64 MiB).") var tensorsPerPart: Int?
    @OptionGroup var runtime: RuntimeOptions

    func validate() throws {
        if config.config == nil { throw ValidationError("Give --config sage.toml.") }
        if batchSize < 1 { throw ValidationError("--batch-size must be at least 1.") }
        if let tensorsPerPart, tensorsPerPart < 1 { throw ValidationError("--tensors-per-part must be at least 1.") }
        if AttributionMethod(rawValue: method) == nil { throw ValidationError("--method must be grad or grad_x_input, got '\(method)'.") }
        if !["mean", "diff", "both"].contains(head) { throw ValidationError("--head must be mean, diff or both, got '\(head)'.") }
    }

    func run() throws {
        let cfg = try config.load()
        var attribution = Attribution(checkpoint: checkpoint, out: out ?? (((checkpoint as NSString).deletingLastPathComponent as NSString).appendingPathComponent("attributions-\((regions as NSString).lastPathComponent)")))
        attribution.regions = regions
        attribution.individuals = individuals
        attribution.heads = head == "both" ? nil : [head == "mean" ? .mean : .diff]
        attribution.method = AttributionMethod(rawValue: method)!
        attribution.zeroCenter = zeroCenter
        attribution.float16 = float16
        attribution.batchSize = batchSize
        attribution.tensorsPerPart = tensorsPerPart
        try runOnRanks(runtime) { ctx in try attribution.run(config: cfg, comm: ctx.comm, log: ctx.log) }
    }
}
