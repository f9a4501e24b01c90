import Foundation

/// Bytes a model and a batch need, by part, computed from the hyperparameters alone (nothing is allocated), so
/// that a configuration or checkpoint asking for more than the machine has is an error before the allocation.
/// Each part is what sage-mpi allocates, not a bound: parameters = params + grads + batch-norm buffers (the
/// ParameterStore); optimizer = Adam's m and v (training); activations = SAGENet's workspace for `batch` items
/// (every activation, gradient and convolution workspace, at the current thread count); inputs = the caller's
/// one-hot batch (passes x batch x 4 x input_len floats) and targets; checkpointIO = the transient copies while a
/// checkpoint or state file is read or written (file bytes, tensors, arrays). Sums saturate at Int.max.
public struct MemoryEstimate: Sendable, Equatable, CustomStringConvertible {
    public var batch: Int
    public var training: Bool
    public var parameterCount: Int
    public var parameters: Int
    public var optimizer: Int
    public var activations: Int
    public var inputs: Int
    public var checkpointIO: Int

    public var total: Int { [parameters, optimizer, activations, inputs, checkpointIO].reduce(0, saturatingAdd) }

    /// "1.2 GiB (parameters and gradients 10 MiB, Adam moments 5 MiB, activations for a batch of 8 1.1 GiB, ...)"
    public var description: String {
        var parts = ["parameters and gradients \(formatBytes(parameters))"]
        if training { parts.append("Adam moments \(formatBytes(optimizer))") }
        if batch > 0 {
            parts.append("activations for a batch of \(batch) \(formatBytes(activations))")
            parts.append("inputs \(formatBytes(inputs))")
        }
        parts.append("checkpoint copies \(formatBytes(checkpointIO))")
        return "\(formatBytes(total)) (\(parts.joined(separator: ", ")))"
    }
}

extension SAGEConfig {
    /// What a model with these hyperparameters and a batch of `batch` items (0: the model alone) need in bytes,
    /// for training (gradients flow, Adam's moments, the state file) or inference. Validate the configuration first
    /// (`SAGEConfig(from:)` does): the sizes are computed in Double, but the layers' shapes in Int.
    public func memoryEstimate(batch: Int, training: Bool, threads: Int = Parallel.threads) -> MemoryEstimate {
        let store = ParameterStore()
        let layers = SAGENet.Layers(config: self, store: store)
        let P = Double(store.parameterSlots.reduce(0) { $0 + $1.count })
        let buffers = Double(store.bufferSlots.reduce(0) { $0 + $1.count })
        let floatBytes = Double(MemoryLayout<Float>.stride)
        let passes = Double(model == .psagenet ? 3 : 1), B = Double(max(batch, 0))
        // Saving a state file holds the tensors twice (their Data and the encoded file) plus one array; reading
        // one, the file, the tensors and one array. A model checkpoint alone is smaller, so this is the peak.
        let stateFloats = training ? 3 * P + buffers : P + buffers
        return MemoryEstimate(
            batch: max(batch, 0), training: training, parameterCount: Int(P),
            parameters: clampedInt((2 * P + buffers) * floatBytes),
            optimizer: clampedInt(training ? 2 * P * floatBytes : 0),
            activations: clampedInt(batch > 0 ? workspaceFloats(layers, batch: batch, threads: threads) * floatBytes : 0),
            inputs: clampedInt((passes * B * 4 * Double(inputLen) + B * Double(outputCount)) * floatBytes),
            checkpointIO: clampedInt((2 * stateFloats + P) * floatBytes))
    }

    /// Bytes that `memoryEstimate` totals.
    public func estimatedBytes(batch: Int, training: Bool) -> Int {
        memoryEstimate(batch: batch, training: training).total
    }

