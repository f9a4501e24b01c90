import ArgumentParser
import Foundation
import SAGEDistributed
import SAGEPipeline

struct Sweep: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Train and test every run of a grid (gene sets x hyperparameters) in one job, groups of ranks taking runs from a queue.",
        discussion: """
        The grid (TOML) lists values per configuration key under [grid] (every combination, keys in alphabetical \
        order, the last varying fastest; a list key takes a list of lists) and/or single runs as [[runs]] tables; \
        relative paths are relative to the grid file. Gene-set keys (num_regions, region_idx_start, rand_regions, \
        seed) are keys like any other. The job's ranks are split into groups of --ranks-per-run; each group trains \
        a run (exactly as `train` would on that many ranks, in OUT/runs/NAME/), evaluates its best checkpoint on the \
        test regions x test individuals (OUT/evals/NAME/), records it (OUT/results/NAME.json) and takes the next. \
        OUT/results.csv has one row per run: its grid values, status, best epoch, the validation metrics of that \
        epoch and the test medians; it is rewritten as runs finish. A run that fails (a bad value, a diverging \
        loss) is recorded as failed and the sweep goes on. After a crash or a kill, `sweep --resume OUT` skips the \
        recorded runs and continues interrupted ones exactly from their last state. Every run's configuration is \
        checked before any work starts.
        """)

    @OptionGroup var config: ConfigOptions
    @Option(help: "Grid file (TOML: [grid] lists and/or [[runs]] tables).") var grid: String?
    @Option(help: "Ranks that train each run together (the job's rank count must be a multiple).") var ranksPerRun = 1
    @Option(help: "Sweep directory (default: sweep/ beside the grid file).") var out: String?
    @Option(help: "Continue the sweep in this directory (its base.toml and plan; --set applies on top).") var resume: String?
    @Option(help: .hidden) var killRun = -1
    @Option(help: .hidden) var killAfterSteps = 0
    @OptionGroup var runtime: RuntimeOptions

    func validate() throws {
        if resume == nil && (config.config == nil || grid == nil) { throw ValidationError("Give --config base.toml and --grid grid.toml (or --resume SWEEP).") }
        if resume != nil && (config.config != nil || grid != nil || out != nil) {
            throw ValidationError("--resume continues a sweep with its own base.toml and plan; do not combine it with --config, --grid or --out.")
        }
        if ranksPerRun < 1 { throw ValidationError("--ranks-per-run must be at least 1, got \(ranksPerRun).") }
    }

    func run() throws {
        let level = try runtime.resolvedLogLevel()
        let directory = resume ?? out ?? (((grid! as NSString).deletingLastPathComponent as NSString).appendingPathComponent("sweep"))
        var sweep = SAGEPipeline.Sweep(directory: directory)
        sweep.killRun = killRun; sweep.killAfterSteps = killAfterSteps
        // Before MPI, on every rank alike: the grid, the base configuration and every run's configuration.
        let base = try resume == nil ? config.load() : nil
        let parsed = try grid.map(SweepGrid.init(file:))
        for run in parsed?.runs ?? [] {
            do { _ = try RunConfig(file: config.config, overrides: config.overrides + run.overrides) } catch {
                throw CommandError("\(grid!): run \(run.name): \(error)")
            }
        }
        try runOnRanks(runtime) { ctx in
            if let base, let parsed {
                guard ctx.comm.size % ranksPerRun == 0 else {
                    throw CommandError("--ranks-per-run \(ranksPerRun) does not divide the job's \(ctx.comm.size) ranks: start a multiple of \(ranksPerRun) ranks")
                }
                if ctx.comm.rank == 0 { try sweep.create(base: base, grid: parsed, ranksPerRun: ranksPerRun) }
                try ctx.comm.barrier()
            }
            let plan = try sweep.plan()
            try sweep.run(plan: plan, overrides: resume == nil ? [] : config.overrides, comm: ctx.comm, log: ctx.log, level: level)
        }
    }
}
