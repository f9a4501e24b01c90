import Foundation

// Which columns of the trunk's full-resolution stem a haplotype can copy from its reference.
//
// The stem (conv0, then convlayers.0, "same" padding, dilation 1, no residual) maps bases (L) to columns (F, L);
// output column t reads the bases [t - lo, t + hi] (lo = left0 + left1, hi = right0 + right1: the two layers' left and
// right padding). Column t of a haplotype equals the reference's column t - s exactly when, for every p in that span,
// hap[p] == ref[p - s] where p is inside [0, L), and p - s is outside [0, L) where p is (padding reads padding).
// Candidate shifts s come from the caller (0 always; the cumulative length changes of the applied indels); a
// missing or wrong candidate only makes more columns dirty, never a wrong column.

/// The columns of one haplotype: runs copied from the reference (hap[start..<end] = ref[start-shift..<end-shift])
/// and runs computed ("dirty"), both ascending, together covering 0..<L.
struct ColumnRuns {
    var copied: [(start: Int, end: Int, shift: Int)] = []
    var dirty: [(start: Int, end: Int)] = []
    var dirtyCount = 0

    mutating func removeAll() {
        copied.removeAll(keepingCapacity: true)
        dirty.removeAll(keepingCapacity: true)
        dirtyCount = 0
    }

    /// Every column dirty (the reference itself, or the dense fallback).
    mutating func setAllDirty(length L: Int) {
        removeAll()
        dirty.append((0, L))
        dirtyCount = L
    }
}

/// Finds the runs of `hap` against `ref` (both L bytes) for the stem's span [t - lo, t + hi]. `best` is scratch of
/// L entries. `narrowBy` > 0 shortens the span checked (a test hook that must make results wrong).
func findColumnRuns(hap: UnsafePointer<UInt8>, ref: UnsafePointer<UInt8>, L: Int, lo: Int, hi: Int,
                    shifts: UnsafeBufferPointer<Int32>, best: UnsafeMutablePointer<Int32>, narrowBy: Int = 0,
                    into runs: inout ColumnRuns) {
    let dirtyMark = Int32.min
    best.update(repeating: dirtyMark, count: L)
    let span = lo + hi + 1 - narrowBy
    var tried: (Int32, Int32, Int32, Int32) = (dirtyMark, dirtyMark, dirtyMark, dirtyMark)  // recent candidates, skipped if repeated
    func scan(_ s: Int) {
        var run = 0
        for p in -lo..<(L + hi) {
            let q = p - s
            let inside = p >= 0 && p < L, refInside = q >= 0 && q < L
            let ok = inside ? (refInside && hap[p] == ref[q]) : !refInside
            run = ok ? run + 1 : 0
            let t = p - hi
            if t >= 0 && run >= span && best[t] == dirtyMark { best[t] = Int32(s) }
        }
    }
    scan(0)
    for s in shifts where s != 0 && s != tried.0 && s != tried.1 && s != tried.2 && s != tried.3 && abs(Int(s)) < L {
        tried = (s, tried.0, tried.1, tried.2)
        scan(Int(s))
    }
    runs.removeAll()
    var t = 0
    while t < L {
        let v = best[t]
        var e = t + 1
        while e < L && best[e] == v { e += 1 }
        if v == dirtyMark {
            runs.dirty.append((t, e))
            runs.dirtyCount += e - t
        } else {
            runs.copied.append((t, e, Int(v)))
        }
        t = e
    }
}

/// Candidate shifts of `hap` against `ref` (both L bytes) when the caller has none, e.g. sequences read from a
/// file: at anchors of 16 bases every 64 positions that differ from the reference in place, the nearest offset
/// s (|s| <= maxShift) with hap[t..<t+16] == ref[t-s..<t-s+16]. At most 32, appended to `shifts`.
func inferShifts(hap: UnsafePointer<UInt8>, ref: UnsafePointer<UInt8>, L: Int, maxShift: Int = 256, into shifts: inout [Int32]) {
    let k = 16
    guard L > k else { return }
    for t in stride(from: 0, to: L - k, by: 64) where shifts.count < 32 {
        guard memcmp(hap + t, ref + t, k) != 0 else { continue }
        search: for d in 1...maxShift {
            for s in [d, -d] where t - s >= 0 && t - s + k <= L && memcmp(hap + t, ref + t - s, k) == 0 {
                if !shifts.contains(Int32(s)) { shifts.append(Int32(s)) }
                break search
            }
        }
    }
}
