import Foundation
import SAGEEngine

/// Where a run is and everything needed to continue it exactly: written with the model's flat parameters,
/// buffers and Adam's moments into RUN/state.safetensors (metadata "train_state" = this as JSON).
public struct TrainState: Codable, Sendable {
    public var epoch = 0
    /// Global steps already taken in `epoch` (the next step to take).
    public var stepInEpoch = 0
    public var globalStep = 0
    public var adamSteps = 0
    public var best: Double? = nil
    public var bestEpoch: Int? = nil
    public var epochsWithoutImprovement = 0
    public var plateau: ReduceLROnPlateau? = nil
    public var dropoutState: UInt64 = 0
    public var batchesTracked: [String: Int64] = [:]
    public var finished = false
    public init() {}

    static let metadataKey = "train_state"

    /// Writes the state with the model's flat buffers and Adam's moments (atomically).
    func write(path: String, model: SAGENet, adam: Adam) throws {
        var file = SafeTensors()
        let s = model.store
        file.add("params", floats: s.params.array, shape: [s.params.count])
        file.add("buffers", floats: s.buffers.array, shape: [s.buffers.count])
        file.add("adam.m", floats: adam.m.array, shape: [adam.m.count])
        file.add("adam.v", floats: adam.v.array, shape: [adam.v.count])
        var state = self
        state.batchesTracked = s.batchesTracked
        state.adamSteps = adam.stepCount
        state.dropoutState = model.dropoutRNG.state
        file.metadata[Self.metadataKey] = String(decoding: try JSONEncoder().encode(state), as: UTF8.self)
        try file.write(path: path)
    }

    /// Reads a state file back into `model` and `adam` (which must have this run's hyperparameters).
    static func read(path: String, model: SAGENet, adam: Adam) throws -> TrainState {
        let file = try SafeTensors.read(path: path)
        guard let json = file.metadata[metadataKey], let state = try? JSONDecoder().decode(TrainState.self, from: Data(json.utf8)) else {
            throw SafeTensorsError("\(path): not a training state (no '\(metadataKey)' metadata)")
        }
        let s = model.store
        let params = try file.floats("params", source: path), buffers = try file.floats("buffers", source: path)
        guard params.count == s.params.count, buffers.count == s.buffers.count else {
            throw SafeTensorsError("\(path): \(params.count) parameters, this run's model has \(s.params.count) (was the configuration changed?)")
        }
        s.params.copy(from: params)
        s.buffers.copy(from: buffers)
        s.batchesTracked = state.batchesTracked
        adam.restore(m: try file.floats("adam.m", source: path), v: try file.floats("adam.v", source: path), stepCount: state.adamSteps)
        model.dropoutRNG = SplitMix64(seed: state.dropoutState)
        return state
    }
}
