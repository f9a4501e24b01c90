import Foundation
import Testing
@testable import SAGEPipeline
@testable import SAGEEngine

/// RUN/state.safetensors: what a run writes reads back exactly; a damaged field is one error naming the file and
/// the field, and the model and optimizer are left as they were.
@Suite struct TrainStateTests {
    static func model() throws -> SAGENet {
        var c = SAGEConfig(model: .psagenet)
        c.inputLen = 40; c.firstLayerKernelNumber = 4; c.intLayersKernelNumber = 3; c.hiddenSize = 4
        c.nConvBlocks = 2; c.poolingSize = 4
        return try SAGENet(config: c, seed: 3)
    }

    /// A state as a run writes it mid-epoch with the plateau scheduler (whose best is still +infinity).
    static func written() throws -> (path: String, state: TrainState) {
        let model = try model(), adam = Adam(parameterCount: model.store.parameterCount)
        for i in 0..<adam.m.count { adam.m[i] = Float(i) * 0.01; adam.v[i] = Float(i) * 0.001 }
        var state = TrainState()
        state.epoch = 2; state.stepInEpoch = 3; state.globalStep = 17; state.best = 0.25; state.bestEpoch = 1
        state.epochsWithoutImprovement = 1; state.plateau = ReduceLROnPlateau(lr: 1e-3)
        adam.restore(m: adam.m.array, v: adam.v.array, stepCount: 17)
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("state-\(UUID().uuidString).safetensors").path
        try state.write(path: path, model: model, adam: adam)
        return (path, state)
    }

    /// The written state with its train_state JSON object edited, and/or its tensors edited.
    static func damaged(json edit: (inout [String: Any]) -> Void = { _ in },
                        tensors editTensors: (inout SafeTensors) -> Void = { _ in }) throws -> String {
        let path = try written().path
        var file = try SafeTensors.read(path: path)
        var object = try JSONSerialization.jsonObject(with: Data(file.metadata[TrainState.metadataKey]!.utf8)) as! [String: Any]
        edit(&object)
        file.metadata[TrainState.metadataKey] = String(decoding: try JSONSerialization.data(withJSONObject: object), as: UTF8.self)
        editTensors(&file)
        try file.write(path: path)
        return path
    }

