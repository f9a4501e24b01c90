import ArgumentParser
import Foundation
import SAGEDistributed
import SAGEEngine
import SAGEPipeline

struct Train: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Train r-SAGE-net or p-SAGE-net, data-parallel over the ranks (run `prepare` first).",
        discussion: """
        batch_size is per rank (as SAGE-net): a step takes ranks x batch_size items of a seeded shuffle, one \
        gradient allreduce per step. Validation at each epoch's end (and every val_every_steps) on (training \
        regions x validation individuals) and (validation regions x validation individuals). The run directory \
        gets config.toml (resolved), metrics.jsonl, correlations/, best.safetensors (by `monitor`), \
        last.safetensors and state.safetensors (every checkpoint_every_steps and each epoch); \
        `--resume RUN` continues exactly where the last state was written. One run directory has one writer \
        (rank 0 holds RUN/.lock while it runs). An existing run is never replaced unless --overwrite; a resume \
        that changes anything but the learning-rate keys, max_epochs and checkpoint_every_steps \
        (the model, the data files, the batch size, the number of ranks, ...) is refused with the list of \
        differences unless --allow-changes. A step whose loss or gradient is not finite stops the run with the \
        state before it saved.
        """)

    @OptionGroup var config: ConfigOptions
    @Option(help: "psagenet or rsagenet (overrides the configuration's `model`).") var model: SAGEConfig.Kind?
    @Option(help: "Run directory (default: runs/<model> beside the configuration).") var out: String?
    @Option(help: "Continue the run in this directory from its state.safetensors, with its config.toml.") var resume: String?
    @Flag(help: "With --out: start over in a directory that holds a run, removing that run's files first.") var overwrite = false
    @Flag(help: "With --resume: accept --set changes (or changed data files, another rank count) that make the resumed run differ from an uninterrupted one.") var allowChanges = false
    @Option(help: "Stop after this many global steps, saving the state (continue with --resume).") var maxSteps = 0
    @Option(help: .hidden) var killAfterSteps = 0
    @Option(help: .hidden) var killRank = 0
    @Option(help: .hidden) var nanAtStep = 0
    @OptionGroup var runtime: RuntimeOptions

    func validate() throws {
        if resume != nil && (config.config != nil || model != nil || out != nil) {
            throw ValidationError("--resume takes the run's own config.toml; do not combine it with --config, --model or --out.")
        }
        if resume == nil && config.config == nil { throw ValidationError("Give --config sage.toml (or --resume RUN).") }
        if resume != nil && overwrite { throw ValidationError("--overwrite starts a run over; --resume continues one: give one of them.") }
        if resume == nil && allowChanges { throw ValidationError("--allow-changes goes with --resume.") }
        if maxSteps < 0 { throw ValidationError("--max-steps must be at least 0, got \(maxSteps).") }
    }

    func run() throws {
        let cfg: RunConfig, directory: String
        var saved: RunConfig? = nil
        if let resume {
            let file = (resume as NSString).appendingPathComponent("config.toml")
            guard FileManager.default.fileExists(atPath: (resume as NSString).appendingPathComponent("state.safetensors")) else {
                throw CommandError("\(resume): no state.safetensors to resume from (the run saved no state yet)")
            }
            saved = try RunConfig(file: file)
            cfg = try RunConfig(file: file, overrides: config.overrides)
            directory = resume
        } else {
            cfg = try RunConfig(file: config.config, overrides: config.overrides + (model.map { ["\(ConfigKeys.model.name)=\"\($0.rawValue)\""] } ?? []))
            let kind = cfg.model.model.rawValue
            directory = out ?? (((config.config! as NSString).deletingLastPathComponent as NSString).appendingPathComponent("runs/\(kind)"))
        }
        try runOnRanks(runtime) { ctx in
            var options = Trainer.Options(runDirectory: directory)
            options.resume = resume != nil
            options.overwrite = overwrite
            options.savedConfig = saved
            options.allowChanges = allowChanges
            options.maxSteps = maxSteps
            options.killAfterSteps = killAfterSteps
            options.killRank = killRank
            options.nanAtStep = nanAtStep
            try Trainer(config: cfg, options: options, comm: ctx.comm, log: ctx.log).run()
        }
    }
}
