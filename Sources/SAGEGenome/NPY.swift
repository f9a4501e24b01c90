import Foundation

/// A NumPy array as a `.npy` file holds it: little-endian float32 or float64, C order, any shape (0-d included).
///
/// Format (numpy.lib.format): the magic "\x93NUMPY", a major and a minor version byte, the header length
/// (uint16 little-endian in version 1, uint32 in versions 2 and 3), then the header, a Python dict literal
/// `{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }` padded with spaces to a multiple of 64 bytes
/// (16 in old files) and ended by "\n" (ASCII in versions 1 and 2, UTF-8 in 3), then the values.
///
/// Reading accepts what NumPy writes for these dtypes and nothing else: a Fortran-order or big-endian file, any
/// other dtype (integers, float16, structured, object), a damaged header, or data shorter or longer than the
/// shape says are each one `GenomeError` naming the file and what to do.
public struct NPYArray: Sendable, Equatable {
    public enum DType: String, Sendable { case float32 = "<f4", float64 = "<f8" }
    public enum Values: Sendable, Equatable { case float32([Float]), float64([Double]) }

    public let shape: [Int]
    public let values: Values

    public var dtype: DType { if case .float32 = values { return .float32 }; return .float64 }
    /// Number of elements: the product of the shape (1 for a 0-d array).
    public var count: Int { shape.reduce(1, *) }

    /// `values` in C order; `values`' count must be the product of `shape`.
    public init(shape: [Int], values: Values) {
        let n: Int
        switch values { case .float32(let v): n = v.count; case .float64(let v): n = v.count }
        precondition(shape.allSatisfy { $0 >= 0 } && shape.reduce(1, *) == n, "NPYArray: \(n) values do not fill shape \(shape)")
        self.shape = shape
        self.values = values
    }

    /// The values as Double, in C order.
    public var doubles: [Double] {
        switch values {
        case .float32(let v): return v.map(Double.init)
        case .float64(let v): return v
        }
    }
}

public enum NPY {
    static let magic: [UInt8] = [0x93] + Array("NUMPY".utf8)
    /// Header sizes we accept before parsing them: NumPy's own headers are under a few hundred bytes; its loader
    /// refuses headers over 10,000 bytes by default.
    static let maxHeaderBytes = 1 << 16

