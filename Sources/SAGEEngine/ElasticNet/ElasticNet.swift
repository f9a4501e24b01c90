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
    /// Up to this many features the whole Gram matrix is computed at once (one SYRK, p² doubles); above it, one
    /// column per feature as it enters the model.
    public var fullGramLimit = 1024
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
    @discardableResult
    func solve(alpha: Double, _ s: ElasticNetSettings) -> Bool {
        let pr = problem, p = pr.p, n = Double(pr.n)
        guard p > 0, pr.n > 0 else { return true }
        let l1 = alpha * s.l1Ratio * n, l2 = alpha * (1 - s.l1Ratio) * n
        let gapTolerance = s.tol * pr.yy
        return w.withUnsafeMutableBufferPointer { w in
            q.withUnsafeMutableBufferPointer { q in
                pr.norm2.withUnsafeBufferPointer { norm2 in
                    for sweep in 0..<s.maxIter {
                        var wMax = 0.0, dwMax = 0.0
                        for j in 0..<p where norm2[j] != 0 {
                            let old = w[j]
                            let z = q[j] + old * norm2[j]
                            let new = z.sign == .minus ? -max(-z - l1, 0) / (norm2[j] + l2) : max(z - l1, 0) / (norm2[j] + l2)
                            if new != old {
                                let g = pr.gramColumn(j), d = new - old
                                for k in 0..<p { q[k] -= d * g[k] }
                                w[j] = new
                            }
                            dwMax = max(dwMax, abs(new - old)); wMax = max(wMax, abs(new))
                        }
                        if wMax == 0 || dwMax / wMax < s.tol || sweep == s.maxIter - 1 {
                            if dualityGap(w: w, q: q, l1: l1, l2: l2) < gapTolerance { return true }
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
