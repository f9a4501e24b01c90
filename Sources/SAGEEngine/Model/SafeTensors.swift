import Foundation

/// The safetensors file format (as written by `safetensors.torch.save_file`): an 8-byte little-endian header
/// length N, N bytes of JSON `{"__metadata__": {str: str}, name: {"dtype", "shape", "data_offsets": [begin, end]}}`,
/// then the tensors' little-endian bytes. Used for checkpoints and for the PyTorch golden fixtures.
///
/// Reading checks the header as the reference `safetensors` library does, and a little more, so that a damaged or
/// hostile file is one error naming the file and the problem, never a crash or an unbounded allocation: N at most
/// `maxHeaderLength` and within the file; the header valid UTF-8 JSON, one object, no duplicate keys;
/// `__metadata__` (optional) string -> string; every tensor a known dtype, a shape of non-negative integers and
/// `data_offsets` of two non-negative integers; the tensors, sorted by offset, tile the data exactly (first at 0,
/// each beginning where the previous ends, the last ending at the end of the file: no overlap, gap or trailing
/// bytes); and each tensor's bytes = product(shape) x dtype size, computed without overflow.
public struct SafeTensors: Sendable {
    /// Element types with a whole number of bytes (the safetensors library's names).
    public enum DType: String, Sendable, CaseIterable {
        case BOOL, U8, I8, F8_E5M2, F8_E4M3, I16, U16, F16, BF16, I32, U32, F32, F64, I64, U64

        /// Bytes per element.
        public var size: Int {
            switch self {
            case .BOOL, .U8, .I8, .F8_E5M2, .F8_E4M3: 1
            case .I16, .U16, .F16, .BF16: 2
            case .I32, .U32, .F32: 4
            case .F64, .I64, .U64: 8
            }
        }
    }

    public struct Tensor: Sendable {
        public let dtype: DType
        public let shape: [Int]
        public let bytes: Data
        /// Elements (1 for shape []); the reader has checked that the product does not overflow.
        public var count: Int { shape.reduce(1, *) }
    }

    /// The largest header accepted (the safetensors library's limit, 100 MB).
    public static let maxHeaderLength = 100_000_000

    public var metadata: [String: String] = [:]
    public private(set) var tensors: [String: Tensor] = [:]
    /// Names in insertion (or file) order.
    public private(set) var names: [String] = []

    public init() {}

    public mutating func add(_ name: String, floats: [Float], shape: [Int]) {
        precondition(shape.reduce(1, *) == floats.count, "safetensors: \(name) shape \(shape) holds \(floats.count) floats")
        put(name, Tensor(dtype: .F32, shape: shape, bytes: floats.withUnsafeBytes { Data($0) }))
    }

    /// Stores `floats` as F16 (IEEE half precision, rounded to nearest even as NumPy's astype(float16)).
    public mutating func add(_ name: String, float16 floats: [Float], shape: [Int]) {
        precondition(shape.reduce(1, *) == floats.count, "safetensors: \(name) shape \(shape) holds \(floats.count) floats")
        put(name, Tensor(dtype: .F16, shape: shape, bytes: floats.map { Float16($0).bitPattern.littleEndian }.withUnsafeBytes { Data($0) }))
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
        try values(name, .F32, source: source)
    }

    /// The float32 values of `name`, which must have exactly `shape` (not merely as many elements): the check a
    /// model makes before copying a tensor into a slot of that shape.
    public func floats(_ name: String, shape: [Int], source: String = "safetensors") throws -> [Float] {
        try check(name, shape: shape, source: source)
        return try floats(name, source: source)
    }

    /// The int64 values of `name`.
    public func int64(_ name: String, source: String = "safetensors") throws -> [Int64] {
        try values(name, .I64, source: source)
    }

    /// The int64 values of `name`, which must have exactly `shape`.
    public func int64(_ name: String, shape: [Int], source: String = "safetensors") throws -> [Int64] {
        try check(name, shape: shape, source: source)
        return try int64(name, source: source)
    }

    /// The shape of `name` as the file gives it ([] for a scalar).
    public func shape(of name: String, source: String = "safetensors") throws -> [Int] {
        try tensor(name, source: source).shape
    }

