import Foundation

/// Least squares by Householder QR, in Float64: A (n, q) = Q R with Q's first q columns Q1 (n, q) and R (q, q)
/// upper triangular, for n >= q and full column rank. The coefficients of y (n) are R^-1 Q1^T y, the fit that
/// statsmodels' OLS and scikit-learn's LinearRegression give for a full-rank A (LAPACK is not used: SAGEGenome
/// links no BLAS, and at covariate sizes, q in the tens, the QR costs nothing beside the data).
struct LeastSquares {
    let rows: Int, cols: Int
    /// Q1 transposed, (q, n) row-major: row j is the j-th orthonormal column.
    private(set) var qT: [Double]
    /// R (q, q) row-major, upper triangular with a non-zero diagonal.
    private(set) var r: [Double]

    /// A column that lies (numerically) in the span of the columns before it: its residual after projecting it on
    /// them is at most `rankTolerance` of its norm.
    struct DependentColumn: Error { let column: Int }
    static let rankTolerance = 1e-9

    /// Factors `a` (n, q) row-major. Throws `DependentColumn` for the first column (in order) that the columns
    /// before it explain, including a column of zeros.
    init(_ a: [Double], rows n: Int, cols q: Int) throws(DependentColumn) {
        precondition(a.count == n * q && n >= q)
        rows = n; cols = q
        // Column-major working copy: each Householder step works down one column.
        var w = [Double](repeating: 0, count: n * q)
        for i in 0..<n { for j in 0..<q { w[j * n + i] = a[i * q + j] } }
        var reflectors = [[Double]]()  // v_j (length n - j), H_j = I - 2 v v^T / (v^T v)
        r = [Double](repeating: 0, count: q * q)
        for j in 0..<q {
            let norm = (0..<n).reduce(0.0) { $0 + w[j * n + $1] * w[j * n + $1] }.squareRoot()
            // Apply the earlier reflectors to column j (done lazily, column by column).
            for (k, v) in reflectors.enumerated() { Self.reflect(&w, offset: j * n + k, v) }
            var x = Array(w[(j * n + j)..<(j * n + n)])
            let alpha = x.reduce(0.0) { $0 + $1 * $1 }.squareRoot()
            for k in 0..<j { r[k * q + j] = w[j * n + k] }
            guard alpha > Self.rankTolerance * norm, norm > 0 else { throw DependentColumn(column: j) }
            let rjj = x[0] > 0 ? -alpha : alpha  // the sign that avoids cancellation in v_0
            x[0] -= rjj
            r[j * q + j] = rjj
            reflectors.append(x)
            for k in j..<n { w[j * n + k] = k == j ? rjj : 0 }
        }
        // Q1 = H_0 H_1 ... H_{q-1} [I_q; 0], built column by column.
        qT = [Double](repeating: 0, count: q * n)
        for j in 0..<q {
            var e = [Double](repeating: 0, count: n)
            e[j] = 1
            for k in stride(from: q - 1, through: 0, by: -1) { Self.reflect(&e, offset: k, reflectors[k]) }
            qT.replaceSubrange((j * n)..<(j * n + n), with: e)
        }
    }

    /// x[offset...] -= 2 v (v . x[offset...]) / (v . v).
    private static func reflect(_ x: inout [Double], offset: Int, _ v: [Double]) {
        var vv = 0.0, vx = 0.0
        for i in 0..<v.count { vv += v[i] * v[i]; vx += v[i] * x[offset + i] }
        guard vv > 0 else { return }
        let s = 2 * vx / vv
        for i in 0..<v.count { x[offset + i] -= s * v[i] }
    }

    /// Q1^T y (q): y's coordinates in the orthonormal basis of A's columns.
    func projection(_ y: UnsafeBufferPointer<Double>) -> [Double] {
        precondition(y.count == rows)
        return qT.withUnsafeBufferPointer { q in
            (0..<cols).map { j in
                var s = 0.0
                let row = q.baseAddress! + j * rows
                for i in 0..<rows { s += row[i] * y[i] }
                return s
            }
        }
    }

    /// The coefficients (q) minimising |A b - y|: R^-1 Q1^T y by back substitution.
    func coefficients(_ y: UnsafeBufferPointer<Double>) -> [Double] {
        var b = projection(y)
        for j in stride(from: cols - 1, through: 0, by: -1) {
            var s = b[j]
            for k in (j + 1)..<cols { s -= r[j * cols + k] * b[k] }
            b[j] = s / r[j * cols + j]
        }
        return b
    }

    func coefficients(_ y: [Double]) -> [Double] { y.withUnsafeBufferPointer { coefficients($0) } }

    /// statsmodels' `OLS(y, A).fit().rsquared` when A has no intercept column: the uncentred R^2,
    /// 1 - |y - A b|^2 / |y|^2 = |Q1^T y|^2 / |y|^2 (0 for y = 0).
    func uncentredR2(_ y: [Double]) -> Double {
        let total = y.reduce(0.0) { $0 + $1 * $1 }
        guard total > 0 else { return 0 }
        let c = y.withUnsafeBufferPointer { projection($0) }
        return c.reduce(0.0) { $0 + $1 * $1 } / total
    }
}
