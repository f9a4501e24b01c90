import SAGEEngine

/// What `sage-mpi attribute` saves per input position, from the input gradient g (4, L) of one sequence x (4, L):
/// `grad` saves g (SAGE-net's save_ref_attribs, attrib_type 'grad'); `gradXInput` saves g · x element-wise (x the
/// one-hot: the reference base's channel keeps its gradient, the other three become 0; N positions keep a quarter of
/// each). With zero-centring (SAGE-net's zero_center_attributions, axis 1) the mean of the four channels at each
/// position is first subtracted from g, in float32 as ((g_A + g_C) + g_G) + g_T) / 4, as the seqlet projection does;
/// then the product with x is taken (SAGE-net's order in cluster_seqlets).
public enum AttributionMethod: String, Sendable, CaseIterable {
    case grad
    case gradXInput = "grad_x_input"

    /// Applies the method to `g` (4 * L, channel-major) in place; `x` is the differentiated one-hot (4 * L).
    public func apply(_ g: UnsafeMutablePointer<Float>, input x: UnsafePointer<Float>, length L: Int, zeroCenter: Bool) {
        if zeroCenter {
            for t in 0..<L {
                let mean = (((g[t] + g[L + t]) + g[2 * L + t]) + g[3 * L + t]) / 4
                for c in 0..<4 { g[c * L + t] -= mean }
            }
        }
        if self == .gradXInput {
            for i in 0..<(4 * L) { g[i] *= x[i] }
        }
    }
}
