import Foundation
import Testing
@testable import SAGEEngine

@Suite struct CheckpointTests {
    static let caseNames = Fixtures.modelCases.keys.filter { $0 != "curve" }.sorted()

    /// Our state_dict has exactly PyTorch's keys, shapes and dtypes for the same hyperparameters.
    @Test(arguments: caseNames)
    func stateDictMatchesPyTorchNamesShapesAndTypes(name: String) throws {
        let model = try SAGENet(config: Fixtures.modelConfig(name))
        let ours = try model.stateDict()
        let prefix = "\(name)/param/"
        let theirs = Fixtures.models.names.filter { $0.hasPrefix(prefix) }
        #expect(Set(ours.names) == Set(theirs.map { String($0.dropFirst(prefix.count)) }))
        for key in ours.names {
            let a = try ours.tensor(key), b = try Fixtures.models.tensor(prefix + key)
            #expect(a.shape == b.shape && a.dtype == b.dtype, "\(key): \(a.dtype) \(a.shape) vs \(b.dtype) \(b.shape)")
        }
        #expect(ours.metadata[SAGENet.configMetadataKey]?.contains("\"model\":\"\(model.config.model.rawValue)\"") == true)
    }

    @Test func saveAndLoadReproducesTheModel() throws {
        var config = SAGEConfig(model: .psagenet)
        config.inputLen = 60; config.firstLayerKernelNumber = 6; config.intLayersKernelNumber = 4; config.hiddenSize = 5
        config.nConvBlocks = 2; config.poolingSize = 4; config.nDilatedConvBlocks = 1; config.poolingType = .max
        let model = try SAGENet(config: config, seed: 9)
        let x = FloatBuffer(count: 2 * 4 * 60)
        for i in 0..<x.count { x[i] = Float(i % 7 == 0 ? 1 : 0) }
        let sequences = [UnsafePointer(x.pointer), UnsafePointer(x.pointer), UnsafePointer(x.pointer)]
        model.forward(sequences: sequences, batch: 2, training: true)  // move the running statistics and counters
        let before = Array(model.forward(sequences: sequences, batch: 2, training: false))
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("ckpt-\(UUID().uuidString).safetensors").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try model.save(checkpoint: path)
        let loaded = try SAGENet.load(checkpoint: path)
        #expect(loaded.config == config)
        #expect(loaded.store.batchesTracked == model.store.batchesTracked)
        #expect(loaded.store.batchesTracked["convlayers.0.0.num_batches_tracked"] == 3)  // ref, mat, pat passes
        #expect(Array(loaded.forward(sequences: sequences, batch: 2, training: false)) == before)
        withExtendedLifetime(x) {}
    }

    @Test func loadErrorsNameTheProblem() throws {
        let config = Fixtures.modelConfig("p_nobn_eval")
        let model = try SAGENet(config: config)
        var file = try model.stateDict()
        file.add("fc0.0.weight", floats: [Float](repeating: 0, count: 6), shape: [2, 3])
        let shapeError = #expect(throws: SafeTensorsError.self) { try model.load(stateDict: file, source: "x.safetensors") }
        #expect(shapeError?.description.contains("'fc0.0.weight' has shape [2, 3]") == true, "\(String(describing: shapeError))")

        var extra = try model.stateDict()
        extra.add("conv0.0.weight", floats: [1, 1, 1, 1], shape: [4])  // batch norm that pSAGEnet's conv0 does not have
        let keyError = #expect(throws: SafeTensorsError.self) { try model.load(stateDict: extra, source: "x.safetensors") }
        #expect(keyError?.description.contains("unexpected conv0.0.weight") == true, "\(String(describing: keyError))")

        let other = try SAGENet(config: Fixtures.modelConfig("r_bn_avg_train"))
        let missingError = #expect(throws: SafeTensorsError.self) { try model.load(stateDict: other.stateDict(), source: "r.safetensors") }
        #expect(missingError?.description.contains("missing") == true)

        var bare = try model.stateDict()
        bare.metadata = [:]
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("bare-\(UUID().uuidString).safetensors").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try bare.write(path: path)
        let metaError = #expect(throws: SafeTensorsError.self) { try SAGENet.load(checkpoint: path) }
        #expect(metaError?.description.contains("sage_config") == true)
    }
}

/// Hostile checkpoints: each is one SafeTensorsError naming the file and the problem.
@Suite struct DamagedCheckpointTests {
    static func tinyConfig() -> SAGEConfig {
        var c = SAGEConfig(model: .psagenet)
        c.inputLen = 60; c.firstLayerKernelNumber = 6; c.intLayersKernelNumber = 4; c.hiddenSize = 5
        c.nConvBlocks = 2; c.poolingSize = 4
        return c
    }

