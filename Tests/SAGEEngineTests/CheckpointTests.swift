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
