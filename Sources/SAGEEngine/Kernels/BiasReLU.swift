// The conv block's element-wise tail, one pass each way (SAGE-net's block: y = [x +] ReLU(conv(x) + bias)).
// The convolution runs without its bias; the bias, the ReLU and the residual add happen here, so the 900 x L
// activations of the first layers are read and written once instead of three times.
// Shapes: conv, relu, x, out, dout, dconv (B, C, L); bias, dbias (C).

/// relu = max(conv + bias, 0) (in place when relu == conv); with `residual`, also out = residual + relu.
public func biasReLUForward(relu: UnsafeMutablePointer<Float>, conv: UnsafePointer<Float>, bias: UnsafePointer<Float>,
                            residual: UnsafePointer<Float>? = nil, out: UnsafeMutablePointer<Float>? = nil,
                            B: Int, C: Int, L: Int) {
    precondition((residual == nil) == (out == nil), "biasReLUForward: residual and out go together")
    Parallel.forEachRange(B * C, minimumPerThread: max(1, 32768 / max(L, 1))) { rows in
        for row in rows {
            let b = bias[row % C], y = conv + row * L, r = relu + row * L
            if let residual, let out {
                let x = residual + row * L, o = out + row * L
                for t in 0..<L { let v = max(y[t] + b, 0); r[t] = v; o[t] = x[t] + v }
            } else {
                for t in 0..<L { r[t] = max(y[t] + b, 0) }
            }
        }
    }
}

/// dconv = dout where relu > 0, else 0 (written); dbias += the sum of dconv over B and L.
public func biasReLUBackward(dconv: UnsafeMutablePointer<Float>, dbias: UnsafeMutablePointer<Float>,
                             dout: UnsafePointer<Float>, relu: UnsafePointer<Float>, B: Int, C: Int, L: Int) {
    Parallel.forEachRange(C, minimumPerThread: max(1, 32768 / max(B * L, 1))) { channels in
        for c in channels {
            var sum = 0.0
            for b in 0..<B {
                let row = (b * C + c) * L
                sum += maskedCopySum(dconv + row, dout + row, relu + row, L)
            }
            dbias[c] += Float(sum)
        }
    }
}

/// d[t] = g[t] where y[t] > 0, else 0, for t in 0 ..< n; returns Σ d (blocked like `sumOf`).
@inline(__always) private func maskedCopySum(_ d: UnsafeMutablePointer<Float>, _ g: UnsafePointer<Float>,
                                             _ y: UnsafePointer<Float>, _ n: Int) -> Double {
    blockedSums(n, lanes: { t, a, _ in
        let v = FloatLanes(repeating: 0).replacing(with: loadLanes(g + t), where: loadLanes(y + t) .> 0)
        storeLanes(v, d + t)
        a += v
    }, scalar: { t in
        let v = y[t] > 0 ? g[t] : 0
        d[t] = v
        return (v, 0)
    }).0
}
