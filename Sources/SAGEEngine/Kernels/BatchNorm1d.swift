// BatchNorm1d over (B, C, L): statistics per channel over the B*L values, PyTorch semantics:
// eps 1e-5; training normalises with the batch's biased variance and updates running statistics with
// momentum 0.1, using the unbiased variance (n/(n-1)) for running_var; eval normalises with the running ones.
// Shapes: inp, out (B, C, L); gamma, beta, runningMean, runningVar, mean, rstd (C).

public struct BatchNorm1dShape: Sendable, Equatable {
    public let B: Int, C: Int, L: Int
    public var eps: Float = 1e-5
    public var momentum: Float = 0.1
    public init(B: Int, C: Int, L: Int) { self.B = B; self.C = C; self.L = L }
}

/// Sums per-channel statistics across the processes that share a batch (synchronised batch norm). `reduce`
/// must sum its buffer element-wise over all of them, in place (e.g. an MPI allreduce); `scratch` is owned here
/// so that a step allocates nothing.
public final class BatchNormSync: @unchecked Sendable {
    let reduce: (UnsafeMutableBufferPointer<Double>) -> Void
    private(set) var scratch = UnsafeMutableBufferPointer<Double>.allocate(capacity: 0)
    public init(reduce: @escaping (UnsafeMutableBufferPointer<Double>) -> Void) { self.reduce = reduce }
    deinit { scratch.deallocate() }
    func buffer(_ count: Int) -> UnsafeMutableBufferPointer<Double> {
        if scratch.count < count { scratch.deallocate(); scratch = .allocate(capacity: count) }
        return UnsafeMutableBufferPointer(rebasing: scratch[0..<count])
    }
}

/// Training mode: out = (inp - mean) * rstd * gamma + beta with batch statistics, which it stores in `mean` and
/// `rstd` (for backward) and folds into the running statistics. With `sync`, the statistics are those of the
/// batches of every process together (mean first, then the variance around it: two reductions).
public func batchNorm1dForwardTrain(out: UnsafeMutablePointer<Float>, mean: UnsafeMutablePointer<Float>,
                                    rstd: UnsafeMutablePointer<Float>, runningMean: UnsafeMutablePointer<Float>,
                                    runningVar: UnsafeMutablePointer<Float>, inp: UnsafePointer<Float>,
                                    gamma: UnsafePointer<Float>, beta: UnsafePointer<Float>, shape s: BatchNorm1dShape,
                                    sync: BatchNormSync? = nil) {
    guard let sync else {
        // One pass of sums around a shift (the channel's first value, close enough to its mean for Σd² - (Σd)²/n
        // to keep its precision in Double), then the normalising pass.
        let n = Double(s.B * s.L)
        Parallel.forEachRange(s.C, minimumPerThread: channelsPerThread(s)) { channels in
            for c in channels {
                let shift = inp[c * s.L]
                let (sum, squares) = channelShiftedSums(inp, c, shift, s)
                let meanShift = sum / n
                let mu = Double(shift) + meanShift
                let variance = max(0, squares / n - meanShift * meanShift)
                normalise(out: out, mean: mean, rstd: rstd, runningMean: runningMean, runningVar: runningVar, inp: inp,
                          gamma: gamma, beta: beta, c: c, mu: mu, variance: variance, n: n, s)
            }
        }
        return
    }
    let stats = sync.buffer(s.C + 1)
    Parallel.forEachRange(s.C, minimumPerThread: channelsPerThread(s)) { channels in
        for c in channels { stats[c] = channelSum(inp, c, s) }
    }
    stats[s.C] = Double(s.B * s.L)
    sync.reduce(stats)
    let n = stats[s.C]
    for c in 0..<s.C { mean[c] = Float(stats[c] / n) }
    Parallel.forEachRange(s.C, minimumPerThread: channelsPerThread(s)) { channels in
        for c in channels { stats[c] = channelShiftedSums(inp, c, mean[c], s).1 }
    }
    sync.reduce(UnsafeMutableBufferPointer(rebasing: stats[0..<s.C]))
    Parallel.forEachRange(s.C, minimumPerThread: channelsPerThread(s)) { channels in
        for c in channels {
            normalise(out: out, mean: mean, rstd: rstd, runningMean: runningMean, runningVar: runningVar, inp: inp,
                      gamma: gamma, beta: beta, c: c, mu: Double(mean[c]), variance: stats[c] / n, n: n, s)
        }
    }
}

