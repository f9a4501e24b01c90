import Foundation
import Testing
@testable import SAGEPipeline
import SAGEEngine
@testable import SAGEGenome

/// Regions, individuals and targets of a run, and the metrics, against values computed here from the files.
@Suite struct TrainingSetTests {
    @Test func splitsTargetsAndExplicitLists() throws {
        let (dir, configured, store) = try VariantStoreTests.simulatedStore(individuals: 20, regions: 9, inputLen: 300, overrides: ["num_training_subs=5"])
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var config = configured
        let set = try TrainingSet(config: config, store: store)
        #expect(set.trainRegions.map { store.manifest.regions[$0].chr } == ["1", "1", "1"])
        #expect(set.valRegions.count == 3 && set.testRegions.count == 3)
        #expect(set.trainIndividuals.count == 5)  // num_training_subs: the first 5 of the training list
        // y0 = mean over ALL 14 training individuals; y1 = z-score with their sd (ddof 1).
        let expression = try readExpression(path: dir + "/expression.csv")
        let train = try readIndividualList(dir + "/individuals/train.txt")
        #expect(train.count == 14)
        let r = set.valRegions[1], N = store.individualCount
        let values = expression.row(of: store.manifest.regions[r].id)!
        let t = train.map { values[expression.individuals.firstIndex(of: $0)!] }
        let mean = t.reduce(0, +) / Double(t.count)
        let sd = (t.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(t.count - 1)).squareRoot()
        let someone = store.manifest.individuals.count - 1, raw = values[expression.individuals.firstIndex(of: store.manifest.individuals[someone])!]
        #expect(abs(Double(set.y0[r * N + someone]) - mean) < 1e-4)
        #expect(abs(Double(set.y1[r * N + someone]) - (raw - mean) / sd) < 1e-4)
        // An explicit training list replaces train_chrs; an unknown id is an error naming the file.
        try "G0004\nG0007\n".write(toFile: dir + "/tr.txt", atomically: true, encoding: .utf8)
        config = try RunConfig(file: dir + "/sage.toml", overrides: ["train_regions=\(dir)/tr.txt"])
        #expect(try TrainingSet(config: config, store: store).trainRegions.map { store.manifest.regions[$0].id } == ["G0004", "G0007"])
        try "G0004\nNOPE\n".write(toFile: dir + "/tr.txt", atomically: true, encoding: .utf8)
        #expect { try TrainingSet(config: config, store: store) } throws: { "\($0)".contains("tr.txt: region 'NOPE' is not in the store") }
    }

    @Test func pearsonAndMedian() {
        #expect(abs(pearson([1, 2, 3, 4], [2, 4, 6, 8.5]) - 0.9983814394570298) < 1e-12)  // numpy.corrcoef
        #expect(pearson([1, 1, 1], [1, 2, 3]).isNaN)
        #expect(median([3, .nan, 1, 2]) == 2 && median([4, 1, 2, 3]) == 2.5 && median([]).isNaN)
    }
}
