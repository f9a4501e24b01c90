// SAGE-net's transformer block, which replaces the last residual conv block when block_type = "transformer":
//   Residual(Sequential(Sequential(Permute21, LayerNorm(d), TransformerEncoder(1 x TransformerEncoderLayer), Permute21)))
// with PyTorch's TransformerEncoderLayer defaults: d_model = d = int_layers_kernel_number, nhead = int_layers_kernel_size,
// dim_feedforward 2d, dropout 0.1, ReLU, post-norm, batch_first:
//   h0 = norm0(x^T);  r1 = h0 + dropout1(out_proj(attention(in_proj(h0))));  n1 = norm1(r1)
//   r2 = n1 + dropout2(linear2(dropout(relu(linear1(n1)))));  out = x + norm2(r2)^T
// Shapes: x, out (B, d, L) channel-major as the trunk; tokens (B, L, d) inside. Parameters under PyTorch's names
// ("<prefix>0.1.weight", "<prefix>0.2.layers.0.self_attn.in_proj_weight", ...), so that checkpoints move both ways.

struct TransformerBlockLayer {
    let d: Int, heads: Int, L: Int
    var ff: Int { 2 * d }
    let norm0: LayerNormSlots, norm1: LayerNormSlots, norm2: LayerNormSlots
    let inProjWeight: Int, inProjBias: Int, outProjWeight: Int, outProjBias: Int
    let linear1Weight: Int, linear1Bias: Int, linear2Weight: Int, linear2Bias: Int

    struct LayerNormSlots { let gamma: Int, beta: Int }

    /// Registers the block's parameters in PyTorch's state_dict order under `prefix` (the Residual's "…_module.").
    init(store: ParameterStore, prefix: String, d: Int, heads: Int, L: Int) {
        self.d = d; self.heads = heads; self.L = L
        func norm(_ name: String) -> LayerNormSlots {
            LayerNormSlots(gamma: store.addParameter(name + ".weight", shape: [d]), beta: store.addParameter(name + ".bias", shape: [d]))
        }
        norm0 = norm(prefix + "0.1")
        let e = prefix + "0.2.layers.0."
        inProjWeight = store.addParameter(e + "self_attn.in_proj_weight", shape: [3 * d, d])
        inProjBias = store.addParameter(e + "self_attn.in_proj_bias", shape: [3 * d])
        outProjWeight = store.addParameter(e + "self_attn.out_proj.weight", shape: [d, d])
        outProjBias = store.addParameter(e + "self_attn.out_proj.bias", shape: [d])
        linear1Weight = store.addParameter(e + "linear1.weight", shape: [2 * d, d])
        linear1Bias = store.addParameter(e + "linear1.bias", shape: [2 * d])
        linear2Weight = store.addParameter(e + "linear2.weight", shape: [d, 2 * d])
        linear2Bias = store.addParameter(e + "linear2.bias", shape: [d])
        norm1 = norm(e + "norm1")
        norm2 = norm(e + "norm2")
    }

    func attentionShape(B: Int) -> AttentionShape { AttentionShape(B: B, L: L, d: d, heads: heads) }
    /// B * H * L * L in Double (the attention weights of B items).
    func probsFloats(B: Int) -> Double { Double(B) * Double(heads) * Double(L) * Double(L) }

    /// PyTorch's initialisation where it differs from Linear's U(±1/sqrt(fan_in)): layer norms weight 1 and bias 0;
    /// MultiheadAttention's in_proj_weight Xavier-uniform, in_proj_bias and out_proj.bias 0.
    var initialisation: [Int: ParameterInitialisation] {
        var kinds: [Int: ParameterInitialisation] = [inProjWeight: .xavierUniform, inProjBias: .zeros, outProjBias: .zeros]
        for n in [norm0, norm1, norm2] { kinds[n.gamma] = .ones; kinds[n.beta] = .zeros }
        return kinds
    }

    /// Multiply-adds x 2 of one forward over B items: the four projections and the attention products.
    func forwardFLOPs(B: Int) -> Double {
        let rows = Double(B * L), dd = Double(d * d)
        return 2 * rows * (3 * dd + dd + 2 * dd + 2 * dd) + attentionShape(B: B).forwardFLOPs
    }
}

