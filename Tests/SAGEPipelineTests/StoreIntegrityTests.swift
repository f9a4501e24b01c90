import Foundation
import Testing
@testable import SAGEPipeline
@testable import SAGEGenome

/// A damaged variant store is one GenomeError naming the file, never a crash: damage to the manifest or a part
/// file (caught by the checksums and sizes), and "hostile" damage whose checksums were recomputed afterwards
/// (caught by the layout and block checks, so that nothing reads out of bounds).
@Suite struct StoreIntegrityTests {
    /// A small simulated store in a new temporary directory (the caller removes `dir`); `store` is its path.
    static func makeStore(individuals: Int = 10, regions: Int = 5, inputLen: Int = 300) throws -> (dir: String, store: String) {
        let (dir, _, _) = try VariantStoreTests.simulatedStore(individuals: individuals, regions: regions, inputLen: inputLen)
        return (dir, dir + "/store")
    }

    static func part(_ store: String) -> String { store + "/part-00000.bin" }

    /// Opening `store` fails with a GenomeError containing every fragment.
    func expectDamage(_ store: String, _ fragments: [String], sourceLocation: SourceLocation = #_sourceLocation) {
        do {
            _ = try VariantStore(directory: store)
            Issue.record("the damaged store opened (expected \(fragments))", sourceLocation: sourceLocation)
        } catch let error as GenomeError {
            for fragment in fragments {
                #expect(error.description.contains(fragment), "missing '\(fragment)' in: \(error.description)", sourceLocation: sourceLocation)
            }
        } catch {
            Issue.record("not a GenomeError: \(error)", sourceLocation: sourceLocation)
        }
    }

    /// Rewrites the manifest after `change`, with each part's size and checksum recomputed from its file and the
    /// manifest's own checksum: what a writer that recomputes checksums over damaged data would leave.
    static func reseal(_ store: String, _ change: (inout StoreManifest) -> Void = { _ in }) throws {
        let path = VariantStore.manifestPath(store)
        var manifest = try StoreManifest.decode(Data(contentsOf: URL(fileURLWithPath: path)), path: path)
        for (k, part) in manifest.parts.enumerated() {
            guard let bytes = FileManager.default.contents(atPath: store + "/" + part.file) else { continue }
            manifest.parts[k] = StorePart(file: part.file, bytes: bytes.count, crc32c: bytes.withUnsafeBytes { CRC32C.checksum($0) })
        }
        change(&manifest)
        try manifest.encoded().write(to: URL(fileURLWithPath: path))
    }

    static func manifest(_ store: String) throws -> StoreManifest {
        let path = VariantStore.manifestPath(store)
        return try StoreManifest.decode(Data(contentsOf: URL(fileURLWithPath: path)), path: path)
    }

    /// Overwrites `bytes.count` bytes of `file` at `offset`.
    static func patch(_ file: String, at offset: Int, _ bytes: [UInt8]) throws {
        var data = [UInt8](try Data(contentsOf: URL(fileURLWithPath: file)))
        data.replaceSubrange(offset..<(offset + bytes.count), with: bytes)
        try Data(data).write(to: URL(fileURLWithPath: file))
    }
    static func le<T: FixedWidthInteger>(_ v: T) -> [UInt8] { withUnsafeBytes(of: v.littleEndian) { Array($0) } }