    /// Throws unless `name` has exactly `shape`, naming both shapes.
    public func check(_ name: String, shape expected: [Int], source: String = "safetensors") throws {
        let found = try shape(of: name, source: source)
        guard found == expected else {
            throw SafeTensorsError("\(source): tensor '\(name)' has shape \(found), expected \(expected)")
        }
    }

    public func tensor(_ name: String, source: String = "safetensors") throws -> Tensor {
        guard let t = tensors[name] else { throw SafeTensorsError("\(source): no tensor named '\(name)'") }
        return t
    }

    /// The elements of `name` as `T` (which must be `dtype`), copied out (a tensor's bytes need not be aligned).
    private func values<T>(_ name: String, _ dtype: DType, source: String) throws -> [T] {
        let t = try tensor(name, source: source)
        guard t.dtype == dtype else { throw SafeTensorsError("\(source): tensor '\(name)' is \(t.dtype.rawValue), expected \(dtype.rawValue)") }
        let n = t.bytes.count / MemoryLayout<T>.stride
        return [T](unsafeUninitializedCapacity: n) { buffer, initialized in
            t.bytes.withUnsafeBytes { UnsafeMutableRawBufferPointer(buffer).copyMemory(from: $0) }
            initialized = n
        }
    }

    // MARK: files

    /// Reads and decodes a regular file (a device such as /dev/zero or a pipe is refused: it could be endless).
    public static func read(path: String) throws -> SafeTensors {
        var info = stat()
        guard stat(path, &info) == 0 else { throw SafeTensorsError("\(path): cannot read the file (missing or unreadable)") }
        guard (info.st_mode & S_IFMT) == S_IFREG else {
            throw SafeTensorsError("\(path): not a regular file (a directory, device or pipe), so not a safetensors file")
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw SafeTensorsError("\(path): cannot read the file (missing or unreadable)")
        }
        return try decode(data, source: path)
    }

