import Foundation

// Checkpoints are safetensors files whose tensor names and shapes are exactly the PyTorch state_dict of SAGE-net's
// rSAGEnet / pSAGEnet for the same hyperparameters (num_batches_tracked as int64), with the hyperparameters as
// JSON under the metadata key "sage_config" (SAGE-net's parameter names plus "model": "psagenet" | "rsagenet").
// So `model.load_state_dict(safetensors.torch.load_file(path), strict=True)` works in PyTorch, and a state_dict
// saved there with that metadata loads here.

extension SAGENet {
    public static let configMetadataKey = "sage_config"
    /// The metadata key of a training state file (RUN/state.safetensors, SAGEDistributed's TrainState): known
    /// here so that such a file given as a checkpoint gets an error pointing to the run's checkpoints.
    public static let trainStateMetadataKey = "train_state"
    /// The largest count of steps or batches a checkpoint or state file may hold: 2^40 (a trillion steps) is beyond
    /// any run, and far enough from Int64.max that counting on from it cannot overflow.
    public static let counterLimit: Int64 = 1 << 40

    /// The model's state_dict (parameters, running statistics, counters) in PyTorch's key order.
    public func stateDict() throws -> SafeTensors {
        var file = SafeTensors()
        for name in store.stateDictOrder {
            if let count = store.batchesTracked[name] {
                file.add(name, int64: [count], shape: [])
            } else if let slot = store.parameterSlots.first(where: { $0.name == name }) {
                file.add(name, floats: Array(UnsafeBufferPointer(start: store.p(slot.offset), count: slot.count)), shape: slot.shape)
            } else if let slot = store.bufferSlots.first(where: { $0.name == name }) {
                file.add(name, floats: Array(UnsafeBufferPointer(start: store.b(slot.offset), count: slot.count)), shape: slot.shape)
            }
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        file.metadata[Self.configMetadataKey] = String(decoding: try encoder.encode(config), as: UTF8.self)
        return file
    }

    /// Writes the checkpoint atomically (temporary file, then rename).
    public func save(checkpoint path: String) throws {
        try stateDict().write(path: path)
    }

    /// Copies tensor `key` (default `name`) of `file` into the model's state_dict entry `name`, after checking it:
    /// a parameter or running statistic must be F32 with exactly the model's shape (not merely as many elements)
    /// and finite values; a num_batches_tracked counter one int64 of shape [] in 0...counterLimit. Errors name
    /// `source`, the tensor, and what was expected and found. Returns false, copying nothing, when the model has no
    /// entry `name` (a caller matching tensors by name, such as a trunk initialisation, skips those).
    @discardableResult
    public func loadTensor(_ name: String, from file: SafeTensors, key: String? = nil, source: String) throws -> Bool {
        let key = key ?? name
        if store.batchesTracked[name] != nil {
            let t = try file.tensor(key, source: source)
            guard t.dtype == .I64, t.shape == [] else {
                throw SafeTensorsError("\(source): '\(key)' must be one int64 of shape [] (a num_batches_tracked counter), found \(t.dtype.rawValue) \(t.shape)")
            }
            let count = try file.int64(key, source: source)[0]
            guard (0...Self.counterLimit).contains(count) else {
                throw SafeTensorsError("\(source): '\(key)' counts \(count) batches, outside 0...\(Self.counterLimit): the file is damaged")
            }
            store.batchesTracked[name] = count
            return true
        }
        guard let slot = store.slot(named: name) else { return false }
        let found = try file.shape(of: key, source: source)
        guard found == slot.shape else {
            throw SafeTensorsError("\(source): '\(key)' has shape \(found), the model expects \(slot.shape)")
        }
        let values = try file.floats(key, source: source)
        if let bad = values.firstIndex(where: { !$0.isFinite }) {
            throw SafeTensorsError("\(source): '\(key)' holds \(values[bad]) at element \(bad); a model's weights and statistics are finite (the file is damaged, or from a run that diverged)")
        }
        let isParameter = store.parameterSlots.contains { $0.name == name }
        (isParameter ? store.p(slot.offset) : store.b(slot.offset)).update(from: values, count: slot.count)
        return true
    }

    /// Copies every tensor of the state_dict into the model. Every name must be present with the right shape and no
    /// unknown name may appear (PyTorch's strict=True); errors name the tensor, the expected and the found shape.
    /// `prefix` selects keys "<prefix><name>" (fixtures keep several state_dicts in one file).
    public func load(stateDict file: SafeTensors, prefix: String = "", source: String) throws {
        let expected = Set(store.stateDictOrder)
        let present = Set(file.names.filter { $0.hasPrefix(prefix) }.map { String($0.dropFirst(prefix.count)) })
        let missing = store.stateDictOrder.filter { !present.contains($0) }
        let unexpected = present.subtracting(expected).sorted()
        if !missing.isEmpty || !unexpected.isEmpty {
            var parts: [String] = []
            if !missing.isEmpty { parts.append("missing \(missing.prefix(5).joined(separator: ", "))\(missing.count > 5 ? " and \(missing.count - 5) more" : "")") }
            if !unexpected.isEmpty { parts.append("unexpected \(unexpected.prefix(5).joined(separator: ", "))\(unexpected.count > 5 ? " and \(unexpected.count - 5) more" : "")") }
            throw SafeTensorsError("\(source): state_dict does not match a \(config.model.rawValue) with these hyperparameters: \(parts.joined(separator: "; "))")
        }
        for name in store.stateDictOrder {
            try loadTensor(name, from: file, key: prefix + name, source: source)
        }
    }

    /// Builds a model from a checkpoint file: hyperparameters from its "sage_config" metadata, then the weights.
    /// A training state file (RUN/state.safetensors) is refused with the names of the run's checkpoints.
    public static func load(checkpoint path: String) throws -> SAGENet {
        let file = try SafeTensors.read(path: path)
        if file.metadata[trainStateMetadataKey] != nil {
            let directory = (path as NSString).deletingLastPathComponent
            let beside = [("last.safetensors", "the latest weights"), ("best.safetensors", "the best by the run's monitored metric")]
                .map { ((directory as NSString).appendingPathComponent($0.0), $0.1) }
            let existing = beside.filter { FileManager.default.fileExists(atPath: $0.0) }
            let choices = (existing.isEmpty ? beside : existing).map { "\($0.0) (\($0.1))" }.joined(separator: " or ")
            throw SafeTensorsError("\(path): a training state (what `train --resume` reads), not a model checkpoint; use \(choices)\(existing.isEmpty ? ", once the run has written them" : "")")
        }
        guard let json = file.metadata[configMetadataKey] else {
            throw SafeTensorsError("\(path): no '\(configMetadataKey)' metadata; save with metadata={\"sage_config\": json.dumps(hparams)} (hparams = SAGE-net's parameter names plus \"model\")")
        }
        let config: SAGEConfig
        do {
            config = try JSONDecoder().decode(SAGEConfig.self, from: Data(json.utf8))
        } catch let error as SAGEConfigError {
            throw SafeTensorsError("\(path): sage_config: \(error.description)")
        } catch {
            throw SafeTensorsError("\(path): sage_config is not a JSON object of SAGE-net hyperparameters (\(json.count > 60 ? json.prefix(60) + "..." : json))")
        }
        let model: SAGENet
        do {
            model = try SAGENet(config: config)
        } catch let error as SAGEConfigError {
            throw SafeTensorsError("\(path): \(error.description)")
        }
        try model.load(stateDict: file, source: path)
        return model
    }
}
