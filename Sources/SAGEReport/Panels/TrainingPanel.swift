import Foundation
import SAGEPipeline

/// Training dynamics of each run: the loss terms by global step (training windows solid, validations dashed),
/// the learning rate, and every validation correlation, with the best epoch (by the run's monitor) marked.
enum TrainingPanel {
    static func html(_ runs: [RunOutput]) -> String {
        guard !runs.isEmpty else { return "" }
        let content = runs.map(run).joined() + overlays(runs)
        return HTML.section("training", "Training", intro: """
            Per run, by global step: the training batches' loss averaged over the steps since the previous \
            point, the validation losses (dashed), the learning rate and the validation correlations. The dashed \
            vertical line is the best epoch by the run's monitored metric (best.safetensors). Runs that log the \
            same metrics are also overlaid, by epoch.
            """, content)
    }

    /// Runs logging the same validation metrics (the same model kind), overlaid by epoch: the end-of-epoch value of
    /// their monitored metrics and of each validation loss, one line per run.
    static func overlays(_ runs: [RunOutput]) -> String {
        let groups = Dictionary(grouping: runs) { Set($0.valLines.flatMap(\.keys)).sorted() }.values.filter { $0.count > 1 }
        var out = ""
        for group in groups.sorted(by: { $0[0].name < $1[0].name }) {
            let shared = Set(group[0].valLines.flatMap(\.keys))
            let keys = (Array(Set(group.map(\.monitor))).sorted() + shared.filter { $0.hasSuffix("_loss") }.sorted()).filter(shared.contains)
            let figures = keys.map { key -> String in
                let series = group.enumerated().map { k, r in
                    LinePlot.Series(name: r.name, colour: Palette.category(k), points: r.epochEnds.map { (x: Double($0.epoch), y: $0.line[key] ?? .nan) })
                }
                return LinePlot(title: key, xLabel: "epoch", yLabel: key.contains("loss") ? "loss (MSE)" : "Pearson r", series: series).svg()
            }
            guard !figures.isEmpty else { continue }
            out += HTML.element("div", ["class": "run", "data-overlay": group.map(\.name).joined(separator: ",")],
                                HTML.element("h3", [:], HTML.text("Overlaid: " + group.map(\.name).joined(separator: ", "))) + HTML.figures(figures))
        }
        return out
    }

    static func run(_ run: RunOutput) -> String {
        let epochs = run.epochEnds.last?.epoch ?? 0
        let maxEpochs = run.config.training.maxEpochs
        var heading = "\(run.name): \(Comparisons.modelLabel(run.model)), \(epochs) of \(maxEpochs) epochs"
        if !run.finished && epochs < maxEpochs { heading += " (not finished)" }
        var markers: [LinePlot.Marker] = []
        if let best = run.bestEpoch, let step = run.step(endingEpoch: best) {
            markers = [LinePlot.Marker(x: step, label: "best: epoch \(best)")]
        }
        func series(_ lines: [[String: Double]], _ key: String, name: String, colour: String, dashed: Bool = false) -> LinePlot.Series? {
            let points = lines.compactMap { line in line["step"].map { (x: $0, y: line[key] ?? .nan) } }
            guard points.contains(where: { $0.y.isFinite }) else { return nil }
            return LinePlot.Series(name: name, colour: colour, dashed: dashed, points: points)
        }
        let valPrefixes = MetricNames.prefixes()
        var lossSeries: [LinePlot.Series] = []
        let trainTerms = run.model == "psagenet" ? [("loss", "batch loss"), ("loss_ref", "batch loss_ref"), ("loss_diff", "batch loss_diff")] : [("loss", "batch loss")]
        for (k, (key, name)) in trainTerms.enumerated() {
            if let s = series(run.trainLines, key, name: name, colour: Palette.category(k)) { lossSeries.append(s) }
        }
        for (k, prefix) in valPrefixes.enumerated() {
            if let s = series(run.valLines, prefix + "loss", name: prefix + "loss", colour: Palette.category(3 + k), dashed: true) { lossSeries.append(s) }
        }
        var figures: [String] = []
        if !lossSeries.isEmpty {
            var plot = LinePlot(title: "Loss", xLabel: "global step", yLabel: "loss (MSE)", series: lossSeries)
            plot.markers = markers
            figures.append(plot.svg())
        }
        if let lr = series(run.trainLines, "lr", name: "learning rate", colour: Palette.category(0)) {
            var plot = LinePlot(title: "Learning rate", xLabel: "global step", yLabel: "learning rate", series: [lr])
            let values = lr.points.map(\.y).filter(\.isFinite)
            plot.logY = (values.max() ?? 1) / max(values.min() ?? 1, 1e-30) > 4
            plot.markers = markers
            figures.append(plot.svg())
        }
        let correlationKeys = Set(run.valLines.flatMap(\.keys)).filter { $0.contains("pearson") && !$0.hasSuffix("_nan") }.sorted()
        // One colour per metric, solid on the training regions (train_), dashed on the validation regions (val_).
        func metric(_ key: String) -> String { String(key.drop { $0 != "_" }) }
        let metrics = Array(Set(correlationKeys.map(metric))).sorted()
        let corr = correlationKeys.compactMap { key in
            series(run.valLines, key, name: key, colour: Palette.category(metrics.firstIndex(of: metric(key)) ?? 0), dashed: key.hasPrefix("val_"))
        }
        if !corr.isEmpty {
            var plot = LinePlot(title: "Validation correlations", xLabel: "global step", yLabel: "Pearson r", series: corr)
            plot.markers = markers
            plot.subtitle = "monitor: \(run.monitor)" + (run.bestValue.map { ", best \(formatValue($0))" } ?? "")
            figures.append(plot.svg())
        }
        let body = figures.isEmpty ? HTML.note("\(run.path): no metrics yet (metrics.jsonl is absent or empty).") : HTML.figures(figures)
        return HTML.element("div", ["class": "run", "data-run": run.name], HTML.element("h3", [:], HTML.text(heading)) + body)
    }
}
