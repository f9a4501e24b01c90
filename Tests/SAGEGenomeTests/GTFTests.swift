import Foundation
import Testing
@testable import SAGEGenome

/// `preprocess genes`' library: a hand-made GENCODE-like GTF (both strands, versioned ids, a non-coding gene, chrM,
/// scaffolds, a PAR duplicate on chrY) read plain, gzip and bgzip; malformed lines are one error naming the line.
@Suite struct GTFTests {
    /// Lines are numbered as in the file (the two header comments are lines 1 and 2).
    static let gtf = [
        "##description: hand-made, GENCODE-like",
        "#!genome-build GRCh38",
        "chr1\tHAVANA\tgene\t1000\t2000\t.\t+\t.\tgene_id \"ENSG00000000001.5\"; gene_type \"protein_coding\"; gene_name \"AAA\"; level 2;",
        "chr1\tHAVANA\ttranscript\t1000\t2000\t.\t+\t.\tgene_id \"ENSG00000000001.5\"; transcript_id \"ENST00000000001.1\"; gene_type \"protein_coding\";",
        "chr1\tHAVANA\texon\t1000\t1200\t.\t+\t.\tgene_id \"ENSG00000000001.5\"; transcript_id \"ENST00000000001.1\"; exon_number 1;",
        "chr1\tHAVANA\tgene\t500\t900\t.\t-\t.\tgene_id \"ENSG00000000002.3\"; gene_type \"protein_coding\"; gene_name \"BBB\";",
        "chr10\tHAVANA\tgene\t50\t60\t.\t+\t.\tgene_id \"ENSG00000000010.1\"; gene_type \"protein_coding\"; gene_name \"TEN\";",
        "chr2\tENSEMBL\tgene\t7000\t8000\t.\t-\t.\tgene_id \"ENSG00000000020.2\"; gene_type \"protein_coding\"; gene_name \"TWO\";",
        "chr2\tHAVANA\tgene\t10\t20\t.\t+\t.\tgene_id \"ENSG00000000003.1\"; gene_type \"lncRNA\"; gene_name \"LNC\";",
        "chrX\tHAVANA\tgene\t100\t300\t.\t+\t.\tgene_id \"ENSG00000182378.13\"; gene_type \"protein_coding\"; gene_name \"PLCXD1\";",
        "chrY\tHAVANA\tgene\t100\t300\t.\t+\t.\tgene_id \"ENSG00000182378.13_PAR_Y\"; gene_type \"protein_coding\"; gene_name \"PLCXD1\";",
        "chrM\tENSEMBL\tgene\t3307\t4262\t.\t+\t.\tgene_id \"ENSG00000198888.2\"; gene_type \"protein_coding\"; gene_name \"MT-ND1\";",
        "GL000194.1\tENSEMBL\tgene\t1\t50\t.\t-\t.\tgene_id \"ENSG00000277400.1\"; gene_type \"protein_coding\";",
        "chr1_KI270706v1_random\tENSEMBL\tgene\t5\t90\t.\t+\t.\tgene_id \"ENSG00000277401.1\"; gene_type \"protein_coding\";",
        "chr1\tHAVANA\tgene\t800\t1000\t.\t-\t.\tgene_id \"ENSG00000000000.1\"; gene_type \"protein_coding\"; gene_name \"ZERO\";",
    ].joined(separator: "\n") + "\n"

