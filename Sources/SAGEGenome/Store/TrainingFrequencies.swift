/// Carrier counts of ALT alleles among another cohort's training individuals (train_subs in
/// train_subs_vcf_file_path), for a store of a second cohort: the MAF filter and the majority sequence then use the
/// frequencies the model was trained with. An allele is the same when its record has the same position, REF and
/// ALT (SAGE-net's `calc_maf` with `record_from_train_subs_vcf=False`); an allele the training VCF lacks, or a
/// region on a contig it lacks, has no carriers. Not thread-safe (it owns an htslib reader).
public final class TrainingFrequencies {
    public let vcf: VCFReader
    public let contigPrefix: String?
    /// VCF sample indices of the training individuals.
    public let training: [Int]

    public struct Allele: Hashable {
        public let pos: Int   // 0-based, as VariantRecord
        public let ref: [UInt8], alt: [UInt8]
    }

    public init(vcf path: String, contigPrefix: String?, trainingIndividuals: [String]) throws {
        let reader = try VCFReader(path: path)
        vcf = reader
        self.contigPrefix = contigPrefix
        training = try trainingIndividuals.map { try reader.sampleIndex(of: $0, what: "training individual (train_subs)") }
    }

    /// Carriers (haplotypes among the training individuals) of every ALT allele of the training VCF's records
    /// starting in `window` (0-based, half-open) on the chromosome `chr` of the regions table.
    public func carriers(chr: String, window: Range<Int>) throws -> [Allele: Int32] {
        var out: [Allele: Int32] = [:]
        for record in try vcf.records(chr: chr, prefix: contigPrefix, window: window) ?? [] where window.contains(record.pos) {
            for (a, alt) in record.alts.enumerated() {
                out[Allele(pos: record.pos, ref: record.ref, alt: alt), default: 0] += Int32(record.carriers(of: Int32(a + 1), among: training))
            }
        }
        return out
    }
}
