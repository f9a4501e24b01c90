import Foundation
import Testing

/// The command line as a script meets it: an unknown command (even before --help) and a bad thread count or
/// collective timeout (flag or environment variable) each give one error naming the culprit and a non-zero exit.
@Suite struct CommandLineTests {
    /// `sage-mpi args…` with extra environment variables.
    func run(_ args: [String], environment: [String] = []) throws -> Subprocess.Outcome {
        try Subprocess.run("/usr/bin/env", environment + [Subprocess.sageMPI] + args, timeout: 60)
    }

    /// Expects failure with exactly one "Error:" line that contains every fragment, and no help text.
    func expectOneError(_ outcome: Subprocess.Outcome, _ fragments: [String]) {
        #expect(outcome.status != 0 && !outcome.timedOut, "\(outcome.combined)")
        let errors = outcome.stderr.split(separator: "\n").filter { $0.hasPrefix("Error:") }
        #expect(errors.count == 1, "\(outcome.combined)")
        for fragment in fragments { #expect(errors.first?.contains(fragment) == true, "missing '\(fragment)' in: \(outcome.stderr)") }
        #expect(!outcome.stdout.contains("OVERVIEW"), "help was printed: \(outcome.stdout)")
    }

    @Test func unknownCommandBeforeHelpIsAnErrorListingTheCommands() throws {
        for args in [["frobnicate", "--help"], ["frobnicate"], ["help", "frobnicate"], ["--help", "frobnicate"]] {
            expectOneError(try run(args), ["unknown command 'frobnicate' for 'sage-mpi'", "info, selftest, config", "bench"])
        }
    }

    @Test func unknownCommandCloseToAKnownOneSuggestsIt() throws {
        expectOneError(try run(["trian", "--help"]), ["unknown command 'trian'", "Did you mean 'train'?"])
        for args in [["bench", "modle"], ["bench", "modle", "--help"], ["help", "bench", "modle"]] {
            let outcome = try run(args)
            expectOneError(outcome, ["unknown command 'modle' for 'sage-mpi bench'", "Did you mean 'model'?"])
            #expect(!outcome.stderr.contains("The commands of"), "a close name is suggested, not the list")
        }
        // Known commands with --help still print their help and succeed.
        let help = try run(["bench", "model", "--help"])
        #expect(help.status == 0 && help.stdout.contains("USAGE: sage-mpi bench model"), "\(help.combined)")
    }

    @Test func badThreadCountsNameTheirSource() throws {
        expectOneError(try run(["info"], environment: ["SAGE_NUM_THREADS=abc"]), ["SAGE_NUM_THREADS must be a whole number", "'abc'"])
        expectOneError(try run(["info"], environment: ["SAGE_NUM_THREADS=0"]), ["SAGE_NUM_THREADS must be at least 1, got 0"])
        expectOneError(try run(["info"], environment: ["SAGE_NUM_THREADS=-3"]), ["SAGE_NUM_THREADS must be at least 1, got -3"])
        // Subprocess sets OPENBLAS_NUM_THREADS=1; env's later assignment wins.
        expectOneError(try run(["info"], environment: ["OPENBLAS_NUM_THREADS=many"]), ["OPENBLAS_NUM_THREADS must be a whole number", "'many'"])
        expectOneError(try run(["info", "--threads", "99999999999"]), ["--threads must be at most", "4 threads per online CPU", "got 99999999999"])
    }

    @Test func badCollectiveTimeoutsNameTheirSource() throws {
        expectOneError(try run(["info"], environment: ["SAGE_COLLECTIVE_TIMEOUT=soon"]), ["SAGE_COLLECTIVE_TIMEOUT", "'soon'", "0 for no limit"])
        expectOneError(try run(["info"], environment: ["SAGE_COLLECTIVE_TIMEOUT=-5"]), ["SAGE_COLLECTIVE_TIMEOUT", "'-5'"])
        expectOneError(try run(["selftest", "--collective-timeout=-1"]), ["--collective-timeout", "got -1.0"])
        let fine = try run(["selftest", "--large-count", "10", "--collective-timeout", "0"], environment: ["SAGE_COLLECTIVE_TIMEOUT=2.5"])
        #expect(fine.status == 0, "\(fine.combined)")
    }
}
