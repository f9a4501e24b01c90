import Testing
@testable import SAGEEngine

/// The trunk's kernels write their input gradients (no zeroing pass before them) and the convolution may skip its
/// bias (a conv block adds it in its ReLU pass). Each is checked against a direct Double computation, with the
/// output buffers filled with NaN beforehand, so any element left unwritten or accumulated into shows.
@Suite struct WriteSemanticsTests {
    /// Direct convolution in Double: out[b, o, t] = Σ_c Σ_k w[o, c, k] x[b, c, t + k·d - left], and its input
    /// gradient for a given dout.
    func reference(_ s: Conv1dShape, x: [Float], w: [Float], dout: [Float]) -> (out: [Float], dinp: [Float]) {
        var out = [Double](repeating: 0, count: s.B * s.OC * s.Lout), dinp = [Double](repeating: 0, count: x.count)
        for b in 0..<s.B {
            for o in 0..<s.OC {
                for t in 0..<s.Lout {
                    for c in 0..<s.C {
                        for k in 0..<s.K {
                            let i = t + k * s.dilation - s.padLeft
                            guard i >= 0 && i < s.L else { continue }
                            let wv = Double(w[(o * s.C + c) * s.K + k])
                            out[(b * s.OC + o) * s.Lout + t] += wv * Double(x[(b * s.C + c) * s.L + i])
                            dinp[(b * s.C + c) * s.L + i] += wv * Double(dout[(b * s.OC + o) * s.Lout + t])
                        }
                    }
                }
            }
        }
        return (out.map(Float.init), dinp.map(Float.init))
    }

    @Test(arguments: [(3, 1, Conv1dPadding.same), (4, 1, .same), (10, 1, .same), (4, 2, .same), (5, 2, .same),
                      (3, 1, .valid), (2, 3, .valid)], Conv1dAlgorithm.allCases)
    func convolutionWithoutBiasWritesOutputAndInputGradient(_ g: (K: Int, dilation: Int, padding: Conv1dPadding),
                                                             algorithm: Conv1dAlgorithm) {
        let s = Conv1dShape(B: 2, C: 3, L: 23, OC: 4, K: g.K, dilation: g.dilation, padding: g.padding)
        let x = randomFloats(s.B * s.C * s.L, seed: 41), w = randomFloats(s.OC * s.C * s.K, seed: 42)
        let dout = randomFloats(s.B * s.OC * s.Lout, seed: 43)
        let (refOut, refDinp) = reference(s, x: x, w: w, dout: dout)
        var col = [Float](repeating: 0, count: s.workspaceCount(algorithm))
        var out = [Float](repeating: .nan, count: refOut.count), dinp = [Float](repeating: .nan, count: x.count)
        var dweight = [Float](repeating: 0, count: w.count)
        conv1dForward(out: &out, inp: x, weight: w, bias: nil, shape: s, col: &col, algorithm: algorithm)
        conv1dBackward(dinp: &dinp, dweight: &dweight, dbias: nil, dout: dout, inp: x, weight: w, shape: s, col: &col,
                       algorithm: algorithm)
        expectClose(out, refOut, "conv out without bias, K \(g.K) d \(g.dilation) \(g.padding) \(algorithm)")
        expectClose(dinp, refDinp, "conv dinp, K \(g.K) d \(g.dilation) \(g.padding) \(algorithm)")
    }

