import Foundation
import Testing

/// `sage-mpi seqlets` on a simulated cohort with attribution files written here: bumps planted on the reference
/// base's channel (so a wrong orientation or offset finds nothing), the same CSV on 1, 2 and 3 ranks, genome
/// coordinates of a plus- and a minus-strand region worked out by hand, and each bad file one error naming it.
@Suite(.serialized) struct SeqletsCommandTests {
    static let inputLen = 300
    /// Model positions [bumpStart, bumpEnd) get +2 on the reference base's channel.
    static let bumpStart = 200, bumpEnd = 208

    /// A float32 .npy (version 1.0) of `shape`, as numpy.save writes it.
    static func npy(_ values: [Float], shape: [Int]) -> Data {
        let dims = shape.count == 1 ? "(\(shape[0]),)" : "(" + shape.map(String.init).joined(separator: ", ") + ")"
        var header = "{'descr': '<f4', 'fortran_order': False, 'shape': \(dims), }"
        while (10 + header.utf8.count + 1) % 64 != 0 { header += " " }
        header += "\n"
        var data = Data([0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(header.utf8.count & 0xff), UInt8(header.utf8.count >> 8)])
        data.append(Data(header.utf8))
        for v in values { withUnsafeBytes(of: v.bitPattern.littleEndian) { data.append(contentsOf: $0) } }
        return data
    }

