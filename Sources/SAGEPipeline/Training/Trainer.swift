import Foundation
import Logging
import SAGEDistributed
import SAGEEngine
import SAGEGenome

/// Data-parallel training of r-SAGE-net or p-SAGE-net (`sage-mpi train`). Every rank holds the whole model;
/// rank 0's initial parameters are broadcast; each epoch's items are a seeded shuffle computed identically on
/// every rank; global step k takes items [k*P*B, (k+1)*P*B) of it and each rank a balanced slice (B = batch_size
/// per rank, as SAGE-net). Gradients are of the global batch's mean loss (each rank's share summed by one
/// allreduce); clipping and Adam then run identically everywhere. Batch-norm running statistics follow rank 0
/// (broadcast after each step, as PyTorch DDP), or the statistics are global with sync_batchnorm. A last global
/// batch with fewer items than ranks is skipped (at most P-1 items an epoch, different ones each epoch); so is one
/// that would leave a rank a single item when some batch norm runs at length 1 (see `minimumTrainingBatch`).
///
/// Run directory (rank 0 writes, atomically): config.toml (resolved), metrics.jsonl, state.safetensors (all that
/// `--resume` needs), last.safetensors and best.safetensors (PyTorch state_dicts), correlations/ per validation.
public final class Trainer {
    public struct Options: Sendable {
        public var runDirectory: String
        public var resume = false
        /// A fresh run over an existing one: remove that run's files first (instead of refusing).
        public var overwrite = false
        /// On resume: the configuration the run was started with (config.toml as saved), and whether changes
        /// beyond `RunDirectory.resumableKeys` are accepted.
        public var savedConfig: RunConfig? = nil
        public var allowChanges = false
        /// Stop after this many global steps (0 = run to max_epochs); the state is saved, so `--resume` continues.
        public var maxSteps = 0
        /// Test hook: this rank kills itself (SIGKILL) after this many global steps.
        public var killAfterSteps = 0
        public var killRank = 0
        /// Test hook: rank `killRank`'s loss is NaN at this global step (1-based), as a diverging run's would be.
        public var nanAtStep = 0
        public init(runDirectory: String) { self.runDirectory = runDirectory }
    }

    let config: RunConfig, options: Options, comm: any Communicator, log: RankLog
    let set: TrainingSet, dataset: PersonalDataset, model: SAGENet, adam: Adam
    /// The step: forward, loss, backward, gradient sum over the ranks, clip, Adam, batch-norm statistics.
    let parallel: DataParallel
    let modelConfig: SAGEConfig
    /// Items each rank needs in a step for batch norm (see `SAGEConfig.minimumTrainingBatch`).
    let minimumRankBatch: Int
    let batchSize: Int, lamRef: Float, lamDiff: Float, clip: Float, learningRate: Float
    let cyclic: CyclicLR?
    let items: [(region: Int, individual: Int)]
    let channels: [Int]
    let monitor: String, maximize: Bool
    var state = TrainState()
    /// Rank 0's hold on the run directory (its lock lasts as long as this object).
    var directory: RunDirectory? = nil

