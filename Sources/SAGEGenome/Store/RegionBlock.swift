// One region of the variant store, as bytes. Written by `RegionBlockBuilder`, read in place from a memory map
// by `RegionBlock`. Little-endian, every section starting on an 8-byte boundary:
//
//   header   8 x Int64: windowStart, windowLength, nEdits, alleleByteCount, nHaplotypes (2 x individuals), nHapEdits, 0, 0
//   ref      UInt8[windowLength]      reference window (uppercase), genome positions windowStart ..< windowStart+windowLength
//   editPos  Int32[nEdits]            0-based position in the window; edits sorted by position (VCF order)
//   refLen   Int32[nEdits], altLen Int32[nEdits]
//   alleleAt Int32[nEdits]            offset of REF in `alleles`; ALT follows REF
//   carriers Int32[nEdits]            training haplotypes carrying the ALT (its frequency is carriers / 2N, exact)
//   alleles  UInt8[alleleByteCount]
//   hapStart Int32[nHaplotypes + 1]   haplotype k = 2 x individual + (0 maternal | 1 paternal): edits hapEdits[hapStart[k] ..< hapStart[k+1]]
//   hapEdits Int32[nHapEdits]         edit indices, ascending
//
// An edit is one (record, ALT allele) carried by at least one stored haplotype; symbolic alleles and records
// starting before the window are left out at build time (and counted).

public struct RegionBlockBuilder {
    public var windowStart = 0
    public var reference: [UInt8] = []
    public var editPos: [Int32] = [], refLen: [Int32] = [], altLen: [Int32] = [], alleleAt: [Int32] = []
    public var carriers: [Int32] = []
    public var alleles: [UInt8] = []
    public var hapStart: [Int32] = [0]
    public var hapEdits: [Int32] = []
    public init() {}

    public mutating func addEdit(pos: Int, ref: [UInt8], alt: [UInt8], carriers count: Int) {
        editPos.append(Int32(pos)); refLen.append(Int32(ref.count)); altLen.append(Int32(alt.count))
        alleleAt.append(Int32(alleles.count)); carriers.append(Int32(count))
        alleles += ref; alleles += alt
    }

    /// Appends the next haplotype's edit list (haplotypes in order 0, 1, 2, ...).
    public mutating func addHaplotype<S: Sequence>(_ edits: S) where S.Element == Int32 {
        hapEdits.append(contentsOf: edits)
        hapStart.append(Int32(hapEdits.count))
    }

    public func serialized() -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(64 + reference.count + alleles.count + 20 * editPos.count + 4 * (hapStart.count + hapEdits.count) + 80)
        func align() { while out.count % 8 != 0 { out.append(0) } }
        func put<T: FixedWidthInteger>(_ values: [T]) { for v in values { withUnsafeBytes(of: v.littleEndian) { out += $0 } }; align() }
        put([Int64(windowStart), Int64(reference.count), Int64(editPos.count), Int64(alleles.count),
             Int64(hapStart.count - 1), Int64(hapEdits.count), 0, 0])
        out += reference; align()
        put(editPos); put(refLen); put(altLen); put(alleleAt)
        put(carriers)
        out += alleles; align()
        put(hapStart); put(hapEdits)
        return out
    }
}

/// A read-only view of one serialized block (see the top of this file); valid while its memory lives.
///
/// `init` checks every count, offset and index the readers follow (header counts against the block's length,
/// each edit's position and allele bytes, carrier counts, haplotype starts and edit indices), so that `edits`,
/// `ref`, `alt` and `assembleHaplotype` never read outside the block, whatever its bytes: one pass over the edit
/// tables, nothing per base.
public struct RegionBlock: @unchecked Sendable {
    public let windowStart: Int
    public let reference: UnsafeBufferPointer<UInt8>
    public let editPos: UnsafePointer<Int32>, refLen: UnsafePointer<Int32>, altLen: UnsafePointer<Int32>
    public let alleleAt: UnsafePointer<Int32>, carriers: UnsafePointer<Int32>
    public let alleles: UnsafePointer<UInt8>
    public let hapStart: UnsafePointer<Int32>, hapEdits: UnsafePointer<Int32>
    public let editCount: Int, haplotypeCount: Int

