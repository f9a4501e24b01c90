import ArgumentParser
import Foundation
import SAGEDistributed
import SAGEPipeline
import SAGEEngine

@main
struct SageMPI: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sage-mpi",
        abstract: "Train and evaluate sequence-to-expression models on personal genomes with MPI.",
        discussion: """
        Run any command alone for one process, or under `mpirun -np P` (or `srun`) for P ranks.

        Threads per rank: --threads, else SAGE_NUM_THREADS, else OPENBLAS_NUM_THREADS, else the CPUs the rank \
        is bound to. SAGE_MPI=auto|always|never chooses whether to initialise MPI (auto: only under a launcher). \
        A rank that waits longer than --collective-timeout (else SAGE_COLLECTIVE_TIMEOUT, else 1800 seconds) in one \
        collective call ends the whole job, naming the call and the ranks that did not arrive.
        """,
        version: SageVersion.string,
        subcommands: [Info.self, SelfTest.self, Config.self, Simulate.self, Prepare.self, Train.self, Evaluate.self, Sequences.self, Predict.self, InitModel.self, Baseline.self, Report.self, Bench.self, Preprocess.self, Attribute.self, Seqlets.self, Motifs.self, TomtomCommand.self, ISM.self, VariantEffect.self, Sweep.self, SelectCheckpoint.self]
    )

    /// Parses and runs; on an error before MPI starts (bad flags, an unknown command), only launcher rank 0 prints
    /// it, so that a usage error under `mpirun -np 64` is printed once, and every rank exits non-zero (64 for usage).
    static func main() {
        BLASKernels.restartWithBetterKernelsIfNeeded()
        let launcherRank = LaunchEnvironment(environment: ProcessInfo.processInfo.environment).rank ?? 0
        do {
            try UnknownCommand.check(CommandLine.arguments.dropFirst(), root: SageMPI.self)
            var command = try parseAsRoot()
            try command.run()
        } catch let error as UnknownCommand {
            if launcherRank == 0 { FileHandle.standardError.write(Data("Error: \(error)\n".utf8)) }
            Foundation.exit(ExitCode.validationFailure.rawValue)
        } catch {
            if launcherRank != 0 { Foundation.exit(exitCode(for: error).rawValue) }
            if let line = fileErrorDescription(error) {  // one line, not Foundation's NSError dump
                FileHandle.standardError.write(Data("Error: \(line)\n".utf8))
                Foundation.exit(ExitCode.failure.rawValue)
            }
            exit(withError: error)
        }
    }
}

enum SageVersion {
    static let string = "0.1.0"
}
