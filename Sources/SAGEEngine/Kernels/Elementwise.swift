// Element-wise kernels over flat buffers of `count` floats: ReLU, residual add, MSE loss, dropout. (The conv
// blocks' ReLU is fused with their bias in BiasReLU.swift; this one serves the dense layers.)

/// out = max(inp, 0); in place when out == inp.
public func reluForward(out: UnsafeMutablePointer<Float>, inp: UnsafePointer<Float>, count: Int) {
    Parallel.forEachRange(count) { range in for i in range { out[i] = max(inp[i], 0) } }
}

/// out += other (residual connection).
public func addInPlace(_ out: UnsafeMutablePointer<Float>, _ other: UnsafePointer<Float>, count: Int) {
    Parallel.forEachRange(count) { range in for i in range { out[i] += other[i] } }
}

/// Mean squared error over `count` elements: mean((pred - target)^2), as PyTorch's MSELoss(reduction='mean').
public func mseForward(pred: UnsafePointer<Float>, target: UnsafePointer<Float>, count: Int) -> Float {
    var sum: Double = 0
    for i in 0..<count { let d = Double(pred[i] - target[i]); sum += d * d }
    return Float(sum / Double(count))
}

/// Accumulates dpred += scale * 2 (pred - target) / count, where scale is d(total loss)/d(this MSE).
public func mseBackward(dpred: UnsafeMutablePointer<Float>, pred: UnsafePointer<Float>, target: UnsafePointer<Float>,
                        count: Int, scale: Float = 1) {
    let k = 2 * scale / Float(count)
    for i in 0..<count { dpred[i] += k * (pred[i] - target[i]) }
}

/// Inverted dropout: keeps each element with probability 1 - p and scales it by 1/(1 - p); `mask` receives the
/// per-element factor (0 or 1/(1 - p)) for backward. p = 0 copies. Deterministic for a given generator state.
public func dropoutForward(out: UnsafeMutablePointer<Float>, mask: UnsafeMutablePointer<Float>, inp: UnsafePointer<Float>,
                           count: Int, p: Float, rng: inout SplitMix64) {
    precondition(p >= 0 && p < 1, "dropout: p must be in [0, 1), got \(p)")
    let keep = 1 / (1 - p)
    for i in 0..<count {
        mask[i] = p == 0 || rng.nextUnitFloat() >= p ? keep : 0
        out[i] = inp[i] * mask[i]
    }
}

/// Accumulates dinp += dout * mask.
public func dropoutBackward(dinp: UnsafeMutablePointer<Float>, dout: UnsafePointer<Float>, mask: UnsafePointer<Float>, count: Int) {
    for i in 0..<count { dinp[i] += dout[i] * mask[i] }
}
