import Testing
@testable import SAGEEngine

/// A batch smaller than the largest seen (a short last batch) runs in the front of the existing workspace: the same
/// outputs and gradients as a model that only ever saw that batch size, and no new allocation.
@Suite struct WorkspaceTests {
    /// With the transformer block too (its dropout on: the same masks from the same generator state).
    @Test(arguments: SAGEConfig.BlockType.allCases)
    func smallerBatchReusesTheWorkspaceWithTheSameResults(blockType: SAGEConfig.BlockType) throws {
        var config = SAGEConfig(model: .psagenet)
        config.inputLen = 60; config.firstLayerKernelNumber = 6; config.intLayersKernelNumber = 4; config.hiddenSize = 5
        config.nConvBlocks = 2; config.poolingSize = 4; config.nDilatedConvBlocks = 1
        config.blockType = blockType; config.intLayersKernelSize = blockType == .transformer ? 2 : 5
        let items = 4, small = 3
        let inputs = (0..<3).map { pass -> FloatBuffer in
            let x = FloatBuffer(count: items * 4 * 60)
            var rng = SplitMix64(seed: UInt64(60 + pass))
            for i in 0..<(items * 60) { x[(i / 60) * 240 + Int(rng.next() % 4) * 60 + i % 60] = 1 }
            return x
        }
        let sequences = inputs.map { UnsafePointer($0.pointer) }
        let targets = randomFloats(small * 2, seed: 64)

        func smallStep(_ model: SAGENet) -> (outputs: [Float], grads: [Float]) {
            model.store.zeroGrads()
            let out = Array(model.forward(sequences: sequences, batch: small, training: true))
            _ = model.loss(targets: targets)
            model.backward(sequences: sequences)
            return (out, Array(UnsafeBufferPointer(start: model.store.grads.pointer, count: model.store.parameterCount)))
        }
        let fresh = try SAGENet(config: config, seed: 5)
        let expected = smallStep(fresh)

        let reused = try SAGENet(config: config, seed: 5)
        reused.forward(sequences: sequences, batch: items, training: false)   // eval: leaves running statistics alone
        let workspace = reused.currentWorkspace
        let got = smallStep(reused)
        #expect(reused.currentWorkspace === workspace, "a smaller batch must not allocate a new workspace")
        #expect(reused.currentWorkspace?.capacity == items)
        #expect(got.outputs == expected.outputs)
        #expect(got.grads == expected.grads)
        withExtendedLifetime(inputs) {}
    }

    /// The shortest batch-norm length, and so the smallest training batch, from the hyperparameters.
    @Test func smallestTrainingBatchForBatchNorm() {
        var c = SAGEConfig(model: .psagenet)          // (a): 40000 -> 4000 -> 400 -> 40 -> 4 at the 5 blocks' inputs
        #expect(c.shortestBatchNormLength == 4 && c.minimumTrainingBatch == 1)
        c.inputLen = 10000                           // (b): ... -> 10 -> 1
        #expect(c.shortestBatchNormLength == 1 && c.minimumTrainingBatch == 2)
        c.batchNorm = false
        #expect(c.shortestBatchNormLength == nil && c.minimumTrainingBatch == 1)
        c.batchNorm = true; c.inputLen = 100000; c.nDilatedConvBlocks = 1   // dilated blocks at fcDim = 1
        #expect(c.shortestBatchNormLength == 1)
    }
}
