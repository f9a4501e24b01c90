import Foundation
import Testing
@testable import SAGEEngine

/// Finite-difference checks of the transformer block's layers (no PyTorch involved), including the dropout paths the
/// PyTorch fixtures cannot cover: the same generator seed gives the same masks, so the loss is a fixed function.
@Suite struct TransformerGradCheckTests {
    @Test func layerNorm() {
        let rows = 3, C = 5
        var inp = randomFloats(rows * C, seed: 31, scale: 2), gamma = randomFloats(C, seed: 32).map { $0 + 1.5 }
        var beta = randomFloats(C, seed: 33)
        let dout = randomFloats(rows * C, seed: 34)
        func loss(_ x: [Float], _ g: [Float], _ b: [Float]) -> Double {
            var out = [Float](repeating: 0, count: rows * C), xhat = out, rstd = [Float](repeating: 0, count: rows)
            layerNormForward(out: &out, xhat: &xhat, rstd: &rstd, inp: x, gamma: g, beta: b, rows: rows, C: C)
            return dot(out, dout)
        }
        var out = [Float](repeating: 0, count: rows * C), xhat = out, rstd = [Float](repeating: 0, count: rows)
        layerNormForward(out: &out, xhat: &xhat, rstd: &rstd, inp: inp, gamma: gamma, beta: beta, rows: rows, C: C)
        var dinp = dout, dgamma = [Float](repeating: 0, count: C), dbeta = dgamma   // dinp in place over dout
        layerNormBackward(dinp: &dinp, dgamma: &dgamma, dbeta: &dbeta, dout: dinp, xhat: xhat, rstd: rstd, gamma: gamma, rows: rows, C: C)
        let (x0, g0, b0) = (inp, gamma, beta)
        finiteDifferenceCheck(&inp, analytic: dinp, "layer norm dinp") { loss($0, g0, b0) }
        finiteDifferenceCheck(&gamma, analytic: dgamma, "layer norm dgamma") { loss(x0, $0, b0) }
        finiteDifferenceCheck(&beta, analytic: dbeta, "layer norm dbeta") { loss(x0, g0, $0) }
    }

