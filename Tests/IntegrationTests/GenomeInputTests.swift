import Foundation
import Testing

/// Damaged or inconsistent genome inputs to `prepare` (and one to `train`), through the built binary: each gives
/// exactly one "error:" line naming the file and what to run, exits 1 and leaves no store; an out-of-range GT
/// allele is counted in prepare's report instead.
@Suite(.serialized) struct GenomeInputTests {
    /// A fresh simulated cohort (as BadInputTests), damaged by `damage`, its directory removed afterwards.
    func withCohort(_ body: (String) throws -> Void) throws {
        let dir = try BadInputTests.cohort()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try body(dir)
    }

    /// Runs prepare alone on `dir`; expects exit 1, one "error:" line equal to (or containing) `expected`, no store.
    func prepareFails(_ dir: String, _ expected: String, exactly: Bool = false) throws {
        let run = try Subprocess.alone(["prepare", "--config", dir + "/sage.toml"])
        #expect(run.status == 1 && !run.timedOut, "\(run.combined)")
        let errors = run.stderr.split(separator: "\n").filter { $0.hasPrefix("error:") }
        #expect(errors.count == 1, "\(run.stderr)")
        let line = errors.first.map(String.init) ?? ""
        #expect(exactly ? line == "error: " + expected : line.contains(expected), "expected '\(expected)' in: \(run.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dir + "/store"), "a store was written")
        #expect(!FileManager.default.fileExists(atPath: dir + "/store.partial"), "partial output left behind")
    }

