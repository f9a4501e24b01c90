import Foundation
import CHTSlib

/// Facts about the linked htslib.
public enum HTSLib {
    /// htslib's version string, e.g. "1.16".
    public static var version: String { String(cString: hts_version()) }
}

extension HTSLib {
    /// Writes `text` BGZF-compressed to `path` (as `bgzip` does), through a temporary name renamed at the end.
    public static func writeBGZF(_ text: String, to path: String) throws {
        let temporary = path + ".tmp-\(getpid())"
        guard let file = bgzf_open(temporary, "w") else { throw GenomeError("\(path): cannot create a BGZF file") }
        let bytes = Array(text.utf8)
        let written = bytes.withUnsafeBytes { bgzf_write(file, $0.baseAddress, $0.count) }
        let closed = bgzf_close(file)
        guard written == bytes.count, closed == 0 else {
            unlink(temporary)
            throw GenomeError("\(path): writing the BGZF stream failed (disk full?)")
        }
        guard rename(temporary, path) == 0 else { unlink(temporary); throw GenomeError("\(path): cannot rename into place") }
    }

    /// Builds the tabix index (.tbi) of a bgzipped, sorted VCF.
    public static func indexVCF(_ path: String) throws {
        guard bcf_index_build3(path, nil, 0, 1) == 0 else {
            throw GenomeError("\(path): building the tabix index failed (is it bgzipped and sorted?)")
        }
    }

    /// Builds the .fai index of a FASTA file.
    public static func indexFASTA(_ path: String) throws {
        guard fai_build(path) == 0 else { throw GenomeError("\(path): building the .fai index failed") }
    }
}

/// How a file is compressed, from its first bytes: BGZF (gzip blocks with the 'BC' extra field, as `bgzip` writes),
/// plain gzip (which htslib cannot read by position), or neither.
public enum FileCompression: Sendable, Equatable { case none, gzip, bgzf }

extension HTSLib {
    /// The compression of `path` from its first 18 bytes (none when it cannot be read or is shorter).
    public static func compression(of path: String) -> FileCompression {
        guard let handle = FileHandle(forReadingAtPath: path) else { return .none }
        defer { try? handle.close() }
        let head = [UInt8]((try? handle.read(upToCount: 18)) ?? Data())
        guard head.count >= 2, head[0] == 0x1f, head[1] == 0x8b else { return .none }
        // FLG.FEXTRA, XLEN 6, subfield 'BC' (RFC 1952 with the BGZF extra field, SAM spec section 4.1).
        let isBGZF = head.count == 18 && head[3] & 4 != 0 && head[10] == 6 && head[11] == 0 && head[12] == 66 && head[13] == 67
        return isBGZF ? .bgzf : .gzip
    }

    /// Whether `path` ends with BGZF's 28-byte end-of-file block: a file that does but whose first block is not BGZF
    /// is a damaged BGZF file rather than a plain gzip one.
    static func endsWithBGZFEOFBlock(_ path: String) -> Bool {
        let eof: [UInt8] = [0x1f, 0x8b, 8, 4, 0, 0, 0, 0, 0, 0xff, 6, 0, 0x42, 0x43, 2, 0, 0x1b, 0, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0]
        guard let handle = FileHandle(forReadingAtPath: path) else { return false }
        defer { try? handle.close() }
        guard let size = try? handle.seekToEnd(), size >= 28 else { return false }
        try? handle.seek(toOffset: size - 28)
        return (try? handle.read(upToCount: 28)).map { [UInt8]($0) == eof } ?? false
    }

    /// Whether `index` was last modified in an earlier second than `data` (htslib's own test for an index older than
    /// its data file, which it only warns about). False when either cannot be read.
    static func isOlder(_ index: String, than data: String) -> Bool {
        var indexStat = stat(), dataStat = stat()
        guard stat(index, &indexStat) == 0, stat(data, &dataStat) == 0 else { return false }
        return indexStat.st_mtim.tv_sec < dataStat.st_mtim.tv_sec
    }

    /// What the BGZF_ERR_* flags of a BGZF stream's `errcode` say went wrong, or nil when none is set.
    static func bgzfProblem(_ errcode: Int32) -> String? {
        // A failed CRC also sets BGZF_ERR_ZLIB: test it first.
        if errcode & BGZF_ERR_CRC != 0 { return "a BGZF block fails its CRC32 check (its data was altered)" }
        if errcode & BGZF_ERR_ZLIB != 0 { return "a BGZF block does not decompress (zlib error)" }
        if errcode & BGZF_ERR_HEADER != 0 { return "a BGZF block header is invalid" }
        if errcode & BGZF_ERR_IO != 0 { return "reading failed or the file ends inside a BGZF block" }
        // Reading by position after a damaged block header made htslib take the rest for a plain gzip stream.
        if errcode & BGZF_ERR_MISUSE != 0 { return "a BGZF block header is damaged (htslib could not seek within the file)" }
        return errcode != 0 ? "BGZF error code \(errcode)" : nil
    }
}
