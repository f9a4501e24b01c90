import Foundation
import Testing
@testable import SAGEEngine

/// Whole models against the PyTorch reference (tools/make_model_fixtures.py): outputs, loss terms, every
/// parameter's gradient, running statistics and counters after the step, across a grid of configurations.
@Suite struct ModelParityTests {
    static let caseNames = Fixtures.modelCases.keys.filter { $0 != "curve" }.sorted()

    @Test(arguments: caseNames)
    func forwardLossAndEveryGradient(name: String) throws {
        let info = Fixtures.modelCases[name]!
        let training = info["training"] as! Bool
        let model = try SAGENet(config: Fixtures.modelConfig(name))
        try model.load(stateDict: Fixtures.models, prefix: "\(name)/param/", source: "models.safetensors")
        let f = { (key: String) in try! Fixtures.models.floats("\(name)/\(key)") }
        let inputs = (model.config.model == .psagenet ? ["ref", "mat", "pat"] : ["ref"]).map { key in
            let values = f("input/\(key)")
            let buffer = FloatBuffer(count: values.count)
            buffer.copy(from: values)
            return buffer
        }
        let B = f("target").count / model.config.outputCount
        let pointers = inputs.map { UnsafePointer($0.pointer) }
        let out = Array(model.forward(sequences: pointers, batch: B, training: training))
        expectClose(out, f("output"), "\(name) output")
        let target = f("target")
        let loss = model.loss(targets: target, lamRef: Float(info["lam_ref"] as! Double), lamDiff: Float(info["lam_diff"] as! Double))
        expectClose([loss.total], f("loss"), "\(name) loss")
        model.store.zeroGrads()
        model.backward(sequences: pointers)
        for slot in model.store.parameterSlots {
            let ours = Array(UnsafeBufferPointer(start: model.store.g(slot.offset), count: slot.count))
            expectClose(ours, f("grad/\(slot.name)"), rtol: 1e-3, atol: 1e-5, "\(name) grad \(slot.name)")
        }
        for slot in model.store.bufferSlots {
            let ours = Array(UnsafeBufferPointer(start: model.store.b(slot.offset), count: slot.count))
            expectClose(ours, f("after/\(slot.name)"), "\(name) \(slot.name)")
        }
        for (counter, value) in model.store.batchesTracked {
            #expect(value == (try Fixtures.models.int64("\(name)/after/\(counter)"))[0], "\(name) \(counter)")
        }
        withExtendedLifetime(inputs) {}
    }

    @Test func parameterCountsMatchSAGEnetAtTheDefaultSize() throws {
        #expect(try SAGENet(config: SAGEConfig(model: .psagenet)).store.parameterCount == 2_702_638)
        var r = SAGEConfig(model: .rsagenet)
        #expect(try SAGENet(config: r).store.parameterCount == 2_636_589 + 8)
        r.batchNorm = false
        #expect(try SAGENet(config: r).store.parameterCount < 2_636_589)
    }
}
