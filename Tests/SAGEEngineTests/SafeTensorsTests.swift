import Foundation
import Testing
@testable import SAGEEngine

@Suite struct SafeTensorsTests {
    @Test func roundTripKeepsNamesShapesValuesAndMetadata() throws {
        var file = SafeTensors()
        file.metadata = ["sage_config": "{\"model\": \"psagenet\"}"]
        file.add("conv0.1.weight", floats: [1, -2, 3.5, 4, 5, 6], shape: [2, 1, 3])
        file.add("convlayers.0.0.num_batches_tracked", int64: [7], shape: [])
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("st-\(UUID().uuidString).safetensors").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try file.write(path: path)
        let back = try SafeTensors.read(path: path)
        #expect(back.names == ["conv0.1.weight", "convlayers.0.0.num_batches_tracked"])
        #expect(try back.floats("conv0.1.weight") == [1, -2, 3.5, 4, 5, 6])
        #expect(try back.tensor("conv0.1.weight").shape == [2, 1, 3])
        #expect(try back.int64("convlayers.0.0.num_batches_tracked") == [7])
        #expect(back.metadata == file.metadata)
    }

    @Test func readsFilesWrittenByTheSafetensorsPackage() throws {
        // kernels.safetensors was written by safetensors.torch.save_file (tools/make_fixtures.py).
        let t = try Fixtures.kernels.tensor("linear/weight")
        #expect(t.dtype == .F32 && t.shape == [4, 5])
        #expect(Fixtures.kernels.metadata["torch"] != nil)
    }

    @Test func badFilesGiveErrorsNamingTheFileAndTheProblem() throws {
        let dir = FileManager.default.temporaryDirectory
        let truncated = dir.appendingPathComponent("trunc-\(UUID().uuidString).safetensors").path
        defer { try? FileManager.default.removeItem(atPath: truncated) }
        var file = SafeTensors()
        file.add("w", floats: [1, 2, 3, 4], shape: [4])
        try file.encode().dropLast(4).write(to: URL(fileURLWithPath: truncated))
        let error = #expect(throws: SafeTensorsError.self) { try SafeTensors.read(path: truncated) }
        #expect(error?.description.contains(truncated) == true)
        #expect(error?.description.contains("'w'") == true)
        #expect(throws: SafeTensorsError.self) { try SafeTensors.read(path: dir.appendingPathComponent("missing.safetensors").path) }
        // Not regular files: a directory, and an endless device that must not be read into memory.
        for path in [dir.path, "/dev/zero"] {
            let error = #expect(throws: SafeTensorsError.self) { try SafeTensors.read(path: path) }
            #expect(error?.description == "\(path): not a regular file (a directory, device or pipe), so not a safetensors file")
        }
        #expect(throws: SafeTensorsError.self) { try file.floats("nope") }
        #expect(throws: SafeTensorsError.self) { try file.int64("w") }
    }
}

/// The header rules of the reference `safetensors` library (and a few stricter ones), each on a hand-made file:
/// every violation is one SafeTensorsError naming the source and the problem, never a trap or a huge allocation.
@Suite struct SafeTensorsHeaderTests {
    /// An 8-byte little-endian length, `header` as UTF-8, then `data`.
    static func file(_ header: String, data: Data = Data(), length: UInt64? = nil) -> Data {
        file(bytes: Array(header.utf8), data: data, length: length)
    }

    static func file(bytes header: [UInt8], data: Data = Data(), length: UInt64? = nil) -> Data {
        let n = length ?? UInt64(header.count)
        var out = Data((0..<8).map { UInt8((n >> (8 * UInt64($0))) & 0xFF) })
        out.append(contentsOf: header)
        out.append(data)
        return out
    }