/// How a parameter starts when it is not a conv/linear weight or bias (U(±1/sqrt(fan_in))) or a batch norm's.
enum ParameterInitialisation { case ones, zeros, xavierUniform }

/// Per-pass activations for B items (rows = B * L positions). The dropout buffers are there for training mode.
final class TransformerBlockActivations {
    let xhat0: FloatBuffer, rstd0: FloatBuffer, h0: FloatBuffer   // (rows, d), (rows), (rows, d)
    let qkv: FloatBuffer                                            // (rows, 3d)
    let probs: FloatBuffer, attnDropped: FloatBuffer, attnMask: FloatBuffer   // (B, H, L, L)
    let attn: FloatBuffer                                           // (rows, d) heads concatenated
    /// (rows, d): out_proj's output, then linear2's, then norm2's (backward needs none of them).
    let tokens: FloatBuffer
    let projMask: FloatBuffer                                       // (rows, d) dropout1
    let xhat1: FloatBuffer, rstd1: FloatBuffer, n1: FloatBuffer     // norm1
    let ff: FloatBuffer, ffMask: FloatBuffer                        // (rows, 2d): ReLU(linear1) after dropout
    let ff2Mask: FloatBuffer                                        // (rows, d) dropout2
    let xhat2: FloatBuffer, rstd2: FloatBuffer                      // norm2
    let out: FloatBuffer                                            // (B, d, L)
    /// Whether the last forward applied dropout (training with p > 0), so that backward applies its masks.
    var dropping = false

    init(_ layer: TransformerBlockLayer, B: Int) {
        let rows = B * layer.L, d = layer.d, pc = layer.attentionShape(B: B).probsCount
        func f(_ n: Int) -> FloatBuffer { FloatBuffer(count: n) }
        xhat0 = f(rows * d); rstd0 = f(rows); h0 = f(rows * d)
        qkv = f(rows * 3 * d)
        probs = f(pc); attnDropped = f(pc); attnMask = f(pc)
        attn = f(rows * d); tokens = f(rows * d); projMask = f(rows * d)
        xhat1 = f(rows * d); rstd1 = f(rows); n1 = f(rows * d)
        ff = f(rows * 2 * d); ffMask = f(rows * 2 * d); ff2Mask = f(rows * d)
        xhat2 = f(rows * d); rstd2 = f(rows)
        out = f(B * d * layer.L)
    }

    var buffers: [FloatBuffer] {
        [xhat0, rstd0, h0, qkv, probs, attnDropped, attnMask, attn, tokens, projMask, xhat1, rstd1, n1, ff, ffMask, ff2Mask,
         xhat2, rstd2, out]
    }
    /// Floats of the buffers for B items (what `init` allocates), for the memory estimate: in Double, so that a
    /// batch no machine holds is judged instead of overflowing.
    static func floatCount(_ layer: TransformerBlockLayer, B: Int) -> Double {
        let rows = Double(B) * Double(layer.L), d = Double(layer.d)
        // 9 of (rows, d), 3 of (rows), qkv (rows, 3d), 3 of (B, H, L, L), 2 of (rows, 2d), out (B, d, L).
        return 9 * rows * d + 3 * rows + 3 * rows * d + 3 * layer.probsFloats(B: B) + 4 * rows * d + rows * d
    }
}

/// Backward scratch for B items, shared by the passes.
final class TransformerBlockScratch {
    let dA: FloatBuffer, dB: FloatBuffer       // (rows, d)
    let dqkv: FloatBuffer                      // (rows, 3d)
    let dff: FloatBuffer                       // (rows, 2d); also d(attention output)
    let dprobs: FloatBuffer                    // (B, H, L, L)
    init(_ layer: TransformerBlockLayer, B: Int) {
        let rows = B * layer.L, d = layer.d
        dA = FloatBuffer(count: rows * d); dB = FloatBuffer(count: rows * d)
        dqkv = FloatBuffer(count: rows * 3 * d); dff = FloatBuffer(count: rows * 2 * d)
        dprobs = FloatBuffer(count: layer.attentionShape(B: B).probsCount)
    }
    var buffers: [FloatBuffer] { [dA, dB, dqkv, dff, dprobs] }
    static func floatCount(_ layer: TransformerBlockLayer, B: Int) -> Double {
        let rows = Double(B) * Double(layer.L), d = Double(layer.d)
        return rows * d * (1 + 1 + 3 + 2) + layer.probsFloats(B: B)
    }
}

