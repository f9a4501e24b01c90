import Foundation
import Testing
@testable import SAGEEngine

/// Every kernel, forward and every gradient, against PyTorch's float32 results (tools/make_fixtures.py).
@Suite struct KernelParityTests {
    @Test(arguments: Fixtures.cases(op: "conv1d"))
    func conv1d(name: String) {
        let f: (String) -> [Float] = { Fixtures.floats("\(name)/\($0)") }
        let padding = Conv1dPadding(rawValue: Fixtures.kernelCases[name]!["padding"] as! String)!
        let s = Conv1dShape(B: Fixtures.int(name, "B"), C: Fixtures.int(name, "C"), L: Fixtures.int(name, "L"),
                            OC: Fixtures.int(name, "OC"), K: Fixtures.int(name, "K"),
                            dilation: Fixtures.int(name, "dilation"), padding: padding)
        let inp = f("inp"), weight = f("weight"), bias = f("bias"), dout = f("dout")
        for algorithm in Conv1dAlgorithm.allCases {
            var out = [Float](repeating: .nan, count: s.B * s.OC * s.Lout)
            var col = [Float](repeating: .nan, count: s.workspaceCount(algorithm))
            var dinp = [Float](repeating: 0, count: inp.count), dweight = [Float](repeating: 0, count: weight.count)
            var dbias = [Float](repeating: 0, count: bias.count)
            conv1dForward(out: &out, inp: inp, weight: weight, bias: bias, shape: s, col: &col, algorithm: algorithm)
            conv1dBackward(dinp: &dinp, dweight: &dweight, dbias: &dbias, dout: dout, inp: inp, weight: weight, shape: s,
                           col: &col, algorithm: algorithm)
            expectClose(out, f("out"), "\(name) \(algorithm) out")
            expectClose(dinp, f("dinp"), "\(name) \(algorithm) dinp")
            expectClose(dweight, f("dweight"), "\(name) \(algorithm) dweight")
            expectClose(dbias, f("dbias"), "\(name) \(algorithm) dbias")
        }
    }

    @Test(arguments: Fixtures.cases(op: "batchnorm1d"))
    func batchNorm1d(name: String) {
        let f: (String) -> [Float] = { Fixtures.floats("\(name)/\($0)") }
        let s = BatchNorm1dShape(B: Fixtures.int(name, "B"), C: Fixtures.int(name, "C"), L: Fixtures.int(name, "L"))
        let training = Fixtures.kernelCases[name]!["training"] as! Bool
        let inp = f("inp"), gamma = f("gamma"), beta = f("beta"), dout = f("dout")
        var runningMean = f("running_mean_before"), runningVar = f("running_var_before")
        var out = [Float](repeating: .nan, count: inp.count)
        var mean = [Float](repeating: 0, count: s.C), rstd = [Float](repeating: 0, count: s.C)
        var dinp = [Float](repeating: 0, count: inp.count)
        var dgamma = [Float](repeating: 0, count: s.C), dbeta = [Float](repeating: 0, count: s.C)
        if training {
            batchNorm1dForwardTrain(out: &out, mean: &mean, rstd: &rstd, runningMean: &runningMean, runningVar: &runningVar,
                                    inp: inp, gamma: gamma, beta: beta, shape: s)
            batchNorm1dBackwardTrain(dinp: &dinp, dgamma: &dgamma, dbeta: &dbeta, dout: dout, inp: inp, mean: mean,
                                     rstd: rstd, gamma: gamma, shape: s)
        } else {
            batchNorm1dForwardEval(out: &out, inp: inp, gamma: gamma, beta: beta, runningMean: runningMean,
                                   runningVar: runningVar, shape: s)
            batchNorm1dBackwardEval(dinp: &dinp, dgamma: &dgamma, dbeta: &dbeta, dout: dout, inp: inp, gamma: gamma,
                                    runningMean: runningMean, runningVar: runningVar, shape: s)
        }
        expectClose(out, f("out"), "\(name) out")
        expectClose(runningMean, f("running_mean_after"), "\(name) running_mean")
        expectClose(runningVar, f("running_var_after"), "\(name) running_var")
        expectClose(dinp, f("dinp"), "\(name) dinp")
        expectClose(dgamma, f("dgamma"), "\(name) dgamma")
        expectClose(dbeta, f("dbeta"), "\(name) dbeta")
    }

