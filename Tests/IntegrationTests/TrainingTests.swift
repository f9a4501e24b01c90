import Foundation
import SAGEEngine
import Testing

/// `prepare`, `train` and `evaluate` as users run them, under real mpirun: a P-rank run equals a one-rank run with
/// the same global batch (sync_batchnorm), a run killed mid-epoch and resumed equals an uninterrupted one, and
/// evaluation gives the same predictions for 1, 2 and 3 ranks.
@Suite(.serialized) struct TrainingTests {
    /// A tiny simulated cohort with its store, and the overrides of a tiny model.
    static func cohort() throws -> (dir: String, config: String) {
        let dir = try Subprocess.simulatedCohort("train", regions: 9, individuals: 30, inputLen: 300, seed: 4)
        let config = dir + "/sage.toml"
        let prep = try Subprocess.mpi(2, ["prepare", "--config", config])
        #expect(prep.status == 0, "\(prep.combined)")
        return (dir, config)
    }

    static let tiny = ["first_layer_kernel_number=8", "int_layers_kernel_number=8", "hidden_size=8", "n_conv_blocks=2",
                       "pooling_size=5", "checkpoint_every_steps=5", "max_epochs=50", "patience=0"].flatMap { ["--set", $0] }

    static func state(_ run: String) throws -> (params: [Float], buffers: [Float]) {
        let file = try SafeTensors.read(path: run + "/state.safetensors")
        return (try file.floats("params"), try file.floats("buffers"))
    }

    static func expectClose(_ a: [Float], _ b: [Float], rtol: Float, atol: Float, _ what: String) {
        #expect(a.count == b.count && !a.isEmpty, "\(what): sizes \(a.count) vs \(b.count)")
        var worst: Float = 0, at = 0
        for k in a.indices where k < b.count {
            let excess = abs(a[k] - b[k]) - (atol + rtol * abs(b[k]))
            if excess > worst { worst = excess; at = k }
        }
        #expect(worst == 0, "\(what): element \(at) differs: \(a[at]) vs \(b[at])")
    }

    @Test func twoRanksWithSyncBatchNormEqualOneRankWithTheGlobalBatch() throws {
        let (dir, config) = try Self.cohort()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let one = try Subprocess.alone(["train", "--config", config, "--out", dir + "/np1", "--max-steps", "20", "--set", "batch_size=8"] + Self.tiny, timeout: 300)
        #expect(one.status == 0, "\(one.combined)")
        let two = try Subprocess.mpi(2, ["train", "--config", config, "--out", dir + "/np2", "--max-steps", "20", "--set", "batch_size=4",
                                         "--set", "sync_batchnorm=true"] + Self.tiny, timeout: 300)
        #expect(two.status == 0, "\(two.combined)")
        let a = try Self.state(dir + "/np1"), b = try Self.state(dir + "/np2")
        Self.expectClose(b.params, a.params, rtol: 1e-3, atol: 1e-5, "parameters after 20 steps")
        Self.expectClose(b.buffers, a.buffers, rtol: 1e-4, atol: 1e-6, "batch-norm running statistics")
        // The initial state differs from the final one (the test could not pass by doing nothing).
        #expect(one.stderr.contains("step 20") || one.stderr.contains("--max-steps"))
    }

