import Foundation
import SAGEEngine
import SAGEPipeline

/// What was run: the versions, each input directory with its kind, and per run, evaluation and PrediXcan
/// output its configuration, ranks and times.
enum HeaderPanel {
    static func html(_ inputs: ReportInputs, version: String, generated: Date) -> String {
        let counts = "\(inputs.runs.count) run(s), \(inputs.evaluations.count) evaluation(s), \(inputs.predixcan.count) PrediXcan output(s) "
            + "\(inputs.enformer.count) Enformer baseline(s), \(inputs.applied.count) PrediXcan application(s), \(inputs.sweeps.count) sweep(s) "
            + "and \(inputs.cohorts.count) simulated cohort(s)"
        var content = HTML.element("p", ["class": "meta"], HTML.text("Written by sage-mpi \(version) on \(timestamp(generated)) from \(counts)."))
        if !inputs.runs.isEmpty {
            let rows = inputs.runs.map { r -> [HTML.Cell] in
                let epochs = r.epochEnds.last?.epoch ?? 0
                return [HTML.Cell(r.name), HTML.Cell(Comparisons.modelLabel(r.model)), HTML.Cell(r.ranks.map(String.init) ?? "?"),
                        HTML.Cell(count: r.config.training.batchSize), HTML.Cell("\(epochs) / \(r.config.training.maxEpochs)"),
                        HTML.Cell(r.bestEpoch.map(String.init) ?? "-"), HTML.Cell(r.monitor), r.bestValue.map { HTML.Cell(number: $0) } ?? HTML.Cell("-"),
                        HTML.Cell(r.computeSeconds.map(duration) ?? "-"), HTML.Cell(r.lastWritten.map(timestamp) ?? "-"), HTML.Cell(r.path)]
            }
            content += HTML.element("h3", [:], "Training runs")
            content += HTML.table("runs", headers: ["run", "model", "ranks", "batch per rank", "epochs", "best epoch", "monitor", "best", "compute time", "last written", "directory"], rows: rows)
            content += inputs.runs.map(configuration).joined()
        }
        if !inputs.evaluations.isEmpty {
            let rows = inputs.evaluations.map { e -> [HTML.Cell] in
                [HTML.Cell(e.name), HTML.Cell(Comparisons.modelLabel(e.model)), HTML.Cell(e.regions), HTML.Cell(e.individuals),
                 HTML.Cell(count: e.regionPearson.count), HTML.Cell(count: e.individualPearson.count), HTML.Cell(number(e.summary["ranks"])),
                 HTML.Cell((e.summary["seconds"] as? Double).map(duration) ?? "-"), HTML.Cell(e.summary["checkpoint"] as? String ?? "-")]
            }
            content += HTML.element("h3", [:], "Evaluations")
            content += HTML.table("evaluations", headers: ["evaluation", "model", "regions", "individuals", "n regions", "n individuals", "ranks", "time", "checkpoint"], rows: rows)
        }
        if !inputs.predixcan.isEmpty {
            let rows = inputs.predixcan.map { p -> [HTML.Cell] in
                let settings = p.summary["settings"] as? [String: Any] ?? [:], split = p.summary["individuals"] as? [String: Any] ?? [:]
                return [HTML.Cell(p.name), HTML.Cell(count: p.regionIDs.count),
                        HTML.Cell("\(number(split["train"])) / \(number(split["val"])) / \(number(split["test"]))"),
                        HTML.Cell(number(settings["window"])), HTML.Cell(settings["cv"] as? String ?? "-"), HTML.Cell(number(settings["l1_ratio"])),
                        HTML.Cell(number(p.summary["ranks"])), HTML.Cell((p.summary["seconds"] as? Double).map(duration) ?? "-"), HTML.Cell(p.path)]
            }
            content += HTML.element("h3", [:], "PrediXcan")
            content += HTML.table("predixcan", headers: ["output", "regions", "individuals train / val / test", "window", "CV", "l1 ratio", "ranks", "time", "directory"], rows: rows)
        }
        if !inputs.notDrawn.isEmpty {
            content += HTML.note("Recognised but not drawn by this version: " + inputs.notDrawn.map { "\($0.path) (\($0.kind))" }.joined(separator: ", ") + ".")
        }
        return HTML.section("header", "What was run", intro: "", content)
    }

    /// A run's configuration: the keys that differ from sage-mpi's defaults, paths included.
    static func configuration(_ run: RunOutput) -> String {
        let keys = ConfigKeys.all.filter { key in
            guard let value = run.config.values[key.name], value != .none else { return false }
            return key.kind == .path || value != key.defaultValue
        }
        let items = keys.map { key in
            HTML.element("span", ["class": "kv"], HTML.element("b", [:], HTML.text(key.name)) + " = " + HTML.text("\(run.config.values[key.name]!)"))
        }.joined(separator: " ")
        return HTML.element("p", ["class": "config", "data-run": run.name],
                            HTML.element("b", [:], HTML.text("\(run.name) configuration")) + " (keys not at their default): " + items)
    }

    static func number(_ any: Any?) -> String {
        switch any {
        case let n as NSNumber: n.stringValue
        case let s as String: s
        default: "-"
        }
    }

    static func timestamp(_ date: Date) -> String {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.dateFormat = "yyyy-MM-dd HH:mm"
        return f.string(from: date)
    }

    static func duration(_ seconds: Double) -> String {
        guard seconds.isFinite else { return "-" }
        let s = Int(seconds.rounded())
        return s >= 3600 ? String(format: "%dh%02dm", s / 3600, s % 3600 / 60) : s >= 60 ? String(format: "%dm%02ds", s / 60, s % 60) : String(format: "%.1f s", seconds)
    }
}
