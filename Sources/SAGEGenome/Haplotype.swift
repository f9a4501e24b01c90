// Personal haplotypes with SAGE-net's semantics (SAGENET-REFERENCE §2.1-2.3). Coordinates 0-based, half-open.
// Window around a 1-based centre `pos`: [max(0, pos - L/2), min(contigLength, pos + L/2)).
// Variants are applied in position order to one haplotype (0 = maternal GT[0], 1 = paternal GT[1]); a missing
// or absent allele means reference; REF must equal the current haplotype string at pos - windowStart + shift,
// else the variant is skipped and counted (so of two overlapping variants the first wins); each applied variant
// shifts later positions by len(ALT) - len(REF). Truncation to L, reverse complement and N padding come after.

/// The reference window of a region, SAGE-net's `get_seq_start_and_end`.
public func sageWindow(centre pos: Int, inputLen L: Int, contigLength: Int) -> Range<Int> {
    let start = max(0, pos - L / 2), end = min(contigLength, pos + L / 2)
    return start..<max(start, end)
}

public struct HaplotypeOptions: Sendable {
    /// Apply only variants with single-base REF and ALT (SAGE-net's only_snps).
    public var onlySNPs = false
    /// Keep an ALT allele (record, 1-based allele index) or not, e.g. a MAF filter; nil keeps all.
    public var alleleFilter: (@Sendable (VariantRecord, Int) -> Bool)? = nil
    public init(onlySNPs: Bool = false) { self.onlySNPs = onlySNPs }
}

/// What happened to the variants of one haplotype build; counts add up across builds.
public struct HaplotypeReport: Sendable, Equatable {
    public var applied = 0
    public var refMismatches = 0
    public var symbolicSkipped = 0
    public var startsBeforeWindow = 0
    public var filtered = 0
    public var missingAlleles = 0
    public init() {}

    public mutating func add(_ other: HaplotypeReport) {
        applied += other.applied
        refMismatches += other.refMismatches
        symbolicSkipped += other.symbolicSkipped
        startsBeforeWindow += other.startsBeforeWindow
        filtered += other.filtered
        missingAlleles += other.missingAlleles
    }
}

/// The haplotype `h` of sample index `sample` over `reference` (the window's bases, starting at genome position
/// `windowStart`), before truncation to input_len. `records` must be in position order.
public func buildHaplotype(reference: [UInt8], windowStart: Int, records: [VariantRecord], sample: Int, haplotype h: Int,
                           options: HaplotypeOptions = HaplotypeOptions(), report: inout HaplotypeReport) -> [UInt8] {
    var edits: [(VariantRecord, Int)] = []
    for record in records {
        let allele = Int(record.genotypes[2 * sample + h])
        if allele < 0 { report.missingAlleles += 1; continue }
        if allele > 0 && allele <= record.alts.count { edits.append((record, allele)) }
    }
    return applyAlleles(reference: reference, windowStart: windowStart, edits: edits, options: options, report: &report)
}

/// Applies (record, 1-based ALT index) edits in order with SAGE-net's rules (see the top of this file).
public func applyAlleles(reference: [UInt8], windowStart: Int, edits: [(VariantRecord, Int)],
                         options: HaplotypeOptions = HaplotypeOptions(), report: inout HaplotypeReport) -> [UInt8] {
    var seq = reference
    var shift = 0
    for (record, allele) in edits {
        let alt = record.alts[allele - 1], ref = record.ref
        if isSymbolic(alt) { report.symbolicSkipped += 1; continue }
        if options.onlySNPs && !(ref.count == 1 && alt.count == 1) { report.filtered += 1; continue }
        if let keep = options.alleleFilter, !keep(record, allele) { report.filtered += 1; continue }
        guard record.pos >= windowStart else { report.startsBeforeWindow += 1; continue }
        let i = record.pos - windowStart + shift
        guard i >= 0, i + ref.count <= seq.count, seq[i..<(i + ref.count)].elementsEqual(ref) else { report.refMismatches += 1; continue }
        seq.replaceSubrange(i..<(i + ref.count), with: alt)
        shift += alt.count - ref.count
        report.applied += 1
    }
    return seq
}

/// Reverse complement (A<->T, C<->G in either case; other codes such as N stay as they are), as SAGE-net's
/// `str.translate` + reverse.
public func reverseComplement(_ seq: [UInt8]) -> [UInt8] {
    seq.reversed().map { complementTable[Int($0)] }
}

/// What the model sees, before one-hot encoding: truncated to `inputLen` (keeping the 5' genomic end), then
/// reverse-complemented for a minus-strand region when allowed. N padding to inputLen happens in one-hot encoding.
public func modelSequence(_ haplotype: [UInt8], inputLen: Int, minusStrand: Bool, allowReverseComplement: Bool = true) -> [UInt8] {
    let truncated = Array(haplotype.prefix(inputLen))
    return minusStrand && allowReverseComplement ? reverseComplement(truncated) : truncated
}

/// Symbolic ALT alleles SAGE-net cannot insert as text: `<DEL>`-style, `*` (spanning deletion), breakends.
func isSymbolic(_ alt: [UInt8]) -> Bool {
    alt.first == UInt8(ascii: "<") || alt == [UInt8(ascii: "*")] || alt.contains(UInt8(ascii: "[")) || alt.contains(UInt8(ascii: "]"))
}
