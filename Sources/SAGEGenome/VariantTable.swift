// Variants to score in a region's window (SAGE-net's variant_info: region_id, chr, pos, ref, alt), and their
// insertion into the reference with the personal-haplotype rules of Haplotype.swift (applyAlleles), so that an
// indel shifts and truncates exactly as it would in a personal haplotype.

/// One variant to score: `pos` is 1-based (VCF), `ref`/`alt` upper-case bases; `line` is the table's line (1-based)
/// when it came from a file.
public struct VariantRow: Sendable, Equatable {
    public let regionID: String
    public let chr: String
    public let pos: Int
    public let ref: [UInt8]
    public let alt: [UInt8]
    public var line: Int?

    public init(regionID: String, chr: String, pos: Int, ref: [UInt8], alt: [UInt8], line: Int? = nil) {
        self.regionID = regionID; self.chr = chr; self.pos = pos; self.ref = ref; self.alt = alt; self.line = line
    }

    /// chr:pos:ref:alt.
    public var label: String { "\(chr):\(pos):\(String(decoding: ref, as: UTF8.self)):\(String(decoding: alt, as: UTF8.self))" }

    /// `chr:pos:ref:alt` (pos 1-based) for `regionID`, or nil when malformed.
    public static func parse(_ text: String, regionID: String) -> VariantRow? {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 4, !parts[0].isEmpty, let pos = Int(parts[1]), pos >= 1,
              let ref = dnaAllele(parts[2]), let alt = dnaAllele(parts[3]) else { return nil }
        return VariantRow(regionID: regionID, chr: parts[0], pos: pos, ref: ref, alt: alt)
    }
}

/// An allele of A, C, G, T, N (either case; upper-cased), or nil.
public func dnaAllele(_ text: String) -> [UInt8]? {
    let bytes = Array(text.uppercased().utf8)
    guard !bytes.isEmpty, bytes.allSatisfy({ "ACGTN".utf8.contains($0) }) else { return nil }
    return bytes
}

/// Reads a variant table: CSV, or TSV when the header holds a tab; columns region_id (or gene_id, gene), chr, pos
/// (1-based), ref, alt, in any order (others ignored), e.g. a simulation's truth/causal_variants.csv. A bad row
/// is one error naming the file and its line.
public func readVariantTable(path: String) throws -> [VariantRow] {
    let table = try TextTable(path: path, what: "variant table")
    func column(_ names: [String]) throws -> Int {
        guard let i = table.header.firstIndex(where: { names.contains($0) }) else {
            throw GenomeError("\(path):\(table.headerLine): the header must name region_id (or gene_id), chr, pos, ref and alt; it has \(table.header.joined(separator: ", "))")
        }
        return i
    }
    let id = try column(["region_id", "gene_id", "gene"]), chr = try column(["chr"]), pos = try column(["pos"])
    let ref = try column(["ref"]), alt = try column(["alt"])
    return try table.rows.map { row in
        guard row.fields.count == table.header.count else {
            throw GenomeError("\(path):\(row.line): \(row.fields.count) fields, the header has \(table.header.count)")
        }
        let f = row.fields
        guard !f[id].isEmpty, !f[chr].isEmpty else { throw GenomeError("\(path):\(row.line): empty region_id or chr") }
        guard let p = Int(f[pos]), p >= 1 else { throw GenomeError("\(path):\(row.line): pos '\(f[pos])' is not a positive integer (1-based)") }
        guard let r = dnaAllele(f[ref]) else { throw GenomeError("\(path):\(row.line): ref '\(f[ref])' is not a DNA allele (A, C, G, T, N)") }
        guard let a = dnaAllele(f[alt]) else { throw GenomeError("\(path):\(row.line): alt '\(f[alt])' is not a DNA allele (A, C, G, T, N)") }
        return VariantRow(regionID: f[id], chr: f[chr], pos: p, ref: r, alt: a, line: row.line)
    }
}

/// `reference` (genome bases from `windowStart`, 0-based) with `variant` applied by `applyAlleles`: REF checked
/// against the window, an indel shifting what follows. The report says whether it applied (or why not: REF
/// mismatch, starting before the window). Truncation to input_len comes after (modelSequence).
public func insertVariant(_ variant: VariantRow, reference: [UInt8], windowStart: Int) -> (haplotype: [UInt8], report: HaplotypeReport) {
    let record = VariantRecord(contig: variant.chr, pos: variant.pos - 1, ref: variant.ref, alts: [variant.alt], genotypes: [], phased: [])
    var report = HaplotypeReport()
    let haplotype = applyAlleles(reference: reference, windowStart: windowStart, edits: [(record, 1)], report: &report)
    return (haplotype, report)
}