    @Test(arguments: [Float(0), 0.3])
    func selfAttention(dropout p: Float) {
        let s = AttentionShape(B: 2, L: 4, d: 6, heads: 2)
        var qkv = randomFloats(s.B * s.L * 3 * s.d, seed: 35)
        let dout = randomFloats(s.B * s.L * s.d, seed: 36)
        var probs = [Float](repeating: 0, count: s.probsCount), dropped = probs, mask = probs
        func run(_ x: [Float]) -> [Float] {
            var out = [Float](repeating: 0, count: dout.count), rng = SplitMix64(seed: 37)
            selfAttentionForward(out: &out, probs: &probs, dropped: &dropped, mask: &mask, qkv: x, shape: s, p: p, rng: &rng)
            return out
        }
        _ = run(qkv)
        if p > 0 { #expect(mask.contains(0) && mask.contains(1 / (1 - p)), "some attention weights dropped, the rest scaled") }
        var dqkv = [Float](repeating: 0, count: qkv.count), dprobs = probs
        selfAttentionBackward(dqkv: &dqkv, dout: dout, qkv: qkv, probs: probs, dropped: p > 0 ? dropped : nil,
                              mask: p > 0 ? mask : nil, shape: s, dprobs: &dprobs)
        finiteDifferenceCheck(&qkv, analytic: dqkv, "attention dqkv (dropout \(p))") { dot(run($0), dout) }
    }

    /// The whole block in training mode with PyTorch's dropout 0.1, and in eval mode (where dropout is off).
    @Test(arguments: [true, false])
    func transformerBlock(training: Bool) {
        let (B, d, L) = (2, 4, 3)
        let store = ParameterStore()
        let layer = TransformerBlockLayer(store: store, prefix: "", d: d, heads: 2, L: L)
        store.seal()
        var params = randomFloats(store.parameterCount, seed: 38, scale: 0.6)
        for n in [layer.norm0, layer.norm1, layer.norm2] {   // layer-norm weights near 1
            for c in 0..<d { params[n.gamma + c] += 1 }
        }
        var x = randomFloats(B * d * L, seed: 39)
        let dout = randomFloats(B * d * L, seed: 40)
        let a = TransformerBlockActivations(layer, B: B), scratch = TransformerBlockScratch(layer, B: B)
        func loss(_ x: [Float], _ w: [Float]) -> Double {
            store.params.copy(from: w)
            var rng = SplitMix64(seed: 41)
            layer.forward(a, x: x, B: B, training: training, dropout: 0.1, store: store, rng: &rng)
            return dot(a.out.array, dout)
        }
        _ = loss(x, params)
        #expect(a.dropping == training)
        if training { #expect(a.ffMask.array.contains(0), "dropout dropped something in the feed-forward layer") }
        store.zeroGrads()
        var dx = [Float](repeating: 0, count: x.count)
        layer.backward(a, dout: dout, dx: &dx, B: B, store: store, scratch: scratch)
        let analytic = store.grads.array
        let (x0, p0) = (x, params)
        finiteDifferenceCheck(&x, analytic: dx, eps: 5e-3, "block dx (training \(training))") { loss($0, p0) }
        finiteDifferenceCheck(&params, analytic: analytic, eps: 5e-3, "block parameters (training \(training))") { loss(x0, $0) }
    }

    @Test func dropoutIsSeededAndOffInEvaluation() throws {
        var c = SAGEConfig(model: .psagenet)
        c.inputLen = 40; c.firstLayerKernelNumber = 4; c.intLayersKernelNumber = 6; c.intLayersKernelSize = 3
        c.hiddenSize = 4; c.nConvBlocks = 2; c.poolingSize = 4; c.blockType = .transformer
        func outputs(seed: UInt64, training: Bool) throws -> [Float] {
            let model = try SAGENet(config: c, seed: 3)
            model.dropoutRNG = SplitMix64(seed: seed)
            let x = FloatBuffer(count: 2 * 4 * 40)
            for i in 0..<x.count { x[i] = Float((i * 7) % 5) / 4 }
            model.forward(sequences: Array(repeating: UnsafePointer(x.pointer), count: 3), batch: 2, training: training)
            withExtendedLifetime(x) {}
            return model.currentWorkspace!.trunks[0].output.array   // the trunk's features (fc0's ReLU may hide them)
        }
        #expect(try outputs(seed: 1, training: true) == outputs(seed: 1, training: true), "the same seed, the same masks")
        #expect(try outputs(seed: 1, training: true) != outputs(seed: 2, training: true), "another seed, other masks")
        #expect(try outputs(seed: 1, training: false) == outputs(seed: 2, training: false), "no dropout in evaluation")
    }

    @Test func initialisationIsPyTorchs() throws {
        var c = SAGEConfig(model: .rsagenet)
        c.inputLen = 40; c.firstLayerKernelNumber = 4; c.intLayersKernelNumber = 12; c.intLayersKernelSize = 3
        c.hiddenSize = 4; c.nConvBlocks = 2; c.poolingSize = 4; c.blockType = .transformer
        let model = try SAGENet(config: c, seed: 5)
        func values(_ suffix: String) -> [Float] {
            let slot = model.store.parameterSlots.first { $0.name.hasSuffix(suffix) }!
            return Array(UnsafeBufferPointer(start: model.store.p(slot.offset), count: slot.count))
        }
        let e = "convlayers.2._module.0.2.layers.0."
        for norm in ["convlayers.2._module.0.1", e + "norm1", e + "norm2"] {
            #expect(values(norm + ".weight").allSatisfy { $0 == 1 } && values(norm + ".bias").allSatisfy { $0 == 0 }, "\(norm)")
        }
        #expect(values("self_attn.in_proj_bias").allSatisfy { $0 == 0 } && values("self_attn.out_proj.bias").allSatisfy { $0 == 0 })
        let inProj = values("self_attn.in_proj_weight").map(abs), xavier = (6 / Float(36 + 12)).squareRoot()
        #expect(inProj.max()! <= xavier && inProj.max()! > 1 / Float(12).squareRoot(), "Xavier-uniform, wider than Linear's bound")
        let linear1 = values("linear1.weight").map(abs)
        #expect(linear1.max()! <= 1 / Float(12).squareRoot(), "Linear's U(±1/sqrt(fan_in))")
    }
}
