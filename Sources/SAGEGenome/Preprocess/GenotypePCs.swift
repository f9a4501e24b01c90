import Foundation

/// The first `count` genotype PCs of a PLINK `.eigenvec` file, for each of `individuals` (matched on IID), as
/// standardised design columns ("genotype PC1", ...; see `standardisedColumn`).
///
/// Layout: whitespace-separated; PLINK 1.9 writes `FID IID PC1 PC2 ...` without a header, PLINK 2 a header line
/// `#FID IID PC1 ...` or `#IID PC1 ...` (a first line starting with `#`, `FID` or `IID` is a header; its IID column
/// is used). Errors name the file and line: a non-number, a short line, a duplicated IID, fewer PCs than `count`,
/// an individual without a line.
func readGenotypePCs(path: String, individuals: [String], fit: [Int], count: Int) throws -> [CovariateColumn] {
    guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
        throw GenomeError("\(path): cannot read the genotype PCs (missing or not UTF-8)")
    }
    var lines: [(Int, [Substring])] = []
    for (i, raw) in text.unicodeScalars.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
        let fields = Substring(raw).split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\r" })
        if !fields.isEmpty { lines.append((i + 1, fields)) }
    }
    guard let first = lines.first else { throw GenomeError("\(path): the genotype PC file is empty (PLINK .eigenvec: FID IID PC1 PC2 ...)") }
    var idColumn = 1, firstPC = 2, names: [String]? = nil
    let head = first.1[0]
    if head.hasPrefix("#") || head == "FID" || head == "IID" {
        let header = first.1.map { $0.hasPrefix("#") ? String($0.dropFirst()) : String($0) }
        guard let iid = header.firstIndex(of: "IID") else { throw GenomeError("\(path):\(first.0): the header names no IID column") }
        idColumn = iid
        firstPC = header.indices.first { $0 > iid && header[$0].hasPrefix("PC") } ?? iid + 1  // past SID, PAT, ... if any
        names = Array(header[firstPC...])
        lines.removeFirst()
    }
    var pcsOf: [String: (line: Int, pcs: [Double])] = [:]
    for (line, fields) in lines {
        guard fields.count >= firstPC + count else {
            throw GenomeError("\(path):\(line): \(max(fields.count - firstPC, 0)) PC(s), fewer than the \(count) asked for (--genotype-pcs-count)")
        }
        let id = String(fields[idColumn])
        if let earlier = pcsOf[id] { throw GenomeError("\(path):\(line): IID '\(id)' has a second line (first on line \(earlier.line))") }
        let pcs = try (0..<count).map { c -> Double in
            guard let v = Double(fields[firstPC + c]), v.isFinite else {
                throw GenomeError("\(path):\(line): PC \(c + 1) '\(fields[firstPC + c])' of '\(id)' is not a number")
            }
            return v
        }
        pcsOf[id] = (line, pcs)
    }
    let missing = individuals.filter { pcsOf[$0] == nil }
    if let absent = missing.first {
        let more = missing.count > 1 ? " (and \(missing.count - 1) more)" : ""
        throw GenomeError("\(path): sample '\(absent)'\(more) of the expression table has no genotype PCs (matched on IID): add it, or remove the sample from the TPM table")
    }
    return try (0..<count).map { c in
        let name = "genotype " + (names.map { c < $0.count ? $0[c] : "PC\(c + 1)" } ?? "PC\(c + 1)")
        return CovariateColumn(name: name, values: try standardisedColumn(individuals.map { pcsOf[$0]!.pcs[c] }, fit: fit, what: "\(path): \(name)"))
    }
}
