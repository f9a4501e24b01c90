// Vectorised sums over contiguous floats, for the per-channel reductions of batch norm and bias gradients.
// Float SIMD lanes accumulate blocks of `reduceBlock` values (16 lanes x 256 values each); each block's total is
// added in Double. So a sum over 10^5-10^6 values keeps near-Double accuracy while running at SIMD speed (a
// scalar Double loop is bound by the add latency: ~4x slower than memory here).

typealias FloatLanes = SIMD16<Float>
let reduceBlock = 4096

@inline(__always) func loadLanes(_ p: UnsafePointer<Float>) -> FloatLanes {
    UnsafeRawPointer(p).loadUnaligned(as: FloatLanes.self)
}
@inline(__always) func storeLanes(_ v: FloatLanes, _ p: UnsafeMutablePointer<Float>) {
    UnsafeMutableRawPointer(p).storeBytes(of: v, as: FloatLanes.self)
}

/// Two sums over t in 0 ..< n, in blocks of `reduceBlock`: `lanes(t, &a, &b)` adds the terms of the 16 values at t
/// into float lanes, `scalar(t)` gives one value's two terms (the tail of a block); each block's totals are added
/// in Double.
@inline(__always) func blockedSums(_ n: Int, lanes: (Int, inout FloatLanes, inout FloatLanes) -> Void,
                                   scalar: (Int) -> (Float, Float)) -> (Double, Double) {
    var first = 0.0, second = 0.0
    var start = 0
    while start < n {
        let end = min(start + reduceBlock, n)
        var a = FloatLanes(), b = FloatLanes(), t = start
        while t + FloatLanes.scalarCount <= end { lanes(t, &a, &b); t += FloatLanes.scalarCount }
        var tailA: Float = 0, tailB: Float = 0
        while t < end { let (u, v) = scalar(t); tailA += u; tailB += v; t += 1 }
        first += Double(a.sum()) + Double(tailA)
        second += Double(b.sum()) + Double(tailB)
        start = end
    }
    return (first, second)
}

/// Σ x[0 ..< n].
@inline(__always) func sumOf(_ x: UnsafePointer<Float>, _ n: Int) -> Double {
    blockedSums(n, lanes: { t, a, _ in a += loadLanes(x + t) }, scalar: { (x[$0], 0) }).0
}

/// (Σ d, Σ d²) with d = x[t] - shift over t in 0 ..< n.
@inline(__always) func shiftedSums(_ x: UnsafePointer<Float>, _ n: Int, shift: Float) -> (Double, Double) {
    let s = FloatLanes(repeating: shift)
    return blockedSums(n, lanes: { t, a, b in
        let d = loadLanes(x + t) - s
        a += d
        b.addProduct(d, d)
    }, scalar: { t in let d = x[t] - shift; return (d, d * d) })
}

/// (Σ dy, Σ dy·(x - shift)) over t in 0 ..< n.
@inline(__always) func sumAndShiftedDot(_ dy: UnsafePointer<Float>, _ x: UnsafePointer<Float>, _ n: Int,
                                        shift: Float) -> (Double, Double) {
    let s = FloatLanes(repeating: shift)
    return blockedSums(n, lanes: { t, a, b in
        let g = loadLanes(dy + t)
        a += g
        b.addProduct(g, loadLanes(x + t) - s)
    }, scalar: { t in (dy[t], dy[t] * (x[t] - shift)) })
}