    /// With dropout too: every rank's dropout generator is saved, so the masks after the resume are the ones an
    /// uninterrupted run draws (rank 1's generator differs from rank 0's).
    @Test(arguments: ["0", "0.3"]) func aRunKilledMidEpochAndResumedEqualsAnUninterruptedOne(dropout: String) throws {
        let (dir, config) = try Self.cohort()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let base = ["train", "--config", config, "--set", "batch_size=4"] + Self.tiny + ["--set", "dropout=\(dropout)"]
        let whole = try Subprocess.mpi(2, base + ["--out", dir + "/whole", "--max-steps", "24"], timeout: 300)
        #expect(whole.status == 0, "\(whole.combined)")
        // Rank 1 dies at step 13 (mid-epoch: 8 steps an epoch); the last state is from step 10.
        let killed = try Subprocess.mpi(2, base + ["--out", dir + "/killed", "--max-steps", "24", "--kill-after-steps", "13", "--kill-rank", "1"], timeout: 300)
        #expect(killed.status != 0)
        let resumed = try Subprocess.mpi(2, ["train", "--resume", dir + "/killed", "--max-steps", "24"], timeout: 300)
        #expect(resumed.status == 0, "\(resumed.combined)")
        #expect(resumed.stderr.contains("global step 10"), "\(resumed.stderr)")
        let a = try Self.state(dir + "/whole"), b = try Self.state(dir + "/killed")
        Self.expectClose(b.params, a.params, rtol: 1e-6, atol: 1e-7, "parameters after kill + resume")
        Self.expectClose(b.buffers, a.buffers, rtol: 1e-6, atol: 1e-7, "running statistics after kill + resume")
        // metrics.jsonl holds each step's line once.
        let steps = try String(contentsOfFile: dir + "/killed/metrics.jsonl", encoding: .utf8).split(separator: "\n")
            .filter { $0.contains("\"kind\":\"train\"") }.compactMap { line -> Int? in
                ((try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any])?["step"] as? Int
            }
        #expect(steps == Array(Set(steps)).sorted(), "\(steps)")
    }

    @Test func evaluationIsIdenticalForOneTwoAndThreeRanks() throws {
        let (dir, config) = try Self.cohort()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let trained = try Subprocess.alone(["train", "--config", config, "--out", dir + "/run", "--max-steps", "6", "--set", "batch_size=4"] + Self.tiny, timeout: 300)
        #expect(trained.status == 0, "\(trained.combined)")
        var outputs: [String] = []
        for ranks in [1, 2, 3] {
            let args = ["evaluate", "--checkpoint", dir + "/run/last.safetensors", "--config", config, "--regions", "all",
                        "--individuals", "val", "--out", dir + "/eval\(ranks)", "--batch-size", "3"]
            let run = ranks == 1 ? try Subprocess.alone(args, timeout: 300) : try Subprocess.mpi(ranks, args, timeout: 300)
            #expect(run.status == 0, "\(run.combined)")
            outputs.append((try? String(contentsOfFile: dir + "/eval\(ranks)/predictions.csv", encoding: .utf8)) ?? "")
        }
        let lines = outputs[0].split(separator: "\n")
        #expect(lines.first == "region_id,individual,y0_true,y1_true,y_true,pred_mean,pred_diff")
        #expect(lines.count == 1 + 9 * 4, "9 regions x 4 validation individuals")  // 30 individuals: 15% validation
        #expect(outputs[1] == outputs[0] && outputs[2] == outputs[0])
        let summary = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir + "/eval1/summary.json"))) as? [String: Any]
        #expect(summary?["n_regions"] as? Int == 9)
    }

    @Test func trainingRefusesAStoreBuiltFromOtherInputs() throws {
        let (dir, config) = try Self.cohort()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        // A different input_len than the store's: one clear error on every rank, no run directory written.
        let run = try Subprocess.mpi(2, ["train", "--config", config, "--out", dir + "/run", "--set", "input_len=400"] + Self.tiny)
        #expect(run.status != 0)
        #expect(run.stderr.contains("does not match this configuration") && run.stderr.contains("input_len was 300, now 400"), "\(run.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dir + "/run/state.safetensors"))

        // Five poolings of 5 bring 300 down to a batch norm over length 1: one item per rank would leave it one value
        // per channel (PyTorch refuses it); refused before any step, with the fixes named.
        let degenerate = try Subprocess.mpi(2, ["train", "--config", config, "--out", dir + "/bn"] + Self.tiny
                                              + ["--set", "n_conv_blocks=5", "--set", "batch_size=1"])
        #expect(degenerate.status != 0)
        #expect(degenerate.stderr.contains("batch_size 1 leaves a batch-norm layer one value per channel")
                && degenerate.stderr.contains("sync_batchnorm"), "\(degenerate.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dir + "/bn/state.safetensors"))
    }
}
