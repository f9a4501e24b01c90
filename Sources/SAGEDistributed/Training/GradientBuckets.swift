import SAGEEngine

/// The gradient reduction of a data-parallel step in buckets, as DDP does it: `store.grads` is cut into contiguous
/// buckets from its end (the heads, then fc0, then the trunk's ops in reverse: the order in which the backward pass
/// completes them, `SAGENet.gradientBoundaries`), each of at least `bucketBytes` where the boundaries allow. The
/// model calls `gradientsFinal(x)` during its backward pass; every bucket that lies wholly at offsets ≥ x then
/// starts its non-blocking allreduce, and the buckets in flight are progressed (MPI progresses them only inside MPI
/// calls), so communication overlaps the rest of the backward pass. `finish` starts what is left and waits.
///
/// Every element is summed over the ranks exactly once, in bucket order on every rank; with 2 ranks the sums equal
/// one allreduce of the whole gradient bit for bit (a + b is commutative); with more, MPI may associate a bucket's
/// sums differently than a whole-gradient call would (deterministic for a given bucket size).
final class GradientBuckets {
    let comm: any Communicator
    let ranges: [Range<Int>]
    private let grads: UnsafeMutablePointer<Float>
    private var pending: [(any PendingCollective)?]
    private var started = 0
    /// The first failure inside the backward pass (the model's callback cannot throw), thrown by `finish`.
    private var failure: (any Error)?

    /// Buckets over `store.grads` of `model`, cut at `boundaries` (descending offsets, the last 0).
    init(comm: any Communicator, grads: UnsafeMutablePointer<Float>, count: Int, boundaries: [Int], bucketBytes: Int) {
        self.comm = comm
        self.grads = grads
        ranges = Self.ranges(count: count, boundaries: boundaries, bucketBytes: bucketBytes)
        pending = Array(repeating: nil, count: ranges.count)
    }

    /// Contiguous ranges covering 0 ..< count from the end, each cut at a boundary once it holds at least
    /// `bucketBytes` (the last one, at 0, may hold less).
    static func ranges(count: Int, boundaries: [Int], bucketBytes: Int) -> [Range<Int>] {
        var ranges: [Range<Int>] = [], end = count
        for b in boundaries where b < end && ((end - b) * MemoryLayout<Float>.stride >= bucketBytes || b == 0) {
            ranges.append(b..<end)
            end = b
        }
        if end > 0 { ranges.append(0..<end) }
        return ranges
    }

    /// Before the backward pass of a step.
    func reset() {
        started = 0
        failure = nil
        for i in pending.indices { pending[i] = nil }
    }

    /// The model's callback: gradients at offsets ≥ x are final.
    func gradientsFinal(_ x: Int) {
        guard failure == nil else { return }
        do {
            while started < ranges.count && ranges[started].lowerBound >= x {
                let r = ranges[started]
                pending[started] = try comm.startAllreduce(UnsafeMutableBufferPointer(start: grads + r.lowerBound, count: r.count), op: .sum)
                started += 1
            }
            for i in 0..<started { _ = try pending[i]!.test() }
        } catch {
            failure = error
        }
    }

    /// Starts the buckets not yet started and waits for all of them (in order).
    func finish() throws {
        gradientsFinal(0)
        if let failure { throw failure }
        for i in 0..<started { try pending[i]!.wait() }
    }
}
