import Foundation
import Testing
@testable import SAGEGenome

/// Damaged or inconsistent FASTA and VCF inputs: each is one error naming the file and what to run, never data
/// read through a stale index, a damaged block or a GT code naming no allele.
@Suite struct InputFileTests {
    /// A temporary directory with genome.fa(.fai) (chr1 of 400 bases, chr2 of 120, 60 per line) and cohort.vcf.gz(.tbi)
    /// with samples S1 S2 S3 and `records` after the header (default: a few good ones).
    final class Inputs {
        let dir: String, fasta: String, vcf: String
        let chr1: [UInt8]
        static let vcfHeader = """
        ##fileformat=VCFv4.2
        ##contig=<ID=chr1,length=400>
        ##contig=<ID=chr2,length=120>
        ##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">
        #CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tS1\tS2\tS3

        """

        init(records: (([UInt8]) -> [String])? = nil) throws {
            dir = FileManager.default.temporaryDirectory.appendingPathComponent("sage-input-\(UUID().uuidString)").path
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            var state: UInt64 = 11
            func base() -> UInt8 { state = state &* 6364136223846793005 &+ 1442695040888963407; return Array("ACGT".utf8)[Int(state >> 33) % 4] }
            chr1 = (0..<400).map { _ in base() }
            let chr2 = (0..<120).map { _ in base() }
            fasta = dir + "/genome.fa"
            try (">chr1\n\(Self.wrapped(chr1))>chr2 second\n\(Self.wrapped(chr2))").write(toFile: fasta, atomically: true, encoding: .utf8)
            try HTSLib.indexFASTA(fasta)
            let chr1 = self.chr1
            let body = records?(chr1) ?? [
                "chr1\t50\t.\t\(Self.base(chr1, 50))\tT\t.\tPASS\t.\tGT\t1|0\t0|1\t1|1",
                "chr1\t90\t.\t\(Self.base(chr1, 90))\tG\t.\tPASS\t.\tGT\t0|1\t1|1\t0|0",
            ]
            vcf = dir + "/cohort.vcf.gz"
            try HTSLib.writeBGZF(Self.vcfHeader + body.map { $0 + "\n" }.joined(), to: vcf)
            try HTSLib.indexVCF(vcf)
        }
        deinit { try? FileManager.default.removeItem(atPath: dir) }

        static func wrapped(_ s: [UInt8]) -> String {
            stride(from: 0, to: s.count, by: 60).map { String(decoding: s[$0..<min($0 + 60, s.count)], as: UTF8.self) + "\n" }.joined()
        }
        /// The base at 1-based `pos`, as a VCF REF.
        static func base(_ s: [UInt8], _ pos: Int) -> String { String(UnicodeScalar(s[pos - 1])) }

