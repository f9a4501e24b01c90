import SAGEEngine

/// What a training forward pass changes besides the gradients, copied before each step so that a step that
/// diverges can be undone exactly: the batch-norm running statistics (buffers), their num_batches_tracked
/// counters and the dropout generator. (Parameters and Adam's moments change only after the step is accepted.)
/// Preallocated: taking a snapshot allocates nothing.
final class StepSnapshot {
    private let buffers: FloatBuffer
    private let counterNames: [String]
    private var counters: [Int64]
    private var dropout = SplitMix64(seed: 0)

    init(model: SAGENet) {
        buffers = FloatBuffer(count: max(1, model.store.buffers.count))
        counterNames = model.store.batchesTracked.keys.sorted()
        counters = [Int64](repeating: 0, count: counterNames.count)
    }

    func take(_ model: SAGENet) {
        let s = model.store
        if s.buffers.count > 0 { buffers.pointer.update(from: s.buffers.pointer, count: s.buffers.count) }
        for (k, name) in counterNames.enumerated() { counters[k] = s.batchesTracked[name] ?? 0 }
        dropout = model.dropoutRNG
    }

    func restore(_ model: SAGENet) {
        let s = model.store
        if s.buffers.count > 0 { s.buffers.pointer.update(from: buffers.pointer, count: s.buffers.count) }
        for (k, name) in counterNames.enumerated() { s.batchesTracked[name] = counters[k] }
        model.dropoutRNG = dropout
    }
}
