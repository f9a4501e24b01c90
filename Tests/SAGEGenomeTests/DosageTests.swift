import Testing
@testable import SAGEGenome

/// PrediXcan's dosages (SAGENET-REFERENCE §3.12): one feature per ALT allele, 0/1/2 carriers, SAGE-net's strict
/// ALT-frequency filter over the training individuals, missing alleles as 0 or the called ALT frequency.
@Suite struct DosageTests {
    // 3 samples. Biallelic at 1-based 11: 0|1, 1|1, .|0. Multi-allelic at 21 (A, T): 1|2, 2|2, 0 (haploid).
    let records = [
        VariantRecord(contig: "c", pos: 10, ref: Array("G".utf8), alts: [Array("C".utf8)],
                      genotypes: [0, 1, 1, 1, -1, 0], phased: [true, true, true]),
        VariantRecord(contig: "c", pos: 20, ref: Array("GA".utf8), alts: [Array("A".utf8), Array("T".utf8)],
                      genotypes: [1, 2, 2, 2, 0, -2], phased: [true, true, true]),
    ]

    @Test func everyAltAlleleIsAFeatureWithCarrierCounts() {
        let m = dosageMatrix(records: records, samples: [0, 1, 2], trainingSamples: [0, 1, 2], filter: FrequencyFilter(), missing: .zero)
        #expect(m.features.map { "\($0.pos) \($0.ref) \($0.alt)" } == ["11 G C", "21 GA A", "21 GA T"])
        let frequencies: [Double] = [3.0 / 6, 1.0 / 6, 3.0 / 6]
        #expect(m.features.map(\.frequency) == frequencies)
        let expected: [Double] = [1, 2, 0, 1, 0, 0, 1, 2, 0]
        #expect(m.values == expected)
    }

    @Test func missingAllelesAsMeanButNotAbsentHaploidOnes() {
        let m = dosageMatrix(records: records, samples: [2, 0], trainingSamples: [0, 1, 2], filter: FrequencyFilter(), missing: .mean)
        // Sample 2's missing allele at 11: the ALT frequency among the 5 called training alleles (3/5); its absent
        // second allele at 21 counts 0.
        let expected: [Double] = [0.6, 1, 0, 1, 0, 1]
        #expect(m.values == expected)
    }

    @Test func frequencyFilterIsStrictAndOverTheTrainingIndividuals() {
        let m = dosageMatrix(records: records, samples: [0, 1, 2], trainingSamples: [0, 1, 2], filter: FrequencyFilter(mafMin: 0.5), missing: .zero)
        #expect(m.cols == 0)  // 0.5 is not > 0.5
        let some = dosageMatrix(records: records, samples: [0, 1, 2], trainingSamples: [0, 1, 2], filter: FrequencyFilter(mafMin: 0.3), missing: .zero)
        #expect(some.features.map(\.alt) == ["C", "T"])
        // Over training sample 1 only: C is 2/2, A 0/2, T 2/2.
        let one = dosageMatrix(records: records, samples: [0, 1, 2], trainingSamples: [1], filter: FrequencyFilter(mafMin: 0.1, mafMax: 0.9), missing: .zero)
        #expect(one.cols == 0)
    }
}
