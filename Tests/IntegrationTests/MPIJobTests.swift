import Foundation
import Testing

/// The built executable under real `mpirun` (2 and 3 ranks; 3 oversubscribed on 2 cores). Serialized: each test
/// starts a whole MPI job, and nothing in this process initialises MPI itself.
@Suite(.serialized) struct MPIJobTests {
    @Test(arguments: [2, 3])
    func selftestPassesWithClosedFormValues(ranks: Int) throws {
        let n = 10_000_000
        let run = try Subprocess.mpi(ranks, ["selftest"])
        #expect(run.status == 0, "\(run.combined)")
        #expect(run.stderr.contains("selftest: all 11 checks passed on \(ranks) ranks"), "\(run.combined)")
        #expect(!run.combined.contains("FAIL"))
        // Values a reader can verify: sum over r of (r + 1) + (i mod 7).
        let base = ranks * (ranks + 1) / 2
        #expect(run.stderr.contains("n=\(n) x[0]=\(Float(base)) x[n-1]=\(Float(base + ranks * ((n - 1) % 7)))"), "\(run.stderr)")
        // max over r of 1000 r + (1 mod 13), min = 1; root = last rank broadcasts 0.5*2 + root.
        #expect(run.stderr.contains("max[1]=\(Double(1000 * (ranks - 1) + 1)) min[1]=1.0"))
        #expect(run.stderr.contains("root=\(ranks - 1) x[2]=\(Double(1 + ranks - 1)) string=\"hello from rank \(ranks - 1)\""))
        // Rank q sends 1000 q + 3 values to rank 0.
        #expect(run.stderr.contains("total=\((0..<ranks).reduce(0) { $0 + 1000 * $1 + 3 })"))
        // An MPI error arrives as a Swift error carrying MPI's own message.
        #expect(run.stderr.contains("MPI_Bcast failed (MPI error 8): MPI_ERR_ROOT: invalid root"), "\(run.stderr)")
        // int64: x[1] = P(P-1)/2 + P 2^40.
        #expect(run.stderr.contains("x[1]=\(ranks * (ranks - 1) / 2 + ranks * (1 << 40))"))
    }

    /// Gradient buckets overlapped with the backward pass (train's default) sum exactly what one allreduce of the
    /// whole gradient sums: a training step at the same parameters, both ways, in one job. 1 KiB buckets cut this
    /// small p-SAGE-net's gradient into many, several in flight at once.
    @Test(arguments: [2, 3])
    func overlappedGradientBucketsSumWhatOneAllreduceSums(ranks: Int) throws {
        let run = try Subprocess.mpi(ranks, ["bench", "scaling", "--input-len", "300", "--first-layer-kernel-number", "16",
                                             "--int-layers-kernel-number", "8", "--hidden-size", "8", "--n-conv-blocks", "2",
                                             "--pooling-size", "3", "--batch", "2", "--steps", "1", "--bucket-kb", "1"], timeout: 120)
        #expect(run.status == 0, "\(run.combined)")
        let buckets = run.stdout.split(separator: "\n").first { $0.contains("buckets overlapped") }
        let count = buckets.flatMap { Int($0.split(separator: " ").first { Int($0) != nil } ?? "") } ?? 0
        #expect(count >= 4, "\(run.stdout)")
        // With 2 ranks a + b is commutative: bit for bit. With 3, MPI may associate a bucket's sums differently.
        if ranks == 2 {
            #expect(run.stdout.contains("the overlapped reduction equals the whole-gradient allreduce bit for bit"), "\(run.stdout)")
        } else {
            let difference = run.stdout.components(separatedBy: "largest relative difference ").dropFirst().first
                .flatMap { Double($0.prefix { $0 != ";" }) }
            #expect(run.stdout.contains("bit for bit") || (difference ?? 1) < 1e-5, "\(run.stdout)")
        }
    }

