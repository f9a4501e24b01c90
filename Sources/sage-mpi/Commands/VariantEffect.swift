import ArgumentParser
import Foundation
import SAGEDistributed
import SAGEPipeline
import SAGEGenome

struct VariantEffect: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "variant-effect",
        abstract: "Score variants: predictions with each variant inserted into the reference window against the reference.",
        discussion: """
        SAGE-net's VariantDataset, fixed (it crashed on every item, BUG-5, and spliced indels wrongly, BUG-8). Each \
        variant is inserted into both haplotypes of its region's reference window with the personal-haplotype \
        rules (REF checked, indels shift and truncate to input_len, reverse complement on the minus strand); \
        p-SAGE-net's reference channels stay the reference, so its delta_mean is 0 and delta_diff is the effect. \
        Variants: --variants a table (CSV or TSV; columns region_id, chr, pos (1-based), ref, alt; e.g. \
        truth/causal_variants.csv), or an indexed VCF/BCF (every ALT allele overlapping each --regions window), or \
        --all-cohort-variants (every ALT allele of the cohort in each --regions window that the configuration's \
        only_snps and MAF window keep, from the variant store, as training applies them). A REF mismatch or a \
        variant outside its window is listed with its status and counted in a warning, not scored. Output DIR: \
        variant_effects.csv, rankings.csv (per region by |delta| of the difference head; r-SAGE-net its one head) \
        and summary.json; with --causal (a simulation's truth/causal_variants.csv) how often the top-ranked \
        variant is a planted causal one, beside PrediXcan's largest |weight| with --predixcan DIR. Regions are \
        dealt to ranks; the output is identical for any number of ranks.
        """)

    @Option(help: "Checkpoint (safetensors with sage_config metadata).") var checkpoint: String
    @OptionGroup var config: ConfigOptions
    @Option(help: "Variants: a CSV/TSV table (region_id, chr, pos, ref, alt) or an indexed .vcf.gz/.bcf.") var variants: String?
    @Flag(help: "Score every ALT allele of the cohort (the variant store) in each region's window.") var allCohortVariants = false
    @Option(help: "With a VCF or --all-cohort-variants: train, val, test, all, or a file of region ids (default: all; train with --all-cohort-variants).")
    var regions: String?
    @Option(help: "Planted causal variants (CSV: region_id, pos, ref, alt), e.g. truth/causal_variants.csv.") var causal: String?
    @Option(help: "PrediXcan output directory (weights.csv) to compare with --causal.") var predixcan: String?
    @Flag(help: "Full forward passes, instead of the variant-sparse scorer (equal to float rounding; for checking).") var naive = false
    @Option(help: "Items per forward pass.") var batchSize = 16
    @Option(help: "Output directory (default: variant-effect beside the checkpoint).") var out: String?
    @OptionGroup var runtime: RuntimeOptions

    func validate() throws {
        if config.config == nil { throw ValidationError("Give --config sage.toml (its FASTA, regions table and allow_reverse_complement).") }
        if (variants == nil) == !allCohortVariants { throw ValidationError("Give --variants FILE or --all-cohort-variants.") }
        if batchSize < 1 { throw ValidationError("--batch-size must be at least 1.") }
        if predixcan != nil && causal == nil { throw ValidationError("--predixcan compares top-1 recovery: give --causal too.") }
    }

    static func isVCF(_ path: String) -> Bool { [".vcf.gz", ".vcf.bgz", ".bcf", ".vcf"].contains { path.hasSuffix($0) } }

    func run() throws {
        let cfg = try config.load()
        let tablePath = try cfg.paths.regions.required(for: "(the regions the variants belong to)")
        let table = try readRegions(path: tablePath)
        var effect = VariantEffectRun(checkpoint: checkpoint, out: out ?? (((checkpoint as NSString).deletingLastPathComponent as NSString).appendingPathComponent("variant-effect")))
        effect.naive = naive
        effect.batchSize = batchSize
        effect.causal = causal
        effect.predixcan = predixcan
        let regionList = regions.map { FileManager.default.fileExists(atPath: $0) ? [$0] : [] } ?? []
        if let variants, !Self.isVCF(variants) {
            if regions != nil { throw ValidationError("--regions goes with a VCF or --all-cohort-variants; a table names each variant's region.") }
            let rows = try readVariantTable(path: variants)
            let groups = try VariantGroups.table(rows, path: variants, regions: table, tablePath: tablePath)
            try runOnRanks(runtime) { ctx in
                try effect.run(config: cfg, comm: ctx.comm, log: ctx.log, regions: groups.groups.map(\.region), source: variants,
                               extraInputs: [variants]) { _, _ in groups }
            }
            return
        }
        let selected = try selectSeqletRegions(regions ?? (allCohortVariants ? "train" : "all"), table: table, tablePath: tablePath, config: cfg)
        if let variants {
            try runOnRanks(runtime) { ctx in
                try effect.run(config: cfg, comm: ctx.comm, log: ctx.log, regions: selected, source: variants, extraInputs: [variants] + genomeIndexes(of: variants) + regionList) { _, frames in
                    try VariantGroups.vcf(variants, regions: selected, frames: frames, contigPrefix: cfg.paths.contigPrefix)
                }
            }
        } else {
            try runOnRanks(runtime) { ctx in
                let store = try openCheckedStore(config: cfg, purpose: "to list the cohort's variants")
                try effect.run(config: cfg, comm: ctx.comm, log: ctx.log, regions: selected, source: "cohort variants in \(store.directory)", extraInputs: regionList) { _, _ in
                    try VariantGroups.cohort(store: store, options: cfg.data.sequence, regions: selected)
                }
            }
        }
    }
}
