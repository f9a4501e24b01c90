import SAGEDistributed
import SAGEGenome

/// Whether a variant was scored, or why not (the variant-effect CSV's status column).
public enum VariantStatus: String, Sendable, CaseIterable {
    case ok
    /// REF differs from the reference window's bases at pos.
    case refMismatch = "ref_mismatch"
    /// The REF span is not inside the region's window (or the variant is on another chromosome).
    case outsideWindow = "outside_window"

    var code: Float { Float(Self.allCases.firstIndex(of: self)!) }
    init(code: Float) { self = Self.allCases[Int(code)] }
}

/// SAGE-net's VariantDataset done right, for the variants of one region: the model's outputs on the reference
/// (all channels the reference) and, per variant, with the variant inserted into both haplotypes by
/// insertVariant (an indel shifts and truncates as in a personal haplotype; SAGE-net spliced len(alt) bases out,
/// BUG-8, and crashed on every item, BUG-5); p-SAGE-net's reference channels stay the reference, so its mean
/// head does not move. Returns the reference outputs and per variant its status and outputs (NaN unless ok).
public func scoreVariants(_ variants: [VariantRow], input: RegionInput, scorer: any HaplotypeScorer) throws
    -> (reference: [Float], effects: [(status: VariantStatus, outputs: [Float])]) {
    let base = ChannelInput(input.sequence)
    var items = [ScoringItem(reference: base, maternal: base, paternal: base)]
    var statuses: [VariantStatus] = []
    for v in variants {
        let status = variantStatus(v, input: input)
        statuses.append(status)
        guard status == .ok else { continue }
        let haplotype = ChannelInput(input.model(insertVariant(v, reference: input.genome, windowStart: input.frame.window.lowerBound).haplotype))
        items.append(ScoringItem(reference: base, maternal: haplotype, paternal: haplotype))
    }
    let n = scorer.outputCount
    let out = try scorer.score(items)
    var next = 1
    let effects = statuses.map { status -> (status: VariantStatus, outputs: [Float]) in
        guard status == .ok else { return (status, [Float](repeating: .nan, count: n)) }
        defer { next += 1 }
        return (status, Array(out[(next * n)..<((next + 1) * n)]))
    }
    return (Array(out[0..<n]), effects)
}

/// ok, or why `v` cannot be inserted into the region's reference window (BUG-8's range check fixed: 1-based
/// pos in [start + 1, end], the whole REF inside).
public func variantStatus(_ v: VariantRow, input: RegionInput) -> VariantStatus {
    let start = v.pos - 1 - input.frame.window.lowerBound
    guard input.frame.sameChromosome(v.chr), start >= 0, start + v.ref.count <= input.genome.count else { return .outsideWindow }
    return input.genome[start..<(start + v.ref.count)].elementsEqual(v.ref) ? .ok : .refMismatch
}
