// Allele frequencies among the training individuals, the MAF filter and the majority sequence, as SAGE-net
// (SAGENET-REFERENCE §2.1, §3.12-3.13): the frequency of ALT allele k is (haplotypes carrying k) / (2 N) over the N
// training individuals (missing alleles count in the denominator, as SAGE-net's 2N), and the filter keeps an
// allele when maf_min < AF < maf_max (strict), active only when maf_min >= 0 or maf_max <= 1.

/// Frequency of ALT allele `allele` (1-based) of `record` among `individuals` (VCF sample indices).
public func alleleFrequency(_ record: VariantRecord, allele: Int, individuals: [Int]) -> Double {
    guard !individuals.isEmpty else { return 0 }
    var carriers = 0
    for s in individuals {
        if record.genotypes[2 * s] == Int32(allele) { carriers += 1 }
        if record.genotypes[2 * s + 1] == Int32(allele) { carriers += 1 }
    }
    return Double(carriers) / Double(2 * individuals.count)
}

public struct FrequencyFilter: Sendable, Equatable {
    public var mafMin: Double = -1
    public var mafMax: Double = 2
    /// false: SAGE-net's ALT frequency; true: the minor allele frequency min(AF, 1 - AF).
    public var trueMAF = false
    public var isActive: Bool { mafMin >= 0 || mafMax <= 1 }
    public init(mafMin: Double = -1, mafMax: Double = 2, trueMAF: Bool = false) {
        self.mafMin = mafMin; self.mafMax = mafMax; self.trueMAF = trueMAF
    }

    /// The allele filter for `HaplotypeOptions`, or nil when the filter is inactive.
    public func alleleFilter(trainingIndividuals: [Int]) -> (@Sendable (VariantRecord, Int) -> Bool)? {
        guard isActive else { return nil }
        let filter = self
        return { record, allele in filter.passes(alleleFrequency(record, allele: allele, individuals: trainingIndividuals)) }
    }

    /// Whether an ALT allele with frequency `af` (carriers / 2N) is kept.
    public func passes(_ af: Double) -> Bool {
        guard isActive else { return true }
        let f = trueMAF ? min(af, 1 - af) : af
        return mafMin < f && f < mafMax
    }
}

/// SAGE-net's majority_seq reference: every ALT allele with frequency > 0.5 among the training individuals
/// applied to the window. Unlike SAGE-net (which inserts them even on a REF mismatch, with a warning), a REF
/// mismatch skips the allele and is counted, as for personal haplotypes.
public func majoritySequence(reference: [UInt8], windowStart: Int, records: [VariantRecord], trainingIndividuals: [Int],
                             report: inout HaplotypeReport) -> [UInt8] {
    let edits = records.compactMap { record -> (VariantRecord, Int)? in
        (1...max(1, record.alts.count)).first { record.alts.count >= $0 && alleleFrequency(record, allele: $0, individuals: trainingIndividuals) > 0.5 }
            .map { (record, $0) }
    }
    return applyAlleles(reference: reference, windowStart: windowStart, edits: edits, report: &report)
}
