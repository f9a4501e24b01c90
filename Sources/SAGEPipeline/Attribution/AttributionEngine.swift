import SAGEDistributed
import SAGEEngine
import SAGEGenome

/// One item of `attribute`: a region (store index) on the reference, or a region and an individual.
struct AttributionItem: Sendable {
    let region: Int
    let individual: Int?
}

/// Computes attributions of items in batches of exactly `batchSize` (a short last batch is padded by repeating its
/// last item), so that every item sees the same computation whatever the items around it: a part's values do not
/// depend on which rank computes it. Which gradient is taken for each model, head and item: see `Attribution`.
final class AttributionEngine {
    let model: SAGENet
    let dataset: PersonalDataset
    let batchSize: Int, L: Int
    let method: AttributionMethod, zeroCenter: Bool
    /// ref, mat, pat inputs (B, 4, L) and gradients of each.
    private let inputs: [FloatBuffer], grads: [FloatBuffer]

    init(model: SAGENet, dataset: PersonalDataset, batchSize: Int, method: AttributionMethod, zeroCenter: Bool) throws {
        self.model = model; self.dataset = dataset; self.batchSize = batchSize
        self.method = method; self.zeroCenter = zeroCenter
        let n = batchSize * 4 * dataset.inputLen
        L = dataset.inputLen
        try model.reserve(batch: batchSize, training: false, available: memoryShareOfThisRank())
        inputs = (0..<3).map { _ in FloatBuffer(count: n) }
        grads = (0..<3).map { _ in FloatBuffer(count: n) }
    }

    /// Haplotypes per tensor: 1 for the reference, 2 (maternal, paternal) for an individual.
    static func haplotypes(_ item: AttributionItem) -> Int { item.individual == nil ? 1 : 2 }

    /// For each head, each item's attribution (H * 4 * L, H = `haplotypes(item)`), in item order.
    func attributions(_ items: ArraySlice<AttributionItem>, heads: [OutputHead]) -> [[[Float]]] {
        var result = heads.map { _ in [[Float]]() }
        for start in stride(from: items.startIndex, to: items.endIndex, by: batchSize) {
            let batch = items[start..<min(start + batchSize, items.endIndex)]
            fill(batch)
            let seq = inputs.map { UnsafePointer($0.pointer) }, personal = batch.first?.individual != nil
            if model.config.model == .psagenet {
                // One forward for every head; on the reference (mat = pat = ref) one trunk pass stands for all three.
                model.forward(sequences: seq, batch: batchSize, training: false, identicalTo: personal ? nil : [0, 0, 0])
                for (h, head) in heads.enumerated() {
                    let taken = personal ? [1, 2] : [head == .mean ? 0 : 1]
                    model.inputGradientsOfLastForward(sequences: seq, head: head, into: (0..<3).map { taken.contains($0) ? grads[$0].pointer : nil })
                    result[h] += collect(batch, taken)
                }
            } else if personal {
                // pred_mean = (out0(mat) + out0(pat)) / 2: half of each haplotype's own gradient.
                for k in [1, 2] {
                    model.inputGradients(sequences: [seq[k]], batch: batchSize, head: .mean, into: [grads[k].pointer])
                    for i in 0..<(batchSize * 4 * L) { grads[k].pointer[i] *= 0.5 }
                }
                result[0] += collect(batch, [1, 2])
            } else {
                model.inputGradients(sequences: [seq[0]], batch: batchSize, head: .mean, into: [grads[0].pointer])
                result[0] += collect(batch, [0])
            }
        }
        return result
    }

    /// Inputs of a batch: ref (channel 0) and, per individual, mat and pat (channels 1, 2); on the reference,
    /// mat = pat = ref (SAGE-net's personal = reference).
    private func fill(_ batch: ArraySlice<AttributionItem>) {
        let n = 4 * L
        for (b, item) in batch.enumerated() {
            let i = item.individual ?? 0
            for c in 0..<3 {
                let into = inputs[c].pointer + b * n
                if item.individual == nil && c > 0 { into.update(from: inputs[0].pointer + b * n, count: n) } else {
                    dataset.oneHot(region: item.region, individual: i, channel: c, into: into)
                }
            }
        }
        for b in batch.count..<batchSize {
            for c in 0..<3 { (inputs[c].pointer + b * n).update(from: inputs[c].pointer + (batch.count - 1) * n, count: n) }
        }
    }

    /// Each item's tensor from the gradients of the inputs `taken` (indices into `inputs`), in that order, after
    /// the method.
    private func collect(_ batch: ArraySlice<AttributionItem>, _ taken: [Int]) -> [[Float]] {
        let n = 4 * L
        return (0..<batch.count).map { b in
            var values = [Float](repeating: 0, count: taken.count * n)
            values.withUnsafeMutableBufferPointer { out in
                for (j, k) in taken.enumerated() {
                    let g = out.baseAddress! + j * n
                    g.update(from: grads[k].pointer + b * n, count: n)
                    method.apply(g, input: inputs[k].pointer + b * n, length: L, zeroCenter: zeroCenter)
                }
            }
            return values
        }
    }
}
