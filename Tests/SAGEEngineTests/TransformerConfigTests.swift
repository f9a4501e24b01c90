import Foundation
import Testing
@testable import SAGEEngine

/// block_type as a hyperparameter: decoding and its errors, checkpoints that reload with the right block, FLOPs.
@Suite struct TransformerConfigTests {
    static func decode(_ json: String) throws -> SAGEConfig { try JSONDecoder().decode(SAGEConfig.self, from: Data(json.utf8)) }

    static func tiny(_ model: SAGEConfig.Kind = .psagenet) -> SAGEConfig {
        var c = SAGEConfig(model: model)
        c.inputLen = 60; c.firstLayerKernelNumber = 5; c.intLayersKernelNumber = 6; c.intLayersKernelSize = 3
        c.hiddenSize = 4; c.nConvBlocks = 3; c.poolingSize = 4; c.blockType = .transformer
        return c
    }

    @Test func blockTypeDecodesAndItsErrorsSayWhatToDo() throws {
        #expect(try Self.decode("{}").blockType == .conv, "a checkpoint from before block_type is the conv model")
        #expect(try Self.decode("{\"block_type\": \"transformer\", \"int_layers_kernel_number\": 255}").blockType == .transformer)
        let unknown = #expect(throws: SAGEConfigError.self) { try Self.decode("{\"block_type\": \"mamba\"}") }
        #expect(unknown?.description == "block_type must be conv or transformer, got \"mamba\"", "\(String(describing: unknown))")
        let indivisible = #expect(throws: SAGEConfigError.self) { try Self.decode("{\"block_type\": \"transformer\"}") }
        #expect(indivisible?.description.contains("d_model (int_layers_kernel_number = 256) must be divisible by nhead (int_layers_kernel_size = 5)") == true,
                "\(String(describing: indivisible))")
        let noBlock = #expect(throws: SAGEConfigError.self) {
            try Self.decode("{\"block_type\": \"transformer\", \"n_conv_blocks\": 1, \"int_layers_kernel_number\": 255}")
        }
        #expect(noBlock?.description.contains("n_conv_blocks = 1 has none; use n_conv_blocks 2 or more") == true, "\(String(describing: noBlock))")
    }

    @Test func theTransformerReplacesTheLastResidualConvBlockUnderPyTorchsNames() throws {
        let model = try SAGENet(config: Self.tiny())
        let names = model.store.stateDictOrder
        let e = "convlayers.4._module.0.2.layers.0."
        #expect(Array(names.filter { $0.hasPrefix("convlayers.4.") }) == ["convlayers.4._module.0.1.weight", "convlayers.4._module.0.1.bias"]
                + ["self_attn.in_proj_weight", "self_attn.in_proj_bias", "self_attn.out_proj.weight", "self_attn.out_proj.bias",
                   "linear1.weight", "linear1.bias", "linear2.weight", "linear2.bias", "norm1.weight", "norm1.bias",
                   "norm2.weight", "norm2.bias"].map { e + $0 })
        #expect(names.contains("convlayers.2._module.1.weight"), "the other residual block stays a conv block")
        // Its length (60 -> 15 -> 4: block 2 runs at 4) carries no batch norm, so it does not count for the minimum batch.
        var c = Self.tiny(); c.inputLen = 16
        #expect(c.pooledLengths == [16, 4, 1, 1] && c.shortestBatchNormLength == 4 && c.minimumTrainingBatch == 1)
        c.blockType = .conv; c.intLayersKernelSize = 5
        #expect(c.shortestBatchNormLength == 1 && c.minimumTrainingBatch == 2)
    }

    @Test func aCheckpointReloadsWithTheTransformerBlockAndTheSameOutputs() throws {
        let model = try SAGENet(config: Self.tiny(.rsagenet), seed: 9)
        let x = FloatBuffer(count: 2 * 4 * 60)
        for i in 0..<x.count { x[i] = Float((i * 5) % 7) / 6 }
        let before = Array(model.forward(sequences: [UnsafePointer(x.pointer)], batch: 2, training: false))
        let path = DamagedCheckpointTests.temporary("transformer.safetensors")
        try model.save(checkpoint: path)
        let file = try SafeTensors.read(path: path)
        #expect(file.metadata[SAGENet.configMetadataKey]?.contains("\"block_type\":\"transformer\"") == true)
        let loaded = try SAGENet.load(checkpoint: path)
        #expect(loaded.config == model.config && loaded.config.blockType == .transformer)
        #expect(Array(loaded.forward(sequences: [UnsafePointer(x.pointer)], batch: 2, training: false)) == before)
        // The same weights under a conv configuration are refused, naming what is missing.
        var conv = Self.tiny(.rsagenet); conv.blockType = .conv
        let error = #expect(throws: SafeTensorsError.self) { try SAGENet(config: conv).load(stateDict: file, source: path) }
        let message = error?.description ?? ""
        #expect(message.contains("missing convlayers.4._module.0.weight, convlayers.4._module.0.bias")
                && message.contains("unexpected convlayers.4._module.0.1.bias"), "\(message)")
        withExtendedLifetime(x) {}
    }

    /// Attention weights grow with L^2: a block at length 10^6 would need terabytes, which `reserve` reports (with
    /// what it would need) before anything is allocated; so does a batch no machine holds.
    @Test func theMemoryEstimateJudgesTheAttentionWeightsBeforeAllocating() throws {
        var c = Self.tiny(.rsagenet)
        c.inputLen = 1_000_000; c.poolingSize = 1; c.nConvBlocks = 2; c.firstLayerKernelNumber = 2
        let model = try SAGENet(config: c)
        let error = #expect(throws: SAGEConfigError.self) { try model.reserve(batch: 1, training: true) }
        #expect(error?.description.contains("TiB") == true && error?.description.contains("of memory here") == true, "\(String(describing: error))")
        let batch = #expect(throws: SAGEConfigError.self) { try SAGENet(config: Self.tiny()).reserve(batch: 1 << 50, training: false) }
        #expect(batch?.description.contains("of memory here") == true)
        #expect(model.currentWorkspace == nil)
    }

    @Test func flopsCountTheBlocksProjectionsAndAttention() throws {
        let t = Self.tiny(.rsagenet)
        var c = t; c.blockType = .conv
        let B = 3, d = 6.0, L = Double(t.pooledLengths[2]), rows = Double(B) * L
        let transformerForward = 2 * rows * 8 * d * d + 4 * Double(B) * L * L * d   // qkv, out, ff1, ff2; q k^T, p v
        let convForward = 2 * rows * d * d * 3                                      // the conv block it replaces (k = 3)
        let (ft, fc) = (try SAGENet(config: t).flops(batch: B), try SAGENet(config: c).flops(batch: B))
        #expect(abs(ft.forward - fc.forward - (transformerForward - convForward)) < 1e-6)
        #expect(abs(ft.trainStep - fc.trainStep - 3 * (transformerForward - convForward)) < 1e-6)
    }
}
