import Foundation
import Testing

/// `sequences` on a small cohort (FASTA + bgzipped, indexed VCF made with samtools/bgzip/tabix), then `predict`
/// on its output: the inspection path a user takes end to end.
@Suite(.serialized) struct SequencesTests {
    /// A new temporary directory holding the cohort of `makeCohort`.
    static func cohortDirectory() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sage-seq-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        try makeCohort(dir)
        return dir
    }

    static func makeCohort(_ dir: URL) throws {
        var state: UInt64 = 5
        let genome = String((0..<600).map { _ -> Character in
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Array("ACGT")[Int(state >> 33) % 4]
        })
        let chr = Array(genome)
        try ">chr7\n\(genome)\n".write(to: dir.appendingPathComponent("g.fa"), atomically: true, encoding: .utf8)
        let vcf = """
        ##fileformat=VCFv4.2
        ##contig=<ID=chr7,length=600>
        ##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">
        #CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tA\tB
        chr7\t290\t.\t\(chr[289])\t\(chr[289] == "A" ? "C" : "A")\t.\t.\t.\tGT\t1|0\t0/1
        chr7\t300\t.\t\(chr[299])\t\(chr[299])TTT\t.\t.\t.\tGT\t0|1\t1|1

        """
        try vcf.write(to: dir.appendingPathComponent("c.vcf"), atomically: true, encoding: .utf8)
        try "gene_id,chr,pos,strand\nG1,7,300,+\nG2,chr7,320,-\n".write(to: dir.appendingPathComponent("regions.csv"), atomically: true, encoding: .utf8)
        let sh = Process()
        sh.executableURL = URL(fileURLWithPath: "/bin/sh")
        sh.arguments = ["-c", "cd '\(dir.path)' && samtools faidx g.fa && bgzip -f c.vcf && tabix -p vcf c.vcf.gz"]
        try sh.run()
        sh.waitUntilExit()
        #expect(sh.terminationStatus == 0)
    }

    @Test func sequencesFeedPredict() throws {
        let dir = try Self.cohortDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let p = { dir.appendingPathComponent($0).path }
        let run = try Subprocess.alone(["sequences", "--fasta", p("g.fa"), "--vcf", p("c.vcf.gz"), "--regions", p("regions.csv"),
                                        "--individual", "A", "--individual", "B", "--input-len", "100", "--out", p("s.fa")])
        #expect(run.status == 0, "\(run.combined)")
        #expect(run.stderr.contains("2 region(s) x 2 individual(s)"), "\(run.stderr)")
        #expect(run.stderr.contains("warning: 2 unphased genotype call(s)"), "\(run.stderr)")  // B at 290, in both windows
        let fasta = try String(contentsOfFile: p("s.fa"), encoding: .utf8)
        let names = fasta.split(separator: "\n").filter { $0.hasPrefix(">") }
        #expect(names == [">G1|reference", ">G1|A|maternal", ">G1|A|paternal", ">G1|reference", ">G1|B|maternal", ">G1|B|paternal",
                          ">G2|reference", ">G2|A|maternal", ">G2|A|paternal", ">G2|reference", ">G2|B|maternal", ">G2|B|paternal"])
        // Every sequence is input_len long after truncation/padding; the insertion on B's paternal pushes bases out.
        let seqs = fasta.components(separatedBy: ">").dropFirst().map { $0.split(separator: "\n").dropFirst().joined() }
        #expect(seqs.allSatisfy { $0.count == 100 })
        #expect(seqs[5] != seqs[3])

        // A MAF window that excludes every site (frequencies over A and B are 0.25-1) applies nothing.
        let filtered = try Subprocess.alone(["sequences", "--fasta", p("g.fa"), "--vcf", p("c.vcf.gz"), "--regions", p("regions.csv"),
                                             "--individual", "A", "--individual", "B", "--input-len", "100", "--maf-max", "0.2",
                                             "--out", "/dev/null"])
        #expect(filtered.status == 0 && filtered.stderr.contains("variant alleles applied 0,") && filtered.stderr.contains("filtered 10,"), "\(filtered.stderr)")

        let ckpt = p("m.safetensors")
        let made = try Subprocess.alone(["init-model", "--input-len", "100", "--first-layer-kernel-number", "4",
                                         "--int-layers-kernel-number", "3", "--hidden-size", "3", "--n-conv-blocks", "2", "--out", ckpt])
        #expect(made.status == 0)
        let predicted = try Subprocess.alone(["predict", "--checkpoint", ckpt, "--sequences", p("s.fa"), "--out", p("p.csv")])
        #expect(predicted.status == 0, "\(predicted.combined)")
        let rows = try String(contentsOfFile: p("p.csv"), encoding: .utf8).split(separator: "\n")
        #expect(rows.count == 5 && rows[1].hasPrefix("G1|A,") && rows[4].hasPrefix("G2|B,"), "\(rows)")
    }

    @Test func badInputsGiveOneClearError() throws {
        let dir = try Self.cohortDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let p = { dir.appendingPathComponent($0).path }
        let base = ["sequences", "--fasta", p("g.fa"), "--vcf", p("c.vcf.gz"), "--input-len", "100", "--out", p("s.fa")]
        let unknown = try Subprocess.alone(base + ["--regions", p("regions.csv"), "--individual", "Z"])
        #expect(unknown.status != 0 && unknown.stderr.contains("individual 'Z' is not a sample of the VCF"), "\(unknown.stderr)")
        try "gene_id,chr,pos\nG1,7,300\nG1,7,310\n".write(toFile: p("dup.csv"), atomically: true, encoding: .utf8)
        let dup = try Subprocess.alone(base + ["--regions", p("dup.csv"), "--individual", "A"])
        #expect(dup.status != 0 && dup.stderr.contains("dup.csv:3: duplicate region id 'G1' (first on line 2)"), "\(dup.stderr)")
        try "gene_id,chr,pos\nG9,12,300\n".write(toFile: p("contig.csv"), atomically: true, encoding: .utf8)
        let contig = try Subprocess.alone(base + ["--regions", p("contig.csv"), "--individual", "A"])
        #expect(contig.status != 0 && contig.stderr.contains("no contig for chromosome '12' (tried 12, chr12); it has chr7"), "\(contig.stderr)")
        #expect(!FileManager.default.fileExists(atPath: p("s.fa")))
    }
}

