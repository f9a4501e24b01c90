import ArgumentParser
import Foundation
import SAGEDistributed
import SAGEGenome
import SAGEPipeline

struct Baseline: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Baselines p-SAGE-net is compared with.",
        subcommands: [BaselinePrediXcan.self, BaselineEnformer.self])
}

struct BaselinePrediXcan: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "predixcan",
        abstract: "PrediXcan: per region, an elastic net on the genotype dosages around it, regions spread over ranks.",
        discussion: """
        Features: every ALT allele of every VCF record overlapping pos +- window/2, kept when its frequency among \
        the training individuals passes --maf-min/--maf-max (SAGE-net's ALT frequency, strict); dosage 0/1/2, \
        a missing allele 0 (or the ALT frequency with --missing mean); no standardisation. Model: scikit-learn's \
        ElasticNetCV (l1_ratio 0.5, 100 penalties down to 1e-3 of the largest useful one, intercept) with the \
        validation individuals as the one held-out fold, then the model at the chosen penalty refit on the \
        training individuals (SAGE-net's baseline); or --cv kfold:K over the training individuals.

        Writes to --out (default predixcan_out, "predixcan" beside the config): summary.csv (region_id, \
        train_pearson, val_pearson, test_pearson, n_features, n_nonzero, alpha, status, unconverged, intercept; usable as \
        region_ranking), weights.csv (non-zero weights with chr, pos, ref, alt), predictions.csv (every \
        individual of every split) and summary.json. Regions without features are listed with status \
        no_features and a constant prediction (the training mean). Identical output for any number of ranks.

        --apply WEIGHTS_DIR applies such an output (weights.csv and the intercepts of summary.csv) to the \
        cohort of --config instead, e.g. a second cohort: its VCF (another contig naming is resolved as \
        everywhere), variants matched on chr, pos, ref and alt; a weighted variant the VCF lacks counts dosage 0 \
        and is counted per region, and so does a missing allele ('.'). Weights are applied as fitted: allele frequencies and targets are not \
        recomputed. Writes to --out (default "predixcan-apply" beside the config) predictions.csv (region_id, \
        individual, pred for the VCF samples in the configuration's individual lists, or all samples), \
        summary.csv (region_id, n_weights, n_missing_variants, pearson against the configuration's expression \
        when it has one, else nan) and summary.json.

        Every flag overrides its configuration key (predixcan_window, predixcan_maf_min, ...; see \
        `sage-mpi config --keys`).
        """)

    @OptionGroup var config: ConfigOptions
    @Option(help: "Window in bases around each region's pos (default: predixcan_window, else input_len).") var window: Int?
    @Option(help: "Keep ALT alleles with frequency among training individuals above this (default: predixcan_maf_min, \(ConfigKeys.predixcanMafMin.key.defaultValue)).") var mafMin: Double?
    @Option(help: "... and below this (default: predixcan_maf_max, \(ConfigKeys.predixcanMafMax.key.defaultValue): no upper bound).") var mafMax: Double?
    @Option(help: "A missing allele counts: zero (SAGE-net) or mean (the ALT frequency).") var missing: MissingDosage?
    @Option(help: "Penalty selection: predefined (validation individuals, SAGE-net) or kfold:K (training individuals).") var cv: String?
    @Option(help: "Elastic net mixing (1 = lasso; default: predixcan_l1_ratio, \(ConfigKeys.predixcanL1Ratio.key.defaultValue)).") var l1Ratio: Double?
    @Option(help: "all, or a file of region ids (one per line).") var regions = "all"
    @Option(help: "CSV of known causal variants (region_id, pos, ref, alt), e.g. a simulation's truth/causal_variants.csv: reports how much weight they carry.")
    var causal: String?
    @Option(help: "Apply the fitted model in this directory (an output of baseline predixcan) to the cohort of --config, as fitted (no refit, no recomputed allele frequencies or targets).")
    var apply: String?
    @Option(help: "Output directory (default: predixcan_out; with --apply, predixcan-apply beside the config).") var out: String?
    @OptionGroup var runtime: RuntimeOptions

    func validate() throws {
        if config.config == nil { throw ValidationError("Give --config sage.toml.") }
        if let window, window < 2 { throw ValidationError("--window must be at least 2 bases.") }
        if apply != nil, window != nil || mafMin != nil || mafMax != nil || missing != nil || cv != nil || l1Ratio != nil || causal != nil || regions != "all" {
            throw ValidationError("--apply applies the weights as fitted: --window, --maf-min, --maf-max, --missing, --cv, --l1-ratio, --regions and --causal do not go with it.")
        }
    }

    func run() throws {
        if let apply {
            let cfg = try config.load()
            let beside = cfg.file.map { (($0 as NSString).deletingLastPathComponent as NSString).appendingPathComponent("predixcan-apply") } ?? "predixcan-apply"
            let run = PrediXcanApply(weights: apply, out: out ?? beside)
            try runOnRanks(runtime) { ctx in try run.run(config: cfg, comm: ctx.comm, log: ctx.log) }
            return
        }
        var loaded = config
        typealias K = ConfigKeys
        let flags: [(String, String?)] = [(K.predixcanWindow.name, window.map(String.init)), (K.predixcanMafMin.name, mafMin.map { "\($0)" }),
                                          (K.predixcanMafMax.name, mafMax.map { "\($0)" }), (K.predixcanMissing.name, missing.map { "\"\($0.rawValue)\"" }),
                                          (K.predixcanCv.name, cv.map { "\"\($0)\"" }), (K.predixcanL1Ratio.name, l1Ratio.map { "\($0)" }),
                                          (K.predixcanOut.name, out.map { "\"\($0)\"" })]
        loaded.overrides += flags.compactMap { key, value in value.map { "\(key)=\($0)" } }
        let cfg = try loaded.load()
        var run = PrediXcanRun(out: try cfg.predixcan.out.required(for: "as the output directory"))
        run.regions = regions
        run.causal = causal
        try runOnRanks(runtime) { ctx in try run.run(config: cfg, comm: ctx.comm, log: ctx.log) }
    }
}