    /// Absolute offsets in the part file of one block's sections (RegionBlock.swift's layout), from its header.
    struct Layout {
        var header = 0, reference = 0, editPos = 0, refLen = 0, altLen = 0, alleleAt = 0, carriers = 0, alleles = 0, hapStart = 0, hapEdits = 0
        var edits = 0, haplotypes = 0, hapEditCount = 0, end = 0
        init(_ part: [UInt8], block offset: Int) {
            func int64(_ k: Int) -> Int { part[(offset + 8 * k)..<(offset + 8 * k + 8)].reversed().reduce(0) { $0 << 8 | Int($1) } }
            func padded(_ n: Int) -> Int { (n + 7) / 8 * 8 }
            header = offset
            edits = int64(2); haplotypes = int64(4); hapEditCount = int64(5)
            reference = offset + 64
            editPos = reference + padded(int64(1))
            refLen = editPos + padded(4 * edits); altLen = refLen + padded(4 * edits); alleleAt = altLen + padded(4 * edits)
            carriers = alleleAt + padded(4 * edits); alleles = carriers + padded(4 * edits)
            hapStart = alleles + padded(int64(3)); hapEdits = hapStart + padded(4 * (haplotypes + 1))
            end = hapEdits + padded(4 * hapEditCount)
        }
    }

    /// The first region with at least one haplotype edit: its manifest entry and layout.
    static func regionWithEdits(_ store: String) throws -> (region: StoreRegion, layout: Layout) {
        let part = [UInt8](try Data(contentsOf: URL(fileURLWithPath: Self.part(store))))
        for r in try manifest(store).regions {
            let layout = Layout(part, block: r.offset)
            #expect(layout.end == r.offset + r.length, "the test's layout disagrees with the block's")
            if layout.hapEditCount > 0 { return (r, layout) }
        }
        throw GenomeError("no region with edits")
    }

    // MARK: checksums

    @Test func crc32cMatchesTheStandardCheckValueInAnyPieces() throws {
        let check = Array("123456789".utf8)
        #expect(CRC32C.checksum(check.withUnsafeBytes { $0 }) == 0xE306_9283)
        var state: UInt64 = 5
        let bytes = (0..<1000).map { _ in state = state &* 6364136223846793005 &+ 1; return UInt8(truncatingIfNeeded: state >> 33) }
        // A bit-at-a-time reference (the definition) against slice-by-8, whole and in uneven pieces.
        var reference: UInt32 = 0xFFFF_FFFF
        for b in bytes { reference ^= UInt32(b); for _ in 0..<8 { reference = reference & 1 != 0 ? (reference >> 1) ^ 0x82F6_3B78 : reference >> 1 } }
        #expect(CRC32C.checksum(bytes.withUnsafeBytes { $0 }) == ~reference)
        var pieces = CRC32C()
        for range in [0..<3, 3..<11, 11..<500, 500..<1000] { pieces.update(Array(bytes[range])) }
        #expect(pieces.value == ~reference)
        #expect(CRC32C.hex(0x0A) == "0000000a")
    }

    @Test func preparedStoreRecordsEachPartAndReopens() throws {
        let (dir, store) = try Self.makeStore()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let manifest = try Self.manifest(store)
        let bytes = try #require(FileManager.default.contents(atPath: Self.part(store)))
        #expect(manifest.format == "sage-mpi variant store 2")
        #expect(manifest.parts == [StorePart(file: "part-00000.bin", bytes: bytes.count, crc32c: bytes.withUnsafeBytes { CRC32C.checksum($0) })])
        _ = try VariantStore(directory: store)
    }

    // MARK: manifest damage

