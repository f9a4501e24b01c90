import Foundation

// Multi-head scaled dot-product self-attention, the core of PyTorch's nn.MultiheadAttention (batch_first) between
// its packed input projection and its output projection (both Linear, done by the caller):
//   qkv (B, L, 3d) = [q | k | v] per position (in_proj's output); head h uses columns h*dh ..< (h+1)*dh of each.
//   probs (B, H, L, L) = softmax_rows(q_h k_h^T / sqrt(dh)); with dropout p (training) dropped = probs * mask.
//   out (B, L, d) = concat_h (dropped or probs) v_h.
// Every product is an SGEMM on one (item, head) pair; the pairs are split over the thread pool.

public struct AttentionShape: Sendable, Equatable {
    public let B: Int, L: Int, d: Int, heads: Int
    public init(B: Int, L: Int, d: Int, heads: Int) {
        precondition(heads > 0 && d % heads == 0, "attention: d_model \(d) is not divisible by \(heads) heads")
        self.B = B; self.L = L; self.d = d; self.heads = heads
    }
    public var headWidth: Int { d / heads }
    public var scale: Float { 1 / Float(headWidth).squareRoot() }
    /// Floats of probs (and of dropped, mask and backward's dprobs): B * H * L * L.
    public var probsCount: Int { B * heads * L * L }
    /// Multiply-adds x 2 of the forward (q k^T and probs v over every pair).
    public var forwardFLOPs: Double { 4 * Double(B) * Double(L) * Double(L) * Double(d) }

    /// Calls `body(b, h)` for every (item, head) pair, split over the thread pool when there is enough work.
    func forEachPair(_ body: (Int, Int) -> Void) {
        let pairs = B * heads
        let parts = min(Parallel.available, pairs, max(1, Int(forwardFLOPs / 2e5)))
        Parallel.forEachPart(parts) { p in
            for pair in (p * pairs / parts)..<((p + 1) * pairs / parts) { body(pair / heads, pair % heads) }
        }
    }
}

/// Forward; `mask` and `dropped` (B * H * L * L each) are used only when p > 0: the mask is drawn from `rng` over the
/// whole probs buffer in order (deterministic for a given generator state, as every dropout here).
public func selfAttentionForward(out: UnsafeMutablePointer<Float>, probs: UnsafeMutablePointer<Float>,
                                 dropped: UnsafeMutablePointer<Float>?, mask: UnsafeMutablePointer<Float>?,
                                 qkv: UnsafePointer<Float>, shape s: AttentionShape, p: Float, rng: inout SplitMix64) {
    let L = s.L, d = s.d, dh = s.headWidth, ld = 3 * d
    s.forEachPair { b, h in
        let q = qkv + b * L * ld + h * dh, k = q + d
        let scores = probs + (b * s.heads + h) * L * L
        sgemm(transB: true, m: L, n: L, k: dh, alpha: s.scale, a: q, lda: ld, b: k, ldb: ld, beta: 0, c: scores, ldc: L)
        for i in 0..<L { softmaxRow(scores + i * L, L) }
    }
    var weights = UnsafePointer(probs)
    if p > 0, let dropped, let mask {
        dropoutForward(out: dropped, mask: mask, inp: probs, count: s.probsCount, p: p, rng: &rng)
        weights = UnsafePointer(dropped)
    }
    s.forEachPair { b, h in
        let v = qkv + b * L * ld + 2 * d + h * dh
        sgemm(m: L, n: dh, k: L, a: weights + (b * s.heads + h) * L * L, lda: L, b: v, ldb: ld, beta: 0,
              c: out + b * L * d + h * dh, ldc: d)
    }
}

/// dqkv (B, L, 3d) = d(attention)/d(qkv) · dout (written). `dropped`/`mask` as forward had them (nil without
/// dropout). Scratch: dprobs (B * H * L * L).
public func selfAttentionBackward(dqkv: UnsafeMutablePointer<Float>, dout: UnsafePointer<Float>, qkv: UnsafePointer<Float>,
                                  probs: UnsafePointer<Float>, dropped: UnsafePointer<Float>?, mask: UnsafePointer<Float>?,
                                  shape s: AttentionShape, dprobs: UnsafeMutablePointer<Float>) {
    let L = s.L, d = s.d, dh = s.headWidth, ld = 3 * d
    s.forEachPair { b, h in
        let q = qkv + b * L * ld + h * dh, k = q + d, v = q + 2 * d
        let dq = dqkv + b * L * ld + h * dh, dk = dq + d, dv = dq + 2 * d
        let o = (b * s.heads + h) * L * L
        let P = probs + o, weights = dropped.map { $0 + o } ?? P, dP = dprobs + o
        let dO = dout + b * L * d + h * dh
        // dv = weights^T dO; d(weights) = dO v^T.
        sgemm(transA: true, m: L, n: dh, k: L, a: weights, lda: L, b: dO, ldb: d, beta: 0, c: dv, ldc: ld)
        sgemm(transB: true, m: L, n: L, k: dh, a: dO, lda: d, b: v, ldb: ld, beta: 0, c: dP, ldc: L)
        if let mask { for j in 0..<(L * L) { dP[j] *= mask[o + j] } }
        // Softmax backward per row, with the score scale folded in: dS = P * (dP - Σ_j dP P) * scale.
        for i in 0..<L {
            let pr = P + i * L, dr = dP + i * L
            var dot: Float = 0
            for j in 0..<L { dot += pr[j] * dr[j] }
            for j in 0..<L { dr[j] = pr[j] * (dr[j] - dot) * s.scale }
        }
        // dq = dS k; dk = dS^T q.
        sgemm(m: L, n: dh, k: L, a: dP, lda: L, b: k, ldb: ld, beta: 0, c: dq, ldc: ld)
        sgemm(transA: true, m: L, n: dh, k: L, a: dP, lda: L, b: q, ldb: ld, beta: 0, c: dk, ldc: ld)
    }
}

/// In-place softmax of n values (max subtracted first, as PyTorch does).
@inline(__always) func softmaxRow(_ x: UnsafeMutablePointer<Float>, _ n: Int) {
    var top = -Float.infinity
    for j in 0..<n { top = max(top, x[j]) }
    var sum: Float = 0
    for j in 0..<n { let e = expf(x[j] - top); x[j] = e; sum += e }
    let inv = 1 / sum
    for j in 0..<n { x[j] *= inv }
}
