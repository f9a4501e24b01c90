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

    @Test func settingsProblems() {
        #expect(SeqletSettings().problem == nil)
        #expect(SeqletSettings(threshold: 1.5).problem?.contains("threshold") == true)
        #expect(SeqletSettings(threshold: 0).problem?.contains("threshold") == true)
        #expect(SeqletSettings(minLength: 5, maxLength: 4).problem?.contains("lengths") == true)
        #expect(SeqletSettings(bins: 1).problem?.contains("bins") == true)
        #expect(SeqletSettings(flanks: -1).problem?.contains("flanks") == true)
    }
}
