import Foundation
import SAGEEngine

/// An output directory that every rank writes into as `<out>.partial/` and rank 0 moves to `out` once complete, so
/// that `out` is either the old directory or the whole new one, never half of it.
///
/// Failures are collective (`collectively`): every rank stops at the same point before the partial directory is
/// removed (a rank removing it while another still writes could leave it behind); the lowest failing rank removes
/// it and rethrows (its error ends the job through MPI_Abort); the other ranks wait for that.
public struct StagedDirectory {
    public let out: String, partial: String, kind: String
    let comm: any Communicator

    /// Rank 0 checks that `out` may be replaced (OutputGuard: absent, empty, or this kind's own output, and no
    /// input inside it), replaces a stale partial directory of this kind with an empty marked one; every rank
    /// returns once it exists.
    /// `owns`: the names this kind writes (see `OutputGuard.checkDirectory`): an older `out` holding anything
    /// else is refused rather than replaced.
    public init(out: String, kind: String, inputs: [String], comm: any Communicator, legacy: (String) -> Bool = { _ in false },
                owns: (String) -> Bool) throws {
        self.out = out; self.partial = out + ".partial"; self.comm = comm; self.kind = kind
        if comm.rank == 0 {
            let fm = FileManager.default
            try OutputGuard.checkDirectory(out, kind: kind, inputs: inputs, legacy: legacy, owns: owns)
            try OutputGuard.checkDirectory(partial, kind: kind, inputs: inputs)
            try? fm.removeItem(atPath: partial)
            do { try fm.createDirectory(atPath: partial, withIntermediateDirectories: true) } catch {
                throw OutputError("\(partial): cannot create the output directory (\(error.localizedDescription))")
            }
            try OutputGuard.mark(partial, kind: kind)
        }
        try comm.barrier()
    }

    /// A file inside the partial directory.
    public func path(_ name: String) -> String { (partial as NSString).appendingPathComponent(name) }

    /// Runs `body` on every rank, then agrees on success: see the type's comment. Every rank must call it.
    public func collectively<T>(_ body: () throws -> T) throws -> T {
        var result: T? = nil, failure: (any Error)? = nil
        do { result = try body() } catch { failure = error }
        let firstFailing = try comm.allreduce(failure == nil ? comm.size : comm.rank, op: .min)
        if firstFailing < comm.size {
            if comm.rank == firstFailing, let failure {
                try? FileManager.default.removeItem(atPath: partial)
                throw failure
            }
            try comm.barrier()  // not passed: the failing rank's error aborts the job
            throw OutputError("rank \(firstFailing) failed")
        }
        return result!
    }

    /// Rank 0 (the only caller): moves the partial directory to `out`, replacing an older `out` (checked to be
    /// this kind's at init) only now.
    public func commit() throws {
        let fm = FileManager.default
        if fm.fileExists(atPath: out) {
            let old = out + ".old-\(getpid())"
            try fm.moveItem(atPath: out, toPath: old)
            try fm.moveItem(atPath: partial, toPath: out)
            try fm.removeItem(atPath: old)
        } else {
            try fm.moveItem(atPath: partial, toPath: out)
        }
    }
}
