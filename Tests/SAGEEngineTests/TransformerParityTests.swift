import Foundation
import Testing
@testable import SAGEEngine

/// The PyTorch fixtures of block_type = "transformer" (tools/make_transformer_fixtures.py).
enum TransformerFixtures {
    static let file: SafeTensors = {
        try! SafeTensors.read(path: Fixtures.directory.appendingPathComponent("transformer.safetensors").path)
    }()
    nonisolated(unsafe) static let cases: [String: [String: Any]] = {
        try! JSONSerialization.jsonObject(with: file.metadata["cases"]!.data(using: .utf8)!) as! [String: [String: Any]]
    }()
    static func cases(op: String) -> [String] { cases.filter { $0.value["op"] as? String == op }.map(\.key).sorted() }
    static func floats(_ name: String) -> [Float] { try! file.floats(name) }
    static func int(_ name: String, _ key: String) -> Int { cases[name]![key] as! Int }

    static func modelConfig(_ name: String) -> SAGEConfig {
        var object = cases[name]!["hparams"] as! [String: Any]
        object["model"] = cases[name]!["model"]
        return try! JSONDecoder().decode(SAGEConfig.self, from: JSONSerialization.data(withJSONObject: object))
    }
}

/// LayerNorm, multi-head self-attention and SAGE-net's transformer block (nn.TransformerEncoderLayer inside), forward
/// and every gradient against PyTorch's float32 results; whole models with the block; a 10-step training curve.
@Suite struct TransformerParityTests {
    @Test(arguments: TransformerFixtures.cases(op: "layernorm"))
    func layerNorm(name: String) {
        let f: (String) -> [Float] = { TransformerFixtures.floats("\(name)/\($0)") }
        let rows = TransformerFixtures.int(name, "rows"), C = TransformerFixtures.int(name, "C")
        let inp = f("inp"), gamma = f("gamma"), beta = f("beta"), dout = f("dout")
        var out = [Float](repeating: .nan, count: inp.count), xhat = out, rstd = [Float](repeating: .nan, count: rows)
        var dinp = [Float](repeating: .nan, count: inp.count)
        var dgamma = [Float](repeating: 0, count: C), dbeta = dgamma
        layerNormForward(out: &out, xhat: &xhat, rstd: &rstd, inp: inp, gamma: gamma, beta: beta, rows: rows, C: C)
        layerNormBackward(dinp: &dinp, dgamma: &dgamma, dbeta: &dbeta, dout: dout, xhat: xhat, rstd: rstd, gamma: gamma, rows: rows, C: C)
        expectClose(out, f("out"), "\(name) out")
        expectClose(dinp, f("dinp"), "\(name) dinp")
        expectClose(dgamma, f("dgamma"), "\(name) dgamma")
        expectClose(dbeta, f("dbeta"), "\(name) dbeta")
    }

