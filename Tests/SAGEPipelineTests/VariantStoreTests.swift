import Foundation
import Testing
import SAGEDistributed
@testable import SAGEPipeline
@testable import SAGEGenome

/// The variant store (prepare + PersonalDataset) against the direct path (`personalSequences`, itself checked
/// against bcftools consensus in SAGEGenomeTests): every (region, individual, channel), byte for byte, over a
/// grid of options, on a cohort made of edge cases and on a simulated one.
@Suite struct VariantStoreTests {
    /// A small cohort of edge cases: overlapping records (same position twice; a SNP inside a deletion), symbolic
    /// and `*` alleles, a REF mismatch, missing, haploid and unphased calls, a multi-allelic site, an indel at the
    /// window's end, regions on both strands and at both contig ends, a region on a contig the VCF lacks.
    static func edgeCohort() throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sage-store-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir + "/individuals", withIntermediateDirectories: true)
        var state: UInt64 = 7
        func base() -> UInt8 { state = state &* 6364136223846793005 &+ 1442695040888963407; return Array("ACGT".utf8)[Int(state >> 33) % 4] }
        let chr1 = (0..<300).map { _ in base() }, chr2 = (0..<200).map { _ in base() }, chr3 = (0..<150).map { _ in base() }
        try ">chr1\n\(String(decoding: chr1, as: UTF8.self))\n>chr2\n\(String(decoding: chr2, as: UTF8.self))\n>chr3\n\(String(decoding: chr3, as: UTF8.self))\n"
            .write(toFile: dir + "/genome.fa", atomically: true, encoding: .utf8)
        try HTSLib.indexFASTA(dir + "/genome.fa")
        func ref(_ c: [UInt8], _ pos: Int, _ n: Int) -> String { String(decoding: c[(pos - 1)..<(pos - 1 + n)], as: UTF8.self) }
        func other(_ b: String) -> String { b == "A" ? "C" : "A" }
        let r1 = { (p: Int, n: Int) in ref(chr1, p, n) }, r2 = { (p: Int, n: Int) in ref(chr2, p, n) }
        let rows = [
            "chr1\t3\t.\t\(r1(3, 1))\t\(other(r1(3, 1)))\t.\t.\t.\tGT\t1|0\t0|1\t1|1\t0|0",            // near the contig start
            "chr1\t20\t.\t\(r1(20, 1))\t\(other(r1(20, 1)))\t.\t.\t.\tGT\t1|1\t0|1\t.|1\t1",           // missing, haploid
            "chr1\t20\t.\t\(r1(20, 1))\tT\t.\t.\t.\tGT\t0|1\t1|0\t0|0\t0|0",                           // same position again
            "chr1\t40\t.\t\(r1(40, 5))\t\(r1(40, 1))\t.\t.\t.\tGT\t1|0\t1|1\t0|1\t0|0",                // deletion ...
            "chr1\t42\t.\t\(r1(42, 1))\t\(other(r1(42, 1)))\t.\t.\t.\tGT\t1|1\t0|1\t1|0\t1|1",         // ... with a SNP inside
            "chr1\t60\t.\t\(other(r1(60, 1)))\tG\t.\t.\t.\tGT\t1|1\t1|0\t0|1\t1|1",                    // REF mismatch
            "chr1\t70\t.\t\(r1(70, 1))\t<DEL>\t.\t.\t.\tGT\t1|0\t0|1\t0|0\t0|0",                       // symbolic
            "chr1\t80\t.\t\(r1(80, 1))\t\(other(r1(80, 1))),*\t.\t.\t.\tGT\t1|2\t2|1\t1|0\t0|2",       // multi-allelic with *
            "chr1\t100\t.\t\(r1(100, 1))\t\(r1(100, 1))ACGTACGT\t.\t.\t.\tGT\t0/1\t1|1\t0|0\t1|0",     // unphased insertion
            "chr1\t130\t.\t\(r1(130, 1))\t\(other(r1(130, 1)))\t.\t.\t.\tGT\t0|1\t1|1\t1|0\t0|1",
            "chr1\t170\t.\t\(r1(170, 2))\t\(r1(170, 1))\t.\t.\t.\tGT\t1|1\t0|1\t0|0\t1|0",
            "chr1\t220\t.\t\(r1(220, 1))\t\(other(r1(220, 1)))\t.\t.\t.\tGT\t1|0\t1|1\t1|1\t0|1",
            "chr1\t248\t.\t\(r1(248, 4))\t\(r1(248, 1))\t.\t.\t.\tGT\t0|1\t1|0\t1|1\t1|1",            // deletion crossing a window end
            "chr1\t258\t.\t\(r1(258, 4))\t\(r1(258, 1))\t.\t.\t.\tGT\t1|1\t0|1\t1|0\t0|0",          // deletion past a window's end
            "chr1\t296\t.\t\(r1(296, 1))\t\(r1(296, 1))GG\t.\t.\t.\tGT\t1|1\t0|1\t0|0\t1|0",          // near the contig end
            "chr2\t50\t.\t\(r2(50, 1))\t\(other(r2(50, 1)))\t.\t.\t.\tGT\t1|0\t0|1\t1|1\t0|0",
            "chr2\t99\t.\t\(r2(99, 3))\t\(r2(99, 1))\t.\t.\t.\tGT\t0|1\t1|1\t0|0\t1|0",
            "chr2\t101\t.\t\(r2(101, 1))\t\(other(r2(101, 1)))\t.\t.\t.\tGT\t1|1\t1|1\t1|0\t1|1",
            "chr2\t150\t.\t\(r2(150, 1))\t\(r2(150, 1))TTT\t.\t.\t.\tGT\t1|1\t0|0\t1|0\t0|1",
        ]
        let header = "##fileformat=VCFv4.2\n##contig=<ID=chr1,length=300>\n##contig=<ID=chr2,length=200>\n" +
            "##FORMAT=<ID=GT,Number=1,Type=String,Description=\"Genotype\">\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tA\tB\tC\tD\n"
        try HTSLib.writeBGZF(header + rows.joined(separator: "\n") + "\n", to: dir + "/cohort.vcf.gz")
        try HTSLib.indexVCF(dir + "/cohort.vcf.gz")
        try "gene_id,chr,pos,strand\nR1,1,45,+\nR2,1,105,-\nR3,chr1,230,+\nR4,1,290,-\nR5,2,100,-\nR6,2,150,+\nR7,3,75,+\nR8,1,70,+\n"
            .write(toFile: dir + "/regions.csv", atomically: true, encoding: .utf8)
        try "A\nB\nC\n".write(toFile: dir + "/individuals/train.txt", atomically: true, encoding: .utf8)
        try "D\n".write(toFile: dir + "/individuals/val.txt", atomically: true, encoding: .utf8)
        try """
        fasta = "genome.fa"
        vcf = "cohort.vcf.gz"
        regions = "regions.csv"
        train_individuals = "individuals/train.txt"
        val_individuals = "individuals/val.txt"
        input_len = 60
        """.write(toFile: dir + "/sage.toml", atomically: true, encoding: .utf8)
        return dir
    }

    static let log = RankLog(rank: 0, size: 1, level: .error)

    /// Every (region, individual, channel) from the store equals personalSequences, padded, for each option set.
    func compareAll(config: RunConfig, store: VariantStore, optionSets: [SequenceOptions]) throws {
        let fasta = try FASTAReader(path: config.paths.fasta.value!), vcf = try VCFReader(path: config.paths.vcf.value!)
        let regions = try readRegions(path: config.paths.regions.value!)
        let training = try store.manifest.trainingIndividuals.map { try vcf.sampleIndex(of: $0) }
        let L = store.inputLen
        let buffer = UnsafeMutablePointer<UInt8>.allocate(capacity: L)
        defer { buffer.deallocate() }
        for options in optionSets {
            let dataset = PersonalDataset(store: store, options: options)
            for (r, region) in regions.enumerated() {
                #expect(store.manifest.regions[r].id == region.id)
                for (i, individual) in store.manifest.individuals.enumerated() {
                    let direct = try personalSequences(fasta: fasta, vcf: vcf, region: region, individual: individual, inputLen: L,
                                                       options: HaplotypeOptions(onlySNPs: options.onlySNPs),
                                                       allowReverseComplement: options.allowReverseComplement, frequency: options.frequency,
                                                       trainingIndividuals: training, majorityReference: options.majorityReference)
                    for (c, expected) in [direct.reference, direct.maternal, direct.paternal].enumerated() {
                        dataset.sequence(region: r, individual: i, channel: c, into: buffer)
                        let got = Array(UnsafeBufferPointer(start: buffer, count: L))
                        #expect(got == PersonalSequences.padded(expected, to: L),
                                "\(region.id) \(individual) channel \(c) options \(options)")
                    }
                }
            }
        }
    }

    static var optionGrid: [SequenceOptions] {
        var grid: [SequenceOptions] = [SequenceOptions()]
        var o = SequenceOptions(); o.onlySNPs = true; grid.append(o)
        o = SequenceOptions(); o.frequency = FrequencyFilter(mafMin: 1.0 / 6, mafMax: 2); grid.append(o)   // boundary: 1 of 6 haplotypes
        o = SequenceOptions(); o.frequency = FrequencyFilter(mafMin: 0.2, mafMax: 0.6, trueMAF: true); grid.append(o)
        o = SequenceOptions(); o.majorityReference = true; grid.append(o)
        o = SequenceOptions(); o.allowReverseComplement = false; grid.append(o)
        return grid
    }

    @Test func edgeCasesMatchTheDirectPath() throws {
        let dir = try Self.edgeCohort()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let config = try RunConfig(file: dir + "/sage.toml")
        let manifest = try #require(try prepareStore(config: config, out: dir + "/store", comm: SingleProcessCommunicator(), log: Self.log))
        #expect(manifest.individuals == ["A", "B", "C", "D"])
        #expect(manifest.trainingIndividuals == ["A", "B", "C"])
        #expect(manifest.report.regionsWithoutVCFContig == ["R7"])
        #expect(manifest.report.refMismatchEdits > 0 && manifest.report.symbolicAllelesSkipped >= 2 && manifest.report.recordsStartingBeforeWindow > 0, "\(manifest.report)")
        #expect(manifest.report.unphasedCalls >= 1 && manifest.report.missingAlleles >= 2)
        let store = try VariantStore(directory: dir + "/store")
        try compareAll(config: config, store: store, optionSets: Self.optionGrid)
    }

    /// A simulated cohort in a new temporary directory (the caller removes `dir`), its configuration and store.
    static func simulatedStore(individuals: Int, regions: Int, inputLen: Int, overrides: [String] = []) throws
        -> (dir: String, config: RunConfig, store: VariantStore) {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sage-store-sim-\(UUID().uuidString)").path
        var sim = CohortSimulator()
        sim.individuals = individuals; sim.regions = regions; sim.inputLen = inputLen
        try sim.write(to: dir)
        let config = try RunConfig(file: dir + "/sage.toml", overrides: overrides)
        _ = try prepareStore(config: config, out: dir + "/store", comm: SingleProcessCommunicator(), log: log)
        return (dir, config, try VariantStore(directory: dir + "/store"))
    }

    @Test func simulatedCohortMatchesTheDirectPath() throws {
        let (dir, config, store) = try Self.simulatedStore(individuals: 20, regions: 6, inputLen: 500)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try compareAll(config: config, store: store, optionSets: Array(Self.optionGrid.prefix(3)))
    }

    @Test func storeRefusesOtherInputs() throws {
        let dir = try Self.edgeCohort()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let config = try RunConfig(file: dir + "/sage.toml")
        _ = try prepareStore(config: config, out: dir + "/store", comm: SingleProcessCommunicator(), log: Self.log)
        let store = try VariantStore(directory: dir + "/store")
        let inputs = { (len: Int) in try StoreInputs(fasta: dir + "/genome.fa", vcf: dir + "/cohort.vcf.gz", regions: dir + "/regions.csv", inputLen: len, contigPrefix: nil) }
        try store.check(against: inputs(60), individuals: ["A", "D"], trainingIndividuals: ["A", "B", "C"])
        #expect(throws: GenomeError.self) { try store.check(against: inputs(80), individuals: [], trainingIndividuals: ["A", "B", "C"]) }
        #expect(throws: GenomeError.self) { try store.check(against: inputs(60), individuals: ["Z"], trainingIndividuals: ["A", "B", "C"]) }
        #expect(throws: GenomeError.self) { try store.check(against: inputs(60), individuals: [], trainingIndividuals: ["A"]) }
        // The regions table changed (size): refused, naming it.
        try "gene_id,chr,pos,strand\nR1,1,30,+\n".write(toFile: dir + "/regions.csv", atomically: true, encoding: .utf8)
        do { try store.check(against: inputs(60), individuals: [], trainingIndividuals: ["A", "B", "C"]); Issue.record("accepted a changed regions table") }
        catch let e as GenomeError { #expect(e.description.contains("regions table changed")) }
    }

    @Test func configErrorsNameTheKey() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sage-cfg-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let file = dir + "/c.toml"
        try "input_len = 100\nlearning_rat = 1e-3\n".write(toFile: file, atomically: true, encoding: .utf8)
        #expect { try RunConfig(file: file) } throws: { "\($0)".contains("unknown key 'learning_rat' (did you mean 'learning_rate'?)") }
        try "batch_size = \"six\"\n".write(toFile: file, atomically: true, encoding: .utf8)
        #expect { try RunConfig(file: file) } throws: { "\($0)".contains("batch_size must be an integer") }
        try "input_len = [\n".write(toFile: file, atomically: true, encoding: .utf8)
        #expect { try RunConfig(file: file) } throws: { "\($0)".contains("c.toml:") }
        try "pooling_type = \"median\"\n".write(toFile: file, atomically: true, encoding: .utf8)
        #expect { try RunConfig(file: file) } throws: { "\($0)".contains("c.toml: pooling_type must be one of avg, max, got \"median\"") }
        try "fasta = \"g.fa\"\nbatch_norm = 0\ntrain_chrs = [1, 2]\n".write(toFile: file, atomically: true, encoding: .utf8)
        let c = try RunConfig(file: file, overrides: ["batch_size=12", "val_chrs=3,4", "model=rsagenet"])
        #expect(c.paths.fasta.value == dir + "/g.fa")
        #expect(c.model.batchNorm == false && c.training.batchSize == 12)
        #expect(c.splits.train.chromosomes == ["1", "2"] && c.splits.val.chromosomes == ["3", "4"])
        #expect(c.model.model == .rsagenet)
        // The resolved file reads back to the same values.
        try c.resolvedTOML.write(toFile: dir + "/resolved.toml", atomically: true, encoding: .utf8)
        #expect(try RunConfig(file: dir + "/resolved.toml").values == c.values)
    }
}
