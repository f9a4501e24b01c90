/// `count` items split into `parts` contiguous ranges whose sizes differ by at most one (the first ones larger).
public func balancedRanges(count: Int, parts: Int) -> [Range<Int>] {
    precondition(parts >= 1)
    let base = count / parts, extra = count % parts
    var start = 0
    return (0..<parts).map { p in
        let n = base + (p < extra ? 1 : 0)
        defer { start += n }
        return start..<(start + n)
    }
}

/// This rank's share of `count` work items (regions, parts, queries, ...): one contiguous range, sizes differing by at
/// most one, rank 0 first. Every command deals its work to ranks with this, so that a rank's items are consecutive
/// (a region's reference stays cached across them) and rank r's results gathered in rank order are the items in order.
public func share(of count: Int, for comm: any Communicator) -> Range<Int> {
    balancedRanges(count: count, parts: comm.size)[comm.rank]
}