extension TransformerBlockLayer {
    /// out (B, d, L) = x + block(x); dropout p applies in training mode only, its masks drawn from `rng`.
    func forward(_ a: TransformerBlockActivations, x: UnsafePointer<Float>, B: Int, training: Bool, dropout p: Float,
                 store: ParameterStore, rng: inout SplitMix64) {
        let rows = B * L, n = rows * d
        a.dropping = training && p > 0
        transposeLastTwo(out: a.xhat0.pointer, inp: x, B: B, rows: d, cols: L)
        layerNormForward(out: a.h0.pointer, xhat: a.xhat0.pointer, rstd: a.rstd0.pointer, inp: a.xhat0.pointer,
                         gamma: store.p(norm0.gamma), beta: store.p(norm0.beta), rows: rows, C: d)
        // Self-attention block: r1 = h0 + dropout1(out_proj(attention(in_proj(h0)))), normalised by norm1.
        linearForward(out: a.qkv.pointer, inp: a.h0.pointer, weight: store.p(inProjWeight), bias: store.p(inProjBias),
                      B: rows, IN: d, OUT: 3 * d)
        selfAttentionForward(out: a.attn.pointer, probs: a.probs.pointer, dropped: a.attnDropped.pointer, mask: a.attnMask.pointer,
                             qkv: a.qkv.pointer, shape: attentionShape(B: B), p: a.dropping ? p : 0, rng: &rng)
        linearForward(out: a.tokens.pointer, inp: a.attn.pointer, weight: store.p(outProjWeight), bias: store.p(outProjBias),
                      B: rows, IN: d, OUT: d)
        if a.dropping { dropoutForward(out: a.tokens.pointer, mask: a.projMask.pointer, inp: a.tokens.pointer, count: n, p: p, rng: &rng) }
        sum(a.xhat1.pointer, a.h0.pointer, a.tokens.pointer, n)
        layerNormForward(out: a.n1.pointer, xhat: a.xhat1.pointer, rstd: a.rstd1.pointer, inp: a.xhat1.pointer,
                         gamma: store.p(norm1.gamma), beta: store.p(norm1.beta), rows: rows, C: d)
        // Feed-forward block: r2 = n1 + dropout2(linear2(dropout(relu(linear1(n1))))), normalised by norm2.
        linearForward(out: a.ff.pointer, inp: a.n1.pointer, weight: store.p(linear1Weight), bias: store.p(linear1Bias),
                      B: rows, IN: d, OUT: ff)
        reluForward(out: a.ff.pointer, inp: a.ff.pointer, count: rows * ff)
        if a.dropping { dropoutForward(out: a.ff.pointer, mask: a.ffMask.pointer, inp: a.ff.pointer, count: rows * ff, p: p, rng: &rng) }
        linearForward(out: a.tokens.pointer, inp: a.ff.pointer, weight: store.p(linear2Weight), bias: store.p(linear2Bias),
                      B: rows, IN: ff, OUT: d)
        if a.dropping { dropoutForward(out: a.tokens.pointer, mask: a.ff2Mask.pointer, inp: a.tokens.pointer, count: n, p: p, rng: &rng) }
        sum(a.xhat2.pointer, a.n1.pointer, a.tokens.pointer, n)
        layerNormForward(out: a.tokens.pointer, xhat: a.xhat2.pointer, rstd: a.rstd2.pointer, inp: a.xhat2.pointer,
                         gamma: store.p(norm2.gamma), beta: store.p(norm2.beta), rows: rows, C: d)
        // Residual around the whole block, back in channel-major order.
        a.out.pointer.update(from: x, count: n)
        transposeLastTwo(out: a.out.pointer, inp: a.tokens.pointer, B: B, rows: L, cols: d, accumulate: true)
    }

