// The convolutional trunk shared by rSAGEnet and pSAGEnet, in SAGE-net's layer order:
//   conv0 = ConvBlock(4 -> F1, k1)                               (batch norm: rSAGEnet per batch_norm; pSAGEnet never)
//   convlayers = [ConvBlock(F1 -> F, k), Pool] + (n_conv_blocks - 1) x [Residual(ConvBlock(F -> F, k)), Pool]
//   dilated_convlayers = n_dilated_conv_blocks x Residual(ConvBlock(F -> F, k, dilation 2 or 2^(i+1)))
// With block_type = "transformer" the last residual block is Residual(TransformerBlock) (TransformerBlock.swift).
// Shapes: x (B, 4, L) -> (B, F, fcDim), flattened channel-major into fc0.

enum TrunkOp {
    case block(ConvBlockLayer)
    case transformer(TransformerBlockLayer)
    case pool(rows: Int, L: Int, type: PoolType, size: Int)   // rows = channels; B multiplies in
}

struct Trunk {
    let ops: [TrunkOp]
    let outputWidth: Int   // F * fcDim
    /// The offset of op k's first parameter in the store (ops are registered in order; a pool has none, and
    /// gets the next op's offset), so op k's parameters are parameterStarts[k] ..< parameterStarts[k + 1].
    let parameterStarts: [Int]

    init(config c: SAGEConfig, store: ParameterStore) {
        var ops: [TrunkOp] = []
        var starts: [Int] = []
        func appendOp(_ make: @autoclosure () -> TrunkOp) {
            starts.append(store.nextParameterOffset)
            ops.append(make())
        }
        let L = c.pooledLengths
        let F1 = c.firstLayerKernelNumber, F = c.intLayersKernelNumber
        appendOp(.block(ConvBlockLayer(store: store, prefix: "conv0.", Cin: 4, Cout: F1, K: c.firstLayerKernelSize,
                                       dilation: 1, L: L[0], batchNorm: c.model == .rsagenet && c.batchNorm, residual: false)))
        for i in 0..<c.nConvBlocks {
            let residual = i > 0
            let prefix = "convlayers.\(2 * i)." + (residual ? "_module." : "")
            if c.hasTransformerBlock && i == c.nConvBlocks - 1 {
                appendOp(.transformer(TransformerBlockLayer(store: store, prefix: prefix, d: F, heads: c.intLayersKernelSize, L: L[i])))
                appendOp(.pool(rows: F, L: L[i], type: c.poolingType, size: c.poolingSize))
                continue
            }
            appendOp(.block(ConvBlockLayer(store: store, prefix: prefix, Cin: i == 0 ? F1 : F, Cout: F, K: c.intLayersKernelSize,
                                           dilation: 1, L: L[i], batchNorm: c.batchNorm, residual: residual)))
            appendOp(.pool(rows: F, L: L[i], type: c.poolingType, size: c.poolingSize))
        }
        for i in 0..<c.nDilatedConvBlocks {
            appendOp(.block(ConvBlockLayer(store: store, prefix: "dilated_convlayers.\(i)._module.", Cin: F, Cout: F,
                                           K: c.intLayersKernelSize, dilation: c.dilation(ofDilatedBlock: i),
                                           L: c.fcDim, batchNorm: c.batchNorm, residual: true)))
        }
        self.ops = ops
        parameterStarts = starts
        outputWidth = F * c.fcDim
    }

    /// Floats of the largest activation (per batch element) and of the largest im2col workspace.
    var maxActivationPerItem: Int {
        ops.map {
            switch $0 {
            case .block(let l): max(l.Cin, l.Cout) * l.L
            case .transformer(let l): l.d * l.L
            case .pool(let rows, let L, _, _): rows * L
            }
        }.max() ?? 0
    }
    /// Floats of the largest convolution workspace for `parts` threads over the batch.
    func maxColCount(parts: Int) -> Int {
        ops.compactMap {
            if case .block(let l) = $0 { let s = l.convShape(B: 1); return s.workspaceCount(s.algorithm, parts: parts) }
            return nil
        }.max() ?? 0
    }
}

enum TrunkOpActivations {
    case block(ConvBlockActivations)
    case transformer(TransformerBlockActivations)
    case pool(out: FloatBuffer, argmax: Int32Buffer?)

    var output: FloatBuffer {
        switch self {
        case .block(let a): a.out
        case .transformer(let a): a.out
        case .pool(let out, _): out
        }
    }
}

/// Activations of one pass through the trunk (pSAGEnet makes three per step: reference, maternal, paternal).
final class TrunkActivations {
    let ops: [TrunkOpActivations]
    /// With `first` > 0 the ops before it get empty placeholders (a caller that computes them another way, as
    /// the variant-sparse path computes everything up to the first pooling, runs `forward(from: first)`).
    init(_ trunk: Trunk, B: Int, from first: Int = 0) {
        ops = trunk.ops.enumerated().map { k, op -> TrunkOpActivations in
            if k < first { return .pool(out: FloatBuffer(count: 0), argmax: nil) }
            switch op {
            case .block(let l): return .block(ConvBlockActivations(l, B: B))
            case .transformer(let l): return .transformer(TransformerBlockActivations(l, B: B))
            case .pool(let rows, let L, let type, let size):
                return .pool(out: FloatBuffer(count: B * rows * pooledLength(L, size: size)),
                             argmax: type == .max ? Int32Buffer(count: B * rows * pooledLength(L, size: size)) : nil)
            }
        }
    }
    var output: FloatBuffer { ops.last!.output }
}

