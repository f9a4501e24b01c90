import Testing
@testable import SAGEDistributed

@Suite struct SingleProcessCommunicatorTests {
    let comm = SingleProcessCommunicator()

    @Test func rankAndSize() {
        #expect(comm.rank == 0)
        #expect(comm.size == 1)
    }

    @Test(arguments: ReduceOp.allCases)
    func allreduceIsIdentityOnOneRank(op: ReduceOp) throws {
        var floats: [Float] = [1.5, -2, 3]
        var doubles: [Double] = [0.25, 7]
        var ints: [Int] = [1 << 40, -3]
        var bytes: [UInt8] = [0, 255]
        try comm.allreduce(&floats, op: op)
        try comm.allreduce(&doubles, op: op)
        try comm.allreduce(&ints, op: op)
        try comm.allreduce(&bytes, op: op)
        #expect(floats == [1.5, -2, 3])
        #expect(doubles == [0.25, 7])
        #expect(ints == [1 << 40, -3])
        #expect(bytes == [0, 255])
        #expect(try comm.allreduce(Int32(9), op: op) == 9)
    }

    @Test func broadcastKeepsRootBufferAndRejectsOtherRoots() throws {
        var x: [Double] = [1, 2, 3]
        try comm.broadcast(&x, root: 0)
        #expect(x == [1, 2, 3])
        #expect(try comm.broadcast(string: "hello", root: 0) == "hello")
        #expect(throws: CommunicatorError.self) { try comm.broadcast(&x, root: 1) }
    }

    @Test func gatherAndAllgatherReturnOwnValues() throws {
        #expect(try comm.gather([1, 2, 3], root: 0) == [[1, 2, 3]])
        #expect(try comm.gather([Float](), root: 0) == [[]])
        #expect(try comm.allgather([UInt8(4)]) == [[4]])
        #expect(try comm.gather(string: "host-a", root: 0) == ["host-a"])
        #expect(throws: CommunicatorError.self) { try comm.gather([1], root: 2) }
    }

    @Test func splitGivesOneRankCommunicator() throws {
        let sub = try comm.split(color: 3, key: -1)
        #expect(sub.rank == 0 && sub.size == 1)
        #expect(throws: CommunicatorError.self) { try comm.split(color: -1, key: 0) }
    }

    @Test func barrierReturns() throws {
        try comm.barrier()
    }
}

@Suite struct ReductionTests {
    @Test func reduceIntoAppliesOperatorElementwise() {
        var target: [Int] = [1, 5, -3]
        let source: [Int] = [4, 2, -7]
        for (op, expected) in [(ReduceOp.sum, [5, 7, -10]), (.max, [4, 5, -3]), (.min, [1, 2, -7])] {
            var t = target
            t.withUnsafeMutableBufferPointer { tb in source.withUnsafeBufferPointer { reduceInto(tb, $0, op: op) } }
            #expect(t == expected, "op \(op)")
        }
        target = []
    }

    @Test func chunkRangesCoverEverythingWithinLimits() {
        // 10 M floats in 4 MiB pieces: 1 Mi elements each, last piece shorter.
        let ranges = chunkRanges(count: 10_000_000, elementBytes: 4, maxChunkBytes: 4 << 20)
        #expect(ranges.count == 10)
        #expect(ranges.first == 0..<1_048_576)
        #expect(ranges.last == 9_437_184..<10_000_000)
        // Past Int32 counts: no piece exceeds Int32.max elements even with an unbounded byte budget.
        let huge = chunkRanges(count: 5_000_000_000, elementBytes: 1, maxChunkBytes: .max)
        #expect(huge.map(\.count) == [Int(Int32.max), Int(Int32.max), 5_000_000_000 - 2 * Int(Int32.max)])
        // Contiguous and complete; a budget smaller than one element still makes progress.
        let tiny = chunkRanges(count: 7, elementBytes: 8, maxChunkBytes: 3)
        #expect(tiny == (0..<7).map { $0..<$0 + 1 })
        #expect(chunkRanges(count: 0, elementBytes: 4, maxChunkBytes: 16).isEmpty)
    }
}

@Suite struct SelfCheckOnOneRankTests {
    @Test func everyCheckPassesWithClosedFormValues() throws {
        let results = try SelfCheck(comm: SingleProcessCommunicator(), largeCount: 1001).run()
        #expect(results.count == 11)
        #expect(results.allSatisfy { $0.passed }, "\(results.filter { !$0.passed }.map(\.detail))")
        // P = 1: x[0] = P(P+1)/2 = 1, x[n-1] = 1 + (1000 mod 7) = 7.
        #expect(results[1].detail == "n=1001 x[0]=1.0 x[n-1]=7.0")
    }

    @Test func beforeEachErrorPropagates() {
        struct Boom: Error {}
        #expect(throws: Boom.self) {
            try SelfCheck(comm: SingleProcessCommunicator(), largeCount: 10).run { name in
                if name == "broadcast" { throw Boom() }
            }
        }
    }
}
