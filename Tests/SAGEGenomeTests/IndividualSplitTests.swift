import Foundation
import Testing
@testable import SAGEGenome

/// `preprocess split`'s library: NumPy's legacy generator and shuffle bit for bit (the expectations were printed by
/// NumPy 2.4: `np.random.seed(s); a = list(range(n)); np.random.shuffle(a)`), SAGE-net's rand_split_arr sizes, the
/// intersection's order.
@Suite struct IndividualSplitTests {
    func shuffled(_ n: Int, seed: UInt32) -> [Int] {
        var a = Array(0..<n), random = NumPyLegacyRandom(seed: seed)
        random.shuffle(&a)
        return a
    }

    @Test func mt19937MatchesNumPy() {
        var reference = NumPyLegacyRandom(seed: 5489)  // MT19937's published first output for its default seed
        #expect(reference.next32() == 3_499_211_612)
        var r = NumPyLegacyRandom(seed: 17)  // np.random.RandomState(17).randint(0, 2**32, 3, dtype=np.uint64)
        #expect([r.next32(), r.next32(), r.next32()] == [1_265_576_559, 780_729_585, 2_278_852_751])
    }

    @Test func shuffleMatchesNumPy() {
        #expect(shuffled(10, seed: 17) == [7, 2, 5, 3, 4, 0, 9, 8, 6, 1])
        #expect(shuffled(40, seed: 17) == [34, 19, 16, 35, 26, 32, 11, 27, 8, 21, 12, 25, 39, 36, 33, 18, 0, 5, 13, 30,
                                          29, 28, 23, 38, 3, 2, 10, 24, 9, 17, 14, 1, 7, 20, 4, 31, 37, 22, 6, 15])
        let thousand = shuffled(1000, seed: 12345)
        #expect(Array(thousand.prefix(8)) == [144, 833, 270, 468, 962, 186, 942, 516] && Array(thousand.suffix(3)) == [285, 485, 482])
        #expect(Array(shuffled(100, seed: 4_294_967_295).prefix(8)) == [92, 36, 80, 77, 31, 6, 69, 20])
        #expect(shuffled(1, seed: 17) == [0] && shuffled(0, seed: 17) == [])
    }

    @Test func randSplitArrSizesAndParts() throws {
        let ids = (1...40).map { String(format: "IND%04d", $0) }
        let split = IndividualSplit(ids, fractions: try SplitFractions(parsing: "0.8,0.1,0.1"), seed: 17)
        let order = shuffled(40, seed: 17).map { ids[$0] }
        #expect(split.train == Array(order[..<32]) && split.val == Array(order[32..<36]) && split.test == Array(order[36...]))
        #expect(Set(split.train + split.val + split.test) == Set(ids))
        // int() truncation as SAGE-net: 7 x 0.7 = 4.9 -> 4 train, 7 x 0.2 = 1.4 -> 1 val, the rest (2) test.
        let seven = IndividualSplit(Array(ids.prefix(7)), fractions: try SplitFractions(parsing: "0.7,0.2,0.1"), seed: 3)
        #expect([seven.train.count, seven.val.count, seven.test.count] == [Int]([4, 1, 2]))
        #expect(IndividualSplit(ids, fractions: try SplitFractions(parsing: "0.8,0.1,0.1"), seed: 18) != split)
    }

    @Test func fractionsAreChecked() {
        for bad in ["0.8,0.1", "0.8,0.1,x", "0.8,0.3,0.1", "1.2,-0.1,-0.1"] {
            #expect(throws: GenomeError.self, "\(bad)") { _ = try SplitFractions(parsing: bad) }
        }
        #expect((try? SplitFractions(parsing: " 1, 0 ,0")) != nil)
    }

    @Test func overlapKeepsTheFirstInputsOrder() {
        let o = IndividualOverlap(["C", "A", "B", "D"], ["B", "E", "C", "F"])
        #expect(o.common == ["C", "B"] && o.onlyFirst == ["A", "D"] && o.onlySecond == ["E", "F"])
    }
}
