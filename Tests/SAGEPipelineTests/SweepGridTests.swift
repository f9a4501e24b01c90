import Foundation
import Testing
@testable import SAGEPipeline

@Suite struct SweepGridTests {
    func grid(_ text: String) throws -> SweepGrid {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sage-grid-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try text.write(toFile: dir + "/grid.toml", atomically: true, encoding: .utf8)
        return try SweepGrid(file: dir + "/grid.toml")
    }

    @Test func theProductVariesTheLastKeyFastestThenTheExplicitRunsFollow() throws {
        let g = try grid("[grid]\nseed = [1, 2]\nlam_diff = [1, 10.5]\n\n[[runs]]\ntrain_chrs = [\"1\", \"2\"]\nzscore = false\n")
        #expect(g.runs.map(\.overrides) == [["lam_diff=1", "seed=1"], ["lam_diff=1", "seed=2"], ["lam_diff=10.5", "seed=1"], ["lam_diff=10.5", "seed=2"],
                                              ["train_chrs=[\"1\", \"2\"]", "zscore=false"]])
        #expect(g.runs.map(\.name) == ["000-lam_diff=1-seed=1", "001-lam_diff=1-seed=2", "002-lam_diff=10.5-seed=1", "003-lam_diff=10.5-seed=2", "004-train_chrs=1+2-zscore=false"])
        #expect(g.keys == ["lam_diff", "seed", "train_chrs", "zscore"])
        // Every override is one RunConfig accepts.
        for run in g.runs { _ = try RunConfig(file: nil, overrides: run.overrides) }
    }

    @Test func pathsAreRelativeToTheGridAndBadGridsNameTheProblem() throws {
        let g = try grid("[grid]\nregion_ranking = [\"ranks/a.csv\"]\n")
        let value = try #require(g.runs.first?.values.first?.value)
        #expect(value.hasPrefix("\"/") && value.hasSuffix("/ranks/a.csv\""), "\(value)")
        #expect(g.runs.first?.name == "000-region_ranking=a.csv")
        for (text, message) in [("[grid]\nseed = []\n", "empty list"), ("seed = [1]\n", "at the top level"), ("[grid]\nsed = [1]\n", "did you mean 'seed'"),
                                ("[grid]\n", "no runs"), ("[[runs]]\nseed = 1\n[[runs]]\nlam_diff = { a = 1 }\n", "runs]] entry 2")] {
            #expect { try grid(text) } throws: { "\($0)".contains(message) }
        }
    }

    /// The example grids of SAGE-net's experiments in cluster/grids parse, and their values are valid.
    @Test func theExampleGridsInClusterAreValid() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
        let files = try FileManager.default.contentsOfDirectory(atPath: root + "/cluster/grids").filter { $0.hasSuffix(".toml") }
        #expect(files.count >= 5)
        for file in files {
            let g = try SweepGrid(file: root + "/cluster/grids/" + file)
            for run in g.runs { _ = try RunConfig(file: nil, overrides: run.overrides) }
        }
    }
}
