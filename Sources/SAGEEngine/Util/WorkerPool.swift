#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The threads behind `Parallel.forEachPart`: a fork-join pool of persistent worker threads that sleep on a
/// condition variable between calls. One call at a time (concurrent callers queue on `callerLock`); the caller runs
/// part 0 itself. Unlike `DispatchQueue.concurrentPerform`, a call allocates nothing (libdispatch made ~1 small
/// heap allocation per call: ~300 per training step of a small model).
final class WorkerPool: @unchecked Sendable {
    static let shared = WorkerPool()

    private var callerLock = pthread_mutex_t()
    private var mutex = pthread_mutex_t()
    private var wake = pthread_cond_t(), finished = pthread_cond_t()
    private var workers = 0          // threads started (they never exit)
    private var generation = 0       // bumped for each call; a worker runs each generation once
    private var parts = 0, remaining = 0
    private var job: ((Int) -> Void)?

    private init() {
        pthread_mutex_init(&callerLock, nil)
        pthread_mutex_init(&mutex, nil)
        pthread_cond_init(&wake, nil)
        pthread_cond_init(&finished, nil)
    }

    /// Runs body(p) for p in 0 ..< parts, part 0 on the calling thread; returns when all are done.
    func run(parts: Int, _ body: (Int) -> Void) {
        pthread_mutex_lock(&callerLock)
        defer { pthread_mutex_unlock(&callerLock) }
        startWorkers(upTo: parts - 1)
        withoutActuallyEscaping(body) { body in
            pthread_mutex_lock(&mutex)
            job = body
            self.parts = parts
            remaining = workers
            generation += 1
            pthread_cond_broadcast(&wake)
            pthread_mutex_unlock(&mutex)

            body(0)

            pthread_mutex_lock(&mutex)
            while remaining > 0 { pthread_cond_wait(&finished, &mutex) }
            job = nil   // release the closure before withoutActuallyEscaping checks it did not escape
            pthread_mutex_unlock(&mutex)
        }
    }

    /// Starts threads until there are `count` workers (called with `callerLock` held).
    private func startWorkers(upTo count: Int) {
        while workers < count {
            let index = workers + 1   // the part this worker runs
            // The worker starts from the current generation (no call is in flight: `callerLock` is held).
            let context = Unmanaged.passRetained(WorkerContext(pool: self, part: index, generation: generation)).toOpaque()
            var thread = pthread_t()
            let status = pthread_create(&thread, nil, { raw in
                let context = Unmanaged<WorkerContext>.fromOpaque(raw!).takeRetainedValue()
                context.pool.workerLoop(part: context.part, seen: context.generation)
                return nil
            }, context)
            precondition(status == 0, "could not start a worker thread (pthread_create: \(status))")
            pthread_detach(thread)
            pthread_mutex_lock(&mutex)
            workers += 1
            pthread_mutex_unlock(&mutex)
        }
    }

    private func workerLoop(part: Int, seen start: Int) -> Never {
        var seen = start
        pthread_mutex_lock(&mutex)
        while true {
            while generation == seen { pthread_cond_wait(&wake, &mutex) }
            seen = generation
            var job = part < parts ? self.job : nil
            pthread_mutex_unlock(&mutex)
            job?(part)
            job = nil   // drop this thread's reference before reporting done (the caller then checks for escapes)
            pthread_mutex_lock(&mutex)
            remaining -= 1
            if remaining == 0 { pthread_cond_signal(&finished) }
        }
    }
}

private final class WorkerContext {
    unowned let pool: WorkerPool
    let part: Int, generation: Int
    init(pool: WorkerPool, part: Int, generation: Int) { self.pool = pool; self.part = part; self.generation = generation }
}
