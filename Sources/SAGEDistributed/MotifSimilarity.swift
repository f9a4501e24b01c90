import SAGEEngine
import SAGEGenome

/// The all-pairs seqlet distances (drg_tools' 'correlation_pvalue', `SeqletSet.align`) split across ranks: the
/// upper triangle i < j is cut into `tile` x `tile` blocks (block rows bi <= bj, in row-major order), the blocks
/// are dealt to ranks by their estimated cost (`deal`: a diagonal block holds half the pairs of an inner one, the
/// last row and column are partial, a pair costs with its lengths), each computed by one rank (its rows on the
/// rank's threads), and gathered on rank 0, a batch of up to `batch` doubles per rank at a time, into the condensed
/// matrix (SciPy's layout,
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
        // Rounds: in round r each rank computes the r-th block of its share; a gather takes a batch of rounds
        // (~`batch` doubles per rank), so ranks do not wait for each other block by block.
        let shares = deal(tiles, set: set, tile: tile, ranks: comm.size)
        let rounds = shares.map(\.count).max() ?? 0
        let perBatch = max(1, batch / (tile * tile))
        var done = 0
        for first in stride(from: 0, to: rounds, by: perBatch) {
            let batchRounds = first..<min(rounds, first + perBatch)
            var values: [Double] = []
            for round in batchRounds where round < shares[comm.rank].count {
                values += block(set, tiles[shares[comm.rank][round]], tile: tile, threads: threads)
            }
            guard let parts = try comm.gather(values, root: 0) else { continue }
            for (rank, part) in parts.enumerated() {
                var offset = 0
                for round in batchRounds where round < shares[rank].count {
                    offset += place(part, from: offset, tiles[shares[rank][round]], tile: tile, n: n, into: &condensed)
                }
                done += part.count
            }
            progress(done, condensed.count)
        }
        return comm.rank == 0 ? condensed : nil
    }

    /// Each rank's blocks (indices into `tiles`, ascending): the blocks in order of decreasing estimated cost
    /// (ties: lower index first), each to the rank with the least cost so far (ties: lower rank), which keeps the
    /// largest share within one block of the mean. A pair of lengths (a, b) costs about 2 (4 a b + 20 (a + b - 7)):
    /// two strands of the overlaps' products and a correlation per offset. Every rank computes the same deal.
    static func deal(_ tiles: [(Int, Int)], set: SeqletSet, tile: Int, ranks: Int) -> [[Int]] {
        let n = set.count
        var prefix = [0]  // prefix[k]: sum of the first k lengths
        for k in 0..<n { prefix.append(prefix[k] + set.length(k)) }
        let cost = tiles.map { b -> Double in
            var c = 0.0
            for r in rows(b, tile: tile, n: n) {
                let la = Double(set.length(r.i)), count = Double(r.js.count)
                let lb = Double(prefix[r.js.upperBound] - prefix[r.js.lowerBound])
                c += 4 * la * lb + 20 * (count * la + lb - 7 * count)
            }
            return c
        }
        let order = tiles.indices.sorted { cost[$0] != cost[$1] ? cost[$0] > cost[$1] : $0 < $1 }
        var load = [Double](repeating: 0, count: ranks), shares = [[Int]](repeating: [], count: ranks)
        for t in order {
            var r = 0
            for k in 1..<max(ranks, 1) where load[k] < load[r] { r = k }
            load[r] += cost[t]
            shares[r].append(t)
        }
        return shares.map { $0.sorted() }
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
