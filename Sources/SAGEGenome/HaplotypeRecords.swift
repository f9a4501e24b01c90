// Haplotypes from VCF records (personal sequences, the majority sequence, variant insertion) with the haplotype
// rule of Haplotype.swift: the records' alleles become an edit table (as a store block holds them) and are applied
// by `assembleHaplotype`. Before that, each (record, allele) is screened in this order, each screen counted in the
// report: a symbolic ALT, only_snps, the allele filter (MAF window), a record starting before the window.
// Coordinates 0-based (VariantRecord.pos, `windowStart`). Haplotype 0 = maternal GT[0], 1 = paternal GT[1]; a
// missing or absent allele means reference.

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

/// Applies (record, 1-based ALT index) edits, in position order, to `reference` (genome bases from `windowStart`)
/// with the haplotype rule; the whole haplotype, not truncated.
public func applyAlleles(reference: [UInt8], windowStart: Int, edits: [(VariantRecord, Int)],
                         options: HaplotypeOptions = HaplotypeOptions(), report: inout HaplotypeReport) -> [UInt8] {
    var table = RegionBlockBuilder()
    var longest = reference.count
    for (record, allele) in edits {
        let alt = record.alts[allele - 1], ref = record.ref
        if isSymbolic(alt) { report.symbolicSkipped += 1; continue }
        if options.onlySNPs && !(ref.count == 1 && alt.count == 1) { report.filtered += 1; continue }
        if let keep = options.alleleFilter, !keep(record, allele) { report.filtered += 1; continue }
        guard record.pos >= windowStart else { report.startsBeforeWindow += 1; continue }
        // REF past the window's end never matches (the rule); leaving it out keeps positions inside the table's range.
        let p = record.pos - windowStart
        guard p + ref.count <= reference.count else { report.refMismatches += 1; continue }
        table.addEdit(pos: p, ref: ref, alt: alt, carriers: 0)
        longest += max(0, alt.count - ref.count)
    }
    guard !table.editPos.isEmpty else { return reference }
    table.alleles.append(0)   // never read: the allele bytes have an address even when every allele is empty
    let order = (0..<Int32(table.editPos.count)).map { $0 }
    var applied = 0
    let haplotype = [UInt8](unsafeUninitializedCapacity: longest + 1) { out, count in
        reference.withUnsafeBufferPointer { ref in
            table.withEditTable { t in
                order.withUnsafeBufferPointer { o in
                    (count, applied) = assembleHaplotype(reference: ref, edits: t, order: o, keep: { _ in true }, into: out.baseAddress!, limit: longest)
                }
            }
        }
    }
    report.applied += applied
    report.refMismatches += order.count - applied
    return haplotype
}

/// Symbolic ALT alleles SAGE-net cannot insert as text: `<DEL>`-style, `*` (spanning deletion), breakends.
func isSymbolic(_ alt: [UInt8]) -> Bool {
    alt.first == UInt8(ascii: "<") || alt == [UInt8(ascii: "*")] || alt.contains(UInt8(ascii: "[")) || alt.contains(UInt8(ascii: "]"))
}