    @Test(arguments: [true, false])
    func batchNormBackwardWritesAndAddsTheResidual(training: Bool) {
        let s = BatchNorm1dShape(B: 2, C: 3, L: 37)
        let x = randomFloats(s.B * s.C * s.L, seed: 44, scale: 3), dout = randomFloats(x.count, seed: 45)
        let addend = randomFloats(x.count, seed: 46)
        let gamma: [Float] = [1.5, 0.5, -1], beta: [Float] = [0.1, 0, -0.2]
        var mean = [Float](repeating: 0, count: 3), rstd = mean, rm = mean, rv = [Float](repeating: 1, count: 3)
        var y = x
        batchNorm1dForwardTrain(out: &y, mean: &mean, rstd: &rstd, runningMean: &rm, runningVar: &rv, inp: x,
                                gamma: gamma, beta: beta, shape: s)
        func backward(_ dinp: inout [Float], addend: [Float]?) {
            var dgamma = [Float](repeating: 0, count: 3), dbeta = dgamma
            if training {
                batchNorm1dBackwardTrain(dinp: &dinp, dgamma: &dgamma, dbeta: &dbeta, dout: dout, inp: x, mean: mean,
                                         rstd: rstd, gamma: gamma, addend: addend, shape: s)
            } else {
                batchNorm1dBackwardEval(dinp: &dinp, dgamma: &dgamma, dbeta: &dbeta, dout: dout, inp: x, gamma: gamma,
                                        runningMean: rm, runningVar: rv, addend: addend, shape: s)
            }
        }
        var plain = [Float](repeating: .nan, count: x.count), summed = plain
        backward(&plain, addend: nil)
        backward(&summed, addend: addend)
        let everyElementWritten = plain.allSatisfy { $0.isFinite }
        #expect(everyElementWritten)
        expectClose(summed, zip(plain, addend).map { $0 + $1 }, "batch norm dinp + addend")
    }

    @Test(arguments: [PoolType.avg, .max])
    func poolingBackwardWrites(type: PoolType) {
        let rows = 3, L = 23, size = 5, Lout = pooledLength(L, size: size)
        let x = randomFloats(rows * L, seed: 47), dout = randomFloats(rows * Lout, seed: 48)
        var out = [Float](repeating: 0, count: rows * Lout), argmax = [Int32](repeating: 0, count: out.count)
        var dinp = [Float](repeating: .nan, count: x.count), expected = [Float](repeating: 0, count: x.count)
        for r in 0..<rows {
            for j in 0..<Lout {
                let window = (j * size)..<min(j * size + size, L)
                if type == .avg {
                    for t in window { expected[r * L + t] = dout[r * Lout + j] / Float(window.count) }
                } else {
                    let best = window.max { x[r * L + $0] < x[r * L + $1] }!
                    expected[r * L + best] = dout[r * Lout + j]
                }
            }
        }
        if type == .avg {
            avgPool1dBackward(dinp: &dinp, dout: dout, rows: rows, L: L, size: size)
        } else {
            maxPool1dForward(out: &out, argmax: &argmax, inp: x, rows: rows, L: L, size: size)
            maxPool1dBackward(dinp: &dinp, dout: dout, argmax: argmax, rows: rows, L: L, size: size)
        }
        #expect(dinp == expected)
    }

    @Test func biasReLUWritesAndSumsTheBiasGradient() {
        let B = 2, C = 3, L = 41   // L not a multiple of the SIMD width: the tail loop runs too
        let conv = randomFloats(B * C * L, seed: 49), dout = randomFloats(conv.count, seed: 50)
        let bias: [Float] = [0.2, -0.3, 0]
        var relu = [Float](repeating: .nan, count: conv.count), dconv = relu, dbias: [Float] = [1, 1, 1]
        biasReLUForward(relu: &relu, conv: conv, bias: bias, B: B, C: C, L: L)
        biasReLUBackward(dconv: &dconv, dbias: &dbias, dout: dout, relu: relu, B: B, C: C, L: L)
        var expectedDbias: [Double] = [1, 1, 1]
        for i in conv.indices {
            let c = (i / L) % C
            #expect(relu[i] == max(conv[i] + bias[c], 0))
            #expect(dconv[i] == (relu[i] > 0 ? dout[i] : 0))
            expectedDbias[c] += Double(dconv[i])
        }
        expectClose(dbias, expectedDbias.map(Float.init), "bias gradient accumulates")
    }
}
