import SAGEDistributed
import SAGEEngine
import SAGEGenome

/// One input channel in model coordinates (truncated to input_len, reverse-complemented for a minus-strand
/// region, not yet N-padded), optionally with one base substituted at a model index (< input_len; an index past
/// the sequence's end substitutes into the N padding). Items of one call share their `sequence` arrays (copy on
/// write: no copy is made), so a scorer can tell cheaply which channels are the region's unmodified base.
public struct ChannelInput: Sendable {
    public let sequence: [UInt8]
    public let substitution: (index: Int, base: UInt8)?

    public init(_ sequence: [UInt8], substitution: (index: Int, base: UInt8)? = nil) {
        self.sequence = sequence; self.substitution = substitution
    }

    /// Writes the channel's `length` model bases into `out`: its bytes N-padded, then the substitution applied.
    public func write(into out: UnsafeMutablePointer<UInt8>, length L: Int) {
        let count = min(sequence.count, L)
        if count > 0 { sequence.withUnsafeBufferPointer { out.update(from: $0.baseAddress!, count: count) } }
        (out + count).update(repeating: UInt8(ascii: "N"), count: L - count)
        if let s = substitution {
            precondition(s.index >= 0 && s.index < L, "ChannelInput: substitution at \(s.index) outside input_len \(L)")
            out[s.index] = s.base
        }
    }

    /// Same bases (the same storage is checked first, then the bytes) and the same substitution.
    public func isSame(as other: ChannelInput) -> Bool {
        guard substitution?.index == other.substitution?.index, substitution?.base == other.substitution?.base else { return false }
        let sameStorage = sequence.withUnsafeBufferPointer { a in other.sequence.withUnsafeBufferPointer { b in a.baseAddress == b.baseAddress && a.count == b.count } }
        return sameStorage || sequence == other.sequence
    }
}

/// What a model reads for one prediction: p-SAGE-net the reference, maternal and paternal channels; r-SAGE-net
/// the two haplotypes (the mean of their predictions, SAGE-net's predict_from_personal; the reference is unused).
public struct ScoringItem: Sendable {
    public let reference: ChannelInput, maternal: ChannelInput, paternal: ChannelInput
    public init(reference: ChannelInput, maternal: ChannelInput, paternal: ChannelInput) {
        self.reference = reference; self.maternal = maternal; self.paternal = paternal
    }
}

/// Every model evaluation of `ism` and `variant-effect` goes through this: a batch of items of ONE region's
/// window (variations of its reference by a few bases or one variant) -> `outputCount` values per item,
/// row-major (p-SAGE-net: mean head, difference head; r-SAGE-net: one). Deterministic: the same items give the
/// same bytes, whatever else runs and on whichever rank.
public protocol HaplotypeScorer: AnyObject {
    var outputCount: Int { get }
    func score(_ items: [ScoringItem]) throws -> [Float]
}

/// Full forward passes (`--naive`): each item one-hot encoded (N-padded to input_len) and run through
/// SAGENet.forward in eval mode, in batches of exactly `batchSize` (a short last batch is padded by repeating its
/// last item), so an item's result depends only on the items of its call. Buffers are allocated once, here.
public final class DenseScorer: HaplotypeScorer {
    public let model: SAGENet
    public let batchSize: Int
    public var outputCount: Int { model.config.outputCount }
    let inputLen: Int, psagenet: Bool
    let buffers: [FloatBuffer]          // p-SAGE-net: reference, maternal, paternal; r-SAGE-net: maternal, paternal
    let pointers: [[UnsafePointer<Float>]]  // what forward reads: p-SAGE-net all three; r-SAGE-net one buffer each
    let channels: [KeyPath<ScoringItem, ChannelInput>]
    let scratch: OwnedBuffer<UInt8>     // one channel's bytes, N-padded to input_len

    public init(model: SAGENet, batchSize: Int) throws {
        self.model = model
        self.batchSize = batchSize
        let L = model.config.inputLen, psagenet = model.config.model == .psagenet
        inputLen = L
        self.psagenet = psagenet
        try model.reserve(batch: batchSize, training: false, available: memoryShareOfThisRank())
        buffers = (0..<(psagenet ? 3 : 2)).map { _ in FloatBuffer(count: batchSize * 4 * L) }
        scratch = OwnedBuffer<UInt8>(count: L)
        let all = buffers.map { UnsafePointer($0.pointer) }
        pointers = psagenet ? [all] : all.map { [$0] }
        channels = psagenet ? [\.reference, \.maternal, \.paternal] : [\.maternal, \.paternal]
    }

