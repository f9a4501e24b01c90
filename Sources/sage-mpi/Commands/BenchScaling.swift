import ArgumentParser
import Foundation
import SAGEEngine

struct BenchScaling: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scaling",
        abstract: "Data-parallel training-step time split into compute, waiting and gradient allreduce, and a model of larger jobs.",
        discussion: """
        Run under mpirun with P ranks (also alone). Each timed step is what `train` does on a rank (forward, loss, \
        backward | gradient allreduce | clip, Adam): the compute is timed, then a barrier (waiting: the slowest rank's \
        compute minus this rank's), then the allreduce of the whole gradient (communication). Medians over --steps \
        after one warm-up, the maximum over ranks. The model: a ring allreduce of the gradient's bytes B costs \
        2(P-1)/P x B / bandwidth + 2(P-1) x latency; with no overlap of communication and compute (today: one \
        allreduce after the backward pass) a step costs compute + that, and the efficiency is compute / step. \
        Interconnects: 100 Gb/s InfiniBand (12.5 GB/s, 2 us) and 10 GbE (1.25 GB/s, 30 us). Defaults: the paper's \
        p-SAGE-net at batch 1 per rank (SAGE-net's batch_size 4 over 4 GPUs would be --batch 1 on 4 ranks).
        """)

    @OptionGroup var hyperparameters: ModelOptions
    @Option(help: "Items per rank per step.") var batch = 1
    @Option(help: "Timed steps (after one warm-up).") var steps = 3
    @OptionGroup var runtime: RuntimeOptions

    func validate() throws {
        if batch < 1 || steps < 1 { throw ValidationError("--batch and --steps must be at least 1.") }
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
            let grads = UnsafeMutableBufferPointer(start: net.store.grads.pointer, count: net.store.grads.count)
            func seconds(_ body: () throws -> Void) rethrows -> Double {
                let start = DispatchTime.now().uptimeNanoseconds
                try body()
                return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            }
            var compute: [Double] = [], waiting: [Double] = [], communication: [Double] = []
            for s in 0...steps {
                let c = seconds { _ = step.gradients(sequences: inputs.map { UnsafePointer($0.pointer) }, targets: targets, batch: batch, meanOver: P * batch) }
                let w = try seconds { try comm.barrier() }
                let a = try seconds { if P > 1 { try comm.allreduce(grads, op: .sum) } }
                _ = step.clipGradient()
                step.update(lr: 5e-4)
                if s > 0 { compute.append(c); waiting.append(w); communication.append(a) }
            }
            withExtendedLifetime(inputs) {}
            func median(_ x: [Double]) -> Double { x.sorted()[x.count / 2] }
            var measured = [median(compute), median(waiting), median(communication)]
            try comm.allreduce(&measured, op: .max)
            guard comm.rank == 0 else { return }
            let (c, w, a) = (measured[0], measured[1], measured[2])
            let bytes = Double(4 * net.store.parameterCount)
            var lines = [
                "bench scaling: \(config.model.rawValue) input_len \(L), filters \(config.firstLayerKernelNumber)/\(config.intLayersKernelNumber), \(net.store.parameterCount) parameters (gradient \(String(format: "%.1f", bytes / 1e6)) MB), batch \(batch) per rank, \(P) rank(s) x \(ctx.threads) thread(s)",
                String(format: "measured (median step, slowest rank): compute %.3f s, waiting %.4f s, allreduce %.4f s -> step %.3f s, %.1f%% in communication and waiting",
                       c, w, a, c + w + a, 100 * (w + a) / (c + w + a)),
                "model (ring allreduce after the backward pass; compute as measured here per rank):",
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
