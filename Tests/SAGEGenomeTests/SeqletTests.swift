import Foundation
import Testing
@testable import SAGEGenome

/// SeqletCaller against tangermeme's recursive_seqlets (Fixtures/seqlets.json, written by
/// tools/make_seqlet_fixtures.py after checking tangermeme against a brute-force re-computation): the same
/// starts and ends, the same p-values bit for bit, and attributions to 1e-9, on random, real-looking and edge tracks.
@Suite struct SeqletTests {
    struct Case: Decodable {
        let name: String, threshold: Double, min_len: Int, max_len: Int, flanks: Int, n_bins: Int
        let track: [Double]
        let seqlets: [Row]
    }
    struct Row: Decodable { let start: Int, end: Int, attribution: Double, p_value: Double }
    struct File: Decodable { let cases: [Case] }

    static let cases: [String: Case] = {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/seqlets.json")
        let file = try! JSONDecoder().decode(File.self, from: Data(contentsOf: url))
        return Dictionary(uniqueKeysWithValues: file.cases.map { ($0.name, $0) })
    }()

    static func call(_ c: Case) -> [Seqlet] {
        let settings = SeqletSettings(threshold: c.threshold, minLength: c.min_len, maxLength: c.max_len, bins: c.n_bins, flanks: c.flanks)
        let track = c.track.map { Float($0) }  // float32 values written as exact doubles
        return track.withUnsafeBufferPointer { SeqletCaller(settings: settings).call($0) }
    }

    @Test(arguments: cases.keys.sorted())
    func matchesTangermeme(name: String) throws {
        let c = Self.cases[name]!
        let ours = Self.call(c)
        #expect(ours.count == c.seqlets.count, "\(name): \(ours.count) seqlets, tangermeme \(c.seqlets.count)")
        for (a, e) in zip(ours, c.seqlets) {
            #expect(a.start == e.start && a.end == e.end, "\(name): [\(a.start), \(a.end)) vs tangermeme [\(e.start), \(e.end))")
            #expect(a.pValue == e.p_value, "\(name): p \(a.pValue) vs \(e.p_value)")  // bit for bit
            #expect(abs(a.attribution - e.attribution) <= 1e-9 * max(1, abs(e.attribution)), "\(name): attribution \(a.attribution) vs \(e.attribution)")
        }
    }

    /// The fixtures exercise what they claim to: seqlets are found where expected, none where none are.
    @Test func fixturesCoverTheEdges() {
        #expect(Self.cases.count >= 15)
        for name in ["shorter-than-min-len", "no-seqlet", "constant"] { #expect(Self.cases[name]?.seqlets.isEmpty == true, "\(name)") }
        for name in ["bumps", "bumps-flanks2", "ties", "shorter-than-max-len-bump", "edge-bumps-flanks2"] {
            #expect(Self.cases[name]?.seqlets.isEmpty == false, "\(name)")
        }
        // Flanks clamp at both ends of the track.
        let edge = Self.cases["edge-bumps-flanks2"]!
        #expect(edge.seqlets.contains { $0.start == 0 } && edge.seqlets.contains { $0.end == edge.track.count })
    }

    /// A caller reused across tracks of different lengths gives what a fresh caller gives.
    @Test func reuseAcrossTracks() {
        let names = ["bumps", "random-normal", "shorter-than-max-len-bump", "bumps"]
        let caller = SeqletCaller()
        for name in names {
            let c = Self.cases[name]!
            guard c.n_bins == 1000, c.max_len == 25, c.min_len == 4, c.flanks == 0, c.threshold == 0.05 else { continue }
            let track = c.track.map { Float($0) }
            #expect(track.withUnsafeBufferPointer { caller.call($0) } == Self.call(c), "\(name)")
        }
    }

    /// The null built from its tails gives what the full null gives, bit for bit, on every fixture track and on
    /// long real-looking, Laplace, spiky and skewed tracks, with thresholds from 0.001 to 0.99; and where the tail
    /// estimates are made to miss (3 sds above the mean instead of 1 below), the check catches every miss and the
    /// full rebuild gives the same bits again.
    @Test(arguments: [1.0, -3.0])
    func tailNullEqualsFullNull(estimateSDs: Double) {
        var state: UInt64 = 0x5EED
        func unit() -> Double {  // SplitMix64 in [0, 1)
            state &+= 0x9E3779B97F4A7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58476D1CE4E5B9
            z = (z ^ (z >> 27)) &* 0x94D049BB133111EB
            return Double((z ^ (z >> 31)) >> 11) * 0x1p-53
        }
        var tracks: [[Float]] = Self.cases.keys.sorted().map { Self.cases[$0]!.track.map { Float($0) } }
        tracks.append((0..<5000).map { i in Float(0.05 * (unit() - 0.5) + (i % 500 < 12 ? 0.8 : 0)) })  // bumps
        tracks.append((0..<3000).map { _ in Float(-log(1 - unit())) * (unit() < 0.5 ? -1 : 1) })  // Laplace
        tracks.append((0..<3000).map { _ in Float(unit() < 0.01 ? 100 : 0) })  // rare spikes
        tracks.append((0..<3000).map { _ in Float(pow(unit(), 8)) })  // skewed
        for threshold in [0.001, 0.05, 0.3, 0.99] {
            let settings = SeqletSettings(threshold: threshold)
            let tails = SeqletCaller(settings: settings), full = SeqletCaller(settings: settings)
            tails.tailEstimateSDs = estimateSDs
            full.truncatesNull = false
            for (n, track) in tracks.enumerated() {
                let a = track.withUnsafeBufferPointer { tails.call($0) }, b = track.withUnsafeBufferPointer { full.call($0) }
                #expect(a == b, "track \(n), threshold \(threshold)")
                #expect(a.map(\.pValue.bitPattern) == b.map(\.pValue.bitPattern), "track \(n), threshold \(threshold)")
            }
            #expect(full.fullNullRebuilds == 0)
            if threshold > 0.5 {  // built in full
                #expect(tails.nullProducts == full.nullProducts && tails.fullNullRebuilds == 0)
            } else if estimateSDs > 0 {
                // A symmetric track needs ~1/4 fewer products (the tails of its longer sums); one whose mass sits
                // at its lowest bins, like the bumps track, hardly fewer.
                #expect(tails.nullProducts < full.nullProducts, "threshold \(threshold): the tails did less work")
                #expect(tails.fullNullRebuilds == 0, "threshold \(threshold): no estimate missed")
            } else {
                #expect(tails.fullNullRebuilds > 0, "threshold \(threshold): the missed estimates were caught")
            }
        }
    }

    @Test func settingsProblems() {
        #expect(SeqletSettings().problem == nil)
        #expect(SeqletSettings(threshold: 1.5).problem?.contains("threshold") == true)
        #expect(SeqletSettings(threshold: 0).problem?.contains("threshold") == true)
        #expect(SeqletSettings(minLength: 5, maxLength: 4).problem?.contains("lengths") == true)
        #expect(SeqletSettings(bins: 1).problem?.contains("bins") == true)
        #expect(SeqletSettings(flanks: -1).problem?.contains("flanks") == true)
    }
}
