import Foundation
import Testing
@testable import SAGEGenome

@Suite struct FrequencyAndTargetTests {
    // 4 samples: GT 1|0, 2|1, .|1, 0|0 at a multi-allelic site.
    let record = VariantRecord(contig: "c", pos: 2, ref: Array("G".utf8), alts: [Array("A".utf8), Array("T".utf8)],
                               genotypes: [1, 0, 2, 1, -1, 1, 0, 0], phased: [true, true, true, true])

    @Test func altFrequencyUsesTwoNAndCountsMissingInTheDenominator() {
        #expect(alleleFrequency(record, allele: 1, individuals: [0, 1, 2, 3]) == 3.0 / 8)
        #expect(alleleFrequency(record, allele: 2, individuals: [0, 1, 2, 3]) == 1.0 / 8)
        #expect(alleleFrequency(record, allele: 1, individuals: [0, 1]) == 2.0 / 4)
    }

    @Test func mafBoundsAreStrictAndInactiveByDefault() {
        #expect(FrequencyFilter().alleleFilter(trainingIndividuals: [0]) == nil)
        let keep = FrequencyFilter(mafMin: 0.125).alleleFilter(trainingIndividuals: [0, 1, 2, 3])!
        #expect(keep(record, 1))            // 0.375 > 0.125
        #expect(!keep(record, 2))           // 0.125 is not > 0.125
        let upper = FrequencyFilter(mafMax: 0.375).alleleFilter(trainingIndividuals: [0, 1, 2, 3])!
        #expect(!upper(record, 1) && upper(record, 2))
        // True MAF folds frequencies above one half.
        let common = VariantRecord(contig: "c", pos: 2, ref: Array("G".utf8), alts: [Array("A".utf8)],
                                   genotypes: [1, 1, 1, 1, 1, 0], phased: [true, true, true])
        #expect(!FrequencyFilter(mafMax: 0.5).alleleFilter(trainingIndividuals: [0, 1, 2])!(common, 1))
        #expect(FrequencyFilter(mafMax: 0.5, trueMAF: true).alleleFilter(trainingIndividuals: [0, 1, 2])!(common, 1))
    }

    @Test func majoritySequenceAppliesAllelesAboveOneHalf() {
        let reference = Array("ACGTACGT".utf8)
        let majority = VariantRecord(contig: "c", pos: 11, ref: Array("C".utf8), alts: [Array("T".utf8)],
                                     genotypes: [1, 1, 1, 0], phased: [true, true])       // AF 0.75
        let half = VariantRecord(contig: "c", pos: 13, ref: Array("T".utf8), alts: [Array("G".utf8)],
                                 genotypes: [1, 0, 1, 0], phased: [true, true])           // AF 0.5: not applied
        var report = HaplotypeReport()
        let seq = majoritySequence(reference: reference, windowStart: 10, records: [majority, half], trainingIndividuals: [0, 1], report: &report)
        #expect(String(decoding: seq, as: UTF8.self) == "ATGTACGT" && report.applied == 1)
    }

    @Test func targetsMeanMedianDeviationZScoreRaw() {
        let y = [1.0, 2, 3, 10]
        // Training individuals 0, 1, 2: mean 2, median 2, sd (ddof 1) 1.
        let z = regionTargets(y, training: [0, 1, 2])
        #expect(z.y0 == 2 && z.y1 == [-1, 0, 1, 8])
        #expect(regionTargets(y, training: [0, 1, 2, 3], centre: .median, deviation: .deviation) == (2.5, [-1.5, -0.5, 0.5, 7.5]))
        #expect(regionTargets(y, training: [0, 1], deviation: .raw).y1 == y)
        #expect(regionTargets(y, training: [3]).y1 == [0, 0, 0, 0])  // one training value: no spread, z = 0
    }

    @Test func expressionTableReadsAndRejectsNonNumbers() throws {
        let dir = FileManager.default.temporaryDirectory
        let good = dir.appendingPathComponent("expr-\(UUID().uuidString).csv").path
        let bad = dir.appendingPathComponent("expr-\(UUID().uuidString).csv").path
        defer { try? FileManager.default.removeItem(atPath: good); try? FileManager.default.removeItem(atPath: bad) }
        try "gene_id,A,B\nG1,1.5,2\nG2,-3,4e-1\n".write(toFile: good, atomically: true, encoding: .utf8)
        let table = try readExpression(path: good)
        #expect(table.individuals == ["A", "B"] && table.row(of: "G2") == [-3, 0.4])
        try "gene_id,A,B\nG1,1.5,2\nG2,NA,4\n".write(toFile: bad, atomically: true, encoding: .utf8)
        let error = #expect(throws: GenomeError.self) { try readExpression(path: bad) }
        #expect(error?.description.contains(":3: value 'NA' for individual 'A' is not a number") == true, "\(String(describing: error))")
    }
}
