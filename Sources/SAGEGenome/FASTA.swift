import CHTSlib
import Foundation

/// An indexed reference FASTA (plain with .fai, or bgzipped with .fai and .gzi) read through htslib's faidx.
/// Coordinates are 0-based, half-open. Owns its faidx_t (freed in deinit). Not thread-safe: one reader per thread.
public final class FASTAReader: @unchecked Sendable {
    public let path: String
    private let index: OpaquePointer
    /// Contig names in index order.
    public let contigs: [String]
    private let lengths: [String: Int]

    public init(path: String) throws {
        self.path = path
        guard FileManager.default.fileExists(atPath: path) else { throw GenomeError("\(path): no such FASTA file") }
        guard FileManager.default.fileExists(atPath: path + ".fai") else {
            throw GenomeError("\(path): no index \(path).fai; create it with `samtools faidx \(path)`")
        }
        // FAI_CREATE is not set: a missing index is an error above, never silently built here.
        guard let fai = fai_load3(path, nil, nil, 0) else {
            throw GenomeError("\(path): htslib could not load the FASTA index (corrupt .fai, or a bgzipped FASTA without .gzi?)")
        }
        index = fai
        var names: [String] = [], lengths: [String: Int] = [:]
        for i in 0..<faidx_nseq(fai) {
            let name = String(cString: faidx_iseq(fai, i))
            names.append(name)
            lengths[name] = Int(faidx_seq_len(fai, name))
        }
        contigs = names
        self.lengths = lengths
    }

    deinit { fai_destroy(index) }

    public func length(of contig: String) -> Int? { lengths[contig] }

    /// Bases [start, end) of `contig`, upper-cased. The range is clipped to the contig.
    public func fetch(contig: String, start: Int, end: Int) throws -> [UInt8] {
        guard let length = lengths[contig] else {
            throw GenomeError("\(path): no contig '\(contig)'; it has \(contigs.prefix(10).joined(separator: ", "))\(contigs.count > 10 ? ", ..." : "")")
        }
        let lo = max(0, start), hi = min(length, end)
        guard hi > lo else { return [] }
        var fetched: Int64 = 0
        guard let seq = faidx_fetch_seq64(index, contig, Int64(lo), Int64(hi - 1), &fetched), fetched >= 0 else {
            throw GenomeError("\(path): could not read \(contig):\(lo + 1)-\(hi) (truncated or corrupt FASTA?)")
        }
        defer { free(seq) }
        return UnsafeBufferPointer(start: UnsafeRawPointer(seq).assumingMemoryBound(to: UInt8.self), count: Int(fetched))
            .map { $0 >= 97 && $0 <= 122 ? $0 - 32 : $0 }
    }
}
