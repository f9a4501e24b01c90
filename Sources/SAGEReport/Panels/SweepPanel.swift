import Foundation

/// Sweeps: each sweep's results table (best first by the test median; results.csv keeps the grid's order), and
/// per swept key with numeric values the test median against the key's value (the mean over the runs sharing a
/// value, each run a point).
enum SweepPanel {
    static let measures = ["val_region_pearson_median", "test_region_pearson_median", "test_individual_pearson_median", "test_mean_pearson"]

    static func html(_ sweeps: [SweepOutput]) -> String {
        guard !sweeps.isEmpty else { return "" }
        var content = ""
        for sweep in sweeps {
            let test = sweep.column("test_region_pearson_median").map { Double($0) ?? .nan }
            let order = sweep.rows.indices.sorted { a, b in
                let (x, y) = (test[a], test[b])
                if x.isNaN != y.isNaN { return !x.isNaN }
                return x.isNaN ? a < b : (x != y ? x > y : a < b)
            }
            let columns = ["name"] + sweep.keys + ["status", "best_epoch"] + measures + ["seconds"]
            let values = columns.map { sweep.column($0) }
            let rows = order.map { r in
                columns.indices.map { c -> HTML.Cell in
                    let text = values[c][r]
                    if c > sweep.keys.count, let v = Double(text), columns[c] != "name" { return HTML.Cell(number: v) }
                    return HTML.Cell(text)
                }
            }
            content += HTML.element("h3", [:], HTML.text("\(sweep.name): \(sweep.rows.count) runs"))
            content += HTML.table("sweep", headers: columns, rows: rows)
            var figures: [String] = []
            for key in sweep.keys {
                let x = sweep.column(key).map { Double($0.replacingOccurrences(of: "\"", with: "")) }
                guard x.allSatisfy({ $0 != nil }), Set(x.map { $0! }).count > 1 else { continue }
                let pairs = zip(x.map { $0! }, test).filter { $0.1.isFinite }
                let byValue = Dictionary(grouping: pairs, by: \.0).mapValues { $0.map(\.1).reduce(0, +) / Double($0.count) }
                let line = LinePlot.Series(name: "mean over runs", colour: Palette.category(0),
                                           points: byValue.keys.sorted().map { (x: $0, y: byValue[$0]!) })
                let runs = LinePlot.Series(name: "runs", colour: Palette.category(1), dashed: true,
                                           points: pairs.sorted { $0.0 < $1.0 }.map { (x: $0.0, y: $0.1) })
                figures.append(LinePlot(title: "Test median r by \(key)", xLabel: key, yLabel: "median region r (test)", series: [line, runs]).svg())
            }
            if !figures.isEmpty { content += HTML.figures(figures) }
        }
        return HTML.section("sweeps", "Sweeps", intro: "Each sweep's runs, best first by the median per-region Pearson r on the test regions x test individuals (sweep/results.csv has them in the grid's order), and the test median against each numeric key the sweep varies.", content)
    }
}
