import Foundation

// The checks `VariantStore(directory:)` makes before reading any block, each failing with one GenomeError that
// names the file: the manifest's layout (part names, region spans inside their part's recorded size), each part
// file's presence, size and CRC32C, and no part file the manifest does not list. Checksums catch damage; the
// layout and block checks (RegionBlock.init) keep even a store whose checksums were recomputed over damaged
// bytes from reading out of bounds.

extension StoreManifest {
    /// The manifest's own consistency: a positive input_len, plain distinct part names with a size and a
    /// well-formed checksum, and every region's block 8-byte aligned inside its part's recorded size.
    func checkLayout(path: String) throws {
        func damage(_ what: String) -> GenomeError { GenomeError("\(path): \(what) \(Self.damaged)") }
        guard inputs.inputLen > 0, inputs.inputLen < Int(Int32.max) else { throw damage("input_len \(inputs.inputLen) is impossible") }
        guard !parts.isEmpty else { throw damage("the manifest lists no part files") }
        var names = Set<String>()
        for part in parts {
            guard !part.file.isEmpty, !part.file.contains("/"), part.file != ".", part.file != "..", names.insert(part.file).inserted else {
                throw damage("part file name '\(part.file)' is not a plain file name listed once")
            }
            guard part.bytes >= 0, part.crc32c.count == 8, part.crc32c.allSatisfy(\.isHexDigit) else {
                throw damage("part \(part.file) has an impossible size (\(part.bytes)) or checksum ('\(part.crc32c)')")
            }
        }
        for r in regions {
            guard r.part >= 0, r.part < parts.count else {
                throw damage("region \(r.id) lies in part \(r.part), but the manifest lists \(parts.count) part file(s)")
            }
            let bytes = parts[r.part].bytes
            guard r.offset >= 0, r.offset % 8 == 0, r.length >= 0, r.offset <= bytes, r.length <= bytes - r.offset else {
                throw damage("region \(r.id)'s block (offset \(r.offset), \(r.length) bytes) lies outside \(parts[r.part].file)'s \(bytes) bytes")
            }
        }
    }
}

extension VariantStore {
    /// Maps `part` after checking that it exists with the size the manifest records, and that its CRC32C matches.
    static func openPart(_ part: StorePart, directory: String) throws -> MappedFile {
        let path = (directory as NSString).appendingPathComponent(part.file)
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue else {
            throw GenomeError("\(path): missing (manifest.json lists it) \(StoreManifest.damaged)")
        }
        let file = try MappedFile(path: path)
        guard file.count == part.bytes else {
            let how = file.count < part.bytes ? "truncated" : "longer than written"
            throw GenomeError("\(path): \(file.count) bytes, manifest.json says \(part.bytes) (\(how)) \(StoreManifest.damaged)")
        }
        let crc = CRC32C.checksum(UnsafeRawBufferPointer(start: file.base, count: file.count))
        guard CRC32C.hex(crc) == part.crc32c else { throw GenomeError("\(path): checksum mismatch \(StoreManifest.damaged)") }
        return file
    }

    /// Refuses a `part-*.bin` in `directory` that the manifest does not list (a store mixed with another build).
    static func checkNoUnlistedParts(directory: String, manifest: StoreManifest) throws {
        let listed = Set(manifest.parts.map(\.file))
        let present = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        if let extra = present.filter({ $0.hasPrefix("part-") && $0.hasSuffix(".bin") && !listed.contains($0) }).min() {
            throw GenomeError("\((directory as NSString).appendingPathComponent(extra)): a part file manifest.json does not list (it lists \(manifest.parts.count)) \(StoreManifest.damaged)")
        }
    }
}
