// Fully connected layer (PyTorch nn.Linear): inp (B, IN), weight (OUT, IN), bias (OUT) -> out (B, OUT).

/// out = inp x weight^T + bias.
public func linearForward(out: UnsafeMutablePointer<Float>, inp: UnsafePointer<Float>, weight: UnsafePointer<Float>,
                          bias: UnsafePointer<Float>?, B: Int, IN: Int, OUT: Int) {
    if let bias {
        for b in 0..<B { (out + b * OUT).update(from: bias, count: OUT) }
    }
    sgemm(transB: true, m: B, n: OUT, k: IN, a: inp, lda: IN, b: weight, ldb: IN, beta: bias == nil ? 0 : 1,
          c: out, ldc: OUT)
}

/// Accumulates dinp (B, IN) += dout x weight, dweight (OUT, IN) += dout^T x inp, dbias (OUT) += sum_b dout.
public func linearBackward(dinp: UnsafeMutablePointer<Float>?, dweight: UnsafeMutablePointer<Float>,
                           dbias: UnsafeMutablePointer<Float>?, dout: UnsafePointer<Float>, inp: UnsafePointer<Float>,
                           weight: UnsafePointer<Float>, B: Int, IN: Int, OUT: Int) {
    if let dinp {
        sgemm(m: B, n: IN, k: OUT, a: dout, lda: OUT, b: weight, ldb: IN, beta: 1, c: dinp, ldc: IN)
    }
    sgemm(transA: true, m: OUT, n: IN, k: B, a: dout, lda: OUT, b: inp, ldb: IN, beta: 1, c: dweight, ldc: IN)
    if let dbias {
        for b in 0..<B {
            let row = dout + b * OUT
            for o in 0..<OUT { dbias[o] += row[o] }
        }
    }
}
