// Arithmetic of one step, for benchmarks: multiply-adds x 2 of every convolution and linear layer, and of the
// transformer block's projections and attention products (element-wise, softmax and layer norm
// work is not counted, as in the usual GEMM-based accounting). Backward costs twice the forward for a layer that
// propagates to its input (weight and input gradients) and once for conv0 (weight gradient only).

extension SAGENet {
    public struct FLOPCount: Sendable { public let forward: Double; public let trainStep: Double }

    public func flops(batch B: Int) -> FLOPCount {
        var forward = 0.0, backward = 0.0
        for (k, op) in trunk.ops.enumerated() {
            if case .transformer(let layer) = op {
                let f = layer.forwardFLOPs(B: B) * Double(passes)
                forward += f
                backward += 2 * f
            }
            guard case .block(let layer) = op else { continue }
            let f = layer.convShape(B: B).forwardFLOPs * Double(passes)
            forward += f
            backward += k == 0 ? f : 2 * f
        }
        let rows = Double(config.model == .psagenet ? 2 * B : B)
        var dense = 2 * rows * Double(fc0.IN * fc0.OUT)
        for layer in fclayers.layers + [refOut] + (diffFC?.layers ?? []) + (diffOut.map { [$0] } ?? []) {
            dense += 2 * Double(B) * Double(layer.IN * layer.OUT)
        }
        forward += dense
        backward += 2 * dense
        return FLOPCount(forward: forward, trainStep: forward + backward)
    }
}
