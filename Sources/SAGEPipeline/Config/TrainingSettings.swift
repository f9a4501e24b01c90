import SAGEEngine

/// How `train` optimises, validates, stops and checkpoints (the Training keys), checked for the model it trains.
public struct TrainingSettings: Sendable, Equatable {
    /// Adam: learning rate (cyclic: base lr/2, max 2 lr) and L2 weight decay.
    public let learningRate, weightDecay: Double
    public let scheduler: Scheduler
    /// CyclicLR half period in steps.
    public let stepSizeUp: Int
    /// Clip the global gradient norm (0 = off).
    public let gradientClipVal: Double
    /// Items per rank per step.
    public let batchSize: Int
    public let maxEpochs: Int
    /// Initialisation, shuffling, dropout, random region sets.
    public let seed: UInt64
    /// Weights of the mean and difference heads' MSE (p-SAGE-net).
    public let lamRef, lamDiff: Double
    public let syncBatchNorm: Bool
    /// An r-SAGE-net checkpoint whose trunk initialises p-SAGE-net's.
    public let initFrom: String?
    /// The metric for best.safetensors, early stopping and the plateau scheduler; one the model logs
    /// (`MetricNames.validation`) when it trains: `checkedMonitor` (a sweep records a run with another as failed).
    public let monitor: String
    /// Where `monitor` came from, for the message.
    let monitorOrigin: String
    /// Whether larger values of `monitor` are better (not a loss).
    public var maximize: Bool { !monitor.contains("loss") }
    /// Early stopping (0 = never) and the plateau scheduler's patience, in epochs.
    public let patience, lrPatience: Int
    /// Also validate / write last.safetensors + state every N steps (0 = at epoch ends only / never between).
    public let valEverySteps, checkpointEverySteps: Int
    /// Validate on at most N items per set (0 = all).
    public let maxValItems: Int
    /// Also validate on test regions x test individuals ("test_" metrics).
    public let validateTest: Bool
    /// Keep each epoch's checkpoint (epochs/epoch-NNN.safetensors).
    public let saveAllEpochs: Bool

    init(_ r: ConfigReader) throws {
        typealias K = ConfigKeys
        learningRate = r[K.learningRate]; weightDecay = r[K.weightDecay]
        scheduler = r[K.scheduler]; stepSizeUp = r[K.stepSizeUp]; gradientClipVal = r[K.gradientClipVal]
        batchSize = r[K.batchSize]; maxEpochs = r[K.maxEpochs]; seed = UInt64(r[K.seed])
        lamRef = r[K.lamRef]; lamDiff = r[K.lamDiff]; syncBatchNorm = r[K.syncBatchnorm]; initFrom = r[K.initFrom]
        monitor = r[K.monitor]; patience = r[K.patience]; lrPatience = r[K.lrPatience]
        valEverySteps = r[K.valEverySteps]; checkpointEverySteps = r[K.checkpointEverySteps]; maxValItems = r[K.maxValItems]
        validateTest = r[K.validateTest]; saveAllEpochs = r[K.saveAllEpochs]
        monitorOrigin = r.origin(K.monitor)
    }

    /// `monitor`, refused unless `model` logs it (with validate_test, the test_ metrics too), naming what it logs.
    public func checkedMonitor(for model: SAGEConfig.Kind) throws -> String {
        let names = MetricNames.validation(model, test: validateTest)
        guard names.contains(monitor) else {
            throw ConfigError("\(monitorOrigin): monitor '\(monitor)' is not a metric \(model.rawValue) logs; use one of: \(names.joined(separator: ", "))")
        }
        return monitor
    }
}
