import Foundation
import SAGEEngine

/// Data-parallel training as PyTorch DDP does it: every rank holds the whole model, starts from rank 0's state,
/// computes the gradient of its slice of the global batch, and the gradients are summed before every rank takes
/// the same clipped Adam step: in buckets whose allreduce starts as soon as the backward pass has completed them
/// (`GradientBuckets`, overlapping communication with the rest of the backward pass), or with `bucketBytes` nil in
/// one allreduce after it; batch-norm running statistics follow rank 0 (broadcast after each
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
    /// The overlapped reduction (nil: one allreduce after the backward pass, and always on one rank).
    let buckets: GradientBuckets?
    /// How many buckets the gradient is reduced in (0: one allreduce after the backward pass).
    public var bucketCount: Int { buckets?.ranges.count ?? 0 }
    /// DDP's bucket_cap_mb is 25 MB for GPUs; on CPUs, whose backward pass gives MPI few chances to progress, smaller
    /// buckets start earlier. 2 MiB cuts the paper's 10.8 MB gradient into 4.
    public static let defaultBucketBytes = 2 << 20
    /// Seconds of the last step spent in forward, loss and backward (`compute`), and after it until the gradient
    /// sum was complete (`exposedCommunication`: waiting for slower ranks, and the reduction not hidden behind the
    /// backward pass).
    public private(set) var lastTiming = (compute: 0.0, exposedCommunication: 0.0)

    public struct Diverged: Error {
        public let loss: (total: Double, ref: Double, diff: Double), gradientNorm: Float
    }

    public init(step: TrainingStep, comm: any Communicator, syncBatchNorm: Bool, bucketBytes: Int? = DataParallel.defaultBucketBytes) {
        self.comm = comm
        local = step
        snapshot = StepSnapshot(model: step.model)
        lossSums = .allocate(capacity: 3)
        let s = step.model.store
        if let bucketBytes, comm.size > 1 {
            let buckets = GradientBuckets(comm: comm, grads: s.grads.pointer, count: s.grads.count,
                                          boundaries: step.model.gradientBoundaries, bucketBytes: bucketBytes)
            step.model.gradientsFinal = { buckets.gradientsFinal($0) }
            self.buckets = buckets
        } else {
            step.model.gradientsFinal = nil
            buckets = nil
        }
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
        buckets?.reset()
        let start = DispatchTime.now().uptimeNanoseconds
        let sums = local.gradients(sequences: sequences, targets: targets, batch: B, meanOver: N)
        let computed = DispatchTime.now().uptimeNanoseconds
        if let error = syncFailure.error { throw error }
        lossSums[0] = sums.total; lossSums[1] = sums.ref; lossSums[2] = sums.diff
        if poison { lossSums[0] = .nan; lossSums[2] = .nan }
        let P = comm.size
        if P > 1 {
            if let buckets {
                try buckets.finish()
            } else {
                try comm.allreduce(UnsafeMutableBufferPointer(start: model.store.grads.pointer, count: model.store.grads.count), op: .sum)
            }
            try comm.allreduce(lossSums, op: .sum)
        }
        let reduced = DispatchTime.now().uptimeNanoseconds
        lastTiming = (Double(computed - start) / 1e9, Double(reduced - computed) / 1e9)
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
