import Foundation

/// One row of a gene table, as `sage-mpi preprocess genes` writes it (a regions table: see `readRegions`).
/// `pos` is the gene's 1-based TSS (GTF start on +, end on -); `chr` has no "chr" prefix.
public struct GeneTableRow: Sendable, Equatable {
    /// The gene id without its version (see `unversionedGeneID`).
    public let id: String
    /// The id as the GTF wrote it (with version, PAR suffix).
    public let gtfID: String
    public let name: String
    public let chr: String
    public let pos: Int
    public let strand: String
    /// The GTF line it came from.
    public let line: Int
}

/// A gene id that came out the same as a kept row's after version stripping: `dropped` is not in the table.
public struct DuplicateGene: Sendable, Equatable {
    public let dropped: GeneTableRow
    public let kept: GeneTableRow
}

/// What `geneTable` selected: the rows in output order, the duplicates left out, and counts of the genes filtered.
public struct GeneTable: Sendable {
    public var rows: [GeneTableRow] = []
    public var duplicates: [DuplicateGene] = []
    /// Genes of the GTF, of another gene type, and of the right type on a chromosome not listed.
    public var genesRead = 0, otherType = 0, otherChromosome = 0
    /// The chromosomes (bare names) of the genes left out by `otherChromosome`, in the order first met.
    public var excludedChromosomes: [String] = []

    /// The table as TSV: header `region_id gene_name chr pos strand`, one line per row.
    public var tsv: String {
        var text = GeneTable.header + "\n"
        for r in rows { text += "\(r.id)\t\(r.name)\t\(r.chr)\t\(r.pos)\t\(r.strand)\n" }
        return text
    }
    public static let header = "region_id\tgene_name\tchr\tpos\tstrand"
}

/// Which genes `geneTable` keeps: `feature == gene`, gene type (GENCODE's `gene_type`, else Ensembl's
/// `gene_biotype`) in `geneTypes`, chromosome (without "chr") in `chromosomes`, whose order is the output's.
public struct GeneFilter: Sendable {
    public var geneTypes: Set<String> = ["protein_coding"]
    public var chromosomes: [String] = defaultChromosomes
    public static let defaultChromosomes = (1...22).map(String.init) + ["X", "Y"]
    public init() {}
}

/// SAGE-net's gene set (save_gene_set: protein_coding `gene` features on chr1-22, X, Y, version stripped) with the
/// TSS of each gene, in a fixed order: by chromosome in `filter.chromosomes` order, then TSS, then id. Ids equal after
/// version stripping (a PAR gene's chrY copy, `ENSG..._PAR_Y`, or one id on two lines) keep the first row in that
/// order; the others are returned in `duplicates` (SAGE-net's `set` merges them silently). Errors: a kept gene with
/// strand "." (no TSS), or no gene left (naming the GTF and what the filters removed).
public func geneTable(from genes: [GTFGene], filter: GeneFilter, path: String) throws -> GeneTable {
    var table = GeneTable()
    table.genesRead = genes.count
    let rank = Dictionary(uniqueKeysWithValues: filter.chromosomes.enumerated().map { ($1, $0) })
    var candidates: [(rank: Int, row: GeneTableRow)] = []
    var typed = 0
    for gene in genes {
        let type = gene.attributes["gene_type"] ?? gene.attributes["gene_biotype"]
        if type != nil { typed += 1 }
        guard let type, filter.geneTypes.contains(type) else { table.otherType += 1; continue }
        let chr = bareChromosome(gene.seqname)
        guard let r = rank[chr] else {
            table.otherChromosome += 1
            if !table.excludedChromosomes.contains(chr) { table.excludedChromosomes.append(chr) }
            continue
        }
        guard let tss = gene.tss else {
            throw GenomeError("\(path):\(gene.line): gene '\(gene.attributes["gene_id"]!)' has strand '.', so it has no TSS; give it + or -")
        }
        let gtfID = gene.attributes["gene_id"]!
        candidates.append((r, GeneTableRow(id: unversionedGeneID(gtfID), gtfID: gtfID, name: gene.attributes["gene_name"] ?? "",
                                           chr: chr, pos: tss, strand: gene.strand, line: gene.line)))
    }
    candidates.sort { a, b in (a.rank, a.row.pos, a.row.id, a.row.line) < (b.rank, b.row.pos, b.row.id, b.row.line) }
    var kept: [String: Int] = [:]
    for (_, row) in candidates {
        if let k = kept[row.id] { table.duplicates.append(DuplicateGene(dropped: row, kept: table.rows[k])); continue }
        kept[row.id] = table.rows.count
        table.rows.append(row)
    }
    if table.rows.isEmpty {
        let types = filter.geneTypes.sorted().joined(separator: ",")
        let why = genes.isEmpty ? "it has no `gene` lines"
            : typed == 0 ? "no gene has a gene_type (or gene_biotype) attribute"
            : "of its \(genes.count) genes, \(table.otherType) are not of type \(types) and \(table.otherChromosome) are on chromosomes not listed (\(table.excludedChromosomes.prefix(8).joined(separator: ", ")))"
        throw GenomeError("\(path): no gene passed the filters (gene type \(types), chromosomes \(filter.chromosomes.joined(separator: ","))): \(why)")
    }
    return table
}

/// A chromosome name without a leading "chr" ("chr1" -> "1", "chrM" -> "M", "KI270711.1" unchanged).
public func bareChromosome(_ name: String) -> String { name.hasPrefix("chr") ? String(name.dropFirst(3)) : name }

/// A gene id without its version: a trailing `_PAR_X`/`_PAR_Y` (GENCODE's pseudoautosomal copies) is removed, then
/// a trailing `.N` of digits: "ENSG00000182378.13_PAR_Y" -> "ENSG00000182378", "ENSG00000013573.16" ->
/// "ENSG00000013573"; an id without one is unchanged. (SAGE-net splits at the first '.', the same for Ensembl ids.)
public func unversionedGeneID(_ id: String) -> String {
    var s = Substring(id)
    for suffix in ["_PAR_X", "_PAR_Y"] where s.hasSuffix(suffix) { s = s.dropLast(suffix.count) }
    if let dot = s.lastIndex(of: "."), dot > s.startIndex {
        let version = s[s.index(after: dot)...]
        if !version.isEmpty && version.allSatisfy({ $0.isASCII && $0.isNumber }) { s = s[..<dot] }
    }
    return String(s)
}

/// Parses a chromosome list such as "1-22,X,Y": comma-separated names (a "chr" prefix is dropped) and ranges a-b of
/// numbers (a <= b), in the order given. Errors for an empty item or list, a reversed range, or a name twice.
public func parseChromosomeList(_ text: String) throws -> [String] {
    var result: [String] = []
    for item in text.split(separator: ",", omittingEmptySubsequences: false).map({ $0.trimmingCharacters(in: .whitespaces) }) {
        guard !item.isEmpty else { throw GenomeError("--chromosomes '\(text)': an empty item; give names and ranges separated by commas, e.g. 1-22,X,Y") }
        let parts = item.split(separator: "-", omittingEmptySubsequences: false).map { bareChromosome(String($0)) }
        var names = [bareChromosome(item)]
        if parts.count == 2, let a = Int(parts[0]), let b = Int(parts[1]) {
            guard a <= b else { throw GenomeError("--chromosomes '\(text)': the range \(item) runs backwards; write \(b)-\(a)") }
            names = (a...b).map(String.init)
        }
        for name in names {
            guard !result.contains(name) else { throw GenomeError("--chromosomes '\(text)': chromosome \(name) is listed twice") }
            result.append(name)
        }
    }
    return result
}
