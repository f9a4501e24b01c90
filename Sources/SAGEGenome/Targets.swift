import Foundation

/// An expression table: regions x individuals (first column the region id, header the individual ids).
public struct ExpressionTable: Sendable {
    public let regionIDs: [String]
    public let individuals: [String]
    /// values[r][i]
    public let values: [[Double]]
    public func row(of region: String) -> [Double]? { regionIDs.firstIndex(of: region).map { values[$0] } }
}

/// Reads an expression CSV/TSV (see `TextTable`). Errors name the file and the line (and column): a non-numeric
/// value, a row with another number of fields than the header, a region id on two rows, an individual id in two
/// columns, or a table without individuals or regions.
public func readExpression(path: String) throws -> ExpressionTable {
    let table = try TextTable(path: path, what: "expression table")
    let individuals = Array(table.header.dropFirst())
    guard !individuals.isEmpty else { throw GenomeError("\(path): the header names no individuals (first column = region id, then one column per individual)") }
    var firstColumn: [String: Int] = [:]
    for (j, id) in individuals.enumerated() {
        // Columns are 1-based as a spreadsheet counts them, the region id column being column 1.
        if let first = firstColumn[id] {
            throw GenomeError("\(path):\(table.headerLine): individual '\(id)' heads two columns (\(first) and \(j + 2)); each individual must have one column")
        }
        firstColumn[id] = j + 2
    }
    var ids: [String] = [], values: [[Double]] = [], firstLine: [String: Int] = [:]
    for row in table.rows {
        let line = row.line
        guard row.fields.count == table.header.count else { throw GenomeError("\(path):\(line): \(row.fields.count) fields, the header has \(table.header.count)") }
        let id = row.fields[0]
        if let first = firstLine[id] { throw GenomeError("\(path):\(line): region '\(id)' has a second row (first on line \(first)); each region must have one row") }
        firstLine[id] = line
        values.append(try row.fields.dropFirst().enumerated().map { j, cell in
            guard let v = Double(cell), v.isFinite else {
                throw GenomeError("\(path):\(line): value '\(cell)' for individual '\(individuals[j])' is not a number")
            }
            return v
        })
        ids.append(id)
    }
    if ids.isEmpty { throw GenomeError("\(path): the expression table has a header but no rows (one row per region)") }
    return ExpressionTable(regionIDs: ids, individuals: individuals, values: values)
}

/// SAGE-net's targets for one region: y0 = mean (or median) over the training individuals; y1 per individual =
/// the deviation y - y0, a z-score (y - mean) / sd with sd over the training individuals (ddof 1), or raw y.
public enum TargetCentre: String, Sendable { case mean, median }
public enum TargetDeviation: String, Sendable { case deviation, zscore, raw }

public func regionTargets(_ values: [Double], training: [Int], centre: TargetCentre = .mean,
                          deviation: TargetDeviation = .zscore) -> (y0: Double, y1: [Double]) {
    let statistics = TargetStatistics(training: training.map { values[$0] }, centre: centre)
    return (statistics.y0, statistics.deviations(values, deviation))
}

/// The training individuals' numbers a region's targets are made of: y0 (their mean or median), their mean and
/// their sd (ddof 1; 0 with fewer than two). Computed in one table and applied to another for a second cohort.
public struct TargetStatistics: Sendable, Equatable {
    public let y0: Double, mean: Double, sd: Double

    public init(training values: [Double], centre: TargetCentre = .mean) {
        let train = values.sorted()
        mean = train.reduce(0, +) / Double(max(train.count, 1))
        let median = train.isEmpty ? 0 : train.count % 2 == 1 ? train[train.count / 2] : (train[train.count / 2 - 1] + train[train.count / 2]) / 2
        y0 = centre == .mean ? mean : median
        let m = mean
        sd = train.count > 1 ? (train.map { ($0 - m) * ($0 - m) }.reduce(0, +) / Double(train.count - 1)).squareRoot() : 0
    }

    /// y1 of `values`: y - y0, (y - mean) / sd (0 when sd is 0), or raw y.
    public func deviations(_ values: [Double], _ deviation: TargetDeviation) -> [Double] {
        switch deviation {
        case .raw: return values
        case .deviation: return values.map { $0 - y0 }
        case .zscore: return values.map { sd > 0 ? ($0 - mean) / sd : 0 }
        }
    }
}

/// Ids one per line (LF or CRLF line ends); blank lines and surrounding spaces ignored; duplicates, or no id at all,
/// are an error naming the file.
public func readIndividualList(_ path: String) throws -> [String] {
    guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { throw GenomeError("\(path): cannot read the individual list") }
    var seen: [String: Int] = [:], ids: [String] = []
    // Split on "\n" scalars: in Swift "\r\n" is one Character, which a Character split would not break.
    for (i, line) in text.unicodeScalars.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
        let id = String(line).trimmingCharacters(in: .whitespacesAndNewlines).trimmingCharacters(in: ["\u{FEFF}"])
        guard !id.isEmpty else { continue }
        if let first = seen[id] { throw GenomeError("\(path):\(i + 1): individual '\(id)' listed twice (first on line \(first))") }
        seen[id] = i + 1
        ids.append(id)
    }
    if ids.isEmpty { throw GenomeError("\(path): no individuals listed (one id per line)") }
    return ids
}
