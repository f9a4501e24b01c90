import ArgumentParser
import Foundation
import SAGEEngine
import SAGEGenome

struct BenchTomtom: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tomtom",
        abstract: "Tomtom queries/s per core against a motif database, beside memelite's on the same inputs.",
        discussion: """
        Queries: --queries seeded SAGE-net-style CWMs (a random window of a database motif, rescaled, some letters \
        sign-flipped, noise, every third reverse-complemented) turned into PPMs by cwm_to_ppm. One thread (the \
        per-core rate), CPU time of the timing thread, best of --repeats after a warm-up. With --python the same queries and database (written \
        as MEME files to --work) are timed with memelite's tomtom (n_jobs=1) by tools/memelite_tomtom_bench.py in \
        --rounds rounds that alternate the two sides; the two p-value matrices must have the same checksum, and \
        the ratio of the best times and each round's ratio are printed.
        """)

    @Option(help: "Motif database (MEME). Default: the committed JASPAR fixture (48 motifs).") var database: String?
    @Option(help: "Number of queries.") var queries = 200
    @Option(help: "Timed repetitions (best is reported).") var repeats = 3
    @Option(help: "Python with memelite installed, e.g. /work/venv-torch/bin/python: also time memelite.") var python: String?
    @Option(help: "Directory for the MEME files handed to Python (default: a temporary one).") var work: String?
    @Option(help: "Seed of the queries.") var seed: UInt64 = 14
    @Option(help: "With --python: rounds, each timing sage-mpi then memelite (best of each side over all rounds).") var rounds = 3

    static let sourceRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    /// CPU seconds of the calling thread (both sides are timed in CPU time: on a shared machine wall time mostly
    /// measures the other jobs). The thread's, not the process's: OpenBLAS's server thread spins for ~0.1 s after
    /// start-up, which is none of the timed work.
    static func cpuSeconds() -> Double {
        var t = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t)
        return Double(t.tv_sec) + Double(t.tv_nsec) * 1e-9
    }

    func validate() throws {
        if queries < 1 || repeats < 1 || rounds < 1 { throw ValidationError("--queries, --repeats and --rounds must be at least 1.") }
    }

    func run() throws {
        let dbPath = database ?? Self.sourceRoot.appendingPathComponent("Tests/SAGEGenomeTests/Fixtures/motifs/jaspar.meme").path
        let targets = try readMEME(path: dbPath)
        let db = try TomtomDatabase(targets: targets, name: dbPath)
        var rng = SplitMix64(seed: seed)
        func unit() -> Double { Double(rng.next() >> 11) * 0x1p-53 }
        let cwms = (0..<queries).map { k -> Motif in
            let src = targets[Int(rng.next() % UInt64(targets.count))]
            var a = Int(rng.next() % UInt64(src.length + 1)), b = Int(rng.next() % UInt64(src.length + 1))
            if a > b { swap(&a, &b) }
            if b - a < 4 { a = 0; b = src.length }
            var values: [Double] = []
            for p in a..<b {
                let scale = 0.2 + 1.3 * unit()
                for l in 0..<4 {
                    let sign: Double = unit() < 0.15 ? -1 : 1
                    values.append(src[p, l] * scale * sign + 0.05 * (unit() - 0.5))
                }
            }
            let m = Motif(id: "query_\(k)", values: values)
            return k % 3 == 0 ? m.reverseComplement : m
        }
        let ppms = cwms.map(cwmToPPM)
        for q in ppms { try TomtomDatabase.check(query: q) }
        let w = TomtomWorkspace()
        _ = ppms.prefix(4).map { Tomtom.compare($0, database: db, workspace: w) }
        var rows: [TomtomRow] = []
        /// Best of --repeats passes over all queries, in CPU seconds.
        func timeOurs() -> Double {
            var best = Double.infinity
            for _ in 0..<repeats {
                let t0 = Self.cpuSeconds()
                rows = ppms.map { Tomtom.compare($0, database: db, workspace: w) }
                best = min(best, Self.cpuSeconds() - t0)
            }
            return best
        }
        var best = timeOurs()
        let checksum = rows.reduce(0) { $0 + $1.pValues.reduce(0) { $0 - log10($1) } }
        let lengths = ppms.map(\.length)
        print("bench tomtom: one thread; \(queries) queries (width \(lengths.min()!)-\(lengths.max()!)) x \(targets.count) database motifs (\(db.uniqueCount) merged target columns, both strands)")
        guard let python else {
            print(String(format: "sage-mpi: %.1f queries/s per core (%.2f ms per query), best of %d; checksum %.6f", Double(queries) / best, 1000 * best / Double(queries), repeats, checksum))
            return
        }
        let dir = work ?? (NSTemporaryDirectory() as NSString).appendingPathComponent("sage-bench-tomtom-\(getpid())")
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { if work == nil { try? FileManager.default.removeItem(atPath: dir) } }
        let qPath = dir + "/queries.meme", dPath = dir + "/database.meme"
        try AtomicFile.write(Data(formatMEME(ppms).utf8), to: qPath)
        try AtomicFile.write(Data(formatMEME(targets).utf8), to: dPath)
        let script = Self.sourceRoot.appendingPathComponent("tools/memelite_tomtom_bench.py").path
        let timed = try AlternatingRounds(rounds: rounds, first: best, ours: timeOurs) {
            let json = try runPythonBenchmark(python, script: script, arguments: [qPath, dPath, "--repeats", String(repeats)], needs: "memelite")
            guard let seconds = (json["seconds"] as? NSNumber)?.doubleValue else { throw CommandError("\(script): its output holds no seconds") }
            let sum = (json["checksum"] as? NSNumber)?.doubleValue ?? .nan
            guard abs(sum - checksum) <= 1e-9 * abs(checksum) else {
                throw CommandError(String(format: "memelite's p-values differ from ours: checksum %.9f against our %.9f", sum, checksum))
            }
            return seconds
        }
        best = timed.ours
        let theirs = timed.theirs
        print(String(format: "sage-mpi: %.1f queries/s per core (%.2f ms per query), best of %d x %d; checksum %.6f", Double(queries) / best, 1000 * best / Double(queries), repeats, rounds, checksum))
        print(String(format: "memelite: %.1f queries/s per core (%.2f ms per query), best of %d x %d; the same checksum", Double(queries) / theirs, 1000 * theirs / Double(queries), repeats, rounds))
        print(String(format: "ratio sage-mpi / memelite: %.2fx per core, best against best (goal: at least 1x); in each round %@",
                     theirs / best, timed.roundRatios))
    }
}
