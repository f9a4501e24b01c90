/// The three sequences p-SAGE-net reads for one (region, individual), exactly as the model sees them: the window
/// of `FASTAReader.window(of:inputLen:)`, haplotypes built with `buildHaplotype`, each truncated to input_len and reverse-complemented for
/// a minus-strand region. Not yet N-padded (one-hot encoding pads; `padded` gives the text form).
public struct PersonalSequences: Sendable {
    public let reference: [UInt8]
    public let maternal: [UInt8]
    public let paternal: [UInt8]
    public let report: HaplotypeReport
    /// Variants with a non-reference allele whose genotype was unphased for this individual (treated as phased).
    public let unphasedCalls: Int

    /// `seq` padded with N to `length`.
    public static func padded(_ seq: [UInt8], to length: Int) -> [UInt8] {
        seq + [UInt8](repeating: UInt8(ascii: "N"), count: max(0, length - seq.count))
    }
}

/// `trainingIndividuals` (VCF sample indices) are those allele frequencies are computed over, for `frequency`
/// (SAGE-net's MAF filter) and `majorityReference` (the reference channel becomes the majority sequence).
public func personalSequences(fasta: FASTAReader, vcf: VCFReader, region: Region, individual: String, inputLen: Int,
                              options: HaplotypeOptions = HaplotypeOptions(), contigPrefix: String? = nil,
                              allowReverseComplement: Bool = true, frequency: FrequencyFilter = FrequencyFilter(),
                              trainingIndividuals: [Int] = [], majorityReference: Bool = false) throws -> PersonalSequences {
    let sample = try vcf.sampleIndex(of: individual)
    let (fastaContig, window) = try fasta.window(of: region, inputLen: inputLen)
    let reference = try fasta.fetch(contig: fastaContig, start: window.lowerBound, end: window.upperBound)
    let records = try vcf.records(chr: region.chr, prefix: contigPrefix, window: window) ?? []
    var report = HaplotypeReport()
    var options = options
    if let filter = frequency.alleleFilter(trainingIndividuals: trainingIndividuals) { options.alleleFilter = filter }
    let haplotypes = (0..<2).map { h in
        buildHaplotype(reference: reference, windowStart: window.lowerBound, records: records, sample: sample, haplotype: h,
                       options: options, report: &report)
    }
    let unphased = records.filter { !$0.phased[sample] && ($0.genotypes[2 * sample] > 0 || $0.genotypes[2 * sample + 1] > 0) }.count
    func model(_ s: [UInt8]) -> [UInt8] {
        modelSequence(s, inputLen: inputLen, minusStrand: region.minusStrand, allowReverseComplement: allowReverseComplement)
    }
    var referenceChannel = reference
    if majorityReference {
        var majorityReport = HaplotypeReport()
        referenceChannel = majoritySequence(reference: reference, windowStart: window.lowerBound, records: records,
                                            trainingIndividuals: trainingIndividuals, report: &majorityReport)
    }
    return PersonalSequences(reference: model(referenceChannel), maternal: model(haplotypes[0]), paternal: model(haplotypes[1]),
                             report: report, unphasedCalls: unphased)
}

/// SAGE-net's majority_seq reference: every majority ALT allele (`isMajority`, frequency > 0.5 among the training
/// individuals) applied to the window. Unlike SAGE-net (which inserts them even on a REF mismatch, with a warning),
/// a REF mismatch skips the allele and is counted, as for personal haplotypes.
public func majoritySequence(reference: [UInt8], windowStart: Int, records: [VariantRecord], trainingIndividuals: [Int],
                             report: inout HaplotypeReport) -> [UInt8] {
    let twoN = 2 * trainingIndividuals.count
    let edits = records.compactMap { record -> (VariantRecord, Int)? in
        record.alts.indices.first { isMajority(carriers: record.carriers(of: Int32($0 + 1), among: trainingIndividuals), trainingHaplotypes: twoN) }
            .map { (record, $0 + 1) }
    }
    return applyAlleles(reference: reference, windowStart: windowStart, edits: edits, report: &report)
}
