import Foundation
import Testing
@testable import SAGEReport

/// The outputs that landed after the report: a sweep's table (best first by the test median, every row), the
/// test median against a numeric swept key; an evaluation of another cohort in its own group beside PrediXcan
/// applied there; an Enformer baseline joining the CNN's groups over the same regions.
@Suite struct NewOutputsTests {
    func directory(_ files: [String: String]) throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sage-report-new-\(UUID().uuidString)").path
        for (name, text) in files {
            let path = (dir as NSString).appendingPathComponent(name)
            try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try text.write(toFile: path, atomically: true, encoding: .utf8)
        }
        return dir
    }

    @Test func sweepsOtherCohortsAndEnformerAreDrawn() throws {
        let header = "name,learning_rate,status,best_epoch,monitor,best,val_region_pearson_median,val_mean_pearson,test_region_pearson_median,test_individual_pearson_median,test_mean_pearson,seconds,error"
        let dir = try directory([
            "s/.sage-mpi-output": "sweep\n",
            "s/sweep.json": #"{"format":"sage-mpi sweep 1","keys":["learning_rate"],"ranksPerRun":1,"runs":[{"name":"000-learning_rate=0.001","values":[["learning_rate","0.001"]]},{"name":"001-learning_rate=0.0005","values":[["learning_rate","0.0005"]]},{"name":"002-learning_rate=0.0001","values":[["learning_rate","0.0001"]]}]}"#,
            "s/results.csv": header + "\n000-learning_rate=0.001,0.001,finished,2,m,0.5,0.1,0.2,0.25,0.3,0.4,1.0,\n001-learning_rate=0.0005,0.0005,finished,1,m,0.4,0.1,0.2,0.75,0.3,0.4,1.0,\n002-learning_rate=0.0001,0.0001,failed,,,,,,,,,0.5,\"bad, value\"\n",
            "e1/.sage-mpi-output": "evaluate\n",
            "e1/summary.json": #"{"model":"psagenet","regions":"test","individuals":"test","checkpoint":"/r/p/best.safetensors"}"#,
            "e1/region_correlations.csv": "region_id,chr,pearson\nA,1,0.5\nB,1,0.1\n",
            "e2/.sage-mpi-output": "evaluate\n",
            "e2/summary.json": #"{"model":"psagenet","regions":"test","individuals":"test","checkpoint":"/r/p/best.safetensors","training_cohort":{"other_cohort":true}}"#,
            "e2/region_correlations.csv": "region_id,chr,pearson\nA,1,0.9\nB,1,0.7\n",
            "ap/.sage-mpi-output": "predixcan-apply\n",
            "ap/summary.csv": "region_id,n_weights,n_missing_variants,pearson\nA,3,0,0.6\nB,2,1,0.2\n",
            "en/.sage-mpi-output": "enformer\n",
            "en/summary.json": #"{"mode":"cage","individuals":"test","regions":"all"}"#,
            "en/region_correlations.csv": "region_id,chr,split,pearson\nA,1,test,0.33\nB,1,test,0.44\nC,2,train,0.1\n",
        ])
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let inputs = try ReportInputs(paths: [dir])
        #expect(inputs.sweeps.count == 1 && inputs.applied.count == 1 && inputs.enformer.count == 1 && inputs.notDrawn.isEmpty)
        let html = Report(inputs: inputs, version: "test").html()
        // The sweep's rows, best first; the failed run last; its error quoted in the CSV read back whole.
        let sweep = try #require(html.range(of: "data-table=\"sweep\""))
        let table = String(html[sweep.lowerBound...].prefix(4000))
        let order = ["001-learning_rate=0.0005", "000-learning_rate=0.001", "002-learning_rate=0.0001"].map { table.range(of: $0)?.lowerBound }
        #expect(order.allSatisfy { $0 != nil } && order[0]! < order[1]! && order[1]! < order[2]!)
        #expect(html.contains("Test median r by learning_rate"))
        // Sortable without a script: a table per ordering (4 measures and the grid's order), the first one shown.
        #expect((1...4).allSatisfy { html.contains("data-table=\"sweep-\($0)\"") } && !html.contains("<script"))
        let grid = try #require(html.range(of: "data-table=\"sweep-4\""))
        let inGrid = ["000-learning_rate=0.001", "001-learning_rate=0.0005", "002-learning_rate=0.0001"].map { html[grid.lowerBound...].range(of: $0)?.lowerBound }
        #expect(inGrid.allSatisfy { $0 != nil } && inGrid[0]! < inGrid[1]! && inGrid[1]! < inGrid[2]!)
        // Two groups: this cohort (p-SAGE-net, Enformer) and another cohort (p-SAGE-net, PrediXcan applied).
        let comparisons = Comparisons(inputs)
        let groups = comparisons.orderedGroups
        #expect(groups.count == 2)
        let own = try #require(groups.first { !$0.individuals.hasPrefix(Comparisons.otherCohort) })
        let other = try #require(groups.first { $0.individuals.hasPrefix(Comparisons.otherCohort) })
        #expect(comparisons.regionValues[own]?["p-SAGE-net"]?.map(\.value) == [0.5, 0.1])
        #expect(comparisons.regionValues[own]?["Enformer (cage)"]?.map(\.value) == [0.33, 0.44])
        #expect(comparisons.regionValues[other]?["p-SAGE-net"]?.map(\.value) == [0.9, 0.7])
        #expect(comparisons.regionValues[other]?["PrediXcan"]?.map(\.value) == [0.6, 0.2])
        #expect(comparisons.regionValues[own]?["PrediXcan"] == nil && comparisons.regionValues[other]?["Enformer (cage)"] == nil)
        #expect(comparisons.label(other).contains("another cohort"))
    }
}
