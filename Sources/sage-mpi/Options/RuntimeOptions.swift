import ArgumentParser
import Foundation
import Logging
import SAGEDistributed
import SAGEPipeline
import SAGEEngine

/// Options every command that runs on ranks shares.
struct RuntimeOptions: ParsableArguments {
    @Option(help: "Threads per rank: one pool for sage-mpi's loops and its split GEMMs, 1 to 4 per online CPU (default: SAGE_NUM_THREADS, OPENBLAS_NUM_THREADS, or the CPUs this rank is bound to).")
    var threads: Int?

    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical (default: SAGE_LOG_LEVEL or info).")
    var logLevel: String?

    @Flag(help: "No progress lines (on a terminal, rank 0 keeps one live line; otherwise a line every few seconds; SAGE_PROGRESS=live|plain|off chooses). Warnings, errors and results still print.")
    var quiet = false

    @Option(help: ArgumentHelp("Seconds a rank waits in one collective call (allreduce, broadcast, barrier, gather, split) for the other ranks before it ends the whole job, naming the ranks that did not arrive; 0: no limit (default: SAGE_COLLECTIVE_TIMEOUT, else 1800).", valueName: "seconds"))
    var collectiveTimeout: Double?

    func validate() throws {
        _ = try resolvedThreads()
        _ = try resolvedLogLevel()
        _ = try resolvedCollectiveTimeout()
    }

    /// --threads, else SAGE_NUM_THREADS, else OPENBLAS_NUM_THREADS, else the CPUs of this rank's binding.
    func resolvedThreads() throws -> Int {
        do {
            return try ThreadPolicy.resolve(requested: threads)
        } catch let error as ThreadCountError {
            throw ValidationError(error.description)
        }
    }

    func resolvedLogLevel() throws -> Logger.Level {
        let text = logLevel ?? ProcessInfo.processInfo.environment["SAGE_LOG_LEVEL"] ?? "info"
        guard let level = Logger.Level(rawValue: text.lowercased()) else {
            let names = Logger.Level.allCases.map(\.rawValue).joined(separator: ", ")
            throw ValidationError("Unknown log level '\(text)' (from \(logLevel == nil ? "SAGE_LOG_LEVEL" : "--log-level")); use one of: \(names).")
        }
        return level
    }

    /// --collective-timeout, else SAGE_COLLECTIVE_TIMEOUT, else 30 minutes.
    func resolvedCollectiveTimeout() throws -> CollectiveTimeout {
        do {
            return try CollectiveTimeout.resolve(option: collectiveTimeout, environment: ProcessInfo.processInfo.environment)
        } catch let error as CommunicatorError {
            throw ValidationError(error.description + ".")
        }
    }
}
