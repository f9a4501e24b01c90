import ArgumentParser
import Foundation
import SAGEEngine
import SAGEPipeline

struct BenchISM: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ism",
        abstract: "ISM predictions/s, variant-sparse against full forwards, and attribute regions/s beside PyTorch autograd.",
        discussion: """
        One region's reference window (random bases) and the 4 x --window single-base mutants of `ism`'s reference \
        input (p-SAGE-net: the reference channels, personal = reference; r-SAGE-net: its one sequence), centred in \
        the window. Sparse: all 4 x W mutants through `ism`'s default scorer (each mutant recomputes the k0 + k1 - 1 \
        stem columns under it, then the trunk after the first pooling and the heads). Naive (`ism --naive`): a full \
        forward per mutant, timed on --naive-items of them; the outputs of those are compared with the sparse ones. \
        Then `attribute`'s engine on the reference (p-SAGE-net: one forward standing for the three passes, then \
        d out0 / d ref and d out1 / d mat), regions/s over --attribute-regions regions, and with --python SAGE-net's \
        save_ref_attribs with PyTorch autograd on tools/sagenet_torch.py's class at the same size and thread count \
        (tools/torch_attribution_bench.py). Per core = per thread used. Defaults: the paper's p-SAGE-net.
        """)

    @OptionGroup var hyperparameters: ModelOptions
    @Option(help: "ISM window (positions; 4 x W mutants).") var window = 150
    @Option(help: "Mutants timed with full forwards.") var naiveItems = 4
    @Option(help: "Mutants per sparse batch.") var batch = 16
    @Option(help: "Regions timed for attribute (after one warm-up).") var attributeRegions = 2
    @Option(help: "Python with torch installed, to time PyTorch autograd on the same model size.") var python: String?
    @Option(help: "PyTorch's side of the benchmark.") var script = "tools/torch_attribution_bench.py"
    @Option(help: "Seed of the reference window.") var seed: UInt64 = 7
    @OptionGroup var runtime: RuntimeOptions

    func validate() throws {
        if window < 1 || naiveItems < 1 || batch < 1 || attributeRegions < 1 {
            throw ValidationError("--window, --naive-items, --batch and --attribute-regions must be at least 1.")
        }
    }

    func run() throws {
        if python != nil, !FileManager.default.fileExists(atPath: script) {
            throw CommandError("\(script): no such file; run from the repository's root or give --script")
        }
        try runOnRanks(runtime) { ctx in
            let config = try hyperparameters.config()
            let L = config.inputLen, psagenet = config.model == .psagenet
            guard window <= L else { throw ValidationError("--window \(window) is longer than input_len \(L).") }
            let net = try SAGENet(config: config, seed: 1)
            var rng = SplitMix64(seed: seed)
            let bases = Array("ACGT".utf8)
            let reference = (0..<L).map { _ in bases[Int(rng.next() % 4)] }
            let items = ismScoringItems(reference: reference, haplotype: reference, modelStart: (L - window) / 2, width: window,
                                        inputs: [.reference], psagenet: psagenet)
            func seconds(_ body: () throws -> Void) rethrows -> Double {
                let start = DispatchTime.now().uptimeNanoseconds
                try body()
                return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            }
            var lines = ["bench ism: \(config.model.rawValue) input_len \(L), filters \(config.firstLayerKernelNumber)/\(config.intLayersKernelNumber), \(config.nConvBlocks) blocks, window \(window) (\(items.count) mutants), \(ctx.threads) thread(s)"]

            // Sparse: every mutant, after a warm-up batch (the reference's stem is computed in both: it is part of a region's cost).
            let sparse = try makeHaplotypeScorer(model: net, naive: false, batchSize: batch)
            _ = try sparse.score(Array(items.prefix(batch)))
            var sparseOut: [Float] = []
            let sparseSeconds = try seconds { sparseOut = try sparse.score(items) }
            let sparseRate = Double(items.count) / sparseSeconds

            // Naive: full forwards on the first mutants (one warm-up item first).
            let naive = try makeHaplotypeScorer(model: net, naive: true, batchSize: 1)
            let timed = Array(items.prefix(min(naiveItems, items.count)))
            _ = try naive.score([items[items.count - 1]])
            var naiveOut: [Float] = []
            let naiveSeconds = try seconds { naiveOut = try naive.score(timed) }
            let naiveRate = Double(timed.count) / naiveSeconds
            let worst = zip(naiveOut, sparseOut).map { abs($0 - $1) / max(1, abs($0)) }.max() ?? 0
            let flops = net.flops(batch: 1)
            lines.append(String(format: "  sparse: %.1f predictions/s (%.2f s for %d; %.2f per core)", sparseRate, sparseSeconds, items.count, sparseRate / Double(ctx.threads)))
            lines.append(String(format: "  naive:  %.3f predictions/s (%.2f s for %d full forwards of %.1f GFLOP)", naiveRate, naiveSeconds, timed.count,
                                flops.forward / 1e9))
            lines.append(String(format: "  sparse / naive: %.1fx (goal: at least 50x); largest difference on the %d mutants both scored: %.1e (relative to max(1, |naive|))",
                                sparseRate / naiveRate, timed.count, worst))

            // attribute's engine on the reference: one forward, then each head's input gradient.
            try net.reserve(batch: 1, training: false)
            let x = FloatBuffer(count: 4 * L)
            let grads = (0..<3).map { _ in FloatBuffer(count: 4 * L) }
            func attributeOne() {
                x.zero()
                for t in 0..<L { x[Int(rng.next() % 4) * L + t] = 1 }
                let seq = Array(repeating: UnsafePointer(x.pointer), count: psagenet ? 3 : 1)
                if psagenet {
                    net.forward(sequences: seq, batch: 1, training: false, identicalTo: [0, 0, 0])
                    net.inputGradientsOfLastForward(sequences: seq, head: .mean, into: [grads[0].pointer, nil, nil])
                    net.inputGradientsOfLastForward(sequences: seq, head: .diff, into: [nil, grads[1].pointer, nil])
                } else {
                    net.inputGradients(sequences: seq, batch: 1, head: .mean, into: [grads[0].pointer])
                }
            }
            attributeOne()
            var times: [Double] = []
            for _ in 0..<attributeRegions { times.append(seconds { attributeOne() }) }
            let attribute = 1 / times.sorted()[times.count / 2]
            lines.append(String(format: "  attribute: %.3f regions/s (%.3f per core)", attribute, attribute / Double(ctx.threads)))
            if let python {
                let torch = try runPythonBenchmark(python, script: script, arguments: [
                    "--model", config.model.rawValue, "--input-len", "\(L)", "--first-layer-kernel-number", "\(config.firstLayerKernelNumber)",
                    "--int-layers-kernel-number", "\(config.intLayersKernelNumber)", "--int-layers-kernel-size", "\(config.intLayersKernelSize)",
                    "--hidden-size", "\(config.hiddenSize)", "--n-conv-blocks", "\(config.nConvBlocks)",
                    "--regions", "\(attributeRegions)", "--threads", "\(ctx.threads)"], needs: "torch")
                let theirs = torch["regions_per_s"] as? Double ?? .nan
                lines.append(String(format: "  PyTorch autograd (torch %@, %d thread(s)): %.3f regions/s (%.3f per core); ours / PyTorch: %.2fx",
                                    (torch["torch"] as? String ?? "?"), ctx.threads, theirs, theirs / Double(ctx.threads), attribute / theirs))
            } else {
                lines.append("  PyTorch autograd on the same model: sage-mpi bench ism --python PYTHON (with torch installed)")
            }
            withExtendedLifetime((x, grads)) {}
            if ctx.comm.rank == 0 { print(lines.joined(separator: "\n")) }
        }
    }
}
