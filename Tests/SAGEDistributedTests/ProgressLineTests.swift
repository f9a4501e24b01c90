import Foundation
import Testing
@testable import SAGEDistributed

@Suite struct ProgressLineTests {
    @Test func theStyleFollowsTheTerminalTheQuietFlagAndSAGE_PROGRESS() {
        #expect(ProgressStyle.resolve(quiet: false, rank: 0, level: .info, requested: nil, isTerminal: true, term: "xterm") == .live)
        #expect(ProgressStyle.resolve(quiet: false, rank: 0, level: .info, requested: nil, isTerminal: false, term: "xterm") == .plain)
        #expect(ProgressStyle.resolve(quiet: false, rank: 0, level: .info, requested: nil, isTerminal: true, term: "dumb") == .plain)
        #expect(ProgressStyle.resolve(quiet: false, rank: 0, level: .info, requested: nil, isTerminal: true, term: nil) == .plain)
        #expect(ProgressStyle.resolve(quiet: true, rank: 0, level: .info, requested: "live", isTerminal: true, term: "xterm") == .off)
        #expect(ProgressStyle.resolve(quiet: false, rank: 1, level: .info, requested: "live", isTerminal: true, term: "xterm") == .off)
        #expect(ProgressStyle.resolve(quiet: false, rank: 0, level: .warning, requested: nil, isTerminal: true, term: "xterm") == .off)
        #expect(ProgressStyle.resolve(quiet: false, rank: 0, level: .info, requested: "live", isTerminal: false, term: nil) == .live)
        #expect(ProgressStyle.resolve(quiet: false, rank: 0, level: .info, requested: "off", isTerminal: true, term: "xterm") == .off)
        #expect(RankLog(rank: 1, size: 2, level: .info, progress: .live).progress == .off)
    }

    @Test func theLineSaysDoneTotalRateAndETA() {
        let p = ProgressLine(task: "prepare", scope: "rank 0", total: 600, unit: "regions", log: RankLog(rank: 0, size: 1, level: .info, progress: .plain))
        let text = p.line(done: 120, detail: "")
        #expect(text.hasPrefix("prepare: rank 0 120/600 regions (20%), "), "\(text)")
        #expect(text.contains(" regions/s, ETA "), "\(text)")
        let last = p.line(done: 600, detail: "loss 0.1")
        #expect(last.contains("600/600 regions (100%)") && !last.contains("ETA") && last.hasSuffix("  loss 0.1"), "\(last)")
        // A resumed task's rate counts only what this process did.
        let resumed = ProgressLine(task: "train", total: 100, unit: "steps", log: RankLog(rank: 0, size: 1, level: .info, progress: .plain), start: 50)
        #expect(resumed.line(done: 50, detail: "") == "train: 50/100 steps (50%)")
    }
}
