import Foundation
import Testing
@testable import SAGEEngine

/// The PyTorch fixtures of input gradients (tools/make_attribution_fixtures.py).
enum AttributionFixtures {
    static let file: SafeTensors = {
        try! SafeTensors.read(path: Fixtures.directory.appendingPathComponent("attributions.safetensors").path)
    }()
    nonisolated(unsafe) static let cases: [String: [String: Any]] = {
        try! JSONSerialization.jsonObject(with: file.metadata["cases"]!.data(using: .utf8)!) as! [String: [String: Any]]
    }()
    static var names: [String] { cases.keys.sorted() }

    static func model(_ name: String) throws -> SAGENet {
        var object = cases[name]!["hparams"] as! [String: Any]
        object["model"] = cases[name]!["model"]
        let model = try SAGENet(config: try JSONDecoder().decode(SAGEConfig.self, from: JSONSerialization.data(withJSONObject: object)))
        try model.load(stateDict: file, prefix: "\(name)/param/", source: "attributions.safetensors")
        return model
    }
}

/// Buffers holding `values`, and their pointers for the model.
private func buffers(_ values: [[Float]]) -> [FloatBuffer] {
    values.map { v in let b = FloatBuffer(count: v.count); b.copy(from: v); return b }
}

/// `SAGENet.inputGradients` against PyTorch autograd (both models, both heads, batch norm on and off, pooling types,
/// a transformer block), against finite differences of `forward`, and its conventions (skipped passes, batch
/// independence).
@Suite struct InputGradientTests {
    @Test(arguments: AttributionFixtures.names)
    func equalsPyTorchAutograd(name: String) throws {
        let model = try AttributionFixtures.model(name)
        let f = { (key: String) in try! AttributionFixtures.file.floats("\(name)/\(key)") }
        let inputs = buffers(model.passNames.map { f("input/\($0)") })
        let L = model.config.inputLen, B = inputs[0].count / (4 * L)
        try model.reserve(batch: B, training: false)
        let grads = model.passNames.map { _ in FloatBuffer(count: B * 4 * L) }
        for head in OutputHead.allCases where head.rawValue < model.config.outputCount {
            let out = model.inputGradients(sequences: inputs.map { UnsafePointer($0.pointer) }, batch: B, head: head,
                                           into: grads.map { $0.pointer })
            expectClose(Array(out), f("output"), "\(name) output")
            for (k, pass) in model.passNames.enumerated() {
                expectClose(grads[k].array, f("grad/out\(head.rawValue)/\(pass)"), rtol: 1e-3, atol: 1e-6, "\(name) d out\(head.rawValue) / d \(pass)")
            }
        }
        withExtendedLifetime(inputs) {}
    }

    /// Central differences of the eval-mode forward in float32 on tiny shapes (the model is piecewise linear without
    /// a transformer block, so a small step gives the derivative up to rounding).
    @Test(arguments: ["rsagenet", "psagenet"], [true, false])
    func equalsFiniteDifferences(model kind: String, batchNorm: Bool) throws {
        var config = SAGEConfig()
        config.model = kind == "psagenet" ? .psagenet : .rsagenet
        config.inputLen = 24; config.firstLayerKernelNumber = 4; config.intLayersKernelNumber = 3
        config.firstLayerKernelSize = 5; config.intLayersKernelSize = 3; config.hiddenSize = 4; config.nConvBlocks = 2
        config.poolingSize = 3; config.batchNorm = batchNorm; config.nDilatedConvBlocks = 1
        let model = try SAGENet(config: config, seed: 5)
        var rng = SplitMix64(seed: 9)
        for slot in model.store.bufferSlots where slot.name.hasSuffix("running_mean") {
            for i in 0..<slot.count { model.store.b(slot.offset)[i] = (rng.nextUnitFloat() - 0.5) * 0.4 }
        }
        let L = config.inputLen, B = 2
        let inputs = buffers(model.passNames.map { _ in (0..<(B * 4 * L)).map { _ in rng.nextUnitFloat() } })
        let pointers = inputs.map { UnsafePointer($0.pointer) }
        try model.reserve(batch: B, training: false)
        for head in OutputHead.allCases where head.rawValue < config.outputCount {
            let grads = model.passNames.map { _ in FloatBuffer(count: B * 4 * L) }
            model.inputGradients(sequences: pointers, batch: B, head: head, into: grads.map { $0.pointer })
            let eps: Float = 1e-3
            for k in inputs.indices {
                var fd = [Float](repeating: 0, count: B * 4 * L)
                for i in 0..<(B * 4 * L) {
                    let b = i / (4 * L), saved = inputs[k].pointer[i]
                    inputs[k].pointer[i] = saved + eps
                    let plus = model.forward(sequences: pointers, batch: B, training: false)[b * config.outputCount + head.rawValue]
                    inputs[k].pointer[i] = saved - eps
                    let minus = model.forward(sequences: pointers, batch: B, training: false)[b * config.outputCount + head.rawValue]
                    inputs[k].pointer[i] = saved
                    fd[i] = (plus - minus) / (2 * eps)
                }
                #expect(fd.contains { $0 != 0 } || (config.model == .psagenet && head == .mean && k > 0), "\(kind) pass \(k): no gradient at all")
                expectClose(grads[k].array, fd, rtol: 2e-2, atol: 2e-4, "\(kind) bn \(batchNorm) d out\(head.rawValue) / d \(model.passNames[k])")
            }
        }
    }

    /// A nil entry skips its pass and leaves the others unchanged; each item's gradient is the one it has alone.
    @Test func skippedPassesAndBatchIndependence() throws {
        let name = "p_bn_subtract"
        let model = try AttributionFixtures.model(name)
        let inputs = buffers(model.passNames.map { try! AttributionFixtures.file.floats("\(name)/input/\($0)") })
        let L = model.config.inputLen, B = inputs[0].count / (4 * L), n = 4 * L
        try model.reserve(batch: B, training: false)
        let all = model.passNames.map { _ in FloatBuffer(count: B * n) }
        model.inputGradients(sequences: inputs.map { UnsafePointer($0.pointer) }, batch: B, head: .diff, into: all.map { $0.pointer })
        let onlyMat = FloatBuffer(count: B * n)
        onlyMat.copy(from: [Float](repeating: .nan, count: B * n))
        model.inputGradients(sequences: inputs.map { UnsafePointer($0.pointer) }, batch: B, head: .diff, into: [nil, onlyMat.pointer, nil])
        #expect(onlyMat.array == all[1].array)
        let alone = FloatBuffer(count: n)
        model.inputGradients(sequences: inputs.map { UnsafePointer($0.pointer + 2 * n) }, batch: 1, head: .diff, into: [nil, alone.pointer, nil])
        expectClose(alone.array, Array(all[1].array[(2 * n)...]), rtol: 1e-5, atol: 1e-7, "item 2 alone")
        // Both heads from one forward: the same bits as a forward per head.
        let pointers = inputs.map { UnsafePointer($0.pointer) }
        let mean = FloatBuffer(count: B * n), diff = FloatBuffer(count: B * n)
        model.inputGradients(sequences: pointers, batch: B, head: .mean, into: [mean.pointer, nil, nil])
        model.forward(sequences: pointers, batch: B, training: false)
        let again = FloatBuffer(count: B * n)
        model.inputGradientsOfLastForward(sequences: pointers, head: .diff, into: [nil, diff.pointer, nil])
        model.inputGradientsOfLastForward(sequences: pointers, head: .mean, into: [again.pointer, nil, nil])
        #expect(diff.array == all[1].array && again.array == mean.array)
        withExtendedLifetime(inputs) {}
    }
}
