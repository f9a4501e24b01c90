/// CRC-32C (Castagnoli; reflected polynomial 0x82F63B78, initial value and final xor 0xFFFFFFFF; the check value
/// of "123456789" is 0xE3069283), slice-by-8: eight bytes per step through eight 256-entry tables. Feed bytes in
/// any number of `update` calls; `value` is the checksum of everything fed so far.
public struct CRC32C: Sendable {
    private var state: UInt32 = 0xFFFF_FFFF
    public init() {}

    public var value: UInt32 { ~state }

    /// The checksum of `bytes` in one call.
    public static func checksum(_ bytes: UnsafeRawBufferPointer) -> UInt32 {
        var crc = CRC32C()
        crc.update(bytes)
        return crc.value
    }

    public mutating func update(_ bytes: UnsafeRawBufferPointer) {
        guard var p = bytes.baseAddress, !bytes.isEmpty else { return }
        var n = bytes.count
        var crc = state
        crc32cTables.withUnsafeBufferPointer { tables in
            let t = tables.baseAddress!
            while n >= 8 {
                let word = UInt64(littleEndian: p.loadUnaligned(as: UInt64.self))
                let lo = UInt32(truncatingIfNeeded: word) ^ crc, hi = UInt32(truncatingIfNeeded: word >> 32)
                crc = t[7 * 256 + Int(lo & 0xFF)] ^ t[6 * 256 + Int((lo >> 8) & 0xFF)]
                    ^ t[5 * 256 + Int((lo >> 16) & 0xFF)] ^ t[4 * 256 + Int(lo >> 24)]
                    ^ t[3 * 256 + Int(hi & 0xFF)] ^ t[2 * 256 + Int((hi >> 8) & 0xFF)]
                    ^ t[1 * 256 + Int((hi >> 16) & 0xFF)] ^ t[Int(hi >> 24)]
                p += 8; n -= 8
            }
            while n > 0 {
                crc = t[Int((crc ^ UInt32(p.load(as: UInt8.self))) & 0xFF)] ^ (crc >> 8)
                p += 1; n -= 1
            }
        }
        state = crc
    }

    public mutating func update(_ bytes: [UInt8]) { bytes.withUnsafeBytes { update($0) } }

    /// `value` as 8 lowercase hex digits, as the store manifest records it.
    public static func hex(_ value: UInt32) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: 8 - digits.count) + digits
    }
}

/// Table k (entries k*256 ..< (k+1)*256): the CRC of a byte followed by k zero bytes.
let crc32cTables: [UInt32] = {
    var t = [UInt32](repeating: 0, count: 8 * 256)
    for b in 0..<256 {
        var c = UInt32(b)
        for _ in 0..<8 { c = c & 1 != 0 ? (c >> 1) ^ 0x82F6_3B78 : c >> 1 }
        t[b] = c
    }
    for k in 1..<8 {
        for b in 0..<256 { t[k * 256 + b] = (t[(k - 1) * 256 + b] >> 8) ^ t[Int(t[(k - 1) * 256 + b] & 0xFF)] }
    }
    return t
}()
