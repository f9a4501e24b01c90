import Foundation
import Testing
import SAGEDistributed
@testable import SAGEPipeline
import SAGEGenome

/// `baseline predixcan` in process (one rank): outputs, the summary as a region ranking, regions without features,
/// configuration errors. Multi-rank equality is in IntegrationTests.
@Suite struct PrediXcanTests {
    static let log = RankLog(rank: 0, size: 1, level: .error)

    static func cohort() throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sage-px-\(UUID().uuidString)").path
        var sim = CohortSimulator()
        sim.individuals = 60; sim.regions = 12; sim.inputLen = 2000
        try sim.write(to: dir)
        return dir
    }

    func lines(_ path: String) throws -> [[String]] {
        try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
    }

    @Test func outputsAndRanking() throws {
        let dir = try Self.cohort()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let config = try RunConfig(file: dir + "/sage.toml")
        try PrediXcanRun(out: dir + "/px").run(config: config, comm: SingleProcessCommunicator(), log: Self.log)
        let summary = try lines(dir + "/px/summary.csv")
        #expect(summary[0] == ["region_id", "train_pearson", "val_pearson", "test_pearson", "n_features", "n_nonzero", "alpha", "status", "unconverged", "intercept"])
        #expect(summary.count == 13)
        let individuals = try ["train", "val", "test"].map { try readIndividualList(dir + "/individuals/\($0).txt").count }.reduce(0, +)
        #expect(try lines(dir + "/px/predictions.csv").count == 1 + 12 * individuals)
        // Every non-zero weight is in weights.csv: per region the count matches n_nonzero.
        let weights = try lines(dir + "/px/weights.csv").dropFirst()
        for row in summary.dropFirst() { #expect(weights.filter { $0[0] == row[0] }.count == Int(row[5])!) }
        // train's region_ranking reads it: the top 3 by val_pearson.
        let top = try selectRegions(ranking: dir + "/px/summary.csv", count: 3, start: 0, random: false, consider: 0, seed: 0)
        let sorted = summary.dropFirst().sorted { Double($0[2])! > Double($1[2])! }.prefix(3).map { $0[0] }
        #expect(top == Array(sorted))
        #expect(!FileManager.default.fileExists(atPath: dir + "/px.partial"))
        #expect(summary.dropFirst().allSatisfy { $0[8] == "0" })
    }

    /// One sweep per penalty cannot converge: every fitted region reports it (in summary.csv and summary.json).
    @Test func unconvergedPenaltiesAreReported() throws {
        let dir = try Self.cohort()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let config = try RunConfig(file: dir + "/sage.toml", overrides: ["predixcan_max_iter=1", "predixcan_tol=1e-12"])
        try PrediXcanRun(out: dir + "/px").run(config: config, comm: SingleProcessCommunicator(), log: Self.log)
        let fitted = try lines(dir + "/px/summary.csv").dropFirst().filter { $0[7] != "no_features" }
        #expect(!fitted.isEmpty && fitted.allSatisfy { Int($0[8])! > 0 })
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir + "/px/summary.json"))) as! [String: Any]
        #expect(json["n_regions_unconverged"] as! Int == fitted.count)
    }

    @Test func regionsWithoutFeaturesAreReported() throws {
        let dir = try Self.cohort()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let config = try RunConfig(file: dir + "/sage.toml", overrides: ["predixcan_window=2", "predixcan_maf_min=0.45"])
        try PrediXcanRun(out: dir + "/px").run(config: config, comm: SingleProcessCommunicator(), log: Self.log)
        let summary = try lines(dir + "/px/summary.csv").dropFirst()
        let empty = summary.filter { $0[7] == "no_features" }
        #expect(!empty.isEmpty && empty.allSatisfy { $0[4] == "0" && $0[1] == "nan" })
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir + "/px/summary.json"))) as! [String: Any]
        #expect((json["regions_without_features"] as! [String]).count == empty.count)
        // A region without features still predicts (the training mean) for every individual.
        let predictions = try lines(dir + "/px/predictions.csv").count, columns = try lines(dir + "/expression.csv")[0].count - 1
        #expect(predictions == 1 + summary.count * columns)
    }

    @Test func configurationErrors() throws {
        let dir = try Self.cohort()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        func fails(_ overrides: [String], _ fragment: String) throws {
            #expect {
                let config = try RunConfig(file: dir + "/sage.toml", overrides: overrides)
                try PrediXcanRun(out: dir + "/px").run(config: config, comm: SingleProcessCommunicator(), log: Self.log)
            } throws: {
                "\($0)".contains(fragment)
            }
            #expect(!FileManager.default.fileExists(atPath: dir + "/px") && !FileManager.default.fileExists(atPath: dir + "/px.partial"))
        }
        try fails(["val_individuals="], "selects the penalty on val_individuals")
        try fails(["predixcan_cv=\"kfold:1000\""], "more folds than")
        try fails(["predixcan_cv=\"loo\""], "use predefined or kfold:K")
        try fails(["predixcan_missing=\"median\""], "predixcan_missing must be one of zero, mean, got \"median\"")
    }
}
