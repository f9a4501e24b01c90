import CMPI
import Foundation

// MPI.swift and MPIWatch.swift are the only files that import CMPI. MPI errors are returned (MPI_ERRORS_RETURN),
// not fatal, and become `CommunicatorError`s carrying MPI_Error_string's text. Every collective is a non-blocking
// MPI call waited for by the communicator's `MPIWatch`, which ends the job when a call outlives the collective
// timeout, naming the ranks that did not arrive.

/// Process-wide MPI lifetime. The executable calls `initialize()` once and `finalize()` once; tests never do.
public enum MPIRuntime {
    nonisolated(unsafe) private static var world: MPICommunicator?
    /// "[rank r/P] " for a job of several ranks, else "": how this rank prefixes its error lines.
    nonisolated(unsafe) static var worldPrefix = ""

    /// Initialises MPI (thread level SERIALIZED: any thread may call MPI, one at a time) and returns the world
    /// communicator, whose collectives (and those of communicators split from it) time out after
    /// `collectiveTimeout`. Calling it again returns the same world communicator.
    public static func initialize(collectiveTimeout: CollectiveTimeout = .default) throws -> MPICommunicator {
        if let world { return world }
        var initialized: Int32 = 0
        try check(MPI_Initialized(&initialized), "MPI_Initialized")
        if initialized == 0 {
            preferScalableNonBlockingAllreduce()
            var provided: Int32 = 0
            try check(MPI_Init_thread(nil, nil, Int32(MPI_THREAD_SERIALIZED), &provided), "MPI_Init_thread")
        }
        try check(MPI_Comm_set_errhandler(cmpi_comm_world(), cmpi_errors_return()), "MPI_Comm_set_errhandler")
        let comm = try MPICommunicator(handle: cmpi_comm_world(), worldRanks: nil, timeout: collectiveTimeout)
        worldPrefix = comm.size > 1 ? "[rank \(comm.rank)/\(comm.size)] " : ""
        world = comm
        return comm
    }

    /// Open MPI's non-blocking allreduce (coll/libnbc) picks a binomial tree (reduce to rank 0, then broadcast)
    /// for fewer than 4 ranks or in-place buffers, which halves the throughput of a large allreduce (10 M floats on
    /// 2 ranks: 17-21 ms against 8-10 ms for the blocking MPI_Allreduce). Reduce-scatter + allgather (algorithm 3;
    /// libnbc falls back to a ring for fewer elements than ranks) matches the blocking call. Set before MPI_Init,
    /// only when the user has not chosen (mpirun --mca or OMPI_MCA_ in the environment); other MPIs ignore it.
    private static func preferScalableNonBlockingAllreduce() {
        setenv("OMPI_MCA_coll_libnbc_iallreduce_algorithm", "3", 0)
    }

    /// Finalises MPI if it was initialised and is not finalised yet.
    public static func finalize() {
        var initialized: Int32 = 0
        var finalized: Int32 = 0
        MPI_Initialized(&initialized)
        MPI_Finalized(&finalized)
        guard initialized != 0 && finalized == 0 else { return }
        for watch in MPIWatch.all { watch.retire() }
        MPI_Finalize()
    }

    /// The MPI library's version string (MPI_Get_library_version; valid before MPI_Init).
    public static var libraryVersion: String {
        var buffer = [CChar](repeating: 0, count: Int(MPI_MAX_LIBRARY_VERSION_STRING) + 1)
        var length: Int32 = 0
        MPI_Get_library_version(&buffer, &length)
        let text = String(decoding: buffer.prefix(Int(length)).map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return text.split(separator: "\n").first.map(String.init)?
            .split(separator: ",").first.map(String.init) ?? text
    }

    /// MPI standard version implemented, e.g. "3.1".
    public static var standardVersion: String {
        var version: Int32 = 0
        var subversion: Int32 = 0
        MPI_Get_version(&version, &subversion)
        return "\(version).\(subversion)"
    }
}

/// A communicator over MPI. Value type holding an MPI handle and its `MPIWatch` (shared by copies); the world
/// communicator lives until finalize, communicators from `split` live until the process ends (they are few and
/// small). Each collective is one numbered call of the watch, made of one or more non-blocking MPI calls.
public struct MPICommunicator: Communicator, @unchecked Sendable {
    let handle: MPI_Comm
    let watch: MPIWatch
    public let rank: Int
    public let size: Int
    /// Largest piece (in bytes) handed to one MPI call; 4 MiB is the sweet spot for shared-memory allreduce on
    /// this class of machine (PLATFORM.md §3). Always clamped so a piece's element count fits in Int32.
    public var maxChunkBytes: Int = 4 << 20

