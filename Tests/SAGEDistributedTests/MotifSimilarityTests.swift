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

    /// The blocks are dealt by cost: every block goes to one rank, and no rank's share exceeds the mean by more than
    /// the dearest block. Dealing block t to rank t mod 2 (the old deal) gives 600 seqlets in 256-blocks 57% of the
    /// work on one rank (a diagonal block holds half an inner block's pairs), capping 2 ranks at 1.76x.
    @Test func blocksAreDealtByCost() throws {
        let seqlets = (0..<600).map { k in Motif(id: "\(k)", values: (0..<(4 * (4 + k % 22))).map { Double(($0 * 7 + k) % 5) - 2 }) }
        let set = try SeqletSet(seqlets)
        let tile = 256, blocks = 3
        var tiles: [(Int, Int)] = []
        for bi in 0..<blocks { for bj in bi..<blocks { tiles.append((bi, bj)) } }
        func pairCost(_ b: (Int, Int)) -> Double {
            MotifSimilarity.rows(b, tile: tile, n: 600).reduce(0.0) { c, r in
                let la = Double(set.length(r.i))
                return r.js.reduce(c) { $0 + 4 * la * Double(set.length($1)) + 20 * (la + Double(set.length($1)) - 7) }
            }
        }
        for ranks in [1, 2, 3] {
            let shares = MotifSimilarity.deal(tiles, set: set, tile: tile, ranks: ranks)
            #expect(shares.flatMap { $0 }.sorted() == Array(tiles.indices))
            let loads = shares.map { $0.reduce(0.0) { $0 + pairCost(tiles[$1]) } }
            let total = loads.reduce(0, +), dearest = tiles.map(pairCost).max()!
            #expect(loads.max()! <= total / Double(ranks) + dearest)
            if ranks == 2 { #expect(loads.max()! / total < 0.53, "\(loads)") }
        }
    }
}
