import Foundation

/// Simulated cohorts: whether PrediXcan recovers the planted causal variants (its causal.csv: the top-weighted
/// feature is a planted variant; the share of |weight| on planted variants), against how well it predicts.
/// Variant-effect scores and planted motifs join here once the attribution and motif outputs exist.
enum TruthPanel {
    static func html(_ inputs: ReportInputs) -> String {
        let reports = inputs.predixcan.filter { $0.causal != nil }
        guard !reports.isEmpty || !inputs.cohorts.isEmpty else { return "" }
        var content = ""
        if !inputs.cohorts.isEmpty {
            let rows = inputs.cohorts.map { c in [HTML.Cell(c.name), HTML.Cell(count: c.regionCount), HTML.Cell(count: c.regionsWithCausal), HTML.Cell(count: c.causalVariantCount)] }
            content += HTML.table("cohorts", headers: ["simulated cohort", "regions", "regions with planted variants", "planted causal variants"], rows: rows)
        }
        var figures: [String] = [], rows: [[HTML.Cell]] = []
        for p in reports {
            let c = p.causal!
            let scored = c.topIsCausal.indices.filter { c.topIsCausal[$0].isFinite }
            let top = scored.filter { c.topIsCausal[$0] == 1 }.count
            let planted = c.nCausal.filter(\.isFinite).reduce(0, +), inFeatures = c.nCausalFeatures.filter(\.isFinite).reduce(0, +)
            let shares = scored.map { c.causalWeightShare[$0] }
            rows.append([HTML.Cell(p.name), HTML.Cell(count: scored.count), HTML.Cell(count: top),
                         HTML.Cell(number: scored.isEmpty ? .nan : Double(top) / Double(scored.count)),
                         HTML.Cell(number: Summary(shares).median), HTML.Cell(count: Int(inFeatures)), HTML.Cell(count: Int(planted))])
            let testR = p.testPearsonByRegion
            let points = scored.map { k in (id: c.regionIDs[k], x: c.causalWeightShare[k], y: testR[c.regionIDs[k]] ?? .nan) }
            var plot = ScatterPlot(title: "Planted variants' weight and accuracy", xLabel: "share of |weight| on planted causal variants",
                                   yLabel: "PrediXcan test r", points: points)
            plot.colour = Palette.model("PrediXcan")!
            plot.identity = false
            plot.width = 420
            figures.append(plot.svg())
            // The share of |weight| on planted variants, for regions whose top-weighted feature is one and for the others.
            let cells = [("top feature causal", 1.0), ("top feature not causal", 0.0)].map { group, flag in
                DistributionPlot.Cell(group: group, model: "PrediXcan",
                                      values: scored.filter { c.topIsCausal[$0] == flag }.map { (id: c.regionIDs[$0], value: c.causalWeightShare[$0]) })
            }.filter { !$0.values.isEmpty }
            var distribution = DistributionPlot(title: "Planted share of |weight|", yLabel: "causal weight share",
                                                groups: cells.map(\.group), models: ["PrediXcan"], cells: cells)
            distribution.width = cells.count == 1 ? 320 : 420
            figures.append(distribution.svg())
        }
        if !rows.isEmpty {
            content += HTML.table("truth", headers: ["PrediXcan", "regions scored", "top-weighted feature causal", "fraction", "median causal share of |weight|",
                                                     "planted variants among features", "planted variants"], rows: rows)
            content += HTML.figures(figures)
        } else {
            content += HTML.note("No PrediXcan output with a causal-variant report: run `sage-mpi baseline predixcan --causal COHORT/truth/causal_variants.csv`.")
        }
        content += HTML.note("Variant-effect scores and planted motifs are shown once attribution and motif outputs are given.")
        return HTML.section("truth", "Planted truth", intro: """
            Simulated cohorts plant 1-3 causal variants per region. A region is scored when it has planted \
            variants and PrediXcan kept non-zero weights: is its top-weighted feature a planted variant, and how \
            much of the |weight| do planted variants carry?
            """, content)
    }
}
