import Foundation
import Testing
@testable import SAGEPipeline
@testable import SAGEGenome

/// Every configuration value is checked once, where the typed configuration is built, with a message naming the
/// key; and the ranking file a region selection reads is parsed with its real line numbers.
@Suite struct ConfigValuesTests {
    func refused(_ overrides: [String], _ fragment: String) {
        #expect { try RunConfig(file: nil, overrides: overrides) } throws: { error in
            let text = "\(error)"
            if !text.contains(fragment) { Issue.record("\(overrides): '\(text)' lacks '\(fragment)'") }
            return true
        }
    }

    /// SAGE-net's spellings are read as ours (noted in the resolved file); both spellings in one source are refused,
    /// a later source overrides; r-SAGE-net's trainer defaults apply to keys left unset.
    @Test func sageNetSpellingsAndRSAGENetDefaults() throws {
        let c = try RunConfig(file: nil, overrides: ["maf_threshold=0.05", "rand_genes=true", "gene_idx_start=4000", "scheduler=\"cycle\""])
        #expect(c.data.sequence.frequency.mafMin == 0.05 && c.splits.randRegions && c.splits.regionIdxStart == 4000 && c.training.scheduler == .cyclic)
        #expect(c.resolvedTOML.contains("# note: maf_threshold (SAGE-net's name) read as maf_min"))
        #expect(c.resolvedTOML.contains("# note: scheduler = \"cycle\" (SAGE-net's spelling) read as \"cyclic\""))
        refused(["maf_threshold=0.05", "maf_min=0.1"], "maf_min and maf_threshold are both set")
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sage-alias-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try "maf_threshold = 0.05\nmodel = \"rsagenet\"\npatience = 4\n".write(toFile: dir + "/a.toml", atomically: true, encoding: .utf8)
        let overridden = try RunConfig(file: dir + "/a.toml", overrides: ["maf_min=0.2"])
        #expect(overridden.data.sequence.frequency.mafMin == 0.2)
        // r-SAGE-net: max_epochs 100 and monitor val_mean_pearson by default; patience as the file says.
        #expect(overridden.training.maxEpochs == 100 && overridden.training.patience == 4 && overridden.training.monitor == "val_mean_pearson")
        let p = try RunConfig(file: nil, overrides: [])
        #expect(p.training.maxEpochs == 10 && p.training.patience == 5 && p.training.monitor == "train_region_pearson_median")
        #expect(try RunConfig(file: nil, overrides: ["model=\"rsagenet\""]).training.patience == 10)
    }

    @Test func outOfRangeValuesNameTheKeyAndWhatItAccepts() {
        refused(["seed=-1"], "--set seed: seed must be at least 0, got -1")
        refused(["region_idx_start=-3"], "region_idx_start must be in [0, 2^40], got -3")
        refused(["learning_rate=0"], "learning_rate must be in (0, 10], got 0.0")
        refused(["learning_rate=-1e-3"], "learning_rate must be in (0, 10]")
        refused(["learning_rate=nan"], "learning_rate must be in (0, 10], got nan")
        refused(["step_size_up=0"], "step_size_up must be in [1, 2^40], got 0")
        refused(["batch_size=0"], "batch_size must be in [1, 1048576]")
        refused(["max_epochs=0"], "max_epochs must be in [1, 2^40]")
        refused(["maf_min=0.5", "maf_max=0.4"], "maf_min (0.5) must be below maf_max (0.4)")
        refused(["predixcan_l1_ratio=1.5"], "predixcan_l1_ratio must be in [0, 1]")
        refused(["scheduler=\"step\""], "scheduler must be one of cyclic, plateau, none, got \"step\"")
        refused(["median_or_mean_y_data=\"mode\""], "median_or_mean_y_data must be one of mean, median")
        refused(["model=\"csagenet\""], "--set model: model must be one of psagenet, rsagenet, got \"csagenet\"")
        refused(["subtract_or_concat=\"add\""], "subtract_or_concat must be one of subtract, concat, got \"add\"")
        refused(["block_type=\"lstm\""], "block_type must be one of conv, transformer")
        refused(["predixcan_missing=\"median\""], "predixcan_missing must be one of zero, mean")
        refused(["scheduler=\"\""], "--set scheduler: scheduler cannot be empty; use one of cyclic, plateau, none")
        refused(["hidden_size=0"], "--set hidden_size: hidden_size must be in [1, 16384], got 0")
        refused(["input_len=0"], "input_len must be in [1, 10000000]")
        refused(["lam_diff=-1"], "lam_diff must be at least 0")
    }

    @Test func valuesInRangeAreAcceptedAndPathsAreAbsolute() throws {
        let config = try RunConfig(file: nil, overrides: ["seed=0", "learning_rate=10", "maf_min=0.01", "maf_max=0.5", "top_regions_to_consider=-1",
                                                          "scheduler=\"plateau\"", "lr_patience=2", "fasta=\"rel/genome.fa\""])
        #expect(config.training.lrPatience == 2 && config.training.scheduler == .plateau)
        let fasta = try #require(config.paths.fasta.value)
        #expect(fasta.hasPrefix("/") && fasta.hasSuffix("/rel/genome.fa"), "\(fasta)")
        // A file's relative paths resolve against its directory, made absolute.
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sage-cfg-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try "fasta = \"g.fa\"\nstore = \"../s\"\n".write(toFile: dir + "/sage.toml", atomically: true, encoding: .utf8)
        let fromFile = try RunConfig(file: dir + "/sage.toml")
        #expect(fromFile.paths.fasta.value == dir + "/g.fa")
        #expect(fromFile.paths.store.value == dir + "/../s")  // ".." is left to the kernel (a link may stand before it)
        #expect(fromFile.resolvedTOML.contains("fasta = \"\(dir)/g.fa\""))
    }

    @Test func rankingFilesKeepTheirLineNumbers() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sage-rank-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/ranking.csv"
        func select(_ text: String, count: Int = 0, start: Int = 0) throws -> [String] {
            try text.write(toFile: path, atomically: true, encoding: .utf8)
            return try selectRegions(ranking: path, count: count, start: start, random: false, consider: -1, seed: 1)
        }
        // CRLF endings and blank lines; sorted by val_pearson, NaN last, ties in file order.
        #expect(try select("region_id,val_pearson\r\nA,0.1\r\n\r\nB,0.9\r\nC,nan\r\nD,0.9\r\n") == ["B", "D", "A", "C"])
        #expect(try select("region_id,val_pearson\nA,0.1\nB,0.9\nC,0.5\n", count: 2, start: 1) == ["C", "A"])
        #expect { try select("region_id,val_pearson\nA,0.1\n\nB,0.9,extra\n") } throws: { "\($0)".contains("ranking.csv:4: 3 fields, the header has 2") }
        #expect { try select("region_id,val_pearson\nA,high\n") } throws: { "\($0)".contains("ranking.csv:2: val_pearson 'high' is not a number") }
        #expect { try select("region_id,val_pearson\n") } throws: { "\($0)".contains("a header but no rows") }
        #expect { try select("region_id,score\nA,1\n") } throws: { "\($0)".contains("must have a val_pearson column") }
    }

    @Test func aRankingOfOtherRegionsIsRefusedAndUnknownIdsAreReported() throws {
        let (dir, _, store) = try VariantStoreTests.simulatedStore(individuals: 20, regions: 9, inputLen: 300, overrides: [])
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try "region_id,val_pearson\r\nG0004,0.9\r\nNOPE,0.8\r\nG0001,0.7\r\n".write(toFile: dir + "/r.csv", atomically: true, encoding: .utf8)
        let set = try TrainingSet(config: try RunConfig(file: dir + "/sage.toml", overrides: ["region_ranking=\"\(dir)/r.csv\""]), store: store)
        #expect(set.selectedRegions.map { store.manifest.regions[$0].id } == ["G0004", "G0001"])
        #expect(set.warnings.contains { $0.contains("1 of the 3 selected region(s) are not in the store, dropped: NOPE") }, "\(set.warnings)")
        try "region_id,val_pearson\nX1,0.9\nX2,0.8\n".write(toFile: dir + "/r.csv", atomically: true, encoding: .utf8)
        #expect { try TrainingSet(config: try RunConfig(file: dir + "/sage.toml", overrides: ["region_ranking=\"\(dir)/r.csv\""]), store: store) } throws: {
            "\($0)".contains("none of the 2 region(s) selected") && "\($0)".contains("is in the store")
        }
    }
}
