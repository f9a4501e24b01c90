// 1-D convolution, stride 1, with dilation, as im2col + SGEMM.
// Shapes: inp (B, C, L), weight (OC, C, K), bias (OC) -> out (B, OC, Lout).
// Padding "same" is PyTorch's: total = dilation*(K-1), left = total/2, right = total - left, Lout = L
// (k=10: left 4, right 5). "valid": no padding, Lout = L - dilation*(K-1).
// Workspace `col` holds one batch element's (C*K, Lout) patch matrix: col[(c*K + k)*Lout + t] =
// inp[c, t + k*dilation - left], 0 outside [0, L).

public enum Conv1dPadding: String, Sendable, Codable { case same, valid }

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

    /// Floats in the im2col workspace.
    public var colCount: Int { C * K * Lout }
    /// Multiply-adds of the forward pass times two.
    public var forwardFLOPs: Double { 2 * Double(B) * Double(OC) * Double(C * K) * Double(Lout) }
}

/// out (B, OC, Lout) = conv(inp) + bias. `col` has `shape.colCount` floats.
public func conv1dForward(out: UnsafeMutablePointer<Float>, inp: UnsafePointer<Float>, weight: UnsafePointer<Float>,
                          bias: UnsafePointer<Float>?, shape s: Conv1dShape, col: UnsafeMutablePointer<Float>) {
    let CK = s.C * s.K
    for b in 0..<s.B {
        im2col(col: col, inp: inp + b * s.C * s.L, shape: s)
        let outB = out + b * s.OC * s.Lout
        if let bias {
            for o in 0..<s.OC { (outB + o * s.Lout).update(repeating: bias[o], count: s.Lout) }
        }
        sgemm(m: s.OC, n: s.Lout, k: CK, a: weight, lda: CK, b: col, ldb: s.Lout,
              beta: bias == nil ? 0 : 1, c: outB, ldc: s.Lout)
    }
}

/// Accumulates dinp (B, C, L), dweight (OC, C, K), dbias (OC) from dout (B, OC, Lout). Any of dinp/dbias may be
/// nil (e.g. the first layer needs no input gradient). `col` has `shape.colCount` floats.
public func conv1dBackward(dinp: UnsafeMutablePointer<Float>?, dweight: UnsafeMutablePointer<Float>,
                           dbias: UnsafeMutablePointer<Float>?, dout: UnsafePointer<Float>, inp: UnsafePointer<Float>,
                           weight: UnsafePointer<Float>, shape s: Conv1dShape, col: UnsafeMutablePointer<Float>) {
    let CK = s.C * s.K
    for b in 0..<s.B {
        let doutB = dout + b * s.OC * s.Lout
        if let dbias {
            for o in 0..<s.OC {
                let row = doutB + o * s.Lout
                var sum: Float = 0
                for t in 0..<s.Lout { sum += row[t] }
                dbias[o] += sum
            }
        }
        im2col(col: col, inp: inp + b * s.C * s.L, shape: s)
        // dweight (OC, CK) += dout_b (OC, Lout) x col^T (Lout, CK)
        sgemm(transB: true, m: s.OC, n: CK, k: s.Lout, a: doutB, lda: s.Lout, b: col, ldb: s.Lout,
              beta: 1, c: dweight, ldc: CK)
        if let dinp {
            // dcol (CK, Lout) = weight^T (CK, OC) x dout_b (OC, Lout), then scatter-add into dinp_b.
            sgemm(transA: true, m: CK, n: s.Lout, k: s.OC, a: weight, lda: CK, b: doutB, ldb: s.Lout,
                  beta: 0, c: col, ldc: s.Lout)
            col2imAdd(dinp: dinp + b * s.C * s.L, col: col, shape: s)
        }
    }
}

/// col (C*K, Lout) from one element's inp (C, L).
@inline(__always)
func im2col(col: UnsafeMutablePointer<Float>, inp: UnsafePointer<Float>, shape s: Conv1dShape) {
    for c in 0..<s.C {
        let x = inp + c * s.L
        for k in 0..<s.K {
            let row = col + (c * s.K + k) * s.Lout
            let offset = k * s.dilation - s.padLeft          // row[t] = x[t + offset]
            let lo = min(s.Lout, max(0, -offset)), hi = max(lo, min(s.Lout, s.L - offset))
            if lo > 0 { row.update(repeating: 0, count: lo) }
            if hi > lo { (row + lo).update(from: x + lo + offset, count: hi - lo) }
            if hi < s.Lout { (row + hi).update(repeating: 0, count: s.Lout - hi) }
        }
    }
}

/// dinp (C, L) += the transpose of im2col applied to col (C*K, Lout).
@inline(__always)
func col2imAdd(dinp: UnsafeMutablePointer<Float>, col: UnsafePointer<Float>, shape s: Conv1dShape) {
    for c in 0..<s.C {
        let dx = dinp + c * s.L
        for k in 0..<s.K {
            let row = col + (c * s.K + k) * s.Lout
            let offset = k * s.dilation - s.padLeft
            let lo = min(s.Lout, max(0, -offset)), hi = max(lo, min(s.Lout, s.L - offset))
            let dst = dx + offset
            for t in lo..<hi { dst[t] += row[t] }
        }
    }
}
