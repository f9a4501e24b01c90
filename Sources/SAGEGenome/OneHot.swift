/// One-hot encoding as SAGE-net's `onehot_encoding`: out (4, L) channel-major, channels A, C, G, T.
/// A/C/G/T (either case) -> 1 in their channel; N/n -> 0.25 in all four; any other code (IUPAC, '*') -> all zeros;
/// positions at or beyond the sequence's length -> 0.25 (N padding at the end). The sequence must not exceed L.
public func oneHotEncode(_ sequence: UnsafeBufferPointer<UInt8>, into out: UnsafeMutablePointer<Float>, length L: Int) {
    precondition(sequence.count <= L, "oneHotEncode: sequence of \(sequence.count) bases exceeds length \(L)")
    let a = out, c = out + L, g = out + 2 * L, t = out + 3 * L
    oneHotTable.withUnsafeBufferPointer { table in
        for i in 0..<sequence.count {
            let v = table[Int(sequence[i])]
            a[i] = v.x; c[i] = v.y; g[i] = v.z; t[i] = v.w
        }
    }
    for row in [a, c, g, t] { (row + sequence.count).update(repeating: 0.25, count: L - sequence.count) }
}

/// The (A, C, G, T) values of each byte.
let oneHotTable: [SIMD4<Float>] = (0..<256).map { b in
    switch UInt8(b) | 0x20 {
    case UInt8(ascii: "a"): SIMD4(1, 0, 0, 0)
    case UInt8(ascii: "c"): SIMD4(0, 1, 0, 0)
    case UInt8(ascii: "g"): SIMD4(0, 0, 1, 0)
    case UInt8(ascii: "t"): SIMD4(0, 0, 0, 1)
    case UInt8(ascii: "n"): SIMD4(repeating: 0.25)
    default: SIMD4(repeating: 0)
    }
}
