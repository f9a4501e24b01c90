import Foundation
import SAGEEngine
import SAGEGenome

/// Reads tensors of `attribute`'s part files for `AttributionDirectory` (index.csv layout), keeping the last part
/// file open: regions read in index order open each part once. F32 and F16 tensors, returned as float32.
public final class AttributionPartReader: @unchecked Sendable {
    private let lock = NSLock()
    private var cached: (path: String, file: SafeTensors)?

    public init() {}

    /// The reader as `AttributionDirectory` takes it.
    public var read: AttributionTensorReader { { [self] path, name in try tensor(path, name) } }

    func tensor(_ path: String, _ name: String) throws -> (shape: [Int], values: [Float]) {
        lock.lock(); defer { lock.unlock() }
        if cached?.path != path {
            cached = nil
            guard FileManager.default.fileExists(atPath: path) else {
                throw GenomeError("\(path): no such file (named in the attribution index beside it)")
            }
            cached = (path, try SafeTensors.read(path: path))
        }
        let t = try cached!.file.tensor(name, source: path)
        switch t.dtype {
        case .F32:
            return (t.shape, try cached!.file.floats(name, source: path))
        case .F16:
            let values = t.bytes.withUnsafeBytes { raw in
                (0..<t.count).map { Float(Float16(bitPattern: UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: 2 * $0, as: UInt16.self)))) }
            }
            return (t.shape, values)
        default:
            throw GenomeError("\(path): tensor '\(name)' is \(t.dtype.rawValue); an attribution is F32 or F16")
        }
    }
}
