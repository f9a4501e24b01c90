// 1-D convolution, stride 1, with dilation, on SGEMM, by one of two exact algorithms:
//  - im2col: one GEMM (OC, C*K) x (C*K, Lout) per element over a patch matrix; best for few input channels
//    (conv0 on one-hot input, C = 4).
//  - tap-shifted: K GEMMs (OC, C) x (C, Lout) per element, each over the input shifted by one kernel tap, with no
//    patch matrix at all (the 900 -> 256 layer at 40 kb would need 720 MB of it); weights repacked (K, OC, C).
// Shapes: inp (B, C, L), weight (OC, C, K), bias (OC) -> out (B, OC, Lout).
// Padding "same" is PyTorch's: total = dilation*(K-1), left = total/2, right = total - left, Lout = L
// (k=10: left 4, right 5). "valid": no padding, Lout = L - dilation*(K-1).
// A patch matrix holds one batch element's (C*K, Lout): col[(c*K + k)*Lout + t] = inp[c, t + k*dilation - left],
// 0 outside [0, L).
// Threads: batch elements are dealt to threads in contiguous blocks ("parts", each with its own patch matrix and
// weight-gradient partial in the workspace) when the batch divides evenly or the elements are too small for a
// split GEMM to pay; otherwise elements run one after another and each GEMM is split over the threads.

public enum Conv1dPadding: String, Sendable, Codable { case same, valid }
public enum Conv1dAlgorithm: String, Sendable, CaseIterable { case im2col, tapShifted }

public struct Conv1dShape: Sendable, Equatable {
    public let B: Int, C: Int, L: Int, OC: Int, K: Int, dilation: Int
    public let padLeft: Int, padRight: Int, Lout: Int

    public init(B: Int, C: Int, L: Int, OC: Int, K: Int, dilation: Int = 1, padding: Conv1dPadding = .same) {
        precondition(B > 0 && C > 0 && L > 0 && OC > 0 && K > 0 && dilation > 0, "conv1d: non-positive size")
        self.B = B; self.C = C; self.L = L; self.OC = OC; self.K = K; self.dilation = dilation
        let total = padding == .same ? dilation * (K - 1) : 0
        padLeft = total / 2
        padRight = total - padLeft
        Lout = L + total - dilation * (K - 1)
        precondition(Lout > 0, "conv1d: input length \(L) shorter than the dilated kernel \(dilation * (K - 1) + 1)")
    }

    /// The algorithm for this shape: tap-shifted GEMMs once the inner dimension C is large enough to keep a
    /// GEMM efficient, im2col below that.
    public var algorithm: Conv1dAlgorithm { C >= 32 ? .tapShifted : .im2col }

    /// Floats of workspace `conv1dForward`/`conv1dBackward` need with `algorithm` and up to `parts` threads over
    /// the batch: per part a patch matrix (C*K, Lout) and a weight-gradient partial (OC, C*K) for im2col; the
    /// repacked weights (K, OC, C) plus per part a weight-gradient partial (K, OC, C) for tap-shifted.
    public func workspaceCount(_ algorithm: Conv1dAlgorithm, parts: Int = 1) -> Int {
        algorithm == .im2col ? max(1, parts) * im2colPart : (1 + max(1, parts)) * K * OC * C
    }
    /// Floats of one im2col part: its patch matrix (C*K, Lout), then its weight-gradient partial (OC, C*K).
    var im2colPart: Int { C * K * Lout + OC * C * K }
    /// Multiply-adds of the forward pass times two.
    public var forwardFLOPs: Double { 2 * Double(B) * Double(OC) * Double(C * K) * Double(Lout) }

    /// Threads that take whole batch elements, given workspace for `available` parts: all of them when the batch
    /// divides evenly, or when an element's product is too small to split well; else 1 (the GEMMs split instead).
    func batchParts(available: Int) -> Int {
        let parts = min(available, Parallel.available, B)
        guard parts > 1 else { return 1 }
        return B % parts == 0 || forwardFLOPs / Double(B) < 64e6 ? parts : 1
    }
    /// Batch elements of part p of `parts`.
    func elements(_ p: Int, of parts: Int) -> Range<Int> { (p * B / parts)..<((p + 1) * B / parts) }
}

