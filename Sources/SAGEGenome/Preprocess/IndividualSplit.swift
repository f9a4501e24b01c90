import Foundation

/// The individuals two inputs share, in the order of the first (the VCF's samples or a list), and those only one has.
public struct IndividualOverlap: Sendable, Equatable {
    public let common: [String]
    public let onlyFirst: [String]
    public let onlySecond: [String]

    public init(_ first: [String], _ second: [String]) {
        let a = Set(first), b = Set(second)
        common = first.filter(b.contains)
        onlyFirst = first.filter { !b.contains($0) }
        onlySecond = second.filter { !a.contains($0) }
    }
}

/// Train, validation and test fractions (each in [0, 1], summing to 1).
public struct SplitFractions: Sendable, Equatable {
    public let train: Double, val: Double, test: Double

    /// Parses "0.8,0.1,0.1"; errors name the flag and what is wrong.
    public init(parsing text: String) throws {
        let values = text.split(separator: ",", omittingEmptySubsequences: false).map { Double($0.trimmingCharacters(in: .whitespaces)) }
        guard values.count == 3, let train = values[0], let val = values[1], let test = values[2] else {
            throw GenomeError("--fractions '\(text)': give three numbers train,val,test, e.g. 0.8,0.1,0.1")
        }
        guard [train, val, test].allSatisfy({ $0 >= 0 && $0 <= 1 }), abs(train + val + test - 1) < 1e-6 else {
            throw GenomeError("--fractions '\(text)': each must be in [0, 1] and they must sum to 1")
        }
        self.train = train; self.val = val; self.test = test
    }
}

/// Three disjoint lists whose union is the input.
public struct IndividualSplit: Sendable, Equatable {
    public let train: [String], val: [String], test: [String]

    /// SAGE-net's `rand_split_arr(arr, seed, train_frac, val_frac)`: `np.random.seed(seed)`, `np.random.shuffle`
    /// of the list, then the first int(n * train) are train, the next int(n * val) validation and the rest test
    /// (so the test fraction only takes what is left). The same seed and list give SAGE-net's parts exactly.
    public init(_ individuals: [String], fractions: SplitFractions, seed: UInt32) {
        var shuffled = individuals
        var random = NumPyLegacyRandom(seed: seed)
        random.shuffle(&shuffled)
        let n = Double(shuffled.count)
        let trainCount = Int(n * fractions.train), valCount = min(Int(n * fractions.val), shuffled.count - Int(n * fractions.train))
        train = Array(shuffled[..<trainCount])
        val = Array(shuffled[trainCount..<(trainCount + valCount)])
        test = Array(shuffled[(trainCount + valCount)...])
    }
}
