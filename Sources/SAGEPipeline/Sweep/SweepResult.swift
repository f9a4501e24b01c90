import Foundation

/// One run's line of a sweep's results: its grid values, how it ended, its best epoch by `monitor` with the
/// validation metrics logged there, and the test evaluation of its best checkpoint (test regions x test
/// individuals). Written as results/NAME.json when the run ends.
public struct SweepResult: Codable, Sendable, Equatable {
    public var name: String
    public var values: [String: String]
    /// finished or failed.
    public var status = "failed"
    public var error: String? = nil
    public var monitor: String? = nil, best: Double? = nil, bestEpoch: Int? = nil
    /// The validation entry of the best epoch (metrics.jsonl), every metric it logged.
    public var validation: [String: Double] = [:]
    /// evaluate's summary.json on the test split.
    public var testRegionPearsonMedian: Double? = nil, testIndividualPearsonMedian: Double? = nil, testMeanPearson: Double? = nil
    public var seconds = 0.0

    public init(name: String, values: [String: String]) { self.name = name; self.values = values }

    static func read(_ path: String) -> SweepResult? {
        FileManager.default.contents(atPath: path).flatMap { try? JSONDecoder().decode(SweepResult.self, from: $0) }
    }

    /// The last validation entry of the best epoch (the end-of-epoch one; val_every_steps entries come before it).
    mutating func readValidation(metrics path: String) {
        guard let bestEpoch, let text = try? String(contentsOfFile: path, encoding: .utf8) else { return }
        let entries = text.split(separator: "\n").compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        guard let entry = entries.last(where: { $0["kind"] as? String == "val" && $0["epoch"] as? Int == bestEpoch }) else { return }
        for (key, value) in MetricNames.current(entry) where key != "epoch" && key != "step" && key != "seconds" {
            if let v = value as? Double { validation[key] = v }
        }
    }

    mutating func readTest(summary path: String) {
        guard let data = FileManager.default.contents(atPath: path),
              let json = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else { return }
        testRegionPearsonMedian = json["region_pearson_median"] as? Double
        testIndividualPearsonMedian = json["individual_pearson_median"] as? Double
        testMeanPearson = json["mean_pearson"] as? Double
    }

    /// The columns every row has after the run's name and grid values.
    static let columns = ["status", "best_epoch", "monitor", "best", "val_region_pearson_median", "val_mean_pearson",
                          "test_region_pearson_median", "test_individual_pearson_median", "test_mean_pearson", "seconds", "error"]

    /// results.csv: name, the grid's keys (a run's TOML value, quotes dropped; empty where a run does not set a
    /// key), then `columns`; runs not yet recorded have status pending.
    static func csv(keys: [String], names: [String], results: [SweepResult?]) -> String {
        func field(_ s: String) -> String { s.contains(where: { ",\"\n".contains($0) }) ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s }
        func number(_ x: Double?) -> String { x.map { $0.isFinite ? "\($0)" : "nan" } ?? "" }
        var out = (["name"] + keys + columns).joined(separator: ",") + "\n"
        for (name, result) in zip(names, results) {
            guard let r = result else {
                out += ([name] + keys.map { _ in "" } + ["pending"] + columns.dropFirst().map { _ in "" }).joined(separator: ",") + "\n"
                continue
            }
            let values = keys.map { k in r.values[k].map { $0.hasPrefix("\"") && $0.hasSuffix("\"") && $0.count >= 2 ? String($0.dropFirst().dropLast()) : $0 } ?? "" }
            let row = [name] + values + [r.status, r.bestEpoch.map(String.init) ?? "", r.monitor ?? "", number(r.best),
                                         number(r.validation["val_region_pearson_median"]), number(r.validation["val_mean_pearson"]),
                                         number(r.testRegionPearsonMedian), number(r.testIndividualPearsonMedian), number(r.testMeanPearson),
                                         String(format: "%.1f", r.seconds), r.error ?? ""]
            out += row.map(field).joined(separator: ",") + "\n"
        }
        return out
    }
}
