import Foundation

/// A small delimited text table (the regions and expression tables), read line by line so that every row keeps the
/// line it came from. CSV, or TSV when the header line holds a tab. Lines end in LF or CRLF (a trailing '\r' is
/// dropped), a UTF-8 byte-order mark is ignored, blank lines are skipped, and fields are trimmed of spaces. A field
/// may be double-quoted ("a,b"; "" is a quote inside one) but not span lines. `header` is the first non-blank line.
struct TextTable {
    struct Row {
        /// 1-based line number in the file.
        let line: Int
        let fields: [String]
    }
    let path: String
    let header: [String]
    let headerLine: Int
    let rows: [Row]

    /// Reads `path`; `what` names the table in errors ("regions table").
    init(path: String, what: String) throws {
        self.path = path
        guard let data = FileManager.default.contents(atPath: path), var text = String(data: data, encoding: .utf8) else {
            throw GenomeError("\(path): cannot read the \(what) (missing or not UTF-8)")
        }
        if text.hasPrefix("\u{FEFF}") { text.removeFirst() }
        var lines: [(Int, Substring)] = []
        // Split on "\n" scalars: in Swift "\r\n" is one Character, which a Character split would not break.
        for (i, raw) in text.unicodeScalars.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            var line = Substring(raw)
            if line.hasSuffix("\r") { line = line.dropLast() }
            if !line.allSatisfy({ $0 == " " || $0 == "\t" }) { lines.append((i + 1, line)) }
        }
        guard let first = lines.first else { throw GenomeError("\(path): the \(what) is empty (no header line)") }
        let delimiter: Character = first.1.contains("\t") ? "\t" : ","
        func fields(_ line: Int, _ text: Substring) throws -> [String] {
            guard let split = Self.split(text, delimiter: delimiter) else {
                throw GenomeError("\(path):\(line): unbalanced double quote (a quoted field must close on its line)")
            }
            return split
        }
        header = try fields(first.0, first.1)
        headerLine = first.0
        rows = try lines.dropFirst().map { Row(line: $0.0, fields: try fields($0.0, $0.1)) }
    }

    /// The fields of one line, trimmed of spaces, or nil when a quote does not close.
    static func split(_ line: Substring, delimiter: Character) -> [String]? {
        var fields: [String] = [], field = "", quoted = false, wasQuoted = false
        var chars = line.makeIterator()
        func finish() { fields.append(wasQuoted ? field : field.trimmingCharacters(in: .whitespaces)); field = ""; wasQuoted = false }
        while let c = chars.next() {
            if quoted {
                if c == "\"" {
                    // A doubled quote is a literal one; otherwise the quoted part ends.
                    var rest = chars
                    if rest.next() == "\"" { field.append("\""); chars = rest } else { quoted = false }
                } else {
                    field.append(c)
                }
            } else if c == delimiter {
                finish()
            } else if c == "\"" && field.allSatisfy({ $0 == " " }) {
                quoted = true; wasQuoted = true; field = ""
            } else {
                field.append(c)
            }
        }
        guard !quoted else { return nil }
        finish()
        return fields
    }
}