    /// Throws a SAGEConfigError saying how much is needed and how much there is when the model and a batch of
    /// `batch` items would need more than `available` bytes (default: this machine's physical memory). Under
    /// mpirun every rank on a node holds its own copy: pass the node's memory divided by its ranks there.
    public func checkMemory(batch: Int, training: Bool, available: UInt64 = ProcessInfo.processInfo.physicalMemory) throws {
        let estimate = memoryEstimate(batch: batch, training: training)
        guard UInt64(estimate.total) > available else { return }
        let what = batch > 0 ? "this model with a \(training ? "training " : "")batch of \(batch) at input_len \(inputLen)" : "this model's parameters"
        throw SAGEConfigError("\(what) would need about \(estimate), more than the \(formatBytes(available)) of memory here; use a smaller \(batch > 0 ? "batch_size, " : "")input_len, kernel numbers or hidden_size")
    }

    /// Floats of SAGENet.Workspace for `batch` items: mirrors its initialiser (and those of the trunk's and the
    /// dense layers' activations), checked against a real workspace in the tests.
    func workspaceFloats(_ m: SAGENet.Layers, batch: Int, threads: Int) -> Double {
        let B = Double(batch), h = Double(hiddenSize), D = Double(m.trunk.outputWidth)
        let p = model == .psagenet, passes = Double(p ? 3 : 1), fcRows = p ? 2 * B : B
        var trunkPass = 0.0
        for op in m.trunk.ops {
            switch op {
            case .block(let l):
                let (cin, cout, L) = (Double(l.Cin), Double(l.Cout), Double(l.L))
                trunkPass += (l.bn == nil ? 0 : B * cin * L) + 2 * cin + B * cout * L * (l.residual ? 2 : 1)
            case .transformer(let l):
                trunkPass += TransformerBlockActivations.floatCount(l, B: batch)
            case .pool(let rows, let L, let type, let size):
                trunkPass += B * Double(rows) * Double(pooledLength(L, size: size)) * (type == .max ? 2 : 1)  // + Int32 argmax
            }
        }
        let parts = max(1, min(threads, batch))
        let scratch = 4 * B * Double(m.trunk.maxActivationPerItem) + Double(m.trunk.maxColCount(parts: parts))
            + (m.trunk.transformerLayer.map { TransformerBlockScratch.floatCount($0, B: batch) } ?? 0)
        func dense(_ l: DenseLayer, rows: Double) -> Double { rows * Double(l.OUT) * (l.dropout > 0 ? 3 : 1) }
        func stack(_ s: DenseStack, rows: Double) -> Double { s.layers.reduce(0) { $0 + dense($1, rows: rows) } }
        var heads = dense(m.fc0, rows: fcRows) + stack(m.fclayers, rows: B) + dense(m.refOut, rows: B)
        if p { heads += 2 * B * D }   // fcInput: reference rows, then the haplotypes' mean
        if let diffFC = m.diffFC, let diffOut = m.diffOut {
            heads += 2 * B * Double(diffFC.inputWidth) + stack(diffFC, rows: B) + dense(diffOut, rows: B)
        }
        let outputs = 2 * B * Double(outputCount)
        let gradients = fcRows * h + fcRows * D
        let denseScratch = 4 * fcRows * max(2 * h, D) + fcRows
        return passes * trunkPass + scratch + heads + outputs + gradients + denseScratch
    }
}

private func saturatingAdd(_ a: Int, _ b: Int) -> Int {
    let (sum, overflow) = a.addingReportingOverflow(b)
    return overflow ? Int.max : sum
}

private func clampedInt(_ x: Double) -> Int { x >= Double(Int.max) ? Int.max : Int(x.rounded(.up)) }

/// "512 B", "3.4 MiB", "1.2 GiB", "2.0 TiB".
func formatBytes<T: BinaryInteger>(_ bytes: T) -> String {
    let b = Double(bytes)
    let units: [(String, Double)] = [("PiB", 0x1p50), ("TiB", 0x1p40), ("GiB", 0x1p30), ("MiB", 0x1p20), ("KiB", 0x1p10)]
    for (name, size) in units where b >= size { return String(format: "%.1f", b / size) + " " + name }
    return "\(bytes) B"
}
