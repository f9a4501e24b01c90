// Region -> contig -> window -> records: where a region's bases and variants come from, for every reader of them
// (the store builder, personal sequences, interpretation, PrediXcan, training frequencies of another cohort).
// Coordinates: a region's `pos` is its 1-based centre; windows and VCF record positions are 0-based, half-open.
// SAGE-net's window (`get_seq_start_and_end`) of length L around pos is [max(0, pos - L/2), min(contigLength, pos + L/2)),
// shorter than L near a contig's ends (the model input is N-padded later). Records are those htslib returns for the
// window: every record overlapping it, including one that starts before it (the callers decide what that means).

/// The reference window of a region centred at 1-based `pos`, SAGE-net's `get_seq_start_and_end`.
public func sageWindow(centre pos: Int, inputLen L: Int, contigLength: Int) -> Range<Int> {
    let start = max(0, pos - L / 2), end = min(contigLength, pos + L / 2)
    return start..<max(start, end)
}

/// Maps a region's `chr` ("1", "chr1", "X") to the contig name a file uses: exact, then with "chr" added, then
/// with "chr" removed, unless an explicit prefix is given (SAGE-net's contig_prefix).
public func resolveContig(_ chr: String, in contigs: [String], prefix: String? = nil, file: String) throws -> String {
    let bare = chr.hasPrefix("chr") ? String(chr.dropFirst(3)) : chr
    var candidates = prefix.map { [$0 + bare] } ?? [chr, "chr" + bare, bare]
    candidates = candidates.enumerated().filter { i, c in !candidates[..<i].contains(c) }.map(\.element)
    if let hit = candidates.first(where: contigs.contains) { return hit }
    throw GenomeError("\(file): no contig for chromosome '\(chr)' (tried \(candidates.joined(separator: ", "))); it has \(contigs.prefix(12).joined(separator: ", "))\(contigs.count > 12 ? ", ..." : ""); fix the regions table's chr (or the contig_prefix)")
}

extension FASTAReader {
    /// The contig of `region` in this FASTA and its reference window, `sageWindow` of `inputLen` around the centre
    /// (truncated at the contig's ends as SAGE-net; the model input is N-padded later). A region whose centre lies
    /// past the contig's end is an error naming the region, its table line when known, the contig and its length:
    /// its window would be empty or a stub of the contig's tail, not the site meant (another assembly, or a typo).
    public func window(of region: Region, inputLen: Int) throws -> (contig: String, range: Range<Int>) {
        let contig = try resolveContig(region.chr, in: contigs, file: path)
        let length = self.length(of: contig)!
        guard region.pos <= length else {
            throw GenomeError("\(path): \(region.described) is centred at \(region.chr):\(region.pos), past the end of contig '\(contig)' (length \(length)); fix its chr/pos in the regions table (or use the FASTA of its genome build)")
        }
        return (contig, sageWindow(centre: region.pos, inputLen: inputLen, contigLength: length))
    }

    /// The reference of `region` as the model reads it: its window (`window(of:inputLen:)`), fetched, truncated to
    /// `inputLen` and reverse-complemented for a minus-strand region when allowed (`modelSequence`).
    public func modelReference(of region: Region, inputLen: Int, allowReverseComplement: Bool)
        throws -> (contig: String, window: Range<Int>, sequence: [UInt8]) {
        let (contig, window) = try self.window(of: region, inputLen: inputLen)
        let reference = try fetch(contig: contig, start: window.lowerBound, end: window.upperBound)
        return (contig, window, modelSequence(reference, inputLen: inputLen, minusStrand: region.minusStrand,
                                              allowReverseComplement: allowReverseComplement))
    }
}

extension VCFReader {
    /// The records overlapping `window` (0-based, half-open) on the contig this VCF names chromosome `chr` (a
    /// regions table's chr, resolved by `resolveContig` with `prefix`), in file order; nil when the VCF has no
    /// contig for `chr` (the caller counts or ignores such a region: it has no variants here).
    public func records(chr: String, prefix: String?, window: Range<Int>) throws -> [VariantRecord]? {
        guard let contig = try? resolveContig(chr, in: contigs, prefix: prefix, file: path) else { return nil }
        return try records(contig: contig, start: window.lowerBound, end: window.upperBound)
    }
}
