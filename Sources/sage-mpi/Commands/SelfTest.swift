import ArgumentParser
import Foundation
import SAGEDistributed
import SAGEPipeline

struct SelfTest: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "selftest",
        abstract: "Check every collective against closed-form results on all ranks (run under mpirun -np P).",
        discussion: """
        Allreduce (sum, max, min; float32, float64, int32, int64, uint8; one buffer of 10 M floats), broadcast, \
        variable-length gather and allgather, and split. Exits non-zero if any check fails on any rank.

        --fail-rank R (hidden) makes rank R throw before the large allreduce, to show that a failing rank ends \
        the whole job with its message instead of leaving the others waiting. --stop-rank R (hidden) makes rank R \
        stop itself (SIGSTOP) before the check --stop-at names, to show that the collective timeout ends the job \
        naming the rank (try --collective-timeout 5).
        """)

    @OptionGroup var runtime: RuntimeOptions

    @Option(help: "Length of the large float32 allreduce.")
    var largeCount = 10_000_000

    @Option(help: ArgumentHelp("Largest piece, in bytes, handed to one MPI call.", visibility: .hidden))
    var chunkBytes: Int?

    @Option(help: ArgumentHelp("Failure injection: this rank throws before the large allreduce.", visibility: .hidden))
    var failRank: Int?

    @Option(help: ArgumentHelp("Failure injection: this rank stops itself (SIGSTOP) before the check --stop-at names.", visibility: .hidden))
    var stopRank: Int?

    @Option(help: ArgumentHelp("The check before which --stop-rank stops.", visibility: .hidden))
    var stopAt = "allreduce.sum.float32.large"

    @Option(help: ArgumentHelp("--stop-rank writes its process id here before it stops (so a test can end it).", visibility: .hidden))
    var stopPidFile: String?

    func validate() throws {
        if largeCount < 1 { throw ValidationError("--large-count must be at least 1.") }
        if let chunkBytes, chunkBytes < 1 { throw ValidationError("--chunk-bytes must be at least 1.") }
        if !SelfCheck.checkNames.contains(stopAt) {
            throw ValidationError("--stop-at '\(stopAt)' is not a check; use one of: \(SelfCheck.checkNames.joined(separator: ", ")).")
        }
    }

    func run() throws {
        try runOnRanks(runtime) { ctx in
            var comm = ctx.comm
            if let chunkBytes, var mpi = comm as? MPICommunicator {
                mpi.maxChunkBytes = chunkBytes
                comm = mpi
            }
            ctx.log.root.info("selftest on \(comm.size) rank\(comm.size == 1 ? "" : "s")")
            let results = try SelfCheck(comm: comm, largeCount: largeCount).run { name in
                if name == "allreduce.sum.float32.large", failRank == comm.rank {
                    throw InjectedFailure(rank: comm.rank)
                }
                if name == stopAt, stopRank == comm.rank { try stopThisProcess() }
            }
            for result in results {
                ctx.log.root.info("\(result.passed ? "ok  " : "FAIL") \(result.name)  \(result.detail)  (\(String(format: "%.3f", result.seconds)) s)")
            }
            let failed = results.filter { !$0.passed }
            if failed.isEmpty {
                ctx.log.root.info("selftest: all \(results.count) checks passed on \(comm.size) rank\(comm.size == 1 ? "" : "s")")
            } else {
                throw SelfTestFailed(names: failed.map(\.name))
            }
        }
    }

    /// Writes this process's id to --stop-pid-file, then stops it (SIGSTOP) until someone sends SIGCONT or SIGKILL.
    private func stopThisProcess() throws {
        if let stopPidFile {
            try writeOutput("\(getpid())\n", to: stopPidFile)
        }
        raise(SIGSTOP)
    }
}

struct InjectedFailure: Error, CustomStringConvertible {
    let rank: Int
    var description: String { "injected failure on rank \(rank) (selftest --fail-rank \(rank))" }
}

struct SelfTestFailed: Error, CustomStringConvertible {
    let names: [String]
    var description: String { "selftest: \(names.count) check(s) failed: \(names.joined(separator: ", "))" }
}
