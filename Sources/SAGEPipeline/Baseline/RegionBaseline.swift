import SAGEDistributed
import SAGEEngine
import SAGEGenome

/// The individuals PrediXcan fits and scores, as rows: the training individuals, then validation, then test.
public struct BaselineRows: Sendable {
    public let ids: [String]
    public let train: Range<Int>, val: Range<Int>, test: Range<Int>

    public init(cohort: Cohort) {
        ids = cohort.train + cohort.val + cohort.test
        train = 0..<cohort.train.count
        val = train.upperBound..<(train.upperBound + cohort.val.count)
        test = val.upperBound..<ids.count
    }

    public func split(of row: Int) -> String { train.contains(row) ? "train" : val.contains(row) ? "val" : "test" }

    /// The CV's rows (a prefix of the rows: train, or train + val), their folds and the refit rows.
    /// predefined: train rows always fit (-1), validation rows the one fold (0), refit on train (SAGE-net).
    /// kfold:K: the training rows in K folds after a seeded shuffle, refit on all of them.
    func crossValidation(_ selection: PenaltySelection, seed: UInt64) -> (rows: Int, folds: [Int], refit: [Int]) {
        switch selection {
        case .predefined:
            return (val.upperBound, [Int](repeating: -1, count: train.count) + [Int](repeating: 0, count: val.count), Array(train))
        case .kfold(let k):
            var order = Array(train)
            var rng = SplitMix64(seed: seed)
            order.shuffle(using: &rng)
            var folds = [Int](repeating: 0, count: train.count)
            for (f, range) in balancedRanges(count: train.count, parts: k).enumerated() { for i in range { folds[order[i]] = f } }
            return (train.count, folds, Array(train))
        }
    }
}

/// One region's PrediXcan model and what it predicts for every row.
public struct RegionBaseline {
    enum Status: String { case ok, noFeatures = "no_features", allZero = "all_zero" }
    let features: [DosageFeature]
    /// nil when the region has no feature (the prediction is then the training mean).
    let fit: ElasticNetFit?
    /// What every prediction starts from: the fit's intercept, or the training mean without features.
    let intercept: Double
    let predictions: [Double]
    /// Pearson of predictions and observations over the train, val and test rows (NaN when either is constant).
    let pearson: (train: Double, val: Double, test: Double)
    var status: Status {
        guard let fit else { return .noFeatures }
        return fit.weights.contains { $0 != 0 } ? .ok : .allZero
    }

    /// The first `rows` rows of `dosages` and `y`: what the CV sees.
    public static func crossValidationData(dosages: DosageMatrix, y: [Double], rows: Int) -> RegressionData {
        let n = dosages.rows, p = dosages.cols
        var x = [Double](repeating: 0, count: rows * p)
        for j in 0..<p { for i in 0..<rows { x[j * rows + i] = dosages.values[j * n + i] } }
        return RegressionData(rows: rows, cols: p, x: x, y: Array(y[0..<rows]))
    }

    /// Fits `dosages` (one row per `rows` individual) to `y` (the same rows), choosing the penalty by `cv`.
    init(dosages: DosageMatrix, y: [Double], rows: BaselineRows, cv: (rows: Int, folds: [Int], refit: [Int]),
         settings: ElasticNetSettings) {
        features = dosages.features
        let n = dosages.rows, p = dosages.cols
        var predictions: [Double]
        if p == 0 {
            fit = nil
            let mean = rows.train.isEmpty ? 0 : rows.train.map { y[$0] }.reduce(0, +) / Double(rows.train.count)
            intercept = mean
            predictions = [Double](repeating: mean, count: n)
        } else {
            let f = elasticNetCV(Self.crossValidationData(dosages: dosages, y: y, rows: cv.rows), folds: cv.folds,
                                 refitRows: cv.refit, settings: settings)
            intercept = f.intercept
            predictions = [Double](repeating: f.intercept, count: n)
            for j in 0..<p where f.weights[j] != 0 {
                for i in 0..<n { predictions[i] += f.weights[j] * dosages.values[j * n + i] }
            }
            fit = f
        }
        self.predictions = predictions
        let r = { (range: Range<Int>) in SAGEEngine.pearson(Array(predictions[range]), Array(y[range])) }
        pearson = (r(rows.train), r(rows.val), r(rows.test))
    }
}
