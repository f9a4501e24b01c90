import Foundation
import Testing

/// Bad inputs to `prepare` and `train`, under mpirun with 2 ranks: each gives one clear error naming the file and
/// what to do, the job ends (no rank left waiting), and no store or partial output is left behind.
@Suite(.serialized) struct BadInputTests {
    static func cohort() throws -> String {
        try Subprocess.simulatedCohort("bad", regions: 30, individuals: 40, inputLen: 2000, seed: 2)
    }

    /// Runs prepare on 2 ranks after `damage`; expects failure with every `expected` fragment and no store.
    func prepareFails(_ expected: [String], damage: (String) throws -> Void) throws {
        let dir = try Self.cohort()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try damage(dir)
        let run = try Subprocess.mpi(2, ["prepare", "--config", dir + "/sage.toml"])
        #expect(run.status != 0 && !run.timedOut)
        for fragment in expected { #expect(run.stderr.contains(fragment), "missing '\(fragment)' in: \(run.stderr)") }
        #expect(!FileManager.default.fileExists(atPath: dir + "/store"), "a store was written")
        #expect(!FileManager.default.fileExists(atPath: dir + "/store.partial"), "partial output left behind")
    }

    @Test func missingIndex() throws {
        try prepareFails(["cohort.vcf.gz: no index", "bcftools index -t"]) { try FileManager.default.removeItem(atPath: $0 + "/cohort.vcf.gz.tbi") }
    }

    @Test func truncatedVCF() throws {
        try prepareFails(["cohort.vcf.gz", "truncated"]) { dir in
            let data = try Data(contentsOf: URL(fileURLWithPath: dir + "/cohort.vcf.gz"))
            try data.prefix(data.count * 2 / 3).write(to: URL(fileURLWithPath: dir + "/cohort.vcf.gz"))
        }
    }

    @Test func unsortedVCFCannotBeIndexed() throws {
        // tabix refuses an unsorted VCF, so it reaches us without an index; the message says it must be sorted.
        try prepareFails(["no index", "sorted"]) { dir in
            let lines = try VCFText.vcfLines(dir)
            let unsorted = lines.header + [lines.records[1], lines.records[0]] + lines.records.dropFirst(2)
            try FileManager.default.removeItem(atPath: dir + "/cohort.vcf.gz.tbi")
            try VCFText.bgzip(unsorted.joined(separator: "\n") + "\n", to: dir + "/cohort.vcf.gz")
        }
    }

    @Test func individualMissingFromTheVCF() throws {
        try prepareFails(["individual 'NOBODY' is not a sample of the VCF"]) { dir in
            let h = try FileHandle(forWritingTo: URL(fileURLWithPath: dir + "/individuals/test.txt"))
            try h.seekToEnd(); try h.write(contentsOf: Data("NOBODY\n".utf8)); try h.close()
        }
    }

    @Test func duplicateRegionIDs() throws {
        try prepareFails(["regions.csv:3: duplicate region id 'G0001'"]) { dir in
            var text = try String(contentsOfFile: dir + "/regions.csv", encoding: .utf8)
            text = text.replacingOccurrences(of: "G0002,", with: "G0001,")
            try text.write(toFile: dir + "/regions.csv", atomically: true, encoding: .utf8)
        }
    }

    @Test func unknownContig() throws {
        try prepareFails(["genome.fa: no contig for chromosome '9'"]) { dir in
            var text = try String(contentsOfFile: dir + "/regions.csv", encoding: .utf8)
            text += "GX,9,500,+\n"
            try text.write(toFile: dir + "/regions.csv", atomically: true, encoding: .utf8)
        }
    }

    @Test func nonNumericExpression() throws {
        let dir = try Self.cohort()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        #expect(try Subprocess.alone(["prepare", "--config", dir + "/sage.toml"]).status == 0)
        var lines = try String(contentsOfFile: dir + "/expression.csv", encoding: .utf8).split(separator: "\n").map(String.init)
        var fields = lines[3].split(separator: ",").map(String.init)
        fields[2] = "n/a"
        lines[3] = fields.joined(separator: ",")
        try (lines.joined(separator: "\n") + "\n").write(toFile: dir + "/expression.csv", atomically: true, encoding: .utf8)
        let run = try Subprocess.mpi(2, ["train", "--config", dir + "/sage.toml", "--out", dir + "/run"])
        #expect(run.status != 0)
        #expect(run.stderr.contains("expression.csv:4: value 'n/a' for individual 'IND0002' is not a number"), "\(run.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dir + "/run/state.safetensors"))
    }
}

/// Plain-text VCF handling for the tests above, with Debian's bgzip.
enum VCFText {
    static func vcfLines(_ dir: String) throws -> (header: [String], records: [String]) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/sh")
        p.arguments = ["-c", "gzip -dc '\(dir)/cohort.vcf.gz' > '\(dir)/plain.vcf'"]
        try p.run(); p.waitUntilExit()
        let all = try String(contentsOfFile: dir + "/plain.vcf", encoding: .utf8).split(separator: "\n").map(String.init)
        return (all.filter { $0.hasPrefix("#") }, all.filter { !$0.hasPrefix("#") })
    }

    static func bgzip(_ text: String, to path: String) throws {
        try text.write(toFile: path + ".txt", atomically: true, encoding: .utf8)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/sh")
        p.arguments = ["-c", "bgzip -c '\(path).txt' > '\(path)' && (tabix -p vcf '\(path)' 2>/dev/null || true)"]
        try p.run(); p.waitUntilExit()
    }
}
