import Foundation

/// A communicator of one rank that needs no MPI: collectives are identities, gathers return the caller's own
/// values. Used when sage-mpi is started without a launcher and by every test that runs in-process.
public struct SingleProcessCommunicator: Communicator {
    public init() {}

    public var rank: Int { 0 }
    public var size: Int { 1 }

    public func barrier() throws {}

    public func allreduce<T: CommElement>(_ buffer: UnsafeMutableBufferPointer<T>, op: ReduceOp) throws {}

    public func startAllreduce<T: CommElement>(_ buffer: UnsafeMutableBufferPointer<T>, op: ReduceOp) throws -> any PendingCollective {
        CompletedCollective.shared
    }

    public func broadcast<T: CommElement>(_ buffer: UnsafeMutableBufferPointer<T>, root: Int) throws {
        try checkRoot(root, call: "broadcast")
    }

    public func gather<T: CommElement>(_ values: [T], root: Int) throws -> [[T]]? {
        try checkRoot(root, call: "gather")
        return [values]
    }

    public func allgather<T: CommElement>(_ values: [T]) throws -> [[T]] { [values] }

    public func split(color: Int, key: Int) throws -> any Communicator {
        guard color >= 0 else {
            throw CommunicatorError(call: "split", code: nil, message: "color must be >= 0, got \(color)")
        }
        return SingleProcessCommunicator()
    }

    public func abort(code: Int32) -> Never {
        fflush(nil)
        exit(code)
    }

    private func checkRoot(_ root: Int, call: String) throws {
        guard root == 0 else {
            throw CommunicatorError(call: call, code: nil, message: "root \(root) is not a rank of a 1-rank communicator")
        }
    }
}
