import ArgumentParser
import Foundation
import SAGEEngine
import SAGEGenome

struct BenchEvaluate: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "evaluate",
        abstract: "Evaluation items/s: the variant-sparse path against the dense forward, across variant densities.",
        discussion: """
        One region's reference window (random bases) and --individuals individuals whose two haplotypes carry \
        Poisson(density x input_len / 1000) variants each, --indel-fraction of them indels of 1-10 bases (half \
        insertions, half deletions), for each density of --densities (variants per kb per haplotype). Each \
        (region, individual) item is scored as `evaluate` scores it: dense = one forward of (reference, maternal, \
        paternal) one-hot; sparse = the reference's stem once per region, then each haplotype's dirty columns only. \
        Prints items/s of both, the speed-up, the stem columns computed, the FLOPs per item each path performs, and \
        the largest difference between the two paths' outputs (relative to max(1, |dense|)) on the items both scored. \
        Defaults: the paper's p-SAGE-net (see `bench model`).
        """)

    @OptionGroup var hyperparameters: ModelOptions
    @Option(help: "Individuals (items) per density.") var individuals = 100
    @Option(help: "Variants per kb per haplotype, comma-separated.") var densities = "0.5,1,2,5,10"
    @Option(help: "Fraction of variants that are indels.") var indelFraction = 0.1
    @Option(help: "Items per sparse batch (2 haplotypes each for p-SAGE-net).") var batch = 8
    @Option(help: "Items timed on the dense path (it costs the same at every density), half before and half after the sparse runs.") var denseItems = 4
    @Option(help: "Seed of the synthetic cohort.") var seed: UInt64 = 7
    @OptionGroup var runtime: RuntimeOptions

    func validate() throws {
        if individuals < 1 || batch < 1 || denseItems < 1 { throw ValidationError("--individuals, --batch and --dense-items must be at least 1.") }
        if parsedDensities == nil { throw ValidationError("--densities must be non-negative numbers separated by commas, e.g. 0.5,1,2.") }
        if !(0...1).contains(indelFraction) { throw ValidationError("--indel-fraction must be in [0, 1].") }
    }

    var parsedDensities: [Double]? {
        let values = densities.split(separator: ",").map { Double($0.trimmingCharacters(in: .whitespaces)) }
        guard !values.isEmpty, values.allSatisfy({ ($0 ?? -1) >= 0 }) else { return nil }
        return values.map { $0! }
    }

    func run() throws {
        try runOnRanks(runtime) { ctx in
            let config = try hyperparameters.config()
            let L = config.inputLen, psagenet = config.model == .psagenet
            let net = try SAGENet(config: config, seed: 1)
            var rng = SplitMix64(seed: seed)
            let reference = (0..<L).map { _ in syntheticBases[Int(rng.next() % 4)] }
            let perItem = 2   // haplotypes per item (r-SAGE-net scores both too, as evaluate's personal input)
            let haplotypesPerBatch = batch * perItem
            let sparse = try SparseInference(model: net, capacity: haplotypesPerBatch)
            let hapBatch = HaplotypeBatch(capacity: haplotypesPerBatch, length: L)
            var lines = ["bench evaluate: \(config.model.rawValue) input_len \(L), filters \(config.firstLayerKernelNumber)/\(config.intLayersKernelNumber), \(config.nConvBlocks) blocks, \(individuals) individuals per density, \(ctx.threads) thread(s); sparse workspace \(String(format: "%.0f", Double(sparse.memoryBytes) / 1048576)) MiB"]

            // Dense: `denseItems` items of the first density, one forward each (B = 1, as evaluate's default is per item).
            try net.reserve(batch: 1, training: false)
            let oneHot = (0..<3).map { _ in FloatBuffer(count: 4 * L) }
            var denseOutputs: [[Float]] = []
            var denseSeconds = 0.0
            let densityList = parsedDensities!
            var cohorts: [[(bases: [UInt8], shifts: [Int32])]] = []
            for density in densityList {
                cohorts.append((0..<(perItem * individuals)).map { _ in syntheticHaplotype(reference, density: density, indelFraction: indelFraction, rng: &rng) })
            }
            /// One item of the first density through the dense forward; its outputs.
            func denseItem(_ item: Int) -> [Float] {
                let m = cohorts[0][2 * item].bases, p = cohorts[0][2 * item + 1].bases
                if psagenet {
                    for (k, seq) in [reference, m, p].enumerated() { encode(seq, into: oneHot[k].pointer) }
                    return Array(net.forward(sequences: oneHot.map { UnsafePointer($0.pointer) }, batch: 1, training: false))
                }
                return [m, p].flatMap { seq -> [Float] in
                    encode(seq, into: oneHot[0].pointer)
                    return Array(net.forward(sequences: [UnsafePointer(oneHot[0].pointer)], batch: 1, training: false))
                }
            }
            /// Seconds of dense items `items`, their outputs kept.
            func timeDense(_ items: Range<Int>) -> Double {
                let start = DispatchTime.now().uptimeNanoseconds
                for item in items { denseOutputs.append(denseItem(item)) }
                return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            }
            // Item 0 is a warm-up (the workspace is allocated); the timed items are split before and after the sparse
            // runs, so that a machine whose speed drifts compares like with like.
            let denseCount = min(denseItems + 1, individuals)
            _ = timeDense(0..<1)
            let half = 1 + (denseCount - 1) / 2
            denseSeconds += timeDense(1..<half)
            let passes2 = psagenet ? 1.0 : 2.0
            var rows: [(density: Double, rate: Double, columns: Double, flops: Double, fallbacks: Int, worst: Float)] = []
            for (d, density) in densityList.enumerated() {
                let before = sparse.stats
                var worst: Float = 0
                let start = DispatchTime.now().uptimeNanoseconds
                sparse.setReference(reference)
                for first in stride(from: 0, to: individuals, by: batch) {
                    let items = first..<min(first + batch, individuals)
                    hapBatch.removeAll()
                    for i in items {
                        for h in 0..<perItem {
                            let hap = cohorts[d][perItem * i + h]
                            hapBatch.append { out, shifts in out.update(from: hap.bases, count: L); shifts += hap.shifts }
                        }
                    }
                    let out = sparse.predict(hapBatch)
                    if d == 0 {
                        for i in items where i < min(half, denseOutputs.count) {
                            let k = i - first
                            let ours = [out[2 * k], out[2 * k + 1]]   // (out0, out1), or the two haplotypes' outputs
                            for (a, b) in zip(ours, denseOutputs[i]) { worst = max(worst, abs(a - b) / max(1, abs(b))) }
                        }
                    }
                }
                let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
                let after = sparse.stats
                let rate = Double(individuals) / seconds
                let columns = Double(after.dirtyColumns - before.dirtyColumns) / Double(after.haplotypes - before.haplotypes)
                let flops = (after.flops - before.flops) / Double(individuals)
                rows.append((density, rate, columns, flops, after.denseFallbacks - before.denseFallbacks, worst))
            }
            denseSeconds += timeDense(half..<denseCount)
            let denseRate = Double(max(1, denseCount - 1)) / denseSeconds
            let denseFLOPs = net.flops(batch: 1).forward * passes2
            withExtendedLifetime(oneHot) {}
            lines.append(String(format: "dense:  %.3f items/s  (%d items, %.1f GFLOP/item, %.1f GFLOP/s)", denseRate, denseCount - 1, denseFLOPs / 1e9, denseFLOPs * denseRate / 1e9))
            lines.append("density/kb  items/s   speed-up  stem columns computed  GFLOP/item  GFLOP/s  dense fallbacks  max |sparse - dense|")
            for (d, r) in rows.enumerated() {
                lines.append(String(format: "%-10g  %-8.2f  %-8.1f  %-21@  %-10.2f  %-7.1f  %-15d  %@",
                                    r.density, r.rate, r.rate / denseRate, String(format: "%.0f of %d (%.1f%%)", r.columns, L, 100 * r.columns / Double(L)) as NSString,
                                    r.flops / 1e9, r.flops * r.rate / 1e9, r.fallbacks, (d == 0 ? String(format: "%.1e", r.worst) : "-") as NSString))
            }
            if ctx.comm.rank == 0 { print(lines.joined(separator: "\n")) }
        }
    }
}

