import SAGEGenome

/// Where a region's model input lies: SAGE-net's reference window (0-based, half-open; at most input_len bases,
/// shorter near a contig end) and whether the model reads it reverse-complemented; the map between 1-based
/// genome positions and model indices. Model index of position p (j = p - 1 - window.start): j on the plus strand,
/// window.count - 1 - j when reversed. (SAGE-net's get_pos_idx_in_seq gives p - window.start on the plus strand,
/// one too many, BUG-18, and input_len - (p - window.start) when reversed, which is off for a window shortened
/// at a contig end.)
public struct RegionFrame: Sendable {
    public let region: Region
    public let contig: String
    public let window: Range<Int>
    public let reversed: Bool
    public let inputLen: Int

    public init(fasta: FASTAReader, region: Region, inputLen: Int, allowReverseComplement: Bool) throws {
        (contig, window) = try fasta.window(of: region, inputLen: inputLen)
        self.region = region; self.inputLen = inputLen
        reversed = region.minusStrand && allowReverseComplement
    }

    /// The model index of 1-based genome position `pos`, or nil outside the window.
    public func modelIndex(ofGenomePosition pos: Int) -> Int? {
        let j = pos - 1 - window.lowerBound
        guard j >= 0 && j < window.count else { return nil }
        return reversed ? window.count - 1 - j : j
    }

    /// The 1-based genome position at model index `j` (< window.count).
    public func genomePosition(ofModelIndex j: Int) -> Int {
        window.lowerBound + 1 + (reversed ? window.count - 1 - j : j)
    }

    /// Whether a variant's chr names this region's chromosome ("1" and "chr1" alike).
    public func sameChromosome(_ chr: String) -> Bool {
        func bare(_ c: String) -> String { c.hasPrefix("chr") ? String(c.dropFirst(3)) : c }
        return bare(chr) == bare(region.chr)
    }

    /// A haplotype of this window as the model reads it (modelSequence).
    public func model(_ haplotype: [UInt8]) -> [UInt8] { modelSequence(haplotype, inputLen: inputLen, minusStrand: reversed) }

    /// contig:first-last (1-based inclusive) of the window.
    public var described: String { "\(contig):\(window.lowerBound + 1)-\(window.upperBound)" }
}

/// A region's reference bases: `genome` the window (forward strand, upper case), `sequence` what the model reads
/// (reverse-complemented when reversed; not N-padded).
public struct RegionInput: Sendable {
    public let frame: RegionFrame
    public let genome: [UInt8]
    public let sequence: [UInt8]

    public init(fasta: FASTAReader, frame: RegionFrame) throws {
        self.frame = frame
        genome = try fasta.fetch(contig: frame.contig, start: frame.window.lowerBound, end: frame.window.upperBound)
        sequence = frame.model(genome)
    }

    /// A haplotype of this window (genome bases, as insertVariant returns) as the model reads it: truncated to
    /// input_len (keeping the 5' genomic end), reverse-complemented when reversed.
    public func model(_ haplotype: [UInt8]) -> [UInt8] { frame.model(haplotype) }
}