    final class Dir {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("sage-gtf-\(UUID().uuidString)").path
        init() throws { try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true) }
        func write(_ name: String, _ text: String) throws -> String {
            try text.write(toFile: path + "/" + name, atomically: true, encoding: .utf8)
            return path + "/" + name
        }
        /// `tool -c` (gzip or bgzip) of `source` into `name`.
        func compress(_ source: String, with tool: String, to name: String) throws -> String {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = [tool, "-c", source]
            _ = FileManager.default.createFile(atPath: path + "/" + name, contents: nil)
            process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: path + "/" + name))
            try process.run()
            process.waitUntilExit()
            #expect(process.terminationStatus == 0, "\(tool) failed")
            return path + "/" + name
        }
        deinit { try? FileManager.default.removeItem(atPath: path) }
    }

    func message(_ body: () throws -> Void) -> String {
        do { try body(); return "(no error)" } catch { return String(describing: error) }
    }

    /// (id, name, chr, pos, strand) of each row.
    func summary(_ table: GeneTable) -> [String] { table.rows.map { "\($0.id) \($0.name) \($0.chr) \($0.pos) \($0.strand)" } }

    @Test func sageNetsGeneSetWithTSSInChromosomeOrder() throws {
        let dir = try Dir()
        let path = try dir.write("g.gtf", Self.gtf)
        let genes = try readGTFGenes(path: path)
        #expect(genes.map(\.line) == [3, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15])
        #expect(genes[0].attributes["level"] == "2" && genes[0].start == 1000 && genes[0].tss == 1000 && genes[1].tss == 900)
        let table = try geneTable(from: genes, filter: GeneFilter(), path: path)
        // chr1 by TSS (ZERO and AAA share 1000: by id), chr2 before chr10, X; the lncRNA, chrM, scaffolds and the
        // chrY PAR copy left out. Minus-strand TSS = the GTF end.
        #expect(summary(table) == [
            "ENSG00000000002 BBB 1 900 -", "ENSG00000000000 ZERO 1 1000 -", "ENSG00000000001 AAA 1 1000 +",
            "ENSG00000000020 TWO 2 8000 -", "ENSG00000000010 TEN 10 50 +", "ENSG00000182378 PLCXD1 X 100 +",
        ])
        #expect(table.duplicates.count == 1)
        #expect(table.duplicates.first?.dropped.line == 11 && table.duplicates.first?.kept.line == 10)
        #expect(table.duplicates.first?.dropped.gtfID == "ENSG00000182378.13_PAR_Y")
        #expect(table.genesRead == 11 && table.otherType == 1 && table.otherChromosome == 3)
        #expect(table.excludedChromosomes == ["M", "GL000194.1", "1_KI270706v1_random"])
    }

    @Test func listedChromosomesAndTypesAreKept() throws {
        let dir = try Dir()
        let genes = try readGTFGenes(path: try dir.write("g.gtf", Self.gtf))
        var filter = GeneFilter()
        filter.chromosomes = try parseChromosomeList("chrY,M,2")
        filter.geneTypes = ["protein_coding", "lncRNA"]
        let table = try geneTable(from: genes, filter: filter, path: "g.gtf")
        // Without chrX, the chrY copy is the only one: no duplicate. The listed order is the output's.
        #expect(summary(table) == ["ENSG00000182378 PLCXD1 Y 100 +", "ENSG00000198888 MT-ND1 M 3307 +",
                                   "ENSG00000000003 LNC 2 10 +", "ENSG00000000020 TWO 2 8000 -"])
        #expect(table.duplicates.isEmpty)
        // Ensembl's naming: no "chr", gene_biotype, unquoted values.
        let ensembl = try dir.write("e.gtf", "1\tensembl\tgene\t11869\t14409\t.\t-\t.\tgene_id ENSG00000223972; gene_version 5; gene_biotype protein_coding;\n")
        let e = try geneTable(from: readGTFGenes(path: ensembl), filter: GeneFilter(), path: ensembl)
        #expect(summary(e) == ["ENSG00000223972  1 14409 -"])
    }

    @Test func gzipAndBgzipReadAsPlain() throws {
        let dir = try Dir()
        let plain = try dir.write("g.gtf", Self.gtf)
        let expected = try readGTFGenes(path: plain)
        for tool in ["gzip", "bgzip"] {
            let compressed = try dir.compress(plain, with: tool, to: "g.\(tool).gtf.gz")
            #expect(try readGTFGenes(path: compressed) == expected, "\(tool)")
        }
        #expect(HTSLib.compression(of: dir.path + "/g.bgzip.gtf.gz") == .bgzf && HTSLib.compression(of: dir.path + "/g.gzip.gtf.gz") == .gzip)
    }

    @Test func damagedCompressedGTFIsOneError() throws {
        let dir = try Dir()
        let big = try dir.write("big.gtf", String(repeating: Self.gtf, count: 400))
        let gz = try dir.compress(big, with: "gzip", to: "big.gtf.gz")
        let data = try Data(contentsOf: URL(fileURLWithPath: gz))
        try data.prefix(data.count / 2).write(to: URL(fileURLWithPath: gz))
        #expect(message { _ = try readGTFGenes(path: gz) }.contains("big.gtf.gz: the GTF is corrupt: the gzip stream is damaged or cut short"))
        // BGZF cut before its end-of-file block (at a block boundary it would otherwise read as complete).
        let bgz = try dir.compress(big, with: "bgzip", to: "big.bgz")
        let blocks = try Data(contentsOf: URL(fileURLWithPath: bgz))
        try blocks.prefix(blocks.count - 28).write(to: URL(fileURLWithPath: bgz))
        #expect(message { _ = try readGTFGenes(path: bgz) } == "\(bgz): the GTF is truncated (no BGZF end-of-file block); copy or download it again (`bgzip -t \(bgz)` tests it)")
        #expect(message { _ = try readGTFGenes(path: dir.path + "/none.gtf") } == "\(dir.path)/none.gtf: no such GTF file")
    }

    @Test func malformedLinesNameTheirLine() throws {
        let dir = try Dir()
        let lines = Self.gtf.split(separator: "\n").map(String.init)
        func fails(_ line: Int, _ replacement: String, _ expected: String) throws {
            var damaged = lines
            damaged[line - 1] = replacement
            let path = try dir.write("bad.gtf", damaged.joined(separator: "\n") + "\n")
            let text = message { _ = try readGTFGenes(path: path) }
            #expect(text == "\(path):\(line): \(expected)", "\(text)")
        }
        let gene = lines[5].split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
        func with(_ k: Int, _ value: String) -> String { var g = gene; g[k] = value; return g.joined(separator: "\t") }
        // A transcript line too: every line is checked.
        try fails(4, lines[3].replacingOccurrences(of: "\t.\t+", with: "\t+"), "8 tab-separated fields; a GTF line has 9 (seqname, source, feature, start, end, score, strand, frame, attributes)")
        try fails(6, lines[5] + "\textra", "more than 9 tab-separated fields; a GTF line has 9 (seqname, source, feature, start, end, score, strand, frame, attributes)")
        try fails(6, with(3, "5e2"), "start '5e2' is not a positive integer (GTF coordinates are 1-based)")
        try fails(6, with(4, "0"), "end '0' is not a positive integer (GTF coordinates are 1-based)")
        try fails(6, with(4, "400"), "start 500 is after end 400")
        try fails(6, with(6, "?"), "strand '?' must be +, - or .")
        try fails(6, with(8, "gene_type \"protein_coding\";"), "the gene has no gene_id attribute")
        try fails(6, with(8, "gene_id \"ENSG2.3; gene_type \"x\";"), "cannot parse the attributes 'gene_id \"ENSG2.3; gene_type \"x\";': expected key \"value\"; pairs")
        // A kept gene without a strand has no TSS.
        let unstranded = try dir.write("u.gtf", with(6, "."))
        #expect(message { _ = try geneTable(from: readGTFGenes(path: unstranded), filter: GeneFilter(), path: unstranded) }
            == "\(unstranded):1: gene 'ENSG00000000002.3' has strand '.', so it has no TSS; give it + or -")
    }

    @Test func noGeneLeftIsAnError() throws {
        let dir = try Dir()
        let path = try dir.write("g.gtf", Self.gtf)
        var filter = GeneFilter()
        filter.chromosomes = ["21"]
        #expect(message { _ = try geneTable(from: readGTFGenes(path: path), filter: filter, path: path) }
            == "\(path): no gene passed the filters (gene type protein_coding, chromosomes 21): of its 11 genes, 1 are not of type protein_coding and 10 are on chromosomes not listed (1, 10, 2, X, Y, M, GL000194.1, 1_KI270706v1_random)")
        let untyped = try dir.write("t.gtf", "chr1\tx\tgene\t1\t5\t.\t+\t.\tgene_id \"G1\";\n")
        #expect(message { _ = try geneTable(from: readGTFGenes(path: untyped), filter: GeneFilter(), path: untyped) }.hasSuffix("no gene has a gene_type (or gene_biotype) attribute"))
    }

    @Test func tableReadsBackAsRegions() throws {
        let dir = try Dir()
        let path = try dir.write("g.gtf", Self.gtf)
        let table = try geneTable(from: readGTFGenes(path: path), filter: GeneFilter(), path: path)
        let out = try dir.write("regions.tsv", table.tsv)
        #expect(table.tsv.hasPrefix("region_id\tgene_name\tchr\tpos\tstrand\nENSG00000000002\tBBB\t1\t900\t-\n"))
        // gene_name is an extra column readRegions ignores.
        let regions = try readRegions(path: out)
        #expect(regions == table.rows.map { Region(id: $0.id, chr: $0.chr, pos: $0.pos, strand: $0.strand) })
        #expect(regions.map(\.line) == Array(2...7))
    }

    @Test func versionsAndPARSuffixesAreStripped() {
        #expect(unversionedGeneID("ENSG00000182378.13_PAR_Y") == "ENSG00000182378")
        #expect(unversionedGeneID("ENSG00000182378_PAR_Y") == "ENSG00000182378")
        #expect(unversionedGeneID("ENSG00000013573.16") == "ENSG00000013573")
        #expect(unversionedGeneID("ENSG00000223972") == "ENSG00000223972")
        #expect(unversionedGeneID("gene.x") == "gene.x")
        #expect(unversionedGeneID(".5") == ".5")
    }

    @Test func chromosomeLists() throws {
        #expect(try parseChromosomeList("1-22,X,Y") == GeneFilter.defaultChromosomes)
        #expect(try parseChromosomeList("chr1-chr3, chrX ,MT,KI270711.1,HLA-A") == ["1", "2", "3", "X", "MT", "KI270711.1", "HLA-A"])
        #expect(message { _ = try parseChromosomeList("1,,2") } == "--chromosomes '1,,2': an empty item; give names and ranges separated by commas, e.g. 1-22,X,Y")
        #expect(message { _ = try parseChromosomeList("22-1") } == "--chromosomes '22-1': the range 22-1 runs backwards; write 1-22")
        #expect(message { _ = try parseChromosomeList("1-3,chr2") } == "--chromosomes '1-3,chr2': chromosome 2 is listed twice")
    }

    @Test func attributes() {
        #expect(GTFLine.parseAttributes("gene_id \"A.1\"; tag \"basic\"; tag \"CCDS\"; level 2;") == ["gene_id": "A.1", "tag": "basic", "level": "2"])
        #expect(GTFLine.parseAttributes("gene_id \"A; B\";gene_name \"x\"") == ["gene_id": "A; B", "gene_name": "x"])
        #expect(GTFLine.parseAttributes(".") == [:])
        #expect(GTFLine.parseAttributes("gene_id;") == nil)
        #expect(GTFLine.parseAttributes("gene_id \"A\" extra;") == nil)
    }
}
