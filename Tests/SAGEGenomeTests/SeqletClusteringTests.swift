import Foundation
import Testing
@testable import SAGEGenome

/// Seqlet similarity, clustering and cluster CWMs against SAGE-net's libraries (Fixtures/motifs/seqlet_clusters.json,
/// written and checked by tools/make_motif_fixtures.py: drg_tools' torch_compute_similarity_motifs and combine_pwms
/// ported from sasselab/DRG, scikit-learn's AgglomerativeClustering on the same distances).
@Suite struct SeqletClusteringTests {
    struct Fixture: Decodable {
        let seqlets: [[[Double]]]
        let distance: [[Double]], offsets: [[Int]], revcomp: [[Int]]
        let labels: [String: [Int]], cwms: [String: [[[Double]]]], cwms_rounded: [String: [[[Double]]]]

        static let shared: Fixture = {
            let url = TomtomTests.directory.appendingPathComponent("seqlet_clusters.json")
            return try! JSONDecoder().decode(Fixture.self, from: Data(contentsOf: url))
        }()

        var motifs: [Motif] { seqlets.enumerated().map { Motif(id: "s\($0.offset)", values: $0.element.flatMap { $0 }) } }

        func condensed() -> [Double] {
            let n = distance.count
            var c: [Double] = []
            for i in 0..<n { for j in (i + 1)..<n { c.append(distance[i][j]) } }
            return c
        }
    }

    @Test func distancesOffsetsAndStrandsEqualDrgTools() throws {
        let f = Fixture.shared
        let set = try SeqletSet(f.motifs)
        var worst = 0.0
        for i in 0..<set.count {
            for j in 0..<set.count {
                let a = set.align(i, onto: j)
                #expect(a.offset == f.offsets[i][j] && a.reverse == (f.revcomp[i][j] == 1), "(\(i), \(j)): \(a) vs \(f.offsets[i][j]) \(f.revcomp[i][j])")
                let e = f.distance[i][j]
                worst = max(worst, abs(a.distance - e) / e)
            }
        }
        #expect(worst < 1e-9, "largest relative distance difference \(worst)")
    }

    @Test func studentTMatchesKnownValues() {
        // scipy.stats.t.sf
        #expect(abs(StudentT.survival(2.0, degreesOfFreedom: 10) - 0.03669401738537018) < 1e-15)
        #expect(abs(StudentT.survival(8.0, degreesOfFreedom: 50) / 8.316483014160684e-11 - 1) < 1e-9)
        #expect(StudentT.survival(0, degreesOfFreedom: 7) == 0.5)
    }

    @Test(arguments: ["average_0.05", "average_1e-08", "complete_0.05", "complete_1e-08"])
    func labelsEqualScikitLearn(key: String) throws {
        let f = Fixture.shared
        let parts = key.split(separator: "_")
        var d = f.condensed()
        let labels = SeqletClustering.labels(condensed: &d, n: f.distance.count, linkage: Linkage(rawValue: String(parts[0]))!,
                                             threshold: Double(parts[1])!)
        #expect(labels == f.labels[key]!)
    }

    @Test(arguments: ["average_0.05", "average_1e-08", "complete_0.05", "complete_1e-08"])
    func clusterCWMsEqualCombinePWMs(key: String) throws {
        let f = Fixture.shared
        let motifs = f.motifs
        let set = try SeqletSet(motifs)
        let labels = f.labels[key]!
        let expected = f.cwms[key]!, rounded = f.cwms_rounded[key]!
        #expect(expected.count == Set(labels).count)
        for (u, e) in expected.enumerated() {
            let members = labels.indices.filter { labels[$0] == u }
            let cwm = combineCluster(members, seqlets: motifs, set: set)
            let flat = e.flatMap { $0 }
            #expect(cwm.count == flat.count, "cluster \(u): \(cwm.count / 4) vs \(flat.count / 4) positions")
            guard cwm.count == flat.count else { continue }
            #expect(zip(cwm, flat).allSatisfy { abs($0 - $1) <= 1e-12 }, "cluster \(u)")
            #expect(cwm.map { roundLikeNumPy($0) } == rounded[u].flatMap { $0 }, "cluster \(u) rounded")
        }
    }

    @Test func similaritySumsInPartsGiveTheSameCWM() throws {
        let f = Fixture.shared
        let motifs = f.motifs, set = try SeqletSet(motifs)
        let labels = f.labels["average_0.05"]!
        let big = Dictionary(grouping: labels.indices, by: { labels[$0] }).values.max { $0.count < $1.count }!.sorted()
        let k = big.count
        let sums = clusterSimilaritySums(big, set: set, rows: 0..<(k / 3)) + clusterSimilaritySums(big, set: set, rows: (k / 3)..<k)
        #expect(k > 10)
        #expect(combineCluster(big, seqlets: motifs, set: set, sums: sums) == combineCluster(big, seqlets: motifs, set: set))
    }

    @Test func seqletCWMIsCroppedProjectedAndNormalisedBySageNetsRule() {
        // (4, 6) attribution, reference ACGTNA, seqlet [1, 5): C at 1 holds -2, G at 2 holds +2 (a tie in |.|; NumPy's
        // argmax over the (4, len) crop takes channel C first), T at 3 holds 1, position 4 is N.
        let L = 6
        var a = [Float](repeating: 0.5, count: 4 * L)
        a[1 * L + 1] = -2; a[2 * L + 2] = 2; a[3 * L + 3] = 1; a[0 * L + 4] = 7
        let seq = Array("ACGTNA".utf8)
        let m = seqletCWM(id: "x", attribution: a, sequence: seq, length: L, start: 1, end: 5, zeroCenter: false)!
        #expect(m.length == 4)
        #expect(m.values == [0, 1, 0, 0, /**/ 0, 0, -1, 0, /**/ 0, 0, 0, -0.5, /**/ 0, 0, 0, 0])
        // Zero-centred: each reference value minus the mean of its position's four channels (float32).
        let z = seqletCWM(id: "x", attribution: a, sequence: seq, length: L, start: 1, end: 5, zeroCenter: true)!
        let c1 = Float(-2) - (((Float(0.5) + -2) + 0.5) + 0.5) / 4, c2 = Float(2) - (((Float(0.5) + 0.5) + 2) + 0.5) / 4
        #expect(z[0, 1] == 1 && z[1, 2] == Double(c2 / c1))
        // Nothing on the reference: no CWM.
        #expect(seqletCWM(id: "x", attribution: [Float](repeating: 0, count: 4 * L), sequence: seq, length: L, start: 0, end: 4, zeroCenter: false) == nil)
    }

    @Test func handLinkage() {
        // Four points on a line at 0, 1, 5, 6 (|a - b|): {0, 1} and {2, 3} at 1, then the two at 5 (average) / 6 (complete).
        let x = [0.0, 1, 5, 6]
        var d: [Double] = []
        for i in 0..<4 { for j in (i + 1)..<4 { d.append(abs(x[i] - x[j])) } }
        var copy = d
        let tree = SeqletClustering.linkageTree(&copy, n: 4, linkage: .average)
        #expect(tree.map(\.distance) == [1, 1, 5])
        #expect(tree.last.map { [$0.a, $0.b, $0.size] } == [4, 5, 4])
        copy = d
        #expect(SeqletClustering.labels(condensed: &copy, n: 4, linkage: .complete, threshold: 2) == [1, 1, 0, 0])
        copy = d
        #expect(SeqletClustering.labels(condensed: &copy, n: 4, linkage: .complete, threshold: 7) == [0, 0, 0, 0])
    }
}
