/// Model against model, per region, in each region set: p-SAGE-net first (the model under study) against every
/// other, then the remaining pairs; points are the regions both models have.
enum ScatterPanel {
    static func html(_ c: Comparisons) -> String {
        var figures: [String] = [], rows: [[HTML.Cell]] = []
        for g in c.orderedGroups {
            guard let byModel = c.regionValues[g] else { continue }
            let models = c.models.filter { byModel[$0] != nil }
            for (i, a) in models.enumerated() {
                for b in models[(i + 1)...] {
                    // The model under study on the y axis (SAGE-net's figures put the new model against the baseline).
                    let (xModel, yModel) = b.hasPrefix("p-SAGE-net") && !a.hasPrefix("p-SAGE-net") ? (a, b) : (b, a)
                    let xs = Dictionary(byModel[xModel]!.map { ($0.id, $0.value) }) { a, _ in a }
                    let points = byModel[yModel]!.compactMap { p in xs[p.id].map { (id: p.id, x: $0, y: p.value) } }
                    guard !points.isEmpty else { continue }
                    let plot = ScatterPlot(title: c.label(g), xLabel: "\(xModel) r", yLabel: "\(yModel) r", points: points)
                    figures.append(plot.svg())
                    let s = plot.statistics
                    rows.append([HTML.Cell(c.label(g)), HTML.Cell(yModel), HTML.Cell(xModel), HTML.Cell(count: s.n),
                                 HTML.Cell(number: s.pearson), HTML.Cell(number: s.spearman),
                                 HTML.Cell(count: plot.finitePoints.filter { $0.y > $0.x }.count)])
                }
            }
        }
        guard !figures.isEmpty else { return "" }
        return HTML.section("scatter", "Model against model", intro: """
            Per-region r of one model against another on the regions both have, with the identity line; points \
            above it are regions where the model on the y axis does better. n, Pearson and Spearman correlation \
            of the two models' per-region r; many points are coloured by their density.
            """,
                            HTML.figures(figures) + HTML.table("scatter", headers: ["set", "y model", "x model", "regions", "Pearson", "Spearman", "y better"], rows: rows))
    }
}
