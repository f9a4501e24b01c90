import Foundation
import SwiftCSV

/// An expression table: regions x individuals (first column the region id, header the individual ids).
public struct ExpressionTable: Sendable {
    public let regionIDs: [String]
    public let individuals: [String]
    /// values[r][i]
    public let values: [[Double]]
    public func row(of region: String) -> [Double]? { regionIDs.firstIndex(of: region).map { values[$0] } }
}

/// Reads an expression CSV/TSV; a non-numeric value is an error naming the line, the column and the value.
public func readExpression(path: String) throws -> ExpressionTable {
    guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
        throw GenomeError("\(path): cannot read the expression table (missing or not UTF-8)")
    }
    let table: CSV<Enumerated>
    do {
        table = try CSV<Enumerated>(string: text, delimiter: text.prefix { $0 != "\n" }.contains("\t") ? .tab : .comma, loadColumns: false)
    } catch {
        throw GenomeError("\(path): not a valid CSV/TSV table: \(error)")
    }
    let individuals = Array(table.header.dropFirst())
    guard !individuals.isEmpty else { throw GenomeError("\(path): the header names no individuals (first column = region id, then one column per individual)") }
    var ids: [String] = [], values: [[Double]] = []
    for (i, row) in table.rows.enumerated() {
        let line = i + 2
        guard row.count == table.header.count else { throw GenomeError("\(path):\(line): \(row.count) fields, the header has \(table.header.count)") }
        values.append(try row.dropFirst().enumerated().map { j, cell in
            guard let v = Double(cell.trimmingCharacters(in: .whitespaces)), v.isFinite else {
                throw GenomeError("\(path):\(line): value '\(cell)' for individual '\(individuals[j])' is not a number")
            }
            return v
        })
        ids.append(row[0])
    }
    return ExpressionTable(regionIDs: ids, individuals: individuals, values: values)
}

/// SAGE-net's targets for one region: y0 = mean (or median) over the training individuals; y1 per individual =
/// the deviation y - y0, a z-score (y - mean) / sd with sd over the training individuals (ddof 1), or raw y.
public enum TargetCentre: String, Sendable { case mean, median }
public enum TargetDeviation: String, Sendable { case deviation, zscore, raw }

public func regionTargets(_ values: [Double], training: [Int], centre: TargetCentre = .mean,
                          deviation: TargetDeviation = .zscore) -> (y0: Double, y1: [Double]) {
    let train = training.map { values[$0] }.sorted()
    let mean = train.reduce(0, +) / Double(max(train.count, 1))
    let median = train.isEmpty ? 0 : train.count % 2 == 1 ? train[train.count / 2] : (train[train.count / 2 - 1] + train[train.count / 2]) / 2
    let y0 = centre == .mean ? mean : median
    switch deviation {
    case .raw: return (y0, values)
    case .deviation: return (y0, values.map { $0 - y0 })
    case .zscore:
        let sd = train.count > 1 ? (train.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(train.count - 1)).squareRoot() : 0
        return (y0, values.map { sd > 0 ? ($0 - mean) / sd : 0 })
    }
}

/// Ids one per line; blank lines and surrounding spaces ignored; duplicates are an error.
public func readIndividualList(_ path: String) throws -> [String] {
    guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { throw GenomeError("\(path): cannot read the individual list") }
    var seen = Set<String>(), ids: [String] = []
    for (i, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
        let id = line.trimmingCharacters(in: .whitespaces)
        guard !id.isEmpty else { continue }
        guard seen.insert(id).inserted else { throw GenomeError("\(path):\(i + 1): individual '\(id)' listed twice") }
        ids.append(id)
    }
    if ids.isEmpty { throw GenomeError("\(path): no individuals listed") }
    return ids
}
