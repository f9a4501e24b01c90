// Input gradients (saliency) of SAGE-net's heads with respect to the one-hot inputs, in evaluation mode.
//   rSAGEnet:  d out0 / d x                    x (B, 4, L)
//   pSAGEnet:  d out_h / d ref, d mat, d pat    each (B, 4, L); out0 (mean head) depends on ref alone, so its
//              maternal and paternal gradients are 0; out1 (difference head) on all three (on mat and pat alone
//              without split_y_data).
// Items do not interact in evaluation mode (batch norm on running statistics, no dropout), so the gradient of the
// batch's summed head is each item's own gradient.

/// One of SAGE-net's outputs: out0 = ref_out (the mean head, the only one of rSAGEnet), out1 = diff_out (pSAGEnet's
/// difference head). SAGE-net's attribution directories name them output_idx_0 and output_idx_1.
public enum OutputHead: Int, Sendable, CaseIterable {
    case mean = 0, diff = 1
}

extension SAGENet {
    /// The passes' inputs, in `sequences` order: ["x"] for rSAGEnet, ["ref", "mat", "pat"] for pSAGEnet.
    public var passNames: [String] { config.model == .psagenet ? ["ref", "mat", "pat"] : ["x"] }

    /// Runs the model in evaluation mode on `sequences` (one (B, 4, input_len) one-hot per pass, as `forward`) and
    /// writes d(output `head` of item b)/d(sequence k of item b) (B, 4, input_len) into `gradients[k]` for each pass k
    /// whose entry is non-nil (a nil entry's pass is not differentiated). Returns the outputs (B, outputCount), valid
    /// until the next call. `store.grads` is overwritten with partial parameter gradients (no convolution weight gradients; not for use); call
    /// `reserve(batch:training: false)` first so that nothing is allocated.
    @discardableResult
    public func inputGradients(sequences: [UnsafePointer<Float>], batch B: Int, head: OutputHead,
                               into gradients: [UnsafeMutablePointer<Float>?]) -> UnsafeBufferPointer<Float> {
        let out = forward(sequences: sequences, batch: B, training: false)
        inputGradientsOfLastForward(sequences: sequences, head: head, into: gradients)
        return out
    }

    /// `inputGradients` from the last forward, which must have been `forward(sequences:batch:training: false)` on the
    /// same `sequences`: backward passes only read the forward's activations, so several heads can be taken from one
    /// forward.
    public func inputGradientsOfLastForward(sequences: [UnsafePointer<Float>], head: OutputHead,
                                            into gradients: [UnsafeMutablePointer<Float>?]) {
        precondition(gradients.count == passes && sequences.count == passes, "\(config.model.rawValue) has \(passes) input(s) to differentiate")
        precondition(head.rawValue < config.outputCount, "\(config.model.rawValue) has no difference head (out1)")
        guard let w = currentWorkspace, !w.training else { preconditionFailure("input gradients follow an evaluation-mode forward") }
        let B = w.B, count = config.outputCount, dout = w.dOutputs.pointer
        dout.update(repeating: 0, count: B * count)
        for b in 0..<B { dout[b * count + head.rawValue] = 1 }
        store.zeroGrads()
        backward(sequences: sequences, inputGradients: gradients)
    }
}
