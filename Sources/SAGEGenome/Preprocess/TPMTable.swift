import Foundation

/// A TPM matrix as log2(TPM + 1): genes x samples, row-major (gene g at g * samples.count ..< (g + 1) * samples.count).
struct TPMTable {
    let genes: [String]
    let samples: [String]
    let log2TPM: [Double]

    /// Reads a CSV or TSV (the same rules as `TextTable`: tab-separated when the header line holds a tab, LF or
    /// CRLF, blank lines skipped, fields trimmed, double quotes) with one row per gene: the first column the gene
    /// id, then one column per sample (header: anything, then the sample ids). Errors name the file, the line and
    /// the sample: a value that is not a number, a negative or non-finite TPM, a row of another length than the
    /// header, a duplicated gene or sample, an empty sample id, no genes.
    init(path: String) throws {
        guard let data = FileManager.default.contents(atPath: path) else { throw GenomeError("\(path): cannot read the TPM table") }
        var samples: [String] = [], genes: [String] = [], values: [Double] = []
        var delimiter: UInt8 = UInt8(ascii: ","), width = 0
        var geneLine: [String: Int] = [:]
        try data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) in
            let bytes = raw.bindMemory(to: UInt8.self)
            var start = bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? 3 : 0, lineNumber = 0
            while start < bytes.count {
                lineNumber += 1
                var end = start
                while end < bytes.count && bytes[end] != 10 { end += 1 }
                let next = end + 1
                if end > start && bytes[end - 1] == 13 { end -= 1 }
                defer { start = next }
                let line = UnsafeBufferPointer(rebasing: bytes[start..<end])
                if line.allSatisfy({ $0 == 32 || $0 == 9 }) { continue }
                if width == 0 {
                    if line.contains(9) { delimiter = 9 }
                    samples = Array(try Self.fields(line, delimiter, path, lineNumber).dropFirst())
                    guard !samples.isEmpty else { throw GenomeError("\(path):\(lineNumber): the header names no samples (first column = gene id, then one column per sample)") }
                    var column: [String: Int] = [:]
                    for (j, s) in samples.enumerated() {
                        if s.isEmpty { throw GenomeError("\(path):\(lineNumber): column \(j + 2) has no sample id") }
                        if let first = column[s] { throw GenomeError("\(path):\(lineNumber): sample '\(s)' heads two columns (\(first) and \(j + 2))") }
                        column[s] = j + 2
                    }
                    width = samples.count + 1
                    continue
                }
                let fields = try Self.fields(line, delimiter, path, lineNumber)
                guard fields.count == width else { throw GenomeError("\(path):\(lineNumber): \(fields.count) fields, the header has \(width)") }
                let gene = fields[0]
                guard !gene.isEmpty else { throw GenomeError("\(path):\(lineNumber): empty gene id") }
                if let first = geneLine[gene] { throw GenomeError("\(path):\(lineNumber): gene '\(gene)' has a second row (first on line \(first))") }
                geneLine[gene] = lineNumber
                for j in 1..<width {
                    let cell = fields[j]
                    guard let tpm = Double(cell), tpm.isFinite else {
                        throw GenomeError("\(path):\(lineNumber): TPM '\(cell)' of gene '\(gene)' for sample '\(samples[j - 1])' (column \(j + 1)) is not a number")
                    }
                    guard tpm >= 0 else {
                        throw GenomeError("\(path):\(lineNumber): TPM \(cell) of gene '\(gene)' for sample '\(samples[j - 1])' (column \(j + 1)) is negative; TPMs are >= 0 (give TPM, not log values)")
                    }
                    values.append(log2(tpm + 1))
                }
                genes.append(gene)
            }
        }
        if width == 0 { throw GenomeError("\(path): the TPM table is empty (no header line)") }
        if genes.isEmpty { throw GenomeError("\(path): the TPM table has a header but no genes (one row per gene)") }
        self.genes = genes; self.samples = samples; log2TPM = values
    }

    /// The fields of one line: split on the delimiter byte and trimmed of spaces and tabs, or by `TextTable.split`
    /// when the line holds a double quote.
    private static func fields(_ line: UnsafeBufferPointer<UInt8>, _ delimiter: UInt8, _ path: String, _ number: Int) throws -> [String] {
        if line.contains(34) {
            guard let split = TextTable.split(Substring(String(decoding: line, as: UTF8.self)), delimiter: Character(UnicodeScalar(delimiter))) else {
                throw GenomeError("\(path):\(number): unbalanced double quote (a quoted field must close on its line)")
            }
            return split
        }
        var fields: [String] = [], from = 0
        fields.reserveCapacity(64)
        for i in 0...line.count where i == line.count || line[i] == delimiter {
            var a = from, b = i
            while a < b && (line[a] == 32 || line[a] == 9) { a += 1 }
            while b > a && (line[b - 1] == 32 || line[b - 1] == 9) { b -= 1 }
            fields.append(String(decoding: UnsafeBufferPointer(rebasing: line[a..<b]), as: UTF8.self))
            from = i + 1
        }
        return fields
    }
}