@inline(__always) private func channelSum(_ inp: UnsafePointer<Float>, _ c: Int, _ s: BatchNorm1dShape) -> Double {
    (0..<s.B).reduce(0.0) { $0 + sumOf(inp + ($1 * s.C + c) * s.L, s.L) }
}

/// Channel c's (Σ d, Σ d²) with d = x - shift over every batch element.
@inline(__always) private func channelShiftedSums(_ inp: UnsafePointer<Float>, _ c: Int, _ shift: Float,
                                                  _ s: BatchNorm1dShape) -> (Double, Double) {
    (0..<s.B).reduce((0.0, 0.0)) { acc, b in
        let (d, d2) = shiftedSums(inp + (b * s.C + c) * s.L, s.L, shift: shift)
        return (acc.0 + d, acc.1 + d2)
    }
}

@inline(__always) private func normalise(out: UnsafeMutablePointer<Float>, mean: UnsafeMutablePointer<Float>, rstd: UnsafeMutablePointer<Float>,
                                         runningMean: UnsafeMutablePointer<Float>, runningVar: UnsafeMutablePointer<Float>,
                                         inp: UnsafePointer<Float>, gamma: UnsafePointer<Float>, beta: UnsafePointer<Float>,
                                         c: Int, mu: Double, variance: Double, n: Double, _ s: BatchNorm1dShape) {
    let r = Float(1 / (variance + Double(s.eps)).squareRoot())
    mean[c] = Float(mu)
    rstd[c] = r
    let unbiased = n > 1 ? variance * n / (n - 1) : variance
    runningMean[c] = (1 - s.momentum) * runningMean[c] + s.momentum * Float(mu)
    runningVar[c] = (1 - s.momentum) * runningVar[c] + s.momentum * Float(unbiased)
    let scale = gamma[c] * r, shift = beta[c] - Float(mu) * scale
    for b in 0..<s.B {
        let x = inp + (b * s.C + c) * s.L, y = out + (b * s.C + c) * s.L
        for t in 0..<s.L { y[t] = x[t] * scale + shift }
    }
}

/// Eval mode: out = (inp - runningMean) / sqrt(runningVar + eps) * gamma + beta.
public func batchNorm1dForwardEval(out: UnsafeMutablePointer<Float>, inp: UnsafePointer<Float>,
                                   gamma: UnsafePointer<Float>, beta: UnsafePointer<Float>,
                                   runningMean: UnsafePointer<Float>, runningVar: UnsafePointer<Float>,
                                   shape s: BatchNorm1dShape) {
    Parallel.forEachRange(s.C, minimumPerThread: channelsPerThread(s)) { channels in
        for c in channels {
            let scale = gamma[c] / (runningVar[c] + s.eps).squareRoot()
            let shift = beta[c] - runningMean[c] * scale
            for b in 0..<s.B {
                let x = inp + (b * s.C + c) * s.L, y = out + (b * s.C + c) * s.L
                for t in 0..<s.L { y[t] = x[t] * scale + shift }
            }
        }
    }
}

