import ArgumentParser
import Foundation
import SAGEDistributed
import SAGEEngine

struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Benchmarks: throughput, achieved GFLOP/s and peak memory.",
        subcommands: [BenchModel.self, BenchEvaluate.self, BenchISM.self, BenchScaling.self, BenchData.self, BenchPrediXcan.self, BenchSeqlets.self, BenchTomtom.self, BenchMotifs.self])
}

struct BenchModel: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "model",
        abstract: "Training-step and inference samples/s of r-SAGE-net or p-SAGE-net on random one-hot input.",
        discussion: """
        A training step is forward + loss + backward + gradient clipping + Adam, as SAGE-net trains. Defaults are \
        the paper's p-SAGE-net (input_len 40000, 900/256 filters, 5 blocks). ANCHORS.md's configurations: \
        (a) defaults; (b) --input-len 10000; (c) --input-len 2000 --first-layer-kernel-number 64 \
        --int-layers-kernel-number 32 --hidden-size 32 --n-conv-blocks 3. \
        The SGEMM ceiling (a 2048^3 product on the same threads) is measured just before and after every timed run \
        and each run's GFLOP/s is divided by it: on a shared machine only such side-by-side ratios compare. \
        PyTorch on the same configuration: tools/bench_torch.py with the same flags.
        """)

    @OptionGroup var hyperparameters: ModelOptions
    @Option(help: "Training batch size (items per step).") var batch = 1
    @Option(help: "Inference batch size.") var inferenceBatch = 1
    @Option(help: "Timed repetitions of each measurement (after one warm-up).") var steps = 3
    @Flag(inversion: .prefixedNo, help: "Measure the SGEMM ceiling around each timed run and print the fraction reached (--no-ceiling: skip it, e.g. under a profiler).")
    var ceiling = true
    @OptionGroup var runtime: RuntimeOptions

    func validate() throws {
        if batch < 1 || inferenceBatch < 1 || steps < 1 { throw ValidationError("--batch, --inference-batch and --steps must be at least 1.") }
    }

    func run() throws {
        try runOnRanks(runtime) { ctx in
            let config = try hyperparameters.config()
            if batch < config.minimumTrainingBatch {
                throw ValidationError("--batch \(batch) leaves a batch-norm layer one value per channel in training (the shortest runs at length \(config.shortestBatchNormLength ?? 0)); PyTorch refuses this too: use --batch \(config.minimumTrainingBatch) or more.")
            }
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
            // `train`'s step on this rank alone (a one-rank communicator: no gradient sum), as every rank would take it.
            let parallel = DataParallel(step: TrainingStep(model: net, adam: Adam(parameterCount: net.store.parameterCount), clip: 1),
                                        comm: SingleProcessCommunicator(), syncBatchNorm: false)
            func trainStep() throws {
                _ = try parallel.step(sequences: sequences, targets: targets, batch: batch, globalBatch: batch, lr: 5e-4)
            }
            func inferencePass() { net.forward(sequences: sequences, batch: inferenceBatch, training: false) }

            // Warm-up (every workspace gets allocated), then the peak memory of the model alone, before the ceiling's
            // buffers exist.
            try trainStep(); inferencePass()
            let peakBytes = peakResidentBytes()
            let reference = ceiling ? SGEMMCeiling() : nil
            let trainFLOPs = net.flops(batch: batch).trainStep, inferFLOPs = net.flops(batch: inferenceBatch).forward
            let train = try measure(steps, flops: trainFLOPs, ceiling: reference, trainStep)
            let infer = measure(steps, flops: inferFLOPs, ceiling: reference, inferencePass)
            withExtendedLifetime(inputs) {}  // `sequences` points into them
            let trainRate = trainFLOPs / train.seconds / 1e9, inferRate = inferFLOPs / infer.seconds / 1e9
            func ofCeiling(_ fraction: Double?) -> String { fraction.map { String(format: " = %.0f%% of SGEMM", 100 * $0) } ?? "" }
            var lines = [
                "bench model: \(config.model.rawValue) input_len \(inputLen), filters \(config.firstLayerKernelNumber)/\(config.intLayersKernelNumber), hidden \(config.hiddenSize), \(config.nConvBlocks) blocks\(config.hasTransformerBlock ? " (the last a transformer, \(config.intLayersKernelSize) heads)" : ""), \(net.store.parameterCount) parameters, \(ctx.threads) thread(s)",
                String(format: "train (B=%d):     %.3f samples/s  (median step %.3f s, %.1f GFLOP/step, %.1f GFLOP/s",
                       batch, Double(batch) / train.seconds, train.seconds, trainFLOPs / 1e9, trainRate) + ofCeiling(train.fraction) + ")",
                String(format: "inference (B=%d): %.3f samples/s  (median pass %.3f s, %.1f GFLOP/pass, %.1f GFLOP/s",
                       inferenceBatch, Double(inferenceBatch) / infer.seconds, infer.seconds, inferFLOPs / 1e9, inferRate)
                    + ofCeiling(infer.fraction) + ")",
            ]
            if let trainCeiling = train.ceiling, let inferCeiling = infer.ceiling {
                lines.append(String(format: "SGEMM ceiling:    %.1f GFLOP/s  (2048^3 on %d thread(s), measured around each timed run; %% = median of the runs' ratios)",
                                    (trainCeiling + inferCeiling) / 2, ctx.threads))
            }
            lines.append(String(format: "peak memory:      %.2f GiB (resident high-water mark after the warm-up)", Double(peakBytes) / 1073741824))
            if ctx.comm.rank == 0 { print(lines.joined(separator: "\n")) }
        }
    }

    /// Median seconds of `reps` timed runs, the median SGEMM ceiling (the mean of one measured just before and one
    /// just after each run), and the median of the runs' GFLOP/s over their ceilings (a shared VM's speed drifts by
    /// +-20% over minutes; a ratio taken side by side drifts much less).
    func measure(_ reps: Int, flops: Double, ceiling: SGEMMCeiling?, _ body: () throws -> Void) rethrows
        -> (seconds: Double, ceiling: Double?, fraction: Double?) {
        var times: [Double] = [], ceilings: [Double] = [], fractions: [Double] = []
        for _ in 0..<reps {
            let before = ceiling?.measure()
            let start = DispatchTime.now().uptimeNanoseconds
            try body()
            times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
            if let ceiling, let before {
                ceilings.append((before + ceiling.measure()) / 2)
                fractions.append(flops / times.last! / 1e9 / ceilings.last!)
            }
        }
        func median(_ x: [Double]) -> Double? { x.isEmpty ? nil : x.sorted()[x.count / 2] }
        return (median(times)!, median(ceilings), median(fractions))
    }
}

/// The machine's SGEMM ceiling: GFLOP/s of a 2048^3 product through `sgemm` on the rank's threads, best of two.
final class SGEMMCeiling {
    static let n = 2048
    let a = FloatBuffer(count: n * n), b = FloatBuffer(count: n * n), c = FloatBuffer(count: n * n)

    init() {
        for i in 0..<(Self.n * Self.n) { a[i] = Float(i % 7) * 0.1; b[i] = Float(i % 5) * 0.1 }
    }

    func measure() -> Double {
        let n = Self.n
        var best = Double.infinity
        for _ in 0..<2 {
            let start = DispatchTime.now().uptimeNanoseconds
            sgemm(m: n, n: n, k: n, a: a.pointer, lda: n, b: b.pointer, ldb: n, beta: 0, c: c.pointer, ldc: n)
            best = min(best, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
        }
        return 2 * pow(Double(n), 3) / best / 1e9
    }
}

/// VmHWM of this process, in bytes (0 where /proc is unavailable).
func peakResidentBytes() -> Int {
    guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
          let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
          let kb = Int(line.split(separator: " ").dropFirst().first ?? "") else { return 0 }
    return kb * 1024
}
