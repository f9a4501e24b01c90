import Foundation
import Testing
@testable import SAGEGenome

@Suite struct SimulatorTests {
    func simulate(seed: UInt64) throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sage-sim-\(UUID().uuidString)").path
        var sim = CohortSimulator()
        sim.individuals = 60
        sim.regions = 7
        sim.inputLen = 600
        sim.seed = seed
        try sim.write(to: dir)
        return dir
    }

    @Test func deterministicForASeed() throws {
        let a = try simulate(seed: 3), b = try simulate(seed: 3), c = try simulate(seed: 4)
        defer { for d in [a, b, c] { try? FileManager.default.removeItem(atPath: d) } }
        for file in ["genome.fa", "cohort.vcf.gz", "regions.csv", "expression.csv", "truth/causal_variants.csv", "individuals/train.txt"] {
            let x = FileManager.default.contents(atPath: "\(a)/\(file)"), y = FileManager.default.contents(atPath: "\(b)/\(file)")
            #expect(x != nil && x == y, "\(file) differs between two runs with one seed")
        }
        #expect(FileManager.default.contents(atPath: "\(a)/expression.csv") != FileManager.default.contents(atPath: "\(c)/expression.csv"))
    }

    @Test func filesAreConsistentAndTheCausalVariantsCarrySignal() throws {
        let dir = try simulate(seed: 5)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let fasta = try FASTAReader(path: "\(dir)/genome.fa"), vcf = try VCFReader(path: "\(dir)/cohort.vcf.gz")
        let regions = try readRegions(path: "\(dir)/regions.csv")
        #expect(regions.count == 7 && vcf.samples.count == 60)
        #expect(Set(regions.compactMap(\.strand)) == ["+", "-"] || regions.count < 4)
        // Splits partition the individuals.
        let splits = try ["train", "val", "test"].map { try String(contentsOfFile: "\(dir)/individuals/\($0).txt", encoding: .utf8).split(separator: "\n").map(String.init) }
        #expect(Set(splits.joined()) == Set(vcf.samples) && splits.map(\.count) == [42, 9, 9])
        // Every window builds for every individual with no REF mismatch (records never overlap).
        var report = HaplotypeReport()
        for region in regions {
            for individual in vcf.samples.prefix(10) {
                let s = try personalSequences(fasta: fasta, vcf: vcf, region: region, individual: individual, inputLen: 600)
                report.add(s.report)
                #expect(s.maternal.count <= 600 && s.reference.count <= 600)
            }
        }
        #expect(report.refMismatches == 0 && report.applied > 0)
        // Expression vs the planted genetic value (sum of effect x ALT dosage), recomputed from the VCF.
        let expression = try String(contentsOfFile: "\(dir)/expression.csv", encoding: .utf8).split(separator: "\n").map { $0.split(separator: ",") }
        let causal = try String(contentsOfFile: "\(dir)/truth/causal_variants.csv", encoding: .utf8).split(separator: "\n").dropFirst().map { $0.split(separator: ",") }
        var correlations: [Double] = []
        for (r, region) in regions.enumerated() {
            let rows = causal.filter { $0[0] == region.id }
            guard !rows.isEmpty else { continue }
            var genetic = [Double](repeating: 0, count: 60)
            for row in rows {
                let pos = Int(row[2])! - 1
                let record = try vcf.records(contig: "chr\(row[1])", start: pos, end: pos + 1).first { $0.pos == pos }!
                for i in 0..<60 { genetic[i] += Double(row[5])! * Double((0..<2).filter { record.genotypes[2 * i + $0] == 1 }.count) }
            }
            let y = expression[r + 1].dropFirst().map { Double($0)! }
            correlations.append(pearson(genetic, y))
        }
        #expect(!correlations.isEmpty)
        #expect(correlations.reduce(0, +) / Double(correlations.count) > 0.6, "\(correlations)")
    }

    func pearson(_ a: [Double], _ b: [Double]) -> Double {
        let ma = a.reduce(0, +) / Double(a.count), mb = b.reduce(0, +) / Double(b.count)
        let cov = zip(a, b).map { ($0 - ma) * ($1 - mb) }.reduce(0, +)
        let va = a.map { ($0 - ma) * ($0 - ma) }.reduce(0, +), vb = b.map { ($0 - mb) * ($0 - mb) }.reduce(0, +)
        return va > 0 && vb > 0 ? cov / (va * vb).squareRoot() : 0
    }
}
