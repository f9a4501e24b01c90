import SAGEDistributed
import SAGEEngine
import SAGEGenome

/// How an r-SAGE-net checkpoint scores an individual (SAGE-net's predict_from_personal): the mean of its two
/// haplotypes' predictions (pred_diff = that minus the reference's), or the reference alone (pred_diff = 0).
public enum ReferenceModelInput: String, Sendable { case personal, reference }

/// Predictions for regions x individuals (store indices), row-major: value[r * individuals.count + i].
public struct Predictions: Sendable {
    public let regions: [Int], individuals: [Int]
    public var predMean: [Float], predDiff: [Float]
}

/// How `evaluate` and `predict` run the model: the variant-sparse path (`SparseInference`: each region's reference
/// once, then only the stem columns each haplotype's variants change) or the dense forward on one-hot input of
/// every sequence (`--dense`, for checking; the two agree to float rounding).
public enum InferencePath: String, Sendable { case sparse, dense }

/// Scores every (region, individual) of `regions` x `individuals` in eval mode. Regions are dealt in contiguous shares to
/// ranks (`share`); each region's individuals go through in order in batches of `batchSize`, so every item sees the same
/// computation for any number of ranks. Returns the gathered predictions on rank 0, nil elsewhere.
public func predictFromStore(comm: any Communicator, model: SAGENet, dataset: PersonalDataset, regions: [Int], individuals: [Int],
                             batchSize: Int, referenceInput: ReferenceModelInput = .personal, path: InferencePath = .sparse,
                             progress: (Int, Int) -> Void = { _, _ in }) throws -> Predictions? {
    let scorer: any RegionScorer = path == .sparse
        ? try SparseRegionScorer(model: model, dataset: dataset, batchSize: batchSize, referenceInput: referenceInput)
        : try DenseRegionScorer(model: model, dataset: dataset, batchSize: batchSize, referenceInput: referenceInput)
    let mine = Array(share(of: regions.count, for: comm))  // positions in `regions`
    var mean: [Float] = [], diff: [Float] = []
    mean.reserveCapacity(mine.count * individuals.count); diff.reserveCapacity(mine.count * individuals.count)
    for (done, position) in mine.enumerated() {
        scorer.score(region: regions[position], individuals: individuals, mean: &mean, diff: &diff)
        progress(done + 1, mine.count)
    }
    let gatheredMean = try comm.gather(mean, root: 0)
    let gatheredDiff = try comm.gather(diff, root: 0)
    guard let allMean = gatheredMean, let allDiff = gatheredDiff else { return nil }
    let I = individuals.count
    var result = Predictions(regions: regions, individuals: individuals,
                             predMean: [Float](repeating: .nan, count: regions.count * I), predDiff: [Float](repeating: .nan, count: regions.count * I))
    for rank in 0..<comm.size {
        for (j, k) in balancedRanges(count: regions.count, parts: comm.size)[rank].enumerated() {
            for i in 0..<I {
                result.predMean[k * I + i] = allMean[rank][j * I + i]
                result.predDiff[k * I + i] = allDiff[rank][j * I + i]
            }
        }
    }
    return result
}

/// Scores one region's individuals: appends pred_mean and pred_diff per individual, in order.
protocol RegionScorer {
    func score(region r: Int, individuals: [Int], mean: inout [Float], diff: inout [Float])
}

/// The dense forward on one-hot (reference, maternal, paternal) batches of exactly `batchSize` (a short last batch
/// is padded by repeating its last item, so that the model keeps one workspace).
final class DenseRegionScorer: RegionScorer {
    let model: SAGENet, dataset: PersonalDataset, batchSize: Int, referenceInput: ReferenceModelInput
    let inputs: [FloatBuffer]

    init(model: SAGENet, dataset: PersonalDataset, batchSize: Int, referenceInput: ReferenceModelInput) throws {
        self.model = model; self.dataset = dataset; self.batchSize = batchSize; self.referenceInput = referenceInput
        try model.reserve(batch: batchSize, training: false, available: memoryShareOfThisRank())
        inputs = (0..<3).map { _ in FloatBuffer(count: batchSize * 4 * dataset.inputLen) }
    }