    /// `base` must be 8-byte aligned and hold `length` bytes; `trainingHaplotypes` bounds the carrier counts (2 x
    /// the individuals frequencies were counted over; default: the block's haplotypes). Throws a GenomeError saying
    /// what is wrong (the caller names the file and region).
    public init(base: UnsafeRawPointer, length: Int, trainingHaplotypes: Int? = nil) throws {
        guard length >= 64 else { throw GenomeError("a block of \(length) bytes is shorter than its 64-byte header") }
        let header = base.assumingMemoryBound(to: Int64.self)
        let h = (0..<8).map { Int(Int64(littleEndian: header[$0])) }
        let (windowLength, nEdits, alleleBytes, nHaps, nHapEdits) = (h[1], h[2], h[3], h[4], h[5])
        guard h[0] >= 0, h[6] == 0, h[7] == 0 else { throw GenomeError("the block header is damaged (window start \(h[0]), reserved words \(h[6]), \(h[7]))") }
        // Each count at most the block's length (and Int32-indexable), so no size below can overflow.
        for (name, count) in [("window length", windowLength), ("edit count", nEdits), ("allele byte count", alleleBytes),
                              ("haplotype count", nHaps), ("haplotype edit count", nHapEdits)]
        where count < 0 || count > length || count >= Int(Int32.max) {
            throw GenomeError("the block header's \(name) \(count) is impossible in a block of \(length) bytes")
        }
        var offset = 64
        func section(_ bytes: Int) -> UnsafeRawPointer {
            let p = base + offset
            offset += (bytes + 7) / 8 * 8
            return p
        }
        let sectionsEnd = 64 + (windowLength + 7) / 8 * 8 + 5 * ((4 * nEdits + 7) / 8 * 8) + (alleleBytes + 7) / 8 * 8
            + (4 * (nHaps + 1) + 7) / 8 * 8 + (4 * nHapEdits + 7) / 8 * 8
        guard sectionsEnd == length else {
            throw GenomeError("the block header's counts need \(sectionsEnd) bytes, the block has \(length)")
        }
        windowStart = h[0]
        reference = UnsafeBufferPointer(start: section(windowLength).assumingMemoryBound(to: UInt8.self), count: windowLength)
        editPos = section(4 * nEdits).assumingMemoryBound(to: Int32.self)
        refLen = section(4 * nEdits).assumingMemoryBound(to: Int32.self)
        altLen = section(4 * nEdits).assumingMemoryBound(to: Int32.self)
        alleleAt = section(4 * nEdits).assumingMemoryBound(to: Int32.self)
        carriers = section(4 * nEdits).assumingMemoryBound(to: Int32.self)
        alleles = section(alleleBytes).assumingMemoryBound(to: UInt8.self)
        hapStart = section(4 * (nHaps + 1)).assumingMemoryBound(to: Int32.self)
        hapEdits = section(4 * nHapEdits).assumingMemoryBound(to: Int32.self)
        editCount = nEdits
        haplotypeCount = nHaps
        try checkEdits(alleleBytes: alleleBytes, trainingHaplotypes: trainingHaplotypes ?? nHaps)
        try checkHaplotypes(hapEditCount: nHapEdits)
    }

    /// Each edit starts inside the window (or at its end), its REF and ALT lie inside the allele bytes, and its
    /// carrier count is at most the number of training haplotypes.
    private func checkEdits(alleleBytes: Int, trainingHaplotypes: Int) throws {
        for e in 0..<editCount {
            let p = Int(editPos[e]), at = Int(alleleAt[e]), rl = Int(refLen[e]), al = Int(altLen[e]), c = Int(carriers[e])
            guard p >= 0, p <= reference.count else { throw GenomeError("edit \(e) starts at \(p), outside the \(reference.count)-base window") }
            guard at >= 0, rl >= 0, al >= 0, at + rl + al <= alleleBytes else {
                throw GenomeError("edit \(e)'s alleles (offset \(at), REF \(rl) and ALT \(al) bytes) lie outside the \(alleleBytes) allele bytes")
            }
            guard c >= 0, c <= trainingHaplotypes else { throw GenomeError("edit \(e) has \(c) carriers among \(trainingHaplotypes) training haplotypes") }
        }
    }

    /// Haplotype starts run from 0 to `hapEditCount` without decreasing, and each haplotype's edit indices
    /// ascend strictly within 0 ..< editCount.
    private func checkHaplotypes(hapEditCount: Int) throws {
        guard hapStart[0] == 0, Int(hapStart[haplotypeCount]) == hapEditCount else {
            throw GenomeError("haplotype starts run from \(hapStart[0]) to \(hapStart[haplotypeCount]), not 0 to \(hapEditCount)")
        }
        for k in 0..<haplotypeCount {
            let a = Int(hapStart[k]), b = Int(hapStart[k + 1])
            guard a <= b, b <= hapEditCount else { throw GenomeError("haplotype \(k)'s edits \(a) ..< \(b) are out of order or past the \(hapEditCount) haplotype edits") }
            var previous = -1
            for j in a..<b {
                let e = Int(hapEdits[j])
                guard e > previous, e < editCount else {
                    throw GenomeError("haplotype \(k) lists edit \(e) after edit \(previous) (edits 0 ..< \(editCount), ascending)")
                }
                previous = e
            }
        }
    }

    /// Edit indices of haplotype `k` (2 x individual + 0 maternal / 1 paternal), ascending.
    public func edits(ofHaplotype k: Int) -> UnsafeBufferPointer<Int32> {
        let a = Int(hapStart[k]), b = Int(hapStart[k + 1])
        return UnsafeBufferPointer(start: hapEdits + a, count: b - a)
    }

    public func ref(_ e: Int) -> UnsafeBufferPointer<UInt8> { UnsafeBufferPointer(start: alleles + Int(alleleAt[e]), count: Int(refLen[e])) }
    public func alt(_ e: Int) -> UnsafeBufferPointer<UInt8> {
        UnsafeBufferPointer(start: alleles + Int(alleleAt[e]) + Int(refLen[e]), count: Int(altLen[e]))
    }
    public func isSNP(_ e: Int) -> Bool { refLen[e] == 1 && altLen[e] == 1 }
}
