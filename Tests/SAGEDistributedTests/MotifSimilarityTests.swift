import Testing
@testable import SAGEDistributed
import SAGEGenome

/// The block-dealt all-pairs distances equal the pair-by-pair ones, whatever the block and batch sizes.
@Suite struct MotifSimilarityTests {
    @Test(arguments: [(256, 1 << 23), (7, 49), (7, 3 * 49), (1, 1), (40, 1)])
    func blocksAndBatchesGiveTheCondensedMatrix(tile: Int, batch: Int) throws {
        var state: UInt64 = 9
        func unit() -> Double { state = state &* 6364136223846793005 &+ 1442695040888963407; return Double(state >> 11) * 0x1p-53 }
        let seqlets = (0..<37).map { k in Motif(id: "\(k)", values: (0..<(4 * (4 + k % 9))).map { _ in unit() < 0.25 ? unit() * 2 - 1 : 0 } + [1, 0, 0, 0]) }
        let set = try SeqletSet(seqlets)
        let d = try #require(try MotifSimilarity.condensedDistances(set, comm: SingleProcessCommunicator(), threads: 2, tile: tile, batch: batch))
        let n = seqlets.count
        #expect(d.count == n * (n - 1) / 2)
        for i in 0..<n { for j in (i + 1)..<n { #expect(d[SeqletClustering.condensedIndex(i, j, n: n)] == set.align(i, onto: j).distance) } }
    }
}
