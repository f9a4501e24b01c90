/// Per-region r across held-out individuals, and per-individual r across regions: a box and violin with the
/// points for each model in each region set, and a table of the numbers drawn.
enum DistributionPanels {
    static func regions(_ c: Comparisons) -> String {
        guard !c.regionValues.isEmpty else { return "" }
        let individuals = Set(c.groups.map(\.individuals))
        let across = individuals.count == 1 ? Comparisons.individualsLabel(individuals.first!) : "each set's individuals"
        return HTML.section("region-r", "Per-region correlation", intro: """
            For each region, Pearson r across \(across) between the predicted and the observed deviation from \
            the region's mean (PrediXcan: its prediction and the target). Boxes: quartiles, whiskers to min and \
            max, median labelled; violins: the density; points: one per region (hover for its id).
            """,
                            panel(c, c.regionValues, name: "region_r", yLabel: "per-region Pearson r", what: "regions"))
    }

    static func individuals(_ c: Comparisons) -> String {
        guard !c.individualValues.isEmpty else { return "" }
        return HTML.section("individual-r", "Per-individual correlation", intro: """
            For each individual, Pearson r across the regions of the set between predicted and observed \
            expression.
            """,
                            panel(c, c.individualValues, name: "individual_r", yLabel: "per-individual Pearson r", what: "individuals"))
    }

    static func panel(_ c: Comparisons, _ values: [Comparisons.Group: [String: [(id: String, value: Double)]]], name: String,
                      yLabel: String, what: String) -> String {
        let groups = c.orderedGroups.filter { values[$0] != nil }
        let models = c.models.filter { m in groups.contains { values[$0]?[m] != nil } }
        var cells: [DistributionPlot.Cell] = []
        var rows: [[HTML.Cell]] = []
        for g in groups {
            for m in models {
                guard let v = values[g]?[m] else { continue }
                cells.append(DistributionPlot.Cell(group: c.label(g), model: m, values: v))
                let s = Summary(v.map(\.value))
                rows.append([HTML.Cell(c.label(g)), HTML.Cell(m), HTML.Cell(count: s.n), HTML.Cell(count: s.nonFinite),
                             HTML.Cell(number: s.median), HTML.Cell(number: s.mean), HTML.Cell(number: s.q1), HTML.Cell(number: s.q3)])
            }
        }
        var plot = DistributionPlot(title: yLabel.prefix(1).uppercased() + yLabel.dropFirst(), yLabel: yLabel,
                                    groups: groups.map(c.label), models: models, cells: cells)
        plot.width = min(1080, max(520, Double(groups.count * max(models.count, 1)) * 110 + 120))
        let table = HTML.table(name, headers: ["set", "model", what, "NaN", "median", "mean", "Q1", "Q3"], rows: rows)
        return HTML.figures([plot.svg()]) + table
    }
}
