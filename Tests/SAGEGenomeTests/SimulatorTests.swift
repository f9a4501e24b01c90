import Foundation
import Testing
@testable import SAGEGenome

@Suite struct SimulatorTests {
    func simulate(seed: UInt64, secondCohort: Int = 0) throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sage-sim-\(UUID().uuidString)").path
        var sim = CohortSimulator()
        sim.individuals = 60
        sim.regions = 7
        sim.inputLen = 600
        sim.seed = seed
        sim.secondCohort = secondCohort
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

    /// The second cohort: the first is the same with or without it; other individuals, contigs without "chr",
    /// the first cohort's sites (those someone here carries) plus SNPs of its own, a shifted frequency spectrum, and
    /// the planted causal variants still carry signal in its expression.
    @Test func aSecondCohortFromTheSameGenomeAndCausalVariants() throws {
        let plain = try simulate(seed: 6), dir = try simulate(seed: 6, secondCohort: 80)
        defer { for d in [plain, dir] { try? FileManager.default.removeItem(atPath: d) } }
        for file in ["genome.fa", "cohort.vcf.gz", "regions.csv", "expression.csv", "truth/causal_variants.csv", "individuals/train.txt", "sage.toml"] {
            #expect(FileManager.default.contents(atPath: "\(plain)/\(file)") == FileManager.default.contents(atPath: "\(dir)/\(file)"), "\(file)")
        }
        let first = try VCFReader(path: "\(dir)/cohort.vcf.gz"), second = try VCFReader(path: "\(dir)/second/cohort.vcf.gz")
        #expect(second.samples.count == 80 && Set(second.samples).isDisjoint(with: first.samples))
        #expect(first.contigs == ["chr1", "chr2", "chr3"] && second.contigs == ["1", "2", "3"])
        func frequencies(_ vcf: VCFReader, _ contigs: [String]) throws -> [String: Double] {
            var out: [String: Double] = [:]
            for (c, contig) in contigs.enumerated() {
                for r in try vcf.records(contig: contig, start: 0, end: 1 << 30) {
                    for a in r.alts.indices { out["\(c) \(r.pos) \(String(decoding: r.ref + [0x3E] + r.alts[a], as: UTF8.self))"] = alleleFrequency(r, allele: a + 1, individuals: Array(0..<vcf.samples.count)) }
                }
            }
            return out
        }
        let a = try frequencies(first, first.contigs), b = try frequencies(second, second.contigs)
        let own = b.keys.filter { a[$0] == nil }, shared = b.keys.filter { a[$0] != nil }
        #expect(own.count >= 3, "SNPs only the second cohort has: \(own.count)")
        #expect(shared.count >= a.count * 3 / 4, "most first-cohort sites recur: \(shared.count) of \(a.count)")
        let shift = shared.map { abs(a[$0]! - b[$0]!) }.reduce(0, +) / Double(shared.count)
        #expect(shift > 0.05, "mean |AF difference| \(shift)")
        // The causal variants' dosage correlates with the second cohort's expression as planted.
        let expression = try readExpression(path: "\(dir)/second/expression.csv")
        #expect(expression.individuals == second.samples && expression.regionIDs.count == 7)
        let causal = try String(contentsOfFile: "\(dir)/truth/causal_variants.csv", encoding: .utf8).split(separator: "\n").dropFirst().map { $0.split(separator: ",").map(String.init) }
        var agreeing = 0, tested = 0
        for c in causal {
            guard let record = try second.records(contig: c[1], start: Int(c[2])! - 1, end: Int(c[2])!).first(where: { $0.pos == Int(c[2])! - 1 }) else { continue }
            let dosage = (0..<80).map { s in Double((0..<2).filter { record.genotypes[2 * s + $0] == 1 }.count) }
            guard Set(dosage).count > 1 else { continue }
            let y = expression.values[expression.regionIDs.firstIndex(of: c[0])!]
            let md = dosage.reduce(0, +) / 80, my = y.reduce(0, +) / 80
            let cov = zip(dosage, y).map { ($0 - md) * ($1 - my) }.reduce(0, +)
            tested += 1
            if (cov > 0) == (Double(c[5])! > 0) { agreeing += 1 }
        }
        #expect(tested >= 3 && agreeing * 4 >= tested * 3, "causal effects' signs recovered in \(agreeing) of \(tested)")
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