    public init(config: RunConfig, options: Options, comm: any Communicator, log: RankLog) throws {
        self.config = config; self.options = options; self.comm = comm; self.log = log
        modelConfig = config.model
        let store = try openCheckedStore(config: config, purpose: "to train")
        set = try TrainingSet(config: config, store: store)
        dataset = PersonalDataset(store: store, options: config.data.sequence)
        for warning in set.warnings { log.root.warning("\(warning)") }
        guard !set.trainRegions.isEmpty else {
            let chromosomes = Set(set.selectedRegions.map { store.manifest.regions[$0].chr }).sorted()
            throw ConfigError("no training regions: none of \(set.selection) is on train_chrs \(config.splits.train.chromosomes) (they are on \(chromosomes.prefix(10).joined(separator: ", ")))")
        }
        batchSize = config.training.batchSize
        lamRef = Float(config.training.lamRef); lamDiff = Float(config.training.lamDiff)
        clip = Float(config.training.gradientClipVal); learningRate = Float(config.training.learningRate)
        let model = try SAGENet(config: modelConfig, seed: config.training.seed)
        model.dropoutRNG = SplitMix64(seed: config.training.seed &+ 0x5EED &+ UInt64(comm.rank))
        self.model = model
        var hyper = AdamHyperparameters()
        hyper.weightDecay = Float(config.training.weightDecay)
        adam = Adam(parameterCount: model.store.parameterCount, hyper: hyper)
        let (regions, individuals) = (set.trainRegions, set.trainIndividuals)
        guard !individuals.isEmpty else { throw ConfigError("\(config.file ?? "configuration"): train_individuals is required to train (train_subs only says whom y0 and the allele frequencies come from)") }
        if modelConfig.model == .psagenet {
            items = regions.flatMap { r in individuals.map { (r, $0) } }
            channels = [0, 1, 2]
        } else {
            items = regions.map { ($0, individuals[0]) }  // the reference: one item per region
            channels = [0]
        }
        monitor = try Self.monitoredMetric(config: config, set: set)
        maximize = config.training.maximize
        switch config.training.scheduler {
        case .cyclic: cyclic = CyclicLR(baseLR: learningRate / 2, maxLR: learningRate * 2, stepSizeUp: config.training.stepSizeUp)
        case .plateau: cyclic = nil; state.plateau = ReduceLROnPlateau(lr: learningRate, patience: config.training.lrPatience, maximize: maximize)
        case .none: cyclic = nil
        }
        if state.plateau != nil, config.training.patience > 0, config.training.lrPatience >= config.training.patience {
            log.root.warning("train: lr_patience \(config.training.lrPatience) >= patience \(config.training.patience): early stopping comes before the plateau scheduler would cut the learning rate (it cuts after more than lr_patience epochs without improvement)")
        }
        let syncBatchNorm = config.training.syncBatchNorm && comm.size > 1
        parallel = DataParallel(step: TrainingStep(model: model, adam: adam, clip: clip, lamRef: lamRef, lamDiff: lamDiff),
                                comm: comm, syncBatchNorm: syncBatchNorm)
        minimumRankBatch = syncBatchNorm ? 1 : modelConfig.minimumTrainingBatch  // synchronised statistics pool every rank's items
        try model.reserve(batch: batchSize, training: true, available: memoryShareOfThisRank())
        if batchSize < minimumRankBatch {
            throw ConfigError("batch_size \(batchSize) leaves a batch-norm layer one value per channel (the shortest runs at length \(modelConfig.shortestBatchNormLength ?? 0) with input_len \(modelConfig.inputLen) after \(modelConfig.nConvBlocks) poolings of \(modelConfig.poolingSize)); PyTorch refuses this: use batch_size >= \(minimumRankBatch), or sync_batchnorm = true on several ranks, or fewer n_conv_blocks")
        }
    }

    var runPath: (String) -> String { { (self.options.runDirectory as NSString).appendingPathComponent($0) } }