    @Test func damagedManifestIsOneErrorNamingIt() throws {
        let (dir, store) = try Self.makeStore()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = VariantStore.manifestPath(store)
        let good = try String(contentsOfFile: path, encoding: .utf8)
        let rerun = "re-run `sage-mpi prepare`"

        try String(good.prefix(good.count / 2)).write(toFile: path, atomically: true, encoding: .utf8)
        expectDamage(store, [path + ": damaged or truncated manifest", rerun])

        // Valid JSON, one digit changed: only the checksum sees it.
        let records = try #require(good.range(of: "\"records\" : "))
        var changed = good
        let digit = changed[records.upperBound]
        changed.replaceSubrange(records.upperBound...records.upperBound, with: digit == "9" ? "8" : String(Int(String(digit))! + 1))
        try changed.write(toFile: path, atomically: true, encoding: .utf8)
        expectDamage(store, [path + ": checksum mismatch (the store is damaged; re-run `sage-mpi prepare`)"])

        // The checksum's own digits changed.
        let digits = try #require(good.range(of: "\"manifestCRC32C\" : \"")).upperBound
        changed = good
        changed.replaceSubrange(digits...digits, with: changed[digits] == "f" ? "e" : "f")
        try changed.write(toFile: path, atomically: true, encoding: .utf8)
        expectDamage(store, [path + ": checksum mismatch"])

        // No checksum field at all.
        let object = try #require(try JSONSerialization.jsonObject(with: Data(good.utf8)) as? [String: Any])
        var stripped = object
        stripped["manifestCRC32C"] = nil
        try JSONSerialization.data(withJSONObject: stripped).write(to: URL(fileURLWithPath: path))
        expectDamage(store, [path + ": the manifest has no checksum", rerun])

        try "[1, 2]".write(toFile: path, atomically: true, encoding: .utf8)
        expectDamage(store, [path + ": damaged or truncated manifest"])

        try FileManager.default.removeItem(atPath: path)
        expectDamage(store, [store + ": not a variant store (no manifest.json)"])
    }

