/// One optimisation step of SAGE-net in PyTorch's order, split where a data-parallel step sums across processes:
/// `gradients` (zero the gradients, forward in training mode, loss, backward) and `apply` (clip the global
/// gradient norm, Adam). With one process, `gradients` then `apply` is the whole step.
///
/// Shapes: `sequences` are the model's input passes (p-SAGE-net: reference, maternal, paternal; r-SAGE-net: one),
/// each (B, 4, input_len) one-hot, channel-major per item; `targets` (B, outputs) (y0, y1 for p-SAGE-net; y0 for
/// r-SAGE-net). The loss of an item is divided by `meanOver` (the global batch), so that summing every process's
/// gradients gives the gradient of the global batch's mean loss.
public final class TrainingStep {
    public let model: SAGENet, adam: Adam
    /// Global-norm clipping threshold (0: no clipping) and the loss weights of p-SAGE-net's two heads.
    public var clip: Float, lamRef: Float, lamDiff: Float

    public init(model: SAGENet, adam: Adam, clip: Float = 1, lamRef: Float = 1, lamDiff: Float = 10) {
        self.model = model; self.adam = adam; self.clip = clip; self.lamRef = lamRef; self.lamDiff = lamDiff
    }

    /// This process's share of the gradient, in `model.store.grads`; returns its loss sums over its B items
    /// (total, ref, diff: each head's mean over the B items times B).
    @discardableResult
    public func gradients(sequences: [UnsafePointer<Float>], targets: UnsafePointer<Float>, batch B: Int, meanOver N: Int? = nil)
        -> (total: Double, ref: Double, diff: Double) {
        model.store.zeroGrads()
        model.forward(sequences: sequences, batch: B, training: true)
        let loss = model.loss(targets: targets, lamRef: lamRef, lamDiff: lamDiff, meanOver: N ?? B)
        model.backward(sequences: sequences)
        return (Double(loss.total) * Double(B), Double(loss.ref) * Double(B), Double(loss.diff) * Double(B))
    }

    /// Clips the gradient's global norm and, when it is finite, takes Adam's step at `lr`. Returns the norm
    /// before clipping (not finite: nothing was applied).
    @discardableResult
    public func apply(lr: Float) -> Float {
        let norm = clipGradient()
        if norm.isFinite { update(lr: lr) }
        return norm
    }

    /// Scales the gradient to a global norm of at most `clip`; returns the norm before.
    public func clipGradient() -> Float {
        clipGradNorm(model.store.grads.pointer, range: 0..<model.store.parameterCount, maxNorm: clip > 0 ? clip : .infinity)
    }

    /// Adam's step on the gradient as it stands.
    public func update(lr: Float) {
        adam.step(params: model.store.params.pointer, grads: model.store.grads.pointer, range: 0..<model.store.parameterCount, lr: lr)
    }
}
