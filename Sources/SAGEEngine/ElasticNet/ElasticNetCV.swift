import Foundation

/// A dense design matrix: `rows` x `cols`, column-major (values[j * rows + i] = row i, feature j), and a target.
public struct RegressionData: Sendable {
    public let rows: Int, cols: Int
    public let x: [Double], y: [Double]
    public init(rows: Int, cols: Int, x: [Double], y: [Double]) {
        precondition(x.count == rows * cols && y.count == rows, "RegressionData: x must be rows x cols and y rows long")
        self.rows = rows; self.cols = cols; self.x = x; self.y = y
    }
}

/// What `elasticNetCV` chose and refit.
public struct ElasticNetFit: Sendable {
    /// The penalty path, largest first, and the mean over folds of each penalty's held-out MSE.
    public let alphas: [Double], meanMSE: [Double]
    public let bestIndex: Int
    public var alpha: Double { alphas[bestIndex] }
    /// The refit model: prediction = intercept + x·weights.
    public let weights: [Double], intercept: Double
    /// Penalty solves that stopped at maxIter without reaching the tolerance (scikit-learn's ConvergenceWarning).
    public let unconverged: Int
}

/// scikit-learn's penalty grid (`_alpha_grid`): alpha_max = max|Xcᵀyc| / (n·l1Ratio), the smallest penalty giving
/// w = 0, then `alphaCount` values geometrically down to eps·alpha_max; all 1e-15 (numpy's float64 resolution)
/// when alpha_max is not above it (no feature varies or y is constant).
public func elasticNetAlphaGrid(_ data: RegressionData, rows: [Int], settings s: ElasticNetSettings) -> [Double] {
    // scikit-learn's Xᵀyc - mean(X)·Σyc per column, without a centred copy of X.
    let n = Double(rows.count)
    let yMean = rows.reduce(0.0) { $0 + data.y[$1] } / n
    let yc = rows.map { data.y[$0] - yMean }, ycSum = yc.reduce(0, +)
    var largest = 0.0
    for j in 0..<data.cols {
        let column = j * data.rows
        var dot = 0.0, sum = 0.0
        for (k, i) in rows.enumerated() { dot += data.x[column + i] * yc[k]; sum += data.x[column + i] }
        largest = max(largest, abs(dot - sum / n * ycSum))
    }
    let alphaMax = largest / (n * s.l1Ratio)
    let resolution = 1e-15
    guard alphaMax > resolution else { return [Double](repeating: resolution, count: s.alphaCount) }
    guard s.alphaCount > 1 else { return [alphaMax] }
    // numpy.geomspace: 10^linspace(log10(start), log10(stop)) with both ends set exactly.
    let start = log10(alphaMax), stop = log10(alphaMax * s.eps), step = (stop - start) / Double(s.alphaCount - 1)
    var alphas = (0..<s.alphaCount).map { pow(10, start + Double($0) * step) }
    alphas[0] = alphaMax; alphas[s.alphaCount - 1] = alphaMax * s.eps
    return alphas
}

/// scikit-learn's `ElasticNetCV` followed by an `ElasticNet` refit, for one target.
///
/// `folds[i]` is row i's fold (0 ..< k), or -1 for a row that is always trained on and never scored
/// (scikit-learn's `PredefinedSplit`); rows outside `folds`' domain do not exist here (pass only the rows the CV
/// sees). The grid comes from all rows; for each fold the path is fit (warm starts, largest penalty first) on the
/// rows outside it and scored by MSE on it; the penalty with the lowest mean MSE over folds wins (the first, i.e.
/// the largest, on ties); the model at that penalty is refit on `refitRows`. When `refitRows` are exactly one
/// fold's training rows (a single validation fold, SAGE-net's setup) that fold's path already holds the refit.
public func elasticNetCV(_ data: RegressionData, folds: [Int], refitRows: [Int], settings s: ElasticNetSettings) -> ElasticNetFit {
    precondition(folds.count == data.rows, "elasticNetCV: one fold id per row")
    let foldIDs = Array(Set(folds.filter { $0 >= 0 })).sorted()
    precondition(!foldIDs.isEmpty, "elasticNetCV: at least one scored fold")
    let alphas = elasticNetAlphaGrid(data, rows: Array(0..<data.rows), settings: s)
    var mse = [Double](repeating: 0, count: alphas.count)
    var unconverged = 0
    var reusable: (weights: [[Double]], intercepts: [Double])? = nil
    for f in foldIDs {
        let train = (0..<data.rows).filter { folds[$0] != f }, test = (0..<data.rows).filter { folds[$0] == f }
        let path = fitPath(data, rows: train, alphas: alphas, upTo: alphas.count - 1, settings: s)
        unconverged += path.unconverged
        for (a, fit) in path.fits.enumerated() {
            mse[a] += meanSquaredError(data, rows: test, weights: fit.weights, intercept: fit.intercept)
        }
        if train == refitRows { reusable = (path.fits.map(\.weights), path.fits.map(\.intercept)) }
    }
    mse = mse.map { $0 / Double(foldIDs.count) }
    var best = 0
    for a in alphas.indices where mse[a] < mse[best] { best = a }
    if let reusable {
        return ElasticNetFit(alphas: alphas, meanMSE: mse, bestIndex: best, weights: reusable.weights[best],
                             intercept: reusable.intercepts[best], unconverged: unconverged)
    }
    let refit = fitPath(data, rows: refitRows, alphas: alphas, upTo: best, settings: s)
    return ElasticNetFit(alphas: alphas, meanMSE: mse, bestIndex: best, weights: refit.fits.last!.weights,
                         intercept: refit.fits.last!.intercept, unconverged: unconverged + refit.unconverged)
}

/// Weights and intercept after each of alphas[0...upTo], fit on `rows` with warm starts down the path.
func fitPath(_ data: RegressionData, rows: [Int], alphas: [Double], upTo: Int, settings s: ElasticNetSettings) -> (fits: [(weights: [Double], intercept: Double)], unconverged: Int) {
    let problem = data.x.withUnsafeBufferPointer { x in
        data.y.withUnsafeBufferPointer { y in
            CenteredProblem(x: x.baseAddress!, xRows: data.rows, cols: data.cols, y: y.baseAddress!, rows: rows)
        }
    }
    let solver = ElasticNetSolver(problem)
    var fits: [(weights: [Double], intercept: Double)] = [], unconverged = 0
    for a in 0...upTo {
        if !solver.solve(alpha: alphas[a], s) { unconverged += 1 }
        fits.append((solver.w, solver.intercept))
    }
    return (fits, unconverged)
}

/// Mean over `rows` of (intercept + x·weights - y)², using the non-zero weights only.
func meanSquaredError(_ data: RegressionData, rows: [Int], weights: [Double], intercept: Double) -> Double {
    guard !rows.isEmpty else { return 0 }
    let active = weights.indices.filter { weights[$0] != 0 }
    var total = 0.0
    for i in rows {
        var prediction = intercept
        for j in active { prediction += data.x[j * data.rows + i] * weights[j] }
        let r = prediction - data.y[i]
        total += r * r
    }
    return total / Double(rows.count)
}
