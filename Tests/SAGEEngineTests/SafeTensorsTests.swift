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
        #expect(throws: SafeTensorsError.self) { try file.floats("nope") }
        #expect(throws: SafeTensorsError.self) { try file.int64("w") }
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