    @Test func storeOfTheOlderFormatAsksForPrepare() throws {
        let (dir, store) = try Self.makeStore()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = VariantStore.manifestPath(store)
        let good = try Data(contentsOf: URL(fileURLWithPath: path))
        // Format 1 as it was written: parts as plain names, no sizes or checksums.
        var object = try #require(try JSONSerialization.jsonObject(with: good) as? [String: Any])
        object["format"] = "sage-mpi variant store 1"
        object["parts"] = ["part-00000.bin"]
        object["manifestCRC32C"] = nil
        try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys]).write(to: URL(fileURLWithPath: path))
        expectDamage(store, [path + ": a store of an older format, without checksums; re-run `sage-mpi prepare`"])

        try good.write(to: URL(fileURLWithPath: path))
        try Self.reseal(store) { $0.format = "sage-mpi variant store 9" }
        expectDamage(store, [path + ": store format 'sage-mpi variant store 9', this sage-mpi reads 'sage-mpi variant store 2'"])
    }

    @Test func manifestLayoutThatCannotBeTrustedIsRefused() throws {
        let (dir, store) = try Self.makeStore()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = VariantStore.manifestPath(store)
        let good = try Data(contentsOf: URL(fileURLWithPath: path))
        let restore = { try good.write(to: URL(fileURLWithPath: path)) }
        let id = try Self.manifest(store).regions[1].id

        let cases: [(change: (inout StoreManifest) -> Void, expected: String)] = [
            ({ $0.regions[1].part = 1 }, "region \(id) lies in part 1, but the manifest lists 1 part file(s)"),
            ({ $0.regions[1].part = -1 }, "region \(id) lies in part -1"),
            ({ $0.regions[1].offset = -64 }, "region \(id)'s block (offset -64"),
            ({ $0.regions[1].offset += 4 }, "region \(id)'s block"),
            ({ $0.regions[1].length = Int.max }, "region \(id)'s block"),
            ({ $0.regions[1].offset = Int.max - 7 }, "region \(id)'s block"),
            ({ $0.inputs.inputLen = -5 }, "input_len -5 is impossible"),
            ({ $0.parts = [] }, "lists no part files"),
            ({ $0.parts[0].file = "../part-00000.bin" }, "not a plain file name"),
            ({ $0.parts[0].crc32c = "xyz" }, "impossible size"),
        ]
        for (change, expected) in cases {
            try restore()
            try Self.reseal(store, change)
            expectDamage(store, [path + ": " , expected, "re-run `sage-mpi prepare`"])
        }
    }

    // MARK: part files

    @Test func damagedOrMissingPartIsOneErrorNamingIt() throws {
        let (dir, store) = try Self.makeStore()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let part = Self.part(store)
        let good = try Data(contentsOf: URL(fileURLWithPath: part))
        let restore = { try good.write(to: URL(fileURLWithPath: part)) }

        var flipped = [UInt8](good)
        flipped[good.count / 3] ^= 0x10
        try Data(flipped).write(to: URL(fileURLWithPath: part))
        expectDamage(store, [part + ": checksum mismatch (the store is damaged; re-run `sage-mpi prepare`)"])

        try good.prefix(good.count - 100).write(to: URL(fileURLWithPath: part))
        expectDamage(store, [part + ": \(good.count - 100) bytes, manifest.json says \(good.count) (truncated)", "re-run `sage-mpi prepare`"])

        try (good + Data(repeating: 0, count: 8)).write(to: URL(fileURLWithPath: part))
        expectDamage(store, [part + ": \(good.count + 8) bytes, manifest.json says \(good.count) (longer than written)"])

        try FileManager.default.removeItem(atPath: part)
        expectDamage(store, [part + ": missing (manifest.json lists it)", "re-run `sage-mpi prepare`"])

        // A part file the manifest does not list, and a listed one that is not there (a wrong part count).
        try restore()
        try good.write(to: URL(fileURLWithPath: store + "/part-00001.bin"))
        expectDamage(store, [store + "/part-00001.bin: a part file manifest.json does not list (it lists 1)"])
        try FileManager.default.removeItem(atPath: store + "/part-00001.bin")
        try Self.reseal(store) { $0.parts.append(StorePart(file: "part-00001.bin", bytes: 64, crc32c: 0)) }
        expectDamage(store, [store + "/part-00001.bin: missing (manifest.json lists it)"])
    }

    // MARK: hostile blocks (checksums recomputed over the damage)

    @Test func hostileBlockIsRefusedNamingThePartAndRegion() throws {
        let (dir, store) = try Self.makeStore()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let part = Self.part(store)
        let good = try Data(contentsOf: URL(fileURLWithPath: part))
        let manifest = try Data(contentsOf: URL(fileURLWithPath: VariantStore.manifestPath(store)))
        let (region, b) = try Self.regionWithEdits(store)
        let le32 = { (v: Int32) in Self.le(v) }, le64 = { (v: Int64) in Self.le(v) }

        let cases: [(offset: Int, bytes: [UInt8], expected: String)] = [
            (b.header + 16, le64(Int64.max / 2), "edit count"),                        // nEdits: any size would overflow
            (b.header + 8, le64(-1), "window length -1"),
            (b.header + 32, le64(Int64(b.haplotypes + 2)), "need"),                    // counts that do not add up to the length
            (b.header + 48, le64(1), "reserved"),
            (b.editPos, le32(1_000_000), "edit 0 starts at 1000000, outside"),
            (b.editPos, le32(-3), "edit 0 starts at -3"),
            (b.alleleAt, le32(Int32.max - 1), "edit 0's alleles"),
            (b.refLen, le32(-5), "edit 0's alleles"),
            (b.altLen, le32(Int32.max), "edit 0's alleles"),
            (b.carriers, le32(-1), "edit 0 has -1 carriers"),
            (b.hapStart, le32(1), "haplotype starts run from 1"),
            (b.hapStart + 4, le32(Int32.max), "haplotype 0's edits"),
            (b.hapEdits, le32(Int32(b.edits)), "lists edit \(b.edits)"),               // the edit (allele) index past the edits
            (b.hapEdits, le32(-1), "lists edit -1"),
        ]
        for (offset, bytes, expected) in cases {
            try good.write(to: URL(fileURLWithPath: part))
            try manifest.write(to: URL(fileURLWithPath: VariantStore.manifestPath(store)))
            try Self.patch(part, at: offset, bytes)
            try Self.reseal(store)
            expectDamage(store, [part + ": region \(region.id) (bytes \(region.offset) ..< \(region.offset + region.length)): ", expected,
                                 "re-run `sage-mpi prepare`"])
        }
        // Two haplotype edits out of order within one haplotype.
        let partBytes = [UInt8](good)
        for k in 0..<b.haplotypes {
            func start(_ k: Int) -> Int { Int(partBytes[(b.hapStart + 4 * k)..<(b.hapStart + 4 * k + 4)].reversed().reduce(0) { $0 << 8 | Int($1) }) }
            guard start(k + 1) - start(k) >= 2 else { continue }
            try good.write(to: URL(fileURLWithPath: part))
            let first = b.hapEdits + 4 * start(k)
            try Self.patch(part, at: first, Array(partBytes[(first + 4)..<(first + 8)]) + Array(partBytes[first..<(first + 4)]))
            try Self.reseal(store)
            expectDamage(store, [part + ": region \(region.id)", "haplotype \(k) lists edit"])
            break
        }
    }

    /// Seeded random damage to the sections of random blocks (header, reference, edit tables, alleles, haplotype
    /// starts and edits), checksums recomputed: the store either refuses to open with an error naming the part file and
    /// a region, or opens and every item reads (with the majority reference and the frequency filter) without a
    /// crash. Both outcomes must occur, so the test sees the checks work.
    @Test func randomHostileDamageNeverReadsOutOfBounds() throws {
        let (dir, store) = try Self.makeStore(individuals: 10, regions: 4, inputLen: 300)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let part = Self.part(store), manifestPath = VariantStore.manifestPath(store)
        let good = [UInt8](try Data(contentsOf: URL(fileURLWithPath: part)))
        let manifestBytes = try Data(contentsOf: URL(fileURLWithPath: manifestPath))
        let regions = try Self.manifest(store).regions
        var state: UInt64 = 11
        func next(_ n: Int) -> Int { state = state &* 6364136223846793005 &+ 1442695040888963407; return Int(state >> 33) % n }
        var options = [SequenceOptions()]
        var o = SequenceOptions(); o.majorityReference = true; o.frequency = FrequencyFilter(mafMin: 0.1, mafMax: 0.9); options.append(o)
        var refused = 0, opened = 0
        for _ in 0..<150 {
            var bytes = good
            for _ in 0..<(1 + next(4)) {
                let r = regions[next(regions.count)]
                let b = Layout(good, block: r.offset)
                let sections = [(b.header, b.reference), (b.reference, b.editPos), (b.editPos, b.alleles), (b.alleles, b.hapStart),
                                (b.hapStart, b.hapEdits), (b.hapEdits, b.end)].filter { $0.1 > $0.0 }
                let (from, to) = sections[next(sections.count)]
                // Half the flips change one low bit: values stay near their own, so more pass the checks and reach the readers.
                bytes[from + next(to - from)] ^= next(2) == 0 ? UInt8(1 << next(3)) : UInt8(1 + next(255))
            }
            try Data(bytes).write(to: URL(fileURLWithPath: part))
            try manifestBytes.write(to: URL(fileURLWithPath: manifestPath))
            try Self.reseal(store)
            let opening: VariantStore
            do { opening = try VariantStore(directory: store) } catch let error as GenomeError {
                #expect(error.description.hasPrefix(part + ": region "), "\(error)")
                refused += 1
                continue
            }
            opened += 1
            let buffer = UnsafeMutablePointer<Float>.allocate(capacity: 4 * opening.inputLen)
            defer { buffer.deallocate() }
            for option in options {
                let dataset = PersonalDataset(store: opening, options: option)
                for r in 0..<opening.regionCount {
                    for i in 0..<opening.individualCount { for c in 0..<3 { dataset.oneHot(region: r, individual: i, channel: c, into: buffer) } }
                }
            }
        }
        #expect(refused > 20 && opened > 5, "refused \(refused), opened \(opened)")
    }
}
