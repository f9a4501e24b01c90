import Foundation

/// One column of the regression's design (a known covariate, a level of a categorical one, or a genotype PC) over
/// every individual in the expression table's order: missing values imputed with the fit individuals' mean, then
/// standardised with the fit individuals' mean and sd (ddof 1).
struct CovariateColumn {
    /// "age", "batch=B" (one level of a categorical column), "genotype PC1".
    let name: String
    let values: [Double]
}

/// Cells read as missing (pandas' default missing markers, the common ones).
let missingCovariateCells: Set<String> = ["", "NA", "N/A", "n/a", "NaN", "nan", "NULL", "null", "None", "<NA>", "#N/A"]

/// The known covariates file: CSV or TSV (see `TextTable`), one row per sample, the first column its id, then one
/// column per covariate (header = names). Numeric columns are used as numbers; a column with any non-numeric
/// value, or named in `categorical`, is categorical: one-hot encoded over its levels (sorted: numerically when all
/// are numbers, else by code point, as pandas) with the first level dropped (`get_dummies(drop_first=True)`).
/// A missing cell (`missingCovariateCells`) is imputed with the fit individuals' mean of the column (of each level's
/// 0/1 column for a categorical one). Every column is then standardised (`standardisedColumn`).
///
/// Errors (one, naming the file, line and column): a sample of the expression table without a row, a duplicated
/// sample or column, a row of another length than the header, a non-finite number, a column constant over the fit
/// individuals (or without any value for them), a categorical column with one level, a level present in none or
/// all of the fit individuals, a name in `categorical` that is not a column.
func readKnownCovariates(path: String, individuals: [String], fit: [Int], categorical: [String]) throws -> [CovariateColumn] {
    let table = try TextTable(path: path, what: "covariates table")
    let names = Array(table.header.dropFirst())
    var columnOf: [String: Int] = [:]
    for (j, name) in names.enumerated() {
        guard !name.isEmpty else { throw GenomeError("\(path):\(table.headerLine): column \(j + 2) has no name (header: sample id, then one name per covariate)") }
        if let first = columnOf[name] { throw GenomeError("\(path):\(table.headerLine): covariate '\(name)' heads two columns (\(first + 2) and \(j + 2))") }
        columnOf[name] = j
    }
    for name in categorical where columnOf[name] == nil {
        throw GenomeError("\(path): --categorical '\(name)' is not a column (its columns: \(names.joined(separator: ", ")))")
    }
    var rowOf: [String: TextTable.Row] = [:]
    for row in table.rows {
        guard row.fields.count == table.header.count else { throw GenomeError("\(path):\(row.line): \(row.fields.count) fields, the header has \(table.header.count)") }
        if let first = rowOf[row.fields[0]] { throw GenomeError("\(path):\(row.line): sample '\(row.fields[0])' has a second row (first on line \(first.line))") }
        rowOf[row.fields[0]] = row
    }
    let missing = individuals.filter { rowOf[$0] == nil }
    if let first = missing.first {
        let more = missing.count > 1 ? " (and \(missing.count - 1) more)" : ""
        throw GenomeError("\(path): sample '\(first)'\(more) of the expression table has no row of covariates: add its row (first column = sample id), or remove the sample from the TPM table")
    }
    let rows = individuals.map { rowOf[$0]! }
    let declared = Set(categorical)
    var columns: [CovariateColumn] = []
    for (j, name) in names.enumerated() {
        let cells = rows.map { $0.fields[j + 1] }
        func place(_ i: Int) -> String { "\(path):\(rows[i].line): column '\(name)'" }
        let isCategorical = declared.contains(name) || cells.contains { !missingCovariateCells.contains($0) && Double($0) == nil }
        if !isCategorical {
            let numbers = try cells.enumerated().map { i, cell -> Double? in
                if missingCovariateCells.contains(cell) { return nil }
                guard let v = Double(cell), v.isFinite else { throw GenomeError("\(place(i)): '\(cell)' is not a finite number") }
                return v
            }
            columns.append(CovariateColumn(name: name, values: try standardisedColumn(numbers, fit: fit, what: "\(path): column '\(name)'")))
            continue
        }
        let present = Set(cells.filter { !missingCovariateCells.contains($0) })
        let allNumbers = present.allSatisfy { Double($0) != nil }
        let levels = present.sorted { a, b in
            allNumbers && Double(a)! != Double(b)! ? Double(a)! < Double(b)! : a.unicodeScalars.lexicographicallyPrecedes(b.unicodeScalars, by: { $0.value < $1.value })
        }
        guard levels.count >= 2 else {
            throw GenomeError("\(path): categorical column '\(name)' has \(levels.isEmpty ? "no value" : "the single level '\(levels[0])'") over the samples of the expression table: nothing to adjust for; remove the column")
        }
        for level in levels.dropFirst() {
            let carriers = fit.filter { cells[$0] == level }.count, valued = fit.filter { !missingCovariateCells.contains(cells[$0]) }.count
            if carriers == 0 || carriers == valued {
                let who = carriers == 0 ? "none" : "every one"
                throw GenomeError("\(path): level '\(level)' of column '\(name)' occurs in \(who) of the \(fit.count) individuals the fit uses (with a value): its effect cannot be fitted; merge it with another level, or change the fit individuals")
            }
            let indicator = cells.map { missingCovariateCells.contains($0) ? nil : ($0 == level ? 1.0 : 0.0) as Double? }
            columns.append(CovariateColumn(name: "\(name)=\(level)",
                                           values: try standardisedColumn(indicator, fit: fit, what: "\(path): level '\(level)' of column '\(name)'")))
        }
    }
    return columns
}

/// `values` (every individual; nil = missing) imputed with the fit individuals' mean of their non-missing values,
/// then (v - mean) / sd over the fit individuals (ddof 1, after the imputation, as pandas). Throws when no fit
/// individual has a value or all their values are equal (nothing to regress on); `what` names the column.
func standardisedColumn(_ values: [Double?], fit: [Int], what: String) throws -> [Double] {
    let known = fit.compactMap { values[$0] }
    guard let first = known.first else {
        throw GenomeError("\(what) has no value for any of the \(fit.count) individuals the fit uses: remove it")
    }
    guard known.contains(where: { $0 != first }) else {
        throw GenomeError("\(what) is constant (\(first)) over the \(fit.count) individuals the fit uses: nothing to adjust for; remove it")
    }
    let imputation = known.reduce(0, +) / Double(known.count)
    let filled = values.map { $0 ?? imputation }
    let mean = fit.reduce(0.0) { $0 + filled[$1] } / Double(fit.count)
    let variance = fit.reduce(0.0) { $0 + (filled[$1] - mean) * (filled[$1] - mean) } / Double(fit.count - 1)
    let sd = variance.squareRoot()
    return filled.map { ($0 - mean) / sd }
}