/// out (B, OC, Lout) = conv(inp) + bias. `col` has `shape.workspaceCount(algorithm, parts: parts)` floats.
public func conv1dForward(out: UnsafeMutablePointer<Float>, inp: UnsafePointer<Float>, weight: UnsafePointer<Float>,
                          bias: UnsafePointer<Float>?, shape s: Conv1dShape, col: UnsafeMutablePointer<Float>,
                          algorithm: Conv1dAlgorithm? = nil, parts available: Int = 1) {
    if (algorithm ?? s.algorithm) == .tapShifted {
        return conv1dForwardTaps(out: out, inp: inp, weight: weight, bias: bias, shape: s, packed: col, parts: available)
    }
    let CK = s.C * s.K
    let parts = s.batchParts(available: available)
    Parallel.forEachPart(parts) { p in
        let patches = col + p * s.im2colPart
        for b in s.elements(p, of: parts) {
            im2col(col: patches, inp: inp + b * s.C * s.L, shape: s)
            let outB = out + b * s.OC * s.Lout
            if let bias {
                for o in 0..<s.OC { (outB + o * s.Lout).update(repeating: bias[o], count: s.Lout) }
            }
            sgemm(m: s.OC, n: s.Lout, k: CK, a: weight, lda: CK, b: patches, ldb: s.Lout,
                  beta: bias == nil ? 0 : 1, c: outB, ldc: s.Lout)
        }
    }
}

/// From dout (B, OC, Lout): writes dinp (B, C, L), accumulates dweight (OC, C, K) and dbias (OC). Each may be nil
/// (the first layer needs no input gradient; a conv block sums the bias gradient in its ReLU pass; attributions
/// need no weight gradient).
/// `col` has `shape.workspaceCount(algorithm, parts: parts)` floats.
public func conv1dBackward(dinp: UnsafeMutablePointer<Float>?, dweight: UnsafeMutablePointer<Float>?,
                           dbias: UnsafeMutablePointer<Float>?, dout: UnsafePointer<Float>, inp: UnsafePointer<Float>,
                           weight: UnsafePointer<Float>, shape s: Conv1dShape, col: UnsafeMutablePointer<Float>,
                           algorithm: Conv1dAlgorithm? = nil, parts available: Int = 1) {
    if let dbias { conv1dBiasGrad(dbias: dbias, dout: dout, shape: s) }
    if (algorithm ?? s.algorithm) == .tapShifted {
        return conv1dBackwardTaps(dinp: dinp, dweight: dweight, dout: dout, inp: inp, weight: weight, shape: s,
                                  packed: col, parts: available)
    }
    let CK = s.C * s.K
    let parts = s.batchParts(available: available)
    Parallel.forEachPart(parts) { p in
        let patches = col + p * s.im2colPart
        // With several parts each sums its elements' weight gradient apart; the partials are added in part order.
        let dw = dweight.map { parts == 1 ? $0 : patches + CK * s.Lout }
        if parts > 1 { dw?.update(repeating: 0, count: s.OC * CK) }
        for b in s.elements(p, of: parts) {
            let doutB = dout + b * s.OC * s.Lout
            if let dw {
                im2col(col: patches, inp: inp + b * s.C * s.L, shape: s)
                // dweight (OC, CK) += dout_b (OC, Lout) x col^T (Lout, CK)
                sgemm(transB: true, m: s.OC, n: CK, k: s.Lout, a: doutB, lda: s.Lout, b: patches, ldb: s.Lout,
                      beta: 1, c: dw, ldc: CK)
            }
            if let dinp {
                // dcol (CK, Lout) = weight^T (CK, OC) x dout_b (OC, Lout), then scatter-add into dinp_b.
                sgemm(transA: true, m: CK, n: s.Lout, k: s.OC, a: weight, lda: CK, b: doutB, ldb: s.Lout,
                      beta: 0, c: patches, ldc: s.Lout)
                (dinp + b * s.C * s.L).update(repeating: 0, count: s.C * s.L)
                col2imAdd(dinp: dinp + b * s.C * s.L, col: patches, shape: s)
            }
        }
    }
    if parts > 1, let dweight {
        for p in 0..<parts {
            let dw = col + p * s.im2colPart + CK * s.Lout
            for i in 0..<(s.OC * CK) { dweight[i] += dw[i] }
        }
    }
}