    func readFails(_ path: String, _ fragments: String..., sourceLocation: SourceLocation = #_sourceLocation) throws {
        defer { try? FileManager.default.removeItem(atPath: path) }
        let model = try Self.model(), adam = Adam(parameterCount: model.store.parameterCount)
        let before = model.store.params.array
        let error = #expect(throws: SafeTensorsError.self, sourceLocation: sourceLocation) {
            try TrainState.read(path: path, model: model, adam: adam)
        }
        #expect(error?.description.hasPrefix(path + ": ") == true, "\(String(describing: error))", sourceLocation: sourceLocation)
        for f in fragments {
            #expect(error?.description.contains(f) == true, "'\(f)' not in: \(String(describing: error))", sourceLocation: sourceLocation)
        }
        #expect(model.store.params.array == before && adam.stepCount == 0, "changed before the error", sourceLocation: sourceLocation)
    }

    @Test func aWrittenStateReadsBackExactlyWithThePlateauSchedulersInfiniteBest() throws {
        let (path, state) = try Self.written()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let model = try Self.model(), adam = Adam(parameterCount: model.store.parameterCount)
        model.store.params.zero()
        let back = try TrainState.read(path: path, model: model, adam: adam)
        #expect(back.epoch == 2 && back.stepInEpoch == 3 && back.globalStep == 17 && back.adamSteps == 17 && back.best == 0.25)
        #expect(back.plateau == state.plateau && back.plateau?.best == .infinity)
        #expect(model.store.params.array == (try Self.model()).store.params.array)
        #expect(adam.stepCount == 17 && adam.m[5] == Float(5) * 0.01)
    }

    @Test func negativeOrHugeCountersAreErrorsNamingTheField() throws {
        try readFails(try Self.damaged { $0["epoch"] = -1 }, "train_state 'epoch' is -1, outside 0...1099511627776")
        try readFails(try Self.damaged { $0["globalStep"] = Int.max }, "'globalStep' is 9223372036854775807")
        try readFails(try Self.damaged { $0["stepInEpoch"] = 18 }, "'stepInEpoch' is 18, outside 0...17 (at most globalStep)")
        try readFails(try Self.damaged { $0["adamSteps"] = -5 }, "'adamSteps' is -5")
        try readFails(try Self.damaged { $0["bestEpoch"] = 3 }, "'bestEpoch' is 3, outside 0...2")
        try readFails(try Self.damaged { $0["epochsWithoutImprovement"] = Int.max }, "'epochsWithoutImprovement'")
        try readFails(try Self.damaged { $0["epoch"] = 1e30 }, "train_state 'epoch' is out of range or malformed (an integer)")
        try readFails(try Self.damaged { $0["dropoutState"] = -1 }, "'dropoutState' is out of range or malformed (a non-negative integer)")
        try readFails(try Self.damaged { $0["epoch"] = "two" }, "train_state 'epoch' is not an integer")
        try readFails(try Self.damaged { $0.removeValue(forKey: "globalStep") }, "'globalStep' is missing")
        try readFails(try Self.damaged { $0["batchesTracked"] = ["convlayers.0.0.num_batches_tracked": 1.5] }, "'batchesTracked' is out of range or malformed (an object of integer counts)")
        try readFails(try Self.damaged { $0["plateau"] = [1, 2] }, "'plateau' is not the plateau scheduler's state")
    }

    @Test func theSchedulerAndTheBatchNormCountersAreChecked() throws {
        func plateau(_ key: String, _ value: Any) throws -> String {
            try Self.damaged { object in
                var p = object["plateau"] as! [String: Any]
                p[key] = value
                object["plateau"] = p
            }
        }
        try readFails(try plateau("factor", 2), "'plateau.factor' is 2.0, not a finite number in [0, 1.0)")
        try readFails(try plateau("lr", "nan"), "'plateau.lr' is nan")
        try readFails(try plateau("badEpochs", Int.max), "'plateau.badEpochs' is 9223372036854775807")
        try readFails(try plateau("best", "-inf"), "'plateau.best' is -inf")
        func counters(_ edit: @escaping (inout [String: Any]) -> Void) throws -> String {
            try Self.damaged { object in
                var c = object["batchesTracked"] as! [String: Any]
                edit(&c)
                object["batchesTracked"] = c
            }
        }
        try readFails(try counters { $0["convlayers.0.0.num_batches_tracked"] = -3 }, "counts -3 batches for 'convlayers.0.0.num_batches_tracked'")
        try readFails(try counters { $0["convlayers.9.0.num_batches_tracked"] = 1 }, "has 'convlayers.9.0.num_batches_tracked', which this run's model does not")
        try readFails(try counters { $0.removeValue(forKey: "convlayers.0.0.num_batches_tracked") }, "'batchesTracked' has no 'convlayers.0.0.num_batches_tracked'")
        try readFails(try Self.damaged { $0["best"] = "inf" }, "'best' is inf, not a finite metric")
    }

    @Test func wrongLengthOrNonFiniteTensorsAreErrors() throws {
        let count = try Self.model().store.parameterCount
        try readFails(try Self.damaged(tensors: { $0.add("adam.m", floats: [Float](repeating: 0, count: count - 1), shape: [count - 1]) }),
                      "tensor 'adam.m' has shape [\(count - 1)], expected [\(count)]")
        try readFails(try Self.damaged(tensors: { $0.add("adam.v", floats: [Float](repeating: 0, count: count), shape: [1, count]) }),
                      "tensor 'adam.v' has shape [1, \(count)], expected [\(count)]")
        try readFails(try Self.damaged(tensors: { $0.add("params", floats: [Float](repeating: .nan, count: count), shape: [count]) }),
                      "'params' holds nan at element 0")
        try readFails(try Self.damaged(tensors: { $0.add("adam.v", floats: [Float](repeating: -1, count: count), shape: [count]) }),
                      "'adam.v' holds -1.0 at element 0")
        var other = SafeTensors()
        other.add("params", floats: [1], shape: [1])
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("ckpt-\(UUID().uuidString).safetensors").path
        try Self.model().save(checkpoint: path)
        try readFails(path, "not a training state", "it holds a model checkpoint")
    }
}
