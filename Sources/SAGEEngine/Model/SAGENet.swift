import Foundation

// rSAGEnet and pSAGEnet: one model class, SAGE-net's layer order and state_dict names.
//   rSAGEnet:  x (B, 4, L) -> trunk -> fc0 -> fclayers -> ref_out -> (B, 1)
//   pSAGEnet:  ref, mat, pat (B, 4, L) each -> three trunk passes -> r = fc0(ref), p = fc0((mat + pat) / 2)
//              -> out0 = ref_out(fclayers(r)), out1 = diff_out(diff_fclayers(p - r | [p, r] | p)) -> (B, 2)
// Loss: rSAGEnet MSE(out, y0); pSAGEnet lam_ref MSE(out0, y0) + lam_diff MSE(out1, y1).

public final class SAGENet: @unchecked Sendable {
    public let config: SAGEConfig
    public let store = ParameterStore()
    let trunk: Trunk
    let fc0: DenseLayer
    let fclayers: DenseStack
    let refOut: DenseLayer
    let diffFC: DenseStack?
    let diffOut: DenseLayer?
    /// Dropout's generator (fclayers / diff_fclayers and the transformer block in training mode).
    public var dropoutRNG = SplitMix64(seed: 0)
    /// Dropout of the transformer block (block_type = "transformer") in training mode: PyTorch's
    /// TransformerEncoderLayer default 0.1, as SAGE-net leaves it (not a SAGE-net hyperparameter). The parity tests
    /// set 0 to compare training mode with PyTorch's.
    public var transformerDropout: Float = 0.1
    /// Batch statistics shared across processes in training mode (sync_batchnorm); nil = per-process.
    public var batchNormSync: BatchNormSync?
    /// Called during `backward` (parameter gradients) with x each time every gradient at offsets ≥ x of
    /// `store.grads` is final for this batch: x decreases, from the heads through fc0 to each trunk op in reverse in
    /// the last trunk pass, and ends at 0 (conv0). Data parallelism starts each bucket's reduction there, overlapping it
    /// with the rest of the backward pass.
    public var gradientsFinal: ((Int) -> Void)?
    /// Where the backward pass completes gradients (the values `gradientsFinal` is called with), descending, the
    /// last 0: bucket boundaries for an overlapped reduction.
    public var gradientBoundaries: [Int] {
        var starts = Set([headsStart, fc0Start, 0])
        for (k, op) in trunk.ops.enumerated() { if case .pool = op { continue }; starts.insert(trunk.parameterStarts[k]) }
        return starts.sorted(by: >)
    }
    /// Offsets of fc0's first parameter and of the heads after it (fclayers, ref_out, diff_*): the parameters are
    /// trunk ..< fc0Start ..< headsStart ..< end, in state_dict order.
    let fc0Start: Int, headsStart: Int
    private var workspace: Workspace?

    /// Builds the model with PyTorch's default initialisation from `seed`. Throws if a hyperparameter is out of
    /// range (`SAGEConfig.validate`) or the parameters alone would not fit in this machine's memory
    /// (`SAGEConfig.checkMemory`); call `reserve(batch:training:)` before the first forward to check a batch too.
    public init(config: SAGEConfig, seed: UInt64 = 0) throws {
        try config.validate()
        try config.checkMemory(batch: 0, training: false)
        self.config = config
        let layers = Layers(config: config, store: store)
        (trunk, fc0, fclayers, refOut, diffFC, diffOut) = (layers.trunk, layers.fc0, layers.fclayers, layers.refOut, layers.diffFC, layers.diffOut)
        (fc0Start, headsStart) = (layers.fc0Start, layers.headsStart)
        store.seal()
        initializeParameters(seed: seed)
    }

    /// The layers for `config`, registered in `store` in state_dict order (the store is not sealed, so nothing
    /// is allocated): what `init` builds, and what `SAGEConfig.memoryEstimate` sizes.
    struct Layers {
        let trunk: Trunk
        let fc0: DenseLayer
        let fclayers: DenseStack
        let refOut: DenseLayer
        let diffFC: DenseStack?
        let diffOut: DenseLayer?
        let fc0Start: Int, headsStart: Int