    /// Reads a `.npy` file (memory-mapped while it is decoded). Errors name `path`.
    public static func read(path: String) throws -> NPYArray {
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path), options: .alwaysMapped) } catch {
            let reason = FileManager.default.fileExists(atPath: path) ? "cannot read it" : "no such file"
            throw GenomeError("\(path): \(reason)")
        }
        return try decode(data, file: path)
    }

    /// What the preamble and header of a `.npy` file say; `count` (the product of the shape) is overflow-checked.
    struct Header { let descr: String, fortranOrder: Bool, shape: [Int], count: Int, dataOffset: Int }

    static func damaged(_ file: String, _ why: String) -> GenomeError {
        GenomeError("\(file): \(why); is it a .npy file written by numpy.save? (the file is damaged or of another format)")
    }

    static func header(_ data: Data, file: String) throws -> Header {
        func fail(_ why: String) -> GenomeError { GenomeError("\(file): \(why)") }
        guard data.count >= 10, data.prefix(6).elementsEqual(magic) else { throw damaged(file, "not a NumPy .npy file (no \\x93NUMPY magic)") }
        let base = data.startIndex
        let major = data[base + 6]
        let headerStart: Int, headerLength: Int
        switch major {
        case 1:
            headerStart = 10
            headerLength = Int(data[base + 8]) | Int(data[base + 9]) << 8
        case 2, 3:
            guard data.count >= 12 else { throw damaged(file, "truncated in the header length") }
            headerStart = 12
            headerLength = (0..<4).reduce(0) { $0 | Int(data[base + 8 + $1]) << (8 * $1) }
        default:
            throw damaged(file, "NPY format version \(major).\(data[base + 7]) is not one NumPy writes (1, 2 or 3)")
        }
        guard headerLength <= maxHeaderBytes else { throw damaged(file, "header length \(headerLength) bytes is implausible (NumPy writes a few hundred)") }
        guard data.count >= headerStart + headerLength else {
            throw fail("truncated: the header says \(headerLength) bytes, the file has \(data.count - headerStart) after the preamble")
        }
        let headerBytes = data[(base + headerStart)..<(base + headerStart + headerLength)]
        guard let text = major == 3 ? String(bytes: headerBytes, encoding: .utf8)
                                    : (headerBytes.allSatisfy { $0 < 0x80 } ? String(decoding: headerBytes, as: UTF8.self) : nil)
        else { throw damaged(file, "the header is not \(major == 3 ? "UTF-8" : "ASCII") text") }
        let fields = try parseHeader(text, fail: fail)
        var count = 1
        for d in fields.shape {
            let (product, overflow) = count.multipliedReportingOverflow(by: d)
            guard !overflow, product <= Int.max / 8 else { throw fail("shape \(shapeText(fields.shape)) is implausibly large; the header is damaged") }
            count = product
        }
        return Header(descr: fields.descr, fortranOrder: fields.fortranOrder, shape: fields.shape, count: count, dataOffset: headerStart + headerLength)
    }

    /// Decodes the bytes of a `.npy` file; `file` names it in errors.
    public static func decode(_ data: Data, file: String) throws -> NPYArray {
        func fail(_ why: String) -> GenomeError { GenomeError("\(file): \(why)") }
        let h = try header(data, file: file)
        let count = h.count, base = data.startIndex
        guard let dtype = NPYArray.DType(rawValue: h.descr) else {
            switch h.descr {
            case ">f4", ">f8": throw fail("big-endian \(h.descr) values; save a little-endian copy (numpy: a.astype('<f\(h.descr.last!)')) and try again")
            default: throw fail("dtype '\(h.descr)' is not float32 or float64 ('<f4' or '<f8'); save the array as one (numpy: a.astype(np.float32))")
            }
        }
        if h.fortranOrder {
            throw fail("Fortran-order array; save a C-order copy (numpy: np.save(path, np.ascontiguousarray(a))) and try again")
        }
        try checkLength(data, h, itemSize: dtype == .float32 ? 4 : 8, file: file)
        let start = base + h.dataOffset
        let values: NPYArray.Values = data.withUnsafeBytes { raw in
            let bytes = UnsafeRawBufferPointer(rebasing: raw[(start - base)...])
            switch dtype {
            case .float32:
                return .float32((0..<count).map { Float(bitPattern: UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: 4 * $0, as: UInt32.self))) })
            case .float64:
                return .float64((0..<count).map { Double(bitPattern: UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: 8 * $0, as: UInt64.self))) })
            }
        }
        return NPYArray(shape: h.shape, values: values)
    }

    /// The data after the header must be exactly `count` items of `itemSize` bytes.
    static func checkLength(_ data: Data, _ h: Header, itemSize: Int, file: String) throws {
        let available = data.count - h.dataOffset
        let (expected, overflow) = h.count.multipliedReportingOverflow(by: itemSize)
        guard !overflow, available == expected else {
            let what = overflow || available < expected ? "truncated" : "longer than its header says"
            throw GenomeError("\(file): \(what): shape \(shapeText(h.shape)) of \(h.descr) needs \(overflow ? "more" : "\(expected)") bytes of data, the file has \(available)")
        }
    }

    /// Reads a 1-d array of strings as `numpy.save` writes a `str` array (dtype '<U{n}': n UTF-32LE code units per
    /// item, NUL-padded), e.g. SAGE-net's `sub_list.npy`. Another dtype (an `object` array is pickled), another
    /// shape, or a damaged file is one error naming `path`.
    public static func readStrings(path: String) throws -> [String] {
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path), options: .alwaysMapped) } catch {
            throw GenomeError("\(path): \(FileManager.default.fileExists(atPath: path) ? "cannot read it" : "no such file")")
        }
        let h = try header(data, file: path)
        guard h.descr.hasPrefix("<U"), let width = Int(h.descr.dropFirst(2)), (1...1 << 16).contains(width) else {
            throw GenomeError("\(path): dtype '\(h.descr)' is not a NumPy string array ('<U'); save the ids as one (numpy: np.save(path, np.array(ids, dtype=str)))")
        }
        guard h.shape.count == 1, !h.fortranOrder else { throw GenomeError("\(path): shape \(shapeText(h.shape)); a list of ids is 1-d") }
        try checkLength(data, h, itemSize: 4 * width, file: path)
        return try data.withUnsafeBytes { raw in
            try (0..<h.count).map { k in
                var scalars = String.UnicodeScalarView()
                for u in 0..<width {
                    let code = UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: h.dataOffset + 4 * (k * width + u), as: UInt32.self))
                    if code == 0 { break }
                    guard let scalar = Unicode.Scalar(code) else { throw GenomeError("\(path): item \(k) holds \(code), not a Unicode character; the file is damaged") }
                    scalars.append(scalar)
                }
                return String(scalars)
            }
        }
    }

    /// The bytes of a version 1.0 `.npy` file holding `array`, as `numpy.save` writes it (header padded to 64 bytes).
    public static func encode(_ array: NPYArray) -> Data {
        var data = preamble(descr: array.dtype.rawValue, shape: array.shape)
        switch array.values {
        case .float32(let v): v.map { $0.bitPattern.littleEndian }.withUnsafeBytes { data.append(contentsOf: $0) }
        case .float64(let v): v.map { $0.bitPattern.littleEndian }.withUnsafeBytes { data.append(contentsOf: $0) }
        }
        return data
    }

    /// The bytes of a version 1.0 `.npy` file of a 1-d string array (dtype '<U{longest}'), as `numpy.save` writes
    /// `np.array(strings)`.
    public static func encodeStrings(_ strings: [String]) -> Data {
        let width = max(1, strings.map { $0.unicodeScalars.count }.max() ?? 1)
        var codes = [UInt32](repeating: 0, count: strings.count * width)
        for (k, s) in strings.enumerated() { for (u, scalar) in s.unicodeScalars.enumerated() { codes[k * width + u] = scalar.value.littleEndian } }
        var data = preamble(descr: "<U\(width)", shape: [strings.count])
        codes.withUnsafeBytes { data.append(contentsOf: $0) }
        return data
    }

    /// Magic, version 1.0, header length and the header padded to 64 bytes with a final newline.
    static func preamble(descr: String, shape: [Int]) -> Data {
        var header = "{'descr': '\(descr)', 'fortran_order': False, 'shape': \(shapeText(shape)), }"
        header += String(repeating: " ", count: (64 - (10 + header.utf8.count + 1) % 64) % 64) + "\n"
        let length = UInt16(header.utf8.count)
        return Data(magic + [1, 0, UInt8(length & 0xFF), UInt8(length >> 8)] + Array(header.utf8))
    }

    /// A shape as Python writes a tuple: `()`, `(5,)`, `(2, 3)`.
    public static func shapeText(_ shape: [Int]) -> String {
        shape.count == 1 ? "(\(shape[0]),)" : "(" + shape.map(String.init).joined(separator: ", ") + ")"
    }

    /// The three keys of a header dict literal; anything else (another key, a missing one, a bad literal) throws.
    static func parseHeader(_ text: String, fail: (String) -> GenomeError) throws -> (descr: String, fortranOrder: Bool, shape: [Int]) {
        var s = Substring(text)
        func skipSpace() { s = s.drop { $0 == " " || $0 == "\n" || $0 == "\t" || $0 == "\r" } }
        func expect(_ c: Character) throws {
            skipSpace()
            guard s.first == c else { throw fail("the header \(quoted(text)) is not a NumPy header dict (expected '\(c)'); the file is damaged") }
            s = s.dropFirst()
        }
        func string() throws -> String {
            skipSpace()
            guard let q = s.first, q == "'" || q == "\"" else { throw fail("the header \(quoted(text)) is not a NumPy header dict (expected a string); the file is damaged") }
            s = s.dropFirst()
            guard let end = s.firstIndex(of: q) else { throw fail("the header \(quoted(text)) has an unterminated string; the file is damaged") }
            defer { s = s[s.index(after: end)...] }
            return String(s[..<end])
        }
        var descr: String?, fortran: Bool?, shape: [Int]?
        try expect("{")
        while true {
            skipSpace()
            if s.first == "}" { s = s.dropFirst(); break }
            let key = try string()
            try expect(":")
            skipSpace()
            switch key {
            case "descr":
                guard s.first == "'" || s.first == "\"" else {
                    throw fail("a structured dtype (descr is not one type); save a plain float32 or float64 array")
                }
                descr = try string()
            case "fortran_order":
                if s.hasPrefix("True") { fortran = true; s = s.dropFirst(4) } else if s.hasPrefix("False") { fortran = false; s = s.dropFirst(5) } else {
                    throw fail("fortran_order in the header \(quoted(text)) is neither True nor False; the file is damaged")
                }
            case "shape":
                try expect("(")
                var dims: [Int] = []
                while true {
                    skipSpace()
                    if s.first == ")" { s = s.dropFirst(); break }
                    let digits = s.prefix { $0.isASCII && $0.isNumber }
                    guard !digits.isEmpty, digits.count <= 18, let d = Int(digits) else {
                        throw fail("the shape in the header \(quoted(text)) is not a tuple of sizes; the file is damaged")
                    }
                    dims.append(d)
                    s = s.dropFirst(digits.count)
                    skipSpace()
                    if s.first == "," { s = s.dropFirst() } else if s.first != ")" {
                        throw fail("the shape in the header \(quoted(text)) is not a tuple of sizes; the file is damaged")
                    }
                }
                shape = dims
            default:
                throw fail("unexpected key '\(key)' in the header \(quoted(text)); the file is damaged or not a NumPy array")
            }
            skipSpace()
            if s.first == "," { s = s.dropFirst() } else if s.first != "}" {
                throw fail("the header \(quoted(text)) is not a NumPy header dict; the file is damaged")
            }
        }
        skipSpace()
        guard s.isEmpty, let descr, let fortran, let shape else {
            throw fail("the header \(quoted(text)) lacks descr, fortran_order or shape; the file is damaged")
        }
        return (descr, fortran, shape)
    }

    static func quoted(_ text: String) -> String {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        let shown = trimmed.count > 120 ? trimmed.prefix(120) + "..." : Substring(trimmed)
        return "\"" + shown.map { $0.isASCII && !$0.isNewline && ($0.asciiValue ?? 0) >= 32 ? String($0) : "?" }.joined() + "\""
    }
}
