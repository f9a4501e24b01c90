import Foundation

/// Sweeps: each sweep's results table, sortable by its measures or in the grid's order (radio buttons and CSS; the
/// page has no script; best first by the test median at first), and
/// per swept key with numeric values the test median against the key's value (the mean over the runs sharing a
/// value, each run a point).
enum SweepPanel {
    static let measures = ["val_region_pearson_median", "test_region_pearson_median", "test_individual_pearson_median", "test_mean_pearson"]

    /// The measures a table can be sorted by (best first), then the grid's order.
    static let sortKeys = ["test_region_pearson_median", "val_region_pearson_median", "test_individual_pearson_median", "test_mean_pearson"]

    /// Row indices by value, largest first, NaN last, ties in grid order.
    static func bestFirst(_ v: [Double]) -> [Int] {
        v.indices.sorted { a, b in
            if v[a].isNaN != v[b].isNaN { return !v[a].isNaN }
            return v[a].isNaN || v[a] == v[b] ? a < b : v[a] > v[b]
        }
    }

    static func html(_ sweeps: [SweepOutput]) -> String {
        guard !sweeps.isEmpty else { return "" }
        var content = ""
        for (index, sweep) in sweeps.enumerated() {
            let test = sweep.column("test_region_pearson_median").map { Double($0) ?? .nan }
            let columns = ["name"] + sweep.keys + ["status", "best_epoch"] + measures + ["seconds"]
            let values = columns.map { sweep.column($0) }
            func rows(_ order: [Int]) -> [[HTML.Cell]] {
                order.map { r in
                    columns.indices.map { c -> HTML.Cell in
                        let text = values[c][r]
                        if columns[c] == "best_epoch", let n = Int(text) { return HTML.Cell(count: n) }
                        if c > sweep.keys.count, let v = Double(text) { return HTML.Cell(number: v) }
                        return HTML.Cell(text)
                    }
                }
            }
            content += HTML.element("h3", [:], HTML.text("\(sweep.name): \(sweep.rows.count) runs"))
            // Sortable without a script: one radio button per ordering, the checked one's table shown (CSS).
            let orderings = sortKeys.map { key in (label: "by \(key)", order: bestFirst(sweep.column(key).map { Double($0) ?? .nan })) }
                + [(label: "in grid order", order: Array(sweep.rows.indices))]
            var views = "", buttons = ""
            for (k, ordering) in orderings.enumerated() {
                let id = "sweep-\(index)-\(k)"
                buttons += k == 0 ? SVG.element("input", ["type": "radio", "name": "sweep-\(index)", "id": id, "class": "v\(k)", "checked": "checked"])
                                  : SVG.element("input", ["type": "radio", "name": "sweep-\(index)", "id": id, "class": "v\(k)"])
                buttons += HTML.element("label", ["for": id], HTML.text(ordering.label))
                views += HTML.element("div", ["class": "view v\(k)"], HTML.table(k == 0 ? "sweep" : "sweep-\(k)", headers: columns, rows: rows(ordering.order)))
            }
            content += HTML.element("div", ["class": "sortable"], HTML.element("span", ["class": "sortby"], "Sort: ") + buttons + views)
            var figures: [String] = []
            for key in sweep.keys {
                let x = sweep.column(key).map { Double($0.replacingOccurrences(of: "\"", with: "")) }
                guard x.allSatisfy({ $0 != nil }), Set(x.map { $0! }).count > 1 else { continue }
                let pairs = zip(x.map { $0! }, test).filter { $0.1.isFinite }
                let byValue = Dictionary(grouping: pairs, by: \.0).mapValues { $0.map(\.1).reduce(0, +) / Double($0.count) }
                let line = LinePlot.Series(name: "mean over the runs with each value", colour: Palette.category(0),
                                           points: byValue.keys.sorted().map { (x: $0, y: byValue[$0]!) })
                figures.append(LinePlot(title: "Test median r by \(key)", xLabel: key, yLabel: "median region r (test)", series: [line]).svg())
            }
            if !figures.isEmpty { content += HTML.figures(figures) }
        }
        return HTML.section("sweeps", "Sweeps", intro: "Each sweep's runs, best first by the median per-region Pearson r on the test regions x test individuals; sort by another measure or show the grid's order (as in sweep/results.csv) with the links above each table. Then the test median against each numeric key the sweep varies (the mean over the runs sharing a value).", content)
    }
}
