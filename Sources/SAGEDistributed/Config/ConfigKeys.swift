// Every key a run configuration (sage.toml) may hold: SAGE-net's own parameter names where SAGE-net has one,
// with SAGE-net's defaults, grouped as in the resolved file each run writes.

public enum ConfigValue: Sendable, Equatable, CustomStringConvertible {
    case int(Int), double(Double), bool(Bool), string(String), list([String]), none

    /// TOML text of the value.
    public var description: String {
        switch self {
        case .int(let v): "\(v)"
        case .double(let v): "\(v)"
        case .bool(let v): v ? "true" : "false"
        case .string(let v): tomlString(v)
        case .list(let v): "[" + v.map(tomlString).joined(separator: ", ") + "]"
        case .none: "\"\""
        }
    }
}

func tomlString(_ s: String) -> String {
    "\"" + s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
}

public struct ConfigKey: Sendable {
    public enum Kind: String, Sendable { case int = "an integer", double = "a number", bool = "true/false (or 1/0)", string = "a string", list = "a list of strings", path = "a path" }
    public let name: String, kind: Kind, defaultValue: ConfigValue, help: String
}

public enum ConfigKeys {
    static func key(_ name: String, _ kind: ConfigKey.Kind, _ value: ConfigValue, _ help: String) -> ConfigKey {
        ConfigKey(name: name, kind: kind, defaultValue: value, help: help)
    }

