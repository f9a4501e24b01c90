// Carriers, allele frequencies among the training individuals, the MAF window and the majority rule, as SAGE-net
// (SAGENET-REFERENCE §2.1, §3.12-3.13), for every user: VCF records (personal sequences, PrediXcan dosages, the
// store builder, another cohort's training frequencies) and store blocks (carrier counts stored per edit).
// - Carriers of allele k (1-based ALT index; 0 = REF) among samples S: the haplotypes of S whose GT allele is k; a
//   missing ('.', -1) or absent (-2) allele carries nothing.
// - Frequency: carriers / (2 N) over the N training individuals (missing alleles count in the denominator, as
//   SAGE-net's 2N); 0 when there are none.
// - MAF window: an allele is kept when maf_min < f < maf_max (strict), f the frequency or, with true_maf,
//   min(f, 1 - f); active only when maf_min >= 0 or maf_max <= 1.
// - Majority: an allele with frequency > 0.5 (2 x carriers > 2N), SAGE-net's majority_seq.

extension VariantRecord {
    /// Copies (0, 1 or 2) of allele `allele` that VCF sample `s` carries.
    @inline(__always)
    public func copies(of allele: Int32, sample s: Int) -> Int {
        (genotypes[2 * s] == allele ? 1 : 0) + (genotypes[2 * s + 1] == allele ? 1 : 0)
    }

    /// Haplotypes of `samples` (VCF sample indices) carrying allele `allele`.
    public func carriers(of allele: Int32, among samples: [Int]) -> Int {
        samples.reduce(0) { $0 + copies(of: allele, sample: $1) }
    }

    /// Called (not missing, not absent) alleles of `samples`.
    public func calledAlleles(among samples: [Int]) -> Int {
        samples.reduce(0) { $0 + (genotypes[2 * $1] >= 0 ? 1 : 0) + (genotypes[2 * $1 + 1] >= 0 ? 1 : 0) }
    }
}

/// The frequency of an allele with `carriers` among `trainingHaplotypes` (2 x the training individuals); 0 without any.
@inline(__always)
public func alleleFrequency(carriers: Int, trainingHaplotypes: Int) -> Double {
    trainingHaplotypes > 0 ? Double(carriers) / Double(trainingHaplotypes) : 0
}

/// Frequency of ALT allele `allele` (1-based) of `record` among `individuals` (VCF sample indices).
public func alleleFrequency(_ record: VariantRecord, allele: Int, individuals: [Int]) -> Double {
    alleleFrequency(carriers: record.carriers(of: Int32(allele), among: individuals), trainingHaplotypes: 2 * individuals.count)
}

/// Whether an allele with `carriers` among `trainingHaplotypes` is a majority allele (frequency > 0.5).
@inline(__always)
public func isMajority(carriers: Int, trainingHaplotypes: Int) -> Bool { 2 * carriers > trainingHaplotypes }

/// SAGE-net's MAF window (see the top of this file).
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
    @inline(__always)
    public func passes(_ af: Double) -> Bool {
        guard isActive else { return true }
        let f = trueMAF ? min(af, 1 - af) : af
        return mafMin < f && f < mafMax
    }

    /// Whether an ALT allele with `carriers` among `trainingHaplotypes` (2N) is kept.
    @inline(__always)
    public func keeps(carriers: Int, trainingHaplotypes: Int) -> Bool {
        guard isActive else { return true }
        return passes(alleleFrequency(carriers: carriers, trainingHaplotypes: trainingHaplotypes))
    }
}