    /// The limit on each collective call of this communicator.
    public var collectiveTimeout: CollectiveTimeout { watch.timeout }

    /// Collective over `handle` (creates the watch's control communicator).
    init(handle: MPI_Comm, worldRanks: [Int]?, timeout: CollectiveTimeout) throws {
        self.handle = handle
        var r: Int32 = 0
        var s: Int32 = 0
        try check(MPI_Comm_rank(handle, &r), "MPI_Comm_rank")
        try check(MPI_Comm_size(handle, &s), "MPI_Comm_size")
        rank = Int(r)
        size = Int(s)
        watch = try MPIWatch(comm: handle, rank: rank, size: size, worldRanks: worldRanks, timeout: timeout)
    }

    public func barrier() throws {
        try watch.begin(.barrier)
        try collective("MPI_Ibarrier") { MPI_Ibarrier(handle, &$0) }
    }

    public func allreduce<T: CommElement>(_ buffer: UnsafeMutableBufferPointer<T>, op: ReduceOp) throws {
        try watch.begin(.allreduce(T.commKind, count: buffer.count, op: op))
        guard let base = buffer.baseAddress, buffer.count > 0 else { return }
        let type = datatype(T.self), mpiOp = Self.mpiOp(op)
        for range in chunks(count: buffer.count, stride: MemoryLayout<T>.stride) {
            try collective("MPI_Iallreduce") {
                MPI_Iallreduce(cmpi_in_place(), base + range.lowerBound, Int32(range.count), type, mpiOp, handle, &$0)
            }
        }
    }

    public func startAllreduce<T: CommElement>(_ buffer: UnsafeMutableBufferPointer<T>, op: ReduceOp) throws -> any PendingCollective {
        let position = try watch.begin(.allreduce(T.commKind, count: buffer.count, op: op), inFlight: true)
        let pending = MPIPendingCollective(watch: watch, position: position, call: "MPI_Iallreduce")
        guard let base = buffer.baseAddress, buffer.count > 0 else { try pending.wait(); return pending }
        let type = datatype(T.self), mpiOp = Self.mpiOp(op)
        for range in chunks(count: buffer.count, stride: MemoryLayout<T>.stride) {
            var request: MPI_Request? = cmpi_request_null()
            try check(MPI_Iallreduce(cmpi_in_place(), base + range.lowerBound, Int32(range.count), type, mpiOp, handle, &request),
                      "MPI_Iallreduce")
            pending.requests.append(request)
        }
        return pending
    }

    private static func mpiOp(_ op: ReduceOp) -> MPI_Op {
        switch op {
        case .sum: cmpi_op_sum()
        case .max: cmpi_op_max()
        case .min: cmpi_op_min()
        }
    }

    public func broadcast<T: CommElement>(_ buffer: UnsafeMutableBufferPointer<T>, root: Int) throws {
        try checkRoot(root, "MPI_Ibcast")
        try watch.begin(.broadcast(T.commKind, count: buffer.count, root: root))
        guard let base = buffer.baseAddress, buffer.count > 0 else { return }
        let type = datatype(T.self)
        for range in chunks(count: buffer.count, stride: MemoryLayout<T>.stride) {
            try collective("MPI_Ibcast") { MPI_Ibcast(base + range.lowerBound, Int32(range.count), type, Int32(root), handle, &$0) }
        }
    }

    // Non-blocking calls read and write their buffers (counts and displacements included) until they complete,
    // so every buffer below is pinned by a with-closure around the wait, not by a temporary `&` argument.

