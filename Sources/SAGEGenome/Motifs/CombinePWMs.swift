import Foundation

/// drg_tools' `combine_pwms(pwms, clusters, similarity = 1 - distance, offsets, orientation)` with SAGE-net's
/// (drg's default) norm 'max', remove_low 0.075, minlen 3, for one cluster: the centre is the member with the
/// largest summed similarity to the cluster (itself included; ties: the earlier member, a stable sort); every
/// member, reverse-complemented when its best alignment onto the centre is, is added at its offset onto the centre;
/// the sum is divided by the largest number of members covering a position; the flanks whose sum_a |w| is at most
/// 0.075 of the largest are trimmed, and a result shorter than 3 positions becomes all zeros (same length).
/// `members`: the cluster's seqlet indices in `set` (ascending, as np.where gives them); `seqlets[k]` the L x 4
/// CWMs `set` was built from. `sums`: the members' summed similarities (`clusterSimilaritySums` over all rows), when
/// the caller computed them (e.g. on several threads for a large cluster). Returns L x 4 values (position-major).
public func combineCluster(_ members: [Int], seqlets: [Motif], set: SeqletSet, sums given: [Double]? = nil,
                           removeLow: Double = 0.075, minLength: Int = 3) -> [Double] {
    let k = members.count
    var seed: [Double], count: [Double]
    if k == 1 {
        seed = seqlets[members[0]].values
        count = [Double](repeating: 1, count: seqlets[members[0]].length)
    } else {
        let sums = given ?? clusterSimilaritySums(members, set: set, rows: 0..<k)
        let order = (0..<k).sorted { sums[$0] != sums[$1] ? sums[$0] > sums[$1] : $0 < $1 }
        let centre = members[order[0]]
        let aligned = order.map { o -> (Int, SeqletAlignment) in
            let m = members[o]
            return (m, m == centre ? SeqletAlignment(distance: 0, offset: 0, reverse: false) : set.align(m, onto: centre))
        }
        let lc = set.length(centre)
        let lo = min(0, aligned.map { $0.1.offset }.min()!)
        let hi = max(0, aligned.map { $0.1.offset + set.length($0.0) - lc }.max()!)
        let length = lc + hi - lo
        seed = [Double](repeating: 0, count: length * 4)
        count = [Double](repeating: 0, count: length)
        for (m, alignment) in aligned {
            let values = alignment.reverse ? seqlets[m].reverseComplement.values : seqlets[m].values
            let first = alignment.offset - lo
            for p in 0..<set.length(m) {
                for a in 0..<4 { seed[(first + p) * 4 + a] += values[p * 4 + a] }
                count[first + p] += 1
            }
        }
    }
    let most = count.max()!
    seed = seed.map { $0 / most }
    let positions = seed.count / 4
    var totals = [Double](repeating: 0, count: positions)
    for p in 0..<positions {
        var t: Double = abs(seed[p * 4])
        t += abs(seed[p * 4 + 1])
        t += abs(seed[p * 4 + 2])
        t += abs(seed[p * 4 + 3])
        totals[p] = t
    }
    let top = totals.max() ?? 0
    let kept = (0..<positions).filter { totals[$0] / top > removeLow }
    if let first = kept.first, let last = kept.last, last + 1 - first >= minLength {
        return Array(seed[(first * 4)..<((last + 1) * 4)])
    }
    return [Double](repeating: 0, count: seed.count)
}

/// NumPy's `np.around(x, 2)` (x * 100, rounded half to even, / 100): the values drg_tools' write_meme_file(round=2)
/// writes into cluster_cwms.meme, which SAGE-net's annotate_seqlets reads back.
public func roundLikeNumPy(_ x: Double, decimals: Int = 2) -> Double {
    let scale = pow(10, Double(decimals))
    return (x * scale).rounded(.toNearestOrEven) / scale
}

/// The summed similarity 1 - d of each member in `rows` (indices into `members`) to every member, itself included,
/// added in member order; d from the upper triangle (row the lower seqlet index: the values the clustering saw).
/// Memory O(rows); each row costs `members.count` alignments.
public func clusterSimilaritySums(_ members: [Int], set: SeqletSet, rows: Range<Int>) -> [Double] {
    rows.map { a in
        var sum = 0.0
        for b in members.indices {
            let (i, j) = members[a] <= members[b] ? (members[a], members[b]) : (members[b], members[a])
            sum += 1 - set.align(i, onto: j).distance
        }
        return sum
    }
}
