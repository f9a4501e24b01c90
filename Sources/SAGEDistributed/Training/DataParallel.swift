import SAGEEngine

/// Data-parallel training as PyTorch DDP does it: every rank holds the whole model, starts from rank 0's state,
/// computes the gradient of its slice of the global batch, and the gradients are summed (one allreduce) before
/// every rank takes the same clipped Adam step; batch-norm running statistics follow rank 0 (broadcast after each
/// step), or with `syncBatchNorm` the batch statistics themselves are summed over the ranks in the forward pass.
/// A step whose summed loss or gradient is not finite is undone (`Diverged`): parameters, Adam and batch-norm
/// statistics stay as before it. Preallocated: a step allocates nothing.
public final class DataParallel {
    public let comm: any Communicator
    public let local: TrainingStep
    var model: SAGENet { local.model }
    let snapshot: StepSnapshot
    let lossSums: UnsafeMutableBufferPointer<Double>
    /// A failed collective inside the engine's forward (synchronised batch norm), thrown after the pass.
    final class Failure: @unchecked Sendable { var error: (any Error)? }
    let syncFailure = Failure()

    public struct Diverged: Error {
        public let loss: (total: Double, ref: Double, diff: Double), gradientNorm: Float
    }

    public init(step: TrainingStep, comm: any Communicator, syncBatchNorm: Bool) {
        self.comm = comm
        local = step
        snapshot = StepSnapshot(model: step.model)
        lossSums = .allocate(capacity: 3)
        if syncBatchNorm && comm.size > 1 {
            let failure = syncFailure
            step.model.batchNormSync = BatchNormSync { buffer in
                guard failure.error == nil else { return }
                do { try comm.allreduce(buffer, op: .sum) } catch { failure.error = error }
            }
        }
    }
    deinit { lossSums.deallocate() }

    /// Rank 0's parameters and buffers to every rank (the start of training).
    public func broadcastState() throws {
        guard comm.size > 1 else { return }
        let s = model.store
        try comm.broadcast(UnsafeMutableBufferPointer(start: s.params.pointer, count: s.params.count), root: 0)
        if s.buffers.count > 0 { try comm.broadcast(UnsafeMutableBufferPointer(start: s.buffers.pointer, count: s.buffers.count), root: 0) }
    }

    /// One step on this rank's B items of a global batch of N: returns the global batch's mean loss terms and
    /// the gradient norm before clipping. `poison` (a test hook) makes this rank's loss NaN.
    public func step(sequences: [UnsafePointer<Float>], targets: UnsafePointer<Float>, batch B: Int, globalBatch N: Int, lr: Float,
                     poison: Bool = false) throws -> (loss: (total: Double, ref: Double, diff: Double), gradientNorm: Float) {
        snapshot.take(model)
        let sums = local.gradients(sequences: sequences, targets: targets, batch: B, meanOver: N)
        if let error = syncFailure.error { throw error }
        lossSums[0] = sums.total; lossSums[1] = sums.ref; lossSums[2] = sums.diff
        if poison { lossSums[0] = .nan; lossSums[2] = .nan }
        let P = comm.size
        if P > 1 {
            try comm.allreduce(UnsafeMutableBufferPointer(start: model.store.grads.pointer, count: model.store.grads.count), op: .sum)
            try comm.allreduce(lossSums, op: .sum)
        }
        let loss = (lossSums[0] / Double(N), lossSums[1] / Double(N), lossSums[2] / Double(N))
        let norm = local.clipGradient()
        guard lossSums[0].isFinite, norm.isFinite else {
            snapshot.restore(model)
            throw Diverged(loss: loss, gradientNorm: norm)
        }
        local.update(lr: lr)
        if P > 1 && model.batchNormSync == nil && model.store.buffers.count > 0 {
            try comm.broadcast(UnsafeMutableBufferPointer(start: model.store.buffers.pointer, count: model.store.buffers.count), root: 0)
        }
        return (loss, norm)
    }
}
