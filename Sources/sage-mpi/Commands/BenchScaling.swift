import ArgumentParser
import Foundation
import SAGEDistributed
import SAGEPipeline
import SAGEEngine

struct BenchScaling: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scaling",
        abstract: "Data-parallel training-step time split into compute, waiting and gradient allreduce, and a model of larger jobs.",
        discussion: """
        Run under mpirun with P ranks (also alone). Each timed step is `train`'s (`DataParallel.step`: forward, loss, \
        backward, gradient sum over the ranks, clip, Adam), twice: with one allreduce of the whole gradient after the \
        backward pass, and with the gradient in buckets whose allreduce starts as soon as the backward pass has \
        completed them (overlap, `train`'s default). Per step: compute (forward, loss, backward) and exposed \
        communication (from the end of this rank's backward pass until the sum is complete: waiting for slower ranks \
        plus the communication not hidden behind the backward pass); medians over --steps after one warm-up, the \
        maximum over ranks, and the ranks' spread of compute (imbalance). Both ways must give the same gradient sums \
        (checked bit for bit on one step at the same parameters). The model: a ring allreduce of the gradient's \
        bytes B costs 2(P-1)/P x B / bandwidth + 2(P-1) x latency; a step without overlap costs compute + that, with \
        full overlap max(compute, that). Interconnects: 100 Gb/s InfiniBand (12.5 GB/s, 2 us) and 10 GbE \
        (1.25 GB/s, 30 us). Defaults: the paper's p-SAGE-net at batch 1 per rank (SAGE-net's batch_size 4 over 4 \
        GPUs would be --batch 1 on 4 ranks).
        """)

    @OptionGroup var hyperparameters: ModelOptions
    @Option(help: "Items per rank per step.") var batch = 1
    @Option(help: "Timed steps per way (after the gradient check's step, which warms up).") var steps = 3
    @Option(help: "Gradient bucket size in KiB for the overlapped way (train's default: \(DataParallel.defaultBucketBytes >> 10)).")
    var bucketKb = DataParallel.defaultBucketBytes >> 10
    @OptionGroup var runtime: RuntimeOptions

    func validate() throws {
        if batch < 1 || steps < 1 || bucketKb < 1 { throw ValidationError("--batch, --steps and --bucket-kb must be at least 1.") }
    }

    func run() throws {
        try runOnRanks(runtime) { ctx in
            let config = try hyperparameters.config()
            if batch < config.minimumTrainingBatch {
                throw ValidationError("--batch \(batch) leaves a batch-norm layer one value per channel in training; use --batch \(config.minimumTrainingBatch) or more.")
            }
            let comm = ctx.comm, P = comm.size, L = config.inputLen
            let net = try SAGENet(config: config, seed: 1)
            let passes = config.model == .psagenet ? 3 : 1
            var rng = SplitMix64(seed: 2 + UInt64(comm.rank))
            let inputs = (0..<passes).map { _ -> FloatBuffer in
                let x = FloatBuffer(count: batch * 4 * L)
                for i in 0..<(batch * L) { x[(i / L) * 4 * L + Int(rng.next() % 4) * L + i % L] = 1 }
                return x
            }
            let targets = (0..<(batch * config.outputCount)).map { _ in rng.nextUnitFloat() }
            let step = TrainingStep(model: net, adam: Adam(parameterCount: net.store.parameterCount), clip: 1)
            let sequences = inputs.map { UnsafePointer($0.pointer) }
            let modes = [nil, bucketKb << 10]
            // The gradient check: one step per way at lr 0 (parameters unchanged) from the same dropout state.
            let grads = try modes.map { bucketBytes -> [Float] in
                let parallel = DataParallel(step: step, comm: comm, syncBatchNorm: false, bucketBytes: bucketBytes)
                net.dropoutRNG = SplitMix64(seed: 3)
                _ = try parallel.step(sequences: sequences, targets: targets, batch: batch, globalBatch: P * batch, lr: 0)
                return Array(UnsafeBufferPointer(start: net.store.grads.pointer, count: net.store.grads.count))
            }
            var timings: [[Double]] = [], bucketCount = 0
            for bucketBytes in modes {
                let parallel = DataParallel(step: step, comm: comm, syncBatchNorm: false, bucketBytes: bucketBytes)
                if bucketBytes != nil { bucketCount = parallel.bucketCount }
                var compute: [Double] = [], exposed: [Double] = []
                for _ in 0..<steps {
                    _ = try parallel.step(sequences: sequences, targets: targets, batch: batch, globalBatch: P * batch, lr: 5e-4)
                    compute.append(parallel.lastTiming.compute)
                    exposed.append(parallel.lastTiming.exposedCommunication)
                }
                func median(_ x: [Double]) -> Double { x.sorted()[x.count / 2] }
                var slowest = [median(compute), median(exposed)], fastest = [median(compute)]
                try comm.allreduce(&slowest, op: .max)
                try comm.allreduce(&fastest, op: .min)
                timings.append(slowest + [slowest[0] - fastest[0]])
            }
            withExtendedLifetime(inputs) {}
            let differing = zip(grads[0], grads[1]).filter { $0.bitPattern != $1.bitPattern }.count
            let worst = zip(grads[0], grads[1]).map { abs($0 - $1) / max(abs($0), 1e-30) }.max() ?? 0
            guard comm.rank == 0 else { return }
            let c = timings[0][0]
            let bytes = Double(4 * net.store.parameterCount)
            var lines = [
                "bench scaling: \(config.model.rawValue) input_len \(L), filters \(config.firstLayerKernelNumber)/\(config.intLayersKernelNumber), \(net.store.parameterCount) parameters (gradient \(String(format: "%.1f", bytes / 1e6)) MB), batch \(batch) per rank, \(P) rank(s) x \(ctx.threads) thread(s)",
                "measured (median step, slowest rank; imbalance = slowest minus fastest rank's compute):",
            ]
            for (name, t) in zip(["one allreduce after the backward pass", "\(bucketCount) buckets overlapped with the backward pass"], timings) {
                lines.append("  " + (name + ":").padding(toLength: 46, withPad: " ", startingAt: 0)
                             + String(format: "compute %.3f s, exposed communication %.4f s (%.2f%% of the step; imbalance %.4f s)",
                                      t[0], t[1], 100 * t[1] / (t[0] + t[1]), t[2]))
            }
            lines.append(P == 1 ? "  gradient sums: one rank, nothing to sum"
                         : differing == 0 ? "  gradient sums: the overlapped reduction equals the whole-gradient allreduce bit for bit"
                         : String(format: "  gradient sums: %d of %d elements differ in their last bits (largest relative difference %.1e; MPI associates the %d-rank sums per bucket)",
                                  differing, grads[0].count, worst, P))
            lines += [
                "model (ring allreduce after the backward pass; compute as measured here per rank, without overlap):",
                "  ranks  interconnect          allreduce (s)  step (s)  efficiency  with full overlap",
            ]
            for (name, bandwidth, latency) in [("100 Gb/s InfiniBand", 12.5e9, 2e-6), ("10 GbE", 1.25e9, 30e-6)] {
                for p in [2, 8, 64, 256] {
                    let ring = 2 * Double(p - 1) / Double(p) * bytes / bandwidth + 2 * Double(p - 1) * latency
                    let efficiency = String(format: "%.1f%%", 100 * c / (c + ring)).padding(toLength: 10, withPad: " ", startingAt: 0)
                    lines.append(String(format: "  %-5d  ", p) + name.padding(toLength: 20, withPad: " ", startingAt: 0)
                                 + String(format: "  %-13.4f  %-8.3f  ", ring, c + ring) + efficiency + String(format: "  %.1f%%", 100 * c / max(c, ring)))
                }
            }
            print(lines.joined(separator: "\n"))
        }
    }
}
