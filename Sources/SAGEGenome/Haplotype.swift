import Foundation

// The haplotype rule, SAGE-net's semantics (SAGENET-REFERENCE §2.1-2.3), in one place for every caller: the store
// (`assembleHaplotype(_ block:...)`, the training and evaluation hot path) and VCF records (`applyAlleles`,
// personal sequences, the majority sequence, variant insertion).
// Coordinates: edit positions are 0-based indices into the reference window (window start = genome position of
// index 0; see Window.swift). Kept edits are applied in the given (position) order to one haplotype; REF must equal
// the current haplotype at position + shift, else the edit is skipped (so of two overlapping edits the first wins);
// each applied edit shifts later positions by len(ALT) - len(REF). An edit whose REF runs past the window's end
// never applies. Truncation to input_len happens here (`limit`); reverse complement and N padding come after.
// Fast path: while each edit starts at or after the end of the last applied one (the usual case), the current
// haplotype from that point on is still the reference, so bases are copied straight into the caller's buffer
// and nothing is allocated. An edit overlapping an applied one sends the haplotype down the general path.
// Neither path checks bounds per base: they rely on the edit table's invariant (each edit starts inside the
// window or at its end, its REF and ALT lie inside the allele bytes, `order` indexes the table), which
// RegionBlock.init checks for a store block and `applyAlleles` ensures for records.

/// Edits over one reference window in RegionBlock's column layout: edit e replaces REF, the `refLen[e]` bytes of
/// `alleles` at `alleleAt[e]`, at window index `editPos[e]` (0 ... window length) with ALT, the `altLen[e]` bytes
/// that follow REF.
public struct EditTable {
    public let editPos: UnsafePointer<Int32>, refLen: UnsafePointer<Int32>, altLen: UnsafePointer<Int32>, alleleAt: UnsafePointer<Int32>
    public let alleles: UnsafePointer<UInt8>
    public init(editPos: UnsafePointer<Int32>, refLen: UnsafePointer<Int32>, altLen: UnsafePointer<Int32>, alleleAt: UnsafePointer<Int32>,
                alleles: UnsafePointer<UInt8>) {
        self.editPos = editPos; self.refLen = refLen; self.altLen = altLen; self.alleleAt = alleleAt; self.alleles = alleles
    }

    public func ref(_ e: Int) -> UnsafeBufferPointer<UInt8> { UnsafeBufferPointer(start: alleles + Int(alleleAt[e]), count: Int(refLen[e])) }
    public func alt(_ e: Int) -> UnsafeBufferPointer<UInt8> {
        UnsafeBufferPointer(start: alleles + Int(alleleAt[e]) + Int(refLen[e]), count: Int(altLen[e]))
    }
}

/// Applies the edits `order` (ascending table indices) that `keep` accepts to `reference` with the rule above and
/// writes the first `limit` bases of the haplotype to `out`. Returns how many bases were written (less than `limit`
/// when the haplotype is shorter; the caller pads) and how many edits applied (the others kept failed the REF
/// check). `shifted(c)` is called after each applied indel with the cumulative length change c (bases after it
/// sit at their reference index + c); when the general path takes over it reports from the first indel again.
@inline(__always)
public func assembleHaplotype(reference ref: UnsafeBufferPointer<UInt8>, edits table: EditTable, order: UnsafeBufferPointer<Int32>,
                              keep: (Int) -> Bool, into out: UnsafeMutablePointer<UInt8>, limit: Int,
                              shifted: (Int) -> Void = { _ in }) -> (length: Int, applied: Int) {
    var n = 0, refPos = 0, shift = 0, applied = 0
    // Copies `count` bytes at `base + offset`; `base` is only touched when something is copied (an empty window or
    // allele list may have no address).
    @inline(__always) func emit(_ base: UnsafePointer<UInt8>?, _ offset: Int, _ count: Int) {
        let c = min(count, limit - n)
        if c > 0 { (out + n).update(from: base! + offset, count: c); n += c }
    }
    for index in order {
        let e = Int(index)
        guard keep(e) else { continue }
        let p = Int(table.editPos[e]), rl = Int(table.refLen[e]), at = Int(table.alleleAt[e]), al = Int(table.altLen[e])
        if p < refPos { return assembleGeneral(reference: ref, edits: table, order: order, keep: keep, into: out, limit: limit, shifted: shifted) }
        guard p + rl <= ref.count, rl == 0 || memcmp(ref.baseAddress! + p, table.alleles + at, rl) == 0 else { continue }
        emit(ref.baseAddress, refPos, p - refPos)
        emit(table.alleles, at + rl, al)
        if al != rl { shift += al - rl; shifted(shift) }
        refPos = p + rl
        applied += 1
    }
    emit(ref.baseAddress, refPos, ref.count - refPos)
    return (n, applied)
}

/// The general path: the edits applied one by one to a growing array.
func assembleGeneral(reference: UnsafeBufferPointer<UInt8>, edits table: EditTable, order: UnsafeBufferPointer<Int32>,
                     keep: (Int) -> Bool, into out: UnsafeMutablePointer<UInt8>, limit: Int,
                     shifted: (Int) -> Void) -> (length: Int, applied: Int) {
    var seq = Array(reference)
    var shift = 0, applied = 0
    for index in order {
        let e = Int(index)
        guard keep(e) else { continue }
        let ref = table.ref(e), i = Int(table.editPos[e]) + shift
        guard i >= 0, i + ref.count <= seq.count, seq[i..<(i + ref.count)].elementsEqual(ref) else { continue }
        let alt = table.alt(e)
        seq.replaceSubrange(i..<(i + ref.count), with: alt)
        if alt.count != ref.count { shift += alt.count - ref.count; shifted(shift) }
        applied += 1
    }
    let n = min(limit, seq.count)
    if n > 0 { seq.withUnsafeBufferPointer { out.update(from: $0.baseAddress!, count: n) } }
    return (n, applied)
}