    /// nn.MultiheadAttention = in_proj (Linear d -> 3d) -> selfAttention -> out_proj (Linear d -> d).
    @Test(arguments: TransformerFixtures.cases(op: "attention"))
    func multiHeadAttention(name: String) {
        let f: (String) -> [Float] = { TransformerFixtures.floats("\(name)/\($0)") }
        let int = { TransformerFixtures.int(name, $0) }
        let s = AttentionShape(B: int("B"), L: int("L"), d: int("d"), heads: int("heads"))
        let rows = s.B * s.L, d = s.d
        let x = f("inp"), wIn = f("in_proj_weight"), bIn = f("in_proj_bias"), wOut = f("out_proj_weight"), bOut = f("out_proj_bias")
        let dout = f("dout")
        var qkv = [Float](repeating: .nan, count: rows * 3 * d), probs = [Float](repeating: .nan, count: s.probsCount)
        var attn = [Float](repeating: .nan, count: rows * d), out = attn
        var rng = SplitMix64(seed: 0)
        linearForward(out: &qkv, inp: x, weight: wIn, bias: bIn, B: rows, IN: d, OUT: 3 * d)
        selfAttentionForward(out: &attn, probs: &probs, dropped: nil, mask: nil, qkv: qkv, shape: s, p: 0, rng: &rng)
        linearForward(out: &out, inp: attn, weight: wOut, bias: bOut, B: rows, IN: d, OUT: d)
        expectClose(out, f("out"), "\(name) out")
        expectClose(probs, f("probs"), "\(name) probs")

        var dattn = [Float](repeating: 0, count: rows * d), dqkv = [Float](repeating: .nan, count: rows * 3 * d)
        var dprobs = [Float](repeating: .nan, count: s.probsCount), dx = [Float](repeating: 0, count: x.count)
        var dwIn = [Float](repeating: 0, count: wIn.count), dbIn = [Float](repeating: 0, count: bIn.count)
        var dwOut = [Float](repeating: 0, count: wOut.count), dbOut = [Float](repeating: 0, count: bOut.count)
        linearBackward(dinp: &dattn, dweight: &dwOut, dbias: &dbOut, dout: dout, inp: attn, weight: wOut, B: rows, IN: d, OUT: d)
        selfAttentionBackward(dqkv: &dqkv, dout: dattn, qkv: qkv, probs: probs, dropped: nil, mask: nil, shape: s, dprobs: &dprobs)
        linearBackward(dinp: &dx, dweight: &dwIn, dbias: &dbIn, dout: dqkv, inp: x, weight: wIn, B: rows, IN: d, OUT: 3 * d)
        expectClose(dx, f("dinp"), "\(name) dinp")
        expectClose(dwIn, f("din_proj_weight"), "\(name) d in_proj_weight")
        expectClose(dbIn, f("din_proj_bias"), "\(name) d in_proj_bias")
        expectClose(dwOut, f("dout_proj_weight"), "\(name) d out_proj.weight")
        expectClose(dbOut, f("dout_proj_bias"), "\(name) d out_proj.bias")
    }

