import Testing
@testable import SAGEDistributed
@testable import SAGEEngine

@Suite struct GradientBucketsTests {
    @Test func bucketsCoverTheGradientFromItsEndCutAtBoundariesOnceFull() {
        // 100 floats, boundaries where the backward pass completes gradients; 80-byte (20-float) buckets.
        let ranges = GradientBuckets.ranges(count: 100, boundaries: [95, 90, 70, 60, 10, 0], bucketBytes: 80)
        #expect(ranges == [70..<100, 10..<70, 0..<10])
        // One bucket larger than the whole gradient: everything in one, cut at 0.
        #expect(GradientBuckets.ranges(count: 100, boundaries: [95, 90, 0], bucketBytes: 1 << 20) == [0..<100])
        // Tiny buckets: one per boundary.
        #expect(GradientBuckets.ranges(count: 100, boundaries: [95, 90, 0], bucketBytes: 1) == [95..<100, 90..<95, 0..<90])
    }

    @Test func theModelsBoundariesAreWhereItsLayersStartAndTheHookSeesThemInOrder() throws {
        var config = SAGEConfig(model: .psagenet)
        config.inputLen = 300
        config.firstLayerKernelNumber = 8
        config.intLayersKernelNumber = 8
        config.hiddenSize = 8
        config.nConvBlocks = 2
        config.poolingSize = 3
        let net = try SAGENet(config: config, seed: 1)
        let slots = net.store.parameterSlots
        let boundaries = net.gradientBoundaries
        #expect(boundaries.last == 0 && boundaries == boundaries.sorted(by: >))
        #expect(boundaries.contains(net.store.slot(named: "fc0.0.weight")!.offset))
        #expect(boundaries.contains(slots.first { $0.name.hasPrefix("convlayers.2.") }!.offset))
        // Every boundary is the first slot of a layer (a slot offset), and every gradient at or above x is final
        // when the hook says x: compare the gradient at each call with the finished one.
        #expect(boundaries.allSatisfy { b in slots.contains { $0.offset == b } })
        var seen: [Int] = [], snapshots: [[Float]] = []
        let n = net.store.grads.count
        net.gradientsFinal = { x in
            seen.append(x)
            snapshots.append(Array(UnsafeBufferPointer(start: net.store.grads.pointer + x, count: n - x)))
        }
        let L = config.inputLen, B = 2
        var rng = SplitMix64(seed: 4)
        let inputs = (0..<3).map { _ -> FloatBuffer in
            let x = FloatBuffer(count: B * 4 * L)
            for i in 0..<(B * L) { x[(i / L) * 4 * L + Int(rng.next() % 4) * L + i % L] = 1 }
            return x
        }
        let step = TrainingStep(model: net, adam: Adam(parameterCount: net.store.parameterCount))
        step.gradients(sequences: inputs.map { UnsafePointer($0.pointer) }, targets: [0.5, -0.5, 0.1, 0.2], batch: B)
        #expect(seen == boundaries, "\(seen) vs \(boundaries)")
        for (x, snapshot) in zip(seen, snapshots) {
            #expect(snapshot == Array(UnsafeBufferPointer(start: net.store.grads.pointer + x, count: n - x)), "offset \(x)")
        }
        withExtendedLifetime(inputs) {}
    }
}