    public func gather<T: CommElement>(_ values: [T], root: Int) throws -> [[T]]? {
        try checkRoot(root, "MPI_Igatherv")
        try watch.begin(.gather(T.commKind, root: root))
        var counts = [Int64](repeating: 0, count: rank == root ? size : 1)
        var myCount = [Int64(values.count)]
        try myCount.withUnsafeMutableBufferPointer { mine in
            try counts.withUnsafeMutableBufferPointer { all in
                try collective("MPI_Igather") {
                    MPI_Igather(mine.baseAddress, 1, cmpi_int64(), all.baseAddress, 1, cmpi_int64(), Int32(root), handle, &$0)
                }
            }
        }
        let layout: (counts: [Int32], displs: [Int32]) =
            rank == root ? try Self.displacements(counts, call: "MPI_Igatherv") : ([0], [0])
        var received = [T](repeating: .zero, count: rank == root ? Int(counts.reduce(0, +)) : 0)
        let type = datatype(T.self)
        try values.withUnsafeBufferPointer { send in
            try received.withUnsafeMutableBufferPointer { recv in
                try layout.counts.withUnsafeBufferPointer { recvCounts in
                    try layout.displs.withUnsafeBufferPointer { displs in
                        try collective("MPI_Igatherv") {
                            MPI_Igatherv(send.baseAddress, Int32(values.count), type, recv.baseAddress, recvCounts.baseAddress,
                                         displs.baseAddress, type, Int32(root), handle, &$0)
                        }
                    }
                }
            }
        }
        return rank == root ? Self.unpack(received, counts: counts) : nil
    }

    public func allgather<T: CommElement>(_ values: [T]) throws -> [[T]] {
        try watch.begin(.allgather(T.commKind))
        var counts = [Int64](repeating: 0, count: size)
        var myCount = [Int64(values.count)]
        try myCount.withUnsafeMutableBufferPointer { mine in
            try counts.withUnsafeMutableBufferPointer { all in
                try collective("MPI_Iallgather") {
                    MPI_Iallgather(mine.baseAddress, 1, cmpi_int64(), all.baseAddress, 1, cmpi_int64(), handle, &$0)
                }
            }
        }
        let layout = try Self.displacements(counts, call: "MPI_Iallgatherv")
        var received = [T](repeating: .zero, count: Int(counts.reduce(0, +)))
        let type = datatype(T.self)
        try values.withUnsafeBufferPointer { send in
            try received.withUnsafeMutableBufferPointer { recv in
                try layout.counts.withUnsafeBufferPointer { recvCounts in
                    try layout.displs.withUnsafeBufferPointer { displs in
                        try collective("MPI_Iallgatherv") {
                            MPI_Iallgatherv(send.baseAddress, Int32(values.count), type, recv.baseAddress, recvCounts.baseAddress,
                                            displs.baseAddress, type, handle, &$0)
                        }
                    }
                }
            }
        }
        return Self.unpack(received, counts: counts)
    }

    /// MPI_Comm_split has no non-blocking form: a timed MPI_Ibarrier first makes sure every rank has arrived, so
    /// the blocking split after it completes promptly.
    public func split(color: Int, key: Int) throws -> any Communicator {
        guard color >= 0, color <= Int(Int32.max) else {
            throw CommunicatorError(call: "MPI_Comm_split", code: nil, message: "color must be in 0...Int32.max, got \(color)")
        }
        try watch.begin(.split)
        try collective("MPI_Ibarrier") { MPI_Ibarrier(handle, &$0) }
        var newHandle: MPI_Comm? = cmpi_comm_null()
        try check(MPI_Comm_split(handle, Int32(color), Int32(clamping: key), &newHandle), "MPI_Comm_split")
        guard let newHandle else {
            throw CommunicatorError(call: "MPI_Comm_split", code: nil, message: "returned a null communicator")
        }
        try check(MPI_Comm_set_errhandler(newHandle, cmpi_errors_return()), "MPI_Comm_set_errhandler")
        var sub = try MPICommunicator(handle: newHandle, worldRanks: try Self.worldRanks(of: newHandle), timeout: watch.timeout)
        sub.maxChunkBytes = maxChunkBytes
        return sub
    }

    public func abort(code: Int32) -> Never {
        fflush(nil)
        MPI_Abort(handle, code)
        exit(code)  // MPI_Abort does not return; this satisfies the type checker.
    }

    /// Calls MPI_Bcast with an invalid root, skipping this type's own argument check, so that the self-check can
    /// show an MPI error arriving as a `CommunicatorError` with MPI's message. Every rank must call it.
    func broadcastToInvalidRootUnchecked() throws {
        var x: Int32 = 0
        try check(MPI_Bcast(&x, 1, cmpi_int32(), Int32(size), handle), "MPI_Bcast")
    }