    /// dx (B, d, L) = d(out)/dx · dout (written); parameter gradients accumulate into the store.
    func backward(_ a: TransformerBlockActivations, dout: UnsafePointer<Float>, dx: UnsafeMutablePointer<Float>, B: Int,
                  store: ParameterStore, scratch s: TransformerBlockScratch) {
        let rows = B * L, n = rows * d
        let dA = s.dA.pointer, dB = s.dB.pointer, dff = s.dff.pointer
        // norm2, then the feed-forward branch; dA carries d(n1) = d(r2) + the branch's input gradient.
        transposeLastTwo(out: dA, inp: dout, B: B, rows: d, cols: L)
        layerNormBackward(dinp: dA, dgamma: store.g(norm2.gamma), dbeta: store.g(norm2.beta), dout: dA, xhat: a.xhat2.pointer,
                          rstd: a.rstd2.pointer, gamma: store.p(norm2.gamma), rows: rows, C: d)
        let dff2 = masked(dA, by: a.ff2Mask.pointer, into: dB, n, a.dropping)
        dff.update(repeating: 0, count: rows * ff)
        linearBackward(dinp: dff, dweight: store.g(linear2Weight), dbias: store.g(linear2Bias), dout: dff2, inp: a.ff.pointer,
                       weight: store.p(linear2Weight), B: rows, IN: ff, OUT: d)
        // ReLU and dropout: a.ff holds relu * mask, positive exactly where both passed.
        let ffOut = a.ff.pointer, ffMask = a.ffMask.pointer, dropping = a.dropping
        for i in 0..<(rows * ff) { dff[i] = ffOut[i] > 0 ? (dropping ? dff[i] * ffMask[i] : dff[i]) : 0 }
        linearBackward(dinp: dA, dweight: store.g(linear1Weight), dbias: store.g(linear1Bias), dout: dff, inp: a.n1.pointer,
                       weight: store.p(linear1Weight), B: rows, IN: d, OUT: ff)
        // norm1, then the attention branch; dA carries d(h0).
        layerNormBackward(dinp: dA, dgamma: store.g(norm1.gamma), dbeta: store.g(norm1.beta), dout: dA, xhat: a.xhat1.pointer,
                          rstd: a.rstd1.pointer, gamma: store.p(norm1.gamma), rows: rows, C: d)
        let dproj = masked(dA, by: a.projMask.pointer, into: dB, n, a.dropping)
        let dattn = dff   // free again: (rows, d) of its (rows, 2d)
        dattn.update(repeating: 0, count: n)
        linearBackward(dinp: dattn, dweight: store.g(outProjWeight), dbias: store.g(outProjBias), dout: dproj, inp: a.attn.pointer,
                       weight: store.p(outProjWeight), B: rows, IN: d, OUT: d)
        selfAttentionBackward(dqkv: s.dqkv.pointer, dout: dattn, qkv: a.qkv.pointer, probs: a.probs.pointer,
                              dropped: dropping ? UnsafePointer(a.attnDropped.pointer) : nil,
                              mask: dropping ? UnsafePointer(a.attnMask.pointer) : nil, shape: attentionShape(B: B),
                              dprobs: s.dprobs.pointer)
        linearBackward(dinp: dA, dweight: store.g(inProjWeight), dbias: store.g(inProjBias), dout: s.dqkv.pointer, inp: a.h0.pointer,
                       weight: store.p(inProjWeight), B: rows, IN: d, OUT: 3 * d)
        layerNormBackward(dinp: dA, dgamma: store.g(norm0.gamma), dbeta: store.g(norm0.beta), dout: dA, xhat: a.xhat0.pointer,
                          rstd: a.rstd0.pointer, gamma: store.p(norm0.gamma), rows: rows, C: d)
        // The residual's identity path plus the block's, back in channel-major order.
        dx.update(from: dout, count: n)
        transposeLastTwo(out: dx, inp: dA, B: B, rows: L, cols: d, accumulate: true)
    }
}

/// out = a + b over n floats.
private func sum(_ out: UnsafeMutablePointer<Float>, _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ n: Int) {
    Parallel.forEachRange(n) { range in for i in range { out[i] = a[i] + b[i] } }
}

/// g * mask written into `into` when `dropping`, else g itself.
private func masked(_ g: UnsafePointer<Float>, by mask: UnsafePointer<Float>, into: UnsafeMutablePointer<Float>, _ n: Int,
                    _ dropping: Bool) -> UnsafePointer<Float> {
    guard dropping else { return g }
    for i in 0..<n { into[i] = g[i] * mask[i] }
    return UnsafePointer(into)
}
