import Foundation

/// drg_tools' `combine_pwms(pwms, clusters, similarity = 1 - distance, offsets, orientation)` with SAGE-net's
/// (drg's default) norm 'max', remove_low 0.075, minlen 3, for one cluster: the centre is the member with the
/// largest summed similarity to the cluster (itself included; ties: the earlier member, a stable sort); every
/// member, reverse-complemented when its best alignment onto the centre is, is added at its offset onto the centre;
/// the sum is divided by the largest number of members covering a position; the flanks whose sum_a |w| is at most
/// 0.075 of the largest are trimmed, and a result shorter than 3 positions becomes all zeros (same length).
/// `members`: the cluster's seqlet indices in `set` (ascending, as np.where gives them); `seqlets[k]` the L x 4
/// CWMs `set` was built from. Returns L x 4 values (position-major).
public func combineCluster(_ members: [Int], seqlets: [Motif], set: SeqletSet, removeLow: Double = 0.075, minLength: Int = 3) -> [Double] {
    let k = members.count
    var seed: [Double], count: [Double]
    if k == 1 {
        seed = seqlets[members[0]].values
        count = [Double](repeating: 1, count: seqlets[members[0]].length)
    } else {
        // Summed similarity 1 - d over the cluster, from the upper triangle (the values the clustering saw).
        var sums = [Double](repeating: 0, count: k)
        var similarity = [Double](repeating: 0, count: k * k)
        for a in 0..<k {
            similarity[a * k + a] = 1 - set.align(members[a], onto: members[a]).distance
            for b in (a + 1)..<k {
                let s = 1 - set.align(members[a], onto: members[b]).distance
                similarity[a * k + b] = s; similarity[b * k + a] = s
            }
        }
        for a in 0..<k { for b in 0..<k { sums[a] += similarity[a * k + b] } }
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
