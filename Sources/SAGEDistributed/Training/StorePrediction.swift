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

/// Scores every (region, individual) of `regions` x `individuals` in eval mode. Regions are dealt round-robin to
/// ranks; each region's individuals go through in order in batches of exactly `batchSize` (a short last batch is
/// padded by repeating its last item), so every item sees the same computation for any number of ranks and the
/// model keeps one workspace. Returns the gathered predictions on rank 0, nil elsewhere.
public func predictFromStore(comm: any Communicator, model: SAGENet, dataset: PersonalDataset, regions: [Int], individuals: [Int],
                             batchSize: Int, referenceInput: ReferenceModelInput = .personal,
                             progress: (Int, Int) -> Void = { _, _ in }) throws -> Predictions? {
    let L = dataset.inputLen, stride = 4 * L, psagenet = model.config.model == .psagenet
    try model.reserve(batch: batchSize, training: false, available: memoryShareOfThisRank())
    let inputs = (0..<3).map { _ in FloatBuffer(count: batchSize * stride) }
    let pointers = inputs.map { UnsafePointer($0.pointer) }
    let mine = Array(Swift.stride(from: comm.rank, to: regions.count, by: comm.size))  // positions in `regions`
    var mean: [Float] = [], diff: [Float] = []
    mean.reserveCapacity(mine.count * individuals.count); diff.reserveCapacity(mine.count * individuals.count)

    /// One batch of `items` through the model on `channels`; returns its first output per item.
    func run(_ r: Int, _ batch: ArraySlice<Int>, channels: [Int]) -> [[Float]] {
        for (b, i) in batch.enumerated() {
            for (k, c) in channels.enumerated() { dataset.oneHot(region: r, individual: i, channel: c, into: inputs[k].pointer + b * stride) }
        }
        for b in batch.count..<batchSize {  // padding
            for k in channels.indices { (inputs[k].pointer + b * stride).update(from: inputs[k].pointer + (batch.count - 1) * stride, count: stride) }
        }
        let out = model.forward(sequences: Array(pointers.prefix(channels.count)), batch: batchSize, training: false)
        let n = model.config.outputCount
        return (0..<n).map { c in (0..<batch.count).map { out[$0 * n + c] } }
    }

    for (done, position) in mine.enumerated() {
        let r = regions[position]  // the store's index of this region
        var referencePrediction: Float = 0
        if !psagenet {
            referencePrediction = run(r, individuals.prefix(1), channels: [0])[0][0]
        }
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
        progress(done + 1, mine.count)
    }
    withExtendedLifetime(inputs) {}
    let gatheredMean = try comm.gather(mean, root: 0)
    let gatheredDiff = try comm.gather(diff, root: 0)
    guard let allMean = gatheredMean, let allDiff = gatheredDiff else { return nil }
    let I = individuals.count
    var result = Predictions(regions: regions, individuals: individuals,
                             predMean: [Float](repeating: .nan, count: regions.count * I), predDiff: [Float](repeating: .nan, count: regions.count * I))
    for rank in 0..<comm.size {
        for (j, k) in Swift.stride(from: rank, to: regions.count, by: comm.size).enumerated() {
            for i in 0..<I {
                result.predMean[k * I + i] = allMean[rank][j * I + i]
                result.predDiff[k * I + i] = allDiff[rank][j * I + i]
            }
        }
    }
    return result
}