    /// Decoding `data` fails with a message holding the source and every fragment.
    func rejects(_ data: Data, _ fragments: String..., sourceLocation: SourceLocation = #_sourceLocation) {
        do {
            _ = try SafeTensors.decode(data, source: "bad.safetensors")
            Issue.record("accepted a file that should fail with \(fragments)", sourceLocation: sourceLocation)
        } catch let error as SafeTensorsError {
            #expect(error.description.hasPrefix("bad.safetensors: "), "\(error)", sourceLocation: sourceLocation)
            for f in fragments { #expect(error.description.contains(f), "'\(f)' not in: \(error)", sourceLocation: sourceLocation) }
        } catch {
            Issue.record("not a SafeTensorsError: \(error)", sourceLocation: sourceLocation)
        }
    }

    static func entry(_ name: String, _ dtype: String = "F32", shape: String, offsets: String) -> String {
        "\"\(name)\":{\"dtype\":\"\(dtype)\",\"shape\":\(shape),\"data_offsets\":\(offsets)}"
    }

    @Test func offsetsAndShapesNearIntMaxAreErrorsNotOverflowTraps() {
        let data = Data(count: 16)
        rejects(Self.file("{\(Self.entry("w", shape: "[4]", offsets: "[0, 9223372036854775807]"))}", data: data), "'w'", "[0, 9223372036854775807]")
        rejects(Self.file("{\(Self.entry("w", shape: "[4]", offsets: "[9223372036854775800, 9223372036854775807]"))}", data: data), "belong to no tensor")
        rejects(Self.file("{\(Self.entry("w", shape: "[4]", offsets: "[0, 99999999999999999999]"))}", data: data), "too large")
        rejects(Self.file("{\(Self.entry("w", shape: "[4611686018427387904, 4]", offsets: "[0, 16]"))}", data: data), "'w'", "more elements than can be addressed")
        rejects(Self.file("{\(Self.entry("w", shape: "[4294967296, 4294967296]", offsets: "[0, 16]"))}", data: data), "more elements than can be addressed")
        rejects(Self.file("{\(Self.entry("w", "F64", shape: "[2305843009213693952]", offsets: "[0, 16]"))}", data: data), "more elements than can be addressed")
    }

    @Test func overlappingTensorsAreRefused() {
        let header = "{\(Self.entry("a", shape: "[4]", offsets: "[0, 16]")),\(Self.entry("b", shape: "[4]", offsets: "[8, 24]"))}"
        rejects(Self.file(header, data: Data(count: 24)), "'b'", "overlaps")
        let same = "{\(Self.entry("a", shape: "[4]", offsets: "[0, 16]")),\(Self.entry("b", shape: "[4]", offsets: "[0, 16]"))}"
        rejects(Self.file(same, data: Data(count: 16)), "overlaps")
    }

    @Test func offsetsAndShapesMustBeNonNegativeIntegers() {
        let data = Data(count: 16)
        for offsets in ["[0, 16.0]", "[0, 1.6e1]", "[-0, 16]", "[0, -16]", "[0, \"16\"]", "[0, null]"] {
            rejects(Self.file("{\(Self.entry("w", shape: "[4]", offsets: offsets))}", data: data), "'w' data_offsets", "not a non-negative integer")
        }
        rejects(Self.file("{\(Self.entry("w", shape: "[4.0]", offsets: "[0, 16]"))}", data: data), "'w' shape", "4.0")
        rejects(Self.file("{\(Self.entry("w", shape: "[-4]", offsets: "[0, 16]"))}", data: data), "'w' shape", "-4")
        rejects(Self.file("{\(Self.entry("w", shape: "[4]", offsets: "[0, 8, 16]"))}", data: data), "3 numbers, not [begin, end]")
        rejects(Self.file("{\(Self.entry("w", shape: "4", offsets: "[0, 16]"))}", data: data), "'w' shape", "not an array")
        rejects(Self.file("{\"w\":{\"dtype\":\"F32\",\"shape\":[4]}}", data: data), "'w' entry has no 'data_offsets'")
        rejects(Self.file("{\"w\":[1, 2]}", data: data), "'w' entry is an array")
    }

    @Test func theTensorsMustTileTheDataWithoutGapsOrTrailingBytes() {
        let gap = "{\(Self.entry("a", shape: "[1]", offsets: "[0, 4]")),\(Self.entry("b", shape: "[1]", offsets: "[8, 12]"))}"
        rejects(Self.file(gap, data: Data(count: 12)), "bytes 4..<8 of the data belong to no tensor", "'b'")
        rejects(Self.file("{\(Self.entry("a", shape: "[1]", offsets: "[4, 8]"))}", data: Data(count: 8)), "bytes 0..<4")
        rejects(Self.file("{\(Self.entry("a", shape: "[1]", offsets: "[0, 4]"))}", data: Data(count: 12)), "8 bytes after the last tensor")
        rejects(Self.file("{}", data: Data(count: 1)), "1 bytes after the last tensor")
        rejects(Self.file("{\(Self.entry("a", shape: "[1]", offsets: "[4, 0]"))}", data: Data(count: 4)), "bytes 0..<4")
    }

    @Test func bytesMustBeTheShapeTimesTheDtypeSize() {
        rejects(Self.file("{\(Self.entry("w", "F64", shape: "[2]", offsets: "[0, 8]"))}", data: Data(count: 8)), "'w' has shape [2] of F64, 16 bytes", "hold 8")
        rejects(Self.file("{\(Self.entry("w", "I64", shape: "[]", offsets: "[0, 4]"))}", data: Data(count: 4)), "[] of I64, 8 bytes")
        rejects(Self.file("{\(Self.entry("w", "F17", shape: "[1]", offsets: "[0, 4]"))}", data: Data(count: 4)), "'w' dtype 'F17' is not one of", "BF16")
    }

    @Test func duplicateNamesAreRefused() {
        let entry = Self.entry("w", shape: "[1]", offsets: "[0, 4]")
        rejects(Self.file("{\(entry),\(entry)}", data: Data(count: 4)), "names 'w' twice")
        rejects(Self.file("{\"__metadata__\":{\"a\":\"1\",\"a\":\"2\"}}"), "__metadata__ names 'a' twice")
        rejects(Self.file("{\"w\":{\"dtype\":\"F32\",\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", data: Data(count: 4)), "'w' entry names 'dtype' twice")
        rejects(Self.file("{\"__metadata__\":{},\"__metadata__\":{}}"), "names '__metadata__' twice")
    }

    @Test func metadataIsStringToString() throws {
        rejects(Self.file("{\"__metadata__\":{\"n\":5}}"), "__metadata__ 'n' is 5, not a string")
        rejects(Self.file("{\"__metadata__\":{\"n\":{\"deep\":\"x\"}}}"), "__metadata__ 'n' is an object")
        rejects(Self.file("{\"__metadata__\":[\"x\"]}"), "__metadata__ is an array")
        #expect(try SafeTensors.decode(Self.file("{\"__metadata__\":null}"), source: "x").metadata == [:])
        let escaped = try SafeTensors.decode(Self.file("{\"__metadata__\":{\"k\":\"a\\\"b\\u00e9\\ud83d\\ude00\\/\"}}"), source: "x")
        #expect(escaped.metadata == ["k": "a\"b\u{e9}\u{1F600}/"])
    }

    @Test func truncatedOrOversizedHeadersAreErrors() {
        rejects(Data([1, 2, 3]), "3 bytes, too short")
        rejects(Self.file("{}", length: 3), "header length 3 runs past the end of the file (10 bytes)")
        rejects(Self.file("{}", length: UInt64.max), "header length 18446744073709551615 is over the 100000000-byte limit")
        rejects(Self.file("{}", length: 100_000_001), "over the 100000000-byte limit")
        let header = "{\(Self.entry("w", shape: "[1]", offsets: "[0, 4]"))}"
        rejects(Self.file(String(header.dropLast(5)) + "     "), "malformed", "the header ends where a value should be")
        rejects(Self.file(String(header.dropLast(3))), "malformed", "the header ends inside an array")
        rejects(Self.file(String(header.dropLast(1))), "malformed", "the header ends inside an object")
        rejects(Self.file(""), "malformed at byte 8 of the file")
        rejects(Self.file("{\"w\": x}"), "malformed at byte 14 of the file", "'x'")
        rejects(Self.file("[]"), "the header is an array, not a JSON object")
        rejects(Self.file("{} {}"), "after the JSON value")
        rejects(Self.file("{}\u{0}\u{0}"), "byte 0x0 after the JSON value")
        rejects(Self.file(bytes: Array("{\"w\u{FF}\":1}".utf8).map { $0 == 0xC3 ? 0xFF : $0 }), "malformed at byte 11 of the file: byte 0xFF is not valid UTF-8")
        rejects(Self.file("{\"a\":" + String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000) + "}"), "nested deeper than 16 levels")
        rejects(Self.file("{\"a\":\"\\ud83d\"}"), "unpaired UTF-16 surrogate")
        rejects(Self.file("{\"a\":01}"), "leading zero")
    }

