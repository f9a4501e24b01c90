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
