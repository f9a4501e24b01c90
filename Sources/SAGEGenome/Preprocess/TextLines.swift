import CHTSlib
import Foundation

/// Calls `body` with each line of `path`, a text file that is plain, gzip- or bgzip-compressed (htslib's BGZF
/// reader reads all three; gzip is decompressed as one stream). The line's 1-based number and its bytes without the
/// "\n" (and a "\r" before it) are valid only during the call. `what` names the file in errors ("GTF"): a missing
/// file, a directory, a BGZF file without its end-of-file block, damaged or truncated compressed data (naming the
/// line it reached). htslib's own messages are silenced meanwhile: the error says it once.
func forEachLine(of path: String, what: String, _ body: (Int, UnsafeBufferPointer<UInt8>) throws -> Void) throws {
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { throw GenomeError("\(path): no such \(what) file") }
    guard !isDirectory.boolValue else { throw GenomeError("\(path) is a directory, not a \(what) file") }
    let logLevel = hts_get_log_level()
    hts_set_log_level(HTS_LOG_OFF)
    defer { hts_set_log_level(logLevel) }
    guard let file = bgzf_open(path, "r") else { throw GenomeError("\(path): cannot open the \(what) (\(String(cString: strerror(errno))))") }
    defer { bgzf_close(file) }
    let compression = HTSLib.compression(of: path)
    // A BGZF file cut at a block boundary reads as complete, only without its end-of-file block.
    if compression == .bgzf && bgzf_check_EOF(file) == 0 {
        throw GenomeError("\(path): the \(what) is truncated (no BGZF end-of-file block); copy or download it again (`bgzip -t \(path)` tests it)")
    }
    var line = kstring_t(l: 0, m: 0, s: nil)
    defer { chts_ks_free(&line) }
    var number = 0
    let empty = UnsafeBufferPointer<UInt8>(start: nil, count: 0)
    while true {
        let rc = bgzf_getline(file, Int32(UInt8(ascii: "\n")), &line)
        if let problem = HTSLib.bgzfProblem(Int32(file.pointee.errcode)) {
            let reason = compression == .gzip ? "the gzip stream is damaged or cut short" : problem
            throw GenomeError("\(path): the \(what) is corrupt: \(reason) (reading line \(number + 1)); copy or download it again (`gzip -t \(path)` tests it)")
        }
        if rc == -1 { break }
        if rc < -1 {
            throw GenomeError("\(path): reading the \(what) failed after line \(number)\(compression != .none ? " (truncated or corrupt compressed data?)" : "")")
        }
        number += 1
        guard let start = line.s, line.l > 0 else { try body(number, empty); continue }
        let bytes = UnsafeRawPointer(start).assumingMemoryBound(to: UInt8.self)
        var count = Int(line.l)
        if bytes[count - 1] == UInt8(ascii: "\r") { count -= 1 }
        try body(number, UnsafeBufferPointer(start: bytes, count: count))
    }
}
