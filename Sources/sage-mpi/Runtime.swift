import ArgumentParser
import Foundation
import Logging
import SAGEDistributed
import SAGEPipeline
import SAGEEngine

/// What a command's body gets on each rank.
struct RankContext {
    let comm: any Communicator
    let log: RankLog
    let threads: Int
    let usesMPI: Bool
}

/// Runs `body` on every rank: initialises MPI once (only under a launcher, unless SAGE_MPI says otherwise) with
/// the collective timeout, sets the thread count, and finalises. An error on any rank is printed with that rank's prefix and ends the whole
/// job at once (MPI_Abort), so no other rank is left waiting in a collective.
func runOnRanks(_ options: RuntimeOptions, _ body: (RankContext) throws -> Void) throws {
    let environment = ProcessInfo.processInfo.environment
    let modeText = environment["SAGE_MPI"] ?? "auto"
    guard let mode = LaunchEnvironment.Mode(rawValue: modeText) else {
        throw ValidationError("SAGE_MPI='\(modeText)' is not one of auto, always, never.")
    }
    let level = try options.resolvedLogLevel()
    let threads = try options.resolvedThreads()
    let timeout = try options.resolvedCollectiveTimeout()
    let usesMPI = LaunchEnvironment(environment: environment).usesMPI(mode: mode)
    let comm: any Communicator = usesMPI ? try MPIRuntime.initialize(collectiveTimeout: timeout) : SingleProcessCommunicator()
    let log = RankLog(rank: comm.rank, size: comm.size, level: level,
                      progress: .resolve(quiet: options.quiet, rank: comm.rank, level: level))
    // One thread pool: sage-mpi's loops and its split GEMMs run on `threads` threads; OpenBLAS itself stays
    // single-threaded (its idle workers would spin against our loops between calls).
    BLAS.setThreads(1)
    Parallel.threads = threads

    if comm.rank == 0, let warning = BLAS.kernelWarning { log.root.warning("\(warning)") }
    do {
        try body(RankContext(comm: comm, log: log, threads: threads, usesMPI: usesMPI))
    } catch {
        // An error every rank meets (a damaged store, a bad key) is printed once: rank 0 reports at once and its
        // abort ends the others during this pause; an error of this rank alone is printed a moment later.
        if comm.size > 1 && comm.rank != 0 { Thread.sleep(forTimeInterval: 1) }
        let prefix = comm.size > 1 ? "[rank \(comm.rank)/\(comm.size)] " : ""
        RankLogHandler.writeToStandardError("\(prefix)error: \(errorMessage(error))\n")
        if comm.size > 1 { comm.abort(code: 1) }
        if usesMPI { MPIRuntime.finalize() }
        throw ExitCode.failure
    }
    if usesMPI { MPIRuntime.finalize() }
}

