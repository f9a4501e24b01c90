import ArgumentParser
import Foundation
import SAGEDistributed
import SAGEPipeline
import SAGEEngine
import SAGEGenome

struct Preprocess: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Turn raw data into sage-mpi's inputs: a regions table from a GTF, covariate-adjusted expression, individual splits.",
        subcommands: [PreprocessGenes.self, PreprocessExpression.self, PreprocessSplit.self])
}

struct PreprocessGenes: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "genes",
        abstract: "Write a regions table (one row per gene, centred on its TSS) from a GENCODE or Ensembl GTF.",
        discussion: """
        Keeps SAGE-net's gene set (save_gene_set): `gene` features of the gene types given (GENCODE's gene_type \
        attribute, else Ensembl's gene_biotype) on the chromosomes listed; chrM, unplaced and alternate \
        scaffolds are left out unless listed by name (e.g. --chromosomes 1-22,X,Y,M). The GTF may be plain, gzip or \
        bgzip.

        Columns (TSV, readable as `regions` by every command): region_id = gene_id without its version (and without \
        GENCODE's _PAR_Y suffix), gene_name, chr = the seqname without "chr", pos = the 1-based TSS (GTF coordinates \
        are 1-based, inclusive: the gene's start on the + strand, its end on the - strand), strand. Rows are ordered \
        by chromosome in --chromosomes order (2 before 10), then pos, then id (SAGE-net's set has no fixed order).

        Duplicate ids: when two genes have the same id once the version is stripped (the chrY copy of a \
        pseudoautosomal gene, ENSG..._PAR_Y, or an id on two lines), the first in the output order is kept (the \
        chrX copy with the default order) and each other is reported with its GTF line on standard error. \
        SAGE-net's gtf2df keeps the GTF's ids as written (versions and _PAR_Y included); its save_gene_set strips \
        the version and merges the duplicates silently (its gene list is a set of ids, without positions).

        A malformed line (not 9 tab-separated fields, a bad start, end or strand, a gene without gene_id) is one \
        error naming the file and line, and nothing is written. The summary goes to standard error.
        """)

    @Option(help: "GENCODE or Ensembl GTF (plain, .gz or bgzipped).") var gtf: String
    @Option(help: "Gene types to keep, comma-separated (gene_type, else gene_biotype).") var geneType = "protein_coding"
    @Option(help: "Chromosomes to keep, in output order: names and number ranges, 'chr' optional, e.g. 1-22,X,Y.") var chromosomes = "1-22,X,Y"
    @Option(help: "Output regions table (TSV). Written atomically.") var out: String
    @OptionGroup var force: ForceOption

    func validate() throws {
        do { _ = try parseChromosomeList(chromosomes) } catch { throw ValidationError("\(error)") }
        if geneTypes.isEmpty { throw ValidationError("--gene-type names no gene type.") }
    }

    var geneTypes: Set<String> { Set(geneType.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }) }

    func run() throws {
        var filter = GeneFilter()
        filter.geneTypes = geneTypes
        filter.chromosomes = try parseChromosomeList(chromosomes)
        try OutputGuard.checkFile(out, inputs: [gtf], force: force.force, what: "gene table", isOurs: startsWith(GeneTable.header + "\n"))
        let table = try geneTable(from: readGTFGenes(path: gtf), filter: filter, path: gtf)
        try AtomicFile.write(Data(table.tsv.utf8), to: out)
        var summary = "preprocess genes: wrote \(table.rows.count) genes to \(out); of the GTF's \(table.genesRead) genes, "
        summary += "\(table.otherType) of other types, \(table.otherChromosome) on chromosomes not listed"
        if !table.excludedChromosomes.isEmpty {
            summary += " (\(table.excludedChromosomes.prefix(6).joined(separator: ", "))\(table.excludedChromosomes.count > 6 ? ", ..." : ""))"
        }
        summary += ", \(table.duplicates.count) duplicate id(s) left out\n"
        for d in table.duplicates.prefix(10) {
            summary += "warning: \(gtf):\(d.dropped.line): gene '\(d.dropped.gtfID)' (\(d.dropped.chr):\(d.dropped.pos)) has the id \(d.dropped.id) "
            summary += "of line \(d.kept.line) ('\(d.kept.gtfID)', \(d.kept.chr):\(d.kept.pos)) once the version is stripped; line \(d.kept.line)'s is kept\n"
        }
        if table.duplicates.count > 10 { summary += "warning: ... and \(table.duplicates.count - 10) more duplicate id(s)\n" }
        FileHandle.standardError.write(Data(summary.utf8))
    }
}

