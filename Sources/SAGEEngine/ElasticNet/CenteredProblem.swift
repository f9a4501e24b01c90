/// A least-squares problem on a subset of rows, centred as scikit-learn centres it for an intercept (no scaling):
/// Xc = X[rows] - column means, yc = y[rows] - mean. Holds what coordinate descent in covariance form needs:
/// Xcᵀyc, the squared column norms, ||yc||², and the Gram columns Xcᵀ Xc[:, j] of the features that have entered
/// the model, each computed (one GEMV) when its feature first does. PrediXcan's paths touch few of the features
/// (~20 of ~400 at 40 kb), so this costs a few percent of the whole Gram matrix.
///
/// Layout: `x` column-major, `xRows` x `cols` (x[j * xRows + i] = row i, feature j); `rows` indexes into it.
final class CenteredProblem {
    let n: Int, p: Int
    let xMean: [Double], yMean: Double
    let xty: [Double], norm2: [Double], yy: Double
    private let xc: UnsafeMutablePointer<Double>    // n x p column-major
    private var gram: UnsafeMutablePointer<Double>  // `capacity` columns of p, in the order features entered
    private var slot: [Int]                         // feature -> column of `gram`, -1 = not yet computed
    private var used = 0, capacity: Int

    init(x: UnsafePointer<Double>, xRows: Int, cols: Int, y: UnsafePointer<Double>, rows: [Int]) {
        let n = rows.count, p = cols
        self.n = n; self.p = p
        var ySum = 0.0
        for i in rows { ySum += y[i] }
        yMean = n > 0 ? ySum / Double(n) : 0
        var yc = [Double](repeating: 0, count: n), yy = 0.0
        for (k, i) in rows.enumerated() { yc[k] = y[i] - yMean; yy += yc[k] * yc[k] }
        self.yy = yy
        let xc = UnsafeMutablePointer<Double>.allocate(capacity: max(1, n * p))
        self.xc = xc
        var xMean = [Double](repeating: 0, count: p), norm2 = xMean
        for j in 0..<p {
            let column = x + j * xRows, out = xc + j * n
            var sum = 0.0
            for i in rows { sum += column[i] }
            let mean = n > 0 ? sum / Double(n) : 0
            var ss = 0.0
            for (k, i) in rows.enumerated() { let v = column[i] - mean; out[k] = v; ss += v * v }
            xMean[j] = mean; norm2[j] = ss
        }
        self.xMean = xMean; self.norm2 = norm2
        var xty = [Double](repeating: 0, count: p)
        if n > 0 && p > 0 { yc.withUnsafeBufferPointer { dgemv(transpose: true, m: n, n: p, a: xc, lda: n, x: $0.baseAddress!, y: &xty) } }
        self.xty = xty
        capacity = min(16, max(1, p))
        gram = .allocate(capacity: capacity * max(1, p))
        slot = [Int](repeating: -1, count: p)
    }

    deinit {
        xc.deallocate()
        gram.deallocate()
    }

    /// Xcᵀ Xc[:, j] (length p). Valid until the next call that computes a new column.
    func gramColumn(_ j: Int) -> UnsafePointer<Double> {
        if slot[j] < 0 {
            if used == capacity {
                let grown = UnsafeMutablePointer<Double>.allocate(capacity: 2 * capacity * p)
                grown.update(from: gram, count: used * p)
                gram.deallocate()
                gram = grown; capacity *= 2
            }
            dgemv(transpose: true, m: n, n: p, a: xc, lda: n, x: xc + j * n, y: gram + used * p)
            slot[j] = used; used += 1
        }
        return UnsafePointer(gram + slot[j] * p)
    }
}
