import Foundation
import Logging
import SAGEDistributed
import SAGEEngine

/// `sage-mpi sweep`: the runs of a grid (SweepGrid) in one job. The world is split into groups of `ranksPerRun`
/// ranks (MPI_Comm_split); each group's leader takes the next run nobody has taken from a queue on the file system
/// (an O_EXCL claim file per run and job), and the group trains it (Trainer), then evaluates its best checkpoint on
/// the test regions x test individuals (Evaluation), and the leader records the result. A run that fails (a bad
/// value, a diverging loss, no finite monitor) is recorded as failed and the sweep goes on; a failed collective
/// ends the job (resume it). `--resume` skips recorded runs and continues interrupted ones exactly from their state.
///
/// Directory: sweep.json (the runs and ranks per run), base.toml (the base configuration, resolved), runs/NAME/
/// (each run directory), evals/NAME/ (each test evaluation), results/NAME.json (each result), results.csv (one row
/// per run in grid order, rewritten as results arrive), claims/JOB/ (who took what in each job), .lock.
public struct Sweep {
    public let directory: String
    /// Test hook: in the run of this plan index, group rank 0 kills itself (SIGKILL) after this many global steps.
    public var killRun = -1, killAfterSteps = 0
    public init(directory: String) { self.directory = directory }

    func path(_ components: String...) -> String { components.reduce(directory) { ($0 as NSString).appendingPathComponent($1) } }

    /// What sweep.json holds.
    public struct Plan: Codable, Sendable {
        public var format = "sage-mpi sweep 1"
        public var ranksPerRun: Int
        public var keys: [String]
        public var runs: [PlannedRun]
    }
    public struct PlannedRun: Codable, Sendable {
        public var name: String
        public var values: [[String]]  // [key, TOML text]
        var overrides: [String] { values.map { "\($0[0])=\($0[1])" } }
    }

    /// Rank 0: a new sweep directory for `grid` over `base` (refused when it exists and is not empty or an earlier
    /// sweep's, or already holds a plan: that one is resumed, never replaced). Writes base.toml and sweep.json.
    public func create(base: RunConfig, grid: SweepGrid, ranksPerRun: Int) throws {
        let fm = FileManager.default
        try OutputGuard.checkDirectory(directory, kind: "sweep", inputs: base.inputPaths(except: ["predixcan_out"]))
        if fm.fileExists(atPath: path("sweep.json")) {
            throw ConfigError("\(directory) already holds a sweep: continue it with `sage-mpi sweep --resume \(directory)`, or choose another --out")
        }
        do { try fm.createDirectory(atPath: path("results"), withIntermediateDirectories: true) } catch {
            throw OutputError("\(directory): cannot create the sweep directory (\(error.localizedDescription))")
        }
        try OutputGuard.mark(directory, kind: "sweep")
        for name in ["runs", "evals", "claims"] { try fm.createDirectory(atPath: path(name), withIntermediateDirectories: true) }
        try AtomicFile.write(Data(base.resolvedTOML.utf8), to: path("base.toml"))
        let plan = Plan(ranksPerRun: ranksPerRun, keys: grid.keys, runs: grid.runs.map { PlannedRun(name: $0.name, values: $0.values.map { [$0.key, $0.value] }) })
        try AtomicJSON.write(plan, to: path("sweep.json"))
    }

    /// The plan of an existing sweep directory.
    public func plan() throws -> Plan {
        guard OutputGuard.marker(of: directory) == "sweep", let data = FileManager.default.contents(atPath: path("sweep.json")) else {
            throw ConfigError("\(directory): not a sweep directory (no sweep.json written by `sage-mpi sweep`)")
        }
        do { return try JSONDecoder().decode(Plan.self, from: data) } catch {
            throw ConfigError("\(path("sweep.json")): cannot read the sweep's plan (\(error.localizedDescription))")
        }
    }

    /// Every rank: runs the plan's runs not yet recorded, `plan.ranksPerRun` ranks per run. `overrides` (from
    /// `--set`) apply to every run on top of base.toml and the run's values.
    public func run(plan: Plan, overrides: [String] = [], comm: any Communicator, log: RankLog, level: Logger.Level) throws {
        let K = plan.ranksPerRun
        guard K >= 1, comm.size % K == 0 else {
            throw ConfigError("--ranks-per-run \(K) does not divide the job's \(comm.size) ranks: start a multiple of \(K) ranks")
        }
        // The sweep directory has one job: rank 0 holds its lock for the job's life.
        let holder = RunDirectory(path: directory)
        if comm.rank == 0, let warning = try holder.lock() { log.root.warning("sweep: \(warning)") }
        try comm.barrier()
        // Every run's configuration first, on every rank: a bad value fails the job before any work.
        let configs = try plan.runs.map { try RunConfig(file: path("base.toml"), overrides: $0.overrides + overrides) }
        let job = try comm.broadcast(string: comm.rank == 0 ? UUID().uuidString : "", root: 0)
        if comm.rank == 0 {
            try FileManager.default.createDirectory(atPath: path("claims", job), withIntermediateDirectories: true)
            let done = plan.runs.filter { SweepResult.read(path("results", $0.name + ".json")) != nil }.count
            log.root.info("sweep: \(plan.runs.count) runs (\(done) already recorded) on \(comm.size / K) group(s) of \(K) rank(s); \(directory)")
        }
        try comm.barrier()
        let group = try comm.split(color: comm.rank / K, key: comm.rank)
        // Every group's leader shows its progress, as plain lines (live lines of several groups would overwrite each other).
        let shown = try comm.broadcast(string: comm.rank == 0 && log.progress == .off ? "off" : "plain", root: 0)
        let style: ProgressStyle = shown == "off" ? .off : .plain
        let groupLog = RankLog(rank: group.rank, size: group.size, level: level, progress: style, prefix: "[group \(comm.rank / K)] ")
        while true {
            let next = try group.broadcast(string: group.rank == 0 ? claimNext(plan: plan, job: job) ?? "" : "", root: 0)
            guard !next.isEmpty, let k = plan.runs.firstIndex(where: { $0.name == next }) else { break }
            try runOne(plan.runs[k], config: configs[k], plan: plan, comm: group, log: groupLog)
        }
        try comm.barrier()
        if comm.rank == 0 {
            let results = try writeTable(plan: plan)
            let failed = results.filter { $0?.status == "failed" }.count, missing = results.filter { $0 == nil }.count
            log.root.info("sweep: done; \(results.count - failed - missing) finished, \(failed) failed\(missing > 0 ? ", \(missing) not run" : ""); \(path("results.csv"))")
        }
    }