/// Scratch shared by all passes: gradients flow through g1/g2; dconv/dconvIn/col serve the blocks; `col` holds
/// convolution workspace for `parts` threads over the batch (the thread count when it was made).
final class TrunkScratch {
    let g1: FloatBuffer, g2: FloatBuffer, dconv: FloatBuffer, dconvIn: FloatBuffer, col: FloatBuffer
    let parts: Int
    /// The transformer block's backward scratch (nil without one).
    let transformer: TransformerBlockScratch?
    /// Synchronised batch norm across processes (training mode), or nil for per-process statistics.
    var sync: BatchNormSync?
    /// `training: false` leaves out the gradient buffers (an inference-only scratch needs only `col`).
    init(_ trunk: Trunk, B: Int, training: Bool = true) {
        let n = training ? B * trunk.maxActivationPerItem : 0
        g1 = FloatBuffer(count: n); g2 = FloatBuffer(count: n)
        dconv = FloatBuffer(count: n); dconvIn = FloatBuffer(count: n)
        parts = max(1, min(Parallel.threads, B))
        col = FloatBuffer(count: trunk.maxColCount(parts: parts))
        transformer = trunk.transformerLayer.map { TransformerBlockScratch($0, B: B) }
    }
}

extension Trunk {
    /// The transformer block, when block_type = "transformer".
    var transformerLayer: TransformerBlockLayer? {
        for op in ops { if case .transformer(let l) = op { return l } }
        return nil
    }

    /// One pass (from op `first`, reading that op's input `x`); the transformer block's dropout (p = `transformerDropout`, training only) draws from `rng`.
    func forward(_ a: TrunkActivations, x: UnsafePointer<Float>, B: Int, training: Bool, store: ParameterStore, scratch: TrunkScratch,
                 transformerDropout: Float = 0, rng: inout SplitMix64, from first: Int = 0) {
        var input = x
        for (op, act) in zip(ops, a.ops).dropFirst(first) {
            switch (op, act) {
            case (.block(let layer), .block(let blockActs)):
                layer.forward(blockActs, x: input, B: B, training: training, store: store, col: scratch.col.pointer,
                              colParts: scratch.parts, sync: scratch.sync)
            case (.transformer(let layer), .transformer(let blockActs)):
                layer.forward(blockActs, x: input, B: B, training: training, dropout: transformerDropout, store: store, rng: &rng)
            case (.pool(let rows, let L, let type, let size), .pool(let out, let argmax)):
                if type == .avg {
                    avgPool1dForward(out: out.pointer, inp: input, rows: B * rows, L: L, size: size)
                } else {
                    maxPool1dForward(out: out.pointer, argmax: argmax!.pointer, inp: input, rows: B * rows, L: L, size: size)
                }
            default: preconditionFailure("trunk activations do not match the trunk")
            }
            input = UnsafePointer(act.output.pointer)
        }
    }

    /// Parameter gradients of one pass, from `scratch.g1` holding d(trunk output) (B, outputWidth). The input
    /// gradient d(trunk output)/dx · g1 (B, 4, L) is written into `dx0` when given (attributions), else not formed.
    /// `finished(parameterStarts[k])` is called after op k with parameters has added its gradients.
    func backward(_ a: TrunkActivations, x: UnsafePointer<Float>, B: Int, training: Bool, store: ParameterStore, scratch: TrunkScratch,
                  dx0: UnsafeMutablePointer<Float>? = nil, parameterGradients: Bool = true, finished: ((Int) -> Void)? = nil) {
        var dout = scratch.g1, dx = scratch.g2
        for k in ops.indices.reversed() {
            let input = k == 0 ? x : UnsafePointer(a.ops[k - 1].output.pointer)
            switch (ops[k], a.ops[k]) {
            case (.block(let layer), .block(let blockActs)):
                layer.backward(blockActs, dout: dout.pointer, dx: k == 0 ? dx0 : dx.pointer, x: input, B: B, training: training,
                               store: store, col: scratch.col.pointer, colParts: scratch.parts, dconv: scratch.dconv.pointer,
                               dconvIn: scratch.dconvIn.pointer,
                               sync: scratch.sync, parameterGradients: parameterGradients)
                finished?(parameterStarts[k])
            case (.transformer(let layer), .transformer(let blockActs)):
                layer.backward(blockActs, dout: dout.pointer, dx: dx.pointer, B: B, store: store, scratch: scratch.transformer!)
                finished?(parameterStarts[k])
            case (.pool(let rows, let L, let type, let size), .pool(_, let argmax)):
                if type == .avg {
                    avgPool1dBackward(dinp: dx.pointer, dout: dout.pointer, rows: B * rows, L: L, size: size)
                } else {
                    maxPool1dBackward(dinp: dx.pointer, dout: dout.pointer, argmax: argmax!.pointer, rows: B * rows, L: L, size: size)
                }
            default: preconditionFailure("trunk activations do not match the trunk")
            }
            swap(&dout, &dx)
        }
    }
}
