import Foundation

/// A map from data values to pixels along one axis, with its ticks: linear with "nice" ticks (1, 2, 2.5 or 5
/// times a power of ten), or logarithmic with ticks at powers of ten (and 2 and 5 times them when the span is
/// short). Pixels may run either way (`range` 400 -> 20 for a y axis, whose origin is at the top).
public struct Scale {
    public enum Kind: Sendable { case linear, log }
    public let kind: Kind
    public let domain: (lo: Double, hi: Double)
    public let range: (from: Double, to: Double)
    public let ticks: [Double]

    /// A linear scale over the values' extent widened to nice ticks; `including` values are kept in view (e.g. 0
    /// for a correlation, or the other axis' extent for an identity line).
    public static func linear(_ values: [Double], including: [Double] = [], range: (Double, Double), tickCount: Int = 5) -> Scale {
        let finite = (values + including).filter(\.isFinite)
        var lo = finite.min() ?? 0, hi = finite.max() ?? 1
        if lo == hi { lo -= lo == 0 ? 1 : abs(lo) * 0.1; hi += hi == 0 ? 1 : abs(hi) * 0.1 }
        let step = niceStep((hi - lo) / Double(max(tickCount, 1)))
        let first = (lo / step).rounded(.down) * step, last = (hi / step).rounded(.up) * step
        var ticks: [Double] = []
        var t = first
        while t <= last + step * 1e-9 && ticks.count < 50 { ticks.append(abs(t) < step * 1e-9 ? 0 : t); t = first + Double(ticks.count) * step }
        return Scale(kind: .linear, domain: (first, last), range: range, ticks: ticks)
    }

    /// A log10 scale over the positive values (nil when there are none).
    public static func log(_ values: [Double], range: (Double, Double)) -> Scale? {
        let positive = values.filter { $0.isFinite && $0 > 0 }
        guard let mn = positive.min(), let mx = positive.max() else { return nil }
        let lo = Foundation.floor(log10(mn)), hi = Swift.max(Foundation.ceil(log10(mx)), lo + 1)
        var ticks: [Double] = []
        for e in stride(from: lo, through: hi, by: 1) {
            let decade = pow(10, e)
            ticks.append(decade)
            if hi - lo <= 2 && e < hi { ticks += [2 * decade, 5 * decade] }
        }
        return Scale(kind: .log, domain: (pow(10, lo), pow(10, hi)), range: range, ticks: ticks.sorted())
    }

    /// The pixel of a value (values outside the domain map outside the range; non-positive ones on a log
    /// scale to its low end).
    public func callAsFunction(_ x: Double) -> Double {
        let t: Double
        switch kind {
        case .linear: t = (x - domain.lo) / (domain.hi - domain.lo)
        case .log: t = (log10(Swift.max(x, domain.lo)) - log10(domain.lo)) / (log10(domain.hi) - log10(domain.lo))
        }
        return range.from + t * (range.to - range.from)
    }

    /// A tick's label: as few decimals as the tick step needs, or powers of ten in scientific notation.
    public func label(_ x: Double) -> String {
        if kind == .log { return formatScientific(x) }
        let step = ticks.count > 1 ? ticks[1] - ticks[0] : 1
        let largest = Swift.max(abs(domain.lo), abs(domain.hi))
        if largest >= 1e5 || (largest < 1e-2 && largest > 0) { return formatScientific(x) }
        // As many decimals as the step has (0.25 needs two, 0.2 one, 50 none).
        let decimals = (0...10).first { d in let s = step * pow(10, Double(d)); return abs(s - s.rounded()) < 1e-6 * Swift.max(1, s) } ?? 10
        return String(format: "%.\(decimals)f", x)
    }
}

/// 1, 2, 2.5 or 5 times a power of ten, the smallest at least `raw`.
func niceStep(_ raw: Double) -> Double {
    guard raw.isFinite, raw > 0 else { return 1 }
    let power = pow(10, floor(log10(raw)))
    for m in [1, 2, 2.5, 5, 10] as [Double] where m * power >= raw * (1 - 1e-12) { return m * power }
    return 10 * power
}

/// "1e-4", "2.5e-3", "3e5": mantissa with at most two significant decimals.
func formatScientific(_ x: Double) -> String {
    guard x != 0, x.isFinite else { return "0" }
    let e = Int(floor(log10(abs(x))))
    var m = String(format: "%.2f", x / pow(10, Double(e)))
    while m.hasSuffix("0") { m.removeLast() }
    if m.hasSuffix(".") { m.removeLast() }
    return e == 0 ? m : "\(m)e\(e)"
}

/// A number for a label: three decimals, or scientific when tiny or huge ("NaN" for NaN).
public func formatValue(_ x: Double, decimals: Int = 3) -> String {
    guard x.isFinite else { return "NaN" }
    if x != 0 && (abs(x) < 1e-3 || abs(x) >= 1e6) { return formatScientific(x) }
    return String(format: "%.\(decimals)f", x)
}
