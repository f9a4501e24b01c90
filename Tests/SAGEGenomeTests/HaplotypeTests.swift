import Foundation
import Testing
@testable import SAGEGenome

/// Haplotypes against `bcftools consensus -H 1|2 -s SAMPLE` (Debian's bcftools) on a small genome with SNPs,
/// insertions, deletions and a multi-allelic site; plus SAGE-net's edge rules that bcftools does not share.
@Suite struct HaplotypeTests {
    /// A temporary directory with genome.fa(.fai) and cohort.vcf.gz(.tbi), built with samtools, bgzip and tabix.
    final class Cohort {
        let dir: URL
        let fasta: String, vcf: String
        let chr1: [UInt8]

        init() throws {
            dir = FileManager.default.temporaryDirectory.appendingPathComponent("sage-hap-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            var state: UInt64 = 42
            func base() -> UInt8 {
                state = state &* 6364136223846793005 &+ 1442695040888963407
                return Array("ACGT".utf8)[Int(state >> 33) % 4]
            }
            let chr1: [UInt8] = (0..<400).map { _ in base() }
            self.chr1 = chr1
            let chr2 = (0..<120).map { _ in base() }
            func lines(_ s: [UInt8]) -> String {
                stride(from: 0, to: s.count, by: 60).map { String(decoding: s[$0..<min($0 + 60, s.count)], as: UTF8.self) }.joined(separator: "\n")
            }
            fasta = dir.appendingPathComponent("genome.fa").path
            // Lower case in chr2 checks upper-casing.
            try ">chr1 test\n\(lines(chr1))\n>chr2\n\(lines(chr2).lowercased())\n".write(toFile: fasta, atomically: true, encoding: .utf8)
            func ref(_ pos: Int, _ n: Int) -> String { String(decoding: chr1[(pos - 1)..<(pos - 1 + n)], as: UTF8.self) }
            func other(_ b: String) -> String { b == "A" ? "C" : "A" }
            // 1-based POS; GT for samples S1 S2 S3.
            let body = [
                "chr1\t110\t.\t\(ref(110, 1))\t\(other(ref(110, 1)))\t.\tPASS\t.\tGT\t1|0\t0|1\t1|1",
                "chr1\t130\t.\t\(ref(130, 1))\t\(ref(130, 1))GGT\t.\tPASS\t.\tGT\t0|1\t1|1\t0|0",
                "chr1\t150\t.\t\(ref(150, 4))\t\(ref(150, 1))\t.\tPASS\t.\tGT\t1|1\t0|0\t1|0",
                "chr1\t170\t.\t\(ref(170, 1))\t\(other(ref(170, 1))),T\t.\tPASS\t.\tGT\t1|2\t2|0\t0|1",
                "chr1\t200\t.\t\(ref(200, 3))\t\(ref(200, 1))\t.\tPASS\t.\tGT\t0|1\t1|0\t1|1",
                "chr1\t230\t.\t\(ref(230, 1))\t\(ref(230, 1))AC\t.\tPASS\t.\tGT\t1|1\t0|1\t0|0",
                "chr1\t245\t.\t\(ref(245, 1))\t\(other(ref(245, 1)))\t.\tPASS\t.\tGT\t0|1\t1|0\t1|0",
            ].joined(separator: "\n")
            let header = """
            ##fileformat=VCFv4.2
            ##contig=<ID=chr1,length=400>
            ##contig=<ID=chr2,length=120>
            ##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">
            #CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tS1\tS2\tS3
            """
            let plain = dir.appendingPathComponent("cohort.vcf").path
            try (header + "\n" + body + "\n").write(toFile: plain, atomically: true, encoding: .utf8)
            vcf = plain + ".gz"
            try shell("samtools faidx '\(fasta)' && bgzip -f '\(plain)' && tabix -p vcf '\(vcf)'")
        }

        deinit { try? FileManager.default.removeItem(at: dir) }
    }

    @discardableResult
    static func shell(_ command: String) throws -> String {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/sh")
        p.arguments = ["-c", command]
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("sh-\(UUID().uuidString)")
        _ = FileManager.default.createFile(atPath: out.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: out) }
        p.standardOutput = try FileHandle(forWritingTo: out)
        p.standardError = FileHandle.nullDevice
        try p.run()
        p.waitUntilExit()
        guard p.terminationStatus == 0 else { throw GenomeError("command failed (\(p.terminationStatus)): \(command)") }
        return try String(contentsOf: out, encoding: .utf8)
    }

    /// bcftools consensus of one haplotype over [start, end) (0-based), as one string.
    static func bcftools(_ c: Cohort, sample: String, haplotype: Int, start: Int, end: Int) throws -> [UInt8] {
        let out = try shell("samtools faidx '\(c.fasta)' chr1:\(start + 1)-\(end) | bcftools consensus -H \(haplotype + 1) -s \(sample) '\(c.vcf)'")
        return Array(out.split(separator: "\n").dropFirst().joined().utf8)
    }

