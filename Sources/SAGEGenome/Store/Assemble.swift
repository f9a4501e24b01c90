// Haplotypes rebuilt from a store block: the block's edit table applied by the haplotype rule (Haplotype.swift),
// and which of its edits a configuration keeps (only_snps and the MAF window of AlleleFrequency.swift on the
// carrier counts the block stores).

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
        return frequency.keeps(carriers: Int(block.carriers[e]), trainingHaplotypes: trainingHaplotypes)
    }
}

extension RegionBlock {
    /// The block's edits as the haplotype rule reads them.
    public var editTable: EditTable { EditTable(editPos: editPos, refLen: refLen, altLen: altLen, alleleAt: alleleAt, alleles: alleles) }
}

extension RegionBlockBuilder {
    /// The builder's edits as the haplotype rule reads them, valid inside `body`. `alleles` must not be empty.
    func withEditTable<R>(_ body: (EditTable) -> R) -> R {
        editPos.withUnsafeBufferPointer { pos in
            refLen.withUnsafeBufferPointer { rl in
                altLen.withUnsafeBufferPointer { al in
                    alleleAt.withUnsafeBufferPointer { at in
                        alleles.withUnsafeBufferPointer { bytes in
                            body(EditTable(editPos: pos.baseAddress!, refLen: rl.baseAddress!, altLen: al.baseAddress!, alleleAt: at.baseAddress!,
                                           alleles: bytes.baseAddress!))
                        }
                    }
                }
            }
        }
    }
}

/// Applies `edits` (ascending edit indices) of `block` that `keep` accepts to the reference window and writes the
/// first `limit` bases of the result to `out` (see `assembleHaplotype(reference:...)`). Returns how many were
/// written (less than `limit` when the haplotype is shorter; the caller pads). `shifted(c)` is called after each
/// applied indel with the cumulative length change c. Relies on RegionBlock.init's checks: nothing per base.
@inline(__always)
public func assembleHaplotype(_ block: RegionBlock, edits: UnsafeBufferPointer<Int32>, keep: (Int) -> Bool,
                              into out: UnsafeMutablePointer<UInt8>, limit: Int, shifted: (Int) -> Void = { _ in }) -> Int {
    assembleHaplotype(reference: block.reference, edits: block.editTable, order: edits, keep: keep, into: out, limit: limit, shifted: shifted).length
}
