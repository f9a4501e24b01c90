// LayerNorm over the last axis (PyTorch nn.LayerNorm(C), eps 1e-5): each of `rows` rows of C values is normalised by
// its own mean and biased variance, then scaled by gamma and shifted by beta (both (C)).
// Shapes: inp, out, xhat (rows, C) row-major; rstd (rows). The transformer block applies it per position, rows = B*L.

/// out = xhat * gamma + beta with xhat = (inp - mean) * rstd per row; stores xhat and rstd for backward. `xhat` may
/// be `inp` itself (each row's statistics are taken before it is overwritten); `out` must not alias either.
public func layerNormForward(out: UnsafeMutablePointer<Float>, xhat: UnsafeMutablePointer<Float>, rstd: UnsafeMutablePointer<Float>,
                             inp: UnsafePointer<Float>, gamma: UnsafePointer<Float>, beta: UnsafePointer<Float>,
                             rows: Int, C: Int, eps: Float = 1e-5) {
    Parallel.forEachRange(rows, minimumPerThread: max(1, 16384 / max(C, 1))) { range in
        for r in range {
            let x = inp + r * C, h = xhat + r * C, y = out + r * C
            var sum = 0.0
            for c in 0..<C { sum += Double(x[c]) }
            let mu = sum / Double(C)
            var squares = 0.0
            for c in 0..<C { let d = Double(x[c]) - mu; squares += d * d }
            let s = Float(1 / (squares / Double(C) + Double(eps)).squareRoot())
            let m = Float(mu)
            rstd[r] = s
            for c in 0..<C {
                let v = (x[c] - m) * s
                h[c] = v
                y[c] = v * gamma[c] + beta[c]
            }
        }
    }
}

/// dinp (rows, C) = d(layer norm)/d(inp) · dout (written; may be `dout` itself); dgamma += Σ_rows dout * xhat,
/// dbeta += Σ_rows dout. Uses the xhat and rstd that forward stored.
public func layerNormBackward(dinp: UnsafeMutablePointer<Float>, dgamma: UnsafeMutablePointer<Float>, dbeta: UnsafeMutablePointer<Float>,
                              dout: UnsafePointer<Float>, xhat: UnsafePointer<Float>, rstd: UnsafePointer<Float>,
                              gamma: UnsafePointer<Float>, rows: Int, C: Int) {
    // Parameter gradients first (dinp may overwrite dout).
    for r in 0..<rows {
        let g = dout + r * C, h = xhat + r * C
        for c in 0..<C {
            dgamma[c] += g[c] * h[c]
            dbeta[c] += g[c]
        }
    }
    Parallel.forEachRange(rows, minimumPerThread: max(1, 16384 / max(C, 1))) { range in
        for r in range {
            let g = dout + r * C, h = xhat + r * C, dx = dinp + r * C
            var sum = 0.0, dot = 0.0
            for c in 0..<C {
                let gh = Double(g[c] * gamma[c])
                sum += gh
                dot += gh * Double(h[c])
            }
            let meanG = Float(sum / Double(C)), meanGH = Float(dot / Double(C)), s = rstd[r]
            for c in 0..<C { dx[c] = s * (g[c] * gamma[c] - meanG - h[c] * meanGH) }
        }
    }
}
