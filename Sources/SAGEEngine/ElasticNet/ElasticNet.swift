/// Elastic net as scikit-learn's `ElasticNet` (fit_intercept=True, no standardisation, cyclic selection):
///
///     minimise over (w, b)   1/(2n) ||y - X w - b||² + alpha·l1Ratio·||w||₁ + alpha·(1 - l1Ratio)/2·||w||²
///
/// by coordinate descent on the centred problem in covariance form (scikit-learn's Gram variant, glmnet's
/// covariance updates): q = Xcᵀ(yc - Xc w) is kept current, so a coordinate that stays at zero costs O(1) and a
/// change costs O(p). Stopping as scikit-learn: after a sweep whose largest weight change is below tol x the
/// largest weight, the duality gap must be below tol x ||yc||²; at most `maxIter` sweeps.
public struct ElasticNetSettings: Sendable, Equatable {
    public var l1Ratio = 0.5
    /// Penalties on the path (scikit-learn's n_alphas) and the ratio of the smallest to the largest (eps).
    public var alphaCount = 100
    public var eps = 1e-3
    public var tol = 1e-4
    public var maxIter = 1000
    public init() {}
}

/// Coordinate descent on one centred problem; the weights carry over from one `solve` to the next (warm start).
final class ElasticNetSolver {
    let problem: CenteredProblem
    private(set) var w: [Double]
    private var q: [Double]

    init(_ problem: CenteredProblem) {
        self.problem = problem
        w = [Double](repeating: 0, count: problem.p)
        q = problem.xty
    }

    /// Intercept of the uncentred model: mean(y) - mean(X)·w.
    var intercept: Double {
        var b = problem.yMean
        for j in 0..<problem.p where w[j] != 0 { b -= problem.xMean[j] * w[j] }
        return b
    }

    /// Solves at `alpha` from the current weights; false if `maxIter` sweeps did not reach the tolerance.
    ///
    /// glmnet's active-set strategy on scikit-learn's sweeps: a sweep over every feature (q exact), then sweeps
    /// over the non-zero weights only (q kept for those alone: |A|² per sweep instead of |A|·p) until their
    /// largest change is below tol, then q brought up to date for every feature, and again. It ends after a full
    /// sweep that passes scikit-learn's test (largest change < tol x largest weight, then duality gap), so the
    /// answer carries the same certificate. Every sweep, full or active, counts towards `maxIter`.
    @discardableResult
    func solve(alpha: Double, _ s: ElasticNetSettings) -> Bool {
        let pr = problem, p = pr.p, n = Double(pr.n)
        guard p > 0, pr.n > 0 else { return true }
        let l1 = alpha * s.l1Ratio * n, l2 = alpha * (1 - s.l1Ratio) * n
        let gapTolerance = s.tol * pr.yy
        var sweeps = 0
        var active: [Int] = [], synced: [Double] = []
        return w.withUnsafeMutableBufferPointer { w in
            q.withUnsafeMutableBufferPointer { q in
                pr.norm2.withUnsafeBufferPointer { norm2 in
                    /// Coordinate update of feature j; returns the change. `updateAll`: q for every feature, else
                    /// only for `active`.
                    func update(_ j: Int, updateAll: Bool) -> Double {
                        let old = w[j]
                        if old == 0 && abs(q[j]) <= l1 { return 0 }  // stays at zero
                        let z = q[j] + old * norm2[j]
                        let new = z.sign == .minus ? -max(-z - l1, 0) / (norm2[j] + l2) : max(z - l1, 0) / (norm2[j] + l2)
                        guard new != old else { return 0 }
                        let g = pr.gramColumn(j), d = new - old
                        if updateAll { for k in 0..<p { q[k] -= d * g[k] } } else { for k in active { q[k] -= d * g[k] } }
                        w[j] = new
                        return d
                    }
                    while sweeps < s.maxIter {
                        var wMax = 0.0, dwMax = 0.0
                        for j in 0..<p where norm2[j] != 0 {
                            dwMax = max(dwMax, abs(update(j, updateAll: true))); wMax = max(wMax, abs(w[j]))
                        }
                        sweeps += 1
                        if wMax == 0 || dwMax / wMax < s.tol || sweeps == s.maxIter {
                            if dualityGap(w: w, q: q, l1: l1, l2: l2) < gapTolerance { return true }
                        }
                        // Sweeps over the active set, then q for every feature from the weights' net changes.
                        active = (0..<p).filter { w[$0] != 0 }
                        guard !active.isEmpty else { continue }
                        synced = active.map { w[$0] }
                        let qSynced = Array(q)
                        while sweeps < s.maxIter {
                            var wMax = 0.0, dwMax = 0.0
                            for j in active {
                                dwMax = max(dwMax, abs(update(j, updateAll: false))); wMax = max(wMax, abs(w[j]))
                            }
                            sweeps += 1
                            if wMax == 0 || dwMax / wMax < s.tol { break }
                        }
                        for k in 0..<p { q[k] = qSynced[k] }
                        for (a, j) in active.enumerated() where w[j] != synced[a] {
                            let g = pr.gramColumn(j), d = w[j] - synced[a]
                            for k in 0..<p { q[k] -= d * g[k] }
                        }
                    }
                    return false
                }
            }
        }
    }

    /// scikit-learn's duality gap (Gram form) with R = yc - Xc w: ||R||² = yy - w·xty - w·q and yc·R = yy - w·xty.
    private func dualityGap(w: UnsafeMutableBufferPointer<Double>, q: UnsafeMutableBufferPointer<Double>, l1: Double, l2: Double) -> Double {
        let pr = problem
        var wXty = 0.0, wQ = 0.0, wNorm2 = 0.0, l1Norm = 0.0, dualNorm = 0.0
        for j in 0..<pr.p {
            wXty += w[j] * pr.xty[j]; wQ += w[j] * q[j]; wNorm2 += w[j] * w[j]; l1Norm += abs(w[j])
            dualNorm = max(dualNorm, abs(q[j] - l2 * w[j]))
        }
        let rNorm2 = pr.yy - wXty - wQ, yR = pr.yy - wXty
        var gap: Double, scale = 1.0
        if dualNorm > l1 {
            scale = l1 / dualNorm
            gap = 0.5 * (rNorm2 + rNorm2 * scale * scale)
        } else {
            gap = rNorm2
        }
        gap += l1 * l1Norm - scale * yR + 0.5 * l2 * (1 + scale * scale) * wNorm2
        return gap
    }
}