        init(config: SAGEConfig, store: ParameterStore) {
            let h = config.hiddenSize
            trunk = Trunk(config: config, store: store)
            fc0Start = store.nextParameterOffset
            fc0 = DenseLayer(store: store, name: "fc0.0", IN: trunk.outputWidth, OUT: h, relu: true)
            headsStart = store.nextParameterOffset
            fclayers = Self.mlp(store: store, name: "fclayers", IN: h, config: config)
            refOut = DenseLayer(store: store, name: "ref_out.0", IN: h, OUT: 1, relu: false)
            if config.model == .psagenet {
                let concat = config.splitYData && config.subtractOrConcat == .concat
                diffFC = Self.mlp(store: store, name: "diff_fclayers", IN: concat ? 2 * h : h, config: config)
                diffOut = DenseLayer(store: store, name: "diff_out.0", IN: h, OUT: 1, relu: false)
            } else {
                diffFC = nil
                diffOut = nil
            }
        }

        /// h_layers x (Linear, ReLU, Dropout) at indices 3i, as nn.Sequential names them.
        private static func mlp(store: ParameterStore, name: String, IN: Int, config: SAGEConfig) -> DenseStack {
            DenseStack(inputWidth: IN, layers: (0..<config.hLayers).map { i in
                DenseLayer(store: store, name: "\(name).\(3 * i)", IN: i == 0 ? IN : config.hiddenSize, OUT: config.hiddenSize,
                           relu: true, dropout: config.dropout)
            })
        }
    }

    /// PyTorch's defaults: conv and linear weights and biases U(-1/sqrt(fan_in), 1/sqrt(fan_in)); batch norm
    /// weight 1, bias 0, running mean 0, running var 1; the transformer block's as PyTorch's modules make them
    /// (layer norms 1 and 0, in_proj_weight Xavier-uniform, in_proj_bias and out_proj.bias 0).
    public func initializeParameters(seed: UInt64) {
        var rng = SplitMix64(seed: seed)
        let special = trunk.transformerLayer?.initialisation ?? [:]
        for slot in store.parameterSlots {
            let p = store.p(slot.offset)
            if let kind = special[slot.offset] {
                switch kind {
                case .ones: p.update(repeating: 1, count: slot.count)
                case .zeros: p.update(repeating: 0, count: slot.count)
                case .xavierUniform:   // U(±sqrt(6 / (fan_in + fan_out))) of a (fan_out, fan_in) matrix
                    let bound = (6 / Float(slot.shape[0] + slot.shape[1])).squareRoot()
                    for i in 0..<slot.count { p[i] = (rng.nextUnitFloat() * 2 - 1) * bound }
                }
            } else if slot.shape.count == 1 && isBatchNorm(slot.name) {
                p.update(repeating: slot.name.hasSuffix(".weight") ? 1 : 0, count: slot.count)
            } else {
                let weightShape = slot.name.hasSuffix(".bias") ? store.slot(named: String(slot.name.dropLast(4)) + "weight")!.shape : slot.shape
                let fanIn = weightShape.dropFirst().reduce(1, *)
                let bound = 1 / Float(fanIn).squareRoot()
                for i in 0..<slot.count { p[i] = (rng.nextUnitFloat() * 2 - 1) * bound }
            }
        }
        for slot in store.bufferSlots {
            store.b(slot.offset).update(repeating: slot.name.hasSuffix("running_var") ? 1 : 0, count: slot.count)
        }
        for key in store.batchesTracked.keys { store.batchesTracked[key] = 0 }
    }

    private func isBatchNorm(_ name: String) -> Bool {
        store.slot(named: name.replacingOccurrences(of: ".weight", with: ".running_mean")
                              .replacingOccurrences(of: ".bias", with: ".running_mean")) != nil
    }

    var passes: Int { config.model == .psagenet ? 3 : 1 }

    // MARK: forward, loss, backward

