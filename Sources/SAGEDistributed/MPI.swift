import CMPI
import Foundation

// The only file that imports CMPI. MPI errors are returned (MPI_ERRORS_RETURN), not fatal, and become
// `CommunicatorError`s carrying MPI_Error_string's text.

/// Process-wide MPI lifetime. The executable calls `initialize()` once and `finalize()` once; tests never do.
public enum MPIRuntime {
    /// Initialises MPI (thread level SERIALIZED: any thread may call MPI, one at a time) and returns the world
    /// communicator. Calling it again returns the world communicator without re-initialising.
    public static func initialize() throws -> MPICommunicator {
        var initialized: Int32 = 0
        try check(MPI_Initialized(&initialized), "MPI_Initialized")
        if initialized == 0 {
            var provided: Int32 = 0
            try check(MPI_Init_thread(nil, nil, Int32(MPI_THREAD_SERIALIZED), &provided), "MPI_Init_thread")
        }
        try check(MPI_Comm_set_errhandler(cmpi_comm_world(), cmpi_errors_return()), "MPI_Comm_set_errhandler")
        return try MPICommunicator(handle: cmpi_comm_world())
    }

    /// Finalises MPI if it was initialised and is not finalised yet.
    public static func finalize() {
        var initialized: Int32 = 0
        var finalized: Int32 = 0
        MPI_Initialized(&initialized)
        MPI_Finalized(&finalized)
        if initialized != 0 && finalized == 0 { MPI_Finalize() }
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

/// A communicator over MPI. Value type holding an MPI handle; the world communicator lives until finalize,
/// communicators from `split` live until the process ends (they are few and small).
public struct MPICommunicator: Communicator, @unchecked Sendable {
    let handle: MPI_Comm
    public let rank: Int
    public let size: Int
    /// Largest piece (in bytes) handed to one MPI call; 4 MiB is the sweet spot for shared-memory allreduce on
    /// this class of machine (PLATFORM.md §3). Always clamped so a piece's element count fits in Int32.
    public var maxChunkBytes: Int = 4 << 20

    init(handle: MPI_Comm) throws {
        self.handle = handle
        var r: Int32 = 0
        var s: Int32 = 0
        try check(MPI_Comm_rank(handle, &r), "MPI_Comm_rank")
        try check(MPI_Comm_size(handle, &s), "MPI_Comm_size")
        rank = Int(r)
        size = Int(s)
    }

    public func barrier() throws {
        try check(MPI_Barrier(handle), "MPI_Barrier")
    }

    public func allreduce<T: CommElement>(_ buffer: UnsafeMutableBufferPointer<T>, op: ReduceOp) throws {
        guard let base = buffer.baseAddress, buffer.count > 0 else { return }
        let type = datatype(T.self)
        let mpiOp: MPI_Op = switch op {
        case .sum: cmpi_op_sum()
        case .max: cmpi_op_max()
        case .min: cmpi_op_min()
        }
        for range in chunks(count: buffer.count, stride: MemoryLayout<T>.stride) {
            try check(MPI_Allreduce(cmpi_in_place(), base + range.lowerBound, Int32(range.count), type, mpiOp, handle),
                      "MPI_Allreduce")
        }
    }

    public func broadcast<T: CommElement>(_ buffer: UnsafeMutableBufferPointer<T>, root: Int) throws {
        try checkRoot(root, "MPI_Bcast")
        guard let base = buffer.baseAddress, buffer.count > 0 else { return }
        let type = datatype(T.self)
        for range in chunks(count: buffer.count, stride: MemoryLayout<T>.stride) {
            try check(MPI_Bcast(base + range.lowerBound, Int32(range.count), type, Int32(root), handle), "MPI_Bcast")
        }
    }

    public func gather<T: CommElement>(_ values: [T], root: Int) throws -> [[T]]? {
        try checkRoot(root, "MPI_Gatherv")
        var myCount = Int64(values.count)
        var counts = [Int64](repeating: 0, count: rank == root ? size : 1)
        try check(MPI_Gather(&myCount, 1, cmpi_int64(), &counts, 1, cmpi_int64(), Int32(root), handle), "MPI_Gather")
        let layout: (counts: [Int32], displs: [Int32]) =
            rank == root ? try Self.displacements(counts, call: "MPI_Gatherv") : ([0], [0])
        var received = [T](repeating: .zero, count: rank == root ? Int(counts.reduce(0, +)) : 0)
        let type = datatype(T.self)
        try values.withUnsafeBufferPointer { send in
            try received.withUnsafeMutableBufferPointer { recv in
                try check(MPI_Gatherv(send.baseAddress, Int32(values.count), type, recv.baseAddress,
                                      layout.counts, layout.displs, type, Int32(root), handle), "MPI_Gatherv")
            }
        }
        return rank == root ? Self.unpack(received, counts: counts) : nil
    }

    public func allgather<T: CommElement>(_ values: [T]) throws -> [[T]] {
        var myCount = Int64(values.count)
        var counts = [Int64](repeating: 0, count: size)
        try check(MPI_Allgather(&myCount, 1, cmpi_int64(), &counts, 1, cmpi_int64(), handle), "MPI_Allgather")
        let layout = try Self.displacements(counts, call: "MPI_Allgatherv")
        var received = [T](repeating: .zero, count: Int(counts.reduce(0, +)))
        let type = datatype(T.self)
        try values.withUnsafeBufferPointer { send in
            try received.withUnsafeMutableBufferPointer { recv in
                try check(MPI_Allgatherv(send.baseAddress, Int32(values.count), type, recv.baseAddress,
                                         layout.counts, layout.displs, type, handle), "MPI_Allgatherv")
            }
        }
        return Self.unpack(received, counts: counts)
    }

    public func split(color: Int, key: Int) throws -> any Communicator {
        guard color >= 0, color <= Int(Int32.max) else {
            throw CommunicatorError(call: "MPI_Comm_split", code: nil, message: "color must be in 0...Int32.max, got \(color)")
        }
        var newHandle: MPI_Comm? = cmpi_comm_null()
        try check(MPI_Comm_split(handle, Int32(color), Int32(clamping: key), &newHandle), "MPI_Comm_split")
        guard let newHandle else {
            throw CommunicatorError(call: "MPI_Comm_split", code: nil, message: "returned a null communicator")
        }
        try check(MPI_Comm_set_errhandler(newHandle, cmpi_errors_return()), "MPI_Comm_set_errhandler")
        var sub = try MPICommunicator(handle: newHandle)
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
private func check(_ code: Int32, _ call: String) throws {
    guard code != MPI_SUCCESS else { return }
    var buffer = [CChar](repeating: 0, count: Int(MPI_MAX_ERROR_STRING) + 1)
    var length: Int32 = 0
    MPI_Error_string(code, &buffer, &length)
    let message = String(decoding: buffer.prefix(Int(length)).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    throw CommunicatorError(call: call, code: code, message: message)
}