    static func temporary(_ name: String) -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ckpt-\(UUID().uuidString)")
        try! FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir.appendingPathComponent(name).path
    }

    /// The tiny model's checkpoint with its sage_config JSON edited by `edit`.
    static func checkpoint(editingConfig edit: (inout [String: Any]) -> Void) throws -> String {
        var file = try SAGENet(config: tinyConfig()).stateDict()
        var object = try JSONSerialization.jsonObject(with: Data(file.metadata[SAGENet.configMetadataKey]!.utf8)) as! [String: Any]
        edit(&object)
        file.metadata[SAGENet.configMetadataKey] = String(decoding: try JSONSerialization.data(withJSONObject: object), as: UTF8.self)
        let path = temporary("edited.safetensors")
        try file.write(path: path)
        return path
    }

    func loadFails(_ path: String, _ fragments: String..., sourceLocation: SourceLocation = #_sourceLocation) {
        defer { try? FileManager.default.removeItem(atPath: (path as NSString).deletingLastPathComponent) }
        let error = #expect(throws: SafeTensorsError.self, sourceLocation: sourceLocation) { try SAGENet.load(checkpoint: path) }
        #expect(error?.description.hasPrefix(path + ": ") == true, "\(String(describing: error))", sourceLocation: sourceLocation)
        for f in fragments {
            #expect(error?.description.contains(f) == true, "'\(f)' not in: \(String(describing: error))", sourceLocation: sourceLocation)
        }
    }

    @Test func hugeHyperparametersInTheMetadataAreErrorsNotAllocations() throws {
        loadFails(try Self.checkpoint { $0["first_layer_kernel_number"] = 1e12 }, "sage_config: first_layer_kernel_number must be in 1...4096, got 1000000000000")
        loadFails(try Self.checkpoint { $0["n_conv_blocks"] = 1e9 }, "sage_config: n_conv_blocks must be in 1...64, got 1000000000")
        loadFails(try Self.checkpoint { $0["input_len"] = Int.max }, "input_len must be in 1...10000000")
        loadFails(try Self.checkpoint { $0["hidden_size"] = 1 << 40 }, "hidden_size must be in 1...16384")
        loadFails(try Self.checkpoint { $0["input_len"] = 1e300 }, "input_len must be an integer, got 1e+300")
        loadFails(try Self.checkpoint { $0["pooling_size"] = 2.5 }, "pooling_size must be an integer, got 2.5")
        loadFails(try Self.checkpoint { $0["dropout"] = "high" }, "dropout must be a number in [0, 1), got \"high\"")
        loadFails(try Self.checkpoint { $0["model"] = "cnn" }, "model must be psagenet or rsagenet, got \"cnn\"")
        loadFails(try Self.checkpoint { $0["batch_norm"] = 2 }, "batch_norm must be true, false, 0 or 1, got 2")
    }

    @Test func aConsistentConfigurationOfOtherSizesIsAStateDictMismatch() throws {
        loadFails(try Self.checkpoint { $0["hidden_size"] = 6 }, "'fc0.0.weight' has shape [5, 16], the model expects [6, 16]")
    }

    @Test func aTrainingStateIsNotACheckpointAndTheErrorNamesTheRunsCheckpoints() throws {
        let state = Self.temporary("state.safetensors")
        let run = (state as NSString).deletingLastPathComponent
        var file = SafeTensors()
        file.add("params", floats: [1, 2], shape: [2])
        file.metadata[SAGENet.trainStateMetadataKey] = "{\"epoch\":0}"
        try file.write(path: state)
        let last = (run as NSString).appendingPathComponent("last.safetensors")
        try SAGENet(config: Self.tinyConfig()).save(checkpoint: last)
        #expect(try SAGENet.load(checkpoint: last).config == Self.tinyConfig())
        loadFails(state, "a training state", "not a model checkpoint", "use \(last) (the latest weights)")
    }

    @Test func tensorsAreCheckedForShapeCountersAndFiniteValues() throws {
        let model = try SAGENet(config: Self.tinyConfig())
        func fails(_ fragment: String, _ edit: (inout SafeTensors) -> Void) throws {
            var file = try model.stateDict()
            edit(&file)
            let error = #expect(throws: SafeTensorsError.self) { try model.load(stateDict: file, source: "c.safetensors") }
            #expect(error?.description.contains(fragment) == true, "'\(fragment)' not in: \(String(describing: error))")
        }
        // The same number of elements in another shape is not the model's tensor.
        try fails("'fc0.0.weight' has shape [16, 5], the model expects [5, 16]") { $0.add("fc0.0.weight", floats: [Float](repeating: 0, count: 80), shape: [16, 5]) }
        try fails("'convlayers.0.0.num_batches_tracked' must be one int64 of shape []") {
            $0.add("convlayers.0.0.num_batches_tracked", int64: [3], shape: [1])
        }
        try fails("counts -1 batches, outside 0...1099511627776") { $0.add("convlayers.0.0.num_batches_tracked", int64: [-1], shape: []) }
        try fails("counts 9223372036854775807 batches") { $0.add("convlayers.0.0.num_batches_tracked", int64: [.max], shape: []) }
        try fails("'ref_out.0.bias' holds nan at element 0") { $0.add("ref_out.0.bias", floats: [.nan], shape: [1]) }
        try fails("'convlayers.0.0.running_var' holds inf at element 2") {
            $0.add("convlayers.0.0.running_var", floats: [1, 1, .infinity, 1, 1, 1], shape: [6])
        }
        // loadTensor: the API a trunk initialisation uses, tensor by tensor.
        let file = try model.stateDict()
        #expect(try model.loadTensor("conv0.1.weight", from: file, source: "c") == true)
        #expect(try model.loadTensor("not.a.tensor.of.this.model", from: file, source: "c") == false)
    }
}