    public static let groups: [(title: String, keys: [ConfigKey])] = [
        ("Inputs (paths relative to this file)", [
            key("fasta", .path, .none, "reference FASTA, indexed (.fai; bgzipped also .gzi)"),
            key("vcf", .path, .none, "phased VCF/BCF, bgzipped and indexed (.tbi/.csi)"),
            key("regions", .path, .none, "regions table: region_id (or gene_id), chr, pos (1-based centre), optional strand"),
            key("expression", .path, .none, "expression CSV: regions x individuals, first column the region id"),
            key("train_individuals", .path, .none, "training individuals, one id per line"),
            key("val_individuals", .path, .none, "validation individuals"),
            key("test_individuals", .path, .none, "test individuals"),
            key("store", .path, .string("store"), "variant store directory written by `sage-mpi prepare`"),
            key("contig_prefix", .string, .none, "VCF contig prefix (default: detected)"),
            key("region_ranking", .path, .none, "ranking CSV with a val_pearson column (e.g. a PrediXcan summary) to select regions from"),
        ]),
        ("Sequences and targets", [
            key("input_len", .int, .int(40000), "window and model input length"),
            key("only_snps", .bool, .bool(false), "apply SNPs only"),
            key("maf_min", .double, .double(-1), "keep ALT alleles with frequency among training individuals > maf_min"),
            key("maf_max", .double, .double(2), "... and < maf_max"),
            key("true_maf", .bool, .bool(false), "filter on min(AF, 1 - AF) instead of SAGE-net's ALT frequency"),
            key("majority_seq", .bool, .bool(false), "reference channel = majority sequence of the training individuals"),
            key("allow_reverse_complement", .bool, .bool(true), "reverse-complement minus-strand regions"),
            key("median_or_mean_y_data", .string, .string("mean"), "y0 = mean or median over training individuals"),
            key("zscore", .bool, .bool(true), "y1 = z-score (std over training individuals, ddof 1)"),
        ]),
        ("Model (SAGE-net hyperparameters)", model),
        ("Regions and individuals", [
            key("train_regions", .path, .none, "file of training region ids, one per line (instead of train_chrs)"),
            key("val_regions", .path, .none, "file of validation region ids (instead of val_chrs)"),
            key("test_regions", .path, .none, "file of test region ids (instead of test_chrs)"),
            key("train_chrs", .list, .list((1...16).map(String.init)), "chromosomes of training regions"),
            key("val_chrs", .list, .list(["17", "18", "21", "22"]), "chromosomes of validation regions"),
            key("test_chrs", .list, .list(["19", "20"]), "chromosomes of test regions"),
            key("num_regions", .int, .int(0), "with region_ranking: how many regions to take (0 = all)"),
            key("region_idx_start", .int, .int(0), "with region_ranking: rank of the first region taken"),
            key("rand_regions", .bool, .bool(false), "with region_ranking: a seeded random num_regions of the top top_regions_to_consider"),
            key("top_regions_to_consider", .int, .int(5000), "with rand_regions"),
            key("num_training_subs", .int, .int(0), "train on the first N training individuals (0 = all)"),
        ]),
        ("Training", [
            key("learning_rate", .double, .double(5e-4), "Adam learning rate (cyclic: base lr/2, max 2 lr)"),
            key("weight_decay", .double, .double(1e-5), "Adam L2 weight decay"),
            key("scheduler", .string, .string("cyclic"), "cyclic, plateau or none"),
            key("step_size_up", .int, .int(2000), "CyclicLR half period in steps"),
            key("gradient_clip_val", .double, .double(1), "clip the global gradient norm (0 = off)"),
            key("batch_size", .int, .int(6), "items per rank per step (at least 2 when a batch norm runs at length 1, unless sync_batchnorm)"),
            key("max_epochs", .int, .int(10), ""),
            key("seed", .int, .int(42), "initialisation, shuffling and dropout"),
            key("lam_ref", .double, .double(1), "weight of the mean head's MSE (p-SAGE-net)"),
            key("lam_diff", .double, .double(10), "weight of the difference head's MSE (p-SAGE-net)"),
            key("sync_batchnorm", .bool, .bool(false), "batch statistics over all ranks (P ranks = 1 rank with the global batch)"),
            key("init_from", .path, .none, "r-SAGE-net checkpoint to initialise p-SAGE-net's trunk and mean head from"),
            key("monitor", .string, .string("tv_region_pearson_median"), "validation metric for best.safetensors and early stopping (r-SAGE-net: val_mean_pearson)"),
            key("patience", .int, .int(5), "epochs without improvement before stopping (0 = never stop early)"),
            key("val_every_steps", .int, .int(0), "also validate every N steps (0 = at epoch ends only)"),
            key("checkpoint_every_steps", .int, .int(300), "write last.safetensors + state every N steps"),
            key("max_val_items", .int, .int(0), "validate on at most N items per set (0 = all)"),
        ]),
        ("PrediXcan baseline (sage-mpi baseline predixcan)", [
            key("predixcan_out", .path, .string("predixcan"), "output directory"),
            key("predixcan_window", .int, .int(0), "features from variants within +-window/2 of pos (0 = input_len, as SAGE-net)"),
            key("predixcan_maf_min", .double, .double(0.01), "keep ALT alleles with frequency among training individuals > this"),
            key("predixcan_maf_max", .double, .double(2), "... and < this (2 = no upper bound, as SAGE-net)"),
            key("predixcan_true_maf", .bool, .bool(false), "filter on min(AF, 1 - AF) instead of SAGE-net's ALT frequency"),
            key("predixcan_missing", .string, .string("zero"), "a missing allele counts zero (SAGE-net) or mean (ALT frequency)"),
            key("predixcan_cv", .string, .string("predefined"), "predefined (validation individuals as the one fold, SAGE-net) or kfold:K over training individuals"),
            key("predixcan_l1_ratio", .double, .double(0.5), "elastic net mixing: 1 = lasso"),
            key("predixcan_n_alphas", .int, .int(100), "penalties on the path"),
            key("predixcan_eps", .double, .double(1e-3), "smallest / largest penalty"),
            key("predixcan_tol", .double, .double(1e-4), "coordinate descent tolerance (duality gap / ||y||²)"),
            key("predixcan_max_iter", .int, .int(1000), "coordinate descent sweeps per penalty"),
        ]),
    ]

    /// The keys SAGEConfig decodes (with input_len, which the sequences share).
    public static let model: [ConfigKey] = [
        key("model", .string, .string("psagenet"), "psagenet or rsagenet"),
        key("first_layer_kernel_number", .int, .int(900), ""), key("int_layers_kernel_number", .int, .int(256), ""),
        key("first_layer_kernel_size", .int, .int(10), ""), key("int_layers_kernel_size", .int, .int(5), ""),
        key("hidden_size", .int, .int(256), ""), key("n_conv_blocks", .int, .int(5), ""),
        key("n_dilated_conv_blocks", .int, .int(0), ""), key("increasing_dilation", .bool, .bool(false), ""),
        key("h_layers", .int, .int(1), ""), key("pooling_size", .int, .int(10), ""),
        key("pooling_type", .string, .string("avg"), "avg or max"), key("batch_norm", .bool, .bool(true), ""),
        key("dropout", .double, .double(0), ""), key("split_y_data", .bool, .bool(true), "y1 = deviation/z-score (else raw y)"),
        key("subtract_or_concat", .string, .string("subtract"), "subtract or concat"),
            ]

    public static let all: [ConfigKey] = groups.flatMap(\.keys)
    public static let byName: [String: ConfigKey] = Dictionary(uniqueKeysWithValues: all.map { ($0.name, $0) })
}