    /// Runs the model on `sequences` (1 for rSAGEnet, 3 for pSAGEnet: reference, maternal, paternal), each
    /// one-hot (B, 4, input_len). Returns the outputs (B, outputCount), valid until the next call. In evaluation mode
    /// `identicalTo[k] = j < k` says sequence k equals sequence j: pass k then reuses pass j's activations (forward
    /// and backward) instead of computing them again, e.g. p-SAGE-net with personal = reference ([0, 0, 0]).
    @discardableResult
    public func forward(sequences: [UnsafePointer<Float>], batch B: Int, training: Bool, identicalTo: [Int]? = nil) -> UnsafeBufferPointer<Float> {
        precondition(sequences.count == passes, "\(config.model.rawValue) takes \(passes) sequence(s) per item")
        let source = identicalTo ?? Array(0..<passes)
        precondition(source.count == passes && source.indices.allSatisfy { source[$0] <= $0 && source[source[$0]] == source[$0] } && (!training || identicalTo == nil),
                     "forward: identicalTo names earlier computed passes, in evaluation mode only")
        let w = workspace(for: B)
        w.training = training
        w.passSource = source
        w.trunkScratch.sync = batchNormSync
        for k in 0..<passes where source[k] == k {
            trunk.forward(w.trunks[k], x: sequences[k], B: B, training: training, store: store, scratch: w.trunkScratch,
                          transformerDropout: transformerDropout, rng: &dropoutRNG)
        }
        let D = trunk.outputWidth
        let features = TrunkFeatures(reference: UnsafePointer(w.trunks[0].output.pointer), referenceStride: D,
                                     maternal: passes == 3 ? UnsafePointer(w.trunks[source[1]].output.pointer) : nil,
                                     paternal: passes == 3 ? UnsafePointer(w.trunks[source[2]].output.pointer) : nil, haplotypeStride: D)
        return forwardHeads(w.heads, features: features, B: B, training: training)
    }

    /// Loss of the last forward against `targets` (B, outputCount): returns (total, mean term, difference term)
    /// over these B items and stores d(loss)/d(outputs) for `backward()`. With `meanOver` (data parallel: the global
    /// batch), the stored gradient is that of the mean over `meanOver` items, so that summing every process's
    /// parameter gradients gives the gradient of the global batch's loss.
    public func loss(targets: UnsafePointer<Float>, lamRef: Float = 1, lamDiff: Float = 10, meanOver: Int? = nil) -> (total: Float, ref: Float, diff: Float) {
        let w = workspace!, B = w.B, count = config.outputCount, N = Float(meanOver ?? B)
        let out = w.outputs.pointer, dout = w.dOutputs.pointer
        dout.update(repeating: 0, count: B * count)
        var terms: (Float, Float) = (0, 0)
        for c in 0..<count {
            var sum: Double = 0
            for b in 0..<B { let d = Double(out[b * count + c] - targets[b * count + c]); sum += d * d }
            if c == 0 { terms.0 = Float(sum / Double(B)) } else { terms.1 = Float(sum / Double(B)) }
            let scale: Float = config.model == .rsagenet ? 1 : (c == 0 ? lamRef : lamDiff)
            for b in 0..<B { dout[b * count + c] = scale * 2 * (out[b * count + c] - targets[b * count + c]) / N }
        }
        if config.model == .rsagenet { return (terms.0, terms.0, 0) }
        return (lamRef * terms.0 + lamDiff * terms.1, terms.0, terms.1)
    }

    /// Accumulates every parameter's gradient of the loss into `store.grads` (call `store.zeroGrads()` first).
    public func backward(sequences: [UnsafePointer<Float>]) { backward(sequences: sequences, inputGradients: nil) }

