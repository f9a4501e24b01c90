import Foundation
import Testing

/// A rank that stops (SIGSTOP) under real `mpirun`: the collective timeout ends the whole job within the limit and a
/// few seconds, with one message naming the call and the rank, instead of hanging with the others spinning. The
/// stopping rank is `selftest --stop-rank R --stop-at CHECK` (hidden options); it writes its pid first so that no
/// stopped process can outlive the test. Without a stopped rank nothing changes: MPIJobTests run the same selftest.
@Suite(.serialized) struct CollectiveTimeoutTests {
    /// Calls of `selftest` before its checks (each check is followed by an allreduce of its verdict):
    /// barrier #1, verdict #2, the large allreduce #3 ... the gather of counts for the gather check is #22.
    static let largeAllreduce = "call #3, allreduce (sum, 1000 float32)"

    /// Runs `selftest` with rank `stopped` stopping before `check`, then makes sure that process is gone.
    /// `resumeAfter`: a thread sends the stopped rank SIGCONT this many seconds after it stopped.
    func runStopping(ranks: Int, stopped: Int, before check: String, limit: Int, environment: [String] = [],
                     timeoutFlag: Bool = true, resumeAfter: Double? = nil) throws -> Subprocess.Outcome {
        let pidFile = FileManager.default.temporaryDirectory.appendingPathComponent("sage-stop-\(UUID().uuidString).pid").path
        defer { Self.endStoppedProcess(pidFile: pidFile) }
        if let resumeAfter {
            Thread.detachNewThread {
                for _ in 0..<600 where !Self.isStopped(pidFile: pidFile) { Thread.sleep(forTimeInterval: 0.05) }
                Thread.sleep(forTimeInterval: resumeAfter)
                if let pid = Self.sageProcess(pidFile: pidFile) { kill(pid, SIGCONT) }
            }
        }
        // A small large-allreduce keeps the checks before the stop quick (the call numbers stay the same).
        var args = ["selftest", "--large-count", "1000", "--stop-rank", String(stopped), "--stop-at", check, "--stop-pid-file", pidFile]
        if timeoutFlag { args += ["--collective-timeout", String(limit)] }
        var mpirun = ["mpirun", "-np", String(ranks)]
        if ranks > ProcessInfo.processInfo.activeProcessorCount { mpirun.append("--oversubscribe") }
        let outcome = try Subprocess.run("/usr/bin/env", environment + mpirun + [Subprocess.sageMPI] + args, timeout: 60)
        #expect(FileManager.default.fileExists(atPath: pidFile), "the rank did not stop: \(outcome.combined)")
        #expect(!Self.isStopped(pidFile: pidFile), "mpirun left the stopped rank behind")
        return outcome
    }

    /// The process named in `pidFile`, if it is still a sage-mpi (not a recycled pid).
    static func sageProcess(pidFile: String) -> pid_t? {
        guard let text = try? String(contentsOfFile: pidFile, encoding: .utf8),
              let pid = pid_t(text.trimmingCharacters(in: .whitespacesAndNewlines)),
              let command = try? String(contentsOfFile: "/proc/\(pid)/cmdline", encoding: .utf8),
              command.contains("sage-mpi") else { return nil }
        return pid
    }

    static func isStopped(pidFile: String) -> Bool {
        guard let pid = sageProcess(pidFile: pidFile), let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return false }
        return stat[stat.index(close, offsetBy: 2)...].hasPrefix("T")
    }

    static func endStoppedProcess(pidFile: String) {
        if let pid = sageProcess(pidFile: pidFile) {
            kill(pid, SIGCONT)
            kill(pid, SIGKILL)
        }
        try? FileManager.default.removeItem(atPath: pidFile)
    }

    func expectOneTimeoutMessage(_ run: Subprocess.Outcome, within seconds: Double, _ fragments: [String]) {
        #expect(!run.timedOut, "the job hung: \(run.combined)")
        #expect(run.status != 0)
        #expect(run.seconds < seconds, "took \(run.seconds) s")
        #expect(run.stderr.components(separatedBy: "collective timeout").count == 2, "not one message: \(run.stderr)")
        for fragment in fragments { #expect(run.stderr.contains(fragment), "missing '\(fragment)' in: \(run.stderr)") }
        #expect(!run.combined.contains("checks passed"))
    }

    @Test func stoppedRankIsNamedByRankZero() throws {
        let run = try runStopping(ranks: 2, stopped: 1, before: "allreduce.sum.float32.large", limit: 5)
        #expect(run.seconds >= 5, "ended before the limit: \(run.combined)")
        expectOneTimeoutMessage(run, within: 5 + 10, [
            "[rank 0/2] error: collective timeout (limit 5 s): rank 0 waited 5",
            "\(Self.largeAllreduce) on 2 ranks",
            "rank 1 did not arrive (last call #2, allreduce (min, 1 int32)) and does not respond",
        ])
    }

    @Test func stoppedRankZeroIsNamedByTheOthersAfterTheirGrace() throws {
        let run = try runStopping(ranks: 2, stopped: 0, before: "allreduce.sum.float32.large", limit: 5)
        #expect(run.seconds >= 10, "rank 1 did not wait its grace: \(run.combined)")
        expectOneTimeoutMessage(run, within: 5 + 5 + 10, [
            "[rank 1/2] error: collective timeout (limit 5 s): rank 1 waited 5 s in \(Self.largeAllreduce) on 2 ranks, "
                + "and 5 s more for rank 0 to report; rank 0 did not",
        ])
    }

    @Test func rootedCallNamesTheMissingRankNotTheOnesThatMovedOn() throws {
        // Rank 2 stops before the gather check; the limit comes from the environment this time.
        let run = try runStopping(ranks: 3, stopped: 2, before: "gather.variable-length", limit: 4,
                                  environment: ["SAGE_COLLECTIVE_TIMEOUT=4"], timeoutFlag: false)
        expectOneTimeoutMessage(run, within: 4 + 10, [
            "[rank 0/3] error: collective timeout (limit 4 s)",
            "in call #22, gather (root 0, int64) on 3 ranks",
            "rank 2 did not arrive (last call #21, allreduce (min, 1 int32)) and does not respond",
        ])
        #expect(!run.stderr.contains("rank 1 did not"), "\(run.stderr)")
    }

    @Test func lateRankZeroWithinTheGraceDoesNotEndTheJob() throws {
        // Rank 0 stops before the large allreduce and resumes 5 s later: rank 1 has waited past the 3 s limit
        // and told rank 0, but rank 0 arrives within rank 1's 5 s grace, sees everyone arrived, and the call completes.
        let run = try runStopping(ranks: 2, stopped: 0, before: "allreduce.sum.float32.large", limit: 3, resumeAfter: 5)
        #expect(run.status == 0, "\(run.combined)")
        #expect(run.stderr.contains("selftest: all 11 checks passed on 2 ranks"), "\(run.stderr)")
        #expect(!run.stderr.contains("collective timeout"), "\(run.stderr)")
        #expect(run.seconds >= 5, "rank 0 was not held: \(run.combined)")
    }
}