/// col (C*K, Lout) from one element's inp (C, L).
@inline(__always)
func im2col(col: UnsafeMutablePointer<Float>, inp: UnsafePointer<Float>, shape s: Conv1dShape) {
    Parallel.forEachRange(s.C, minimumPerThread: max(1, 32768 / max(1, s.K * s.Lout))) { channels in
        for c in channels {
            let x = inp + c * s.L
            for k in 0..<s.K {
                let row = col + (c * s.K + k) * s.Lout
                let (lo, hi, offset) = tapRange(k, s)            // row[t] = x[t + offset] for t in lo..<hi, else 0
                if lo > 0 { row.update(repeating: 0, count: lo) }
                if hi > lo { (row + lo).update(from: x + lo + offset, count: hi - lo) }
                if hi < s.Lout { (row + hi).update(repeating: 0, count: s.Lout - hi) }
            }
        }
    }
}

/// dinp (C, L) += the transpose of im2col applied to col (C*K, Lout).
@inline(__always)
func col2imAdd(dinp: UnsafeMutablePointer<Float>, col: UnsafePointer<Float>, shape s: Conv1dShape) {
    Parallel.forEachRange(s.C, minimumPerThread: max(1, 32768 / max(1, s.K * s.Lout))) { channels in
        for c in channels {
            let dx = dinp + c * s.L
            for k in 0..<s.K {
                let row = col + (c * s.K + k) * s.Lout
                let (lo, hi, offset) = tapRange(k, s)
                let dst = dx + offset
                for t in lo..<hi { dst[t] += row[t] }
            }
        }
    }
}

/// dbias (OC) += sum over B and Lout of dout (B, OC, Lout).
func conv1dBiasGrad(dbias: UnsafeMutablePointer<Float>, dout: UnsafePointer<Float>, shape s: Conv1dShape) {
    Parallel.forEachRange(s.OC, minimumPerThread: max(1, 32768 / max(1, s.B * s.Lout))) { channels in
        for o in channels {
            let sum = (0..<s.B).reduce(0.0) { $0 + sumOf(dout + ($1 * s.OC + o) * s.Lout, s.Lout) }
            dbias[o] += Float(sum)
        }
    }
}

/// Output range [lo, hi) of tap k, where the input index t + offset (offset = k*dilation - padLeft) is in [0, L).
@inline(__always)
func tapRange(_ k: Int, _ s: Conv1dShape) -> (lo: Int, hi: Int, offset: Int) {
    let offset = k * s.dilation - s.padLeft
    let lo = min(s.Lout, max(0, -offset))
    return (lo, max(lo, min(s.Lout, s.L - offset)), offset)
}

/// Tap-shifted forward: out_b[:, lo:hi] += W_k x_b[:, lo+offset : hi+offset] for each tap k. `packed` holds
/// W as (K, OC, C). Without a bias, a tap that covers every output (the centre tap of "same" padding) goes first
/// and writes instead of adding, so `out` needs no initialising pass.
func conv1dForwardTaps(out: UnsafeMutablePointer<Float>, inp: UnsafePointer<Float>, weight: UnsafePointer<Float>,
                       bias: UnsafePointer<Float>?, shape s: Conv1dShape, packed: UnsafeMutablePointer<Float>,
                       parts available: Int) {
    packTaps(packed, weight, s)
    let first = bias == nil ? (0..<s.K).first { let r = tapRange($0, s); return r.lo == 0 && r.hi == s.Lout } : nil
    let parts = s.batchParts(available: available)
    Parallel.forEachPart(parts) { p in
        for b in s.elements(p, of: parts) {
            let outB = out + b * s.OC * s.Lout, x = inp + b * s.C * s.L
            if first == nil {
                for o in 0..<s.OC { (outB + o * s.Lout).update(repeating: bias?[o] ?? 0, count: s.Lout) }
            }
            for i in 0..<s.K {
                let k = tap(i, first: first)
                let (lo, hi, offset) = tapRange(k, s)
                guard hi > lo else { continue }
                sgemm(m: s.OC, n: hi - lo, k: s.C, a: packed + k * s.OC * s.C, lda: s.C, b: x + lo + offset, ldb: s.L,
                      beta: k == first ? 0 : 1, c: outB + lo, ldc: s.Lout)
            }
        }
    }
}

