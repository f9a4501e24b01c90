import ArgumentParser
import Foundation
import SAGEPipeline

struct SelectCheckpoint: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "select-checkpoint",
        abstract: "Pick a run's epoch checkpoint by any logged validation metric (SAGE-net's select_ckpt_path).",
        discussion: """
        Needs the epoch checkpoints of save_all_epochs = true (RUN/epochs/epoch-NNN.safetensors). For each run \
        directory, or each run of a sweep directory, prints run,epoch,metric,value,checkpoint (CSV) to standard \
        output: the epoch whose end-of-epoch validation has the best value (larger, or smaller for a loss; \
        --mode overrides). With one run, --path-only prints the checkpoint's path alone, e.g. \
        `sage-mpi evaluate --checkpoint "$(sage-mpi select-checkpoint RUN --metric val_loss --path-only)" ...`.
        """)

    @Argument(help: "Run directories (of `train`) or sweep directories (of `sweep`).") var paths: [String]
    @Option(help: "A validation metric the runs log (e.g. val_region_pearson_median, train_loss; runs' old tv_* names read as train_*).") var metric: String
    @Option(help: "max or min (default: min for a loss, else max).") var mode: String?
    @Flag(help: "Print only the chosen checkpoint's path (one run).") var pathOnly = false

    func validate() throws {
        if let mode, mode != "max" && mode != "min" { throw ValidationError("--mode must be max or min, got '\(mode)'.") }
        if paths.isEmpty { throw ValidationError("Give a run or sweep directory.") }
    }

    func run() throws {
        var runs: [String] = []
        for path in paths {
            if FileManager.default.fileExists(atPath: (path as NSString).appendingPathComponent("sweep.json")) {
                let plan = try SAGEPipeline.Sweep(directory: path).plan()
                runs += plan.runs.map { ((path as NSString).appendingPathComponent("runs") as NSString).appendingPathComponent($0.name) }
                    .filter { FileManager.default.fileExists(atPath: ($0 as NSString).appendingPathComponent("metrics.jsonl")) }
            } else {
                runs.append(path)
            }
        }
        if pathOnly && runs.count != 1 { throw CommandError("--path-only needs exactly one run (got \(runs.count))") }
        let choices = try runs.map { try CheckpointChoice.select(run: $0, metric: metric, maximize: mode.map { $0 == "max" }) }
        if pathOnly { print(choices[0].checkpoint); return }
        print("run,epoch,metric,value,checkpoint")
        for c in choices { print("\(c.run),\(c.epoch),\(c.metric),\(c.value),\(c.checkpoint)") }
    }
}
