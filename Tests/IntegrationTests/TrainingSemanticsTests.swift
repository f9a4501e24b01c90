import Foundation
import SAGEEngine
import Testing

/// What `train` and `evaluate` mean, where it was once wrong: the plateau scheduler cuts on its own patience,
/// an unknown monitor is refused, regions without expression are dropped with a warning, an all-NaN summary
/// reports null (not 0), init_from compares shapes, and evaluate checks the store against its inputs.
@Suite(.serialized) struct TrainingSemanticsTests {
    static let tiny = TrainingTests.tiny + ["--set", "batch_size=4"]

    static func jsonLines(_ path: String) throws -> [[String: Any]] {
        try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").compactMap {
            try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
    }

    @Test func thePlateauSchedulerCutsTheLearningRateOnItsOwnPatience() throws {
        let (dir, config) = try TrainingTests.cohort()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        // Gradients clipped to a norm of 1e-30 (Adam's eps then keeps every update ~1e-25), no weight decay and no
        // batch norm (whose running statistics would move): the monitored metric stays exactly the same, so every
        // epoch after the first is a bad one; lr_patience 1 cuts after the second bad epoch (PyTorch: > patience),
        // while early stopping (patience 5) has not stopped the run.
        let run = try Subprocess.alone(["train", "--config", config, "--out", dir + "/run"] + Self.tiny
                                       + ["--set", "scheduler=\"plateau\"", "--set", "learning_rate=1e-3", "--set", "gradient_clip_val=1e-30",
                                          "--set", "weight_decay=0", "--set", "lr_patience=1", "--set", "patience=5", "--set", "max_epochs=4",
                                          "--set", "batch_norm=false"], timeout: 300)
        #expect(run.status == 0, "\(run.combined)")
        let rates = try Self.jsonLines(dir + "/run/metrics.jsonl").filter { $0["kind"] as? String == "train" }
            .compactMap { line -> (Int, Double)? in
                guard let e = line["epoch"] as? Int, let lr = line["lr"] as? Double else { return nil }
                return (e, lr)
            }
        let byEpoch = Dictionary(rates.map { ($0.0, $0.1) }, uniquingKeysWith: { _, last in last })
        #expect(byEpoch[1].map { abs($0 / 1e-3 - 1) < 1e-5 } == true, "\(byEpoch)")
        #expect(byEpoch[3].map { abs($0 / 1e-3 - 1) < 1e-5 } == true, "\(byEpoch)")
        #expect(byEpoch[4].map { abs($0 / 1e-4 - 1) < 1e-5 } == true, "cut by 10x after two bad epochs: \(byEpoch)")
        #expect(run.stderr.contains("train: epoch 4: train_region_pearson_median"), "early stopping did not end the run: \(run.stderr)")
    }

    @Test func anUnknownMonitorIsRefusedWithTheMetricNames() throws {
        let (dir, config) = try TrainingTests.cohort()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let run = try Subprocess.alone(["train", "--config", config, "--out", dir + "/run", "--set", "monitor=\"val_pearson\""] + Self.tiny)
        #expect(run.status == 1)
        #expect(run.stderr.contains("monitor 'val_pearson' is not a metric psagenet logs; use one of: train_loss") && run.stderr.contains("val_region_pearson_median"), "\(run.stderr)")
        let r = try Subprocess.alone(["train", "--config", config, "--out", dir + "/r", "--model", "rsagenet", "--set", "monitor=\"train_loss_diff\""] + Self.tiny)
        #expect(r.status == 1 && r.stderr.contains("monitor 'train_loss_diff' is not a metric rsagenet logs; use one of: train_loss"), "\(r.stderr)")
        // r-SAGE-net validates one reference sequence per region: its per-region Pearson across individuals is
        // always NaN, so monitoring it would never improve.
        let nan = try Subprocess.alone(["train", "--config", config, "--out", dir + "/r", "--model", "rsagenet", "--set", "monitor=\"val_region_pearson_median\""] + Self.tiny)
        #expect(nan.status == 1 && nan.stderr.contains("monitor 'val_region_pearson_median' is not a metric rsagenet logs"), "\(nan.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dir + "/run/state.safetensors"))
    }

