import Foundation
import Testing

/// save_all_epochs, validate_test and select-checkpoint: each epoch's checkpoint is kept, the one of the best
/// epoch equals best.safetensors, selecting by the monitor picks that epoch and by a loss the smallest; the
/// "test_" metrics equal `evaluate` on test regions x test individuals with that epoch's checkpoint.
@Suite(.serialized) struct CheckpointSelectionTests {
    @Test func epochCheckpointsTestMetricsAndSelection() throws {
        let dir = try Subprocess.simulatedCohort("select", regions: 18, individuals: 30, inputLen: 300, seed: 8, prepared: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let run = dir + "/run"
        let train = try Subprocess.mpi(2, ["train", "--config", dir + "/sage.toml", "--out", run, "--set", "max_epochs=3", "--set", "save_all_epochs=true",
                                           "--set", "validate_test=true"] + EvaluateCrossCheckTests.tiny, timeout: 300)
        #expect(train.status == 0, "\(train.combined)")
        let epochs = try FileManager.default.contentsOfDirectory(atPath: run + "/epochs").sorted()
        #expect(epochs == ["epoch-001.safetensors", "epoch-002.safetensors", "epoch-003.safetensors"])
        let entries = try String(contentsOfFile: run + "/metrics.jsonl", encoding: .utf8).split(separator: "\n")
            .compactMap { try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }.filter { $0["kind"] as? String == "val" }
        let monitor = entries.map { $0["train_region_pearson_median"] as? Double ?? -.infinity }
        let bestEpoch = monitor.indices.max { monitor[$0] < monitor[$1] || (monitor[$0] == monitor[$1] && $0 > $1) }! + 1
        #expect(FileManager.default.contents(atPath: run + "/best.safetensors") == FileManager.default.contents(atPath: run + String(format: "/epochs/epoch-%03d.safetensors", bestEpoch)))

        let byMonitor = try Subprocess.alone(["select-checkpoint", run, "--metric", "train_region_pearson_median"])
        #expect(byMonitor.status == 0 && byMonitor.stdout.contains(",\(bestEpoch),train_region_pearson_median,"), "\(byMonitor.combined)")
        let losses = entries.map { $0["val_loss"] as? Double ?? .infinity }
        let leastLoss = losses.indices.min { losses[$0] < losses[$1] }! + 1
        let byLoss = try Subprocess.alone(["select-checkpoint", run, "--metric", "val_loss", "--path-only"])
        #expect(byLoss.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == run + String(format: "/epochs/epoch-%03d.safetensors", leastLoss), "\(byLoss.combined)")
        let unknown = try Subprocess.alone(["select-checkpoint", run, "--metric", "val_pearson"])
        #expect(unknown.status == 1 && unknown.stderr.contains("it logged:") && unknown.stderr.contains("test_region_pearson_median"), "\(unknown.combined)")

        // The test_ metrics of epoch 2 are evaluate's on test x test with epoch 2's checkpoint.
        let out = dir + "/eval"
        let eval = try Subprocess.mpi(2, ["evaluate", "--config", dir + "/sage.toml", "--checkpoint", run + "/epochs/epoch-002.safetensors",
                                          "--regions", "test", "--individuals", "test", "--out", out], timeout: 300)
        #expect(eval.status == 0, "\(eval.combined)")
        let summary = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out + "/summary.json"))) as? [String: Any])
        let logged = try #require(entries.last { $0["epoch"] as? Int == 2 })
        for name in ["region_pearson_median", "mean_pearson", "loss_ref"] {
            let a = try #require(logged["test_" + name] as? Double), b = try #require(summary[name] as? Double)
            #expect(abs(a - b) <= 1e-4 * max(1, abs(b)), "test_\(name) \(a) vs evaluate's \(b)")
        }
        // Without epoch checkpoints there is nothing to choose from.
        let plain = try Subprocess.alone(["train", "--config", dir + "/sage.toml", "--out", dir + "/plain", "--set", "max_epochs=1"] + EvaluateCrossCheckTests.tiny, timeout: 300)
        #expect(plain.status == 0)
        let none = try Subprocess.alone(["select-checkpoint", dir + "/plain", "--metric", "train_loss"])
        #expect(none.status == 1 && none.stderr.contains("save_all_epochs = true"), "\(none.combined)")
    }
}
