import SAGEDistributed
import SAGEEngine
import SAGEGenome

/// Scores items with a model in eval mode, items dealt to ranks in contiguous shares (`share`), and
/// gathers every item's outputs to rank 0 in item order. Each item is 1 sequence (rSAGEnet) or 3 (pSAGEnet:
/// reference, maternal, paternal) of at most input_len bases; shorter ones are N-padded at the end.
/// Returns (items, outputCount) row-major on rank 0, nil elsewhere. The result does not depend on the number of ranks.
/// p-SAGE-net items go through the variant-sparse path unless `path` is .dense: each item against its own reference
/// (kept while consecutive items share it), its haplotypes' shifts found in the bases.
public func predictInParallel(comm: any Communicator, model: SAGENet, items: [[[UInt8]]], batchSize: Int,
                              path: InferencePath = .sparse) throws -> [Float]? {
    let config = model.config, L = config.inputLen, passes = config.model == .psagenet ? 3 : 1
    let count = config.outputCount
    let mine = Array(share(of: items.count, for: comm))
    if path == .sparse && config.model == .psagenet {
        return try gatherItems(comm: comm, count: items.count, outputs: count, indices: mine, values: predictSparse(model: model, items: items, mine: mine))
    }
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
    return try gatherItems(comm: comm, count: items.count, outputs: count, indices: indices, values: values)
}

/// p-SAGE-net items (reference, maternal, paternal) through `SparseInference`, one item per call (so that an
/// item's result does not depend on its neighbours), in `mine`'s order; (mine.count, 2) row-major.
func predictSparse(model: SAGENet, items: [[[UInt8]]], mine: [Int]) throws -> [Float] {
    let L = model.config.inputLen
    let sparse = try SparseInference(model: model, capacity: 2, available: memoryShareOfThisRank())
    let batch = HaplotypeBatch(capacity: 2, length: L)
    var reference = [UInt8](repeating: 0, count: L), current: [UInt8]? = nil
    var values: [Float] = []
    values.reserveCapacity(2 * mine.count)
    for item in mine {
        let sequences = items[item]
        if current != sequences[0] {
            reference.withUnsafeMutableBufferPointer { ChannelInput(sequences[0]).write(into: $0.baseAddress!, length: L) }
            sparse.setReference(reference)
            current = sequences[0]
        }
        batch.removeAll()
        for k in [1, 2] { batch.append { out, _ in ChannelInput(sequences[k]).write(into: out, length: L) } }
        values += sparse.predict(batch)
    }
    return values
}

/// Every rank's (indices, values) to rank 0, placed in item order: (count, outputs) on rank 0, nil elsewhere.
func gatherItems(comm: any Communicator, count itemCount: Int, outputs count: Int, indices: [Int], values: [Float]) throws -> [Float]? {
    // Both gathers run on every rank (a guard over both would skip the second where the first returns nil).
    let gatheredIndices = try comm.gather(indices, root: 0)
    let gatheredValues = try comm.gather(values, root: 0)
    guard let allIndices = gatheredIndices, let allValues = gatheredValues else { return nil }
    var result = [Float](repeating: .nan, count: itemCount * count)
    for (rankIndices, rankValues) in zip(allIndices, allValues) {
        for (j, item) in rankIndices.enumerated() {
            for c in 0..<count { result[item * count + c] = rankValues[j * count + c] }
        }
    }
    return result
}