    // MARK: helpers

    /// Starts one non-blocking MPI call (`start` fills in its request) and waits for it under the watch.
    private func collective(_ call: String, _ start: (inout MPI_Request?) -> Int32) throws {
        var request: MPI_Request? = cmpi_request_null()
        try check(start(&request), call)
        try watch.wait(&request, call: call)
    }

    /// World rank of each rank of `comm`.
    private static func worldRanks(of comm: MPI_Comm) throws -> [Int] {
        var group: MPI_Group? = nil
        var worldGroup: MPI_Group? = nil
        try check(MPI_Comm_group(comm, &group), "MPI_Comm_group")
        try check(MPI_Comm_group(cmpi_comm_world(), &worldGroup), "MPI_Comm_group")
        defer {
            MPI_Group_free(&group)
            MPI_Group_free(&worldGroup)
        }
        var size: Int32 = 0
        try check(MPI_Group_size(group, &size), "MPI_Group_size")
        let ranks = (0..<size).map { $0 }
        var world = [Int32](repeating: 0, count: Int(size))
        try check(MPI_Group_translate_ranks(group, size, ranks, worldGroup, &world), "MPI_Group_translate_ranks")
        return world.map(Int.init)
    }

    func chunks(count: Int, stride: Int) -> [Range<Int>] {
        chunkRanges(count: count, elementBytes: stride, maxChunkBytes: maxChunkBytes)
    }

    private func checkRoot(_ root: Int, _ call: String) throws {
        guard (0..<size).contains(root) else {
            throw CommunicatorError(call: call, code: nil, message: "root \(root) is not a rank of a \(size)-rank communicator")
        }
    }

    private static func displacements(_ counts: [Int64], call: String) throws -> (counts: [Int32], displs: [Int32]) {
        let total = counts.reduce(0, +)
        guard total <= Int64(Int32.max) else {
            throw CommunicatorError(call: call, code: nil,
                                    message: "\(total) elements in total exceed MPI's Int32 count; gather in pieces")
        }
        var displs = [Int32](repeating: 0, count: counts.count)
        for i in counts.indices.dropFirst() { displs[i] = displs[i - 1] + Int32(counts[i - 1]) }
        return (counts.map { Int32($0) }, displs)
    }

    private static func unpack<T>(_ flat: [T], counts: [Int64]) -> [[T]] {
        var start = 0
        return counts.map { count in
            defer { start += Int(count) }
            return Array(flat[start..<start + Int(count)])
        }
    }
}

private func datatype<T: CommElement>(_: T.Type) -> MPI_Datatype {
    switch T.commKind {
    case .float32: cmpi_float()
    case .float64: cmpi_double()
    case .int32: cmpi_int32()
    case .int64: cmpi_int64()
    case .uint8: cmpi_uint8()
    }
}

/// Throws a `CommunicatorError` with MPI's message when `code` is not MPI_SUCCESS.
func check(_ code: Int32, _ call: String) throws {
    guard code != MPI_SUCCESS else { return }
    var buffer = [CChar](repeating: 0, count: Int(MPI_MAX_ERROR_STRING) + 1)
    var length: Int32 = 0
    MPI_Error_string(code, &buffer, &length)
    let message = String(decoding: buffer.prefix(Int(length)).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    throw CommunicatorError(call: call, code: code, message: message)
}

/// An MPI collective in flight: its requests (one per chunk) and its place in the watch's call order.
final class MPIPendingCollective: PendingCollective, @unchecked Sendable {
    let watch: MPIWatch, position: CallPosition, call: String
    var requests: [MPI_Request?] = []
    private var completed = false

    init(watch: MPIWatch, position: CallPosition, call: String) {
        self.watch = watch; self.position = position; self.call = call
    }

    func test() throws -> Bool {
        if completed { return true }
        for i in requests.indices {
            var done: Int32 = 0
            try check(MPI_Test(&requests[i], &done, nil), call)
            if done == 0 { return false }
        }
        finish()
        return true
    }

    func wait() throws {
        if completed { return }
        for i in requests.indices { try watch.wait(&requests[i], call: call, in: position) }
        finish()
    }

    private func finish() {
        completed = true
        watch.completed(position)
    }
}
