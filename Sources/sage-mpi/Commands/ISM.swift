import ArgumentParser
import Foundation
import SAGEDistributed
import SAGEPipeline
import SAGEGenome

struct ISM: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ism",
        abstract: "In-silico mutagenesis: predictions for every single-base substitution in a window around each region's centre.",
        discussion: """
        SAGE-net's save_gene_ism, fixed. The window is the W genome positions [center - W/2, center - W/2 + W) \
        (1-based; center default: the region's pos) on either strand, mapped to model indices strand-aware \
        (get_pos_idx_in_seq with its plus-strand off-by-one fixed, BUG-18; SAGE-net's windows, from that bug and \
        the minimum of the two ends' indices, were [center - W/2 + 1, center + W/2], one base higher). For each position and each of A, C, G, T (the model's strand; the \
        reference base included: 4 x W predictions) the model is run with that base set. p-SAGE-net, with personal \
        = reference as SAGE-net: input 'reference' mutates the reference channels, 'personal' the maternal \
        haplotype; both heads. r-SAGE-net mutates its one sequence, one head. --variant chr:pos:ref:alt is first \
        inserted into the haplotypes (p-SAGE-net's reference channels stay the reference, as SAGE-net's \
        VariantDataset, which crashed at HEAD: BUG-5; indels shift as in personal haplotypes, BUG-8 fixed). Values \
        zero-centred over the four bases at each position (SAGE-net zero-centred the wrong axis, BUG-15) or raw \
        with --raw. Output DIR: part-00000.safetensors, ... (float32, or float16 with --float16; tensor '<region_id>/<head>', \
        head mean or diff, shape (inputs, 4, W), positions in model order; whole regions, in the order given, at most \
        --tensors-per-part tensors per part) and ism_index.csv (region_id, file, tensor, shape, strand, chr, \
        genome_start, genome_end, model_start, model_end, inputs, values, variant: a tensor's part is its file), \
        written atomically. The parts are dealt to ranks, each writes its own; the output is identical for any \
        number of ranks.
        """)

    @Option(help: "Checkpoint (safetensors with sage_config metadata).") var checkpoint: String
    @OptionGroup var config: ConfigOptions
    @Option(name: .customLong("region"), help: "Region id (repeat for several).") var regionIDs: [String] = []
    @Option(help: "Batch form: train, val, test, all, or a file of region ids (instead of --region).") var regions: String?
    @Option(help: "Window centre, 1-based genome position (one --region only; default: the region's pos).") var center: Int?
    @Option(help: "Window width W.") var window = 150
    @Option(help: "Variant inserted first, chr:pos:ref:alt (pos 1-based; one --region only).") var variant: String?
    @Option(help: "p-SAGE-net input to mutate: reference, personal or both.") var input = "both"
    @Flag(help: "Raw predictions instead of zero-centred over the four bases.") var raw = false
    @Flag(help: "Store the tensors as float16 (half the bytes; values below 6.1e-5, e.g. small effects of a small model, lose precision).") var float16 = false
    @Flag(help: "Full forward passes for every substitution, instead of the variant-sparse scorer (equal to float rounding; for checking).") var naive = false
    @Option(help: "Items per forward pass.") var batchSize = 16
    @Option(help: "Tensors per part file, whole regions, at least one (default: up to 256 and about 64 MiB).") var tensorsPerPart: Int?
    @Option(help: "Output directory (default: ism beside the checkpoint).") var out: String?
    @OptionGroup var runtime: RuntimeOptions

    func validate() throws {
        if config.config == nil { throw ValidationError("Give --config sage.toml (its FASTA, regions table and allow_reverse_complement).") }
        if regionIDs.isEmpty == (regions == nil) { throw ValidationError("Give --region ID (repeatable) or --regions train|val|test|all|FILE.") }
        if window < 1 { throw ValidationError("--window must be at least 1, got \(window).") }
        if batchSize < 1 { throw ValidationError("--batch-size must be at least 1.") }
        if let tensorsPerPart, tensorsPerPart < 1 { throw ValidationError("--tensors-per-part must be at least 1.") }
        if !["reference", "personal", "both"].contains(input) { throw ValidationError("--input must be reference, personal or both, got '\(input)'.") }
        if (center != nil || variant != nil) && regionIDs.count != 1 { throw ValidationError("--center and --variant need exactly one --region.") }
        if let variant, VariantRow.parse(variant, regionID: "") == nil {
            throw ValidationError("--variant '\(variant)' is not chr:pos:ref:alt (pos a positive integer, alleles of A, C, G, T, N).")
        }
    }

    func run() throws {
        let cfg = try config.load()
        let tablePath = try cfg.paths.regions.required(for: "(the regions ISM runs on)")
        let table = try readRegions(path: tablePath)
        let selected: [Region]
        if let regions {
            selected = try selectSeqletRegions(regions, table: table, tablePath: tablePath, config: cfg)
        } else {
            let byID = Dictionary(table.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
            selected = try regionIDs.map { id in
                guard let r = byID[id] else { throw CommandError("\(tablePath): no region '\(id)'") }
                return r
            }
        }
        var ism = ISMRun(checkpoint: checkpoint, out: out ?? (((checkpoint as NSString).deletingLastPathComponent as NSString).appendingPathComponent("ism")))
        ism.regions = selected
        ism.centre = center
        ism.width = window
        ism.inputs = input == "both" ? ISMInput.allCases : [ISMInput(rawValue: input)!]
        ism.variant = variant.flatMap { VariantRow.parse($0, regionID: selected[0].id) }
        ism.raw = raw
        ism.float16 = float16
        ism.naive = naive
        ism.batchSize = batchSize
        ism.tensorsPerPart = tensorsPerPart
        let lists = regions.map { FileManager.default.fileExists(atPath: $0) ? [$0] : [] } ?? []
        try runOnRanks(runtime) { ctx in try ism.run(config: cfg, comm: ctx.comm, log: ctx.log, extraInputs: lists) }
    }
}
