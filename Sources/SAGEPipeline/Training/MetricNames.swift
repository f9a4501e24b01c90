import SAGEEngine

/// The names validation metrics have in metrics.jsonl, `monitor`, `select-checkpoint` and the report: one scheme for
/// both models, `<regions>_<metric>`, the prefix naming the regions validated on:
///
/// - `train_`: the training regions, `val_`: the validation regions, `test_` (validate_test): the test regions;
/// - p-SAGE-net on the validation individuals' personal sequences (the test individuals' for `test_`; SAGE-net's
///   `train_region_val_sub`, `val_region_val_sub`, `test_region_test_sub`), r-SAGE-net on the regions' reference
///   sequence (one sequence per region, so it has no per-region Pearson across individuals and no difference loss).
///
/// Metrics: loss (lam_ref x loss_ref + lam_diff x loss_diff), loss_ref, loss_diff, region_pearson_median (per
/// region, Pearson across individuals of the difference head and y1), individual_pearson_median (per individual,
/// across regions, of the predicted and observed expression), mean_pearson (the mean head against y0 across regions).
/// Runs written before this scheme named p-SAGE-net's training regions `tv_` (training regions x validation
/// individuals); those names are read as `train_` wherever runs are read.
public enum MetricNames {
    /// The prefixes validation logs, in order (test_ with validate_test).
    public static func prefixes(test: Bool = false) -> [String] { ["train_", "val_"] + (test ? ["test_"] : []) }

    /// Every metric a model's validation logs (and may be monitored).
    public static func validation(_ model: SAGEConfig.Kind, test: Bool = false) -> [String] {
        let names = model == .psagenet
            ? ["loss", "loss_ref", "loss_diff", "region_pearson_median", "individual_pearson_median", "mean_pearson"]
            : ["loss", "loss_ref", "individual_pearson_median", "mean_pearson"]
        return prefixes(test: test).flatMap { p in names.map { p + $0 } }
    }

    /// `monitor` when unset: p-SAGE-net the training regions' median per-region Pearson (how well individuals are
    /// ranked within a gene, SAGE-net's main metric, on the regions with most data); r-SAGE-net the validation
    /// regions' Pearson of the mean (SAGE-net's val_pearson, which train_rsagenet.py early-stops on).
    public static func defaultMonitor(_ model: SAGEConfig.Kind) -> String {
        model == .psagenet ? "train_region_pearson_median" : "val_mean_pearson"
    }

    /// The prefix runs used before this scheme for p-SAGE-net's training regions.
    static let oldTrainingPrefix = "tv_"

    /// The old names of the metrics `monitor` may name, and their names now (tv_loss: train_loss, ...).
    public static let aliases: [String: String] = Dictionary(uniqueKeysWithValues:
        validation(.psagenet).filter { $0.hasPrefix("train_") }.map { (oldTrainingPrefix + $0.dropFirst("train_".count), $0) })

    /// The monitor an r-SAGE-net run's config.toml named before this scheme: p-SAGE-net's default, which r-SAGE-net
    /// never logged and replaced by val_mean_pearson when training.
    static let oldDefaultMonitor = "tv_region_pearson_median"

    /// A logged or requested metric name under this scheme (an old tv_ name read as train_).
    public static func current(_ name: String) -> String {
        name.hasPrefix(oldTrainingPrefix) ? "train_" + name.dropFirst(oldTrainingPrefix.count) : name
    }

    /// One metrics.jsonl entry with its old names read as the current ones (a current name already there wins).
    public static func current<V>(_ entry: [String: V]) -> [String: V] {
        var out: [String: V] = [:]
        for (name, value) in entry where !name.hasPrefix(oldTrainingPrefix) { out[name] = value }
        for (name, value) in entry where name.hasPrefix(oldTrainingPrefix) && out[current(name)] == nil { out[current(name)] = value }
        return out
    }
}
