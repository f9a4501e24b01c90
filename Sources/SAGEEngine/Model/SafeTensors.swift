import Foundation

/// The safetensors file format (as written by `safetensors.torch.save_file`): an 8-byte little-endian header
/// length N, N bytes of JSON `{"__metadata__": {str: str}, name: {"dtype", "shape", "data_offsets": [begin, end]}}`,
/// then the tensors' little-endian bytes. Used for checkpoints and for the PyTorch golden fixtures.
public struct SafeTensors: Sendable {
    public enum DType: String, Sendable { case F32, F64, I64, I32, U8 }

    public struct Tensor: Sendable {
        public let dtype: DType
        public let shape: [Int]
        public let bytes: Data
        public var count: Int { shape.reduce(1, *) }
    }

    public var metadata: [String: String] = [:]
    public private(set) var tensors: [String: Tensor] = [:]
    /// Names in insertion (or file) order.
    public private(set) var names: [String] = []

    public init() {}

    public mutating func add(_ name: String, floats: [Float], shape: [Int]) {
        precondition(shape.reduce(1, *) == floats.count, "safetensors: \(name) shape \(shape) holds \(floats.count) floats")
        put(name, Tensor(dtype: .F32, shape: shape, bytes: floats.withUnsafeBytes { Data($0) }))
    }

    public mutating func add(_ name: String, int64: [Int64], shape: [Int]) {
        precondition(shape.reduce(1, *) == int64.count, "safetensors: \(name) shape \(shape) holds \(int64.count) values")
        put(name, Tensor(dtype: .I64, shape: shape, bytes: int64.withUnsafeBytes { Data($0) }))
    }

    private mutating func put(_ name: String, _ tensor: Tensor) {
        if tensors[name] == nil { names.append(name) }
        tensors[name] = tensor
    }

    /// The float32 values of `name`, or an error naming the tensor and what is wrong.
    public func floats(_ name: String, source: String = "safetensors") throws -> [Float] {
        let t = try tensor(name, source: source)
        guard t.dtype == .F32 else { throw SafeTensorsError("\(source): tensor '\(name)' is \(t.dtype.rawValue), expected F32") }
        return t.bytes.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
    }

    /// The int64 values of `name`.
    public func int64(_ name: String, source: String = "safetensors") throws -> [Int64] {
        let t = try tensor(name, source: source)
        guard t.dtype == .I64 else { throw SafeTensorsError("\(source): tensor '\(name)' is \(t.dtype.rawValue), expected I64") }
        return t.bytes.withUnsafeBytes { Array($0.bindMemory(to: Int64.self)) }
    }

    public func tensor(_ name: String, source: String = "safetensors") throws -> Tensor {
        guard let t = tensors[name] else { throw SafeTensorsError("\(source): no tensor named '\(name)'") }
        return t
    }

    // MARK: files

    public static func read(path: String) throws -> SafeTensors {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw SafeTensorsError("\(path): cannot read the file (missing or unreadable)")
        }
        return try decode(data, source: path)
    }

    public static func decode(_ data: Data, source: String) throws -> SafeTensors {
        guard data.count >= 8 else { throw SafeTensorsError("\(source): too short for a safetensors file") }
        let headerLength = data.prefix(8).enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) }
        guard headerLength <= UInt64(data.count - 8) else {
            throw SafeTensorsError("\(source): header length \(headerLength) exceeds the file; not a safetensors file or truncated")
        }
        let start = data.startIndex + 8, bodyStart = start + Int(headerLength)
        guard let json = try? JSONSerialization.jsonObject(with: data[start..<bodyStart]) as? [String: Any] else {
            throw SafeTensorsError("\(source): the header is not a JSON object")
        }
        var file = SafeTensors()
        file.metadata = (json["__metadata__"] as? [String: String]) ?? [:]
        var entries: [(String, Int, Tensor)] = []
        for (name, value) in json where name != "__metadata__" {
            guard let info = value as? [String: Any], let dtypeName = info["dtype"] as? String,
                  let shape = info["shape"] as? [Int], let offsets = info["data_offsets"] as? [Int], offsets.count == 2 else {
                throw SafeTensorsError("\(source): tensor '\(name)' has a malformed header entry")
            }
            guard let dtype = DType(rawValue: dtypeName) else {
                throw SafeTensorsError("\(source): tensor '\(name)' has unsupported dtype \(dtypeName)")
            }
            let width = dtype == .F64 || dtype == .I64 ? 8 : dtype == .U8 ? 1 : 4
            let (begin, end) = (offsets[0], offsets[1])
            guard begin >= 0, end >= begin, bodyStart + end <= data.endIndex,
                  end - begin == shape.reduce(1, *) * width else {
                throw SafeTensorsError("\(source): tensor '\(name)' data offsets [\(begin), \(end)] do not match shape \(shape) or the file size")
            }
            entries.append((name, begin, Tensor(dtype: dtype, shape: shape, bytes: Data(data[(bodyStart + begin)..<(bodyStart + end)]))))
        }
        for (name, _, tensor) in entries.sorted(by: { ($0.1, $0.0) < ($1.1, $1.0) }) { file.put(name, tensor) }
        return file
    }

    public func encode() throws -> Data {
        var header: [String: Any] = [:]
        if !metadata.isEmpty { header["__metadata__"] = metadata }
        var offset = 0
        for name in names {
            let t = tensors[name]!
            header[name] = ["dtype": t.dtype.rawValue, "shape": t.shape, "data_offsets": [offset, offset + t.bytes.count]]
            offset += t.bytes.count
        }
        var json = try JSONSerialization.data(withJSONObject: header, options: [.sortedKeys])
        while json.count % 8 != 0 { json.append(0x20) }
        var data = Data(count: 8)
        for i in 0..<8 { data[i] = UInt8((UInt64(json.count) >> (8 * UInt64(i))) & 0xFF) }
        data.append(json)
        for name in names { data.append(tensors[name]!.bytes) }
        return data
    }

    /// Writes atomically (AtomicFile): to a temporary name beside `path`, then renamed over it.
    public func write(path: String) throws {
        let data = try encode()
        do {
            try AtomicFile.write(data, to: path)
        } catch {
            throw SafeTensorsError("\(path): cannot write: \(error.localizedDescription)")
        }
    }
}

public struct SafeTensorsError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
}
