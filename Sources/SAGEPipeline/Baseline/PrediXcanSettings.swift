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

/// Everything `sage-mpi baseline predixcan` reads from the configuration (keys predixcan_*): `RunConfig.predixcan`.
public struct PrediXcanSettings: Sendable {
    /// The output directory (predixcan_out).
    public var out: ConfiguredPath
    public var window: Int
    public var filter: FrequencyFilter
    public var missing: MissingDosage
    public var selection: PenaltySelection
    public var net: ElasticNetSettings
    public var seed: UInt64

    init(_ r: ConfigReader) throws {
        typealias K = ConfigKeys
        out = r.path(K.predixcanOut)
        let w = r[K.predixcanWindow]
        window = w > 0 ? w : r[K.inputLen]
        guard window >= 2 else { throw ConfigError("\(r.origin(K.predixcanWindow)): predixcan_window must be at least 2 bases, got \(window)") }
        filter = FrequencyFilter(mafMin: r[K.predixcanMafMin], mafMax: r[K.predixcanMafMax], trueMAF: r[K.predixcanTrueMaf])
        try checkBelow(r, K.predixcanMafMin, K.predixcanMafMax)
        missing = r[K.predixcanMissing]
        do { selection = try PenaltySelection(parsing: r[K.predixcanCv]) } catch let e as ConfigError { throw ConfigError("\(r.origin(K.predixcanCv)): \(e.description)") }
        net = ElasticNetSettings()
        net.l1Ratio = r[K.predixcanL1Ratio]
        net.alphaCount = r[K.predixcanNAlphas]
        net.eps = r[K.predixcanEps]
        net.tol = r[K.predixcanTol]
        net.maxIter = r[K.predixcanMaxIter]
        guard net.l1Ratio > 0 && net.l1Ratio <= 1 else { throw ConfigError("\(r.origin(K.predixcanL1Ratio)): predixcan_l1_ratio must be in (0, 1], got \(net.l1Ratio)") }
        guard net.eps < 1 else { throw ConfigError("\(r.origin(K.predixcanEps)): predixcan_eps must be in (0, 1), got \(net.eps)") }
        seed = UInt64(r[K.seed])
    }
}