/// Tap-shifted backward: dW_k += dout_b[:, lo:hi] x_b[:, lo+offset : hi+offset]^T and
/// dx_b[:, lo+offset : hi+offset] += W_k^T dout_b[:, lo:hi]; a tap that covers all of dx (offset 0 with
/// Lout = L) goes first and writes, else dx is zeroed first. `packed` holds W (K, OC, C), then one dW (K, OC, C)
/// partial per part, added in part order.
func conv1dBackwardTaps(dinp: UnsafeMutablePointer<Float>?, dweight: UnsafeMutablePointer<Float>?, dout: UnsafePointer<Float>,
                        inp: UnsafePointer<Float>, weight: UnsafePointer<Float>, shape s: Conv1dShape,
                        packed: UnsafeMutablePointer<Float>, parts available: Int) {
    let n = s.K * s.OC * s.C
    let w = packed
    packTaps(w, weight, s)
    let first = (0..<s.K).first { let r = tapRange($0, s); return r.lo + r.offset == 0 && r.hi + r.offset == s.L }
    let parts = s.batchParts(available: available)
    Parallel.forEachPart(parts) { p in
        let dw = packed + (1 + p) * n
        if dweight != nil { dw.update(repeating: 0, count: n) }
        for b in s.elements(p, of: parts) {
            let doutB = dout + b * s.OC * s.Lout, x = inp + b * s.C * s.L
            if let dinp, first == nil { (dinp + b * s.C * s.L).update(repeating: 0, count: s.C * s.L) }
            for i in 0..<s.K {
                let k = tap(i, first: first)
                let (lo, hi, offset) = tapRange(k, s)
                guard hi > lo else { continue }
                if dweight != nil {
                    sgemm(transB: true, m: s.OC, n: s.C, k: hi - lo, a: doutB + lo, lda: s.Lout, b: x + lo + offset, ldb: s.L,
                          beta: 1, c: dw + k * s.OC * s.C, ldc: s.C)
                }
                if let dinp {
                    sgemm(transA: true, m: s.C, n: hi - lo, k: s.OC, a: w + k * s.OC * s.C, lda: s.C, b: doutB + lo,
                          ldb: s.Lout, beta: k == first ? 0 : 1, c: dinp + b * s.C * s.L + lo + offset, ldc: s.L)
                }
            }
        }
    }
    guard let dweight else { return }
    for p in 0..<parts {
        let dw = packed + (1 + p) * n
        for o in 0..<s.OC {
            for c in 0..<s.C {
                for k in 0..<s.K { dweight[(o * s.C + c) * s.K + k] += dw[(k * s.OC + o) * s.C + c] }
            }
        }
    }
}

/// The i-th tap applied: `first` (when given), then the others in order.
@inline(__always)
func tap(_ i: Int, first: Int?) -> Int {
    guard let first else { return i }
    return i == 0 ? first : (i <= first ? i - 1 : i)
}

/// packed (K, OC, C) <- weight (OC, C, K).
@inline(__always)
func packTaps(_ packed: UnsafeMutablePointer<Float>, _ weight: UnsafePointer<Float>, _ s: Conv1dShape) {
    for o in 0..<s.OC {
        for c in 0..<s.C {
            for k in 0..<s.K { packed[(k * s.OC + o) * s.C + c] = weight[(o * s.C + c) * s.K + k] }
        }
    }
}