/// Hyperparameter ranges and consistency, decoded from JSON as from a checkpoint's metadata or a TOML file.
@Suite struct HyperparameterLimitTests {
    static func decode(_ json: String) throws -> SAGEConfig { try JSONDecoder().decode(SAGEConfig.self, from: Data(json.utf8)) }

    @Test func everyIntegerHyperparameterHasARangeAndTheErrorNamesIt() throws {
        for (key, _, range) in SAGEConfig().integerLimits {
            for bad in [range.lowerBound - 1, range.upperBound + 1] {
                let error = #expect(throws: SAGEConfigError.self) { try Self.decode("{\"\(key)\": \(bad)}") }
                #expect(error?.description == "\(key) must be in \(range.lowerBound)...\(range.upperBound), got \(bad)")
            }
            #expect(try Self.decode("{\"\(key)\": \(range.upperBound)}").integerLimits.first { $0.key == key }?.value == range.upperBound)
        }
        #expect(throws: SAGEConfigError.self) { try Self.decode("{\"dropout\": 1}") }
        #expect(throws: SAGEConfigError.self) { try Self.decode("{\"dropout\": -0.1}") }
        // The paper's model sits well inside every range.
        #expect(try Self.decode("{}") == SAGEConfig())
    }

    @Test func increasingDilationIsBoundedBeforeItsShiftOverflows() throws {
        let error = #expect(throws: SAGEConfigError.self) { try Self.decode("{\"n_dilated_conv_blocks\": 64, \"increasing_dilation\": true}") }
        #expect(error?.description.contains("at most 30 blocks (dilation 2^30) with increasing_dilation") == true, "\(String(describing: error))")
        #expect(try Self.decode("{\"n_dilated_conv_blocks\": 64}").nDilatedConvBlocks == 64)   // dilation 2 throughout
        #expect(try Self.decode("{\"n_dilated_conv_blocks\": 30, \"increasing_dilation\": 1}").dilation(ofDilatedBlock: 29) == 1 << 30)
    }

    /// Poolings past length 1 are not an inconsistency: ceil mode keeps length 1 (PyTorch does too), as in
    /// SAGE-net's own input_len 2000 configuration (200, 20, 2, 1, 1). The model builds and runs.
    @Test func moreConvBlocksThanTheInputLengthSupportsStillGiveLengthOne() throws {
        var c = DamagedCheckpointTests.tinyConfig()
        c.model = .rsagenet; c.inputLen = 3; c.nConvBlocks = 5; c.poolingSize = 10
        #expect(c.pooledLengths == [3, 1, 1, 1, 1, 1])
        let model = try SAGENet(config: c)
        let x = FloatBuffer(count: 2 * 4 * 3)
        x.pointer.update(repeating: 0.25, count: x.count)
        let out = Array(model.forward(sequences: [UnsafePointer(x.pointer)], batch: 2, training: false))
        #expect(out.count == 2 && out.allSatisfy(\.isFinite))
        withExtendedLifetime(x) {}
    }
}