    public func run() throws {
        // Rank 0 holds the directory and checks a resume before anything is written; then the state is read.
        if comm.rank == 0 {
            let directory = RunDirectory(path: options.runDirectory)
            if let warning = try directory.open(resume: options.resume, overwrite: options.overwrite,
                                                inputs: config.inputPaths(except: ["predixcan_out"], configFile: !options.resume)) {
                log.root.warning("train: \(warning)")
            }
            self.directory = directory
            let record = try RunRecord(config: config, ranks: comm.size)
            if options.resume {
                let changes = record.changes(since: try RunRecord.read(directory.file("run.json")), saved: options.savedConfig ?? config, current: config)
                if !changes.isEmpty && !options.allowChanges {
                    throw ConfigError("\(options.runDirectory): refusing to resume with changes a resumed run cannot be exact under (nothing was written):\n  \(changes.joined(separator: "\n  "))\nundo them, or accept them with --allow-changes (learning_rate, step_size_up, lr_patience, max_epochs and checkpoint_every_steps may change freely)")
                }
                for change in changes { log.root.warning("train: resuming with a change (--allow-changes): \(change)") }
                // Read before anything is rewritten: a damaged state leaves the run as it was.
                state = try TrainState.read(path: runPath("state.safetensors"), model: model, adam: adam)
            }
            try AtomicFile.write(Data(config.resolvedTOML.utf8), to: runPath("config.toml"))
            try AtomicJSON.write(record, to: runPath("run.json"))
        } else if options.resume {
            state = try TrainState.read(path: runPath("state.safetensors"), model: model, adam: adam)
        }
        if options.resume {
            try adoptDropoutState()
            adoptScheduleSettings()
            if comm.rank == 0 { try truncateMetrics(after: state.globalStep) }
            log.root.info("train: resuming \(options.runDirectory) at epoch \(state.epoch + 1), step \(state.stepInEpoch) of the epoch (global step \(state.globalStep))")
            if state.finished {
                // A finished run trains on when max_epochs was raised (it may change on resume) and it did not stop early.
                let patience = config.training.patience
                let stoppedEarly = patience > 0 && state.epochsWithoutImprovement >= patience
                guard !stoppedEarly && state.epoch < config.training.maxEpochs else {
                    let why = stoppedEarly ? "it stopped early (no improvement for \(state.epochsWithoutImprovement) epoch(s), patience \(patience))"
                                           : "it trained its max_epochs \(state.epoch)"
                    log.root.info("train: this run had finished: \(why); nothing to do (raise max_epochs\(stoppedEarly ? ", and patience with --allow-changes," : "") to train on)")
                    return
                }
                log.root.info("train: this run had finished after \(state.epoch) epoch(s); training on to max_epochs \(config.training.maxEpochs)")
                state.finished = false
            }
        } else {
            if let initFrom = config.training.initFrom { try initialiseTrunk(from: initFrom) }
            try parallel.broadcastState()
        }
        let P = comm.size, globalBatch = P * batchSize
        let stepsPerEpoch = items.count / globalBatch + (items.count % globalBatch >= P * minimumRankBatch ? 1 : 0)
        let maxEpochs = config.training.maxEpochs
        log.root.info("train: \(modelConfig.model.rawValue), \(model.store.parameterCount) parameters; \(set.trainRegions.count) training regions x \(modelConfig.model == .psagenet ? set.trainIndividuals.count : 1) = \(items.count) items an epoch, \(stepsPerEpoch) steps of \(globalBatch) (\(batchSize) per rank x \(P) ranks); \(set.valRegions.count) validation regions, \(set.valIndividuals.count) validation individuals; monitor \(monitor)")
        guard stepsPerEpoch > 0 else { throw ConfigError("fewer training items (\(items.count)) than ranks (\(P))") }
        guard state.stepInEpoch <= stepsPerEpoch else {
            throw ConfigError("\(runPath("state.safetensors")): step \(state.stepInEpoch) of an epoch that has \(stepsPerEpoch) steps: the state does not belong to this run's data (or is damaged)")
        }

        let L = modelConfig.inputLen, stride = 4 * L, outputs = modelConfig.outputCount
        let inputs = channels.map { _ in FloatBuffer(count: batchSize * stride) }
        let pointers = inputs.map { UnsafePointer($0.pointer) }
        let targets = FloatBuffer(count: batchSize * outputs)
        let valEvery = config.training.valEverySteps, ckptEvery = config.training.checkpointEverySteps
        var window = (start: Date(), items: 0, loss: 0.0, lossRef: 0.0, lossDiff: 0.0, steps: 0)
        let runStart = Date(), startStep = state.globalStep
        let progress = ProgressLine(task: "train", total: maxEpochs * stepsPerEpoch, unit: "steps", log: log, start: startStep)
        defer { progress.finish() }

        if options.maxSteps > 0 && state.globalStep >= options.maxSteps {
            log.root.info("train: the run is at global step \(state.globalStep), at or past --max-steps \(options.maxSteps); nothing to do")
            return
        }
        while state.epoch < maxEpochs {
            var order = items
            var shuffler = SplitMix64(seed: config.training.seed &* 0x9E37_79B9 &+ UInt64(state.epoch))
            order.shuffle(using: &shuffler)
            while state.stepInEpoch < stepsPerEpoch {
                let begin = state.stepInEpoch * globalBatch, end = min(begin + globalBatch, order.count)
                let mine = balancedRanges(count: end - begin, parts: P)[comm.rank]
                let B = mine.count, N = end - begin
                for (b, k) in mine.enumerated() {
                    let (r, i) = order[begin + k]
                    for (c, channel) in channels.enumerated() { dataset.oneHot(region: r, individual: i, channel: channel, into: inputs[c].pointer + b * stride) }
                    let t = r * set.store.individualCount + i
                    targets[b * outputs] = set.y0[t]
                    if outputs == 2 { targets[b * outputs + 1] = set.y1[t] }
                }
                let lr = currentLR()
                let loss: (total: Double, ref: Double, diff: Double)
                do {
                    loss = try parallel.step(sequences: pointers, targets: targets.pointer, batch: B, globalBatch: N, lr: lr,
                                             poison: options.nanAtStep == state.globalStep + 1 && comm.rank == options.killRank).loss
                } catch let diverged as DataParallel.Diverged {
                    try stopDiverged(loss: diverged.loss, gradientNorm: diverged.gradientNorm)
                }
                state.stepInEpoch += 1
                state.globalStep += 1
                window.items += N; window.steps += 1
                window.loss += loss.total; window.lossRef += loss.ref; window.lossDiff += loss.diff
                let w = Double(window.steps), windowRate = Double(window.items) / max(Date().timeIntervalSince(window.start), 1e-9)
                progress.update(state.globalStep, detail: "epoch \(state.epoch + 1)/\(maxEpochs) step \(state.stepInEpoch)/\(stepsPerEpoch)  loss \(fmt(window.loss / w)) (ref \(fmt(window.lossRef / w)), diff \(fmt(window.lossDiff / w)))  lr \(fmt(Double(lr)))  \(String(format: "%.1f", windowRate)) samples/s")

                if options.killAfterSteps > 0 && state.globalStep == options.killAfterSteps && comm.rank == options.killRank {
                    kill(getpid(), SIGKILL)
                }
                if state.globalStep % 10 == 0 || state.stepInEpoch == stepsPerEpoch {
                    let seconds = Date().timeIntervalSince(window.start), steps = Double(window.steps)
                    let rate = Double(window.items) / max(seconds, 1e-9)
                    try appendMetrics(["kind": "train", "step": state.globalStep, "epoch": state.epoch + 1, "loss": window.loss / steps,
                                       "loss_ref": window.lossRef / steps, "loss_diff": window.lossDiff / steps, "lr": Double(lr), "samples_per_s": rate])
                    window = (Date(), 0, 0, 0, 0, 0)
                }
                if valEvery > 0 && state.globalStep % valEvery == 0 && state.stepInEpoch < stepsPerEpoch { _ = try validate(tag: "step-\(state.globalStep)") }
                if ckptEvery > 0 && state.globalStep % ckptEvery == 0 { try saveState() }
                if options.maxSteps > 0 && state.globalStep >= options.maxSteps {
                    try saveState()
                    log.root.info("train: stopped after \(state.globalStep) steps (--max-steps); continue with --resume \(options.runDirectory)")
                    return
                }
            }
            // End of epoch: validate, schedule, keep the best, maybe stop early.
            let metrics = try validate(tag: String(format: "epoch-%03d", state.epoch + 1))
            let value = metrics[monitor] ?? .nan
            if var plateau = state.plateau { plateau.step(metric: Float(value)); state.plateau = plateau }
            let improved = value.isFinite && (state.best.map { maximize ? value > $0 : value < $0 } ?? true)
            state.epoch += 1
            state.stepInEpoch = 0
            if config.training.saveAllEpochs && comm.rank == 0 {
                try FileManager.default.createDirectory(atPath: runPath("epochs"), withIntermediateDirectories: true)
                try model.save(checkpoint: runPath(String(format: "epochs/epoch-%03d.safetensors", state.epoch)))
            }
            if improved {
                state.best = value; state.bestEpoch = state.epoch; state.epochsWithoutImprovement = 0
                if comm.rank == 0 { try model.save(checkpoint: runPath("best.safetensors")) }
                log.root.info("train: epoch \(state.epoch): \(monitor) = \(fmt(value)), the best so far (best.safetensors)")
            } else {
                state.epochsWithoutImprovement += 1
                log.root.info("train: epoch \(state.epoch): \(monitor) = \(fmt(value)); best \(state.best.map(fmt) ?? "-") at epoch \(state.bestEpoch ?? 0)")
            }
            let patience = config.training.patience
            if patience > 0 && state.epochsWithoutImprovement >= patience {
                log.root.info("train: early stop: \(monitor) has not improved for \(patience) epoch(s)")
                break
            }
            try saveState()
        }
        state.finished = true
        try saveState()
        log.root.info("train: done in \(duration(Date().timeIntervalSince(runStart))); best \(monitor) = \(state.best.map(fmt) ?? "-") at epoch \(state.bestEpoch ?? 0); run directory \(options.runDirectory)")
    }