    /// Group leader: the first run in plan order with no result whose claim file this job can create.
    func claimNext(plan: Plan, job: String) -> String? {
        for run in plan.runs where SweepResult.read(path("results", run.name + ".json")) == nil {
            let fd = open(path("claims", job, run.name), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
            if fd >= 0 { close(fd); return run.name }
        }
        return nil
    }

    /// Trains (or resumes) one run on `comm`, evaluates its best checkpoint on the test split, records the result.
    func runOne(_ run: PlannedRun, config: RunConfig, plan: Plan, comm: any Communicator, log: RankLog) throws {
        let runDirectory = path("runs", run.name), fm = FileManager.default
        let started = Date()
        var result = SweepResult(name: run.name, values: Dictionary(uniqueKeysWithValues: run.values.map { ($0[0], $0[1]) }))
        do {
            var options = Trainer.Options(runDirectory: runDirectory)
            options.resume = fm.fileExists(atPath: (runDirectory as NSString).appendingPathComponent("state.safetensors"))
            options.overwrite = !options.resume  // a run of ours that saved no state yet starts over
            if options.resume { options.savedConfig = try RunConfig(file: (runDirectory as NSString).appendingPathComponent("config.toml")) }
            if plan.runs.firstIndex(where: { $0.name == run.name }) == killRun { options.killAfterSteps = killAfterSteps }
            log.root.info("sweep: \(options.resume ? "resuming" : "starting") \(run.name) (\(run.overrides.joined(separator: " ")))")
            let trainer = try Trainer(config: config, options: options, comm: comm, log: log)
            try trainer.run()
            try comm.barrier()  // rank 0 has written best.safetensors
            result.monitor = trainer.monitor
            result.best = trainer.state.best
            result.bestEpoch = trainer.state.bestEpoch
            var evaluation = Evaluation(checkpoint: (runDirectory as NSString).appendingPathComponent("best.safetensors"), out: path("evals", run.name))
            evaluation.regions = "test"; evaluation.individuals = "test"
            guard fm.fileExists(atPath: evaluation.checkpoint) else {
                throw ConfigError("\(run.name): no best.safetensors (the monitor \(trainer.monitor) was never finite)")
            }
            try evaluation.run(config: config, comm: comm, log: log)
            if comm.rank == 0 {
                result.readValidation(metrics: (runDirectory as NSString).appendingPathComponent("metrics.jsonl"))
                result.readTest(summary: path("evals", run.name, "summary.json"))
                result.status = "finished"
            }
        } catch let error as CommunicatorError {
            throw error  // the group's collectives are out of step: end the job (resume it)
        } catch {
            result.status = "failed"
            result.error = errorMessage(error)
            log.root.error("sweep: \(run.name) failed: \(result.error ?? "")")
        }
        if comm.rank == 0 {
            result.seconds = Date().timeIntervalSince(started)
            try AtomicJSON.write(result, to: path("results", run.name + ".json"))
            _ = try writeTable(plan: plan)
            log.root.info("sweep: \(run.name) \(result.status)\(result.testRegionPearsonMedian.map { "; test median region r \(String(format: "%.4f", $0))" } ?? "")")
        }
        try comm.barrier()
    }

    /// results.csv from every recorded result, in plan order (runs not yet recorded: status pending), under a lock
    /// (group leaders write it as their runs finish). Returns the results.
    @discardableResult
    func writeTable(plan: Plan) throws -> [SweepResult?] {
        let lockPath = path(".results.lock")
        let fd = open(lockPath, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0o644)
        if fd >= 0 { flock(fd, LOCK_EX) }
        defer { if fd >= 0 { close(fd) } }
        let results = plan.runs.map { SweepResult.read(path("results", $0.name + ".json")) }
        let table = SweepResult.csv(keys: plan.keys, names: plan.runs.map(\.name), results: results)
        try AtomicFile.write(Data(table.utf8), to: path("results.csv"))
        return results
    }
}

