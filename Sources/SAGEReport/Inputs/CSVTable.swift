import Foundation
import SAGEEngine
import SAGEPipeline

/// A CSV file with a header, as sage-mpi writes them (fields quoted only when they hold a comma, quote or line
/// break). Errors name the file and the line.
public struct CSVTable {
    public let path: String
    public let header: [String]
    public let rows: [[String]]

    public init(path: String) throws {
        self.path = path
        guard let data = FileManager.default.contents(atPath: path) else { throw ConfigError("\(path): cannot read") }
        guard let text = String(data: data, encoding: .utf8) else { throw ConfigError("\(path): not UTF-8 text") }
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map { $0.hasSuffix("\r") ? String($0.dropLast()) : String($0) }
        if lines.last == "" { lines.removeLast() }
        guard let first = lines.first, !first.isEmpty else { throw ConfigError("\(path): empty (no header line)") }
        header = Self.fields(first)
        var rows: [[String]] = []
        for (k, line) in lines.dropFirst().enumerated() where !line.isEmpty {
            let f = Self.fields(line)
            guard f.count == header.count else {
                throw ConfigError("\(path):\(k + 2): \(f.count) fields, the header has \(header.count); the file is damaged or not sage-mpi's (rewrite it with the command that made it)")
            }
            rows.append(f)
        }
        self.rows = rows
    }

    /// The index of a column the file must have.
    public func column(_ name: String) throws -> Int {
        guard let i = header.firstIndex(of: name) else {
            throw ConfigError("\(path): no column '\(name)' (it has \(header.joined(separator: ", "))); is it an output of this sage-mpi version?")
        }
        return i
    }

    /// A column as numbers ("nan", "NaN" and empty fields are NaN); a field that is not a number is an error.
    public func numbers(_ name: String) throws -> [Double] {
        let c = try column(name)
        return try rows.enumerated().map { k, row in
            let s = row[c]
            if s.isEmpty || s.lowercased() == "nan" { return .nan }
            guard let v = Double(s) else { throw ConfigError("\(path):\(k + 2): \(name) '\(s)' is not a number") }
            return v
        }
    }

    public func strings(_ name: String) throws -> [String] {
        let c = try column(name)
        return rows.map { $0[c] }
    }

    /// Splits one line at commas outside double quotes ("" inside quotes is a quote).
    static func fields(_ line: String) -> [String] {
        guard line.contains("\"") else { return line.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        var out: [String] = [], field = "", quoted = false
        var chars = line.makeIterator()
        while let c = chars.next() {
            if quoted {
                if c == "\"" {
                    if let n = chars.next() {
                        if n == "\"" { field.append("\"") } else { quoted = false; if n == "," { out.append(field); field = "" } else { field.append(n) } }
                    } else { quoted = false }
                } else { field.append(c) }
            } else if c == "\"" { quoted = true } else if c == "," { out.append(field); field = "" } else { field.append(c) }
        }
        out.append(field)
        return out
    }
}

/// A JSON object file (summary.json); errors name the file.
func readJSONObject(_ path: String) throws -> [String: Any] {
    guard let data = FileManager.default.contents(atPath: path) else { throw ConfigError("\(path): cannot read") }
    guard let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else {
        throw ConfigError("\(path): not a JSON object; the file is damaged (rewrite it with the command that made it)")
    }
    return object
}