    /// `backward(sequences:)`, and with `inputGradients` (one entry per pass) also d(outputs · dOutputs)/d(sequence k)
    /// (B, 4, input_len) into each non-nil entry; a pass whose entry is nil is then skipped, and no convolution weight
    /// gradient is formed (for attributions, which read only the input gradients).
    func backward(sequences: [UnsafePointer<Float>], inputGradients: [UnsafeMutablePointer<Float>?]?) {
        let w = workspace!, B = w.B, h = config.hiddenSize, count = config.outputCount
        let s = w.denseScratch
        // Heads. dFC0 (fcRows, h): rows 0..<B reference, rows B..<2B personal.
        w.dFC0.zero()
        let r = UnsafePointer(w.fc0.out.pointer)
        let column = s.column.pointer
        for b in 0..<B { column[b] = w.dOutputs.pointer[b * count] }
        backwardHead(fclayers, w.fclayers, refOut, w.refOut, dOut: column, x: r, dx: w.dFC0.pointer, B: B)
        if let diffFC, let diffOut, let dfc = w.diffFC, let dout = w.diffOut, let diffIn = w.diffInput, let dDiff = w.dDiff {
            for b in 0..<B { column[b] = w.dOutputs.pointer[b * count + 1] }
            dDiff.zero()
            backwardHead(diffFC, dfc, diffOut, dout, dOut: column, x: UnsafePointer(diffIn.pointer), dx: dDiff.pointer, B: B)
            let dR = w.dFC0.pointer, dP = w.dFC0.pointer + B * h, dd = dDiff.pointer
            if !config.splitYData {
                addInPlace(dP, dd, count: B * h)
            } else if config.subtractOrConcat == .subtract {
                for i in 0..<(B * h) { dP[i] += dd[i]; dR[i] -= dd[i] }
            } else {
                for b in 0..<B {
                    addInPlace(dP + b * h, dd + b * 2 * h, count: h)
                    addInPlace(dR + b * h, dd + b * 2 * h + h, count: h)
                }
            }
        }
        // fc0, then the trunk passes (the last one completes the trunk's gradients, op by op).
        let final = inputGradients == nil ? gradientsFinal : nil
        final?(headsStart)
        let D = trunk.outputWidth
        w.dFlat.zero()
        let fcIn = w.fcInput.map { UnsafePointer($0.pointer) } ?? UnsafePointer(w.trunks[0].output.pointer)
        fc0.backward(w.fc0, dout: w.dFC0.pointer, dx: w.dFlat.pointer, x: fcIn, rows: w.fcRows, store: store, dpre: s.dpre.pointer)
        final?(fc0Start)
        for k in 0..<passes {
            if let inputGradients, inputGradients[k] == nil { continue }
            let g = w.trunkScratch.g1.pointer
            if k == 0 {
                g.update(from: w.dFlat.pointer, count: B * D)
            } else {
                let half = w.dFlat.pointer + B * D
                for i in 0..<(B * D) { g[i] = 0.5 * half[i] }
            }
            trunk.backward(w.trunks[w.passSource[k]], x: sequences[k], B: B, training: w.training, store: store, scratch: w.trunkScratch,
                           dx0: inputGradients?[k] ?? nil, parameterGradients: inputGradients == nil,
                           finished: k == passes - 1 ? final : nil)
        }
    }

    /// out = outLayer(stack(x)); dx (B, stack input width) += d/dx given dOut (B, 1).
    private func backwardHead(_ stack: DenseStack, _ stackActs: DenseStackActivations, _ outLayer: DenseLayer,
                              _ outActs: DenseActivations, dOut: UnsafePointer<Float>, x: UnsafePointer<Float>,
                              dx: UnsafeMutablePointer<Float>, B: Int) {
        let s = workspace!.denseScratch
        let stackOut = stackActs.layers.last.map { UnsafePointer($0.result.pointer) } ?? x
        s.dHidden.pointer.update(repeating: 0, count: B * stack.outputWidth)
        outLayer.backward(outActs, dout: dOut, dx: s.dHidden.pointer, x: stackOut, rows: B, store: store, dpre: s.dpre.pointer)
        stack.backward(stackActs, dout: s.dHidden.pointer, dx: dx, x: x, rows: B, store: store, s1: s.s1.pointer,
                       s2: s.s2.pointer, dpre: s.dpre.pointer)
    }

