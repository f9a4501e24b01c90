import Foundation

// Haplotypes rebuilt from a store block with exactly the rules of `applyAlleles` (Haplotype.swift): kept edits
// applied in position order, REF checked against the current haplotype, indels shifting later positions.
// Fast path: while each edit starts at or after the end of the last applied one (the usual case), the current
// haplotype from that point on is still the reference, so bases are copied straight into the caller's buffer
// and nothing is allocated. An edit overlapping an applied one sends the haplotype down the general path.
// Neither path checks bounds per base: they rely on RegionBlock.init's checks (each edit starts inside the window
// or at its end, its REF and ALT lie inside the allele bytes, haplotype edit indices are in range).

/// Which edits of a block apply: `only_snps`, and SAGE-net's frequency window on carriers / (2 x training).
public struct EditFilter: Sendable {
    public var onlySNPs = false
    public var frequency = FrequencyFilter()
    /// 2 x the number of training individuals the store counted carriers over.
    public var trainingHaplotypes = 0
    public init(onlySNPs: Bool = false, frequency: FrequencyFilter = FrequencyFilter(), trainingHaplotypes: Int = 0) {
        self.onlySNPs = onlySNPs; self.frequency = frequency; self.trainingHaplotypes = trainingHaplotypes
    }

    @inline(__always)
    public func keeps(_ block: RegionBlock, _ e: Int) -> Bool {
        if onlySNPs && !block.isSNP(e) { return false }
        guard frequency.isActive else { return true }
        let af = trainingHaplotypes > 0 ? Double(block.carriers[e]) / Double(trainingHaplotypes) : 0
        let f = frequency.trueMAF ? min(af, 1 - af) : af
        return frequency.mafMin < f && f < frequency.mafMax
    }
}

/// Applies `edits` (ascending edit indices) of `block` that `keep` accepts to the reference window and writes the
/// first `limit` bases of the result to `out`. Returns how many were written (less than `limit` when the
/// haplotype is shorter; the caller pads). `shifted(c)` is called after each applied indel with the cumulative
/// length change c (bases after it sit at their reference index + c).
public func assembleHaplotype(_ block: RegionBlock, edits: UnsafeBufferPointer<Int32>, keep: (Int) -> Bool,
                              into out: UnsafeMutablePointer<UInt8>, limit: Int, shifted: (Int) -> Void = { _ in }) -> Int {
    let ref = block.reference
    var n = 0, refPos = 0, shift = 0
    @inline(__always) func emit(_ src: UnsafePointer<UInt8>, _ count: Int) {
        let c = min(count, limit - n)
        if c > 0 { (out + n).update(from: src, count: c); n += c }
    }
    for index in edits {
        let e = Int(index)
        guard keep(e) else { continue }
        let p = Int(block.editPos[e]), rl = Int(block.refLen[e])
        if p < refPos { return assembleGeneral(block, edits: edits, keep: keep, into: out, limit: limit, shifted: shifted) }
        guard p + rl <= ref.count, memcmp(ref.baseAddress! + p, block.alleles + Int(block.alleleAt[e]), rl) == 0 else { continue }
        emit(ref.baseAddress! + refPos, p - refPos)
        emit(block.alleles + Int(block.alleleAt[e]) + rl, Int(block.altLen[e]))
        if Int(block.altLen[e]) != rl { shift += Int(block.altLen[e]) - rl; shifted(shift) }
        refPos = p + rl
    }
    emit(ref.baseAddress! + refPos, ref.count - refPos)
    return n
}

/// The general path: the edits applied one by one to a growing array, as `applyAlleles`.
func assembleGeneral(_ block: RegionBlock, edits: UnsafeBufferPointer<Int32>, keep: (Int) -> Bool,
                     into out: UnsafeMutablePointer<UInt8>, limit: Int, shifted: (Int) -> Void = { _ in }) -> Int {
    var seq = Array(block.reference)
    var shift = 0
    for index in edits {
        let e = Int(index)
        guard keep(e) else { continue }
        let ref = block.ref(e), i = Int(block.editPos[e]) + shift
        guard i >= 0, i + ref.count <= seq.count, seq[i..<(i + ref.count)].elementsEqual(ref) else { continue }
        let alt = block.alt(e)
        seq.replaceSubrange(i..<(i + ref.count), with: alt)
        if alt.count != ref.count { shift += alt.count - ref.count; shifted(shift) }
    }
    let n = min(limit, seq.count)
    seq.withUnsafeBufferPointer { out.update(from: $0.baseAddress!, count: n) }
    return n
}

/// Reverse complement of `seq[0..<count]` in place (A<->T, C<->G; N and other codes unchanged), as
/// `reverseComplement`.
public func reverseComplementInPlace(_ seq: UnsafeMutablePointer<UInt8>, count: Int) {
    var i = 0, j = count - 1
    while i < j {
        let a = complementTable[Int(seq[i])], b = complementTable[Int(seq[j])]
        seq[i] = b; seq[j] = a
        i += 1; j -= 1
    }
    if i == j { seq[i] = complementTable[Int(seq[i])] }
}

let complementTable: [UInt8] = (0..<256).map { b in
    switch UInt8(b) {
    case UInt8(ascii: "A"): UInt8(ascii: "T")
    case UInt8(ascii: "T"): UInt8(ascii: "A")
    case UInt8(ascii: "C"): UInt8(ascii: "G")
    case UInt8(ascii: "G"): UInt8(ascii: "C")
    case UInt8(ascii: "a"): UInt8(ascii: "t")
    case UInt8(ascii: "t"): UInt8(ascii: "a")
    case UInt8(ascii: "c"): UInt8(ascii: "g")
    case UInt8(ascii: "g"): UInt8(ascii: "c")
    default: UInt8(b)
    }
}
