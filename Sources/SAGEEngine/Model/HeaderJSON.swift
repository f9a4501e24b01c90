// A strict JSON reader for safetensors headers. Foundation's JSONSerialization keeps the last of duplicate keys,
// turns 1280.5 or 1e3 into an Int when asked, and recurses without a bound; a header from a hostile file needs
// none of that. This reader keeps object keys in file order (so duplicates can be refused), tells integers
// (digits only) from other numbers, refuses invalid UTF-8 (anywhere in the text, as the reference does), and
// stops at a small nesting depth.

/// One JSON value of a header. Integers are non-negative digit strings that fit an Int (`nil`: too large);
/// every other number (negative, fractional, exponent) is `.number` with its text, for the error message.
indirect enum HeaderJSON {
    case object([(key: String, value: HeaderJSON)])
    case array([HeaderJSON])
    case string(String)
    case integer(Int?, text: String)
    case number(String)
    case bool(Bool)
    case null

    /// How the value reads in an error message: its kind, and short values themselves.
    var summary: String {
        switch self {
        case .object: "an object"
        case .array: "an array"
        case .string(let s): s.count <= 40 ? "the string \"\(s)\"" : "a string"
        case .integer(_, let text), .number(let text): text.count <= 40 ? text : "a \(text.count)-digit number"
        case .bool(let b): String(b)
        case .null: "null"
        }
    }

    /// Parses `bytes` as exactly one JSON value, with JSON whitespace around it and nothing else.
    /// Errors say what is wrong and at which byte of `bytes`.
    static func parse(_ bytes: [UInt8], maxDepth: Int = 16) throws(HeaderJSONError) -> HeaderJSON {
        try validateUTF8(bytes)
        var reader = Reader(bytes: bytes, maxDepth: maxDepth)
        reader.skipWhitespace()
        let value = try reader.value(depth: 0)
        reader.skipWhitespace()
        guard reader.at == bytes.count else { throw reader.error("unexpected \(reader.describeByte()) after the JSON value") }
        return value
    }

    /// The whole text must be UTF-8 (as the reference requires); the error gives the first bad byte.
    private static func validateUTF8(_ bytes: [UInt8]) throws(HeaderJSONError) {
        var iterator = bytes.makeIterator(), parser = Unicode.UTF8.ForwardParser(), offset = 0
        while true {
            switch parser.parseScalar(from: &iterator) {
            case .valid(let scalar): offset += scalar.count
            case .emptyInput: return
            case .error: throw HeaderJSONError(message: "byte 0x\(String(bytes[offset], radix: 16, uppercase: true)) is not valid UTF-8", offset: offset)
            }
        }
    }

    private struct Reader {
        let bytes: [UInt8]
        let maxDepth: Int
        var at = 0

        func error(_ message: String) -> HeaderJSONError { HeaderJSONError(message: message, offset: at) }

        func describeByte() -> String {
            guard at < bytes.count else { return "end of the header" }
            let b = bytes[at]
            return (0x21...0x7E).contains(b) ? "'\(Character(Unicode.Scalar(b)))'" : "byte 0x\(String(b, radix: 16, uppercase: true))"
        }

        mutating func skipWhitespace() {
            while at < bytes.count, bytes[at] == 0x20 || bytes[at] == 0x09 || bytes[at] == 0x0A || bytes[at] == 0x0D { at += 1 }
        }

        mutating func value(depth: Int) throws(HeaderJSONError) -> HeaderJSON {
            guard at < bytes.count else { throw error("the header ends where a value should be") }
            switch bytes[at] {
            case UInt8(ascii: "{"): return try object(depth: depth + 1)
            case UInt8(ascii: "["): return try array(depth: depth + 1)
            case UInt8(ascii: "\""): return .string(try string())
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try number()
            case UInt8(ascii: "t"): try literal("true"); return .bool(true)
            case UInt8(ascii: "f"): try literal("false"); return .bool(false)
            case UInt8(ascii: "n"): try literal("null"); return .null
            default: throw error("unexpected \(describeByte()) where a value should be")
            }
        }

        mutating func literal(_ word: String) throws(HeaderJSONError) {
            for expected in word.utf8 {
                guard at < bytes.count, bytes[at] == expected else { throw error("unexpected \(describeByte()) in '\(word)'") }
                at += 1
            }
        }

        mutating func object(depth: Int) throws(HeaderJSONError) -> HeaderJSON {
            guard depth <= maxDepth else { throw error("nested deeper than \(maxDepth) levels") }
            at += 1
            var members: [(key: String, value: HeaderJSON)] = []
            skipWhitespace()
            if at < bytes.count, bytes[at] == UInt8(ascii: "}") { at += 1; return .object(members) }
            while true {
                skipWhitespace()
                guard at < bytes.count, bytes[at] == UInt8(ascii: "\"") else { throw error("unexpected \(describeByte()) where a key should be") }
                let key = try string()
                skipWhitespace()
                guard at < bytes.count, bytes[at] == UInt8(ascii: ":") else { throw error("unexpected \(describeByte()) after key \"\(key)\" (expected ':')") }
                at += 1
                skipWhitespace()
                members.append((key, try value(depth: depth)))
                skipWhitespace()
                guard at < bytes.count else { throw error("the header ends inside an object") }
                if bytes[at] == UInt8(ascii: "}") { at += 1; return .object(members) }
                guard bytes[at] == UInt8(ascii: ",") else { throw error("unexpected \(describeByte()) in an object (expected ',' or '}')") }
                at += 1
            }
        }

        mutating func array(depth: Int) throws(HeaderJSONError) -> HeaderJSON {
            guard depth <= maxDepth else { throw error("nested deeper than \(maxDepth) levels") }
            at += 1
            var elements: [HeaderJSON] = []
            skipWhitespace()
            if at < bytes.count, bytes[at] == UInt8(ascii: "]") { at += 1; return .array(elements) }
            while true {
                skipWhitespace()
                elements.append(try value(depth: depth))
                skipWhitespace()
                guard at < bytes.count else { throw error("the header ends inside an array") }
                if bytes[at] == UInt8(ascii: "]") { at += 1; return .array(elements) }
                guard bytes[at] == UInt8(ascii: ",") else { throw error("unexpected \(describeByte()) in an array (expected ',' or ']')") }
                at += 1
            }
        }

        /// A string from its opening quote, escapes decoded.
        mutating func string() throws(HeaderJSONError) -> String {
            let start = at
            at += 1
            var utf8: [UInt8] = []
            while true {
                guard at < bytes.count else { at = start; throw error("a string is not closed") }
                let b = bytes[at]
                if b == UInt8(ascii: "\"") { at += 1; break }
                if b < 0x20 { throw error("a control character (byte 0x\(String(b, radix: 16, uppercase: true))) inside a string") }
                if b != UInt8(ascii: "\\") { utf8.append(b); at += 1; continue }
                at += 1
                guard at < bytes.count else { throw error("a string ends inside an escape") }
                let e = bytes[at]
                at += 1
                switch e {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): utf8.append(e)
                case UInt8(ascii: "b"): utf8.append(0x08)
                case UInt8(ascii: "f"): utf8.append(0x0C)
                case UInt8(ascii: "n"): utf8.append(0x0A)
                case UInt8(ascii: "r"): utf8.append(0x0D)
                case UInt8(ascii: "t"): utf8.append(0x09)
                case UInt8(ascii: "u"):
                    var scalar = try hex4()
                    if (0xD800..<0xDC00).contains(scalar) {   // a high surrogate must be followed by \u and a low one
                        guard at + 1 < bytes.count, bytes[at] == UInt8(ascii: "\\"), bytes[at + 1] == UInt8(ascii: "u") else {
                            throw error("an unpaired UTF-16 surrogate escape in a string")
                        }
                        at += 2
                        let low = try hex4()
                        guard (0xDC00..<0xE000).contains(low) else { throw error("an unpaired UTF-16 surrogate escape in a string") }
                        scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                    }
                    guard let u = Unicode.Scalar(scalar) else { throw error("an unpaired UTF-16 surrogate escape in a string") }
                    utf8.append(contentsOf: String(Character(u)).utf8)
                default:
                    at -= 1
                    throw error("an invalid escape \\\(describeByte()) in a string")
                }
            }
            return String(decoding: utf8, as: UTF8.self)   // valid: the text was checked; \u escapes are scalars
        }

        mutating func hex4() throws(HeaderJSONError) -> UInt32 {
            var value: UInt32 = 0
            for _ in 0..<4 {
                guard at < bytes.count, let digit = hexValue(bytes[at]) else { throw error("\\u needs four hex digits") }
                value = value << 4 | digit
                at += 1
            }
            return value
        }

        func hexValue(_ b: UInt8) -> UInt32? {
            switch b {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): UInt32(b - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): UInt32(b - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): UInt32(b - UInt8(ascii: "A") + 10)
            default: nil
            }
        }

        /// JSON's number grammar: -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?
        mutating func number() throws(HeaderJSONError) -> HeaderJSON {
            let start = at
            func isDigit(_ i: Int) -> Bool { i < bytes.count && (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[i]) }
            func text() -> String { String(decoding: bytes[start..<at], as: UTF8.self) }
            var integral = true
            if bytes[at] == UInt8(ascii: "-") { integral = false; at += 1 }
            guard isDigit(at) else { throw error("a number needs a digit here") }
            if bytes[at] == UInt8(ascii: "0") {
                at += 1
                if isDigit(at) { throw error("a number with a leading zero") }
            } else {
                while isDigit(at) { at += 1 }
            }
            if at < bytes.count, bytes[at] == UInt8(ascii: ".") {
                integral = false
                at += 1
                guard isDigit(at) else { throw error("a number needs a digit after '.'") }
                while isDigit(at) { at += 1 }
            }
            if at < bytes.count, bytes[at] == UInt8(ascii: "e") || bytes[at] == UInt8(ascii: "E") {
                integral = false
                at += 1
                if at < bytes.count, bytes[at] == UInt8(ascii: "+") || bytes[at] == UInt8(ascii: "-") { at += 1 }
                guard isDigit(at) else { throw error("a number needs a digit in its exponent") }
                while isDigit(at) { at += 1 }
            }
            guard integral else { return .number(text()) }
            var value = 0
            for i in start..<at {
                let (times10, o1) = value.multipliedReportingOverflow(by: 10)
                let (sum, o2) = times10.addingReportingOverflow(Int(bytes[i] - UInt8(ascii: "0")))
                if o1 || o2 { return .integer(nil, text: text()) }
                value = sum
            }
            return .integer(value, text: text())
        }
    }
}

struct HeaderJSONError: Error {
    let message: String
    /// Byte offset in the parsed text.
    let offset: Int
}
