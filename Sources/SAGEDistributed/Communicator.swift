// The communicator: the only way anything above this layer talks to other ranks. Two implementations share
// this API: `MPICommunicator` (real MPI; MPI.swift and MPIWatch.swift are the only files that import CMPI) and
// `SingleProcessCommunicator` (one rank, no MPI), so everything that runs on one rank runs under `swift test`.
// Under MPI every collective is bounded by the collective timeout (`CollectiveTimeout`): a rank that waits longer
// ends the whole job with one message naming the call and the ranks that did not arrive.
//
// Conventions: ranks are 0 ..< size; buffers are contiguous and of any length (implementations split them into
// chunks that fit MPI's Int32 counts); every collective must be called by every rank of the communicator in the
// same order, with the same element type and (for allreduce/broadcast) the same length.

/// Element types that can travel through a communicator.
public protocol CommElement: Numeric, Comparable, Sendable {
    static var commKind: CommElementKind { get }
}

public enum CommElementKind: Sendable { case float32, float64, int32, int64, uint8 }

extension Float: CommElement { public static var commKind: CommElementKind { .float32 } }
extension Double: CommElement { public static var commKind: CommElementKind { .float64 } }
extension Int32: CommElement { public static var commKind: CommElementKind { .int32 } }
extension Int: CommElement { public static var commKind: CommElementKind { .int64 } }
extension Int64: CommElement { public static var commKind: CommElementKind { .int64 } }
extension UInt8: CommElement { public static var commKind: CommElementKind { .uint8 } }

/// Reduction applied element-wise across ranks.
public enum ReduceOp: String, Sendable, CaseIterable { case sum, max, min }

public protocol Communicator: Sendable {
    /// This process's rank, 0 ..< size.
    var rank: Int { get }
    /// Number of ranks in this communicator.
    var size: Int { get }

    /// Blocks until every rank has entered.
    func barrier() throws

    /// In place: on return every rank holds `op` over all ranks' buffers, element-wise.
    /// All ranks pass buffers of the same length.
    func allreduce<T: CommElement>(_ buffer: UnsafeMutableBufferPointer<T>, op: ReduceOp) throws

    /// Starts an in-place allreduce and returns at once; `wait()` on the result completes it (until then the buffer
    /// must not be read or written). It takes its place in the call order when started: every rank starts it at the
    /// same point of its sequence of collectives, and several may be in flight. Used to overlap the gradient
    /// reduction with the backward pass; a communicator without non-blocking collectives may complete it at once.
    func startAllreduce<T: CommElement>(_ buffer: UnsafeMutableBufferPointer<T>, op: ReduceOp) throws -> any PendingCollective

    /// In place: on return every rank holds `root`'s buffer. All ranks pass buffers of the same length.
    func broadcast<T: CommElement>(_ buffer: UnsafeMutableBufferPointer<T>, root: Int) throws

    /// Variable-length gather: `root` receives every rank's `values` (index = rank); other ranks receive nil.
    func gather<T: CommElement>(_ values: [T], root: Int) throws -> [[T]]?

    /// Variable-length allgather: every rank receives every rank's `values` (index = rank).
    func allgather<T: CommElement>(_ values: [T]) throws -> [[T]]

    /// Splits into disjoint sub-communicators, one per `color` (MPI_Comm_split); ranks in each are ordered by
    /// (`key`, old rank). Every rank must call it.
    func split(color: Int, key: Int) throws -> any Communicator

    /// Ends the whole job (every rank of every communicator) with `code`. Never returns.
    func abort(code: Int32) -> Never
}

/// A collective in flight (`Communicator.startAllreduce`).
public protocol PendingCollective: AnyObject {
    /// Progresses it without blocking (MPI progresses non-blocking collectives only inside MPI calls); true once
    /// it has completed.
    func test() throws -> Bool
    /// Blocks, under the collective timeout, until it has completed.
    func wait() throws
}

/// A collective that completed when it was started.
public final class CompletedCollective: PendingCollective, Sendable {
    public static let shared = CompletedCollective()
    public func test() throws -> Bool { true }
    public func wait() throws {}
}

public extension Communicator {
    /// Convenience over `allreduce(_:op:)` for an array.
    func allreduce<T: CommElement>(_ array: inout [T], op: ReduceOp) throws {
        try array.withUnsafeMutableBufferPointer { try allreduce($0, op: op) }
    }

    /// Convenience over `broadcast(_:root:)` for an array (same length on every rank).
    func broadcast<T: CommElement>(_ array: inout [T], root: Int) throws {
        try array.withUnsafeMutableBufferPointer { try broadcast($0, root: root) }
    }

    /// Allreduce of one value.
    func allreduce<T: CommElement>(_ value: T, op: ReduceOp) throws -> T {
        var one = [value]
        try allreduce(&one, op: op)
        return one[0]
    }

    /// Gathers UTF-8 strings (e.g. host names or error messages) to `root`.
    func gather(string: String, root: Int) throws -> [String]? {
        try gather(Array(string.utf8), root: root).map { $0.map { String(decoding: $0, as: UTF8.self) } }
    }

    /// Broadcasts a UTF-8 string from `root` (any length; other ranks' input is ignored).
    func broadcast(string: String, root: Int) throws -> String {
        var count = [rank == root ? string.utf8.count : 0]
        try broadcast(&count, root: root)
        var bytes = rank == root ? Array(string.utf8) : [UInt8](repeating: 0, count: count[0])
        try broadcast(&bytes, root: root)
        return String(decoding: bytes, as: UTF8.self)
    }
}

/// Element-wise reduction of `source` into `target`; shared by the single-process communicator and tests.
@inlinable
public func reduceInto<T: CommElement>(_ target: UnsafeMutableBufferPointer<T>, _ source: UnsafeBufferPointer<T>,
                                       op: ReduceOp) {
    precondition(target.count == source.count, "reduceInto: lengths differ")
    switch op {
    case .sum: for i in 0..<target.count { target[i] += source[i] }
    case .max: for i in 0..<target.count { target[i] = Swift.max(target[i], source[i]) }
    case .min: for i in 0..<target.count { target[i] = Swift.min(target[i], source[i]) }
    }
}

/// Splits `0 ..< count` into consecutive ranges of at most `maxChunkBytes` bytes (at least one element each) and
/// at most Int32.max elements, MPI's count limit.
func chunkRanges(count: Int, elementBytes: Int, maxChunkBytes: Int) -> [Range<Int>] {
    let perChunk = max(1, min(Int(Int32.max), maxChunkBytes / max(elementBytes, 1)))
    return stride(from: 0, to: count, by: perChunk).map { $0..<min($0 + perChunk, count) }
}
