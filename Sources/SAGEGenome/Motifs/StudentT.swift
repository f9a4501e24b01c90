import Foundation

/// Student's t distribution, scipy.stats.t's `sf`, for drg_tools' correlation p-values.
public enum StudentT {
    /// P(T > t) for t >= 0 with `df` degrees of freedom: I_x(df/2, 1/2) / 2 at x = df / (df + t^2), the regularised
    /// incomplete beta function by its continued fraction (relative error ~1e-14; values below ~1e-156 are 0).
    /// NaN for a NaN t, as scipy's.
    public static func survival(_ t: Double, degreesOfFreedom df: Double) -> Double {
        guard !t.isNaN, df > 0 else { return .nan }
        if t == .infinity { return 0 }
        if t <= 0 { return t == 0 ? 0.5 : 1 - survival(-t, degreesOfFreedom: df) }
        let x = df / (df + t * t)
        return 0.5 * regularizedIncompleteBeta(a: df / 2, b: 0.5, x: x)
    }

    /// I_x(a, b) for 0 <= x <= 1 (Numerical Recipes' betai: the continued fraction on the side where it converges
    /// fast, modified Lentz).
    static func regularizedIncompleteBeta(a: Double, b: Double, x: Double) -> Double {
        if x <= 0 { return 0 }
        if x >= 1 { return 1 }
        let logFront = lgamma(a + b) - lgamma(a) - lgamma(b) + a * log(x) + b * log1p(-x)
        if x < (a + 1) / (a + b + 2) {
            // Here the fraction is O(a + b); below e^-360 (~1e-156) the value is far below anything a caller adding
            // 1e-127 can see (drg_tools' fill), and not worth its iterations: 0.
            if logFront - log(a) < -360 { return 0 }
            return exp(logFront) * continuedFraction(a: a, b: b, x: x) / a
        }
        return 1 - exp(logFront) * continuedFraction(a: b, b: a, x: 1 - x) / b
    }

    private static func continuedFraction(a: Double, b: Double, x: Double) -> Double {
        let tiny = 1e-300, epsilon = 3e-16  // a few ulps: |delta - 1| < 1e-16 would ask for delta == 1 exactly
        let qab = a + b, qap = a + 1, qam = a - 1
        var c = 1.0, d = 1 - qab * x / qap
        if abs(d) < tiny { d = tiny }
        d = 1 / d
        var h = d
        for m in 1...10_000 {
            let m = Double(m), m2 = 2 * m
            var aa = m * (b - m) * x / ((qam + m2) * (a + m2))
            d = 1 + aa * d; if abs(d) < tiny { d = tiny }
            c = 1 + aa / c; if abs(c) < tiny { c = tiny }
            d = 1 / d
            h *= d * c
            aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2))
            d = 1 + aa * d; if abs(d) < tiny { d = tiny }
            c = 1 + aa / c; if abs(c) < tiny { c = tiny }
            d = 1 / d
            let delta = d * c
            h *= delta
            if abs(delta - 1) < epsilon { break }
        }
        return h
    }
}