        /// Sets `path`'s modification time `seconds` before now.
        func age(_ path: String, by seconds: Double = 3600) throws {
            try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSinceNow: -seconds)], ofItemAtPath: path)
        }
    }

    func message(_ body: () throws -> Void) -> String {
        do { try body(); return "(no error)" } catch { return String(describing: error) }
    }

    // MARK: GT codes

    @Test func outOfRangeGTAllelesAreCountedAndReadAsMissing() throws {
        let inputs = try Inputs { chr1 in
            ["chr1\t50\t.\t\(Inputs.base(chr1, 50))\tT\t.\tPASS\t.\tGT\t2|0\t1|7\t0/1",
             "chr1\t90\t.\t\(Inputs.base(chr1, 90))\tG,C\t.\tPASS\t.\tGT\t2|1\t0|3\t1|1"]
        }
        let vcf = try VCFReader(path: inputs.vcf)
        let records = try vcf.records(contig: "chr1", start: 0, end: 400)
        #expect(records.map(\.genotypes) == [[-1, 0, 1, -1, 0, 1], [2, 1, 0, -1, 1, 1]])
        #expect(records.map(\.outOfRangeAlleles) == [2, 1])
        #expect(records.map(\.phased) == [[true, true, false], [true, true, true]])
        // The haplotype of 2|0 is the reference there, as for a missing allele.
        var report = HaplotypeReport()
        let reference = try FASTAReader(path: inputs.fasta).fetch(contig: "chr1", start: 0, end: 400)
        let hap = buildHaplotype(reference: reference, windowStart: 0, records: Array(records.prefix(1)), sample: 0, haplotype: 0, report: &report)
        #expect(hap == reference && report.missingAlleles == 1 && report.applied == 0)
        // Prepare's report counts them (and as missing alleles), over the stored samples' windows.
        let builder = try StoreBuilder(fasta: inputs.fasta, vcf: inputs.vcf, inputLen: 200, contigPrefix: nil,
                                       individuals: ["S1", "S2", "S3"], trainingIndividuals: ["S1", "S2", "S3"])
        let block = try builder.block(for: Region(id: "R", chr: "1", pos: 70, strand: "+")).report
        #expect(block.outOfRangeAlleles == 3 && block.missingAlleles == 3)
        #expect(block.summary.contains("warning: 3 GT allele(s) name no allele of their record"))
    }

    @Test func garbageGTCodesNameNoAllele() {
        // (allele + 1) << 1 | phased; 0/1 = '.', Int32.min = bcf_int32_missing; two alleles (REF + one ALT).
        let cases: [(Int32, Int32?)] = [(0, -1), (1, -1), (Int32.min, -1), (2, 0), (3, 0), (4, 1), (5, 1), (6, nil), (7, nil),
                                        (-2, nil), (-5, nil), (Int32.min + 2, nil), (Int32.max, nil)]
        for (code, expected) in cases {
            #expect(VCFReader.allele(ofGTCode: code, alleleCount: 2) == expected, "GT code \(code)")
        }
    }

    // MARK: FASTA indexes

    @Test func faiOlderThanItsFASTAIsRefused() throws {
        let inputs = try Inputs()
        try inputs.age(inputs.fasta + ".fai")
        #expect(message { _ = try FASTAReader(path: inputs.fasta) }
                == "\(inputs.fasta).fai is older than \(inputs.fasta); re-run `samtools faidx \(inputs.fasta)`")
        try HTSLib.indexFASTA(inputs.fasta)
        #expect(try FASTAReader(path: inputs.fasta).length(of: "chr2") == 120)
    }

    @Test func bgzippedFASTANeedsAFreshGzi() throws {
        let inputs = try Inputs()
        let gz = inputs.dir + "/genome.fa.gz"
        try HTSLib.writeBGZF(try String(contentsOfFile: inputs.fasta, encoding: .utf8), to: gz)
        try HTSLib.indexFASTA(gz)
        #expect(try FASTAReader(path: gz).fetch(contig: "chr1", start: 0, end: 400) == inputs.chr1)
        try inputs.age(gz + ".gzi")
        #expect(message { _ = try FASTAReader(path: gz) } == "\(gz).gzi is older than \(gz); re-run `samtools faidx \(gz)`")
        try FileManager.default.removeItem(atPath: gz + ".gzi")
        #expect(message { _ = try FASTAReader(path: gz) }.contains("bgzipped but without its index \(gz).gzi"))
    }

    @Test func faiThatDoesNotFitItsFASTAIsRefused() throws {
        let inputs = try Inputs()
        let fai = inputs.fasta + ".fai"
        let good = try String(contentsOfFile: fai, encoding: .utf8)
        #expect(good == "chr1\t400\t6\t60\t61\nchr2\t120\t426\t60\t61\n")
        // A longer chr2 than the file holds (the .fai of another FASTA written later).
        try good.replacingOccurrences(of: "chr2\t120", with: "chr2\t130").write(toFile: fai, atomically: true, encoding: .utf8)
        #expect(message { _ = try FASTAReader(path: inputs.fasta) }.contains("\(fai) does not match \(inputs.fasta): contig 'chr2' (130 bases at byte 426) would end at byte 558, past the file's 548 bytes"))
        // Offsets shifted by a byte: chr1 no longer starts after its header line.
        try good.replacingOccurrences(of: "\t6\t", with: "\t7\t").write(toFile: fai, atomically: true, encoding: .utf8)
        #expect(message { _ = try FASTAReader(path: inputs.fasta) }.contains("contig 'chr1' (400 bases at byte 7) does not start after a header line; re-run `samtools faidx"))
        // A FASTA without its final newline is fine.
        let text = try String(contentsOfFile: inputs.fasta, encoding: .utf8)
        try String(text.dropLast()).write(toFile: inputs.fasta, atomically: true, encoding: .utf8)
        try HTSLib.indexFASTA(inputs.fasta)
        #expect(try FASTAReader(path: inputs.fasta).fetch(contig: "chr2", start: 110, end: 120).count == 10)
    }

    @Test func plainGzipFASTASaysBgzip() throws {
        let inputs = try Inputs()
        let gz = inputs.dir + "/plain.fa.gz"
        try HaplotypeTests.shell("gzip -c '\(inputs.fasta)' > '\(gz)'")
        let text = message { _ = try FASTAReader(path: gz) }
        #expect(text.hasPrefix("\(gz): compressed with plain gzip, not bgzip") && text.contains("| bgzip >") && text.contains("samtools faidx \(gz)"), "\(text)")
    }

    // MARK: Regions against contigs

    @Test func regionCentredPastItsContigsEndIsAnError() throws {
        let inputs = try Inputs()
        let fasta = try FASTAReader(path: inputs.fasta)
        // Centred on the last base: SAGE-net's truncated window (N-padded later).
        let end = try fasta.window(of: Region(id: "END", chr: "2", pos: 120, strand: "+"), inputLen: 100)
        #expect(end.contig == "chr2" && end.range == 70..<120)
        let past = Region(id: "G7", chr: "2", pos: 121, strand: "-", line: 9)
        #expect(message { _ = try fasta.window(of: past, inputLen: 100) }
                == "\(inputs.fasta): region 'G7' (line 9 of the regions table) is centred at 2:121, past the end of contig 'chr2' (length 120); fix its chr/pos in the regions table (or use the FASTA of its genome build)")
        let unknownLine = Region(id: "G8", chr: "chr1", pos: 5000, strand: nil)
        #expect(message { _ = try fasta.window(of: unknownLine, inputLen: 100) }.contains("region 'G8' is centred at chr1:5000, past the end of contig 'chr1' (length 400)"))
    }

    // MARK: VCF files and indexes

    @Test func vcfNewerThanItsIndexIsRefused() throws {
        let inputs = try Inputs()
        try inputs.age(inputs.vcf + ".tbi")
        #expect(message { _ = try VCFReader(path: inputs.vcf) }
                == "\(inputs.vcf).tbi is older than \(inputs.vcf): the index is stale (the VCF changed after it was indexed); re-run `bcftools index -f -t \(inputs.vcf)` (or `tabix -f -p vcf \(inputs.vcf)`)")
        // htslib takes a .csi before a .tbi: a stale .csi is refused even beside a fresh .tbi.
        try HaplotypeTests.shell("bcftools index -f '\(inputs.vcf)'")
        try inputs.age(inputs.vcf + ".csi")
        try HTSLib.indexVCF(inputs.vcf)
        #expect(message { _ = try VCFReader(path: inputs.vcf) }.hasPrefix("\(inputs.vcf).csi is older than \(inputs.vcf): the index is stale"))
        try FileManager.default.removeItem(atPath: inputs.vcf + ".csi")
        #expect(try VCFReader(path: inputs.vcf).records(contig: "chr1", start: 0, end: 400).count == 2)
    }

    @Test func bcfReadsThroughItsCsiAndRefusesAStaleOne() throws {
        let inputs = try Inputs()
        let bcf = inputs.dir + "/cohort.bcf"
        try HaplotypeTests.shell("bcftools view -Ob -o '\(bcf)' '\(inputs.vcf)' && bcftools index '\(bcf)'")
        #expect(try VCFReader(path: bcf).records(contig: "chr1", start: 0, end: 400).map(\.pos) == [49, 89])
        try inputs.age(bcf + ".csi")
        #expect(message { _ = try VCFReader(path: bcf) }
                == "\(bcf).csi is older than \(bcf): the index is stale (the VCF changed after it was indexed); re-run `bcftools index -f \(bcf)`")
        try FileManager.default.removeItem(atPath: bcf + ".csi")
        #expect(message { _ = try VCFReader(path: bcf) }.hasPrefix("\(bcf): no index; create one with `bcftools index \(bcf)`"))
    }

    @Test func plainGzipAndPlainTextVCFsSayBgzip() throws {
        let inputs = try Inputs()
        let gz = inputs.dir + "/plain.vcf.gz", text = inputs.dir + "/plain.vcf"
        try HaplotypeTests.shell("gzip -dc '\(inputs.vcf)' > '\(text)' && gzip -c '\(text)' > '\(gz)'")
        let gzMessage = message { _ = try VCFReader(path: gz) }
        #expect(gzMessage.hasPrefix("\(gz): compressed with plain gzip, not bgzip") && gzMessage.contains("| bgzip >"), "\(gzMessage)")
        #expect(message { _ = try VCFReader(path: text) }.hasPrefix("\(text): a plain-text VCF, which cannot be indexed; compress it with `bgzip \(text)`"))
    }

    @Test func damagedBGZFBlocksSayTheFileIsCorrupt() throws {
        // About 100 kB of text: two BGZF blocks, the second holding records only.
        let inputs = try Inputs { chr1 in
            (0..<2600).map { i in "chr1\t\(i % 400 + 1)\t.\t\(Inputs.base(chr1, i % 400 + 1))\t<DEL>\t.\tPASS\t.\tGT\t1|0\t0|1\t1|1" }.sorted {
                Int($0.split(separator: "\t")[1])! < Int($1.split(separator: "\t")[1])!
            }
        }
        let data = try Data(contentsOf: URL(fileURLWithPath: inputs.vcf))
        let secondBlock = (Int(data[16]) | (Int(data[17]) << 8)) + 1  // BSIZE + 1 of the first block
        #expect(secondBlock + 28 < data.count, "one block only")
        func damaged(at offset: Int) throws -> String {
            var bytes = data
            bytes[offset] ^= 0x21
            try bytes.write(to: URL(fileURLWithPath: inputs.vcf))
            // The index stays valid (same offsets), and not older than the file.
            try FileManager.default.setAttributes([.modificationDate: Date()], ofItemAtPath: inputs.vcf + ".tbi")
            return message { _ = try VCFReader(path: inputs.vcf).records(contig: "chr1", start: 0, end: 400) }
        }
        // In the middle of each block's compressed data (the header's block, then a records-only one), then in the
        // first block header's 'BC' tag.
        for offset in [secondBlock / 2, secondBlock + (data.count - 28 - secondBlock) / 2] {
            let text = try damaged(at: offset)
            #expect(text.hasPrefix("\(inputs.vcf): the file is corrupt: a BGZF block ") && text.contains("`bgzip -t \(inputs.vcf)` tests it"), "\(text)")
            #expect(text.contains("CRC32") || text.contains("does not decompress"), "\(text)")
        }
        #expect(try damaged(at: 12).contains("the file is corrupt: its first BGZF block header is damaged"))
    }
}
