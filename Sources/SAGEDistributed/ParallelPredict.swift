import SAGEEngine
import SAGEGenome

/// Scores items with a model in eval mode, items dealt round-robin to ranks (item i on rank i mod size), and
/// gathers every item's outputs to rank 0 in item order. Each item is 1 sequence (rSAGEnet) or 3 (pSAGEnet:
/// reference, maternal, paternal) of at most input_len bases; shorter ones are N-padded at the end.
/// Returns (items, outputCount) row-major on rank 0, nil elsewhere. The result does not depend on the number of ranks.
public func predictInParallel(comm: any Communicator, model: SAGENet, items: [[[UInt8]]], batchSize: Int) throws -> [Float]? {
    let config = model.config, L = config.inputLen, passes = config.model == .psagenet ? 3 : 1
    let count = config.outputCount
    let mine = Array(stride(from: comm.rank, to: items.count, by: comm.size))
    let batchSize = min(batchSize, max(mine.count, 1))  // never more room than this rank's items need
    try model.reserve(batch: batchSize, training: false, available: memoryShareOfThisRank())
    let inputs = (0..<passes).map { _ in FloatBuffer(count: batchSize * 4 * L) }
    var indices: [Int] = []
    var values: [Float] = []
    for start in stride(from: 0, to: mine.count, by: batchSize) {
        let batch = Array(mine[start..<min(start + batchSize, mine.count)])
        for (b, item) in batch.enumerated() {
            for k in 0..<passes {
                items[item][k].withUnsafeBufferPointer { oneHotEncode($0, into: inputs[k].pointer + b * 4 * L, length: L) }
            }
        }
        let out = model.forward(sequences: inputs.map { UnsafePointer($0.pointer) }, batch: batch.count, training: false)
        indices += batch
        values += Array(out)
    }
    withExtendedLifetime(inputs) {}  // the model read them through raw pointers
    // Both gathers run on every rank (a guard over both would skip the second where the first returns nil).
    let gatheredIndices = try comm.gather(indices, root: 0)
    let gatheredValues = try comm.gather(values, root: 0)
    guard let allIndices = gatheredIndices, let allValues = gatheredValues else { return nil }
    var result = [Float](repeating: .nan, count: items.count * count)
    for (rankIndices, rankValues) in zip(allIndices, allValues) {
        for (j, item) in rankIndices.enumerated() {
            for c in 0..<count { result[item * count + c] = rankValues[j * count + c] }
        }
    }
    return result
}
