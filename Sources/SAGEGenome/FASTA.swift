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
        let compression = HTSLib.compression(of: path)
        if compression == .gzip {
            throw GenomeError("\(path): compressed with plain gzip, not bgzip, so it cannot be indexed; recompress it with `gunzip -c \(path) | bgzip > \(path).bgz && mv \(path).bgz \(path)`, then run `samtools faidx \(path)`")
        }
        let fai = path + ".fai", gzi = path + ".gzi"
        guard FileManager.default.fileExists(atPath: fai) else {
            throw GenomeError("\(path): no index \(fai); create it with `samtools faidx \(path)`")
        }
        // An index older than its FASTA describes another file: every fetch would be silently shifted.
        if HTSLib.isOlder(fai, than: path) { throw GenomeError("\(fai) is older than \(path); re-run `samtools faidx \(path)`") }
        if compression == .bgzf {
            guard FileManager.default.fileExists(atPath: gzi) else {
                throw GenomeError("\(path): bgzipped but without its index \(gzi); re-run `samtools faidx \(path)` (it writes .fai and .gzi)")
            }
            if HTSLib.isOlder(gzi, than: path) { throw GenomeError("\(gzi) is older than \(path); re-run `samtools faidx \(path)`") }
        } else {
            try Self.checkIndexFits(fai: fai, fasta: path)
        }
        // FAI_CREATE is not set: a missing index is an error above, never silently built here.
        guard let index = fai_load3(path, nil, nil, 0) else {
            throw GenomeError("\(path): htslib could not load the FASTA index (corrupt .fai?); re-run `samtools faidx \(path)`")
        }
        self.index = index
        var names: [String] = [], lengths: [String: Int] = [:]
        for i in 0..<faidx_nseq(index) {
            let name = String(cString: faidx_iseq(index, i))
            names.append(name)
            lengths[name] = Int(faidx_seq_len(index, name))
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
        guard fetched == hi - lo else {
            throw GenomeError("\(path): \(contig):\(lo + 1)-\(hi) gave \(fetched) bases, not \(hi - lo): the FASTA does not match its index; re-run `samtools faidx \(path)`")
        }
        return UnsafeBufferPointer(start: UnsafeRawPointer(seq).assumingMemoryBound(to: UInt8.self), count: Int(fetched))
            .map { $0 >= 97 && $0 <= 122 ? $0 - 32 : $0 }
    }

    /// Checks each `.fai` line (name, length, offset, line bases, line bytes) against the plain FASTA it indexes: the
    /// sequence must start right after a line break and end within the file. One small read per contig.
    static func checkIndexFits(fai: String, fasta: String) throws {
        guard let text = try? String(contentsOfFile: fai, encoding: .utf8) else { throw GenomeError("\(fai): cannot read the FASTA index") }
        let fd = open(fasta, O_RDONLY)
        guard fd >= 0 else { throw GenomeError("\(fasta): cannot open (\(String(cString: strerror(errno))))") }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw GenomeError("\(fasta): cannot stat") }
        let size = Int(info.st_size)
        let redo = "re-run `samtools faidx \(fasta)`"
        for (i, line) in text.split(separator: "\n").enumerated() {
            let f = line.split(separator: "\t")
            guard f.count >= 5, let length = Int(f[1]), let offset = Int(f[2]), let bases = Int(f[3]), let width = Int(f[4]),
                  length >= 0, offset >= 0, bases > 0, width >= bases else {
                throw GenomeError("\(fai):\(i + 1): not a FASTA index line (name, length, offset, line bases, line bytes); \(redo)")
            }
            let end = length == 0 ? offset : offset + ((length - 1) / bases) * width + (length - 1) % bases + 1  // after the last base
            var before: UInt8 = 0
            guard end <= size, offset == 0 || (pread(fd, &before, 1, off_t(offset - 1)) == 1 && before == UInt8(ascii: "\n")) else {
                throw GenomeError("\(fai) does not match \(fasta): contig '\(f[0])' (\(length) bases at byte \(offset)) \(end > size ? "would end at byte \(end), past the file's \(size) bytes" : "does not start after a header line"); \(redo)")
            }
        }
    }
}