    /// Residual(TransformerBlock) with PyTorch's nn.TransformerEncoderLayer (eval, and training with dropout 0).
    @Test(arguments: TransformerFixtures.cases(op: "transformer_block"))
    func transformerBlock(name: String) {
        let f: (String) -> [Float] = { TransformerFixtures.floats("\(name)/\($0)") }
        let int = { TransformerFixtures.int(name, $0) }
        let B = int("B"), training = TransformerFixtures.cases[name]!["training"] as! Bool
        let store = ParameterStore()
        let layer = TransformerBlockLayer(store: store, prefix: "_module.", d: int("d"), heads: int("heads"), L: int("L"))
        store.seal()
        #expect(store.parameterSlots.map(\.name) == TransformerFixtures.cases[name]!["parameters"] as! [String],
                "PyTorch's parameter names and order")
        for slot in store.parameterSlots { store.p(slot.offset).update(from: f("param/\(slot.name)"), count: slot.count) }
        let a = TransformerBlockActivations(layer, B: B), scratch = TransformerBlockScratch(layer, B: B)
        let x = f("inp"), dout = f("dout")
        var rng = SplitMix64(seed: 1)
        layer.forward(a, x: x, B: B, training: training, dropout: 0, store: store, rng: &rng)
        expectClose(a.out.array, f("out"), "\(name) out")
        if !training { expectClose(a.out.array, f("out_nograd"), "\(name) out (PyTorch's inference fast path)") }
        store.zeroGrads()
        var dx = [Float](repeating: .nan, count: x.count)
        layer.backward(a, dout: dout, dx: &dx, B: B, store: store, scratch: scratch)
        expectClose(dx, f("dinp"), rtol: 1e-3, atol: 1e-5, "\(name) dinp")
        for slot in store.parameterSlots {
            expectClose(Array(UnsafeBufferPointer(start: store.g(slot.offset), count: slot.count)), f("grad/\(slot.name)"),
                        rtol: 1e-3, atol: 1e-5, "\(name) grad \(slot.name)")
        }
    }

    @Test(arguments: TransformerFixtures.cases(op: "model"))
    func wholeModelForwardLossAndEveryGradient(name: String) throws {
        let info = TransformerFixtures.cases[name]!
        let training = info["training"] as! Bool
        let model = try SAGENet(config: TransformerFixtures.modelConfig(name))
        #expect(model.config.blockType == .transformer)
        model.transformerDropout = Float(info["transformer_dropout"] as! Double)
        try model.load(stateDict: TransformerFixtures.file, prefix: "\(name)/param/", source: "transformer.safetensors")
        let f = { (key: String) in TransformerFixtures.floats("\(name)/\(key)") }
        let inputs = Self.inputs(model, case: name)
        let B = f("target").count / model.config.outputCount
        let pointers = inputs.map { UnsafePointer($0.pointer) }
        let out = Array(model.forward(sequences: pointers, batch: B, training: training))
        expectClose(out, f("output"), "\(name) output")
        let loss = model.loss(targets: f("target"), lamRef: Float(info["lam_ref"] as! Double), lamDiff: Float(info["lam_diff"] as! Double))
        expectClose([loss.total], f("loss"), "\(name) loss")
        model.store.zeroGrads()
        model.backward(sequences: pointers)
        for slot in model.store.parameterSlots {
            let ours = Array(UnsafeBufferPointer(start: model.store.g(slot.offset), count: slot.count))
            expectClose(ours, f("grad/\(slot.name)"), rtol: 1e-3, atol: 1e-5, "\(name) grad \(slot.name)")
        }
        for slot in model.store.bufferSlots {
            expectClose(Array(UnsafeBufferPointer(start: model.store.b(slot.offset), count: slot.count)), f("after/\(slot.name)"),
                        "\(name) \(slot.name)")
        }
        for (counter, value) in model.store.batchesTracked {
            #expect(value == (try TransformerFixtures.file.int64("\(name)/after/\(counter)"))[0], "\(name) \(counter)")
        }
        withExtendedLifetime(inputs) {}
    }

    @Test func tenTrainingStepsMatchPyTorch() throws {
        let info = TransformerFixtures.cases["curve"]!
        let base = info["base_case"] as! String
        let model = try SAGENet(config: TransformerFixtures.modelConfig(base))
        model.transformerDropout = 0
        try model.load(stateDict: TransformerFixtures.file, prefix: "\(base)/param/", source: "transformer.safetensors")
        let f = TransformerFixtures.floats
        let inputs = Self.inputs(model, case: base)
        let sequences = inputs.map { UnsafePointer($0.pointer) }
        let target = f("curve/target"), B = target.count / 2
        let (losses, lrs, norms) = tenCurveSteps(model, sequences: sequences, target: target, batch: B, info: info)
        withExtendedLifetime(inputs) {}
        expectClose(lrs, f("curve/lr"), rtol: 1e-6, atol: 0, "learning rates")
        expectClose(norms, f("curve/grad_norm"), "gradient norms")
        expectClose(losses, f("curve/loss"), "losses")
        for slot in model.store.parameterSlots {
            expectClose(Array(UnsafeBufferPointer(start: model.store.p(slot.offset), count: slot.count)),
                        f("curve/final/\(slot.name)"), rtol: 1e-4, atol: 1e-6, "final \(slot.name)")
        }
    }

    static func inputs(_ model: SAGENet, case name: String) -> [FloatBuffer] {
        (model.config.model == .psagenet ? ["ref", "mat", "pat"] : ["ref"]).map { key in
            let values = TransformerFixtures.floats("\(name)/input/\(key)")
            let buffer = FloatBuffer(count: values.count)
            buffer.copy(from: values)
            return buffer
        }
    }

    @Test func fixturesCoverTheGrid() {
        #expect(TransformerFixtures.cases(op: "layernorm").count == 3)
        #expect(TransformerFixtures.cases(op: "attention").count == 3)
        let blocks = TransformerFixtures.cases(op: "transformer_block")
        #expect(blocks.filter { $0.contains("train") }.count == 3 && blocks.filter { $0.contains("eval") }.count == 2)
        #expect(Set(TransformerFixtures.cases(op: "model").map { TransformerFixtures.cases[$0]!["model"] as! String }) == ["psagenet", "rsagenet"])
        #expect(TransformerFixtures.file.metadata["magic"] == "sage-mpi-fixtures")
    }
}