    func age(_ path: String, by seconds: Double = 3600) throws {
        try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSinceNow: -seconds)], ofItemAtPath: path)
    }

    func shell(_ command: String) throws {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/sh")
        p.arguments = ["-c", command]
        try p.run(); p.waitUntilExit()
        #expect(p.terminationStatus == 0, "\(command)")
    }

    @Test func outOfRangeGTAlleleIsCountedInPrepareReport() throws {
        try withCohort { dir in
            var lines = try VCFText.vcfLines(dir)
            // The first biallelic record: its first sample's GT becomes 2|0 (allele 2 does not exist).
            let k = lines.records.firstIndex { !$0.split(separator: "\t")[4].contains(",") }!
            var fields = lines.records[k].split(separator: "\t").map(String.init)
            fields[9] = "2|0"
            lines.records[k] = fields.joined(separator: "\t")
            try FileManager.default.removeItem(atPath: dir + "/cohort.vcf.gz.tbi")
            try VCFText.bgzip((lines.header + lines.records).joined(separator: "\n") + "\n", to: dir + "/cohort.vcf.gz")
            let run = try Subprocess.alone(["prepare", "--config", dir + "/sage.toml"])
            #expect(run.status == 0, "\(run.combined)")
            #expect(run.stderr.contains("warning: 1 GT allele(s) name no allele of their record (e.g. 2|0 with one ALT), read as missing (reference)"), "\(run.stderr)")
            let manifest = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir + "/store/manifest.json"))) as! [String: Any]
            let report = manifest["report"] as! [String: Any]
            #expect(report["outOfRangeAlleles"] as? Int == 1 && report["missingAlleles"] as? Int == 1, "\(report)")
        }
    }

    @Test func faiOlderThanTheFASTA() throws {
        try withCohort { dir in
            try age(dir + "/genome.fa.fai")
            try prepareFails(dir, "\(dir)/genome.fa.fai is older than \(dir)/genome.fa; re-run `samtools faidx \(dir)/genome.fa`", exactly: true)
        }
    }

    @Test func vcfNewerThanItsIndexUnderTwoRanks() throws {
        try withCohort { dir in
            try age(dir + "/cohort.vcf.gz.tbi")
            let run = try Subprocess.mpi(2, ["prepare", "--config", dir + "/sage.toml"])
            #expect(run.status != 0 && !run.timedOut)
            #expect(run.stderr.contains("cohort.vcf.gz.tbi is older than \(dir)/cohort.vcf.gz: the index is stale"), "\(run.stderr)")
            #expect(run.stderr.contains("re-run `bcftools index -f -t \(dir)/cohort.vcf.gz` (or `tabix -f -p vcf \(dir)/cohort.vcf.gz`)"))
            #expect(!FileManager.default.fileExists(atPath: dir + "/store"))
        }
    }

    @Test func byteFlippedInsideTheCompressedVCF() throws {
        try withCohort { dir in
            let path = dir + "/cohort.vcf.gz"
            var data = try Data(contentsOf: URL(fileURLWithPath: path))
            data[data.count / 2] ^= 0x5a  // inside compressed data of a block (the simulated VCF has two, then EOF)
            try data.write(to: URL(fileURLWithPath: path))
            try FileManager.default.setAttributes([.modificationDate: Date()], ofItemAtPath: path + ".tbi")
            try prepareFails(dir, "\(path): the file is corrupt: a BGZF block ")
            let run = try Subprocess.alone(["prepare", "--config", dir + "/sage.toml"])
            #expect(run.stderr.contains("CRC32") || run.stderr.contains("does not decompress"), "\(run.stderr)")
            #expect(!run.stderr.contains("cannot parse"), "\(run.stderr)")
        }
    }

    @Test func plainGzipFASTAAndVCF() throws {
        try withCohort { dir in
            try shell("cd '\(dir)' && gzip -c genome.fa > g.gz && mv g.gz genome.fa && touch genome.fa.fai")
            try prepareFails(dir, "\(dir)/genome.fa: compressed with plain gzip, not bgzip, so it cannot be indexed; recompress it with `gunzip -c \(dir)/genome.fa | bgzip > ")
        }
        try withCohort { dir in
            try shell("cd '\(dir)' && gzip -dc cohort.vcf.gz | gzip -c > v.gz && mv v.gz cohort.vcf.gz && touch cohort.vcf.gz.tbi")
            try prepareFails(dir, "\(dir)/cohort.vcf.gz: compressed with plain gzip, not bgzip")
        }
    }

    @Test func regionPastItsContigsEndUnderTwoRanks() throws {
        try withCohort { dir in
            let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: dir + "/regions.csv"))
            try handle.seekToEnd(); try handle.write(contentsOf: Data("GX,1,40000,+\n".utf8)); try handle.close()
            let run = try Subprocess.mpi(2, ["prepare", "--config", dir + "/sage.toml"])
            #expect(run.status != 0 && !run.timedOut)
            #expect(run.stderr.contains("region 'GX' (line 32 of the regions table) is centred at 1:40000, past the end of contig 'chr1' (length 32000)"), "\(run.stderr)")
            #expect(!FileManager.default.fileExists(atPath: dir + "/store") && !FileManager.default.fileExists(atPath: dir + "/store.partial"))
        }
    }

    @Test func headerOnlyRegionsTableKeepsTheGoodStore() throws {
        try withCohort { dir in
            #expect(try Subprocess.alone(["prepare", "--config", dir + "/sage.toml"]).status == 0)
            let manifest = try Data(contentsOf: URL(fileURLWithPath: dir + "/store/manifest.json"))
            try "gene_id,chr,pos,strand\n".write(toFile: dir + "/regions.csv", atomically: true, encoding: .utf8)
            let run = try Subprocess.alone(["prepare", "--config", dir + "/sage.toml"])
            #expect(run.status == 1)
            #expect(run.stderr.contains("error: \(dir)/regions.csv: the regions table has a header but no regions"), "\(run.stderr)")
            #expect(try Data(contentsOf: URL(fileURLWithPath: dir + "/store/manifest.json")) == manifest, "the good store was replaced")
        }
    }

    @Test func crlfTablesAndListsWork() throws {
        try withCohort { dir in
            try shell("cd '\(dir)' && sed -i 's/$/\\r/' regions.csv expression.csv individuals/*.txt && printf '\\r\\n' >> regions.csv")
            let run = try Subprocess.alone(["prepare", "--config", dir + "/sage.toml"])
            #expect(run.status == 0, "\(run.combined)")
            #expect(run.stderr.contains("30 regions x 40 individuals"), "\(run.stderr)")
            let manifest = try String(contentsOfFile: dir + "/store/manifest.json", encoding: .utf8)
            #expect(!manifest.contains("\\r"), "a carriage return reached the store")
        }
    }

    @Test func duplicateIndividualColumnInTheExpressionTable() throws {
        try withCohort { dir in
            #expect(try Subprocess.alone(["prepare", "--config", dir + "/sage.toml"]).status == 0)
            var text = try String(contentsOfFile: dir + "/expression.csv", encoding: .utf8)
            text = text.replacingOccurrences(of: ",IND0003,", with: ",IND0002,")
            try text.write(toFile: dir + "/expression.csv", atomically: true, encoding: .utf8)
            let run = try Subprocess.alone(["train", "--config", dir + "/sage.toml", "--out", dir + "/run"])
            #expect(run.status == 1)
            #expect(run.stderr.contains("error: \(dir)/expression.csv:1: individual 'IND0002' heads two columns (3 and 4)"), "\(run.stderr)")
        }
    }
}
