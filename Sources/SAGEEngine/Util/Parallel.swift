import Dispatch

/// sage-mpi's one thread pool: element-wise kernels, batch norm, pooling, and large GEMMs (split in `sgemm`).
/// Set once at start-up (`Parallel.threads = n`, done by the runtime, which keeps OpenBLAS's own threads at 1).
public enum Parallel {
    nonisolated(unsafe) public static var threads = 1

    /// Calls `body` on disjoint ranges covering 0 ..< count, on up to `threads` threads, when each range gets at
    /// least `minimumPerThread` items (otherwise on the caller's thread alone).
    @inline(__always)
    public static func forEachRange(_ count: Int, minimumPerThread: Int = 32768, _ body: (Range<Int>) -> Void) {
        let parts = min(threads, count / max(minimumPerThread, 1))
        guard parts > 1 else { if count > 0 { body(0..<count) }; return }
        forEachPart(parts) { p in body((p * count / parts)..<((p + 1) * count / parts)) }
    }
}

extension Parallel {
    /// Calls `body(p)` for p in 0 ..< parts, concurrently (on the caller's thread alone when parts is 1).
    @inline(__always)
    public static func forEachPart(_ parts: Int, _ body: (Int) -> Void) {
        guard parts > 1 else { if parts == 1 { body(0) }; return }
        withoutActuallyEscaping(body) { body in
            let box = UncheckedBox(body)
            DispatchQueue.concurrentPerform(iterations: parts) { box.value($0) }
        }
    }
}

/// Lets a non-Sendable closure cross into concurrentPerform; callers give each thread a disjoint range.
private struct UncheckedBox<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
}
