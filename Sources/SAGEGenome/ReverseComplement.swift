// What the model reads of a haplotype: truncated to input_len (keeping the 5' genomic end), then reverse-complemented
// for a minus-strand region (A<->T, C<->G in either case; N and other codes unchanged, as SAGE-net's
// `str.translate` + reverse). N padding to input_len comes last (one-hot encoding, or the store's reader).

/// Reverse complement of `seq`.
public func reverseComplement(_ seq: [UInt8]) -> [UInt8] {
    seq.reversed().map { complementTable[Int($0)] }
}

/// Reverse complement of `seq[0..<count]` in place, as `reverseComplement`.
public func reverseComplementInPlace(_ seq: UnsafeMutablePointer<UInt8>, count: Int) {
    var i = 0, j = count - 1
    while i < j {
        let a = complementTable[Int(seq[i])], b = complementTable[Int(seq[j])]
        seq[i] = b; seq[j] = a
        i += 1; j -= 1
    }
    if i == j { seq[i] = complementTable[Int(seq[i])] }
}

/// `haplotype` as the model sees it before one-hot encoding: truncated to `inputLen`, then reverse-complemented for
/// a minus-strand region when allowed.
public func modelSequence(_ haplotype: [UInt8], inputLen: Int, minusStrand: Bool, allowReverseComplement: Bool = true) -> [UInt8] {
    let truncated = Array(haplotype.prefix(inputLen))
    return minusStrand && allowReverseComplement ? reverseComplement(truncated) : truncated
}

let complementTable: [UInt8] = (0..<256).map { b in
    switch UInt8(b) {
    case UInt8(ascii: "A"): UInt8(ascii: "T")
    case UInt8(ascii: "T"): UInt8(ascii: "A")
    case UInt8(ascii: "C"): UInt8(ascii: "G")
    case UInt8(ascii: "G"): UInt8(ascii: "C")
    case UInt8(ascii: "a"): UInt8(ascii: "t")
    case UInt8(ascii: "t"): UInt8(ascii: "a")
    case UInt8(ascii: "c"): UInt8(ascii: "g")
    case UInt8(ascii: "g"): UInt8(ascii: "c")
    default: UInt8(b)
    }
}