/// SAGEConfig.memoryEstimate: exact for what the engine allocates, checked before allocating.
@Suite struct MemoryEstimateTests {
    /// Floats a workspace holds, walked from the real objects.
    static func allocatedFloats(_ w: SAGENet.Workspace) -> Int {
        func dense(_ a: DenseActivations) -> Int { a.out.count + (a.mask?.count ?? 0) + (a.dropped?.count ?? 0) }
        var n = 0
        for pass in w.trunks {
            for op in pass.ops {
                switch op {
                case .block(let a): n += (a.bnOut?.count ?? 0) + a.mean.count + a.rstd.count + a.reluOut.count + (a.out === a.reluOut ? 0 : a.out.count)
                case .transformer(let a): n += a.buffers.map(\.count).reduce(0, +)
                case .pool(let out, let argmax): n += out.count + (argmax?.count ?? 0)
                }
            }
        }
        let t = w.trunkScratch, d = w.denseScratch
        n += t.g1.count + t.g2.count + t.dconv.count + t.dconvIn.count + t.col.count
        n += t.transformer?.buffers.map(\.count).reduce(0, +) ?? 0
        n += (w.fcInput?.count ?? 0) + dense(w.fc0) + w.fclayers.layers.map(dense).reduce(0, +) + dense(w.refOut)
        n += (w.diffInput?.count ?? 0) + (w.diffFC?.layers.map(dense).reduce(0, +) ?? 0) + (w.diffOut.map(dense) ?? 0) + (w.dDiff?.count ?? 0)
        n += w.outputs.count + w.dOutputs.count + w.dFC0.count + w.dFlat.count
        n += d.s1.count + d.s2.count + d.dpre.count + d.dHidden.count + d.column.count
        return n
    }

    static let configs: [SAGEConfig] = {
        var p = DamagedCheckpointTests.tinyConfig()
        p.nDilatedConvBlocks = 2; p.poolingType = .max; p.dropout = 0.2; p.subtractOrConcat = .concat
        var r = DamagedCheckpointTests.tinyConfig()
        r.model = .rsagenet; r.firstLayerKernelNumber = 40; r.intLayersKernelNumber = 33; r.hLayers = 2
        var t = DamagedCheckpointTests.tinyConfig()
        t.blockType = .transformer; t.nConvBlocks = 3; t.intLayersKernelNumber = 6; t.intLayersKernelSize = 3
        return [DamagedCheckpointTests.tinyConfig(), p, r, t]
    }()

    @Test(arguments: 0..<4)
    func theEstimateIsWhatTheModelAndItsWorkspaceAllocate(index: Int) throws {
        let config = Self.configs[index]
        for B in [1, 3] {
            let model = try SAGENet(config: config)
            try model.reserve(batch: B, training: true)
            let e = config.memoryEstimate(batch: B, training: true)
            #expect(e.parameterCount == model.store.parameterCount)
            #expect(e.parameters == 4 * (2 * model.store.parameterCount + model.store.buffers.count))
            #expect(e.optimizer == 4 * 2 * model.store.parameterCount)
            #expect(e.activations == 4 * Self.allocatedFloats(model.currentWorkspace!), "B = \(B)")
            #expect(e.inputs == 4 * B * ((config.model == .psagenet ? 3 : 1) * 4 * config.inputLen + config.outputCount))
            #expect(e.total == e.parameters + e.optimizer + e.activations + e.inputs + e.checkpointIO)
            #expect(config.memoryEstimate(batch: B, training: false).optimizer == 0)
        }
    }

    @Test func aRequestBeyondTheMachineIsAnErrorSayingWhatItNeedsAndWhatThereIs() throws {
        let config = Self.configs[0]
        let error = #expect(throws: SAGEConfigError.self) { try config.checkMemory(batch: 8, training: true, available: 1000) }
        let message = error?.description ?? ""
        #expect(message.contains("this model with a training batch of 8 at input_len 60 would need about"), "\(message)")
        #expect(message.contains("Adam moments") && message.contains("activations for a batch of 8"), "\(message)")
        #expect(message.contains("more than the 1000 B of memory here"), "\(message)")
        try config.checkMemory(batch: 8, training: true, available: UInt64(config.estimatedBytes(batch: 8, training: true)))

        // A batch no machine holds: refused by reserve, before the workspace is sized (B * widths would overflow).
        let model = try SAGENet(config: config)
        let batchError = #expect(throws: SAGEConfigError.self) { try model.reserve(batch: 1 << 50, training: false) }
        #expect(batchError?.description.contains("of memory here") == true)
        #expect(model.currentWorkspace == nil)

        // Every hyperparameter in range, yet petabytes of fc0 weights: SAGENet refuses before sealing its store.
        var huge = SAGEConfig(model: .rsagenet)
        huge.inputLen = 2_000_000; huge.poolingSize = 1; huge.firstLayerKernelNumber = 4096; huge.intLayersKernelNumber = 4096
        huge.hiddenSize = 16384
        #expect(huge.estimatedBytes(batch: Int.max, training: true) == Int.max)
        let hugeError = #expect(throws: SAGEConfigError.self) { try SAGENet(config: huge) }
        #expect(hugeError?.description.contains("this model's parameters would need about") == true, "\(String(describing: hugeError))")
        #expect(hugeError?.description.contains("PiB") == true, "\(String(describing: hugeError))")
    }
}
