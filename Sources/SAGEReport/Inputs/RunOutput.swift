import Foundation
import SAGEPipeline
import SAGEEngine

/// A training run's directory as `sage-mpi train` writes it (see `RunDirectory`): config.toml, run.json,
/// metrics.jsonl (one JSON object a line: kind "train" with step, epoch, loss, loss_ref, loss_diff, lr,
/// samples_per_s over the last few steps; kind "val" with step, epoch, seconds and the validation metrics) and
/// state.safetensors (whose metadata holds the best epoch). A run still in progress reads as far as it got. Runs
/// written before one metric scheme covered both models read with their old names as the current ones
/// (`MetricNames`: p-SAGE-net's tv_* as train_*; their config.toml's monitor likewise, see RunConfig's notes).
public struct RunOutput {
    public let path: String
    public let config: RunConfig
    /// psagenet or rsagenet.
    public let model: String
    public let ranks: Int?
    public let trainLines: [[String: Double]], valLines: [[String: Double]]
    /// From state.safetensors, else the metrics and the monitor.
    public let bestEpoch: Int?, bestValue: Double?
    public let monitor: String
    public let finished: Bool
    /// The last time the run wrote its metrics.
    public let lastWritten: Date?

    public var name: String { (path as NSString).lastPathComponent }

    public init(path: String) throws {
        self.path = path
        func file(_ name: String) -> String { (path as NSString).appendingPathComponent(name) }
        config = try RunConfig(file: file("config.toml"))
        model = config.model.model.rawValue
        ranks = (try? RunRecord.read(file("run.json")))?.map(\.ranks)
        var train: [[String: Double]] = [], val: [[String: Double]] = []
        if let data = FileManager.default.contents(atPath: file("metrics.jsonl")) {
            let text = String(decoding: data, as: UTF8.self)
            let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
            for (k, line) in lines.enumerated() where !line.isEmpty {
                guard let object = (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any] else {
                    if k == lines.count - 1 { break }  // a line being written by a running train
                    throw ConfigError("\(file("metrics.jsonl")):\(k + 1): not a JSON object; the file is damaged")
                }
                var numbers: [String: Double] = [:]
                for (key, value) in object { if let n = value as? NSNumber { numbers[key] = n.doubleValue } }  // (metrics hold no booleans)
                numbers = MetricNames.current(numbers)
                switch object["kind"] as? String {
                case "train": train.append(numbers)
                case "val": val.append(numbers)
                default: continue
                }
            }
        }
        trainLines = train; valLines = val
        lastWritten = (try? FileManager.default.attributesOfItem(atPath: file("metrics.jsonl")))?[.modificationDate] as? Date
        let monitored = config.training.monitor
        monitor = monitored
        let state = RunOutput.trainState(file("state.safetensors"))
        finished = (state?["finished"] as? Bool) ?? false
        if let epoch = state?["bestEpoch"] as? Int {
            bestEpoch = epoch; bestValue = (state?["best"] as? NSNumber)?.doubleValue
        } else {
            let maximize = config.training.maximize
            let epochEnds = RunOutput.epochEnds(val)
            let best = epochEnds.compactMap { e -> (Int, Double)? in
                guard let v = e.line[monitored], v.isFinite else { return nil }
                return (e.epoch, v)
            }.max { maximize ? $0.1 < $1.1 : $0.1 > $1.1 }
            bestEpoch = best?.0; bestValue = best?.1
        }
    }

    /// The validation at the end of each epoch: the last "val" line of each epoch number.
    static func epochEnds(_ val: [[String: Double]]) -> [(epoch: Int, line: [String: Double])] {
        var byEpoch: [Int: [String: Double]] = [:]
        for line in val { if let e = line["epoch"] { byEpoch[Int(e)] = line } }
        return byEpoch.keys.sorted().map { ($0, byEpoch[$0]!) }
    }
    public var epochEnds: [(epoch: Int, line: [String: Double])] { Self.epochEnds(valLines) }

    /// The global step at which epoch `epoch`'s validation ran.
    public func step(endingEpoch epoch: Int) -> Double? { epochEnds.first { $0.epoch == epoch }?.line["step"] }

    /// Compute time from the metrics: each train window's items over its rate (items = steps x global batch), plus
    /// the validations' seconds. Nil without metrics.
    public var computeSeconds: Double? {
        guard !trainLines.isEmpty else { return nil }
        let globalBatch = Double(config.training.batchSize * (ranks ?? 1))
        var previous = 0.0, total = 0.0
        for line in trainLines {
            guard let step = line["step"], let rate = line["samples_per_s"], rate > 0 else { continue }
            let items = (step - previous) * globalBatch  // an epoch's last batch may be smaller: an estimate
            if step > previous { total += items / rate }
            previous = step
        }
        return total + valLines.reduce(0) { $0 + ($1["seconds"] ?? 0) }
    }

    /// The train_state metadata of a state.safetensors (header only: the file's tensors are not read); nil when
    /// absent or unreadable (the report then takes the best epoch from the metrics).
    static func trainState(_ path: String) -> [String: Any]? {
        guard let handle = FileHandle(forReadingAtPath: path) else { return nil }
        defer { try? handle.close() }
        guard let prefix = try? handle.read(upToCount: 8), prefix.count == 8 else { return nil }
        let length = prefix.withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) }.littleEndian
        guard length > 0, length <= 16 << 20, let header = try? handle.read(upToCount: Int(length)), header.count == Int(length),
              let object = (try? JSONSerialization.jsonObject(with: header)) as? [String: Any],
              let metadata = object["__metadata__"] as? [String: String], let text = metadata[SAGENet.trainStateMetadataKey],
              let state = (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any] else { return nil }
        return state
    }
}
