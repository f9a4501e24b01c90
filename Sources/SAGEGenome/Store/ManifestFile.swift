import Foundation

// manifest.json on disk: JSON (pretty-printed, sorted keys) whose top-level "manifestCRC32C" holds the CRC32C of
// the file's own bytes with those 8 hex digits taken as "00000000". Any changed byte of the file, the digits
// included, gives a mismatch; reading checks the JSON, then the format (a format-1 store has no checksums), then
// the checksum, then decodes.

extension StoreManifest {
    static let checksumPlaceholder = "00000000"
    static let damaged = "(the store is damaged; re-run `sage-mpi prepare`)"

    /// The file's bytes, with the checksum filled in.
    public func encoded() throws -> Data {
        var manifest = self
        manifest.manifestCRC32C = Self.checksumPlaceholder
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        var bytes = [UInt8](try encoder.encode(manifest))
        guard let digits = Self.checksumDigits(in: bytes) else { throw GenomeError("store manifest: the encoder wrote no checksum field") }
        let crc = CRC32C.hex(CRC32C.checksum(bytes.withUnsafeBytes { $0 }))
        bytes.replaceSubrange(digits, with: Array(crc.utf8))
        return Data(bytes)
    }

    /// Decodes and checks the bytes of `path` (named in every error): each kind of damage is one GenomeError.
    public static func decode(_ data: Data, path: String) throws -> StoreManifest {
        struct Probe: Decodable { var format: String?; var manifestCRC32C: String? }
        let probe: Probe
        do { probe = try JSONDecoder().decode(Probe.self, from: data) } catch {
            throw GenomeError("\(path): damaged or truncated manifest (not a JSON object) \(damaged)")
        }
        if probe.format == formatWithoutChecksums {
            throw GenomeError("\(path): a store of an older format, without checksums; re-run `sage-mpi prepare` to rebuild it")
        }
        let bytes = [UInt8](data)
        guard probe.manifestCRC32C != nil, let digits = checksumDigits(in: bytes) else {
            throw GenomeError("\(path): the manifest has no checksum \(damaged)")
        }
        var zeroed = bytes
        zeroed.replaceSubrange(digits, with: Array(checksumPlaceholder.utf8))
        guard bytes[digits].elementsEqual(CRC32C.hex(CRC32C.checksum(zeroed.withUnsafeBytes { $0 })).utf8) else {
            throw GenomeError("\(path): checksum mismatch \(damaged)")
        }
        guard probe.format == formatName else {
            throw GenomeError("\(path): store format '\(probe.format ?? "(none)")', this sage-mpi reads '\(formatName)'; re-run `sage-mpi prepare`")
        }
        do { return try JSONDecoder().decode(StoreManifest.self, from: data) } catch {
            throw GenomeError("\(path): unreadable manifest (\(shortDescription(error))) \(damaged)")
        }
    }

    /// The byte range of the 8 hex digits of the top-level "manifestCRC32C" value: `"manifestCRC32C"`, optional
    /// spaces, `:`, optional spaces, `"`, 8 bytes, `"`. A string value cannot match (it is never followed by `:`).
    static func checksumDigits(in bytes: [UInt8]) -> Range<Int>? {
        let key = Array("\"manifestCRC32C\"".utf8)
        guard bytes.count > key.count else { return nil }
        var i = 0
        while i + key.count <= bytes.count {
            defer { i += 1 }
            guard bytes[i] == key[0], bytes[i..<(i + key.count)].elementsEqual(key) else { continue }
            var j = i + key.count
            while j < bytes.count, bytes[j] == UInt8(ascii: " ") { j += 1 }
            guard j < bytes.count, bytes[j] == UInt8(ascii: ":") else { continue }
            j += 1
            while j < bytes.count, bytes[j] == UInt8(ascii: " ") { j += 1 }
            guard j + 10 <= bytes.count, bytes[j] == UInt8(ascii: "\""), bytes[j + 9] == UInt8(ascii: "\"") else { return nil }
            return (j + 1)..<(j + 9)
        }
        return nil
    }

    /// A decoding error in one line: which field, what was wrong (no Foundation dump).
    static func shortDescription(_ error: any Error) -> String {
        func field(_ path: [any CodingKey], _ last: (any CodingKey)? = nil) -> String {
            let keys = (path + (last.map { [$0] } ?? [])).map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }
            return keys.isEmpty ? "the top level" : String(keys.joined().drop { $0 == "." })
        }
        switch error as? DecodingError {
        case .keyNotFound(let key, let context)?: return "no field '\(field(context.codingPath, key))'"
        case .typeMismatch(_, let context)?, .valueNotFound(_, let context)?: return "field '\(field(context.codingPath))' has the wrong type"
        case .dataCorrupted(let context)?: return "field '\(field(context.codingPath))' is not valid"
        default: return "not a store manifest"
        }
    }
}