    @Test func acceptsWhatTheReferenceAccepts() throws {
        // Zero-element and scalar tensors, whitespace around the JSON, extra fields in an entry.
        let header = " {\(Self.entry("empty", shape: "[0, 3]", offsets: "[0, 0]")), \"s\": {\"dtype\":\"I64\",\"shape\":[],\"data_offsets\":[0,8],\"note\":[1,{}]}}\t\n  "
        var data = Data(count: 8)
        data[0] = 7
        let file = try SafeTensors.decode(Self.file(header, data: data), source: "ok")
        #expect(file.names == ["empty", "s"])
        #expect(try file.shape(of: "empty") == [0, 3])
        #expect(try file.floats("empty") == [])
        #expect(try file.int64("s", shape: []) == [7])
    }

    @Test func shapeChecksCompareShapesNotElementCounts() throws {
        var file = SafeTensors()
        file.add("w", floats: [1, 2, 3, 4, 5, 6], shape: [2, 3])
        #expect(try file.floats("w", shape: [2, 3]) == [1, 2, 3, 4, 5, 6])
        let error = #expect(throws: SafeTensorsError.self) { try file.floats("w", shape: [3, 2], source: "m.safetensors") }
        #expect(error?.description == "m.safetensors: tensor 'w' has shape [2, 3], expected [3, 2]")
        #expect(throws: SafeTensorsError.self) { try file.check("w", shape: [6]) }
        #expect(throws: SafeTensorsError.self) { try file.int64("w", shape: [2, 3]) }
    }
}

@Suite struct AtomicFileTests {
    @Test func regularFilesAreReplacedWholeAndDevicesAreWrittenInPlace() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("atomic-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try AtomicFile.write(Data("first".utf8), to: path)
        try AtomicFile.write(Data("second".utf8), to: path)
        #expect(FileManager.default.contents(atPath: path) == Data("second".utf8))
        try AtomicFile.write(Data("discarded".utf8), to: "/dev/null")
        let type = try FileManager.default.attributesOfItem(atPath: "/dev/null")[.type] as? FileAttributeType
        #expect(type == .typeCharacterSpecial)
    }
}
