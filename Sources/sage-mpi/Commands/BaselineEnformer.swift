import ArgumentParser
import Foundation
import SAGEDistributed
import SAGEPipeline

struct BaselineEnformer: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "enformer",
        abstract: "Enformer baselines from saved Enformer outputs: the CAGE-brain track, a given head, or a head fit here; regions spread over ranks.",
        discussion: """
        --features DIR is SAGE-net's enformer_model/ directory of eval_model.py --model_type enformer \
        --enformer_save_mode all_tracks (or `simulate --enformer-features`'s enformer/): \
        DIR/eval_on_ref_seq/gene_res/{region_id}.npy, float32 (1, 3, 5313), the reference sequence, and \
        DIR/eval_on_individual/.../{split}_subs/gene_res/{region_id}.npy, float32 (n, 3, 5313), the --individuals \
        split in its list's order, or in that of SAGE-net's sub_list.npy beside gene_res (each the mean of the two \
        haplotypes' outputs): Enformer's human head at the centre bins 447-449.

        Modes (SAGE-net's predict_on_batch): cage = sum over the 3 bins of ln(p[b, 4980] + 1) (CAGE:brain, adult); \
        finetuned = coef . sum_b ln(p[b, :] + 1) + intercept with --coef coef.npy (5313,) and --intercept \
        intercept.npy (SAGE-net's input_data/enformer_finetuned_weights/); fit-head = a new head as \
        finetune_enformer.py fits it: the reference features of the training regions -> their mean expression over \
        the training individuals, ElasticNetCV (l1_ratio 0.5, scikit-learn's defaults) with the validation regions \
        as the one held-out fold, refit on the training regions; written as coef.npy and intercept.npy. Regions' \
        splits are the configuration's (train_chrs, val_chrs, test_chrs or *_regions).

        Writes to --out (default "enformer-<mode>" beside the config): predictions.csv (region_id, individual, \
        y_true, pred), reference_predictions.csv (region_id, chr, split, y_mean, pred), region_correlations.csv \
        (Pearson across individuals), individual_correlations.csv (Pearson across regions), summary.json \
        (evaluate's keys; mean_pearson = across regions, reference predictions vs mean expression; the same per \
        region split). Identical output for any number of ranks.
        """)

    @OptionGroup var config: ConfigOptions
    @Option(help: "Enformer outputs in SAGE-net's layout (described above).") var features: String
    @Option(help: "cage, finetuned or fit-head.") var mode: String
    @Option(help: "finetuned: the head's weights, coef.npy ((5313,) float64).") var coef: String?
    @Option(help: "finetuned: the head's intercept, intercept.npy (0-d float64).") var intercept: String?
    @Option(help: "Individuals whose features are read: train, val, test or all ({split}_subs).") var individuals = "test"
    @Option(help: "Regions to predict and score: all, train, val, test, or a file of region ids (fit-head fits on the training and validation regions whatever this is).")
    var regions = "all"
    @Option(help: "fit-head: the elastic net's tolerance (scikit-learn's tol).") var tol = 1e-4
    @Option(help: "fit-head: the elastic net's sweeps per penalty (scikit-learn's max_iter).") var maxIter = 1000
    @Option(help: "Output directory (default: enformer-<mode> beside the config).") var out: String?
    @OptionGroup var runtime: RuntimeOptions

    func validate() throws {
        if config.config == nil { throw ValidationError("Give --config sage.toml.") }
        guard let m = EnformerMode(rawValue: mode) else { throw ValidationError("--mode must be cage, finetuned or fit-head.") }
        if m == .finetuned && (coef == nil || intercept == nil) { throw ValidationError("--mode finetuned needs --coef coef.npy and --intercept intercept.npy.") }
        if m != .finetuned && (coef != nil || intercept != nil) { throw ValidationError("--coef and --intercept go with --mode finetuned only.") }
        if !["train", "val", "test", "all"].contains(individuals) { throw ValidationError("--individuals must be train, val, test or all.") }
        if !(tol > 0) || maxIter < 1 { throw ValidationError("--tol must be positive and --max-iter at least 1.") }
    }

    func run() throws {
        let cfg = try config.load()
        let beside = cfg.file.map { (($0 as NSString).deletingLastPathComponent as NSString).appendingPathComponent("enformer-\(mode)") } ?? "enformer-\(mode)"
        var run = EnformerBaseline(features: features, out: out ?? beside, mode: EnformerMode(rawValue: mode)!)
        run.coef = coef
        run.intercept = intercept
        run.individuals = individuals
        run.regions = regions
        run.net.tol = tol
        run.net.maxIter = maxIter
        try runOnRanks(runtime) { ctx in try run.run(config: cfg, comm: ctx.comm, log: ctx.log) }
    }
}