private let syntheticBases = Array("ACGT".utf8)

/// A haplotype of `reference` with Poisson(density x L / 1000) variants (SNPs, or indels of 1-10 bases), truncated
/// or N-padded to L, with its cumulative shifts.
private func syntheticHaplotype(_ reference: [UInt8], density: Double, indelFraction: Double,
                                rng: inout SplitMix64) -> (bases: [UInt8], shifts: [Int32]) {
    let L = reference.count
    let mean = density * Double(L) / 1000
    var count = 0, p = exp(-mean), cumulative = p, u = Double(rng.nextUnitFloat())
    while u > cumulative && count < L / 4 { count += 1; p *= mean / Double(count); cumulative += p }   // Poisson by inversion
    let positions = Set((0..<count).map { _ in Int(rng.next() % UInt64(L - 12)) }).sorted()
    var seq: [UInt8] = [], at = 0, shift = 0, shifts: [Int32] = []
    seq.reserveCapacity(L + 64)
    for position in positions where position >= at {
        seq += reference[at..<position]
        if Double(rng.nextUnitFloat()) < indelFraction {
            let length = 1 + Int(rng.next() % 10)
            if rng.next() % 2 == 0 {   // insertion after the base at `position`
                seq.append(reference[position])
                seq += (0..<length).map { _ in syntheticBases[Int(rng.next() % 4)] }
                at = position + 1
                shift += length
            } else {                   // deletion of the `length` bases after it
                seq.append(reference[position])
                at = position + 1 + length
                shift -= length
            }
            shifts.append(Int32(shift))
        } else {
            let base = reference[position]
            seq.append(syntheticBases[(syntheticBases.firstIndex(of: base)! + 1 + Int(rng.next() % 3)) % 4])
            at = position + 1
        }
    }
    if at < L { seq += reference[at...] }
    seq = Array(seq.prefix(L))
    if seq.count < L { seq += [UInt8](repeating: UInt8(ascii: "N"), count: L - seq.count) }
    return (seq, shifts)
}

/// One-hot (4, L) of `s`, as evaluate encodes it.
private func encode(_ s: [UInt8], into out: UnsafeMutablePointer<Float>) {
    s.withUnsafeBufferPointer { oneHotEncode($0, into: out, length: s.count) }
}
