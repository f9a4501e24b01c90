import Foundation

/// Runs the built `sage-mpi`, alone or under real `mpirun`, capturing output in temporary files (not pipes: an
/// MPI daemon can inherit a pipe's write end and hold it open) and killing it after a timeout.
struct Subprocess {
    struct Outcome {
        let status: Int32
        /// `.exit` (status is the exit code) or `.uncaughtSignal` (status is the signal number).
        let reason: Process.TerminationReason
        let stdout: String
        let stderr: String
        let seconds: Double
        let timedOut: Bool
        var combined: String { stdout + stderr }
    }

    /// The `sage-mpi` built beside this test bundle (`swift test` builds it: the test target depends on it).
    static var sageMPI: String {
        let beside = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        var dir = beside
        for _ in 0..<4 {  // the bundle may be a directory (…/x.xctest/…) on some platforms
            let candidate = dir.appendingPathComponent("sage-mpi").path
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
            dir.deleteLastPathComponent()
        }
        return beside.appendingPathComponent("sage-mpi").path
    }

    static var mpirun: String { "/usr/bin/env" }

    /// `mpirun -np N [--oversubscribe] sage-mpi args…`, with root allowed and single-threaded BLAS per rank.
    static func mpi(_ ranks: Int, _ args: [String], timeout: Double = 120, directory: String? = nil) throws -> Outcome {
        var mpiArgs = ["mpirun", "-np", String(ranks)]
        if ranks > ProcessInfo.processInfo.activeProcessorCount { mpiArgs.append("--oversubscribe") }
        return try run(mpirun, mpiArgs + [sageMPI] + args, timeout: timeout, directory: directory)
    }

    /// `sage-mpi args…` alone (no launcher: MPI is not initialised), in `directory` (default: the test's).
    static func alone(_ args: [String], timeout: Double = 60, directory: String? = nil) throws -> Outcome {
        try run(sageMPI, args, timeout: timeout, directory: directory)
    }

    static func run(_ executable: String, _ args: [String], timeout: Double, directory: String? = nil) throws -> Outcome {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sage-it-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("stdout"), err = dir.appendingPathComponent("stderr")
        _ = FileManager.default.createFile(atPath: out.path, contents: nil)
        _ = FileManager.default.createFile(atPath: err.path, contents: nil)
        let outHandle = try FileHandle(forWritingTo: out), errHandle = try FileHandle(forWritingTo: err)

        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = args
        process.standardOutput = outHandle
        process.standardError = errHandle
        process.standardInput = FileHandle.nullDevice
        if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
        var env = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("OMPI_") && !$0.key.hasPrefix("PMIX_") }
        env["OMPI_ALLOW_RUN_AS_ROOT"] = "1"
        env["OMPI_ALLOW_RUN_AS_ROOT_CONFIRM"] = "1"
        // OpenMPI's session directory of its own per run: mpiruns started at once race to create the shared
        // /tmp/ompi.<host>.<uid> ("A call to mkdir was unable to create the desired directory"). Short, as it
        // holds Unix sockets (their paths are limited to ~100 bytes).
        var template = Array("/tmp/om-XXXXXX".utf8CString)
        let session = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }.map { String(cString: $0) }
        defer { if let session { try? FileManager.default.removeItem(atPath: session) } }
        if let session { env["OMPI_MCA_orte_tmpdir_base"] = session }
        env["OPENBLAS_NUM_THREADS"] = "1"
        process.environment = env

        let start = Date()
        try process.run()
        var timedOut = false
        while process.isRunning {
            if Date().timeIntervalSince(start) > timeout {
                timedOut = true
                process.terminate()
                Thread.sleep(forTimeInterval: 2)
                if process.isRunning { kill(process.processIdentifier, SIGKILL) }
                break
            }
            Thread.sleep(forTimeInterval: 0.05)
        }
        process.waitUntilExit()
        let seconds = Date().timeIntervalSince(start)
        try outHandle.close()
        try errHandle.close()
        return Outcome(status: process.terminationStatus, reason: process.terminationReason,
                       stdout: (try? String(contentsOf: out, encoding: .utf8)) ?? "",
                       stderr: (try? String(contentsOf: err, encoding: .utf8)) ?? "",
                       seconds: seconds, timedOut: timedOut)
    }
}

extension Subprocess {
    /// A fresh simulated cohort (`sage-mpi simulate`) in a new temporary directory named `sage-<prefix>-<uuid>`,
    /// optionally with its variant store and a second cohort (`second/`); returns the directory (the caller removes it).
    static func simulatedCohort(_ prefix: String, regions: Int, individuals: Int, inputLen: Int, seed: Int, prepared: Bool = false,
                                secondCohort: Int = 0) throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sage-\(prefix)-\(UUID().uuidString)").path
        let sim = try alone(["simulate", "--out", dir, "--regions", "\(regions)", "--individuals", "\(individuals)",
                             "--input-len", "\(inputLen)", "--seed", "\(seed)", "--second-cohort", "\(secondCohort)"])
        guard sim.status == 0 else { throw SubprocessError("simulate failed: \(sim.combined)") }
        if prepared {
            let prep = try alone(["prepare", "--config", dir + "/sage.toml"])
            guard prep.status == 0 else { throw SubprocessError("prepare failed: \(prep.combined)") }
        }
        return dir
    }
}

struct SubprocessError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