    /// After a resume: the plateau scheduler takes this configuration's lr_patience (and learning_rate, when it
    /// changed), in the monitor's direction (states written before mode "max" held the negated metric in mode "min").
    func adoptScheduleSettings() {
        guard var plateau = state.plateau else { return }
        if plateau.maximize != maximize { plateau.convert(maximize: maximize) }
        plateau.patience = config.training.lrPatience
        if let saved = options.savedConfig, saved.training.learningRate != config.training.learningRate { plateau.restart(lr: learningRate) }
        state.plateau = plateau
    }

    /// `monitor`, checked against what this model logs (`MetricNames`) and against the sets it needs.
    static func monitoredMetric(config: RunConfig, set: TrainingSet) throws -> String {
        let model = config.model.model
        let monitor = try config.training.checkedMonitor(for: model)
        if monitor.hasPrefix("val_") && set.valRegions.isEmpty {
            throw ConfigError("monitor '\(monitor)' needs validation regions, and none of the store's regions is on val_chrs \(config.splits.val.chromosomes) (set val_chrs or val_regions, or monitor a train_ metric)")
        }
        if model == .psagenet && set.valIndividuals.isEmpty {
            throw ConfigError("validation needs val_individuals (monitor '\(monitor)')")
        }
        return monitor
    }

