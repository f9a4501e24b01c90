import Foundation
import Testing
@testable import SAGEGenome

/// The NPY reader and writer: files numpy wrote (Fixtures/enformer/npy, tools/make_enformer_fixtures.py) read
/// back exactly, our files round-trip, and every refused or damaged file is one GenomeError naming it.
@Suite struct NPYTests {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/enformer/npy")
    struct Expected: Decodable { let shape: [Int]?, dtype: String?, values: [Double]?, strings: [String]?, error: String? }
    static let expected: [String: Expected] = try! JSONDecoder().decode(
        [String: Expected].self, from: Data(contentsOf: directory.appendingPathComponent("expected.json")))

    @Test(arguments: expected.keys.sorted())
    func numpyFiles(name: String) throws {
        let path = Self.directory.appendingPathComponent(name + ".npy").path
        let e = Self.expected[name]!
        if let message = e.error {
            let error = #expect(throws: GenomeError.self) { try NPY.read(path: path) }
            #expect(error?.description.hasPrefix(path + ": ") == true && error?.description.contains(message) == true, "\(String(describing: error))")
            return
        }
        if let strings = e.strings {
            #expect(try NPY.readStrings(path: path) == strings)
            #expect(NPY.encodeStrings(strings) == (try Data(contentsOf: URL(fileURLWithPath: path))), "\(name): not numpy's bytes")
            let error = #expect(throws: GenomeError.self) { try NPY.read(path: path) }
            #expect(error?.description.contains("dtype '<U11' is not float32 or float64") == true)
            return
        }
        let a = try NPY.read(path: path)
        #expect(a.shape == e.shape!)
        #expect(a.dtype.rawValue == e.dtype!)
        #expect(a.doubles == e.values!, "\(name): values differ")
        // Our encoding of it decodes to the same array, and, for version-1 files, is numpy's bytes exactly.
        #expect(try NPY.decode(NPY.encode(a), file: "x") == a)
        if name.hasSuffix("_v1") { #expect(NPY.encode(a) == (try Data(contentsOf: URL(fileURLWithPath: path))), "\(name): not numpy's bytes") }
    }

    @Test func roundTripAnyShape() throws {
        var state: UInt64 = 7
        func next() -> Double { state = state &* 6364136223846793005 &+ 1442695040888963407; return Double(Int64(bitPattern: state >> 11)) / 1e15 }
        for shape in [[], [1], [5313], [2, 3], [0], [3, 0, 2], [1, 3, 5313], [2, 1, 1, 3]] {
            let n = shape.reduce(1, *)
            for array in [NPYArray(shape: shape, values: .float64((0..<n).map { _ in next() })),
                          NPYArray(shape: shape, values: .float32((0..<n).map { _ in Float(next()) }))] {
                let data = NPY.encode(array)
                #expect((data.count - 10 - Int(data[8]) - Int(data[9]) * 256) == n * (array.dtype == .float32 ? 4 : 8))
                #expect((10 + Int(data[8]) + Int(data[9]) * 256) % 64 == 0, "header padded to 64 bytes")
                #expect(try NPY.decode(data, file: "x") == array)
            }
        }
    }

    /// The header of a (2,) float64 file, with a given version and dict text, and 16 bytes of data.
    static func file(version: UInt8 = 1, header: String, data: Int = 16) -> Data {
        var d = Data(NPY.magic + [version, 0])
        let h = Array(header.utf8)
        if version == 1 { d.append(contentsOf: [UInt8(h.count & 0xFF), UInt8(h.count >> 8)]) } else {
            d.append(contentsOf: (0..<4).map { UInt8((h.count >> (8 * $0)) & 0xFF) })
        }
        d.append(contentsOf: h)
        d.append(Data(count: data))
        return d
    }

    @Test func badFilesAreOneErrorNamingTheFile() throws {
        let good = "{'descr': '<f8', 'fortran_order': False, 'shape': (2,), }\n"
        #expect(try NPY.decode(Self.file(header: good), file: "f.npy").shape == [2])
        #expect(try NPY.decode(Self.file(version: 2, header: good), file: "f.npy").shape == [2])
        #expect(try NPY.decode(Self.file(version: 3, header: "{\"descr\": \"<f8\", \"shape\": (2,), \"fortran_order\": False}"), file: "f.npy").shape == [2])
        let cases: [(Data, String)] = [
            (Data("not numpy".utf8), "no \\x93NUMPY magic"),
            (Data(), "no \\x93NUMPY magic"),
            (Self.file(version: 4, header: good), "version 4.0"),
            (Self.file(header: good, data: 8), "truncated: shape (2,) of <f8 needs 16 bytes of data, the file has 8"),
            (Self.file(header: good, data: 24), "longer than its header says"),
            (Self.file(header: good).prefix(20), "truncated: the header says"),
            (Self.file(header: "{'descr': '<f8', 'fortran_order': False, 'shape': (3, 5313), }"), "truncated: shape (3, 5313) of <f8 needs 127512 bytes of data, the file has 16"),
            (Self.file(header: "{'descr': '<f8', 'fortran_order': True, 'shape': (2,), }"), "Fortran-order"),
            (Self.file(header: "{'descr': '>f8', 'fortran_order': False, 'shape': (2,), }"), "big-endian"),
            (Self.file(header: "{'descr': '<i4', 'fortran_order': False, 'shape': (4,), }"), "dtype '<i4'"),
            (Self.file(header: "{'descr': [('a', '<f8')], 'fortran_order': False, 'shape': (2,), }"), "structured dtype"),
            (Self.file(header: "{'descr': '<f8', 'shape': (2,), }"), "lacks descr, fortran_order or shape"),
            (Self.file(header: "{'descr': '<f8', 'fortran_order': False, 'shape': (2, -1), }"), "not a tuple of sizes"),
            (Self.file(header: "{'descr': '<f8', 'fortran_order': False, 'shape': (99999999999, 99999999999), }"), "implausibly large"),
            (Self.file(header: "{'descr': '<f8', 'fortran_order': False, 'shape': (2,), 'extra': 1}"), "unexpected key 'extra'"),
            (Self.file(header: "{'descr': '<f8', 'fortran_order': Maybe, 'shape': (2,), }"), "neither True nor False"),
            (Self.file(header: "{'descr: '<f8', 'fortran_order': False, 'shape': (2,), }"), "not a NumPy header dict"),
            (Self.file(header: "\u{00e9}" + good), "not ASCII"),
        ]
        for (data, message) in cases {
            let error = #expect(throws: GenomeError.self) { try NPY.decode(data, file: "f.npy") }
            #expect(error?.description.hasPrefix("f.npy: ") == true && error?.description.contains(message) == true, "want '\(message)': \(String(describing: error))")
        }
        let notStrings = #expect(throws: GenomeError.self) { try NPY.readStrings(path: Self.directory.appendingPathComponent("f8_1d_v1.npy").path) }
        #expect(notStrings?.description.contains("dtype '<f8' is not a NumPy string array") == true)
        let missing = #expect(throws: GenomeError.self) { try NPY.read(path: "/nonexistent/x.npy") }
        #expect(missing?.description == "/nonexistent/x.npy: no such file")
    }

    /// Seeded damage to a real file's header and every truncation: each read succeeds with a consistent array or
    /// is one GenomeError naming the file; never a trap.
    @Test func fuzzedHeadersAndTruncations() throws {
        let original = try Data(contentsOf: Self.directory.appendingPathComponent("f4_3d_v1.npy"))
        let headerEnd = 10 + Int(original[8]) + Int(original[9]) * 256
        var state: UInt64 = 20261201
        func next(_ n: Int) -> Int { state = state &* 6364136223846793005 &+ 1442695040888963407; return Int(state >> 33) % n }
        let alphabet = Array("0123456789(),:'\"{} <>fiTrueFalse-\n\u{93}".utf8) + [0, 255]
        var variants: [Data] = (0...original.count).map { original.prefix($0) }
        for _ in 0..<3000 {
            var d = original
            for _ in 0..<(1 + next(3)) {
                let at = next(headerEnd)
                if next(2) == 0 { d[at] = alphabet[next(alphabet.count)] } else { d[at] = UInt8(next(256)) }
            }
            variants.append(d)
        }
        var accepted = 0
        for d in variants {
            do {
                let a = try NPY.decode(d, file: "fuzz.npy")
                #expect(a.count * (a.dtype == .float32 ? 4 : 8) <= d.count)
                accepted += 1
            } catch let error as GenomeError {
                #expect(error.description.hasPrefix("fuzz.npy: "))
            }
        }
        #expect(accepted < variants.count / 2, "most damage is noticed")
    }
}
