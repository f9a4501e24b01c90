import Foundation
import SAGEEngine
import SAGEPipeline

/// Summary statistics the report draws and prints (finite values only; NaN when none).
public struct Summary: Sendable {
    public let n: Int, nonFinite: Int
    public let min: Double, q1: Double, median: Double, q3: Double, max: Double, mean: Double

    public init(_ values: [Double]) {
        let v = values.filter(\.isFinite).sorted()
        n = v.count; nonFinite = values.count - v.count
        min = v.first ?? .nan; max = v.last ?? .nan
        // The median as evaluate's summary.json has it (the mean of the middle two), quartiles as numpy's.
        q1 = quantile(sorted: v, 0.25); median = SAGEEngine.median(v); q3 = quantile(sorted: v, 0.75)
        mean = v.isEmpty ? .nan : v.reduce(0, +) / Double(v.count)
    }
}

/// The p-quantile of sorted values, linear between order statistics (numpy's default); NaN when empty.
public func quantile(sorted v: [Double], _ p: Double) -> Double {
    guard !v.isEmpty else { return .nan }
    let h = Double(v.count - 1) * p, i = Int(h.rounded(.down)), f = h - Double(i)
    return i + 1 < v.count ? v[i] + (v[i + 1] - v[i]) * f : v[i]
}

/// Spearman's rank correlation: Pearson of the ranks, ties given their mean rank (scipy.stats.spearmanr).
public func spearman(_ x: [Double], _ y: [Double]) -> Double {
    guard x.count == y.count, x.count >= 2 else { return .nan }
    return pearson(ranks(x), ranks(y))
}

/// 1-based ranks, tied values sharing their mean rank.
func ranks(_ v: [Double]) -> [Double] {
    let order = v.indices.sorted { v[$0] < v[$1] }
    var r = [Double](repeating: 0, count: v.count)
    var k = 0
    while k < order.count {
        var e = k
        while e + 1 < order.count && v[order[e + 1]] == v[order[k]] { e += 1 }
        let mean = Double(k + e) / 2 + 1
        for j in k...e { r[order[j]] = mean }
        k = e + 1
    }
    return r
}

/// A Gaussian kernel density of finite values at `points` positions spanning their range (Scott's bandwidth,
/// as scipy's gaussian_kde and seaborn's violins), cut at the data's extremes; values relative to the peak (0...1).
public func kernelDensity(_ values: [Double], points: Int = 64) -> [(x: Double, density: Double)] {
    let v = values.filter(\.isFinite)
    guard v.count >= 2, let lo = v.min(), let hi = v.max(), hi > lo else { return [] }
    let mean = v.reduce(0, +) / Double(v.count)
    let sd = (v.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(v.count - 1)).squareRoot()
    let bandwidth = max(sd, (hi - lo) / 100) * pow(Double(v.count), -0.2)
    var out: [(x: Double, density: Double)] = []
    for k in 0..<points {
        let x = lo + (hi - lo) * Double(k) / Double(points - 1)
        let d = v.reduce(0) { s, u in let z = (x - u) / bandwidth; return s + exp(-0.5 * z * z) }
        out.append((x, d))
    }
    let peak = out.map(\.density).max() ?? 1
    return out.map { ($0.x, $0.density / peak) }
}

/// Each point's density among the points (2-D Gaussian kernel, Scott's bandwidth per axis), relative to the
/// densest, from at most `sample` points (a fixed, evenly spaced subsample, as SAGE-net's 3,500 for its KDE).
public func pointDensities(x: [Double], y: [Double], sample: Int = 3500) -> [Double] {
    let n = x.count
    guard n >= 3 else { return [Double](repeating: 1, count: n) }
    let step = max(1, n / sample)
    let reference = Swift.stride(from: 0, to: n, by: step).map { (x[$0], y[$0]) }
    func bandwidth(_ v: [Double]) -> Double {
        let m = v.reduce(0, +) / Double(v.count)
        let sd = (v.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(v.count - 1)).squareRoot()
        return max(sd, 1e-6) * pow(Double(v.count), -1.0 / 6)
    }
    let bx = bandwidth(reference.map(\.0)), by = bandwidth(reference.map(\.1))
    let d = (0..<n).map { i in
        reference.reduce(0.0) { s, p in
            let zx = (x[i] - p.0) / bx, zy = (y[i] - p.1) / by
            return s + exp(-0.5 * (zx * zx + zy * zy))
        }
    }
    let peak = d.max() ?? 1
    return d.map { peak > 0 ? $0 / peak : 1 }
}