/// `sequences --config` takes paths and options from sage.toml (relative to it), and flags still override them.
@Suite struct SequencesConfigTests {
    @Test func configGivesTheSameSequencesAsFlags() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sage-seqcfg-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        #expect(try Subprocess.alone(["simulate", "--out", dir, "--regions", "4", "--individuals", "12", "--input-len", "400"]).status == 0)
        let viaConfig = try Subprocess.alone(["sequences", "--config", dir + "/sage.toml", "--set", "only_snps=1", "--region", "G0002",
                                              "--individual", "IND0003", "--out", dir + "/a.fa"])
        let viaFlags = try Subprocess.alone(["sequences", "--fasta", dir + "/genome.fa", "--vcf", dir + "/cohort.vcf.gz", "--regions",
                                             dir + "/regions.csv", "--input-len", "400", "--only-snps", "--train-individuals",
                                             dir + "/individuals/train.txt", "--region", "G0002", "--individual", "IND0003", "--out", dir + "/b.fa"])
        #expect(viaConfig.status == 0 && viaFlags.status == 0, "\(viaConfig.combined)\(viaFlags.combined)")
        let a = FileManager.default.contents(atPath: dir + "/a.fa"), b = FileManager.default.contents(atPath: dir + "/b.fa")
        #expect(a != nil && a == b)
        let override = try Subprocess.alone(["sequences", "--config", dir + "/sage.toml", "--input-len", "200", "--region", "G0002", "--individual", "IND0003"])
        #expect(override.stdout.split(separator: "\n").filter { !$0.hasPrefix(">") }.joined().count == 3 * 200)
        let missing = try Subprocess.alone(["sequences", "--region", "G0002", "--individual", "IND0003"])
        #expect(missing.status != 0 && missing.stderr.contains("Give --config sage.toml, or --fasta, --vcf and --regions."))
    }
}
