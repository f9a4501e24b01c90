import Testing
@testable import SAGEEngine

/// Finite-difference checks of every layer's backward on tiny shapes, with no PyTorch involved:
/// loss(x) = sum(f(x) * dout) for a fixed random dout; d loss / d x from backward vs central differences.
@Suite struct GradCheckTests {
    @Test(arguments: [(3, 1, Conv1dPadding.same), (4, 2, .same), (2, 1, .valid)], Conv1dAlgorithm.allCases)
    func conv1d(_ geometry: (K: Int, dilation: Int, padding: Conv1dPadding), algorithm: Conv1dAlgorithm) {
        let (K, dilation, padding) = geometry
        let s = Conv1dShape(B: 2, C: 2, L: 9, OC: 3, K: K, dilation: dilation, padding: padding)
        var inp = randomFloats(s.B * s.C * s.L, seed: 1), weight = randomFloats(s.OC * s.C * s.K, seed: 2)
        var bias = randomFloats(s.OC, seed: 3)
        let dout = randomFloats(s.B * s.OC * s.Lout, seed: 4)
        var col = [Float](repeating: 0, count: s.workspaceCount(algorithm))
        func loss(_ x: [Float], _ w: [Float], _ b: [Float]) -> Double {
            var out = [Float](repeating: 0, count: dout.count)
            conv1dForward(out: &out, inp: x, weight: w, bias: b, shape: s, col: &col, algorithm: algorithm)
            return dot(out, dout)
        }
        var dinp = [Float](repeating: 0, count: inp.count), dweight = [Float](repeating: 0, count: weight.count)
        var dbias = [Float](repeating: 0, count: bias.count)
        conv1dBackward(dinp: &dinp, dweight: &dweight, dbias: &dbias, dout: dout, inp: inp, weight: weight, shape: s, col: &col,
                       algorithm: algorithm)
        let (w0, b0, x0) = (weight, bias, inp)
        finiteDifferenceCheck(&inp, analytic: dinp, "conv dinp") { loss($0, w0, b0) }
        finiteDifferenceCheck(&weight, analytic: dweight, "conv dweight") { loss(x0, $0, b0) }
        finiteDifferenceCheck(&bias, analytic: dbias, "conv dbias") { loss(x0, w0, $0) }
    }

    @Test(arguments: [true, false])
    func batchNorm1d(training: Bool) {
        let s = BatchNorm1dShape(B: 2, C: 3, L: 5)
        var inp = randomFloats(30, seed: 5, scale: 2), gamma = randomFloats(3, seed: 6).map { $0 + 1.5 }
        var beta = randomFloats(3, seed: 7)
        let dout = randomFloats(30, seed: 8), rm0 = randomFloats(3, seed: 9), rv0 = randomFloats(3, seed: 10).map { $0 + 1.5 }
        var mean = [Float](repeating: 0, count: 3), rstd = mean
        func loss(_ x: [Float], _ g: [Float], _ b: [Float]) -> Double {
            var out = [Float](repeating: 0, count: 30), rm = rm0, rv = rv0
            if training {
                batchNorm1dForwardTrain(out: &out, mean: &mean, rstd: &rstd, runningMean: &rm, runningVar: &rv,
                                        inp: x, gamma: g, beta: b, shape: s)
            } else {
                batchNorm1dForwardEval(out: &out, inp: x, gamma: g, beta: b, runningMean: rm, runningVar: rv, shape: s)
            }
            return dot(out, dout)
        }
        _ = loss(inp, gamma, beta)  // leaves this input's mean and rstd for backward
        var dinp = [Float](repeating: 0, count: 30), dgamma = [Float](repeating: 0, count: 3), dbeta = dgamma
        if training {
            batchNorm1dBackwardTrain(dinp: &dinp, dgamma: &dgamma, dbeta: &dbeta, dout: dout, inp: inp, mean: mean,
                                     rstd: rstd, gamma: gamma, shape: s)
        } else {
            batchNorm1dBackwardEval(dinp: &dinp, dgamma: &dgamma, dbeta: &dbeta, dout: dout, inp: inp, gamma: gamma,
                                    runningMean: rm0, runningVar: rv0, shape: s)
        }
        let (x0, g0, b0) = (inp, gamma, beta)
        finiteDifferenceCheck(&inp, analytic: dinp, eps: 1e-2, "bn dinp") { loss($0, g0, b0) }
        finiteDifferenceCheck(&gamma, analytic: dgamma, "bn dgamma") { loss(x0, $0, b0) }
        finiteDifferenceCheck(&beta, analytic: dbeta, "bn dbeta") { loss(x0, g0, $0) }
    }

