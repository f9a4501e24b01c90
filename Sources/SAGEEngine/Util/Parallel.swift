import Dispatch

/// Threads for sage-mpi's own loops (element-wise kernels, batch norm, pooling); BLAS has its own pool.
/// Set once at start-up (`Parallel.threads = n`, done by the runtime together with BLAS's thread count).
public enum Parallel {
    nonisolated(unsafe) public static var threads = 1

    /// Calls `body` on disjoint ranges covering 0 ..< count, on up to `threads` threads, when each range gets at
    /// least `minimumPerThread` items (otherwise on the caller's thread alone).
    @inline(__always)
    public static func forEachRange(_ count: Int, minimumPerThread: Int = 32768, _ body: (Range<Int>) -> Void) {
        let parts = min(threads, count / max(minimumPerThread, 1))
        guard parts > 1 else { if count > 0 { body(0..<count) }; return }
        withoutActuallyEscaping(body) { body in
            let box = UncheckedBox(body)
            DispatchQueue.concurrentPerform(iterations: parts) { p in
                box.value((p * count / parts)..<((p + 1) * count / parts))
            }
        }
    }
}

/// Lets a non-Sendable closure cross into concurrentPerform; callers give each thread a disjoint range.
private struct UncheckedBox<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
}
