import Foundation

// Adam with L2 weight decay, exactly PyTorch's torch.optim.Adam(weight_decay=) (not AdamW):
//   g = grad + wd * p;  m = b1 m + (1 - b1) g;  v = b2 v + (1 - b2) g^2
//   p -= lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) + eps)
// State m, v is one flat buffer each, parallel to the ParameterStore's params, so a step is one loop over a range.

public struct AdamHyperparameters: Codable, Sendable, Equatable {
    public var beta1: Float = 0.9
    public var beta2: Float = 0.999
    public var eps: Float = 1e-8
    public var weightDecay: Float = 1e-5
    public init() {}
}

public final class Adam: @unchecked Sendable {
    public let hyper: AdamHyperparameters
    public let m: FloatBuffer
    public let v: FloatBuffer
    /// Steps taken so far (PyTorch's per-parameter `step`).
    public private(set) var stepCount = 0

    public init(parameterCount: Int, hyper: AdamHyperparameters = AdamHyperparameters()) {
        self.hyper = hyper
        m = FloatBuffer(count: parameterCount)
        v = FloatBuffer(count: parameterCount)
    }

    /// One update of params[range] from grads[range] at learning rate `lr`.
    public func step(params: UnsafeMutablePointer<Float>, grads: UnsafePointer<Float>, range: Range<Int>, lr: Float) {
        stepCount += 1
        let (b1, b2, eps, wd) = (hyper.beta1, hyper.beta2, hyper.eps, hyper.weightDecay)
        let bc1 = 1 - Double(b1).pow(stepCount), bc2 = 1 - Double(b2).pow(stepCount)
        let stepSize = Float(Double(lr) / bc1), bc2Root = Float(bc2.squareRoot())
        let m = self.m.pointer, v = self.v.pointer
        for i in range {
            let g = grads[i] + wd * params[i]
            m[i] += (g - m[i]) * (1 - b1)
            v[i] = b2 * v[i] + (1 - b2) * g * g
            params[i] -= stepSize * m[i] / (v[i].squareRoot() / bc2Root + eps)
        }
    }

    /// Restores state saved with `m`, `v` and `stepCount` (for resuming). The caller checks what it read first
    /// (TrainState.read does): `m` and `v` hold one value per parameter, v >= 0, and stepCount >= 0.
    public func restore(m mValues: [Float], v vValues: [Float], stepCount: Int) {
        precondition(stepCount >= 0, "Adam: negative step count \(stepCount)")
        m.copy(from: mValues)
        v.copy(from: vValues)
        self.stepCount = stepCount
    }
}

/// Scales grads[range] so that their global L2 norm is at most `maxNorm` (torch.nn.utils.clip_grad_norm_):
/// coefficient min(1, maxNorm / (norm + 1e-6)). Returns the norm before clipping.
@discardableResult
public func clipGradNorm(_ grads: UnsafeMutablePointer<Float>, range: Range<Int>, maxNorm: Float) -> Float {
    var sum: Double = 0
    for i in range { sum += Double(grads[i]) * Double(grads[i]) }
    let norm = Float(sum.squareRoot())
    let coefficient = min(1, maxNorm / (norm + 1e-6))
    if coefficient < 1 { for i in range { grads[i] *= coefficient } }
    return norm
}

extension Double {
    fileprivate func pow(_ n: Int) -> Double { Foundation.pow(self, Double(n)) }
}
