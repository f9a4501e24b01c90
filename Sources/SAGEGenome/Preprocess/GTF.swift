import Foundation

/// A `gene` feature of a GTF file (GTF 2.2, as GENCODE and Ensembl write it). Coordinates are the file's: 1-based
/// and inclusive, `start <= end`, so the gene covers bases start...end of `seqname`.
public struct GTFGene: Sendable, Equatable {
    /// Column 1 as written ("chr1" in GENCODE, "1" in Ensembl).
    public let seqname: String
    public let start: Int
    public let end: Int
    /// "+", "-", or "." (unknown).
    public let strand: String
    /// Column 9: each key's first value, quotes removed (SAGE-net's gtf2df takes the first match of a key too).
    public let attributes: [String: String]
    /// The 1-based line of the file, for messages.
    public let line: Int

    /// The 1-based transcription start site: `start` on the plus strand, `end` on the minus strand; nil for ".".
    public var tss: Int? { strand == "+" ? start : strand == "-" ? end : nil }
}

/// Reads every `gene` line of a GTF file (plain, gzip or bgzip). Every other line is checked too but not kept:
/// comments ('#') and blank lines are skipped; any other line must have 9 tab-separated fields, positive integer
/// start <= end and strand +, - or .; a gene line must also have parsable attributes with a `gene_id`. The first
/// line that does not is one error naming the file and the line.
public func readGTFGenes(path: String) throws -> [GTFGene] {
    var genes: [GTFGene] = []
    var tabs = [Int](repeating: 0, count: 8)
    try forEachLine(of: path, what: "GTF") { number, bytes in
        if bytes.isEmpty || bytes[0] == UInt8(ascii: "#") || bytes.allSatisfy({ $0 == 32 || $0 == 9 }) { return }
        if let gene = try GTFLine.parse(bytes, tabs: &tabs, path: path, line: number) { genes.append(gene) }
    }
    return genes
}

/// The column-level parsing of one GTF line, on its bytes (a GENCODE GTF has millions of lines, few of them genes).
enum GTFLine {
    static let tab = UInt8(ascii: "\t")

    /// The line's gene, nil when it is another feature; an error naming `path:line` when malformed. `tabs` (8
    /// entries) is scratch space, reused from line to line.
    static func parse(_ bytes: UnsafeBufferPointer<UInt8>, tabs: inout [Int], path: String, line: Int) throws -> GTFGene? {
        var count = 0, from = 0
        if let base = bytes.baseAddress {
            while from < bytes.count, let hit = memchr(base + from, Int32(tab), bytes.count - from) {
                let i = UnsafeRawPointer(base).distance(to: UnsafeRawPointer(hit))
                if count == 8 { count += 1; break }
                tabs[count] = i
                count += 1
                from = i + 1
            }
        }
        guard count == 8 else {
            let fields = count > 8 ? "more than 9" : "\(count + 1)"
            throw GenomeError("\(path):\(line): \(fields) tab-separated fields; a GTF line has 9 (seqname, source, feature, start, end, score, strand, frame, attributes)")
        }
        func field(_ k: Int) -> UnsafeBufferPointer<UInt8> {
            let from = k == 0 ? 0 : tabs[k - 1] + 1, to = k == 8 ? bytes.count : tabs[k]
            return UnsafeBufferPointer(rebasing: bytes[from..<to])
        }
        func text(_ k: Int) -> String { String(decoding: field(k), as: UTF8.self) }
        guard let start = positiveInteger(field(3)) else { throw GenomeError("\(path):\(line): start '\(text(3))' is not a positive integer (GTF coordinates are 1-based)") }
        guard let end = positiveInteger(field(4)) else { throw GenomeError("\(path):\(line): end '\(text(4))' is not a positive integer (GTF coordinates are 1-based)") }
        guard start <= end else { throw GenomeError("\(path):\(line): start \(start) is after end \(end)") }
        let strand = field(6)
        guard strand.count == 1, strand[0] == UInt8(ascii: "+") || strand[0] == UInt8(ascii: "-") || strand[0] == UInt8(ascii: ".") else {
            throw GenomeError("\(path):\(line): strand '\(text(6))' must be +, - or .")
        }
        let feature = field(2)
        guard feature.count == 4, memcmp(feature.baseAddress!, "gene", 4) == 0 else { return nil }
        let seqname = text(0)
        guard !seqname.isEmpty else { throw GenomeError("\(path):\(line): empty seqname (column 1)") }
        let attributeText = text(8)
        guard let attributes = parseAttributes(attributeText) else {
            throw GenomeError("\(path):\(line): cannot parse the attributes '\(attributeText.prefix(80))': expected key \"value\"; pairs")
        }
        guard let id = attributes["gene_id"], !id.isEmpty else { throw GenomeError("\(path):\(line): the gene has no gene_id attribute") }
        return GTFGene(seqname: seqname, start: start, end: end, strand: text(6), attributes: attributes, line: line)
    }

    /// Digits only, 1 to 15 of them, value >= 1; nil otherwise.
    static func positiveInteger(_ digits: UnsafeBufferPointer<UInt8>) -> Int? {
        guard !digits.isEmpty, digits.count <= 15 else { return nil }
        var value = 0
        for d in digits {
            guard d >= 48 && d <= 57 else { return nil }
            value = value * 10 + Int(d - 48)
        }
        return value >= 1 ? value : nil
    }

    /// GTF column 9, `key "value"; key value; ...`: each key's first value (quotes removed); nil when a key has no
    /// value, a quote does not close, or text follows a value before its ';'. "." or "" is no attributes.
    static func parseAttributes(_ text: String) -> [String: String]? {
        var result: [String: String] = [:]
        if text == "." { return result }
        var rest = Substring(text)
        func skip(_ set: Set<Character>) { rest = rest.drop(while: { set.contains($0) }) }
        while true {
            skip([" ", ";"])
            if rest.isEmpty { return result }
            let key = rest.prefix(while: { $0 != " " && $0 != ";" && $0 != "\"" })
            rest = rest.dropFirst(key.count)
            skip([" "])
            guard !key.isEmpty, let first = rest.first, first != ";" else { return nil }
            let value: Substring
            if first == "\"" {
                rest = rest.dropFirst()
                guard let close = rest.firstIndex(of: "\"") else { return nil }
                value = rest[..<close]
                rest = rest[rest.index(after: close)...]
                skip([" "])
                guard rest.isEmpty || rest.first == ";" else { return nil }
            } else {
                value = rest.prefix(while: { $0 != ";" })
                rest = rest.dropFirst(value.count)
            }
            if result[String(key)] == nil { result[String(key)] = String(value).trimmingCharacters(in: .whitespaces) }
        }
    }
}