    public func score(_ items: [ScoringItem]) throws -> [Float] {
        let n = outputCount, L = inputLen, stride = 4 * L
        var result = [Float](repeating: 0, count: items.count * n)
        for start in Swift.stride(from: 0, to: items.count, by: batchSize) {
            let batch = items[start..<min(start + batchSize, items.count)]
            // r-SAGE-net: the paternal pass only when some item's haplotypes differ.
            let passes = psagenet || batch.contains(where: { !$0.maternal.isSame(as: $0.paternal) }) ? channels.count : 1
            for (b, item) in batch.enumerated() {
                for k in 0..<passes { encode(item[keyPath: channels[k]], into: buffers[k].pointer + b * stride) }
            }
            for b in batch.count..<batchSize {
                for k in 0..<passes { (buffers[k].pointer + b * stride).update(from: buffers[k].pointer + (batch.count - 1) * stride, count: stride) }
            }
            if psagenet {
                let out = model.forward(sequences: pointers[0], batch: batchSize, training: false)
                for b in 0..<batch.count { for c in 0..<n { result[(start + b) * n + c] = out[b * n + c] } }
            } else {
                let maternal = model.forward(sequences: pointers[0], batch: batchSize, training: false)
                for b in 0..<batch.count { result[start + b] = maternal[b] }
                if passes == 2 {
                    let paternal = model.forward(sequences: pointers[1], batch: batchSize, training: false)
                    for b in 0..<batch.count { result[start + b] = (result[start + b] + paternal[b]) / 2 }
                }
            }
        }
        withExtendedLifetime(buffers) {}
        return result
    }

    /// One channel's one-hot (4, input_len): its bytes N-padded, the substitution applied, then encoded.
    func encode(_ channel: ChannelInput, into out: UnsafeMutablePointer<Float>) {
        let L = inputLen, p = scratch.pointer
        channel.write(into: p, length: L)
        oneHotEncode(UnsafeBufferPointer(start: p, count: L), into: out, length: L)
    }
}

/// The variant-sparse scorer (the default): the region's base sequence (the first item's reference channel,
/// without its substitution) is `SparseInference`'s kept reference; every other distinct channel of a batch is one
/// haplotype of it (a substitution dirties k0 + k1 - 1 stem columns). Items of one call go through in order in
/// batches of at most `2 x batchSize` haplotypes, so an item's result depends only on the items of its call.
public final class SparseScorer: HaplotypeScorer {
    public let model: SAGENet
    public var outputCount: Int { model.config.outputCount }
    let sparse: SparseInference, batch: HaplotypeBatch, inputLen: Int, psagenet: Bool
    var reference: [UInt8] = []

    public init(model: SAGENet, batchSize: Int) throws {
        self.model = model
        inputLen = model.config.inputLen
        psagenet = model.config.model == .psagenet
        sparse = try SparseInference(model: model, capacity: max(3, 2 * batchSize), available: memoryShareOfThisRank())
        batch = HaplotypeBatch(capacity: sparse.capacity, length: inputLen)
    }

    public func score(_ items: [ScoringItem]) throws -> [Float] {
        guard let first = items.first else { return [] }
        let L = inputLen, n = outputCount
        let baseChannel = ChannelInput(first.reference.sequence)
        var base = [UInt8](repeating: 0, count: L)
        base.withUnsafeMutableBufferPointer { baseChannel.write(into: $0.baseAddress!, length: L) }
        if base != reference {
            reference = base
            sparse.setReference(reference)
        }
        let referenceOutputs = psagenet ? [] : sparse.referencePrediction()
        var result = [Float](repeating: 0, count: items.count * n)
        var channels: [ChannelInput] = [], pending: [(item: Int, slots: (reference: Int, maternal: Int, paternal: Int))] = []
        func flush() {
            guard !pending.isEmpty else { return }
            if psagenet {
                let out = sparse.predict(batch, items: pending.map(\.slots))
                for (k, p) in pending.enumerated() { for c in 0..<n { result[p.item * n + c] = out[k * n + c] } }
            } else {
                let out = channels.isEmpty ? UnsafeBufferPointer(start: nil, count: 0) : sparse.predict(batch)
                func value(_ slot: Int) -> Float { slot < 0 ? referenceOutputs[0] : out[slot] }
                for p in pending {
                    let (m, q) = (p.slots.maternal, p.slots.paternal)
                    result[p.item] = m == q ? value(m) : (value(m) + value(q)) / 2
                }
            }
            pending.removeAll(keepingCapacity: true)
            channels.removeAll(keepingCapacity: true)
            batch.removeAll()
        }
        /// The batch slot of `c` (-1: the base itself), adding it when new.
        func slot(_ c: ChannelInput) -> Int {
            if c.isSame(as: baseChannel) { return -1 }
            if let i = channels.firstIndex(where: { $0.isSame(as: c) }) { return i }
            batch.append { out, _ in c.write(into: out, length: L) }
            channels.append(c)
            return channels.count - 1
        }
        for (i, item) in items.enumerated() {
            if channels.count + 3 > batch.capacity || pending.count == sparse.capacity { flush() }
            let r = psagenet ? slot(item.reference) : -1
            pending.append((i, (r, slot(item.maternal), slot(item.paternal))))
        }
        flush()
        return result
    }
}

/// The scorer `ism` and `variant-effect` use: the variant-sparse one, or with `naive` full forward passes.
public func makeHaplotypeScorer(model: SAGENet, naive: Bool, batchSize: Int) throws -> any HaplotypeScorer {
    naive ? try DenseScorer(model: model, batchSize: batchSize) : try SparseScorer(model: model, batchSize: batchSize)
}