    func currentLR() -> Float {
        if let cyclic { return cyclic.lr(afterSteps: state.globalStep) }
        return state.plateau?.lr ?? learningRate
    }

    /// init_from: the trunk of another checkpoint (SAGENet.loadTrunk), reported.
    func initialiseTrunk(from path: String) throws {
        let (copied, skipped) = try model.loadTrunk(from: path)
        log.root.info("train: trunk initialised from \(path) (\(copied) tensors\(skipped.isEmpty ? "" : "; skipped, absent here: \(skipped.joined(separator: ", "))"))")
    }

    /// Validation in parallel on the training and the validation regions ("train_", "val_", `MetricNames`): with the
    /// validation individuals for p-SAGE-net, on the reference sequences for r-SAGE-net. Rank 0 writes the metrics
    /// and correlations; every rank gets them back.
    func validate(tag: String) throws -> [String: Double] {
        let start = Date()
        var sets: [(String, [Int], [Int], ReferenceModelInput)] = []
        let cap = config.training.maxValItems
        func capped(_ regions: [Int], _ n: Int) -> [Int] { cap > 0 ? Array(regions.prefix(max(1, cap / max(n, 1)))) : regions }
        if modelConfig.model == .psagenet {
            guard !set.valIndividuals.isEmpty else { throw ConfigError("validation needs val_individuals") }
            sets = [("train_", capped(set.trainRegions, set.valIndividuals.count), set.valIndividuals, .personal),
                    ("val_", capped(set.valRegions, set.valIndividuals.count), set.valIndividuals, .personal)]
            if config.training.validateTest { sets.append(("test_", capped(set.testRegions, set.testIndividuals.count), set.testIndividuals, .personal)) }
        } else {
            let one = [set.valIndividuals.first ?? set.trainIndividuals[0]]
            sets = [("train_", set.trainRegions, one, .reference), ("val_", set.valRegions, one, .reference)]
            if config.training.validateTest { sets.append(("test_", set.testRegions, one, .reference)) }
        }
        var metrics: [String: Double] = [:]
        for (prefix, regions, individuals, input) in sets where !regions.isEmpty {
            let p = try predictFromStore(comm: comm, model: model, dataset: dataset, regions: regions, individuals: individuals,
                                         batchSize: batchSize, referenceInput: input)
            if let p, comm.rank == 0 {
                let m = EvaluationMetrics(predictions: p, set: set)
                metrics.merge(m.named(prefix, lamRef: Double(lamRef), lamDiff: Double(lamDiff))) { $1 }
                if modelConfig.model == .psagenet {
                    try writeCorrelations(runPath("correlations/\(tag)-\(prefix)regions.csv"), ids: regions.map { set.store.manifest.regions[$0].id }, values: m.regionPearson, header: "region_id")
                    try writeCorrelations(runPath("correlations/\(tag)-\(prefix)individuals.csv"), ids: individuals.map { set.store.manifest.individuals[$0] }, values: m.individualPearson, header: "individual")
                }
            }
        }
        // Everyone needs the monitored value (early stopping, plateau); rank 0 computed it.
        var monitored = [metrics[monitor] ?? .nan]
        try monitored.withUnsafeMutableBufferPointer { try comm.broadcast($0, root: 0) }
        guard comm.rank == 0 else { return [monitor: monitored[0]] }
        var line: [String: Any] = ["kind": "val", "step": state.globalStep, "epoch": state.epoch + 1, "seconds": Date().timeIntervalSince(start)]
        for (k, v) in metrics where v.isFinite { line[k] = v }
        try appendMetrics(line)
        let shown = metrics.keys.sorted().filter { $0.contains("median") || $0.hasSuffix("mean_pearson") || $0.hasSuffix("_loss") }
        log.root.info("validate (\(tag)): \(shown.map { "\($0) \(fmt(metrics[$0]!))" }.joined(separator: ", ")) (\(String(format: "%.1f", Date().timeIntervalSince(start))) s)")
        return metrics
    }

