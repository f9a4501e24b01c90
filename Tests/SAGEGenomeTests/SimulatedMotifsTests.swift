import Foundation
import Testing
@testable import SAGEGenome

/// `simulate --motifs`: without it the cohort is the one sage-mpi wrote before the option (CRC32C of every file,
/// pinned from that version); with it, every recorded instance is in the reference at its coordinates, sampled from
/// its motif, inside the central half of its region's window, and its effect is in the region's mean expression.
@Suite struct SimulatedMotifsTests {
    func simulate(motifs: Bool) throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sage-simmotifs-\(UUID().uuidString)").path
        var sim = CohortSimulator()
        sim.individuals = 60
        sim.regions = 7
        sim.inputLen = 600
        sim.seed = 6
        sim.motifs = motifs
        try sim.write(to: dir)
        return dir
    }

    func crc(_ path: String) -> String {
        var c = CRC32C()
        c.update(Array(FileManager.default.contents(atPath: path) ?? Data()))
        return CRC32C.hex(c.value)
    }

    @Test func withoutTheFlagTheCohortIsUnchanged() throws {
        let dir = try simulate(motifs: false)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        // CRC32C of `simulate --regions 7 --individuals 60 --input-len 600 --seed 6` before --motifs existed.
        let pinned = ["genome.fa": "1bd7a93c", "cohort.vcf.gz": "0f7d6577", "regions.csv": "c24a3b58", "expression.csv": "5a665665",
                      "truth/causal_variants.csv": "d3ae3e98", "sage.toml": "6e555f1f", "individuals/train.txt": "43a5394c"]
        for (file, value) in pinned { #expect(crc("\(dir)/\(file)") == value, "\(file)") }
        #expect(!FileManager.default.fileExists(atPath: "\(dir)/truth/motifs.meme"))
    }

    @Test func plantedInstancesAreInTheReferenceAndInTheExpression() throws {
        let plain = try simulate(motifs: false), dir = try simulate(motifs: true)
        defer { for d in [plain, dir] { try? FileManager.default.removeItem(atPath: d) } }
        for file in ["regions.csv", "individuals/train.txt", "sage.toml", "truth/causal_variants.csv"] {
            #expect(FileManager.default.contents(atPath: "\(plain)/\(file)") == FileManager.default.contents(atPath: "\(dir)/\(file)"), "\(file)")
        }
        let pwms = try readMEME(path: "\(dir)/truth/motifs.meme")
        #expect(pwms.map(\.id) == SimulatedMotifs.ids)
        let regions = try readRegions(path: "\(dir)/regions.csv"), fasta = try FASTAReader(path: "\(dir)/genome.fa")
        let rows = try String(contentsOfFile: "\(dir)/truth/motif_instances.csv", encoding: .utf8).split(separator: "\n").dropFirst().map { $0.split(separator: ",").map(String.init) }
        #expect(rows.count >= 7 && Set(rows.map { $0[1] }).count == 3, "\(rows.count) instances")
        var effect: [String: Double] = [:]
        var matching = 0, total = 0
        for f in rows {
            let region = regions.first { $0.id == f[0] }!
            let start = Int(f[3])!, end = Int(f[4])!
            let bases = try fasta.fetch(contig: "chr" + f[2], start: start - 1, end: end)
            #expect(String(decoding: bases, as: UTF8.self) == f[7])
            #expect(abs(start - region.pos) <= 600 / 4 + 11 && abs(end - region.pos) <= 600 / 4 + 11)
            // Sampled from the motif: most positions carry its consensus base (0.85 each).
            let motif = pwms.first { $0.id == f[1] }!
            let read = f[5] == "-" ? reverseComplement(bases) : bases
            for (p, b) in read.enumerated() {
                total += 1
                if motif[p, Array("ACGT".utf8).firstIndex(of: b)!] == 0.85 { matching += 1 }
            }
            effect[f[0], default: 0] += Double(f[6])!
        }
        #expect(Double(matching) / Double(total) > 0.7, "\(matching) of \(total) consensus bases")
        // The region mean moved by the planted effects (genetic effects are centred; noise averages over 60).
        let e = try readExpression(path: "\(dir)/expression.csv")
        for region in regions {
            let centre = try fasta.fetch(contig: "chr" + region.chr, start: max(0, region.pos - 1 - 100), end: region.pos - 1 + 100)
            let gc = Double(centre.filter { $0 == UInt8(ascii: "G") || $0 == UInt8(ascii: "C") }.count) / Double(centre.count)
            let row = e.row(of: region.id)!
            let mean = row.reduce(0, +) / Double(row.count)
            #expect(abs(mean - (5 + 20 * (gc - 0.41)) - effect[region.id, default: 0]) < 0.3, "\(region.id)")
        }
    }
}