    @Test(arguments: Fixtures.cases(op: "avgpool1d") + Fixtures.cases(op: "maxpool1d"))
    func pool1d(name: String) {
        let f: (String) -> [Float] = { Fixtures.floats("\(name)/\($0)") }
        let rows = Fixtures.int(name, "B") * Fixtures.int(name, "C"), L = Fixtures.int(name, "L"), size = Fixtures.int(name, "size")
        let inp = f("inp"), dout = f("dout")
        let Lout = pooledLength(L, size: size)
        var out = [Float](repeating: .nan, count: rows * Lout), dinp = [Float](repeating: 0, count: inp.count)
        if name.hasPrefix("avg") {
            avgPool1dForward(out: &out, inp: inp, rows: rows, L: L, size: size)
            avgPool1dBackward(dinp: &dinp, dout: dout, rows: rows, L: L, size: size)
        } else {
            var argmax = [Int32](repeating: -1, count: rows * Lout)
            maxPool1dForward(out: &out, argmax: &argmax, inp: inp, rows: rows, L: L, size: size)
            maxPool1dBackward(dinp: &dinp, dout: dout, argmax: argmax, rows: rows, L: L, size: size)
        }
        expectClose(out, f("out"), "\(name) out")
        expectClose(dinp, f("dinp"), "\(name) dinp")
    }

    @Test func linear() {
        let f: (String) -> [Float] = { Fixtures.floats("linear/\($0)") }
        let B = Fixtures.int("linear", "B"), IN = Fixtures.int("linear", "IN"), OUT = Fixtures.int("linear", "OUT")
        let inp = f("inp"), weight = f("weight"), bias = f("bias"), dout = f("dout")
        var out = [Float](repeating: .nan, count: B * OUT)
        var dinp = [Float](repeating: 0, count: inp.count), dweight = [Float](repeating: 0, count: weight.count)
        var dbias = [Float](repeating: 0, count: OUT)
        linearForward(out: &out, inp: inp, weight: weight, bias: bias, B: B, IN: IN, OUT: OUT)
        linearBackward(dinp: &dinp, dweight: &dweight, dbias: &dbias, dout: dout, inp: inp, weight: weight, B: B, IN: IN, OUT: OUT)
        expectClose(out, f("out"), "linear out")
        expectClose(dinp, f("dinp"), "linear dinp")
        expectClose(dweight, f("dweight"), "linear dweight")
        expectClose(dbias, f("dbias"), "linear dbias")
    }

    @Test func reluAndMSE() {
        let inp = Fixtures.floats("relu/inp"), dout = Fixtures.floats("relu/dout")
        // The conv blocks' fused bias + ReLU with a zero bias is PyTorch's ReLU; its bias gradient is the sum of dinp.
        var out = [Float](repeating: .nan, count: inp.count), dinp = out, dbias: [Float] = [0]
        biasReLUForward(relu: &out, conv: inp, bias: [0], B: 1, C: 1, L: inp.count)
        biasReLUBackward(dconv: &dinp, dbias: &dbias, dout: dout, relu: out, B: 1, C: 1, L: inp.count)
        expectClose(out, Fixtures.floats("relu/out"), "relu out")
        expectClose(dinp, Fixtures.floats("relu/dinp"), "relu dinp")
        expectClose(dbias, [Fixtures.floats("relu/dinp").reduce(0, +)], "relu dbias")

        let pred = Fixtures.floats("mse/pred"), target = Fixtures.floats("mse/target")
        var dpred = [Float](repeating: 0, count: pred.count)
        let loss = mseForward(pred: pred, target: target, count: pred.count)
        mseBackward(dpred: &dpred, pred: pred, target: target, count: pred.count)
        expectClose([loss], Fixtures.floats("mse/loss"), "mse loss")
        expectClose(dpred, Fixtures.floats("mse/dpred"), "mse dpred")
    }

    @Test func fixturesCoverTheGrid() {
        #expect(Fixtures.cases(op: "conv1d").count == 8)
        #expect(Set(Fixtures.cases(op: "batchnorm1d")) == ["bn_train", "bn_eval"])
        #expect(Fixtures.cases(op: "avgpool1d").count == 4 && Fixtures.cases(op: "maxpool1d").count == 4)
        #expect(Fixtures.kernels.metadata["magic"] == "sage-mpi-fixtures")
    }
}