    func writeCorrelations(_ path: String, ids: [String], values: [Double], header: String) throws {
        var text = "\(header),pearson\n"
        for (id, v) in zip(ids, values) { text += "\(id),\(v.isFinite ? String(v) : "NaN")\n" }
        try AtomicFile.write(Data(text.utf8), to: path)
    }

    /// Rank 0 writes state.safetensors and last.safetensors (every rank calls; the others return).
    /// Every rank calls: rank 0 gathers each rank's dropout generator into the state and writes it.
    func saveState() throws {
        let generators = try comm.gather([Int64(bitPattern: model.dropoutRNG.state)], root: 0)
        guard comm.rank == 0 else { return }
        state.rankDropoutStates = generators.map { $0.map { UInt64(bitPattern: $0[0]) } }
        try writeState()
    }

    /// Rank 0 alone (a divergence stop, where the other ranks do not take part): the state without the other
    /// ranks' generators.
    func writeState() throws {
        guard comm.rank == 0 else { return }
        try state.write(path: runPath("state.safetensors"), model: model, adam: adam)
        try model.save(checkpoint: runPath("last.safetensors"))
    }

    /// On resume: this rank's dropout generator as it was saved. A state without the ranks' generators (written
    /// before they were kept, or at a divergence stop) gives ranks > 0 fresh streams derived from rank 0's, so
    /// their masks differ from each other but not as an uninterrupted run's would.
    func adoptDropoutState() throws {
        if let saved = state.rankDropoutStates, saved.count == comm.size {
            model.dropoutRNG = SplitMix64(seed: saved[comm.rank])
        } else if comm.rank > 0 {
            model.dropoutRNG = SplitMix64(seed: state.dropoutState &+ 0x9E37_79B9_7F4A_7C15 &* UInt64(comm.rank))
        }
        if comm.size > 1 && state.rankDropoutStates?.count != comm.size {
            log.root.warning("train: the state holds no dropout generator per rank (\(state.rankDropoutStates == nil ? "written by an older sage-mpi or at a divergence stop" : "saved on \(state.rankDropoutStates!.count) ranks")): dropout masks after the resume differ from an uninterrupted run's")
        }
    }

