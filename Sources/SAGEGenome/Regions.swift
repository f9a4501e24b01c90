import Foundation

/// A row of the regions table: a gene (TSS-centred window) or any other site. `pos` is the 1-based centre.
public struct Region: Sendable, Equatable {
    public let id: String
    public let chr: String
    public let pos: Int
    /// "+" or "-"; nil when the table has no strand column (then no reverse complement, as SAGE-net).
    public let strand: String?
    /// The region's 1-based line in the regions table it was read from, for messages; nil when not read from one
    /// (e.g. from a store's manifest). Not part of equality.
    public var line: Int? = nil
    public var minusStrand: Bool { strand.map { $0 != "+" } ?? false }

    public static func == (a: Region, b: Region) -> Bool { a.id == b.id && a.chr == b.chr && a.pos == b.pos && a.strand == b.strand }

    /// "region 'ID' (line N of the regions table)", or without the line when unknown.
    public var described: String { "region '\(id)'" + (line.map { " (line \($0) of the regions table)" } ?? "") }
}

/// Reads a regions table (CSV, or TSV when the header line holds a tab; see `TextTable`) with columns `region_id`
/// (or `gene_id`), `chr`, `pos` and optionally `strand`. Errors name the file, the line and what to fix; a table
/// without regions is an error.
public func readRegions(path: String) throws -> [Region] {
    let table = try TextTable(path: path, what: "regions table")
    let header = table.header
    func column(_ names: [String]) -> Int? { names.lazy.compactMap { header.firstIndex(of: $0) }.first }
    guard let idColumn = column(["region_id", "gene_id"]), let chrColumn = column(["chr"]), let posColumn = column(["pos"]) else {
        throw GenomeError("\(path):\(table.headerLine): the header must name region_id (or gene_id), chr and pos; it has \(header.joined(separator: ", "))")
    }
    let strandColumn = column(["strand"])
    var regions: [Region] = []
    var seen: [String: Int] = [:]
    for row in table.rows {
        let line = row.line, fields = row.fields
        guard fields.count == header.count else {
            throw GenomeError("\(path):\(line): \(fields.count) fields, the header has \(header.count)")
        }
        let id = fields[idColumn], chr = fields[chrColumn]
        guard !id.isEmpty, !chr.isEmpty else { throw GenomeError("\(path):\(line): empty region id or chr") }
        guard let pos = Int(fields[posColumn]), pos >= 1 else {
            throw GenomeError("\(path):\(line): pos '\(fields[posColumn])' is not a positive 1-based integer")
        }
        if let first = seen[id] { throw GenomeError("\(path):\(line): duplicate region id '\(id)' (first on line \(first))") }
        seen[id] = line
        let strand = strandColumn.map { fields[$0] }
        if let strand, strand != "+" && strand != "-" {
            throw GenomeError("\(path):\(line): strand '\(strand)' must be + or -")
        }
        regions.append(Region(id: id, chr: chr, pos: pos, strand: strand, line: line))
    }
    if regions.isEmpty { throw GenomeError("\(path): the regions table has a header but no regions") }
    return regions
}
