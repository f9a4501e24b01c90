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
