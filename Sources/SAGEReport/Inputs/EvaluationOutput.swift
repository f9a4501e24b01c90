import Foundation
import SAGEEngine
import SAGEPipeline

/// An evaluation directory as `sage-mpi evaluate` writes it (see `Evaluation`): summary.json (checkpoint,
/// model, regions and individuals as given, counts, medians, seconds), region_correlations.csv (region_id, chr,
/// pearson: per region, across individuals) and individual_correlations.csv (individual, pearson: per
/// individual, across regions).
public struct EvaluationOutput {
    public let path: String
    public let summary: [String: Any]
    /// psagenet or rsagenet.
    public let model: String
    /// The region and individual selections as given to evaluate: train, val, test, all, or a file's path.
    public let regions: String, individuals: String
    public let regionPearson: [(id: String, value: Double)]
    public let regionChromosome: [String: String]
    public let individualPearson: [(id: String, value: Double)]

    public var name: String { (path as NSString).lastPathComponent }

    public init(path: String) throws {
        self.path = path
        func file(_ name: String) -> String { (path as NSString).appendingPathComponent(name) }
        summary = FileManager.default.fileExists(atPath: file("summary.json")) ? try readJSONObject(file("summary.json")) : [:]
        model = summary["model"] as? String ?? "psagenet"
        regions = summary["regions"] as? String ?? "?"
        individuals = summary["individuals"] as? String ?? "?"
        let r = try CSVTable(path: file("region_correlations.csv"))
        let ids = try r.strings("region_id")
        regionPearson = Array(zip(ids, try r.numbers("pearson"))).map { (id: $0.0, value: $0.1) }
        regionChromosome = (try? r.strings("chr")).map { Dictionary(zip(ids, $0)) { a, _ in a } } ?? [:]
        if FileManager.default.fileExists(atPath: file("individual_correlations.csv")) {
            let i = try CSVTable(path: file("individual_correlations.csv"))
            individualPearson = Array(zip(try i.strings("individual"), try i.numbers("pearson"))).map { (id: $0.0, value: $0.1) }
        } else {
            individualPearson = []
        }
    }
}

/// A PrediXcan directory as `sage-mpi baseline predixcan` writes it (see `PrediXcanRun`): summary.csv
/// (region_id, train_pearson, val_pearson, test_pearson, n_features, n_nonzero, alpha, status, ...),
/// summary.json (settings, individuals per split, ranks, seconds) and, when run with --causal, causal.csv
/// (region_id, n_causal, n_causal_features, top_is_causal, causal_weight_share).
public struct PrediXcanOutput {
    public let path: String
    public let summary: [String: Any]
    public let regionIDs: [String]
    /// Per region: Pearson across each split's individuals of the prediction and the target.
    public let trainPearson: [Double], valPearson: [Double], testPearson: [Double]
    public let nonzeroWeights: [Double]
    public let causal: CausalReport?

    /// Per region, whether the planted (or known) causal variants carry the weight.
    public struct CausalReport {
        public let regionIDs: [String]
        public let nCausal: [Double], nCausalFeatures: [Double]
        /// 1 or 0; NaN when not scored (no causal variant or no non-zero weight).
        public let topIsCausal: [Double]
        public let causalWeightShare: [Double]
    }

    public var name: String { (path as NSString).lastPathComponent }

    public init(path: String) throws {
        self.path = path
        func file(_ name: String) -> String { (path as NSString).appendingPathComponent(name) }
        summary = FileManager.default.fileExists(atPath: file("summary.json")) ? try readJSONObject(file("summary.json")) : [:]
        let s = try CSVTable(path: file("summary.csv"))
        regionIDs = try s.strings("region_id")
        trainPearson = try s.numbers("train_pearson"); valPearson = try s.numbers("val_pearson"); testPearson = try s.numbers("test_pearson")
        nonzeroWeights = try s.numbers("n_nonzero")
        if FileManager.default.fileExists(atPath: file("causal.csv")) {
            let c = try CSVTable(path: file("causal.csv"))
            causal = CausalReport(regionIDs: try c.strings("region_id"), nCausal: try c.numbers("n_causal"),
                                  nCausalFeatures: try c.numbers("n_causal_features"), topIsCausal: try c.numbers("top_is_causal"),
                                  causalWeightShare: try c.numbers("causal_weight_share"))
        } else {
            causal = nil
        }
    }

    /// Test-individual r per region id.
    public var testPearsonByRegion: [String: Double] { Dictionary(zip(regionIDs, testPearson)) { a, _ in a } }
}

/// A simulated cohort as `sage-mpi simulate` writes it: sage.toml, regions.csv (region_id, chr, ...) and the
/// planted truth, truth/causal_variants.csv (region_id, pos, ref, alt, ...).
public struct CohortOutput {
    public let path: String
    public let regionCount: Int
    public let causalVariantCount: Int
    public let regionsWithCausal: Int
    public var name: String { (path as NSString).lastPathComponent }

    public init(path: String) throws {
        self.path = path
        func file(_ name: String) -> String { (path as NSString).appendingPathComponent(name) }
        regionCount = FileManager.default.fileExists(atPath: file("regions.csv")) ? try CSVTable(path: file("regions.csv")).rows.count : 0
        if FileManager.default.fileExists(atPath: file("truth/causal_variants.csv")) {
            let truth = try CSVTable(path: file("truth/causal_variants.csv"))
            let column = try (try? truth.column("region_id")) ?? truth.column("gene_id")
            causalVariantCount = truth.rows.count
            regionsWithCausal = Set(truth.rows.map { $0[column] }).count
        } else {
            causalVariantCount = 0; regionsWithCausal = 0
        }
    }
}