    /// The simulated genome's contigs (name -> bases).
    static func genome(_ path: String) throws -> [String: [UInt8]] {
        var contigs: [String: [UInt8]] = [:], name = ""
        for line in try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n") {
            if line.hasPrefix(">") { name = String(line.dropFirst().split(separator: " ")[0]); contigs[name] = [] } else { contigs[name]! += Array(line.utf8) }
        }
        return contigs
    }

    struct Region { let id: String, chr: String, pos: Int, minus: Bool }

    static func regions(_ path: String) throws -> [Region] {
        try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").dropFirst().map { line in
            let f = line.split(separator: ",").map(String.init)
            return Region(id: f[0], chr: f[1], pos: Int(f[2])!, minus: f[3] == "-")
        }
    }

    /// The window [w0, w0 + n) SAGE-net reads (0-based) and the model sequence (reverse complement on the minus strand).
    static func model(_ r: Region, _ g: [String: [UInt8]]) -> (w0: Int, n: Int, seq: [UInt8], contig: String) {
        let contig = g[r.chr] != nil ? r.chr : "chr" + r.chr
        let chrom = g[contig]!
        let w0 = max(0, r.pos - inputLen / 2), w1 = min(chrom.count, r.pos + inputLen / 2)
        let window = Array(chrom[w0..<w1])
        let complement: [UInt8: UInt8] = [65: 84, 84: 65, 67: 71, 71: 67]
        return (w0, window.count, r.minus ? window.reversed().map { complement[$0] ?? $0 } : window, contig)
    }

    /// Writes DIR/per_region_attribs/{id}.npy for every region: seeded noise, plus the bump on the model base's channel.
    static func writeAttributions(_ dir: String, regions: [Region], genome g: [String: [UInt8]]) throws {
        let sub = dir + "/per_region_attribs"
        try FileManager.default.createDirectory(atPath: sub, withIntermediateDirectories: true)
        var state: UInt64 = 11
        for r in regions {
            var a = (0..<(4 * inputLen)).map { _ -> Float in
                state = state &* 6364136223846793005 &+ 1442695040888963407
                return Float(Int64(bitPattern: state) >> 40) / Float(1 << 23) * 0.05
            }
            let seq = model(r, g).seq
            for t in bumpStart..<bumpEnd {
                let c = Array("ACGT".utf8).firstIndex(of: seq[t])!
                a[c * inputLen + t] += 2
            }
            try npy(a, shape: [1, 4, inputLen]).write(to: URL(fileURLWithPath: "\(sub)/\(r.id).npy"))
        }
    }

    @Test func sameOnOneTwoThreeRanksWithHandCheckedCoordinates() throws {
        let dir = try Subprocess.simulatedCohort("seqlets", regions: 12, individuals: 20, inputLen: Self.inputLen, seed: 3)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let regions = try Self.regions(dir + "/regions.csv"), g = try Self.genome(dir + "/genome.fa")
        try Self.writeAttributions(dir + "/attr", regions: regions, genome: g)
        let args = ["seqlets", "--attributions", dir + "/attr", "--config", dir + "/sage.toml", "--regions", "all"]
        let one = try Subprocess.alone(args + ["--out", dir + "/s1.csv"])
        #expect(one.status == 0, "\(one.combined)")
        let csv = try String(contentsOfFile: dir + "/s1.csv", encoding: .utf8)
        for ranks in [2, 3] {
            let run = try Subprocess.mpi(ranks, args + ["--out", dir + "/s\(ranks).csv"])
            #expect(run.status == 0, "\(run.combined)")
            #expect((try? String(contentsOfFile: dir + "/s\(ranks).csv", encoding: .utf8)) == csv, "\(ranks) ranks differ from 1")
        }
        let lines = csv.split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        #expect(lines[0] == ["region_id", "seqlet", "start", "end", "attribution", "p_value", "chr", "genome_start", "genome_end", "strand"])
        // Every region has its planted bump as a seqlet, at the right genome position: G0002 (chr1:601 +, window
        // [451, 751)) and G0001 (chr1:76 -, window [0, 226) truncated at the contig's start, reverse-complemented)
        // worked out by hand; the others by the same rule.
        func bump(_ id: String) -> [String]? {
            lines.dropFirst().first { $0[0] == id && Int($0[2])! <= Self.bumpStart && Int($0[3])! >= Self.bumpEnd }
        }
        let plus = try #require(bump("G0002"))
        let (ps, pe) = (Int(plus[2])!, Int(plus[3])!)
        #expect(plus[6] == "chr1" && plus[9] == "+" && Int(plus[7]) == 451 + ps + 1 && Int(plus[8]) == 451 + pe, "\(plus)")
        let minus = try #require(bump("G0001"))
        let (ms, me) = (Int(minus[2])!, Int(minus[3])!)
        #expect(minus[6] == "chr1" && minus[9] == "-" && Int(minus[7]) == 226 - me + 1 && Int(minus[8]) == 226 - ms, "\(minus)")
        for r in regions {
            let row = try #require(bump(r.id), "\(r.id): no seqlet over the planted bump")
            let m = Self.model(r, g), s = Int(row[2])!, e = Int(row[3])!
            let span = r.minus ? (m.w0 + m.n - e + 1, m.w0 + m.n - s) : (m.w0 + s + 1, m.w0 + e)
            #expect(row[6] == m.contig && Int(row[7]) == span.0 && Int(row[8]) == span.1 && row[9] == (r.minus ? "-" : "+"), "\(row)")
            // The genome bases of the span, read in the model's orientation, are the model sequence's.
            let bases = Array(g[m.contig]![(span.0 - 1)..<span.1])
            let comp: [UInt8: UInt8] = [65: 84, 84: 65, 67: 71, 71: 67]
            #expect((r.minus ? bases.reversed().map { comp[$0]! } : bases) == Array(m.seq[s..<e]), "\(r.id)")
        }
        // The default --regions test is the regions on test_chrs (chr3).
        let test = try Subprocess.alone(Array(args.dropLast(2)))
        #expect(test.status == 0 && Set(test.stdout.split(separator: "\n").dropFirst().map { $0.split(separator: ",")[0] }) == ["G0009", "G0010", "G0011", "G0012"], "\(test.combined)")
    }

    @Test func badAttributionFilesAreOneError() throws {
        let dir = try Subprocess.simulatedCohort("seqlets-bad", regions: 12, individuals: 20, inputLen: Self.inputLen, seed: 3)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let regions = try Self.regions(dir + "/regions.csv"), g = try Self.genome(dir + "/genome.fa")
        let attr = dir + "/attr", sub = attr + "/per_region_attribs"
        let args = ["seqlets", "--attributions", attr, "--config", dir + "/sage.toml", "--regions", "all"]
        func expectError(_ file: String, _ message: String) throws {
            for ranks in [1, 3] {
                let run = ranks == 1 ? try Subprocess.alone(args) : try Subprocess.mpi(ranks, args)
                // Alone: exit status 1. Under mpirun after MPI_Abort: non-zero (1, or 9 when mpirun reports a rank it
                // killed first; the MPI job tests take the same view).
                #expect(ranks == 1 ? run.status == 1 : run.status != 0, "\(run.combined)")
                #expect(run.stderr.components(separatedBy: "error: ").count == 2, "not one error: \(run.stderr)")
                #expect(run.stderr.contains("\(sub)/\(file).npy: ") && run.stderr.contains(message), "\(run.stderr)")
                #expect(run.stdout.isEmpty)
            }
        }
        try Self.writeAttributions(attr, regions: regions, genome: g)
        try FileManager.default.removeItem(atPath: "\(sub)/G0007.npy")
        try expectError("G0007", "no such file")
        try Self.writeAttributions(attr, regions: regions, genome: g)
        try Self.npy([Float](repeating: 0, count: 4 * 200), shape: [4, 200]).write(to: URL(fileURLWithPath: "\(sub)/G0005.npy"))
        try expectError("G0005", "shape (4, 200); an attribution is (4, 300) or (1, 4, 300)")
        try Self.writeAttributions(attr, regions: regions, genome: g)
        var values = [Float](repeating: 0.1, count: 4 * Self.inputLen)
        values[2 * Self.inputLen + 17] = .nan
        try Self.npy(values, shape: [4, Self.inputLen]).write(to: URL(fileURLWithPath: "\(sub)/G0010.npy"))
        try expectError("G0010", "value nan at channel G, position 17")

        // p-SAGE-net's layout needs --head; with it, the head's files are read.
        try FileManager.default.createDirectory(atPath: attr + "/output_idx_1", withIntermediateDirectories: true)
        try Self.writeAttributions(attr, regions: regions, genome: g)
        try FileManager.default.moveItem(atPath: sub, toPath: attr + "/output_idx_1/per_region_attribs")
        let noHead = try Subprocess.alone(args)
        #expect(noHead.status == 1 && noHead.stderr.contains("choose a head with --head 0 (mean) or --head 1 (difference)"), "\(noHead.combined)")
        let head = try Subprocess.alone(args + ["--head", "1"])
        #expect(head.status == 0 && head.stderr.contains("p-SAGE-net head 1"), "\(head.combined)")
        let wrongHead = try Subprocess.alone(args + ["--head", "0"])
        #expect(wrongHead.status == 1 && wrongHead.stderr.contains("no output_idx_0/per_region_attribs/"), "\(wrongHead.combined)")
    }
}
