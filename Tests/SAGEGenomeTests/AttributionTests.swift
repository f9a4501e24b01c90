import Foundation
import Testing
@testable import SAGEGenome

/// The attribution directory's layouts and file checks, the projection onto the reference, and genome spans.
@Suite struct AttributionTests {
    static func temporary() throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sage-attr-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    @Test func projectionPicksTheReferenceChannel() {
        let L = 6
        // Channels A, C, G, T; position t has values (t, 10 + t, 20 + t, 30 + t).
        let a = (0..<4).flatMap { c in (0..<L).map { Float(10 * c + $0) } }
        let seq = Array("AcGTN".utf8)  // 5 bases: the sixth position is padding
        #expect(projectAttribution(a, onto: seq, length: L, zeroCenter: false) == [0, 11, 22, 33, 0, 0])
        // Zero-centred: minus the mean over the channels, 15 + t.
        #expect(projectAttribution(a, onto: seq, length: L, zeroCenter: true) == [-15, -5, 5, 15, 0, 0])
        #expect(projectAttribution(a, onto: Array("RY*-".utf8), length: L, zeroCenter: false) == [0, 0, 0, 0, 0, 0])
    }

    @Test func genomeSpans() {
        // Plus: model t is window.lowerBound + t (0-based); 1-based inclusive.
        #expect(genomeSpan(start: 2, end: 5, window: 100..<110, reversed: false)! == (103, 105))
        // Minus: model t is window.upperBound - 1 - t.
        #expect(genomeSpan(start: 2, end: 5, window: 100..<110, reversed: true)! == (106, 108))
        // Clipped to a truncated window (padding after its 10 bases); nil inside the padding only.
        #expect(genomeSpan(start: 8, end: 14, window: 100..<110, reversed: false)! == (109, 110))
        #expect(genomeSpan(start: 8, end: 14, window: 100..<110, reversed: true)! == (101, 102))
        #expect(genomeSpan(start: 10, end: 14, window: 100..<110, reversed: false) == nil)
    }

    @Test func layoutsAndFiles() throws {
        let root = try Self.temporary()
        defer { try? FileManager.default.removeItem(atPath: root) }
        #expect(throws: GenomeError.self) { try AttributionDirectory(root: root + "/missing", head: nil) }
        let none = #expect(throws: GenomeError.self) { try AttributionDirectory(root: root, head: nil) }
        #expect(none?.description.contains("neither per_region_attribs/") == true)

        let single = root + "/per_region_attribs"
        try FileManager.default.createDirectory(atPath: single, withIntermediateDirectories: true)
        let d = try AttributionDirectory(root: root, head: nil)
        #expect(d.regionDirectory == single && d.head == nil)
        let v = (0..<(4 * 5)).map { Float($0) / 8 }
        try NPY.encode(NPYArray(shape: [1, 4, 5], values: .float32(v))).write(to: URL(fileURLWithPath: single + "/R1.npy"))
        try NPY.encode(NPYArray(shape: [4, 5], values: .float64(v.map(Double.init)))).write(to: URL(fileURLWithPath: single + "/R2.npy"))
        try NPY.encode(NPYArray(shape: [4, 6], values: .float32(v + [0, 0, 0, 0]))).write(to: URL(fileURLWithPath: single + "/R3.npy"))
        #expect(try d.read(regionID: "R1", inputLen: 5) == v)
        #expect(try d.read(regionID: "R2", inputLen: 5) == v)
        let shape = #expect(throws: GenomeError.self) { try d.read(regionID: "R3", inputLen: 5) }
        #expect(shape?.description.hasPrefix(single + "/R3.npy: shape (4, 6)") == true, "\(String(describing: shape))")
        let missing = #expect(throws: GenomeError.self) { try d.read(regionID: "R4", inputLen: 5) }
        #expect(missing?.description.hasPrefix(single + "/R4.npy: no such file") == true)
        var bad = v
        bad[7] = .infinity
        try NPY.encode(NPYArray(shape: [4, 5], values: .float32(bad))).write(to: URL(fileURLWithPath: single + "/R5.npy"))
        let inf = #expect(throws: GenomeError.self) { try d.read(regionID: "R5", inputLen: 5) }
        #expect(inf?.description.contains("value inf at channel C, position 2") == true, "\(String(describing: inf))")

        // With --head: output_idx_{head}; asking for a head of a single-output directory says to drop it.
        let wrong = #expect(throws: GenomeError.self) { try AttributionDirectory(root: root, head: 0) }
        #expect(wrong?.description.contains("drop --head") == true)
        try FileManager.default.createDirectory(atPath: root + "/output_idx_0/per_region_attribs", withIntermediateDirectories: true)
        #expect(try AttributionDirectory(root: root, head: 0).regionDirectory == root + "/output_idx_0/per_region_attribs")
    }
}