/// Training-mode backward, from the `mean` and `rstd` the forward stored. Writes dinp (plus `addend` when given,
/// e.g. a residual branch's gradient) and accumulates dgamma, dbeta:
/// dx = rstd * gamma * (dy - mean(dy) - xhat * mean(dy * xhat)); with `sync`, the means are over every
/// process's batch (the same `sync` as the forward). dgamma and dbeta stay this process's own share.
public func batchNorm1dBackwardTrain(dinp: UnsafeMutablePointer<Float>, dgamma: UnsafeMutablePointer<Float>,
                                     dbeta: UnsafeMutablePointer<Float>, dout: UnsafePointer<Float>,
                                     inp: UnsafePointer<Float>, mean: UnsafePointer<Float>, rstd: UnsafePointer<Float>,
                                     gamma: UnsafePointer<Float>, addend: UnsafePointer<Float>? = nil,
                                     shape s: BatchNorm1dShape, sync: BatchNormSync? = nil) {
    @inline(__always) func sums(_ c: Int) -> (Float, Float) {
        var sumDy = 0.0, sumDyCentred = 0.0
        for b in 0..<s.B {
            let (g, gx) = sumAndShiftedDot(dout + (b * s.C + c) * s.L, inp + (b * s.C + c) * s.L, s.L, shift: mean[c])
            sumDy += g; sumDyCentred += gx
        }
        return (Float(sumDy), Float(sumDyCentred) * rstd[c])
    }
    @inline(__always) func apply(_ c: Int, meanDy: Float, meanDyXhat: Float) {
        // dx = k·dy + a·(x - mu) + c0 with a = -k·r·meanDyXhat, c0 = -k·meanDy
        let mu = mean[c], r = rstd[c], k = gamma[c] * r
        let a = -k * r * meanDyXhat, c0 = -k * meanDy
        for b in 0..<s.B {
            let row = (b * s.C + c) * s.L
            let x = inp + row, dy = dout + row, dx = dinp + row
            if let addend {
                let e = addend + row
                for t in 0..<s.L { dx[t] = k * dy[t] + a * (x[t] - mu) + c0 + e[t] }
            } else {
                for t in 0..<s.L { dx[t] = k * dy[t] + a * (x[t] - mu) + c0 }
            }
        }
    }
    guard let sync else {
        let n = Float(s.B * s.L)
        Parallel.forEachRange(s.C, minimumPerThread: channelsPerThread(s)) { channels in
            for c in channels {
                let (sumDy, sumDyXhat) = sums(c)
                dbeta[c] += sumDy
                dgamma[c] += sumDyXhat
                apply(c, meanDy: sumDy / n, meanDyXhat: sumDyXhat / n)
            }
        }
        return
    }
    let stats = sync.buffer(2 * s.C + 1)
    Parallel.forEachRange(s.C, minimumPerThread: channelsPerThread(s)) { channels in
        for c in channels {
            let (sumDy, sumDyXhat) = sums(c)
            dbeta[c] += sumDy
            dgamma[c] += sumDyXhat
            stats[2 * c] = Double(sumDy); stats[2 * c + 1] = Double(sumDyXhat)
        }
    }
    stats[2 * s.C] = Double(s.B * s.L)
    sync.reduce(stats)
    let n = stats[2 * s.C]
    Parallel.forEachRange(s.C, minimumPerThread: channelsPerThread(s)) { channels in
        for c in channels { apply(c, meanDy: Float(stats[2 * c] / n), meanDyXhat: Float(stats[2 * c + 1] / n)) }
    }
}

/// Eval-mode backward (running statistics are constants). Writes dinp (plus `addend` when given); accumulates
/// dgamma, dbeta.
public func batchNorm1dBackwardEval(dinp: UnsafeMutablePointer<Float>, dgamma: UnsafeMutablePointer<Float>,
                                    dbeta: UnsafeMutablePointer<Float>, dout: UnsafePointer<Float>,
                                    inp: UnsafePointer<Float>, gamma: UnsafePointer<Float>,
                                    runningMean: UnsafePointer<Float>, runningVar: UnsafePointer<Float>,
                                    addend: UnsafePointer<Float>? = nil, shape s: BatchNorm1dShape) {
    Parallel.forEachRange(s.C, minimumPerThread: channelsPerThread(s)) { channels in
        for c in channels {
            let r = 1 / (runningVar[c] + s.eps).squareRoot(), mu = runningMean[c], k = gamma[c] * r
            var sumDy = 0.0, sumDyCentred = 0.0
            for b in 0..<s.B {
                let row = (b * s.C + c) * s.L
                let x = inp + row, dy = dout + row, dx = dinp + row
                let (g, gx) = sumAndShiftedDot(dy, x, s.L, shift: mu)
                sumDy += g; sumDyCentred += gx
                if let addend {
                    let e = addend + row
                    for t in 0..<s.L { dx[t] = k * dy[t] + e[t] }
                } else {
                    for t in 0..<s.L { dx[t] = k * dy[t] }
                }
            }
            dbeta[c] += Float(sumDy)
            dgamma[c] += Float(sumDyCentred) * r
        }
    }
}

/// Channels per thread so that each thread gets at least ~32 K values.
@inline(__always) func channelsPerThread(_ s: BatchNorm1dShape) -> Int { max(1, 32768 / max(1, s.B * s.L)) }
