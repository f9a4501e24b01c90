import ArgumentParser
import Foundation
import SAGEEngine

struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Benchmarks: throughput, achieved GFLOP/s and peak memory.",
        subcommands: [BenchModel.self, BenchData.self, BenchPrediXcan.self])
}

struct BenchModel: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "model",
        abstract: "Training-step and inference samples/s of r-SAGE-net or p-SAGE-net on random one-hot input.",
        discussion: """
        A training step is forward + loss + backward + gradient clipping + Adam, as SAGE-net trains. Defaults are \
        the paper's p-SAGE-net (input_len 40000, 900/256 filters, 5 blocks). ANCHORS.md's configurations: \
        (a) defaults; (b) --input-len 10000; (c) --input-len 2000 --first-layer-kernel-number 64 \
        --int-layers-kernel-number 32 --hidden-size 32 --n-conv-blocks 3.
        """)

    @OptionGroup var hyperparameters: ModelOptions
    @Option(help: "Training batch size (items per step).") var batch = 1
    @Option(help: "Inference batch size.") var inferenceBatch = 1
    @Option(help: "Timed repetitions of each measurement (after one warm-up).") var steps = 3
    @OptionGroup var runtime: RuntimeOptions

    func validate() throws {
        if batch < 1 || inferenceBatch < 1 || steps < 1 { throw ValidationError("--batch, --inference-batch and --steps must be at least 1.") }
    }

    func run() throws {
        try runOnRanks(runtime) { ctx in
            let config = try hyperparameters.config()
            let inputLen = config.inputLen
            let net = try SAGENet(config: config, seed: 1)
            let passes = config.model == .psagenet ? 3 : 1
            let maxB = max(batch, inferenceBatch)
            var rng = SplitMix64(seed: 2)
            let inputs = (0..<passes).map { _ -> FloatBuffer in
                let x = FloatBuffer(count: maxB * 4 * inputLen)
                for i in 0..<(maxB * inputLen) {  // random one-hot, item-major (B, 4, L)
                    let b = i / inputLen, t = i % inputLen
                    x[b * 4 * inputLen + Int(rng.next() % 4) * inputLen + t] = 1
                }
                return x
            }
            let sequences = inputs.map { UnsafePointer($0.pointer) }
            let targets = (0..<(batch * config.outputCount)).map { _ in rng.nextUnitFloat() }
            let adam = Adam(parameterCount: net.store.parameterCount)
            let all = 0..<net.store.parameterCount

            let train = try measure(steps) {
                net.store.zeroGrads()
                net.forward(sequences: sequences, batch: batch, training: true)
                _ = net.loss(targets: targets)
                net.backward(sequences: sequences)
                clipGradNorm(net.store.grads.pointer, range: all, maxNorm: 1)
                adam.step(params: net.store.params.pointer, grads: net.store.grads.pointer, range: all, lr: 5e-4)
            }
            let infer = try measure(steps) {
                net.forward(sequences: sequences, batch: inferenceBatch, training: false)
            }
            withExtendedLifetime(inputs) {}  // `sequences` points into them
            let trainFLOPs = net.flops(batch: batch).trainStep, inferFLOPs = net.flops(batch: inferenceBatch).forward
            let lines = [
                "bench model: \(config.model.rawValue) input_len \(inputLen), filters \(config.firstLayerKernelNumber)/\(config.intLayersKernelNumber), hidden \(config.hiddenSize), \(config.nConvBlocks) blocks, \(net.store.parameterCount) parameters, \(ctx.threads) thread(s)",
                String(format: "train (B=%d):     %.3f samples/s  (median step %.3f s, %.1f GFLOP/step, %.1f GFLOP/s)",
                       batch, Double(batch) / train, train, trainFLOPs / 1e9, trainFLOPs / train / 1e9),
                String(format: "inference (B=%d): %.3f samples/s  (median pass %.3f s, %.1f GFLOP/pass, %.1f GFLOP/s)",
                       inferenceBatch, Double(inferenceBatch) / infer, infer, inferFLOPs / 1e9, inferFLOPs / infer / 1e9),
                String(format: "peak memory:      %.2f GiB (resident high-water mark)", Double(peakResidentBytes()) / 1073741824),
            ]
            if ctx.comm.rank == 0 { print(lines.joined(separator: "\n")) }
        }
    }

    /// Median seconds of `reps` timed runs after one warm-up.
    func measure(_ reps: Int, _ body: () throws -> Void) throws -> Double {
        try body()
        var times: [Double] = []
        for _ in 0..<reps {
            let start = DispatchTime.now().uptimeNanoseconds
            try body()
            times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
        }
        return times.sorted()[times.count / 2]
    }
}

/// VmHWM of this process, in bytes (0 where /proc is unavailable).
func peakResidentBytes() -> Int {
    guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
          let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
          let kb = Int(line.split(separator: " ").dropFirst().first ?? "") else { return 0 }
    return kb * 1024
}