    @Test func haplotypesEqualBcftoolsConsensus() throws {
        let c = try Cohort()
        let fasta = try FASTAReader(path: c.fasta), vcf = try VCFReader(path: c.vcf)
        #expect(vcf.samples == ["S1", "S2", "S3"])
        let window = sageWindow(centre: 180, inputLen: 180, contigLength: fasta.length(of: "chr1")!)
        #expect(window == 90..<270)
        let reference = try fasta.fetch(contig: "chr1", start: window.lowerBound, end: window.upperBound)
        let records = try vcf.records(contig: "chr1", start: window.lowerBound, end: window.upperBound)
        #expect(records.count == 7)
        for (s, sample) in vcf.samples.enumerated() {
            for h in 0..<2 {
                var report = HaplotypeReport()
                let ours = buildHaplotype(reference: reference, windowStart: window.lowerBound, records: records, sample: s,
                                          haplotype: h, report: &report)
                let theirs = try Self.bcftools(c, sample: sample, haplotype: h, start: window.lowerBound, end: window.upperBound)
                #expect(ours == theirs, "\(sample) haplotype \(h): \(String(decoding: ours, as: UTF8.self)) vs \(String(decoding: theirs, as: UTF8.self))")
                #expect(report.refMismatches == 0)
                // Minus strand: the model sees the reverse complement of the (truncated) haplotype.
                let minus = modelSequence(ours, inputLen: 180, minusStrand: true)
                #expect(minus == reverseComplement(Array(theirs.prefix(180))))
            }
        }
    }

    @Test func fastaFetchUppercasesClipsAndNamesMissingContigs() throws {
        let c = try Cohort()
        let fasta = try FASTAReader(path: c.fasta)
        #expect(fasta.contigs == ["chr1", "chr2"])
        let tail = try fasta.fetch(contig: "chr2", start: 100, end: 200)
        #expect(tail.count == 20 && tail.allSatisfy { "ACGT".utf8.contains($0) })
        let error = #expect(throws: GenomeError.self) { try fasta.fetch(contig: "1", start: 0, end: 10) }
        #expect(error?.description.contains("no contig '1'; it has chr1, chr2") == true)
        #expect(throws: GenomeError.self) { try FASTAReader(path: c.dir.appendingPathComponent("none.fa").path) }
    }

    @Test func vcfWithoutIndexIsAClearError() throws {
        let c = try Cohort()
        try FileManager.default.removeItem(atPath: c.vcf + ".tbi")
        let error = #expect(throws: GenomeError.self) { try VCFReader(path: c.vcf) }
        #expect(error?.description.contains("no index; create one with `bcftools index -t") == true, "\(String(describing: error))")
    }

    @Test func sageNetEdgeRules() {
        // Window at a contig start: truncated, not shifted.
        #expect(sageWindow(centre: 10, inputLen: 100, contigLength: 1000) == 0..<60)
        #expect(sageWindow(centre: 990, inputLen: 100, contigLength: 1000) == 940..<1000)
        let reference = Array("ACGTACGTAC".utf8)
        func record(_ pos: Int, _ ref: String, _ alt: String, _ gt: [Int32]) -> VariantRecord {
            VariantRecord(contig: "c", pos: pos, ref: Array(ref.utf8), alts: [Array(alt.utf8)], genotypes: gt, phased: [true])
        }
        var report = HaplotypeReport()
        // REF mismatch skipped; overlapping records: the first wins; deletion then SNP inside it skipped.
        let records = [record(100, "T", "G", [1, 1]), record(102, "GTA", "G", [1, 1]), record(103, "T", "C", [1, 1]),
                       record(105, "G", "<DEL>", [1, 1]), record(107, "A", "T", [-1, 1])]
        let hap0 = buildHaplotype(reference: reference, windowStart: 100, records: records, sample: 0, haplotype: 0, report: &report)
        #expect(String(decoding: hap0, as: UTF8.self) == "ACGCGTAC")
        #expect(report.refMismatches == 2 && report.applied == 1 && report.symbolicSkipped == 1 && report.missingAlleles == 1)
        // only_snps keeps the SNP and drops the deletion.
        var r2 = HaplotypeReport()
        let snps = buildHaplotype(reference: reference, windowStart: 100, records: [record(102, "GTA", "G", [1, 1]), record(108, "A", "T", [1, 1])],
                                  sample: 0, haplotype: 1, options: HaplotypeOptions(onlySNPs: true), report: &r2)
        #expect(String(decoding: snps, as: UTF8.self) == "ACGTACGTTC" && r2.filtered == 1)
        // Insertions push bases off the 3' end on truncation; deletions leave room for N padding.
        #expect(modelSequence(Array("ACGTT".utf8), inputLen: 3, minusStrand: false) == Array("ACG".utf8))
        #expect(reverseComplement(Array("AACGTN".utf8)) == Array("NACGTT".utf8))
    }
}