    @Test(arguments: [(PoolType.avg, 7, 3), (.max, 7, 3), (.avg, 4, 5), (.max, 9, 3)])
    func pool1d(type: PoolType, L: Int, size: Int) {
        let rows = 4, Lout = pooledLength(L, size: size)
        // Well-separated values (a shuffled ramp) so that no small step changes a window's argmax.
        var rng = SplitMix64(seed: 11)
        var inp = (0..<(rows * L)).map { Float($0) * 0.1 }.shuffled(using: &rng)
        let dout = randomFloats(rows * Lout, seed: 12)
        var argmax = [Int32](repeating: 0, count: rows * Lout)
        func loss(_ x: [Float]) -> Double {
            var out = [Float](repeating: 0, count: rows * Lout)
            if type == .avg { avgPool1dForward(out: &out, inp: x, rows: rows, L: L, size: size) } else {
                maxPool1dForward(out: &out, argmax: &argmax, inp: x, rows: rows, L: L, size: size)
            }
            return dot(out, dout)
        }
        _ = loss(inp)
        var dinp = [Float](repeating: 0, count: inp.count)
        if type == .avg { avgPool1dBackward(dinp: &dinp, dout: dout, rows: rows, L: L, size: size) } else {
            maxPool1dBackward(dinp: &dinp, dout: dout, argmax: argmax, rows: rows, L: L, size: size)
        }
        finiteDifferenceCheck(&inp, analytic: dinp, eps: 1e-2, "\(type) pool dinp", loss: loss)
    }

    @Test func linear() {
        let (B, IN, OUT) = (3, 4, 2)
        var inp = randomFloats(B * IN, seed: 13), weight = randomFloats(OUT * IN, seed: 14), bias = randomFloats(OUT, seed: 15)
        let dout = randomFloats(B * OUT, seed: 16)
        func loss(_ x: [Float], _ w: [Float], _ b: [Float]) -> Double {
            var out = [Float](repeating: 0, count: B * OUT)
            linearForward(out: &out, inp: x, weight: w, bias: b, B: B, IN: IN, OUT: OUT)
            return dot(out, dout)
        }
        var dinp = [Float](repeating: 0, count: inp.count), dweight = [Float](repeating: 0, count: weight.count)
        var dbias = [Float](repeating: 0, count: OUT)
        linearBackward(dinp: &dinp, dweight: &dweight, dbias: &dbias, dout: dout, inp: inp, weight: weight, B: B, IN: IN, OUT: OUT)
        let (x0, w0, b0) = (inp, weight, bias)
        finiteDifferenceCheck(&inp, analytic: dinp, "linear dinp") { loss($0, w0, b0) }
        finiteDifferenceCheck(&weight, analytic: dweight, "linear dweight") { loss(x0, $0, b0) }
        finiteDifferenceCheck(&bias, analytic: dbias, "linear dbias") { loss(x0, w0, $0) }
    }

    @Test func biasReLUMSEAndDropout() {
        // Bias + ReLU (+ residual) on (B 2, C 2, L 5), inputs away from the kink at -bias.
        let bias: [Float] = [0.3, -0.2]
        var x = randomFloats(20, seed: 17).enumerated().map { i, v in
            let b = bias[(i / 5) % 2]
            return v + b >= 0 ? v + 0.1 : v - 0.1
        }
        let dout = randomFloats(20, seed: 18), skip = randomFloats(20, seed: 22)
        var out = [Float](repeating: 0, count: 20), dinp = out, dbias: [Float] = [0, 0]
        var relu = out
        biasReLUForward(relu: &relu, conv: x, bias: bias, residual: skip, out: &out, B: 2, C: 2, L: 5)
        biasReLUBackward(dconv: &dinp, dbias: &dbias, dout: dout, relu: relu, B: 2, C: 2, L: 5)
        func loss(_ v: [Float], _ b: [Float]) -> Double {
            var o = [Float](repeating: 0, count: 20), r = o
            biasReLUForward(relu: &r, conv: v, bias: b, residual: skip, out: &o, B: 2, C: 2, L: 5)
            return dot(o, dout)
        }
        let x0 = x
        var b = bias
        finiteDifferenceCheck(&x, analytic: dinp, "bias+relu dinp") { loss($0, bias) }
        finiteDifferenceCheck(&b, analytic: dbias, "bias+relu dbias") { loss(x0, $0) }
        let residualAdded = zip(zip(out, relu), skip).allSatisfy { $0.0 == $0.1 + $1 }
        #expect(residualAdded, "residual output = skip + relu")

        var pred = randomFloats(6, seed: 19)
        let target = randomFloats(6, seed: 20)
        var dpred = [Float](repeating: 0, count: 6)
        mseBackward(dpred: &dpred, pred: pred, target: target, count: 6, scale: 3)
        finiteDifferenceCheck(&pred, analytic: dpred, "mse dpred") { 3 * Double(mseForward(pred: $0, target: target, count: 6)) }

        // Dropout: the same seed gives the same mask; backward applies that mask.
        var mask = [Float](repeating: 0, count: 20), mask2 = mask
        var rng = SplitMix64(seed: 21), rng2 = SplitMix64(seed: 21)
        dropoutForward(out: &out, mask: &mask, inp: x, count: 20, p: 0.5, rng: &rng)
        dropoutForward(out: &out, mask: &mask2, inp: x, count: 20, p: 0.5, rng: &rng2)
        #expect(mask == mask2)
        #expect(Set(mask).isSubset(of: [0, 2]) && mask.contains(0) && mask.contains(2))
        var ddrop = [Float](repeating: 0, count: 20)
        dropoutBackward(dinp: &ddrop, dout: dout, mask: mask, count: 20)
        finiteDifferenceCheck(&x, analytic: ddrop, "dropout dinp") { v in dot(zip(v, mask).map { $0 * $1 }, dout) }
    }
}
