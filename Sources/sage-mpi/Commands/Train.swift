import ArgumentParser
import Foundation
import SAGEDistributed

struct Train: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Train r-SAGE-net or p-SAGE-net, data-parallel over the ranks (run `prepare` first).",
        discussion: """
        batch_size is per rank (as SAGE-net): a step takes ranks x batch_size items of a seeded shuffle, one \
        gradient allreduce per step. Validation at each epoch's end (and every val_every_steps) on (training \
        regions x validation individuals) and (validation regions x validation individuals). The run directory \
        gets config.toml (resolved), metrics.jsonl, correlations/, best.safetensors (by `monitor`), \
        last.safetensors and state.safetensors (every checkpoint_every_steps and each epoch); \
        `--resume RUN` continues exactly where the last state was written.
        """)

    @OptionGroup var config: ConfigOptions
    @Option(help: "psagenet or rsagenet (overrides the configuration's `model`).") var model: String?
    @Option(help: "Run directory (default: runs/<model> beside the configuration).") var out: String?
    @Option(help: "Continue the run in this directory from its state.safetensors, with its config.toml.") var resume: String?
    @Option(help: "Stop after this many global steps, saving the state (continue with --resume).") var maxSteps = 0
    @Option(help: .hidden) var killAfterSteps = 0
    @Option(help: .hidden) var killRank = 0
    @OptionGroup var runtime: RuntimeOptions

    func validate() throws {
        if let model, model != "psagenet" && model != "rsagenet" { throw ValidationError("--model must be psagenet or rsagenet, got '\(model)'.") }
        if resume != nil && (config.config != nil || model != nil || out != nil) {
            throw ValidationError("--resume takes the run's own config.toml; do not combine it with --config, --model or --out.")
        }
        if resume == nil && config.config == nil { throw ValidationError("Give --config sage.toml (or --resume RUN).") }
    }

    func run() throws {
        let cfg: RunConfig, directory: String
        if let resume {
            let file = (resume as NSString).appendingPathComponent("config.toml")
            guard FileManager.default.fileExists(atPath: (resume as NSString).appendingPathComponent("state.safetensors")) else {
                throw CommandError("\(resume): no state.safetensors to resume from (the run saved no state yet)")
            }
            cfg = try RunConfig(file: file, overrides: config.overrides)
            directory = resume
        } else {
            cfg = try RunConfig(file: config.config, overrides: config.overrides + (model.map { ["model=\($0)"] } ?? []))
            let kind = try cfg.model().model.rawValue
            directory = out ?? (((config.config! as NSString).deletingLastPathComponent as NSString).appendingPathComponent("runs/\(kind)"))
        }
        try runOnRanks(runtime) { ctx in
            var options = Trainer.Options(runDirectory: directory)
            options.resume = resume != nil
            options.maxSteps = maxSteps
            options.killAfterSteps = killAfterSteps
            options.killRank = killRank
            try Trainer(config: cfg, options: options, comm: ctx.comm, log: ctx.log).run()
        }
    }
}
