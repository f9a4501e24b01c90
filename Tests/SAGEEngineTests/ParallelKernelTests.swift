import Foundation
import Testing
@testable import SAGEEngine

/// The threaded kernels split work by channel, row or element, never inside a reduction, so 2 threads must give
/// bit-identical results to 1 thread. Split GEMMs never cut a k sum either, but OpenBLAS's kernels round
/// differently for different block shapes, and a convolution's weight gradient over batch elements dealt to
/// threads is summed per thread first: those agree to float rounding. Shapes cross the per-thread minimums.
@Suite(.serialized) struct ParallelKernelTests {
    /// On `threads` threads for this test's calls only (`withThreads`: the other suites, running at the same time,
    /// keep theirs, so their bit-for-bit comparisons are not disturbed).
    func run(threads: Int) -> [[Float]] {
        BLAS.setThreads(1)  // GEMM blocking (and so rounding) depends on BLAS's thread count: keep it fixed
        return Parallel.withThreads(threads) { kernels(threads: threads) }
    }

    /// The override is this thread's: another thread at the same moment sees the configured count.
    @Test func withThreadsChangesOnlyTheCallingThreadsCount() {
        let configured = Parallel.threads
        Parallel.withThreads(configured + 3) {
            #expect(Parallel.threads == configured + 3)
            let done = DispatchSemaphore(value: 0)
            nonisolated(unsafe) var elsewhere = 0
            Thread { elsewhere = Parallel.threads; done.signal() }.start()
            done.wait()
            #expect(elsewhere == configured)
        }
        #expect(Parallel.threads == configured)
    }

    func kernels(threads: Int) -> [[Float]] {
        let s = Conv1dShape(B: 2, C: 4, L: 20000, OC: 6, K: 10)
        let inp = randomFloats(s.B * s.C * s.L, seed: 31), weight = randomFloats(s.OC * s.C * s.K, seed: 32)
        let bias = randomFloats(s.OC, seed: 33), dout = randomFloats(s.B * s.OC * s.Lout, seed: 34)
        var col = [Float](repeating: 0, count: s.workspaceCount(.im2col, parts: 2))   // batch elements over threads
        #expect(s.batchParts(available: 2) == threads)
        var out = [Float](repeating: 0, count: dout.count), dinp = [Float](repeating: 0, count: inp.count)
        var dweight = [Float](repeating: 0, count: weight.count), dbias = [Float](repeating: 0, count: s.OC)
        conv1dForward(out: &out, inp: inp, weight: weight, bias: bias, shape: s, col: &col, algorithm: .im2col, parts: 2)
        conv1dBackward(dinp: &dinp, dweight: &dweight, dbias: &dbias, dout: dout, inp: inp, weight: weight, shape: s,
                       col: &col, algorithm: .im2col, parts: 2)

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
        // Split GEMMs (OpenBLAS's rounding depends on the block shapes it is given) and per-thread partial sums of
        // the weight gradient over batch elements agree to rounding; everything else bit for bit.
        let gemmOutputs: Set<Int> = [2, 15, 16, 17]
        for (i, (a, b)) in zip(one, two).enumerated() {
            let scale = a.map(abs).max() ?? 1, worst = zip(a, b).map { abs($0 - $1) / scale }.max() ?? 0
            if gemmOutputs.contains(i) {
                #expect(worst < 2e-6, "output \(i): 1 and 2 threads differ by \(worst) of its largest value")
            } else {
                #expect(a == b, "output \(i) differs between 1 and 2 threads (worst relative difference \(worst))")
            }
        }
    }

    /// A whole p-SAGE-net training step (batch 4: convolutions deal elements to threads) on 2 threads against 1.
    @Test func modelStepOnTwoThreadsMatchesOneThread() throws {
        func step(threads: Int) throws -> (outputs: [Float], grads: [Float]) {
            BLAS.setThreads(1)
            return try Parallel.withThreads(threads) { try stepOnThisThread() }
        }
        func stepOnThisThread() throws -> (outputs: [Float], grads: [Float]) {
            var config = SAGEConfig(model: .psagenet)
            config.inputLen = 3000; config.firstLayerKernelNumber = 48; config.intLayersKernelNumber = 40
            config.hiddenSize = 8; config.nConvBlocks = 2; config.nDilatedConvBlocks = 1
            let model = try SAGENet(config: config, seed: 3)
            let B = 4, L = config.inputLen
            let x = FloatBuffer(count: B * 4 * L)
            var rng = SplitMix64(seed: 70)
            for i in 0..<(B * L) { x[(i / L) * 4 * L + Int(rng.next() % 4) * L + i % L] = 1 }
            let sequences = [UnsafePointer(x.pointer), UnsafePointer(x.pointer), UnsafePointer(x.pointer)]
            let targets = randomFloats(B * 2, seed: 71)
            model.store.zeroGrads()
            let outputs = Array(model.forward(sequences: sequences, batch: B, training: true))
            _ = model.loss(targets: targets)
            model.backward(sequences: sequences)
            withExtendedLifetime(x) {}
            return (outputs, Array(UnsafeBufferPointer(start: model.store.grads.pointer, count: model.store.parameterCount)))
        }
        let one = try step(threads: 1), two = try step(threads: 2)
        expectClose(two.outputs, one.outputs, rtol: 1e-5, atol: 1e-6, "outputs, 2 threads vs 1")
        expectClose(two.grads, one.grads, rtol: 1e-4, atol: 1e-6, "gradients, 2 threads vs 1")
    }
}
