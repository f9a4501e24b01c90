import Foundation
import SAGEEngine
import Testing

/// `sage-mpi ism`'s output directory read as a user would: ism_index.csv, then each tensor from the part file its
/// `file` column names. Reading checks the layout: the part files are exactly those the index names, and each holds
/// exactly the index's tensors for it.
struct ISMOutput {
    let index: [[String: String]]
    /// Part file name -> its contents.
    let parts: [String: SafeTensors]
    /// Every tensor, by name (`<region_id>/<head>`), from its part.
    let tensors: [String: SafeTensors.Tensor]

    init(_ dir: String) throws {
        index = try InterpretationTests.csv(dir + "/ism_index.csv")
        let files = try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.hasSuffix(".safetensors") }.sorted()
        #expect(files.allSatisfy { $0.hasPrefix("part-") }, "\(files)")
        var parts: [String: SafeTensors] = [:], tensors: [String: SafeTensors.Tensor] = [:]
        for file in files { parts[file] = try SafeTensors.read(path: dir + "/" + file) }
        #expect(Set(index.map { $0["file"] ?? "" }) == Set(files), "index files vs \(files)")
        for (file, part) in parts {
            let listed = index.filter { $0["file"] == file }.map { $0["tensor"]! }
            #expect(part.names.sorted() == listed.sorted(), "\(file) holds \(part.names), the index lists \(listed)")
            for (name, t) in part.tensors { tensors[name] = t }
        }
        self.parts = parts; self.tensors = tensors
    }

    /// A tensor's values as float32 (checked against `shape` when given), read from the part the index names.
    func floats(_ name: String, shape: [Int]? = nil) throws -> [Float] {
        let row = try #require(index.first { $0["tensor"] == name }, "no tensor '\(name)' in the index")
        let part = try #require(parts[row["file"] ?? ""], "the index's file for '\(name)'")
        return try shape.map { try part.floats(name, shape: $0) } ?? part.floats(name)
    }
}