    /// One batch of `items` through the model on `channels`; returns its outputs per output index.
    func run(_ r: Int, _ batch: ArraySlice<Int>, channels: [Int]) -> [[Float]] {
        let stride = 4 * dataset.inputLen
        for (b, i) in batch.enumerated() {
            for (k, c) in channels.enumerated() { dataset.oneHot(region: r, individual: i, channel: c, into: inputs[k].pointer + b * stride) }
        }
        for b in batch.count..<batchSize {  // padding
            for k in channels.indices { (inputs[k].pointer + b * stride).update(from: inputs[k].pointer + (batch.count - 1) * stride, count: stride) }
        }
        let out = model.forward(sequences: inputs.prefix(channels.count).map { UnsafePointer($0.pointer) }, batch: batchSize, training: false)
        let n = model.config.outputCount
        return (0..<n).map { c in (0..<batch.count).map { out[$0 * n + c] } }
    }

    func score(region r: Int, individuals: [Int], mean: inout [Float], diff: inout [Float]) {
        let psagenet = model.config.model == .psagenet
        let referencePrediction = psagenet ? 0 : run(r, individuals.prefix(1), channels: [0])[0][0]
        for start in Swift.stride(from: 0, to: individuals.count, by: batchSize) {
            let batch = individuals[start..<min(start + batchSize, individuals.count)]
            if psagenet {
                let out = run(r, batch, channels: [0, 1, 2])
                mean += out[0]; diff += out[1]
            } else if referenceInput == .reference {
                mean += [Float](repeating: referencePrediction, count: batch.count)
                diff += [Float](repeating: 0, count: batch.count)
            } else {
                let m = run(r, batch, channels: [1])[0], p = run(r, batch, channels: [2])[0]
                let personal = zip(m, p).map { ($0 + $1) / 2 }
                mean += personal; diff += personal.map { $0 - referencePrediction }
            }
        }
    }
}

/// The variant-sparse path: the region's reference once, then batches of `batchSize` individuals' two haplotypes
/// (with the shifts of their indels) through `SparseInference`.
final class SparseRegionScorer: RegionScorer {
    let sparse: SparseInference, batch: HaplotypeBatch, dataset: PersonalDataset, batchSize: Int
    let referenceInput: ReferenceModelInput, psagenet: Bool
    let reference: UnsafeMutablePointer<UInt8>

    init(model: SAGENet, dataset: PersonalDataset, batchSize: Int, referenceInput: ReferenceModelInput) throws {
        sparse = try SparseInference(model: model, capacity: 2 * batchSize, available: memoryShareOfThisRank())
        batch = HaplotypeBatch(capacity: 2 * batchSize, length: dataset.inputLen)
        self.dataset = dataset; self.batchSize = batchSize; self.referenceInput = referenceInput
        psagenet = model.config.model == .psagenet
        reference = .allocate(capacity: dataset.inputLen)
    }
    deinit { reference.deallocate() }

    func score(region r: Int, individuals: [Int], mean: inout [Float], diff: inout [Float]) {
        guard let anyone = individuals.first else { return }
        dataset.sequence(region: r, individual: anyone, channel: 0, into: reference)
        sparse.setReference(reference)
        let referencePrediction = psagenet ? 0 : sparse.referencePrediction()[0]
        if !psagenet && referenceInput == .reference {
            mean += [Float](repeating: referencePrediction, count: individuals.count)
            diff += [Float](repeating: 0, count: individuals.count)
            return
        }
        for start in Swift.stride(from: 0, to: individuals.count, by: batchSize) {
            let items = individuals[start..<min(start + batchSize, individuals.count)]
            batch.removeAll()
            for i in items {
                for channel in [1, 2] {
                    batch.append { out, shifts in dataset.sequence(region: r, individual: i, channel: channel, into: out, shifts: &shifts) }
                }
            }
            let out = sparse.predict(batch)
            for k in 0..<items.count {
                if psagenet {
                    mean.append(out[2 * k]); diff.append(out[2 * k + 1])
                } else {
                    let personal = (out[2 * k] + out[2 * k + 1]) / 2
                    mean.append(personal); diff.append(personal - referencePrediction)
                }
            }
        }
    }
}
