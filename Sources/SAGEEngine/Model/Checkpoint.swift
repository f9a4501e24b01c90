import Foundation

// Checkpoints are safetensors files whose tensor names and shapes are exactly the PyTorch state_dict of SAGE-net's
// rSAGEnet / pSAGEnet for the same hyperparameters (num_batches_tracked as int64), with the hyperparameters as
// JSON under the metadata key "sage_config" (SAGE-net's parameter names plus "model": "psagenet" | "rsagenet").
// So `model.load_state_dict(safetensors.torch.load_file(path), strict=True)` works in PyTorch, and a state_dict
// saved there with that metadata loads here.

extension SAGENet {
    public static let configMetadataKey = "sage_config"

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
            let key = prefix + name
            let tensor = try file.tensor(key, source: source)
            if store.batchesTracked[name] != nil {
                guard tensor.dtype == .I64, tensor.count == 1 else {
                    throw SafeTensorsError("\(source): '\(name)' must be one int64, found \(tensor.dtype.rawValue) \(tensor.shape)")
                }
                store.batchesTracked[name] = try file.int64(key, source: source)[0]
                continue
            }
            let slot = store.slot(named: name)!
            guard tensor.shape == slot.shape else {
                throw SafeTensorsError("\(source): '\(name)' has shape \(tensor.shape), the model expects \(slot.shape)")
            }
            let values = try file.floats(key, source: source)
            let isParameter = store.parameterSlots.contains { $0.name == name }
            (isParameter ? store.p(slot.offset) : store.b(slot.offset)).update(from: values, count: slot.count)
        }
    }

    /// Builds a model from a checkpoint file: hyperparameters from its "sage_config" metadata, then the weights.
    public static func load(checkpoint path: String) throws -> SAGENet {
        let file = try SafeTensors.read(path: path)
        guard let json = file.metadata[configMetadataKey] else {
            throw SafeTensorsError("\(path): no '\(configMetadataKey)' metadata; save with metadata={\"sage_config\": json.dumps(hparams)} (hparams = SAGE-net's parameter names plus \"model\")")
        }
        let config: SAGEConfig
        do {
            config = try JSONDecoder().decode(SAGEConfig.self, from: Data(json.utf8))
        } catch let error as SAGEConfigError {
            throw SafeTensorsError("\(path): sage_config: \(error.description)")
        } catch {
            throw SafeTensorsError("\(path): sage_config is not a JSON object of SAGE-net hyperparameters: \(error)")
        }
        let model = try SAGENet(config: config)
        try model.load(stateDict: file, source: path)
        return model
    }
}
