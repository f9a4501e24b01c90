import Foundation
import Testing
@testable import SAGEEngine

/// The PyTorch golden fixtures written by tools/make_fixtures.py.
enum Fixtures {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")

    static let kernels: SafeTensors = {
        try! SafeTensors.read(path: directory.appendingPathComponent("kernels.safetensors").path)
    }()

    /// Case name -> its parameters (op, sizes, options).
    nonisolated(unsafe) static let kernelCases: [String: [String: Any]] = {
        let json = kernels.metadata["cases"]!.data(using: .utf8)!
        return try! JSONSerialization.jsonObject(with: json) as! [String: [String: Any]]
    }()

    static func cases(op: String) -> [String] {
        kernelCases.filter { $0.value["op"] as? String == op }.map(\.key).sorted()
    }

    static func floats(_ name: String) -> [Float] { try! kernels.floats(name) }

    static let models: SafeTensors = {
        try! SafeTensors.read(path: directory.appendingPathComponent("models.safetensors").path)
    }()

    nonisolated(unsafe) static let modelCases: [String: [String: Any]] = {
        try! JSONSerialization.jsonObject(with: models.metadata["cases"]!.data(using: .utf8)!) as! [String: [String: Any]]
    }()

    /// The SAGEConfig of a model fixture case (its hparams plus "model").
    static func modelConfig(_ name: String) -> SAGEConfig {
        var object = modelCases[name]!["hparams"] as! [String: Any]
        object["model"] = modelCases[name]!["model"]
        return try! JSONDecoder().decode(SAGEConfig.self, from: JSONSerialization.data(withJSONObject: object))
    }
    static func int(_ caseName: String, _ key: String) -> Int { kernelCases[caseName]![key] as! Int }
}

/// |ours - ref| <= atol + rtol * |ref| element-wise; on failure, records the worst element and the first values.
func expectClose(_ ours: [Float], _ ref: [Float], rtol: Float = 1e-4, atol: Float = 1e-5, _ label: String,
                 sourceLocation: SourceLocation = #_sourceLocation) {
    guard ours.count == ref.count else {
        Issue.record("\(label): \(ours.count) values, expected \(ref.count)", sourceLocation: sourceLocation)
        return
    }
    var worst = -1
    var worstExcess: Float = 0
    for i in ours.indices {
        let excess = abs(ours[i] - ref[i]) - (atol + rtol * abs(ref[i]))
        if excess > worstExcess || ours[i].isNaN != ref[i].isNaN { worstExcess = max(excess, .ulpOfOne); worst = i }
    }
    if worst >= 0 {
        Issue.record("\(label): element \(worst) is \(ours[worst]), expected \(ref[worst]) (|diff| \(abs(ours[worst] - ref[worst]))); first values \(Array(ours.prefix(4))) vs \(Array(ref.prefix(4)))",
                     sourceLocation: sourceLocation)
    }
}

/// Central finite differences of loss(x) = sum(f(x) * dout) against an analytic gradient, in Float32 kernels:
/// a loose relative tolerance, checked on every element.
func finiteDifferenceCheck(_ x: inout [Float], analytic: [Float], eps: Float = 1e-2, rtol: Float = 2e-2, atol: Float = 2e-3,
                           _ label: String, loss: ([Float]) -> Double, sourceLocation: SourceLocation = #_sourceLocation) {
    var numeric = [Float](repeating: 0, count: x.count)
    for i in x.indices {
        let keep = x[i]
        x[i] = keep + eps
        let up = loss(x)
        x[i] = keep - eps
        let down = loss(x)
        x[i] = keep
        numeric[i] = Float((up - down) / Double(2 * eps))
    }
    expectClose(analytic, numeric, rtol: rtol, atol: atol, label, sourceLocation: sourceLocation)
}

func randomFloats(_ count: Int, seed: UInt64, scale: Float = 1) -> [Float] {
    var rng = SplitMix64(seed: seed)
    return (0..<count).map { _ in (rng.nextUnitFloat() * 2 - 1) * scale }
}

func dot(_ a: [Float], _ b: [Float]) -> Double {
    zip(a, b).reduce(0) { $0 + Double($1.0) * Double($1.1) }
}

/// The training curve the fixtures hold: ten steps of clip_grad_norm 1.0 -> Adam (L2 weight decay) with CyclicLR
/// (base lr/2, max 2 lr, the case's step_size_up), losses weighted 1 and 10. Returns each step's loss, learning
/// rate and gradient norm before clipping.
func tenCurveSteps(_ model: SAGENet, sequences: [UnsafePointer<Float>], target: [Float], batch B: Int, info: [String: Any])
    -> (losses: [Float], lrs: [Float], norms: [Float]) {
    let lr = Float(info["learning_rate"] as! Double)
    let schedule = CyclicLR(baseLR: lr / 2, maxLR: lr * 2, stepSizeUp: info["step_size_up"] as! Int)
    let training = TrainingStep(model: model, adam: Adam(parameterCount: model.store.parameterCount), clip: 1, lamRef: 1, lamDiff: 10)
    var losses: [Float] = [], lrs: [Float] = [], norms: [Float] = []
    for step in 0..<10 {
        losses.append(Float(training.gradients(sequences: sequences, targets: target, batch: B).total / Double(B)))
        lrs.append(schedule.lr(afterSteps: step))
        norms.append(training.apply(lr: lrs.last!))
    }
    return (losses, lrs, norms)
}
