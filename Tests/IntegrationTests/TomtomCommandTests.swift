import Foundation
import Testing

/// `sage-mpi tomtom` end to end: SAGE-net's annotate_seqlets rows (made by tools/make_tomtom_fixtures.py with
/// memelite and statsmodels) for 1, 2 and 3 ranks, byte-identical across rank counts; bad input is one error.
@Suite struct TomtomCommandTests {
    static let motifs = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../SAGEGenomeTests/Fixtures/motifs").standardized.path

    struct Expected: Decodable {
        struct Row: Decodable {
            let query: String, motif_match: String
            let raw_pval: Double, bh_corrected_pval: Double
            let strand: Int, offset: Int, overlap: Int
        }
        let annotations: [Row]
    }

    @Test func annotationsEqualSageNetForOneTwoThreeRanks() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tomtom-\(getpid())").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let data = try Data(contentsOf: URL(fileURLWithPath: Self.motifs + "/tomtom_cwm.json"))
        let expected = try JSONDecoder().decode(Expected.self, from: data).annotations
        var outputs: [String] = []
        for ranks in [1, 2, 3] {
            let out = "\(dir)/annotations\(ranks).csv"
            let args = ["tomtom", "--queries", Self.motifs + "/cwm_queries.meme", "--database", Self.motifs + "/jaspar.meme",
                        "--cwm", "--out", out, "--threads", "1"]
            let run = ranks == 1 ? try Subprocess.alone(args) : try Subprocess.mpi(ranks, args)
            #expect(run.status == 0, "\(run.combined)")
            outputs.append(try String(contentsOfFile: out, encoding: .utf8))
        }
        #expect(outputs[1] == outputs[0] && outputs[2] == outputs[0])
        let lines = outputs[0].split(separator: "\n").map(String.init)
        #expect(lines.first == "query,motif_match,raw_pval,bh_corrected_pval,strand,offset,overlap")
        #expect(lines.count - 1 == expected.count)
        for (line, e) in zip(lines.dropFirst(), expected) {
            let f = line.split(separator: ",").map(String.init)
            #expect(f[0] == e.query && f[1] == e.motif_match)
            #expect(Double(f[2]) == e.raw_pval && Double(f[3]) == e.bh_corrected_pval)
            #expect(Int(f[4]) == e.strand && Int(f[5]) == e.offset && Int(f[6]) == e.overlap)
        }
    }

    @Test func badInputIsOneError() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tomtom-bad-\(getpid())").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let bad = dir + "/bad.meme"
        try "MEME version 4\n\nMOTIF a\nletter-probability matrix: alength= 4 w= 2\n0.5 0.5 0 0\n".write(toFile: bad, atomically: true, encoding: .utf8)
        let run = try Subprocess.alone(["tomtom", "--queries", bad, "--database", Self.motifs + "/jaspar.meme"])
        #expect(run.status == 1)
        #expect(run.stderr.contains("error: \(bad): line 6: motif a: the matrix ends after 1 of 2 rows"), "\(run.combined)")
        #expect(!run.stderr.contains("Fatal"))
        // --out onto an input is refused before any work.
        let clash = try Subprocess.alone(["tomtom", "--queries", bad, "--database", Self.motifs + "/jaspar.meme", "--out", bad])
        #expect(clash.status != 0)
    }
}
