import ArgumentParser
import Foundation
import SAGEDistributed
import SAGEEngine
import SAGEGenome
import SAGEPipeline

struct Sequences: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write the reference, maternal and paternal sequences of (region, individual) pairs as the model sees them.",
        discussion: """
        Window [pos - input_len/2, pos + input_len/2) around each region's 1-based pos, variants applied per \
        haplotype (GT[0] maternal, GT[1] paternal) with SAGE-net's rules, truncated to input_len, reverse- \
        complemented on the minus strand and N-padded at the end. FASTA records are named ID|reference, \
        ID|S|maternal and ID|S|paternal, consecutive triples that `sage-mpi predict` scores. Counts of skipped \
        variants (REF mismatches, symbolic alleles, ...) go to standard error.
        """)

    @OptionGroup var config: ConfigOptions
    @Option(help: "Reference FASTA (indexed: .fai; bgzipped also .gzi). Default: the configuration's.") var fasta: String?
    @Option(help: "Phased VCF/BCF, bgzipped and indexed (.tbi/.csi). Default: the configuration's.") var vcf: String?
    @Option(help: "Regions table (CSV/TSV: region_id or gene_id, chr, pos, optional strand). Default: the configuration's.") var regions: String?
    @Option(name: .customLong("region"), help: "Region id (repeat for several; default: every region).") var regionIDs: [String] = []
    @Option(name: .customLong("individual"), help: "VCF sample (repeat for several).") var individuals: [String]
    @Option(help: "input_len: window and model input length (default: the configuration's, else 40000).") var inputLen: Int?
    @Flag(name: .customLong("only-snps"), help: "Apply SNPs only (only_snps).") var onlySNPs = false
    @Flag(help: "Never reverse-complement minus-strand regions.") var noReverseComplement = false
    @Option(help: "Keep ALT alleles whose frequency among the training individuals is > this (maf_min).") var mafMin: Double?
    @Option(help: "Keep ALT alleles whose frequency among the training individuals is < this (maf_max).") var mafMax: Double?
    @Flag(help: "Filter on the minor allele frequency min(AF, 1 - AF) instead of SAGE-net's ALT frequency.") var trueMAF = false
    @Flag(help: "Reference channel = majority sequence (ALT alleles with frequency > 0.5 among training individuals).") var majoritySeq = false
    @Option(help: "Training individuals, one id per line (frequencies are computed over them; default: the --individual list).") var trainIndividuals: String?
    @Option(help: "VCF contig prefix (default: detected from the VCF's contigs).") var contigPrefix: String?
    @Option(help: "Output FASTA (default: standard output). Written atomically.") var out: String?
    @OptionGroup var force: ForceOption

    func validate() throws {
        if let inputLen, inputLen < 1 { throw ValidationError("--input-len must be at least 1, got \(inputLen).") }
        if individuals.isEmpty { throw ValidationError("Give at least one --individual.") }
        if config.config == nil && (fasta == nil || vcf == nil || regions == nil) {
            throw ValidationError("Give --config sage.toml, or --fasta, --vcf and --regions.")
        }
    }

    func run() throws {
        // Flags override the configuration (when one is given), which overrides SAGE-net's defaults.
        let cfg = try config.config.map { _ in try config.load() }
        func path(_ flag: String?, _ key: KeyPath<InputPaths, ConfiguredPath>) throws -> String { try flag ?? cfg!.paths[keyPath: key].required(for: "(or give its flag)") }
        let fasta = try path(self.fasta, \.fasta), vcf = try path(self.vcf, \.vcf), regions = try path(self.regions, \.regions)
        let inputLen = self.inputLen ?? cfg?.data.inputLen ?? SAGEConfig().inputLen
        let configured = cfg?.data.sequence ?? SequenceOptions()
        let onlySNPs = self.onlySNPs || configured.onlySNPs
        let allowReverseComplement = !noReverseComplement && configured.allowReverseComplement
        let majoritySeq = self.majoritySeq || configured.majorityReference
        let contigPrefix = self.contigPrefix ?? cfg?.paths.contigPrefix
        let trainIndividuals = self.trainIndividuals ?? cfg?.paths.trainIndividuals.value
        if let out {
            let inputs = [fasta, vcf, regions] + genomeIndexes(of: fasta) + genomeIndexes(of: vcf) + [config.config, trainIndividuals].compactMap { $0 }
            try OutputGuard.checkFile(out, inputs: inputs, force: force.force, what: "sequences FASTA") { head in
                head.first == UInt8(ascii: ">") && String(decoding: head.prefix(while: { $0 != 10 }), as: UTF8.self).hasSuffix("|reference")
            }
        }
        let fastaReader = try FASTAReader(path: fasta), vcfReader = try VCFReader(path: vcf)
        let requested = try individuals.map { try vcfReader.sampleIndex(of: $0) }
        let training = try trainIndividuals.map { file in
            try readIndividualList(file).map { try vcfReader.sampleIndex(of: $0, what: "training individual (from \(file))") }
        } ?? requested
        let frequency = FrequencyFilter(mafMin: mafMin ?? configured.frequency.mafMin, mafMax: mafMax ?? configured.frequency.mafMax,
                                        trueMAF: trueMAF || configured.frequency.trueMAF)
        let table = try readRegions(path: regions)
        let byID = Dictionary(uniqueKeysWithValues: table.map { ($0.id, $0) })
        let selected = try regionIDs.isEmpty ? table : regionIDs.map { id in
            guard let r = byID[id] else { throw GenomeError("\(regions): no region '\(id)'") }
            return r
        }
        var text = ""
        var totals = HaplotypeReport(), unphased = 0
        for region in selected {
            for individual in individuals {
                let s = try personalSequences(fasta: fastaReader, vcf: vcfReader, region: region, individual: individual,
                                              inputLen: inputLen, options: HaplotypeOptions(onlySNPs: onlySNPs),
                                              contigPrefix: contigPrefix, allowReverseComplement: allowReverseComplement,
                                              frequency: frequency, trainingIndividuals: training, majorityReference: majoritySeq)
                text += record("\(region.id)|reference", s.reference, inputLen)  // once per triple, for `predict`
                text += record("\(region.id)|\(individual)|maternal", s.maternal, inputLen)
                text += record("\(region.id)|\(individual)|paternal", s.paternal, inputLen)
                totals.add(s.report)
                unphased += s.unphasedCalls
            }
        }
        try writeOutput(text, to: out)
        var summary = "sequences: \(selected.count) region(s) x \(individuals.count) individual(s); variant alleles applied \(totals.applied)"
        summary += ", REF mismatches skipped \(totals.refMismatches), symbolic skipped \(totals.symbolicSkipped)"
        summary += ", starting before the window \(totals.startsBeforeWindow), filtered \(totals.filtered), missing alleles \(totals.missingAlleles)"
        FileHandle.standardError.write(Data((summary + "\n").utf8))
        if unphased > 0 {
            FileHandle.standardError.write(Data("warning: \(unphased) unphased genotype call(s) were treated as phased (GT[0] maternal, GT[1] paternal)\n".utf8))
        }
    }

    /// One FASTA record, the sequence N-padded to input_len, 80 bases a line.
    func record(_ name: String, _ seq: [UInt8], _ inputLen: Int) -> String {
        let padded = PersonalSequences.padded(seq, to: inputLen)
        let lines = stride(from: 0, to: padded.count, by: 80).map { String(decoding: padded[$0..<min($0 + 80, padded.count)], as: UTF8.self) }
        return ">\(name)\n" + lines.joined(separator: "\n") + "\n"
    }
}
