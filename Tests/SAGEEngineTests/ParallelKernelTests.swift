import Testing
@testable import SAGEEngine

/// The threaded kernels split work by channel, row or element, never inside a reduction, so 2 threads must give
/// bit-identical results to 1 thread. Split GEMMs never cut a k sum either, but OpenBLAS's kernels round
/// differently for different block shapes: those agree to float rounding. Shapes cross the per-thread minimums.
@Suite(.serialized) struct ParallelKernelTests {
    func run(threads: Int) -> [[Float]] {
        Parallel.threads = threads
        BLAS.setThreads(1)  // GEMM blocking (and so rounding) depends on BLAS's thread count: keep it fixed
        defer { Parallel.threads = 1 }
        let s = Conv1dShape(B: 2, C: 4, L: 20000, OC: 6, K: 10)
        let inp = randomFloats(s.B * s.C * s.L, seed: 31), weight = randomFloats(s.OC * s.C * s.K, seed: 32)
        let bias = randomFloats(s.OC, seed: 33), dout = randomFloats(s.B * s.OC * s.Lout, seed: 34)
        var col = [Float](repeating: 0, count: s.workspaceCount(.im2col))
        var out = [Float](repeating: 0, count: dout.count), dinp = [Float](repeating: 0, count: inp.count)
        var dweight = [Float](repeating: 0, count: weight.count), dbias = [Float](repeating: 0, count: s.OC)
        conv1dForward(out: &out, inp: inp, weight: weight, bias: bias, shape: s, col: &col, algorithm: .im2col)
        conv1dBackward(dinp: &dinp, dweight: &dweight, dbias: &dbias, dout: dout, inp: inp, weight: weight, shape: s,
                       col: &col, algorithm: .im2col)

        let bs = BatchNorm1dShape(B: 2, C: 6, L: 20000)
        var rm = [Float](repeating: 0, count: 6), rv = [Float](repeating: 1, count: 6)
        var mean = rm, rstd = rm, bnOut = out, dbn = [Float](repeating: 0, count: out.count)
        var dgamma = rm, dbeta = rm
        let gamma = [Float](repeating: 1.5, count: 6), beta = [Float](repeating: 0.1, count: 6)
        batchNorm1dForwardTrain(out: &bnOut, mean: &mean, rstd: &rstd, runningMean: &rm, runningVar: &rv, inp: out,
                                gamma: gamma, beta: beta, shape: bs)
        batchNorm1dBackwardTrain(dinp: &dbn, dgamma: &dgamma, dbeta: &dbeta, dout: dout, inp: out, mean: mean, rstd: rstd,
                                 gamma: gamma, shape: bs)

        var relu = out, drelu = [Float](repeating: .nan, count: out.count), dreluBias = [Float](repeating: 0, count: 6)
        var residualOut = out
        biasReLUForward(relu: &relu, conv: out, bias: beta, residual: bnOut, out: &residualOut, B: 2, C: 6, L: 20000)
        biasReLUBackward(dconv: &drelu, dbias: &dreluBias, dout: dout, relu: relu, B: 2, C: 6, L: 20000)
        var pooled = [Float](repeating: 0, count: 12 * 2000), argmax = [Int32](repeating: 0, count: 12 * 2000)
        var dpool = [Float](repeating: 0, count: out.count)
        maxPool1dForward(out: &pooled, argmax: &argmax, inp: out, rows: 12, L: 20000, size: 10)
        maxPool1dBackward(dinp: &dpool, dout: dout, argmax: argmax, rows: 12, L: 20000, size: 10)
        var avg = pooled
        avgPool1dForward(out: &avg, inp: out, rows: 12, L: 20000, size: 10)

        // Tap-shifted convolution: its GEMMs are large enough to be split over the threads (by rows or columns of
        // the product, both directions occur here: forward and input gradient by columns, weight gradient by rows).
        let t = Conv1dShape(B: 1, C: 64, L: 4000, OC: 160, K: 5)
        let tin = randomFloats(t.C * t.L, seed: 35), tw = randomFloats(t.OC * t.C * t.K, seed: 36)
        let tdout = randomFloats(t.OC * t.Lout, seed: 37)
        var packed = [Float](repeating: 0, count: t.workspaceCount(.tapShifted))
        var tout = [Float](repeating: 0, count: tdout.count), tdin = [Float](repeating: 0, count: tin.count)
        var tdw = [Float](repeating: 0, count: tw.count)
        conv1dForward(out: &tout, inp: tin, weight: tw, bias: nil, shape: t, col: &packed, algorithm: .tapShifted)
        conv1dBackward(dinp: &tdin, dweight: &tdw, dbias: nil, dout: tdout, inp: tin, weight: tw, shape: t, col: &packed,
                       algorithm: .tapShifted)
        return [out, dinp, dweight, dbias, bnOut, dbn, dgamma, dbeta, rm, rv, relu, drelu, pooled, dpool, avg, tout, tdin, tdw,
                residualOut, dreluBias]
    }

    @Test func twoThreadsEqualOneThreadExactly() {
        let one = run(threads: 1), two = run(threads: 2)
        let gemmOutputs = 15..<18   // split GEMMs: OpenBLAS's rounding depends on the block shapes it is given
        for (i, (a, b)) in zip(one, two).enumerated() {
            let scale = a.map(abs).max() ?? 1, worst = zip(a, b).map { abs($0 - $1) / scale }.max() ?? 0
            if gemmOutputs.contains(i) {
                #expect(worst < 2e-6, "output \(i): 1 and 2 threads differ by \(worst) of its largest value")
            } else {
                #expect(a == b, "output \(i) differs between 1 and 2 threads (worst relative difference \(worst))")
            }
        }
    }
}
