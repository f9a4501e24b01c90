import Foundation
import Testing

/// `tools/causal_recovery.sh` cut down to seconds (a tiny cohort, two epochs, every epoch scored): it runs end to
/// end, its summary's figures are variant-effect's summary.json and rankings.csv (top-1 beside PrediXcan and
/// chance, top 3, indel tops, one line per epoch), and it refuses a non-empty output directory, leaving it alone.
@Suite(.serialized) struct CausalRecoveryTests {
    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("tools/causal_recovery.sh").path

    static func recovery(_ out: String) throws -> Subprocess.Outcome {
        try Subprocess.run("/bin/bash", [script, Subprocess.sageMPI, out, "--regions", "12", "--individuals", "20", "--epochs", "2",
                                         "--every-epoch"], timeout: 180)
    }

    static func json(_ path: String) throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as! [String: Any]
    }

    @Test func runsEndToEndWithTheSummaryOfItsFiles() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sage-causal-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let run = try Self.recovery(dir)
        try #require(run.status == 0 && !run.timedOut, "\(run.combined)")

        let causal = try #require(try Self.json("\(dir)/variant-effect/summary.json")["causal"] as? [String: Any])
        let regions = causal["regions"] as! Int, top1 = causal["top1_causal"] as! Int, top3 = causal["top3_causal"] as! Int
        #expect(regions == 4, "the training chromosome's regions")
        let chance = try #require(causal["top1_chance"] as? Double)
        #expect(run.stdout.contains("p-SAGE-net \(top1) of \(regions) training regions"), "\(run.stdout)")
        #expect(run.stdout.contains("PrediXcan \(causal["predixcan_top1_causal"] as! Int) ("), "\(run.stdout)")
        #expect(run.stdout.contains("chance \(String(format: "%.3f", chance));"), "\(run.stdout)")
        #expect(run.stdout.contains("among p-SAGE-net's top 3 in \(top3)"), "\(run.stdout)")

        let rankings = try String(contentsOfFile: "\(dir)/variant-effect/rankings.csv", encoding: .utf8)
            .split(separator: "\n").dropFirst().map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        let tops = rankings.filter { $0[1] == "1" }, indelTops = tops.filter { $0[4].count != $0[5].count }.count
        #expect(tops.count == regions)
        #expect(run.stdout.contains("top-ranked variant an indel in \(indelTops) of \(regions) regions"), "\(run.stdout)")
        for epoch in ["001", "002"] {
            let e = try #require(try Self.json("\(dir)/variant-effect-epochs/epoch-\(epoch)/summary.json")["causal"] as? [String: Any])
            #expect(run.stdout.contains("epoch \(epoch): \(e["top1_causal"] as! Int) of \(regions), top 3 \(e["top3_causal"] as! Int),"), "\(run.stdout)")
        }
        #expect(!run.stdout.contains("nan"), "every epoch has its train_region_pearson_median: \(run.stdout)")
    }

    @Test func refusesANonEmptyDirectoryAndLeavesItAlone() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sage-causal-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try "mine\n".write(toFile: dir + "/keep.txt", atomically: true, encoding: .utf8)
        let run = try Self.recovery(dir)
        #expect(run.status == 2 && run.stderr.contains("\(dir) is not empty; give a new or empty directory"), "\(run.combined)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir) == ["keep.txt"])
        #expect(try String(contentsOfFile: dir + "/keep.txt", encoding: .utf8) == "mine\n")

        let bad = try Subprocess.run("/bin/bash", [Self.script, Subprocess.sageMPI, dir + "/new", "--epochs", "0"], timeout: 30)
        #expect(bad.status == 2 && bad.stderr.contains("--epochs must be a positive integer, got '0'"), "\(bad.combined)")
        #expect(!FileManager.default.fileExists(atPath: dir + "/new"))
    }
}
