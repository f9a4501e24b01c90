import Foundation
import Testing
@testable import SAGEEngine

/// Ten training steps (clip_grad_norm 1.0 -> Adam with L2 weight decay -> CyclicLR) against PyTorch's curve.
@Suite struct TrainingCurveTests {
    @Test func tenStepsMatchPyTorch() throws {
        let info = Fixtures.modelCases["curve"]!
        let base = info["base_case"] as! String
        let model = try SAGENet(config: Fixtures.modelConfig(base))
        try model.load(stateDict: Fixtures.models, prefix: "\(base)/param/", source: "models.safetensors")
        let f = { (key: String) in try! Fixtures.models.floats(key) }
        let inputs = ["ref", "mat", "pat"].map { key -> FloatBuffer in
            let values = f("\(base)/input/\(key)")
            let buffer = FloatBuffer(count: values.count)
            buffer.copy(from: values)
            return buffer
        }
        let sequences = inputs.map { UnsafePointer($0.pointer) }
        let target = f("curve/target"), B = target.count / 2
        let (losses, lrs, norms) = tenCurveSteps(model, sequences: sequences, target: target, batch: B, info: info)
        withExtendedLifetime(inputs) {}  // `sequences` points into them
        expectClose(lrs, f("curve/lr"), rtol: 1e-6, atol: 0, "learning rates")
        expectClose(norms, f("curve/grad_norm"), "gradient norms")
        expectClose(losses, f("curve/loss"), "losses")
        for slot in model.store.parameterSlots {
            expectClose(Array(UnsafeBufferPointer(start: model.store.p(slot.offset), count: slot.count)),
                        f("curve/final/\(slot.name)"), rtol: 1e-4, atol: 1e-6, "final \(slot.name)")
        }
        for slot in model.store.bufferSlots {
            expectClose(Array(UnsafeBufferPointer(start: model.store.b(slot.offset), count: slot.count)),
                        f("curve/final/\(slot.name)"), "final \(slot.name)")
        }
    }

    @Test func cyclicScheduleIsTriangular() {
        let s = CyclicLR.sagenet(learningRate: 5e-4)
        #expect(s.lr(afterSteps: 0) == 2.5e-4)
        #expect(abs(s.lr(afterSteps: 1000) - 6.25e-4) < 1e-9)
        #expect(abs(s.lr(afterSteps: 2000) - 1e-3) < 1e-9)
        #expect(abs(s.lr(afterSteps: 3000) - 6.25e-4) < 1e-9)
        #expect(abs(s.lr(afterSteps: 4000) - 2.5e-4) < 1e-9)
    }

    @Test func plateauReducesAfterPatienceEpochsWithoutImprovement() {
        var p = ReduceLROnPlateau(lr: 1e-3, patience: 2)
        #expect(p.step(metric: 1.0) == 1e-3)
        #expect(p.step(metric: 1.0) == 1e-3)   // 1 bad epoch
        #expect(p.step(metric: 0.99995) == 1e-3) // within the 1e-4 threshold: 2 bad epochs
        #expect(abs(p.step(metric: 1.1) - 1e-4) < 1e-10)  // 3 > patience: reduced
        #expect(abs(p.step(metric: 0.5) - 1e-4) < 1e-10)
    }

    @Test func plateauInMaxModeCountsAnUnchangedCorrelationAsABadEpoch() {
        // Mode "max": improvement is metric > best + |best| * 1e-4, for negative metrics too (negating into mode
        // "min", or PyTorch's best * (1 + 1e-4), counts an unchanged negative best as an improvement).
        for value: Float in [0.6, -0.3] {
            var p = ReduceLROnPlateau(lr: 1e-3, patience: 1, maximize: true)
            #expect(p.step(metric: value) == 1e-3)
            #expect(p.step(metric: value) == 1e-3)  // 1 bad epoch
            #expect(abs(p.step(metric: value) - 1e-4) < 1e-10, "\(value): 2 > patience: reduced")
        }
        var p = ReduceLROnPlateau(lr: 1e-3, patience: 1, maximize: true)
        _ = p.step(metric: 0.5); _ = p.step(metric: 0.6); _ = p.step(metric: 0.7)
        #expect(p.lr == 1e-3)  // improving every epoch
    }

    @Test func plateauStatesOfTheNegatingVersionConvertToModeMax() {
        // Before mode "max", a correlation was fed negated into mode "min": best -0.6 meant r = 0.6.
        var old = ReduceLROnPlateau(lr: 1e-3, patience: 1)
        _ = old.step(metric: -0.6)
        old.convert(maximize: true)
        #expect(old.maximize && old.best == 0.6)
        _ = old.step(metric: 0.6); #expect(old.lr == 1e-3)
        _ = old.step(metric: 0.6); #expect(abs(old.lr - 1e-4) < 1e-10)  // two unchanged epochs > patience 1
        old.restart(lr: 5e-4)
        #expect(old.lr == 5e-4 && old.best == 0.6)
    }

    @Test func clippingScalesToTheMaximumNormOnlyWhenAbove() {
        var g: [Float] = [3, 4]
        #expect(clipGradNorm(&g, range: 0..<2, maxNorm: 1) == 5)
        #expect(abs(g[0] - 0.6) < 1e-6 && abs(g[1] - 0.8) < 1e-6)
        var small: [Float] = [0.3, 0.4]
        clipGradNorm(&small, range: 0..<2, maxNorm: 1)
        #expect(small == [0.3, 0.4])
    }
}
