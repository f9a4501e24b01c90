// Items for the model from a variant store: for (region r, individual i) the reference, maternal and paternal
// sequences exactly as `personalSequences` gives them (edits, truncation to input_len, reverse complement on the
// minus strand, N padding at the end), as bytes or one-hot (4, input_len) channel-major. Indices are the
// store's (manifest order). Not thread-safe (one scratch buffer); make one dataset per thread. Every block was
// checked when the store opened (RegionBlock.init), so the reads below need no per-base bounds checks; only the
// caller's indices are checked, once per item.

public struct SequenceOptions: Sendable, Equatable {
    public var onlySNPs = false
    public var frequency = FrequencyFilter()
    /// Reference channel = majority sequence (ALT alleles with frequency > 0.5 among the training individuals).
    public var majorityReference = false
    public var allowReverseComplement = true
    public init() {}
}

public final class PersonalDataset: @unchecked Sendable {
    public let store: VariantStore
    public let options: SequenceOptions
    public let inputLen: Int
    private let filter: EditFilter
    private let minus: [Bool]
    /// The majority edits of each region (empty lists unless majorityReference).
    private let majorityEdits: [[Int32]]
    private let scratch: UnsafeMutablePointer<UInt8>

    public init(store: VariantStore, options: SequenceOptions = SequenceOptions()) {
        self.store = store
        self.options = options
        inputLen = store.inputLen
        filter = EditFilter(onlySNPs: options.onlySNPs, frequency: options.frequency,
                            trainingHaplotypes: 2 * store.manifest.trainingIndividuals.count)
        minus = store.manifest.regions.map { $0.region.minusStrand && options.allowReverseComplement }
        let twoN = 2 * store.manifest.trainingIndividuals.count
        majorityEdits = store.blocks.map { b in
            options.majorityReference ? (0..<Int32(b.editCount)).filter { isMajority(carriers: Int(b.carriers[Int($0)]), trainingHaplotypes: twoN) } : []
        }
        scratch = .allocate(capacity: store.inputLen)
    }
    deinit { scratch.deallocate() }

    /// Channel 0 reference (or majority), 1 maternal, 2 paternal of (r, i) into `out` (input_len bytes).
    public func sequence(region r: Int, individual i: Int, channel: Int, into out: UnsafeMutablePointer<UInt8>) {
        sequence(region: r, individual: i, channel: channel, into: out, shifted: { _ in })
    }

    /// As `sequence(region:individual:channel:into:)`, and appends to `shifts` the model-coordinate shifts at which
    /// stretches of this haplotype copy the reference channel (0 and one per applied indel: base t of the haplotype
    /// is base t - s of the reference after it, in the model's orientation). For `SparseInference`.
    public func sequence(region r: Int, individual i: Int, channel: Int, into out: UnsafeMutablePointer<UInt8>, shifts: inout [Int32]) {
        let start = shifts.count
        shifts.append(0)
        let n = sequence(region: r, individual: i, channel: channel, into: out) { shifts.append(Int32($0)) }
        if minus[r] && channel != 0 {   // reverse complement: model index n - 1 - h of genomic h, m - 1 - g of reference g
            let m = min(inputLen, store.blocks[r].reference.count)
            for k in start..<shifts.count { shifts[k] = Int32(n - m) - shifts[k] }
        }
    }

    /// Writes the sequence, reports each applied indel's cumulative shift (genomic orientation); returns the length
    /// before N padding.
    @discardableResult
    private func sequence(region r: Int, individual i: Int, channel: Int, into out: UnsafeMutablePointer<UInt8>, shifted: (Int) -> Void) -> Int {
        precondition(i >= 0 && i < store.individualCount && channel >= 0 && channel < 3, "PersonalDataset: individual \(i) channel \(channel) out of range")
        let block = store.blocks[r]
        let n: Int
        if channel == 0 {
            if options.majorityReference {
                n = majorityEdits[r].withUnsafeBufferPointer { assembleHaplotype(block, edits: $0, keep: { _ in true }, into: out, limit: inputLen) }
            } else {
                n = min(inputLen, block.reference.count)
                out.update(from: block.reference.baseAddress!, count: n)
            }
        } else {
            let f = filter
            n = assembleHaplotype(block, edits: block.edits(ofHaplotype: 2 * i + channel - 1), keep: { f.keeps(block, $0) }, into: out,
                                  limit: inputLen, shifted: shifted)
        }
        if minus[r] { reverseComplementInPlace(out, count: n) }
        if n < inputLen { (out + n).update(repeating: UInt8(ascii: "N"), count: inputLen - n) }
        return n
    }

    /// One-hot of channel `channel` of (r, i) into `out` (4, input_len).
    public func oneHot(region r: Int, individual i: Int, channel: Int, into out: UnsafeMutablePointer<Float>) {
        sequence(region: r, individual: i, channel: channel, into: scratch)
        oneHotEncode(UnsafeBufferPointer(start: scratch, count: inputLen), into: out, length: inputLen)
    }

    /// A batch of items into `channels.count` buffers, each (B, 4, input_len): channels [0, 1, 2] for
    /// p-SAGE-net, [0] for r-SAGE-net on the reference, or e.g. [1] for one haplotype.
    public func fillBatch(_ items: some Collection<(region: Int, individual: Int)>, channels: [Int],
                          into buffers: [UnsafeMutablePointer<Float>]) {
        let stride = 4 * inputLen
        for (b, item) in items.enumerated() {
            for (k, c) in channels.enumerated() {
                oneHot(region: item.region, individual: item.individual, channel: c, into: buffers[k] + b * stride)
            }
        }
    }
}
