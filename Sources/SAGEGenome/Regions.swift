import Foundation
import SwiftCSV

/// A row of the regions table: a gene (TSS-centred window) or any other site. `pos` is the 1-based centre.
public struct Region: Sendable, Equatable {
    public let id: String
    public let chr: String
    public let pos: Int
    /// "+" or "-"; nil when the table has no strand column (then no reverse complement, as SAGE-net).
    public let strand: String?
    public var minusStrand: Bool { strand.map { $0 != "+" } ?? false }
}

/// Reads a regions table (CSV, or TSV when the header line holds a tab) with columns `region_id` (or `gene_id`),
/// `chr`, `pos` and optionally `strand`. Errors name the file, the line and what to fix.
public func readRegions(path: String) throws -> [Region] {
    guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
        throw GenomeError("\(path): cannot read the regions table (missing or not UTF-8)")
    }
    let firstLine = text.prefix { $0 != "\n" }
    let table: CSV<Enumerated>
    do {
        table = try CSV<Enumerated>(string: text, delimiter: firstLine.contains("\t") ? .tab : .comma, loadColumns: false)
    } catch {
        throw GenomeError("\(path): not a valid CSV/TSV table: \(error)")
    }
    let header = table.header.map { $0.trimmingCharacters(in: .whitespaces) }
    func column(_ names: [String]) -> Int? { names.lazy.compactMap { header.firstIndex(of: $0) }.first }
    guard let idColumn = column(["region_id", "gene_id"]), let chrColumn = column(["chr"]), let posColumn = column(["pos"]) else {
        throw GenomeError("\(path): the header must name region_id (or gene_id), chr and pos; it has \(header.joined(separator: ", "))")
    }
    let strandColumn = column(["strand"])
    var regions: [Region] = []
    var seen: [String: Int] = [:]
    for (i, row) in table.rows.enumerated() {
        let line = i + 2
        guard row.count == header.count else {
            throw GenomeError("\(path):\(line): \(row.count) fields, the header has \(header.count)")
        }
        let id = row[idColumn], chr = row[chrColumn]
        guard !id.isEmpty, !chr.isEmpty else { throw GenomeError("\(path):\(line): empty region id or chr") }
        guard let pos = Int(row[posColumn]), pos >= 1 else {
            throw GenomeError("\(path):\(line): pos '\(row[posColumn])' is not a positive 1-based integer")
        }
        if let first = seen[id] { throw GenomeError("\(path):\(line): duplicate region id '\(id)' (first on line \(first))") }
        seen[id] = line
        let strand = strandColumn.map { row[$0] }
        if let strand, strand != "+" && strand != "-" {
            throw GenomeError("\(path):\(line): strand '\(strand)' must be + or -")
        }
        regions.append(Region(id: id, chr: chr, pos: pos, strand: strand))
    }
    return regions
}

/// Maps a region's `chr` ("1", "chr1", "X") to the contig name a file uses: exact, then with "chr" added, then
/// with "chr" removed, unless an explicit prefix is given (SAGE-net's contig_prefix).
public func resolveContig(_ chr: String, in contigs: [String], prefix: String? = nil, file: String) throws -> String {
    let bare = chr.hasPrefix("chr") ? String(chr.dropFirst(3)) : chr
    var candidates = prefix.map { [$0 + bare] } ?? [chr, "chr" + bare, bare]
    candidates = candidates.enumerated().filter { i, c in !candidates[..<i].contains(c) }.map(\.element)
    if let hit = candidates.first(where: contigs.contains) { return hit }
    throw GenomeError("\(file): no contig for chromosome '\(chr)' (tried \(candidates.joined(separator: ", "))); it has \(contigs.prefix(12).joined(separator: ", "))\(contigs.count > 12 ? ", ..." : ""); fix the regions table's chr (or the contig_prefix)")
}
