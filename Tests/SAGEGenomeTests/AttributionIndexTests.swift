import Foundation
import Testing
@testable import SAGEGenome

/// `AttributionDirectory` on `sage-mpi attribute`'s layout: index.csv rows lead to (part file, tensor); the npy
/// layout wins where both exist; a missing column, a second row for a region, a missing row, a wrong shape is one
/// error naming the file.
@Suite struct AttributionIndexTests {
    static func temporary() throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sage-attrindex-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    @Test func readsThroughTheIndex() throws {
        let root = try Self.temporary()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let head1 = root + "/output_idx_1"
        try FileManager.default.createDirectory(atPath: head1, withIntermediateDirectories: true)
        try """
        region_id,individual,file,tensor,shape,chr,strand,window_start,window_end
        R1,,part-00000.safetensors,R1,1x4x3,1,+,1,3
        R1,S1,part-00000.safetensors,R1|S1,2x4x3,1,+,1,3
        "R,2",,part-00001.safetensors,"R,2",1x4x3,1,-,5,7
        R3,,part-00001.safetensors,R3,1x4x4,1,-,5,7
        """.write(toFile: head1 + "/index.csv", atomically: true, encoding: .utf8)
        let reader: AttributionTensorReader = { file, tensor in
            let k = Float(["R1": 1, "R,2": 2, "R3": 3][tensor]!)
            #expect(file.hasPrefix(head1 + "/part-0000"))
            return (tensor == "R3" ? [1, 4, 4] : [1, 4, 3], (0..<(tensor == "R3" ? 16 : 12)).map { Float($0) + k })
        }
        let noHead = #expect(throws: GenomeError.self) { try AttributionDirectory(root: root, head: nil, readTensor: reader) }
        #expect(noHead?.description.contains("choose a head with --head 0 (mean) or --head 1") == true, "\(String(describing: noHead))")
        let d = try AttributionDirectory(root: root, head: 1, readTensor: reader)
        #expect(d.layout == "p-SAGE-net head 1 (output_idx_1/index.csv)")
        #expect(try d.read(regionID: "R1", inputLen: 3) == (0..<12).map { Float($0) + 1 })
        #expect(try d.read(regionID: "R,2", inputLen: 3) == (0..<12).map { Float($0) + 2 })
        let shape = #expect(throws: GenomeError.self) { try d.read(regionID: "R3", inputLen: 3) }
        #expect(shape?.description.hasPrefix(head1 + "/part-00001.safetensors tensor 'R3': shape (1, 4, 4)") == true, "\(String(describing: shape))")
        let missing = #expect(throws: GenomeError.self) { try d.read(regionID: "R9", inputLen: 3) }
        #expect(missing?.description.hasPrefix(head1 + "/index.csv: no row for region 'R9'") == true)
        #expect(throws: GenomeError.self) { try AttributionDirectory(root: root, head: 1) }  // no reader for safetensors

        try "region_id,file,tensor\nR1,p,R1\n".write(toFile: head1 + "/index.csv", atomically: true, encoding: .utf8)
        let column = #expect(throws: GenomeError.self) { try AttributionDirectory(root: root, head: 1, readTensor: reader) }
        #expect(column?.description.hasPrefix(head1 + "/index.csv: no individual column") == true, "\(String(describing: column))")
        try "region_id,individual,file,tensor\nR1,S1,p,R1|S1\n".write(toFile: head1 + "/index.csv", atomically: true, encoding: .utf8)
        let personal = #expect(throws: GenomeError.self) { try AttributionDirectory(root: root, head: 1, readTensor: reader).read(regionID: "R1", inputLen: 3) }
        #expect(personal?.description.contains("only per-individual ones") == true, "\(String(describing: personal))")
        try "region_id,individual,file,tensor\nR1,,p,R1\nR1,,q,R1\n".write(toFile: head1 + "/index.csv", atomically: true, encoding: .utf8)
        let twice = #expect(throws: GenomeError.self) { try AttributionDirectory(root: root, head: 1, readTensor: reader) }
        #expect(twice?.description.hasPrefix(head1 + "/index.csv:3: region 'R1' has a second row") == true, "\(String(describing: twice))")

        // SAGE-net's npy layout beside it is read first.
        try FileManager.default.createDirectory(atPath: head1 + "/per_region_attribs", withIntermediateDirectories: true)
        #expect(try AttributionDirectory(root: root, head: 1, readTensor: reader).regionDirectory == head1 + "/per_region_attribs")
    }
}