    /// A step whose loss or gradient is not finite: nothing of it is applied (the caller restored what its forward
    /// pass changed); the state before it is saved when finite, and the run stops with the step and its loss terms.
    func stopDiverged(loss: (total: Double, ref: Double, diff: Double), gradientNorm: Float) throws -> Never {
        if comm.rank != 0 {  // every rank saw the same reduced loss; rank 0 reports, and its error ends the job
            try comm.barrier()
            throw TrainingError("train: diverged at global step \(state.globalStep + 1)")
        }
        let s = model.store
        let finite = UnsafeBufferPointer(start: s.params.pointer, count: s.params.count).allSatisfy(\.isFinite)
            && UnsafeBufferPointer(start: s.buffers.pointer, count: s.buffers.count).allSatisfy(\.isFinite)
        if finite { try writeState() }
        let terms = "loss \(fmt(loss.total)) (ref \(fmt(loss.ref)), diff \(fmt(loss.diff))), gradient norm \(fmt(Double(gradientNorm)))"
        let kept = finite ? "the state before this step is saved in \(runPath("state.safetensors"))" : "the parameters are no longer finite, so the last saved state was kept"
        throw TrainingError("train: diverged at global step \(state.globalStep + 1) (epoch \(state.epoch + 1), step \(state.stepInEpoch + 1) of the epoch): \(terms); \(kept). Lower learning_rate (or gradient_clip_val) and continue with `sage-mpi train --resume \(options.runDirectory) --set learning_rate=...`, or check the targets")
    }

    func appendMetrics(_ object: [String: Any]) throws {
        guard comm.rank == 0 else { return }
        let finite = object.mapValues { value -> Any in (value as? Double).map { $0.isFinite ? $0 as Any : NSNull() } ?? value }
        let data = try JSONSerialization.data(withJSONObject: finite, options: [.sortedKeys]) + Data("\n".utf8)
        let path = runPath("metrics.jsonl")
        if !FileManager.default.fileExists(atPath: path) { _ = FileManager.default.createFile(atPath: path, contents: nil) }
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        defer { try? handle.close() }
        try handle.seekToEnd()
        try handle.write(contentsOf: data)
    }

    /// Drops metric lines past the resumed step (they were written after the last saved state).
    func truncateMetrics(after step: Int) throws {
        let path = runPath("metrics.jsonl")
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return }
        let kept = text.split(separator: "\n").filter { line in
            guard let o = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], let s = o["step"] as? Int else { return false }
            return s <= step
        }
        try AtomicFile.write(Data((kept.joined(separator: "\n") + (kept.isEmpty ? "" : "\n")).utf8), to: path)
    }
}

/// Training that cannot go on (divergence); the message says what was kept and what to do.
public struct TrainingError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
}

func fmt(_ x: Double) -> String { x.isFinite ? String(format: abs(x) < 1e-3 && x != 0 ? "%.3e" : "%.4f", x) : "NaN" }
