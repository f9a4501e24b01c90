import Foundation
import SAGEEngine

/// Where a run is and everything needed to continue it exactly: written with the model's flat parameters,
/// buffers and Adam's moments into RUN/state.safetensors (metadata "train_state" = this as JSON; the plateau
/// scheduler's initial best, +infinity, as the string "inf").
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
    /// Every rank's dropout generator (rank r's at index r; rank 0's is also `dropoutState`), so that a resumed
    /// run on several ranks draws the masks an uninterrupted one would; nil in states written before (or by a
    /// single rank alone, at a divergence stop).
    public var rankDropoutStates: [UInt64]? = nil
    public var batchesTracked: [String: Int64] = [:]
    public var finished = false
    public init() {}

    /// Decodes field by field, so that an error names the field even where the JSON decoder's own error would not
    /// (swift-foundation reports a number no Int holds as "not valid JSON", without its path).
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        func field<T: Decodable>(_ key: CodingKeys, _ expected: String, _ decode: () throws -> T) throws -> T {
            do { return try decode() } catch { throw FieldError(field: key.stringValue, expected: expected, underlying: error) }
        }
        let integer = "an integer"
        epoch = try field(.epoch, integer) { try c.decode(Int.self, forKey: .epoch) }
        stepInEpoch = try field(.stepInEpoch, integer) { try c.decode(Int.self, forKey: .stepInEpoch) }
        globalStep = try field(.globalStep, integer) { try c.decode(Int.self, forKey: .globalStep) }
        adamSteps = try field(.adamSteps, integer) { try c.decode(Int.self, forKey: .adamSteps) }
        best = try field(.best, "a number") { try c.decodeIfPresent(Double.self, forKey: .best) }
        bestEpoch = try field(.bestEpoch, integer) { try c.decodeIfPresent(Int.self, forKey: .bestEpoch) }
        epochsWithoutImprovement = try field(.epochsWithoutImprovement, integer) { try c.decode(Int.self, forKey: .epochsWithoutImprovement) }
        plateau = try field(.plateau, "the plateau scheduler's state") { try c.decodeIfPresent(ReduceLROnPlateau.self, forKey: .plateau) }
        dropoutState = try field(.dropoutState, "a non-negative integer") { try c.decode(UInt64.self, forKey: .dropoutState) }
        rankDropoutStates = try field(.rankDropoutStates, "a list of non-negative integers") { try c.decodeIfPresent([UInt64].self, forKey: .rankDropoutStates) }
        batchesTracked = try field(.batchesTracked, "an object of integer counts") { try c.decode([String: Int64].self, forKey: .batchesTracked) }
        finished = try field(.finished, "true or false") { try c.decode(Bool.self, forKey: .finished) }
    }

    /// A field of the train_state JSON that does not decode.
    struct FieldError: Error, CustomStringConvertible {
        let field: String, expected: String, underlying: any Error
        var description: String {
            switch underlying as? DecodingError {
            case .keyNotFound?: "'\(field)' is missing"
            case .valueNotFound?: "'\(field)' is null, not \(expected)"
            case .typeMismatch?: "'\(field)' is not \(expected)"
            default: "'\(field)' is out of range or malformed (\(expected))"   // e.g. a number no Int holds
            }
        }
    }

    static let metadataKey = SAGENet.trainStateMetadataKey
    /// Non-finite floats in the JSON (JSON has none): the plateau scheduler starts from best = +infinity.
    static let nonFinite = (positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")

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
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]  // the same state, the same bytes
        encoder.nonConformingFloatEncodingStrategy = .convertToString(
            positiveInfinity: Self.nonFinite.positiveInfinity, negativeInfinity: Self.nonFinite.negativeInfinity, nan: Self.nonFinite.nan)
        file.metadata[Self.metadataKey] = String(decoding: try encoder.encode(state), as: UTF8.self)
        try file.write(path: path)
    }

    /// Reads a state file back into `model` and `adam` (which must have this run's hyperparameters). Every field is
    /// checked before anything is changed, with errors naming the file and the field: the counters in range and
    /// consistent, the scheduler's numbers finite, the batch-norm counters the model's own, and each tensor the
    /// model's length with finite values.
    static func read(path: String, model: SAGENet, adam: Adam) throws -> TrainState {
        let file = try SafeTensors.read(path: path)
        guard let json = file.metadata[metadataKey] else {
            let hint = file.metadata[SAGENet.configMetadataKey] != nil ? " (it holds a model checkpoint: `train --resume` needs the run's own state.safetensors)" : ""
            throw SafeTensorsError("\(path): not a training state (no '\(metadataKey)' metadata)\(hint)")
        }
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(
            positiveInfinity: nonFinite.positiveInfinity, negativeInfinity: nonFinite.negativeInfinity, nan: nonFinite.nan)
        let state: TrainState
        do {
            state = try decoder.decode(TrainState.self, from: Data(json.utf8))
        } catch let error as FieldError {
            throw SafeTensorsError("\(path): train_state \(error.description) (the file is damaged; resume from an intact copy, or start the run again)")
        } catch {
            throw SafeTensorsError("\(path): train_state metadata is not a JSON object of training progress (the file is damaged)")
        }
        try state.validate(model: model, source: path)

        let s = model.store
        let params = try finite(file.floats("params", shape: [s.params.count], source: path), "params", path)
        let buffers = try finite(file.floats("buffers", shape: [s.buffers.count], source: path), "buffers", path)
        let m = try finite(file.floats("adam.m", shape: [adam.m.count], source: path), "adam.m", path)
        let v = try finite(file.floats("adam.v", shape: [adam.v.count], source: path), "adam.v", path)
        if let negative = v.firstIndex(where: { $0 < 0 }) {
            throw SafeTensorsError("\(path): 'adam.v' holds \(v[negative]) at element \(negative); Adam's second moments are never negative (the file is damaged)")
        }
        s.params.copy(from: params)
        s.buffers.copy(from: buffers)
        s.batchesTracked = state.batchesTracked
        adam.restore(m: m, v: v, stepCount: state.adamSteps)
        model.dropoutRNG = SplitMix64(seed: state.dropoutState)
        return state
    }

    /// Throws unless every field is one a run can have written, naming the first that is not.
    func validate(model: SAGENet, source: String) throws {
        func fail(_ field: String, _ problem: String) -> SafeTensorsError {
            SafeTensorsError("\(source): train_state '\(field)' \(problem) (the file is damaged; resume from an intact copy, or start the run again)")
        }
        let limit = Int(SAGENet.counterLimit)
        func counter(_ field: String, _ value: Int, upTo maximum: Int = limit, _ what: String = "") throws {
            guard (0...maximum).contains(value) else { throw fail(field, "is \(value), outside 0...\(maximum)\(what)") }
        }
        try counter("epoch", epoch)
        try counter("globalStep", globalStep)
        try counter("stepInEpoch", stepInEpoch, upTo: globalStep, " (at most globalStep)")
        try counter("adamSteps", adamSteps, upTo: globalStep, " (one Adam step per global step)")
        try counter("epochsWithoutImprovement", epochsWithoutImprovement, upTo: epoch, " (at most epoch)")
        if let bestEpoch { try counter("bestEpoch", bestEpoch, upTo: epoch, " (at most epoch)") }
        if let best, !best.isFinite { throw fail("best", "is \(best), not a finite metric") }
        if let plateau {
            func positive(_ field: String, _ x: Float, below upper: Float = .infinity) throws {
                guard x.isFinite, x >= 0, x < upper else { throw fail("plateau.\(field)", "is \(x), not a finite number in [0, \(upper))") }
            }
            try positive("lr", plateau.lr)
            try positive("factor", plateau.factor, below: 1)
            try positive("threshold", plateau.threshold)
            try positive("minLR", plateau.minLR)
            try counter("plateau.patience", plateau.patience)
            try counter("plateau.badEpochs", plateau.badEpochs)
            guard plateau.best == (plateau.maximize ? -Float.infinity : .infinity) || plateau.best.isFinite else { throw fail("plateau.best", "is \(plateau.best)") }
        }
        let expected = Set(model.store.batchesTracked.keys), found = Set(batchesTracked.keys)
        if let name = expected.subtracting(found).sorted().first { throw fail("batchesTracked", "has no '\(name)'") }
        if let name = found.subtracting(expected).sorted().first { throw fail("batchesTracked", "has '\(name)', which this run's model does not (was the configuration changed?)") }
        for (name, count) in batchesTracked.sorted(by: { $0.key < $1.key }) where !(0...SAGENet.counterLimit).contains(count) {
            throw fail("batchesTracked", "counts \(count) batches for '\(name)', outside 0...\(SAGENet.counterLimit)")
        }
    }
}

/// `values`, unless one is NaN or infinite.
private func finite(_ values: [Float], _ name: String, _ source: String) throws -> [Float] {
    if let bad = values.firstIndex(where: { !$0.isFinite }) {
        throw SafeTensorsError("\(source): '\(name)' holds \(values[bad]) at element \(bad); a saved training state is finite (the file is damaged, or the run diverged)")
    }
    return values
}
