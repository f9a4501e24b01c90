// Genotype dosages for PrediXcan (SAGENET-REFERENCE §3.12): every ALT allele of every record overlapping a window is
// one feature; its dosage for an individual is the number of haplotypes carrying that allele (0/1/2; phase is
// irrelevant; another ALT counts 0). An allele is kept when the frequency filter passes it (SAGE-net's ALT
// frequency among the training individuals, 2N denominator, strict bounds; inactive by default: AlleleFrequency.swift).

/// One feature: ALT allele `alt` of the record at 1-based `pos` with `ref`.
public struct DosageFeature: Sendable, Equatable {
    public let pos: Int
    public let ref: String, alt: String
    /// ALT frequency among the training individuals (carriers / 2N), the quantity the filter tests.
    public let frequency: Double
}

/// A missing allele ('.') counts 0 (SAGE-net) or the ALT frequency among the training individuals' called alleles.
/// The absent second allele of a haploid call counts 0 either way.
public enum MissingDosage: String, Sendable, CaseIterable { case zero, mean }

/// Dosages of `features` for the rows' individuals, column-major: values[j * rows + i].
public struct DosageMatrix: Sendable {
    public let rows: Int
    public let features: [DosageFeature]
    public let values: [Double]
    public var cols: Int { features.count }
}

/// Dosages over `records` for `samples` (VCF sample indices, one row each), features filtered by `filter` with
/// frequencies over `trainingSamples`.
public func dosageMatrix(records: [VariantRecord], samples: [Int], trainingSamples: [Int], filter: FrequencyFilter,
                         missing: MissingDosage) -> DosageMatrix {
    var features: [DosageFeature] = [], values: [Double] = []
    for record in records {
        let called = missing == .mean ? record.calledAlleles(among: trainingSamples) : 0
        let ref = String(decoding: record.ref, as: UTF8.self)
        for k in stride(from: 1, through: record.alts.count, by: 1) {
            let allele = Int32(k)
            let carriers = record.carriers(of: allele, among: trainingSamples)
            let frequency = alleleFrequency(carriers: carriers, trainingHaplotypes: 2 * trainingSamples.count)
            guard filter.passes(frequency) else { continue }
            let imputed = missing == .mean && called > 0 ? Double(carriers) / Double(called) : 0
            for s in samples {
                var dosage = 0.0
                for h in 0..<2 {
                    let a = record.genotypes[2 * s + h]
                    if a == allele { dosage += 1 } else if a == -1 { dosage += imputed }
                }
                values.append(dosage)
            }
            features.append(DosageFeature(pos: record.pos + 1, ref: ref, alt: String(decoding: record.alts[k - 1], as: UTF8.self),
                                          frequency: frequency))
        }
    }
    return DosageMatrix(rows: samples.count, features: features, values: values)
}