    @Test func selftestWithSmallChunksCoversRemainders() throws {
        // 1,000,003 floats in 4 KiB pieces: 245 MPI calls per allreduce, the last one partial.
        let run = try Subprocess.mpi(2, ["selftest", "--large-count", "1000003", "--chunk-bytes", "4096"])
        #expect(run.status == 0, "\(run.combined)")
        #expect(run.stderr.contains("n=1000003 x[0]=3.0 x[n-1]=\(Float(3 + 2 * (1_000_002 % 7)))"), "\(run.stderr)")
    }

    @Test(arguments: [(2, 1), (3, 0)])
    func failingRankEndsWholeJobWithItsMessage(ranks: Int, failing: Int) throws {
        let run = try Subprocess.mpi(ranks, ["selftest", "--fail-rank", String(failing)], timeout: 60)
        #expect(!run.timedOut, "the job hung: \(run.combined)")
        #expect(run.status != 0)
        #expect(run.seconds < 30)
        #expect(run.combined.contains("[rank \(failing)/\(ranks)] error: injected failure on rank \(failing)"), "\(run.combined)")
        #expect(!run.combined.contains("all 11 checks passed"))
    }

    @Test func infoReportsEveryRank() throws {
        let run = try Subprocess.mpi(2, ["info"])
        #expect(run.status == 0, "\(run.combined)")
        #expect(run.stdout.contains("world size:   2 ranks (MPI)"), "\(run.stdout)")
        #expect(run.stdout.contains("Open MPI"))
        #expect(run.stdout.contains("OpenBLAS"))
        let rows = run.stdout.split(separator: "\n").filter { $0.first?.isNumber == true }
        #expect(rows.map { $0.split(separator: " ").first.map(String.init) } == ["0", "1"], "\(run.stdout)")
        // Under mpirun's default binding each of 2 ranks gets one core and so one thread.
        #expect(rows.allSatisfy { $0.split(separator: " ").map(String.init)[3] == "1" }, "\(run.stdout)")
    }

    @Test func usageErrorUnderMPIIsPrintedOnceAndFails() throws {
        let run = try Subprocess.mpi(2, ["selftest", "--threads", "0"], timeout: 60)
        #expect(!run.timedOut)
        #expect(run.status != 0)
        #expect(run.combined.components(separatedBy: "--threads must be at least 1").count == 2, "\(run.combined)")
    }
}

@Suite struct StandaloneTests {
    @Test func infoRunsWithoutMPI() throws {
        let run = try Subprocess.alone(["info", "--threads", "2"])
        #expect(run.status == 0, "\(run.combined)")
        #expect(run.stdout.contains("world size:   1 rank (single process, MPI not initialised)"))
        #expect(run.stdout.contains("htslib:       1."))
        #expect(run.stdout.contains("threads") && run.stdout.contains("\n0 "))
    }

    @Test func selftestRunsAlone() throws {
        let run = try Subprocess.alone(["selftest", "--large-count", "1000"])
        #expect(run.status == 0, "\(run.combined)")
        #expect(run.stderr.contains("all 11 checks passed on 1 rank"))
    }

    @Test func versionAndHelpForEveryCommand() throws {
        let version = try Subprocess.alone(["--version"])
        #expect(version.status == 0 && version.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "0.1.0")
        for command in [[], ["info"], ["selftest"], ["simulate"], ["sequences"], ["predict"], ["init-model"], ["bench"], ["bench", "model"]] {
            let help = try Subprocess.alone(command + ["--help"])
            #expect(help.status == 0, "\(command)")
            #expect(help.stdout.contains("USAGE: sage-mpi"), "\(command): \(help.stdout)")
        }
    }

    @Test func badLogLevelIsAClearError() throws {
        let run = try Subprocess.alone(["info", "--log-level", "loud"])
        #expect(run.status != 0)
        #expect(run.stderr.contains("Unknown log level 'loud'"), "\(run.stderr)")
    }
}
