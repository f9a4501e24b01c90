import Foundation

/// Pearson correlation of two equal-length series (Double accumulation); NaN when either is constant or n < 2.
public func pearson<T: BinaryFloatingPoint>(_ x: [T], _ y: [T]) -> Double {
    let n = Double(x.count)
    guard x.count == y.count, x.count >= 2 else { return .nan }
    // Exactly constant series: NaN (their mean can differ from the value by rounding, which would give noise).
    if x.allSatisfy({ $0 == x[0] }) || y.allSatisfy({ $0 == y[0] }) { return .nan }
    let mx = x.reduce(0.0) { $0 + Double($1) } / n, my = y.reduce(0.0) { $0 + Double($1) } / n
    var sxy = 0.0, sxx = 0.0, syy = 0.0
    for k in x.indices {
        let dx = Double(x[k]) - mx, dy = Double(y[k]) - my
        sxy += dx * dy; sxx += dx * dx; syy += dy * dy
    }
    guard sxx > 0, syy > 0 else { return .nan }
    return sxy / (sxx * syy).squareRoot()
}

/// Median of the finite values; NaN when there are none.
public func median(_ values: [Double]) -> Double {
    let v = values.filter { $0.isFinite }.sorted()
    guard !v.isEmpty else { return .nan }
    return v.count % 2 == 1 ? v[v.count / 2] : (v[v.count / 2 - 1] + v[v.count / 2]) / 2
}