    // MARK: workspace

    /// Every activation and scratch buffer for up to `capacity` items, allocated once. A smaller batch (a short last
    /// batch) uses the front of each buffer: every layout is item-major, and every kernel is told the batch size.
    final class Workspace {
        let capacity: Int
        private let pairedRows: Bool
        /// The current batch size (at most `capacity`) and the dense layers' rows for it (2B for pSAGEnet).
        var B: Int
        var fcRows: Int { pairedRows ? 2 * B : B }
        var training = false
        /// The pass whose activations stand for each pass in the last forward (`identicalTo`; k itself when computed).
        var passSource: [Int] = [0, 1, 2]
        let trunks: [TrunkActivations]
        let trunkScratch: TrunkScratch
        /// The dense heads' activations (fc0 to the outputs).
        let heads: HeadActivations
        var fcInput: FloatBuffer? { heads.fcInput }
        var fc0: DenseActivations { heads.fc0 }
        var fclayers: DenseStackActivations { heads.fclayers }
        var refOut: DenseActivations { heads.refOut }
        var diffInput: FloatBuffer? { heads.diffInput }
        var diffFC: DenseStackActivations? { heads.diffFC }
        var diffOut: DenseActivations? { heads.diffOut }
        var outputs: FloatBuffer { heads.outputs }
        let dDiff: FloatBuffer?, dOutputs: FloatBuffer
        let dFC0: FloatBuffer, dFlat: FloatBuffer
        let denseScratch: DenseScratch

        init(model m: SAGENet, B: Int) {
            capacity = B
            self.B = B
            let p = m.config.model == .psagenet, h = m.config.hiddenSize, D = m.trunk.outputWidth
            pairedRows = p
            let fcRows = p ? 2 * B : B
            trunks = (0..<m.passes).map { _ in TrunkActivations(m.trunk, B: B) }
            trunkScratch = TrunkScratch(m.trunk, B: B)
            heads = HeadActivations(model: m, B: B)
            dDiff = m.diffFC.map { FloatBuffer(count: B * $0.inputWidth) }
            dOutputs = FloatBuffer(count: B * m.config.outputCount)
            dFC0 = FloatBuffer(count: fcRows * h)
            dFlat = FloatBuffer(count: fcRows * D)
            denseScratch = DenseScratch(rows: fcRows, width: max(2 * h, D))
        }
    }

    final class DenseScratch {
        let s1: FloatBuffer, s2: FloatBuffer, dpre: FloatBuffer, dHidden: FloatBuffer, column: FloatBuffer
        init(rows: Int, width: Int) {
            s1 = FloatBuffer(count: rows * width); s2 = FloatBuffer(count: rows * width)
            dpre = FloatBuffer(count: rows * width); dHidden = FloatBuffer(count: rows * width)
            column = FloatBuffer(count: rows)
        }
    }

    /// The workspace of the last forward (nil before the first).
    var currentWorkspace: Workspace? { workspace }

    /// Checks that the model with a batch of `batch` items fits in `available` bytes (`SAGEConfig.checkMemory`;
    /// default this machine's physical memory, divided by the ranks sharing it where the caller knows them), then
    /// allocates the workspace for it, so that no later forward of at most `batch` items allocates. Call once with
    /// the largest batch before the first forward, and before allocating the inputs (which the estimate includes).
    public func reserve(batch: Int, training: Bool, available: UInt64 = ProcessInfo.processInfo.physicalMemory) throws {
        guard batch >= 1 else { throw SAGEConfigError("the batch size must be at least 1, got \(batch)") }
        try config.checkMemory(batch: batch, training: training, available: available)
        _ = workspace(for: batch)
    }

    private func workspace(for B: Int) -> Workspace {
        precondition(B > 0, "batch size must be positive")
        if let w = workspace, w.capacity >= B {
            w.B = B
            return w
        }
        workspace = nil   // free the smaller one first: peak memory is one workspace
        let w = Workspace(model: self, B: B)
        workspace = w
        return w
    }
}
