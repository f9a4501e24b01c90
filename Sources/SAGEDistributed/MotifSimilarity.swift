import SAGEEngine
import SAGEGenome

/// The all-pairs seqlet distances (drg_tools' 'correlation_pvalue', `SeqletSet.align`) split across ranks: the
/// upper triangle i < j is cut into `tile` x `tile` blocks (block rows bi <= bj, in row-major order), block t is
/// computed by rank t mod size (its rows on the rank's threads), and the blocks are gathered on rank 0, a batch of
/// up to `batch` doubles per rank at a time, into the condensed matrix (SciPy's layout,
/// `SeqletClustering.condensedIndex`). Every distance is computed by exactly one rank, by the same code, so the
/// matrix is identical for any number of ranks and threads.
///
/// Memory: rank 0 holds the condensed matrix, n (n - 1) / 2 doubles (4 n^2 bytes: 40 GB for 10^5 seqlets, 400 MB
/// for 10^4), clustered in place; every rank holds the seqlets (about 8 x 4 x L x 2 bytes each) and one batch
/// (`batch` doubles, 64 MB by default; rank 0 receives one per rank at a time). Work: n^2 / 2 alignments of
/// (L_a + L_b - 7) offsets x 2 strands each.
public enum MotifSimilarity {
    /// The condensed distances on rank 0, nil on the other ranks. Every rank must call it with the same `set`.
    /// `progress(done, total)` (pairs) is called on rank 0 after each batch.
    public static func condensedDistances(_ set: SeqletSet, comm: any Communicator, threads: Int, tile: Int = 256,
                                          batch: Int = 1 << 23, progress: (Int, Int) -> Void = { _, _ in }) throws -> [Double]? {
        let n = set.count
        let blocks = (n + tile - 1) / tile
        var tiles: [(Int, Int)] = []
        for bi in 0..<blocks { for bj in bi..<blocks { tiles.append((bi, bj)) } }
        var condensed = comm.rank == 0 ? [Double](repeating: 0, count: n * (n - 1) / 2) : []
        // Rounds of `size` blocks (block round * size + rank is this rank's), gathered a batch of rounds at a time:
        // one gather per ~`batch` doubles per rank, so ranks do not wait for each other block by block.
        let rounds = (tiles.count + comm.size - 1) / comm.size
        let perBatch = max(1, batch / (tile * tile))
        var done = 0
        for first in stride(from: 0, to: rounds, by: perBatch) {
            let batchRounds = first..<min(rounds, first + perBatch)
            var values: [Double] = []
            for round in batchRounds where round * comm.size + comm.rank < tiles.count {
                values += block(set, tiles[round * comm.size + comm.rank], tile: tile, threads: threads)
            }
            guard let parts = try comm.gather(values, root: 0) else { continue }
            for (rank, part) in parts.enumerated() {
                var offset = 0
                for round in batchRounds where round * comm.size + rank < tiles.count {
                    offset += place(part, from: offset, tiles[round * comm.size + rank], tile: tile, n: n, into: &condensed)
                }
                done += part.count
            }
            progress(done, condensed.count)
        }
        return comm.rank == 0 ? condensed : nil
    }

    /// Rows of block (bi, bj): for each i of block row bi, the distances to every j > i of block column bj.
    static func rows(_ b: (Int, Int), tile: Int, n: Int) -> [(i: Int, js: Range<Int>)] {
        let (bi, bj) = b
        return (bi * tile..<min(n, (bi + 1) * tile)).map { i in (i, max(i + 1, bj * tile)..<min(n, (bj + 1) * tile)) }
            .filter { !$0.js.isEmpty }
    }

    static func block(_ set: SeqletSet, _ b: (Int, Int), tile: Int, threads: Int) -> [Double] {
        let rows = rows(b, tile: tile, n: set.count)
        var starts = [0]
        for r in rows { starts.append(starts.last! + r.js.count) }
        var out = [Double](repeating: 0, count: starts.last!)
        let parts = balancedRanges(count: rows.count, parts: max(1, min(threads, rows.count)))
        out.withUnsafeMutableBufferPointer { out in
            Parallel.forEachPart(parts.count) { p in
                for k in parts[p] {
                    var o = starts[k]
                    for j in rows[k].js { out[o] = set.align(rows[k].i, onto: j).distance; o += 1 }
                }
            }
        }
        return out
    }

    /// Copies block `b`'s distances from values[start...] into the condensed matrix; returns how many it took.
    static func place(_ values: [Double], from start: Int, _ b: (Int, Int), tile: Int, n: Int, into condensed: inout [Double]) -> Int {
        var o = start
        for r in rows(b, tile: tile, n: n) {
            let first = SeqletClustering.condensedIndex(r.i, r.js.lowerBound, n: n)
            for k in 0..<r.js.count { condensed[first + k] = values[o + k] }
            o += r.js.count
        }
        return o - start
    }
}
