import Foundation

/// SAGE-net's `select_ckpt_path` / `identify_best_ckpt` (SAGENET-REFERENCE §3.15, which picks by file index, not
/// epoch, BUG-16): among a run's epoch checkpoints (`save_all_epochs`: epochs/epoch-NNN.safetensors), the one whose
/// end-of-epoch validation (the last "val" entry of that epoch in metrics.jsonl) has the best value of `metric`.
/// Larger is better unless the metric is a loss (or `maximize` says otherwise); NaN never wins; a tie goes to the
/// earlier epoch. Metric names are `MetricNames`' (a run's old tv_* names, and a requested one, read as train_*).
public struct CheckpointChoice: Sendable, Equatable {
    public let run: String, metric: String, epoch: Int, value: Double, checkpoint: String

    public static func select(run: String, metric requested: String, maximize: Bool? = nil) throws -> CheckpointChoice {
        let metric = MetricNames.current(requested)
        func file(_ name: String) -> String { (run as NSString).appendingPathComponent(name) }
        guard let text = try? String(contentsOfFile: file("metrics.jsonl"), encoding: .utf8) else {
            throw ConfigError("\(run): no metrics.jsonl (not a run directory of `sage-mpi train`?)")
        }
        var atEpoch: [Int: [String: Any]] = [:]
        for (n, line) in text.split(separator: "\n").enumerated() {
            guard let entry = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else {
                throw ConfigError("\(file("metrics.jsonl")):\(n + 1): not a JSON object")
            }
            if entry["kind"] as? String == "val", let epoch = entry["epoch"] as? Int { atEpoch[epoch] = MetricNames.current(entry) }  // the last of the epoch
        }
        let logged = Set(atEpoch.values.flatMap { $0.keys }).subtracting(["kind", "step", "epoch", "seconds"]).sorted()
        guard logged.contains(metric) else {
            throw ConfigError("\(run): no validation logged '\(metric)'; it logged: \(logged.joined(separator: ", "))")
        }
        let larger = maximize ?? !metric.contains("loss")
        var best: (epoch: Int, value: Double, path: String)? = nil, withCheckpoint = 0
        for epoch in atEpoch.keys.sorted() {
            let path = file(String(format: "epochs/epoch-%03d.safetensors", epoch))
            guard FileManager.default.fileExists(atPath: path) else { continue }
            withCheckpoint += 1
            guard let value = atEpoch[epoch]?[metric] as? Double, value.isFinite else { continue }
            if best.map({ larger ? value > $0.value : value < $0.value }) ?? true { best = (epoch, value, path) }
        }
        guard withCheckpoint > 0 else {
            throw ConfigError("\(run): no epoch checkpoints (epochs/epoch-NNN.safetensors): train with save_all_epochs = true; best.safetensors is the best by the run's monitor")
        }
        guard let best else { throw ConfigError("\(run): '\(metric)' is not finite at any epoch with a checkpoint") }
        return CheckpointChoice(run: run, metric: metric, epoch: best.epoch, value: best.value, checkpoint: best.path)
    }
}
