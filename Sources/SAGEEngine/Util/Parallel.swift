#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// sage-mpi's one thread pool: element-wise kernels, batch norm, pooling, and large GEMMs (split in `sgemm`).
/// Set once at start-up (`Parallel.threads = n`, done by the runtime, which keeps OpenBLAS's own threads at 1);
/// `withThreads` overrides it for one thread's calls (tests comparing thread counts, without touching others').
public enum Parallel {
    nonisolated(unsafe) private static var configured = 1

    /// The threads a top-level parallel call uses: this thread's `withThreads` override, else the configured count.
    public static var threads: Int {
        get { Int(bitPattern: pthread_getspecific(overrideKey)).nonZero ?? configured }
        set { configured = newValue }
    }

    /// Runs `body` with `threads` = n for parallel calls made from this thread only.
    public static func withThreads<T>(_ n: Int, _ body: () throws -> T) rethrows -> T {
        let outer = pthread_getspecific(overrideKey)
        pthread_setspecific(overrideKey, UnsafeRawPointer(bitPattern: max(1, n)))
        defer { pthread_setspecific(overrideKey, outer) }
        return try body()
    }

    /// Calls `body` on disjoint ranges covering 0 ..< count, on up to `threads` threads, when each range gets at
    /// least `minimumPerThread` items (otherwise on the caller's thread alone).
    @inline(__always)
    public static func forEachRange(_ count: Int, minimumPerThread: Int = 32768, _ body: (Range<Int>) -> Void) {
        let parts = min(available, count / max(minimumPerThread, 1))
        guard parts > 1 else { if count > 0 { body(0..<count) }; return }
        forEachPart(parts) { p in body((p * count / parts)..<((p + 1) * count / parts)) }
    }
}

extension Parallel {
    /// Calls `body(p)` for p in 0 ..< parts, concurrently on the worker pool (on the caller's thread alone when
    /// parts is 1). Inside `body`, nested parallel calls (`forEachRange`, `forEachPart`, a split `sgemm`) run
    /// serially on that thread. Allocates nothing.
    @inline(__always)
    public static func forEachPart(_ parts: Int, _ body: (Int) -> Void) {
        guard parts > 1 else { if parts == 1 { body(0) }; return }
        guard pthread_getspecific(nestingKey) == nil else {   // already inside a part: one thread
            for p in 0..<parts { body(p) }
            return
        }
        WorkerPool.shared.run(parts: parts) { p in
            let outer = pthread_getspecific(nestingKey)
            pthread_setspecific(nestingKey, UnsafeRawPointer(bitPattern: 1))   // any non-nil value
            body(p)
            pthread_setspecific(nestingKey, outer)
        }
    }

    /// Threads a parallel call may use from here: `threads`, or 1 inside a part of an enclosing parallel call.
    @inline(__always)
    public static var available: Int { pthread_getspecific(nestingKey) == nil ? threads : 1 }
}

/// Thread-specific flag: set while a thread runs a part of `forEachPart`.
private let nestingKey: pthread_key_t = {
    var key = pthread_key_t()
    pthread_key_create(&key, nil)
    return key
}()

/// Thread-specific thread count set by `withThreads` (the count as the pointer's bits; nil: none).
private let overrideKey: pthread_key_t = {
    var key = pthread_key_t()
    pthread_key_create(&key, nil)
    return key
}()

private extension Int {
    var nonZero: Int? { self == 0 ? nil : self }
}
