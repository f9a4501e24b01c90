import ArgumentParser
import Foundation
import SAGEDistributed
import SAGEPipeline
import SAGEEngine
import SAGEGenome

struct BenchSeqlets: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "seqlets",
        abstract: "Seqlets per second per core of recursive_seqlets on synthetic 40 kb tracks, beside tangermeme's on the same tracks.",
        discussion: """
        Writes --regions seeded real-looking projected attribution tracks of --length positions (noise, SD 0.05, \
        and a positive bump every ~500 positions; with --both-signs every other bump is negative) to WORK_DIR/tracks.npy and calls seqlets on each, one region \
        at a time on one thread, as `sage-mpi seqlets` and SAGE-net's identify_seqlets do (CPU time of the timing thread, best \
        of --repeats after a warm-up, on both sides: on a shared machine wall time mostly measures the other jobs). \
        With --python, runs tools/tangermeme_seqlets_bench.py (or --script) with that interpreter on the same \
        tracks in --rounds rounds that alternate the two sides, checks that its seqlets are ours (starts and ends \
        exactly, p-values to 1e-6 relative) and prints the ratio of the best times beside the goal (at least 5x tangermeme per core). The "null" line counts the \
        multiply-adds of the null convolutions, which must be tangermeme's one by one (same rounding, same order) \
        for its p-values: their rate against the core's ceiling is what bounds the speed.
        """)

    @Option(help: "Tracks (regions).") var regions = 8
    @Option(help: "Positions per track.") var length = 40000
    @Option(help: "p-value threshold.") var threshold = 0.05
    @Flag(help: "Make every other bump negative: attributions of both signs, whose null's tails are shorter (see README).") var bothSigns = false
    @Option(help: "Timed passes over all tracks (best is reported).") var repeats = 3
    @Option(help: "With --python: rounds, each timing sage-mpi then tangermeme (best of each side over all rounds).") var rounds = 3
    @Option(help: "Python with tangermeme installed, to time tangermeme on the same tracks.") var python: String?
    @Option(help: "tangermeme's side of the benchmark.") var script = "tools/tangermeme_seqlets_bench.py"
    @Option(help: "Where to write the tracks and tangermeme's seqlets (default: seqlets-bench in the current directory).") var workDir = "seqlets-bench"

    func validate() throws {
        if regions < 1 || length < 100 || repeats < 1 || rounds < 1 { throw ValidationError("--regions, --repeats and --rounds must be at least 1, --length at least 100.") }
        if !(threshold > 0 && threshold <= 1) { throw ValidationError("--threshold must be in (0, 1].") }
    }

    func run() throws {
        if python != nil, !FileManager.default.fileExists(atPath: script) {
            throw CommandError("\(script): no such file; run from the repository's root or give --script")
        }
        try OutputGuard.claim(workDir, kind: "bench-seqlets", inputs: [], owns: { $0 == "tracks.npy" || $0 == "tangermeme.csv" }, replace: true)
        let tracks = Self.tracks(regions: regions, length: length, bothSigns: bothSigns)
        try AtomicFile.write(NPY.encode(NPYArray(shape: [regions, length], values: .float32(tracks.flatMap { $0 }))),
                             to: (workDir as NSString).appendingPathComponent("tracks.npy"))
        let caller = SeqletCaller(settings: SeqletSettings(threshold: threshold))
        _ = tracks[0].withUnsafeBufferPointer { caller.call($0) }  // warm-up: page in the tables
        var ours: [[Seqlet]] = [], best = Double.infinity, products = 0
        /// Best of --repeats passes over all tracks, in CPU seconds.
        func timeOurs() -> Double {
            var fastest = Double.infinity
            for _ in 0..<repeats {
                let start = BenchTomtom.cpuSeconds(), before = caller.nullProducts
                ours = tracks.map { t in t.withUnsafeBufferPointer { caller.call($0) } }
                fastest = min(fastest, BenchTomtom.cpuSeconds() - start)
                products = caller.nullProducts - before
            }
            return fastest
        }
        best = timeOurs()
        let count = ours.reduce(0) { $0 + $1.count }
        print("bench seqlets: one thread; \(regions) tracks x \(length) positions, threshold \(threshold), \(count) seqlets")
        /// Our line and the null's, from the best time so far.
        func report(_ rounds: Int) {
            print(String(format: "sage-mpi:   %.3f s (%.1f ms per region): %.1f regions/s, %.0f seqlets/s, CPU time, best of %d x %d", best, 1000 * best / Double(regions),
                         Double(regions) / best, Double(count) / best, repeats, rounds))
            // The null convolutions must add tangermeme's products one by one, rounded as it rounds them (a
            // multiply, then an add: a fused multiply-add or a reordered sum changes p-values' last bits), so their
            // count bounds the speed: at most 2 vector multiplies or adds per cycle, 4 (AVX2) or 8 (AVX-512) doubles each.
            print(String(format: "null:       %.3g multiply-adds per region, %.2f G/s (all of the time: %.2f ns each)",
                         Double(products) / Double(regions), Double(products) / best / 1e9, best / Double(products) * 1e9))
        }
        guard let python else {
            report(1)
            print("tangermeme on the same tracks: sage-mpi bench seqlets --python PYTHON (with tangermeme installed)")
            return
        }
        var version = "?"
        let timed = try AlternatingRounds(rounds: rounds, first: best, ours: timeOurs) {
            let result = try runPythonBenchmark(python, script: script, arguments: [workDir, "--threshold", "\(threshold)", "--repeats", "\(repeats)"], needs: "tangermeme")
            try compare(ours, try readTangermeme())
            version = result["version"] as? String ?? "?"
            return result["seconds"] as? Double ?? .nan
        }
        best = timed.ours
        let seconds = timed.theirs
        report(rounds)
        print(String(format: "tangermeme: %.3f s (%.1f ms per region): %.1f regions/s, %.0f seqlets/s (tangermeme %@, numba, one thread, CPU time, compilation excluded), best of %d x %d rounds",
                     seconds, 1000 * seconds / Double(regions), Double(regions) / seconds, Double(count) / seconds, version, repeats, rounds))
        print(String(format: "ratio:      %.2fx tangermeme per core, best against best (goal: at least 5x; in each round %@); the same %d seqlets (starts, ends exactly; p-values, attributions to 1e-6 relative)",
                     seconds / best, timed.roundRatios, count))
        print(String(format: "5x needs:   %.1f G multiply-adds/s in the null alone; one core's ceiling in separate multiplies and adds is its clock in GHz x 4 (AVX2) or x 8 (AVX-512)",
                     Double(products) / (seconds / 5) / 1e9))
    }

    /// Seeded tracks: N(0, 0.05) noise (Box-Muller on SplitMix64) with a bump of 4-14 positions every ~500 (every
    /// other one negative if `bothSigns`).
    static func tracks(regions: Int, length: Int, bothSigns: Bool = false) -> [[Float]] {
        var rng = SplitMix64(seed: 20261201)
        func unit() -> Double { (Double(rng.next() >> 11) + 0.5) * 0x1p-53 }
        return (0..<regions).map { _ in
            var t = (0..<length).map { _ in Float(0.05 * (-2 * log(unit())).squareRoot() * cos(2 * Double.pi * unit())) }
            for b in 0..<(length / 500) {
                let w = 4 + Int(rng.next() % 11), s = Int(rng.next() % UInt64(length - w))
                let h = (0.5 + 1.5 * unit()) * (bothSigns && b % 2 == 1 ? -1 : 1)
                for k in 0..<w { t[s + k] += Float(h * sin(Double.pi * Double(k + 1) / Double(w + 1))) }
            }
            return t
        }
    }


    /// tangermeme.csv: region, start, end, attribution, p_value rows.
    func readTangermeme() throws -> [[Seqlet]] {
        let path = (workDir as NSString).appendingPathComponent("tangermeme.csv")
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { throw CommandError("\(path): cannot read tangermeme's seqlets") }
        var result = [[Seqlet]](repeating: [], count: regions)
        for (i, line) in text.split(separator: "\n").dropFirst().enumerated() {
            let f = line.split(separator: ",")
            guard f.count == 5, let r = Int(f[0]), r >= 0, r < regions, let s = Int(f[1]), let e = Int(f[2]), let a = Double(f[3]), let p = Double(f[4]) else {
                throw CommandError("\(path): line \(i + 2) is not region,start,end,attribution,p_value")
            }
            result[r].append(Seqlet(start: s, end: e, attribution: a, pValue: p))
        }
        return result
    }

    func compare(_ ours: [[Seqlet]], _ theirs: [[Seqlet]]) throws {
        for (r, (a, b)) in zip(ours, theirs).enumerated() {
            guard a.count == b.count else { throw CommandError("track \(r): \(a.count) seqlets, tangermeme \(b.count)") }
            for (x, y) in zip(a, b) {
                guard x.start == y.start, x.end == y.end, abs(x.pValue - y.pValue) <= 1e-6 * y.pValue,
                      abs(x.attribution - y.attribution) <= 1e-6 * max(1, abs(y.attribution)) else {
                    throw CommandError("track \(r): seqlet [\(x.start), \(x.end)) p \(x.pValue) differs from tangermeme's [\(y.start), \(y.end)) p \(y.pValue)")
                }
            }
        }
    }
}
