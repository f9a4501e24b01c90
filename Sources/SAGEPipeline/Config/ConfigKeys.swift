import SAGEDistributed

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
    /// What a value must satisfy beyond its kind (checked once, when a RunConfig is built).
    public var allowed: Allowed = .any
}

/// The values a key accepts. Numeric bounds are inclusive unless `open`.
public enum Allowed: Sendable {
    case any
    case range(Double, Double, openBelow: Bool = false)
    case oneOf([String])

    /// Why `value` is refused, or nil.
    func violation(_ value: ConfigValue) -> String? {
        switch (self, value) {
        case (.range(let lo, let hi, let open), .int(let v)): return Self.outside(Double(v), lo, hi, open, integer: true)
        case (.range(let lo, let hi, let open), .double(let v)): return Self.outside(v, lo, hi, open, integer: false)
        case (.oneOf(let names), .string(let v)) where !names.contains(v): return "one of \(names.joined(separator: ", "))"
        default: return nil
        }
    }

    static func outside(_ v: Double, _ lo: Double, _ hi: Double, _ open: Bool, integer: Bool) -> String? {
        guard !v.isFinite || (open ? v <= lo : v < lo) || v > hi else { return nil }
        return describe(lo, hi, open)
    }

    static func describe(_ lo: Double, _ hi: Double, _ open: Bool) -> String {
        func show(_ x: Double) -> String { x == countLimit ? "2^40" : x == x.rounded() && abs(x) < 1e15 ? String(Int(x)) : "\(x)" }
        if hi > countLimit { return open ? "greater than \(show(lo))" : "at least \(show(lo))" }
        return "\(open ? "in (" : "in [")\(show(lo)), \(show(hi))]"
    }

    /// For `config --keys`.
    public var summary: String? {
        switch self {
        case .any: nil
        case .range(let lo, let hi, let open): Self.describe(lo, hi, open)
        case .oneOf(let names): names.joined(separator: "|")
        }
    }
}

extension ConfigKey {
    func allowing(_ a: Allowed) -> ConfigKey { var k = self; k.allowed = a; return k }
}

/// An upper bound for counts that keeps their arithmetic and memory finite (real runs are far below); `noLimit`
/// for values whose only bound is their type's (shown as "at least ...").
let countLimit = Double(1 << 40), noLimit = Double.greatestFiniteMagnitude

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
        ("Training cohort (to evaluate another cohort: SAGE-net's train_subs_*; unset = this cohort's own)", [
            key("train_subs", .path, .none, "the training cohort's training individuals, one id per line: y0 and allele frequencies are computed over them (default: train_individuals)"),
            key("train_subs_y_data", .path, .none, "the training cohort's expression table, for y0 (and the z-score's sd) (default: expression)"),
            key("train_subs_vcf_file_path", .path, .none, "the training cohort's VCF, for allele frequencies (maf_min, maf_max, majority_seq) (default: vcf)"),
            key("train_subs_contig_prefix", .string, .none, "contig prefix of train_subs_vcf_file_path (default: detected)"),
        ]),
        ("Sequences and targets", [
            key("input_len", .int, .int(40000), "window and model input length").allowing(.range(1, 10_000_000)),
            key("only_snps", .bool, .bool(false), "apply SNPs only"),
            key("maf_min", .double, .double(-1), "keep ALT alleles with frequency among training individuals > maf_min").allowing(.range(-1, 1)),
            key("maf_max", .double, .double(2), "... and < maf_max").allowing(.range(0, 2)),
            key("true_maf", .bool, .bool(false), "filter on min(AF, 1 - AF) instead of SAGE-net's ALT frequency"),
            key("majority_seq", .bool, .bool(false), "reference channel = majority sequence of the training individuals"),
            key("allow_reverse_complement", .bool, .bool(true), "reverse-complement minus-strand regions"),
            key("median_or_mean_y_data", .string, .string("mean"), "y0 = mean or median over training individuals").allowing(.oneOf(["mean", "median"])),
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
            key("num_regions", .int, .int(0), "with region_ranking: how many regions to take (0 = all)").allowing(.range(0, countLimit)),
            key("num_top_train_regions", .int, .int(0), "with region_ranking: how many to select for the training regions (SAGE-net's num_top_train_genes; 0 = num_regions)").allowing(.range(0, countLimit)),
            key("num_top_val_regions", .int, .int(0), "with region_ranking: how many to select for the validation regions (SAGE-net's num_top_val_genes; 0 = num_regions)").allowing(.range(0, countLimit)),
            key("region_idx_start", .int, .int(0), "with region_ranking: rank of the first region taken").allowing(.range(0, countLimit)),
            key("rand_regions", .bool, .bool(false), "with region_ranking: a seeded random num_regions of the top top_regions_to_consider"),
            key("top_regions_to_consider", .int, .int(5000), "with rand_regions").allowing(.range(-1, countLimit)),
            key("num_training_subs", .int, .int(0), "train on the first N training individuals (0 = all)").allowing(.range(0, countLimit)),
        ]),
        ("Training", [
            key("learning_rate", .double, .double(5e-4), "Adam learning rate (cyclic: base lr/2, max 2 lr)").allowing(.range(0, 10, openBelow: true)),
            key("weight_decay", .double, .double(1e-5), "Adam L2 weight decay").allowing(.range(0, 10)),
            key("scheduler", .string, .string("cyclic"), "cyclic (per step), plateau (per epoch, on `monitor`) or none").allowing(.oneOf(["cyclic", "plateau", "none"])),
            key("step_size_up", .int, .int(2000), "CyclicLR half period in steps").allowing(.range(1, countLimit)),
            key("gradient_clip_val", .double, .double(1), "clip the global gradient norm (0 = off)").allowing(.range(0, noLimit)),
            key("batch_size", .int, .int(6), "items per rank per step (at least 2 when a batch norm runs at length 1, unless sync_batchnorm)").allowing(.range(1, 1_048_576)),
            key("max_epochs", .int, .int(10), "").allowing(.range(1, countLimit)),
            key("seed", .int, .int(42), "initialisation, shuffling and dropout").allowing(.range(0, noLimit)),
            key("lam_ref", .double, .double(1), "weight of the mean head's MSE (p-SAGE-net)").allowing(.range(0, noLimit)),
            key("lam_diff", .double, .double(10), "weight of the difference head's MSE (p-SAGE-net)").allowing(.range(0, noLimit)),
            key("sync_batchnorm", .bool, .bool(false), "batch statistics over all ranks (P ranks = 1 rank with the global batch)"),
            key("init_from", .path, .none, "r-SAGE-net checkpoint to initialise p-SAGE-net's convolutional trunk from (conv0, convlayers, dilated_convlayers; as SAGE-net's init_model_from_ref)"),
            key("monitor", .string, .string("tv_region_pearson_median"), "validation metric for best.safetensors and early stopping (r-SAGE-net: val_mean_pearson)"),
            key("patience", .int, .int(5), "early stopping: epochs without improvement of `monitor` before stopping (0 = never stop early)").allowing(.range(0, countLimit)),
            key("lr_patience", .int, .int(5), "plateau scheduler: epochs without improvement of `monitor` before the learning rate is cut by 10x (PyTorch's ReduceLROnPlateau patience)").allowing(.range(0, countLimit)),
            key("val_every_steps", .int, .int(0), "also validate every N steps (0 = at epoch ends only)").allowing(.range(0, countLimit)),
            key("checkpoint_every_steps", .int, .int(300), "write last.safetensors + state every N steps").allowing(.range(0, countLimit)),
            key("max_val_items", .int, .int(0), "validate on at most N items per set (0 = all)").allowing(.range(0, countLimit)),
            key("validate_test", .bool, .bool(false), "also validate on test regions x test individuals (\"test_\" metrics, SAGE-net's test_region_test_sub set): to watch, not to choose by"),
            key("save_all_epochs", .bool, .bool(false), "also keep each epoch's checkpoint as epochs/epoch-NNN.safetensors (SAGE-net's save_all_epochs; choose one afterwards with `sage-mpi select-checkpoint`)"),
        ]),
        ("PrediXcan baseline (sage-mpi baseline predixcan)", [
            key("predixcan_out", .path, .string("predixcan"), "output directory"),
            key("predixcan_window", .int, .int(0), "features from variants within +-window/2 of pos (0 = input_len, as SAGE-net)").allowing(.range(0, 100_000_000)),
            key("predixcan_maf_min", .double, .double(0.01), "keep ALT alleles with frequency among training individuals > this").allowing(.range(-1, 1)),
            key("predixcan_maf_max", .double, .double(2), "... and < this (2 = no upper bound, as SAGE-net)").allowing(.range(0, 2)),
            key("predixcan_true_maf", .bool, .bool(false), "filter on min(AF, 1 - AF) instead of SAGE-net's ALT frequency"),
            key("predixcan_missing", .string, .string("zero"), "a missing allele counts zero (SAGE-net) or mean (ALT frequency)").allowing(.oneOf(["zero", "mean"])),
            key("predixcan_cv", .string, .string("predefined"), "predefined (validation individuals as the one fold, SAGE-net) or kfold:K over training individuals"),
            key("predixcan_l1_ratio", .double, .double(0.5), "elastic net mixing: 1 = lasso").allowing(.range(0, 1)),
            key("predixcan_n_alphas", .int, .int(100), "penalties on the path").allowing(.range(1, 1_000_000)),
            key("predixcan_eps", .double, .double(1e-3), "smallest / largest penalty").allowing(.range(0, 1, openBelow: true)),
            key("predixcan_tol", .double, .double(1e-4), "coordinate descent tolerance (duality gap / ||y||²)").allowing(.range(0, 1, openBelow: true)),
            key("predixcan_max_iter", .int, .int(1000), "coordinate descent sweeps per penalty").allowing(.range(1, countLimit)),
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
        key("block_type", .string, .string("conv"), "the last residual block: a conv block, or SAGE-net's transformer block (nhead = int_layers_kernel_size, which must divide int_layers_kernel_number)").allowing(.oneOf(["conv", "transformer"])),
            ]

    /// SAGE-net's r-SAGE-net trainer (train_rsagenet.py: EarlyStopping on val_pearson, patience 10, max_epochs 100)
    /// where it differs from the p-SAGE-net defaults above: used for a key left unset when model = "rsagenet".
    public static let rsagenetDefaults: [String: ConfigValue] = ["patience": .int(10), "max_epochs": .int(100), "monitor": .string("val_mean_pearson")]

    /// SAGE-net's own spellings of keys and values we name otherwise, read as ours (the resolved file notes it).
    public static let aliases: [String: String] = [
        "maf_threshold": "maf_min", "rand_genes": "rand_regions", "gene_idx_start": "region_idx_start",
        "top_genes_to_consider": "top_regions_to_consider", "num_genes": "num_regions",
        "num_top_train_genes": "num_top_train_regions", "num_top_val_genes": "num_top_val_regions",
    ]
    public static let valueAliases: [String: [String: String]] = ["scheduler": ["cycle": "cyclic"]]

    public static let all: [ConfigKey] = groups.flatMap(\.keys)
    public static let byName: [String: ConfigKey] = Dictionary(uniqueKeysWithValues: all.map { ($0.name, $0) })
}
