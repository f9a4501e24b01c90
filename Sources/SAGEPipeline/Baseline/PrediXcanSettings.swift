import SAGEEngine
import SAGEGenome

/// How PrediXcan chooses the penalty of each region's elastic net.
public enum PenaltySelection: Sendable, Equatable, CustomStringConvertible {
    /// The validation individuals are the one held-out fold; the training individuals are always fit (SAGE-net).
    case predefined
    /// K folds over the training individuals (a seeded shuffle, then contiguous folds, as PredictDB's CV).
    case kfold(Int)

    public init(parsing text: String) throws {
        if text == "predefined" { self = .predefined; return }
        if text.hasPrefix("kfold:"), let k = Int(text.dropFirst(6)), k >= 2 { self = .kfold(k); return }
        throw ConfigError("predixcan_cv '\(text)': use predefined or kfold:K with K >= 2 (e.g. kfold:10)")
    }

    public var description: String {
        switch self {
        case .predefined: "predefined"
        case .kfold(let k): "kfold:\(k)"
        }
    }
}

/// Everything `sage-mpi baseline predixcan` reads from the configuration (keys predixcan_*).
public struct PrediXcanSettings: Sendable {
    public var window: Int
    public var filter: FrequencyFilter
    public var missing: MissingDosage
    public var selection: PenaltySelection
    public var net: ElasticNetSettings
    public var seed: UInt64

    public init(config: RunConfig) throws {
        let w = config.int("predixcan_window")
        window = w > 0 ? w : config.int("input_len")
        guard window >= 2 else { throw ConfigError("predixcan_window must be at least 2 bases, got \(window)") }
        filter = FrequencyFilter(mafMin: config.double("predixcan_maf_min"), mafMax: config.double("predixcan_maf_max"),
                                 trueMAF: config.bool("predixcan_true_maf"))
        let missingText = config.string("predixcan_missing") ?? "zero"
        guard let m = MissingDosage(rawValue: missingText) else { throw ConfigError("predixcan_missing '\(missingText)': use zero or mean") }
        missing = m
        selection = try PenaltySelection(parsing: config.string("predixcan_cv") ?? "predefined")
        net = ElasticNetSettings()
        net.l1Ratio = config.double("predixcan_l1_ratio")
        net.alphaCount = config.int("predixcan_n_alphas")
        net.eps = config.double("predixcan_eps")
        net.tol = config.double("predixcan_tol")
        net.maxIter = config.int("predixcan_max_iter")
        guard net.l1Ratio > 0 && net.l1Ratio <= 1 else { throw ConfigError("predixcan_l1_ratio must be in (0, 1], got \(net.l1Ratio)") }
        guard net.alphaCount >= 1, net.maxIter >= 1 else { throw ConfigError("predixcan_n_alphas and predixcan_max_iter must be at least 1") }
        guard net.eps > 0 && net.eps < 1, net.tol > 0 else { throw ConfigError("predixcan_eps must be in (0, 1) and predixcan_tol positive") }
        seed = UInt64(config.int("seed"))
    }
}