    public static func decode(_ data: Data, source: String) throws -> SafeTensors {
        func fail(_ message: String) -> SafeTensorsError { SafeTensorsError("\(source): \(message)") }
        guard data.count >= 8 else {
            throw fail("\(data.count) bytes, too short for a safetensors file (an 8-byte header length comes first)")
        }
        let length = data.prefix(8).enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) }
        guard length <= UInt64(maxHeaderLength) else {
            throw fail("header length \(length) is over the \(maxHeaderLength)-byte limit; not a safetensors file, or damaged")
        }
        let headerLength = Int(length)
        guard headerLength <= data.count - 8 else {
            throw fail("header length \(headerLength) runs past the end of the file (\(data.count) bytes): truncated, or not a safetensors file")
        }
        let headerStart = data.startIndex + 8, dataStart = headerStart + headerLength
        let header: HeaderJSON
        do {
            header = try HeaderJSON.parse([UInt8](data[headerStart..<dataStart]))
        } catch {
            throw fail("the JSON header is malformed at byte \(8 + error.offset) of the file: \(error.message)")
        }
        guard case .object(let members) = header else { throw fail("the header is \(header.summary), not a JSON object") }

        var file = SafeTensors()
        var seen = Set<String>(), entries: [Entry] = []
        for (key, value) in members {
            guard seen.insert(key).inserted else { throw fail("the header names '\(key)' twice") }
            if key == "__metadata__" {
                file.metadata = try metadata(value, fail: fail)
            } else {
                entries.append(try Entry(name: key, value, fail: fail))
            }
        }

        // The tensors, in offset order, must tile the data exactly.
        let dataLength = data.count - 8 - headerLength
        entries.sort { ($0.begin, $0.end, $0.name) < ($1.begin, $1.end, $1.name) }
        var covered = 0
        for e in entries {
            let offsets = "data_offsets [\(e.begin), \(e.end)]"
            guard e.begin <= covered else {
                throw fail("bytes \(covered)..<\(e.begin) of the data belong to no tensor (a gap before '\(e.name)', \(offsets))")
            }
            guard e.begin == covered else {
                throw fail("tensor '\(e.name)' \(offsets) overlaps the bytes of the tensor before it (which end at \(covered))")
            }
            guard e.end >= e.begin else { throw fail("tensor '\(e.name)' \(offsets) end before they begin") }
            let (elements, overflow) = e.shape.reduce((1, false)) { acc, d in
                let (p, o) = acc.0.multipliedReportingOverflow(by: d)
                return (p, acc.1 || o)
            }
            let (bytes, overflowBytes) = elements.multipliedReportingOverflow(by: e.dtype.size)
            guard !overflow, !overflowBytes else {
                throw fail("tensor '\(e.name)' has shape \(e.shape): more elements than can be addressed")
            }
            guard bytes == e.end - e.begin else {
                throw fail("tensor '\(e.name)' has shape \(e.shape) of \(e.dtype.rawValue), \(bytes) bytes, but \(offsets) hold \(e.end - e.begin)")
            }
            guard e.end <= dataLength else {
                throw fail("tensor '\(e.name)' \(offsets) runs past the end of the data (\(dataLength) bytes): the file is truncated")
            }
            covered = e.end
        }
        guard covered == dataLength else {
            throw fail("\(dataLength - covered) bytes after the last tensor's data (the tensors cover \(covered) of \(dataLength) bytes)")
        }
        for e in entries {
            file.put(e.name, Tensor(dtype: e.dtype, shape: e.shape, bytes: Data(data[(dataStart + e.begin)..<(dataStart + e.end)])))
        }
        return file
    }

    /// `__metadata__`: null, or an object of string values.
    private static func metadata(_ value: HeaderJSON, fail: (String) -> SafeTensorsError) throws -> [String: String] {
        if case .null = value { return [:] }
        guard case .object(let members) = value else { throw fail("__metadata__ is \(value.summary), not an object of strings") }
        var result: [String: String] = [:]
        for (key, v) in members {
            guard case .string(let s) = v else { throw fail("__metadata__ '\(key)' is \(v.summary), not a string") }
            guard result.updateValue(s, forKey: key) == nil else { throw fail("__metadata__ names '\(key)' twice") }
        }
        return result
    }

    /// One tensor's header entry, checked for its types (the layout is checked across entries).
    private struct Entry {
        let name: String, dtype: DType, shape: [Int], begin: Int, end: Int

        init(name: String, _ value: HeaderJSON, fail: (String) -> SafeTensorsError) throws {
            self.name = name
            func what(_ field: String) -> String { "tensor '\(name)' \(field)" }
            guard case .object(let members) = value else { throw fail("\(what("entry")) is \(value.summary), not an object with dtype, shape and data_offsets") }
            var fields: [String: HeaderJSON] = [:]
            for (key, v) in members {
                guard fields.updateValue(v, forKey: key) == nil else { throw fail("\(what("entry")) names '\(key)' twice") }
            }
            func field(_ key: String) throws -> HeaderJSON {
                guard let v = fields[key] else { throw fail("\(what("entry")) has no '\(key)'") }
                return v
            }
            func integers(_ key: String) throws -> [Int] {
                guard case .array(let elements) = try field(key) else { throw fail("\(what(key)) is \(try field(key).summary), not an array of integers") }
                return try elements.map { element in
                    switch element {
                    case .integer(let v?, _): return v
                    case .integer(nil, let text): throw fail("\(what(key)) holds \(text.count > 40 ? "a \(text.count)-digit number" : text), too large")
                    default: throw fail("\(what(key)) holds \(element.summary), not a non-negative integer")
                    }
                }
            }
            guard case .string(let dtypeName) = try field("dtype") else { throw fail("\(what("dtype")) is \(try field("dtype").summary), not a string") }
            guard let dtype = DType(rawValue: dtypeName) else {
                throw fail("\(what("dtype")) '\(dtypeName)' is not one of \(DType.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            self.dtype = dtype
            shape = try integers("shape")
            let offsets = try integers("data_offsets")
            guard offsets.count == 2 else { throw fail("\(what("data_offsets")) has \(offsets.count) numbers, not [begin, end]") }
            (begin, end) = (offsets[0], offsets[1])
        }
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