struct PreprocessSplit: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "split",
        abstract: "Split the individuals with both genotypes and expression into train, validation and test lists.",
        discussion: """
        The individuals: the VCF's samples (or the --individuals list) that are also columns of the expression \
        table, in the VCF's (or the list's) order. Those in only one of the two are counted and the first few \
        named. The split is SAGE-net's rand_split_arr: np.random.seed(seed), np.random.shuffle, then the first \
        int(n * train) are train, the next int(n * val) validation and the rest test. Our shuffle is NumPy's \
        legacy MT19937 and its shuffle reimplemented, so the same seed and the same list give SAGE-net's parts \
        exactly. Where ours differs: SAGE-net's get_subs splits all VCF samples and intersects each part with the \
        expression afterwards (its parts are fractions of the VCF), save_rosmap_individual_sets intersects through \
        a Python set (an order that changes between runs); here the intersection is split, in a fixed order.

        Writes DIR/train.txt, val.txt and test.txt (one id per line: the configuration's train_individuals, \
        val_individuals and test_individuals). DIR must be new, empty or an earlier split output (holding only \
        those files); with --force an existing directory of yours is also used: only those three files in it are \
        replaced, nothing else is touched. An input is never overwritten.
        """)

    @Option(help: "Individuals, one id per line (instead of --vcf).") var individuals: String?
    @Option(help: "VCF/BCF whose samples are the individuals (bgzipped and indexed, as `prepare` needs).") var vcf: String?
    @Option(help: "Expression table (CSV/TSV: region id, then one column per individual).") var expression: String
    @Option(help: "Train, validation and test fractions (summing to 1).") var fractions = "0.8,0.1,0.1"
    @Option(help: "Seed of the shuffle (np.random.seed: 0 to 4294967295).") var seed: UInt32 = 17
    @Option(help: "Output directory for train.txt, val.txt and test.txt.") var out: String
    @Flag(help: "Also write into an existing directory that is not a split output (only its train/val/test.txt are replaced).") var force = false

    static let files = ["train.txt", "val.txt", "test.txt"]

    func validate() throws {
        if (individuals == nil) == (vcf == nil) { throw ValidationError("Give either --individuals FILE or --vcf FILE.") }
        do { _ = try SplitFractions(parsing: fractions) } catch { throw ValidationError("\(error)") }
    }

    func run() throws {
        let fractions = try SplitFractions(parsing: self.fractions)
        let source = individuals ?? vcf!
        let inputs = [source, expression] + (vcf.map { v in [".tbi", ".csi"].map { v + $0 } } ?? [])
        let paths = Self.files.map { (out as NSString).appendingPathComponent($0) }
        let intoOther = force && FileManager.default.fileExists(atPath: out) && OutputGuard.marker(of: out) != "split"
        if intoOther {
            var isDirectory: ObjCBool = false
            _ = FileManager.default.fileExists(atPath: out, isDirectory: &isDirectory)
            guard isDirectory.boolValue else { throw ConfigError("\(out) exists and is a file, not a directory: choose another output path") }
            for path in paths { try OutputGuard.checkNotAnInput(path, inputs: inputs) }
        } else {
            try OutputGuard.checkDirectory(out, kind: "split", inputs: inputs, owns: Self.files.contains)
        }

        let what = vcf != nil ? "the VCF" : "the list"
        let ids = try vcf.map { try VCFReader(path: $0).samples } ?? readIndividualList(source)
        let table = try readExpression(path: expression)
        let overlap = IndividualOverlap(ids, table.individuals)
        guard !overlap.common.isEmpty else {
            throw GenomeError("no individual of \(source) (e.g. \(ids.prefix(3).joined(separator: ", "))) is a column of \(expression) (e.g. \(table.individuals.prefix(3).joined(separator: ", "))); the ids must match exactly")
        }
        let split = IndividualSplit(overlap.common, fractions: fractions, seed: seed)
        let parts = [split.train, split.val, split.test]
        let wanted = [fractions.train, fractions.val, fractions.test]
        for k in parts.indices where parts[k].isEmpty && wanted[k] > 0 {
            throw GenomeError("\(overlap.common.count) individuals are too few for the fractions \(self.fractions): \(Self.files[k]) would be empty")
        }

        if !intoOther { try OutputGuard.claim(out, kind: "split", inputs: inputs, owns: Self.files.contains) }
        for (path, part) in zip(paths, parts) { try AtomicFile.write(Data(part.map { $0 + "\n" }.joined().utf8), to: path) }

        var summary = "preprocess split: \(overlap.common.count) individuals in both \(what) (\(ids.count) \(vcf != nil ? "samples" : "ids")) "
        summary += "and the expression table (\(table.individuals.count) columns)\n"
        summary += "  train \(split.train.count), val \(split.val.count), test \(split.test.count) (seed \(seed)) -> \(paths.joined(separator: ", "))\n"
        for (names, place) in [(overlap.onlyFirst, "only in \(what)"), (overlap.onlySecond, "only in the expression table")] where !names.isEmpty {
            summary += "  \(place): \(names.count) (\(names.prefix(5).joined(separator: ", "))\(names.count > 5 ? ", ..." : ""))\n"
        }
        for (name, part) in zip(Self.files, parts) where part.isEmpty { summary += "  note: \(name) is empty (fraction 0)\n" }
        print(summary, terminator: "")
    }
}