    @Test func regionsWithoutExpressionAreDroppedWithAWarning() throws {
        let (dir, config) = try TrainingTests.cohort()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/expression.csv"
        let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n")
        try (lines.filter { !$0.hasPrefix("G0002,") && !$0.hasPrefix("G0005,") }.joined(separator: "\n") + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        let train = try Subprocess.alone(["train", "--config", config, "--out", dir + "/run", "--max-steps", "2"] + Self.tiny)
        #expect(train.status == 0 && train.stderr.contains("2 of the store's 9 regions have no expression row and are dropped: G0002, G0005"), "\(train.combined)")
        let eval = try Subprocess.alone(["evaluate", "--config", config, "--checkpoint", dir + "/run/last.safetensors", "--regions", "all",
                                         "--individuals", "val", "--out", dir + "/eval"])
        #expect(eval.status == 0 && eval.stderr.contains("have no expression row and are dropped"), "\(eval.combined)")
        let summary = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir + "/eval/summary.json"))) as? [String: Any])
        #expect(summary["n_regions"] as? Int == 7)
        // No region left (the table's only row names another region): an error that says why.
        let other = "NOT_STORED" + lines[1].drop { $0 != "," }
        try ([String(lines[0]), other].joined(separator: "\n") + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        let none = try Subprocess.alone(["train", "--config", config, "--out", dir + "/run2"] + Self.tiny)
        #expect(none.status == 1 && none.stderr.contains("none of the store's 9 regions has an expression row"), "\(none.stderr)")
    }

    @Test func anAllNaNSummaryReportsNullAndEvaluateChecksTheStore() throws {
        let (dir, config) = try TrainingTests.cohort()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let train = try Subprocess.alone(["train", "--config", config, "--out", dir + "/run", "--max-steps", "2"] + Self.tiny)
        #expect(train.status == 0, "\(train.combined)")
        // One individual: every per-region Pearson across individuals is NaN; their mean is null, not 0.
        let one = dir + "/one.txt"
        try ((try String(contentsOfFile: dir + "/individuals/val.txt", encoding: .utf8)).split(separator: "\n")[0] + "\n").write(toFile: one, atomically: true, encoding: .utf8)
        let eval = try Subprocess.alone(["evaluate", "--config", config, "--checkpoint", dir + "/run/last.safetensors", "--regions", "all",
                                         "--individuals", one, "--out", dir + "/eval"])
        #expect(eval.status == 0, "\(eval.combined)")
        let summary = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir + "/eval/summary.json"))) as? [String: Any])
        #expect(summary["region_pearson_mean"] is NSNull && summary["region_pearson_median"] is NSNull, "\(summary)")
        #expect(summary["region_pearson_nan"] as? Int == 9)

        // A regions table edited after prepare: evaluate refuses the store as train does.
        let regions = dir + "/regions.csv"
        try (try String(contentsOfFile: regions, encoding: .utf8) + "G9999,1,100,+\n").write(toFile: regions, atomically: true, encoding: .utf8)
        let stale = try Subprocess.alone(["evaluate", "--config", config, "--checkpoint", dir + "/run/last.safetensors", "--out", dir + "/eval2"])
        #expect(stale.status == 1 && stale.stderr.contains("the store does not match this configuration") && stale.stderr.contains("regions"), "\(stale.stderr)")
    }

    @Test func initFromComparesShapesNotCounts() throws {
        let (dir, config) = try TrainingTests.cohort()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let r = try Subprocess.alone(["train", "--config", config, "--out", dir + "/r", "--model", "rsagenet", "--max-steps", "2", "--set", "batch_norm=false"] + Self.tiny)
        #expect(r.status == 0, "\(r.combined)")
        // The same checkpoint with conv0.1.weight's first two dimensions swapped ([8, 4, 10] -> [4, 8, 10]).
        let file = try SafeTensors.read(path: dir + "/r/last.safetensors")
        var swapped = SafeTensors()
        swapped.metadata = file.metadata
        for name in file.names {
            let t = try file.tensor(name)
            let shape = name == "conv0.1.weight" ? [t.shape[1], t.shape[0]] + t.shape.dropFirst(2) : t.shape
            if t.dtype == .F32 { swapped.add(name, floats: try file.floats(name), shape: shape) } else { swapped.add(name, int64: try file.int64(name), shape: shape) }
        }
        try swapped.write(path: dir + "/swapped.safetensors")
        let p = try Subprocess.alone(["train", "--config", config, "--out", dir + "/p", "--max-steps", "1", "--set", "init_from=\"\(dir)/swapped.safetensors\""] + Self.tiny)
        #expect(p.status == 1 && p.stderr.contains("'conv0.1.weight' has shape [4, 8, 10], the model expects [8, 4, 10]"), "\(p.stderr)")
        let ok = try Subprocess.alone(["train", "--config", config, "--out", dir + "/p2", "--max-steps", "1", "--set", "init_from=\"\(dir)/r/last.safetensors\""] + Self.tiny)
        #expect(ok.status == 0 && ok.stderr.contains("trunk initialised from"), "\(ok.combined)")
    }
}
