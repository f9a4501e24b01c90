import ArgumentParser
import Foundation
import SAGEDistributed
import SAGEPipeline
import SAGEEngine
import SAGEGenome

struct BenchMotifs: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "motifs",
        abstract: "The motif chain's speed: seqlet pairs per second of the similarity across ranks beside drg_tools', then seqlets/s beside tangermeme and Tomtom queries/s beside memelite.",
        discussion: """
        Makes --seqlets seeded normalised seqlet CWMs (4-25 positions, one-hot-like, a few shared motifs, both \
        strands and signs) and times the upper-triangle distances as `sage-mpi motifs` computes them (blocks dealt \
        to ranks, gathered on rank 0; best of --repeats, wall time on rank 0, --threads per rank). Run it under \
        `mpirun -np 2`, ... to see the scaling: rank 0 then also times the whole matrix alone, checks that it \
        is the same matrix bit for bit and prints the ratio. With --python, rank 0 then runs \
        tools/drg_similarity_bench.py (or --script; drg_tools ported, torch on one thread) on the same seqlets \
        (WORK_DIR/seqlets.npy), checks that its offsets and strands are ours and its distances equal to 1e-9 \
        relative, and prints the ratio per core. Then (unless --similarity-only) rank 0 runs `bench seqlets` and \
        `bench tomtom` with the same --python and --repeats: seqlets/s beside tangermeme and Tomtom queries/s \
        beside memelite, per core, in the same run.
        """)

    @Option(help: "Seqlets.") var seqlets = 600
    @Option(help: "Timed passes (best is reported).") var repeats = 3
    @Option(help: "Python with torch, numpy and scipy, e.g. /work/venv-torch/bin/python: also time drg_tools' similarity.") var python: String?
    @Option(help: "drg_tools' side of the benchmark.") var script = "tools/drg_similarity_bench.py"
    @Option(help: "Where to write the seqlets and drg_tools' matrices (default: motifs-bench in the current directory).") var workDir = "motifs-bench"
    @Flag(help: "Time only the similarity (the scaling runs), not also seqlets and Tomtom on rank 0.") var similarityOnly = false
    @Option(help: "Work directory of the seqlet part (as `bench seqlets --work-dir`).") var seqletsWorkDir = "seqlets-bench"
    @OptionGroup var runtime: RuntimeOptions

    static let files: Set<String> = ["seqlets.npy", "lengths.npy", "drg_distance.npy", "drg_offsets.npy", "drg_revcomp.npy"]

    func validate() throws {
        if seqlets < 2 || repeats < 1 { throw ValidationError("--seqlets must be at least 2, --repeats at least 1.") }
    }

    func run() throws {
        if python != nil, !FileManager.default.fileExists(atPath: script) {
            throw CommandError("\(script): no such file; run from the repository's root or give --script")
        }
        let cwms = Self.seqlets(seqlets)
        try runOnRanks(runtime) { ctx in
            let comm = ctx.comm
            let set = try SeqletSet(cwms)
            var best = Double.infinity, condensed: [Double]? = nil
            for _ in 0..<repeats {
                try comm.barrier()
                let start = DispatchTime.now().uptimeNanoseconds
                condensed = try MotifSimilarity.condensedDistances(set, comm: comm, threads: ctx.threads)
                try comm.barrier()
                best = min(best, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
            }
            // On more than one rank, rank 0 then computes the whole matrix alone (the others wait), for the scaling.
            var alone = Double.infinity, aloneMatrix: [Double]? = nil
            if comm.size > 1 {
                if comm.rank == 0 {
                    for _ in 0..<repeats {
                        let start = DispatchTime.now().uptimeNanoseconds
                        aloneMatrix = try MotifSimilarity.condensedDistances(set, comm: SingleProcessCommunicator(), threads: ctx.threads)
                        alone = min(alone, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
                    }
                }
                try comm.barrier()
            }
            guard comm.rank == 0, let condensed else { return }
            let n = cwms.count, pairs = Double(n * (n - 1) / 2), cores = Double(comm.size * ctx.threads)
            print("bench motifs: \(n) seqlets, \(Int(pairs)) pairs (upper triangle), \(comm.size) rank(s) x \(ctx.threads) thread(s)")
            print(String(format: "sage-mpi:  %.3f s: %.0f pairs/s, %.0f pairs/s per core, best of %d", best, pairs / best, pairs / best / cores, repeats))
            if let aloneMatrix {
                guard aloneMatrix == condensed else { throw CommandError("the \(comm.size)-rank matrix differs from the one-rank matrix") }
                print(String(format: "scaling:   %.2fx one rank's %.3f s on %d ranks (goal: at least 1.8x on 2 ranks; each rank needs a free core); the same matrix bit for bit",
                             alone / best, alone, comm.size))
            }
            guard let python else {
                print("drg_tools on the same seqlets: sage-mpi bench motifs --python PYTHON (torch, numpy, scipy installed)")
                if !similarityOnly { try otherSteps() }
                return
            }
            try OutputGuard.claim(workDir, kind: "bench-motifs", inputs: [], owns: Self.files.contains, replace: true)
            let width = cwms.map(\.length).max()!
            var padded = [Float](repeating: 0, count: n * width * 4)
            for (k, m) in cwms.enumerated() { for (v, x) in m.values.enumerated() { padded[k * width * 4 + v] = Float(x) } }
            try AtomicFile.write(NPY.encode(NPYArray(shape: [n, width, 4], values: .float32(padded))), to: path("seqlets.npy"))
            try AtomicFile.write(NPY.encode(NPYArray(shape: [n], values: .float32(cwms.map { Float($0.length) }))), to: path("lengths.npy"))
            let result = try runPythonBenchmark(python, script: script, arguments: [workDir], needs: "torch, numpy and scipy")
            try compare(condensed, n: n)
            let seconds = result["seconds"] as? Double ?? .nan
            print(String(format: "drg_tools: %.3f s: %.0f pairs/s (the full n x n matrix, %d pairs, as SAGE-net computes it; torch %@, one thread)",
                         seconds, Double(n * n) / seconds, n * n, result["torch"] as? String ?? "?"))
            print(String(format: "ratio:     %.1fx drg_tools' pairs/s per core; %.1fx sooner per core to the matrix the clustering reads (drg_tools computes both triangles); offsets and strands equal, distances to 1e-9 relative",
                         (pairs / best / cores) / (Double(n * n) / seconds), seconds / (best * cores)))
            if !similarityOnly { try otherSteps() }
        }
    }

    func path(_ name: String) -> String { (workDir as NSString).appendingPathComponent(name) }

    /// The motif chain's other two steps on rank 0, one thread each, beside their references: `bench seqlets`
    /// (tangermeme) and `bench tomtom` (memelite) with their defaults and this run's --python and --repeats.
    func otherSteps() throws {
        let python = self.python.map { ["--python", $0] } ?? []
        let script = FileManager.default.fileExists(atPath: "tools/tangermeme_seqlets_bench.py") ? "tools/tangermeme_seqlets_bench.py"
            : BenchTomtom.sourceRoot.appendingPathComponent("tools/tangermeme_seqlets_bench.py").path
        print("")
        let seqlets = try BenchSeqlets.parse(["--work-dir", seqletsWorkDir, "--repeats", "\(repeats)", "--script", script] + python)
        try seqlets.run()
        print("")
        let tomtom = try BenchTomtom.parse(["--repeats", "\(max(repeats, 5))"] + python)
        try tomtom.run()
    }

    /// Seeded normalised seqlet CWMs like cluster_seqlets': one nonzero channel per position (a one-hot times a
    /// weight, N(0, 0.1) in flanks, ~1 in motif cores sampled from 4 shared motifs), some reverse-complemented or
    /// negative, divided by the signed entry of largest |value|, float32 values.
    static func seqlets(_ n: Int) -> [Motif] {
        var rng = SplitMix64(seed: 20261214)
        func unit() -> Double { (Double(rng.next() >> 11) + 0.5) * 0x1p-53 }
        func normal() -> Double { (-2 * log(unit())).squareRoot() * cos(2 * Double.pi * unit()) }
        let cores = (0..<4).map { _ in (0..<(6 + Int(rng.next() % 5))).map { _ in Int(rng.next() % 4) } }
        return (0..<n).map { k in
            let core = cores[k % 4]
            let left = Int(rng.next() % 4), right = Int(rng.next() % 4)
            var bases: [Int] = [], weights: [Double] = []
            for _ in 0..<left { bases.append(Int(rng.next() % 4)); weights.append(0.1 * normal()) }
            for b in core { bases.append(unit() < 0.8 ? b : Int(rng.next() % 4)); weights.append(1 + 0.2 * normal()) }
            for _ in 0..<right { bases.append(Int(rng.next() % 4)); weights.append(0.1 * normal()) }
            if k % 5 == 0 { bases = bases.reversed().map { 3 - $0 }; weights.reverse() }
            if k % 11 == 3 { weights = weights.map { -$0 } }
            var values = [Float](repeating: 0, count: bases.count * 4)
            for (p, b) in bases.enumerated() { values[p * 4 + b] = Float(weights[p]) }
            var largest = 0
            for (i, v) in values.enumerated() where abs(v) > abs(values[largest]) { largest = i }
            let scale = values[largest]
            return Motif(id: "s\(k)", values: values.map { Double($0 / scale) })
        }
    }


    func compare(_ condensed: [Double], n: Int) throws {
        func matrix(_ name: String) throws -> [Double] {
            let a = try NPY.read(path: path(name))
            guard a.shape == [n, n], case .float64(let v) = a.values else { throw CommandError("\(path(name)): not an \(n) x \(n) float64 matrix") }
            return v
        }
        let d = try matrix("drg_distance.npy"), off = try matrix("drg_offsets.npy"), rc = try matrix("drg_revcomp.npy")
        let set = try SeqletSet(Self.seqlets(n))
        for i in 0..<n {
            for j in (i + 1)..<n {
                let ours = condensed[SeqletClustering.condensedIndex(i, j, n: n)], theirs = d[i * n + j]
                let a = set.align(i, onto: j)
                guard abs(ours - theirs) <= 1e-9 * theirs, a.offset == Int(off[i * n + j]), a.reverse == (rc[i * n + j] == 1) else {
                    throw CommandError("seqlets \(i), \(j): distance \(ours) offset \(a.offset) strand \(a.reverse ? 1 : 0); drg_tools \(theirs) \(Int(off[i * n + j])) \(Int(rc[i * n + j]))")
                }
            }
        }
    }
}
