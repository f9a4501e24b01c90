/// One-hot encoding as SAGE-net's `onehot_encoding`: out (4, L) channel-major, channels A, C, G, T.
/// A/C/G/T (either case) -> 1 in their channel; N/n -> 0.25 in all four; any other code (IUPAC, '*') -> all zeros;
/// positions at or beyond the sequence's length -> 0.25 (N padding at the end). The sequence must not exceed L.
public func oneHotEncode(_ sequence: UnsafeBufferPointer<UInt8>, into out: UnsafeMutablePointer<Float>, length L: Int) {
    precondition(sequence.count <= L, "oneHotEncode: sequence of \(sequence.count) bases exceeds length \(L)")
    out.update(repeating: 0, count: 4 * L)
    for t in 0..<L {
        let base = t < sequence.count ? sequence[t] | 0x20 : UInt8(ascii: "n")  // lower-case
        switch base {
        case UInt8(ascii: "a"): out[t] = 1
        case UInt8(ascii: "c"): out[L + t] = 1
        case UInt8(ascii: "g"): out[2 * L + t] = 1
        case UInt8(ascii: "t"): out[3 * L + t] = 1
        case UInt8(ascii: "n"): out[t] = 0.25; out[L + t] = 0.25; out[2 * L + t] = 0.25; out[3 * L + t] = 0.25
        default: break
        }
    }
}
