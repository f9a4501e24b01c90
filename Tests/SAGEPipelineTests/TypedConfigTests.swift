import Foundation
import Testing
@testable import SAGEPipeline
import SAGEEngine
import SAGEGenome

/// The typed configuration: SAGE-net's spellings read as ours with a note each, defaults per model, the engine's
/// defaults as the model keys' (one definition), and one scheme of validation metric names for both models, with
/// the old names of runs written before it still read.
@Suite struct TypedConfigTests {
    static func temporaryDirectory(_ tag: String) throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sage-\(tag)-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    @Test func sageNetSpellingsAreReadAsOursEachWithANote() throws {
        let c = try RunConfig(file: nil, overrides: ["maf_threshold=0.05", "rand_genes=1", "gene_idx_start=7", "num_top_train_genes=300",
                                                     "num_top_val_genes=200", "split_expr=0", "scheduler=\"cycle\""])
        #expect(c.data.sequence.frequency.mafMin == 0.05 && c.splits.randRegions && c.splits.regionIdxStart == 7)
        #expect(c.splits.numTopTrainRegions == 300 && c.splits.numTopValRegions == 200 && c.model.splitYData == false)
        #expect(c.training.scheduler == .cyclic)
        let toml = c.resolvedTOML
        for (theirs, ours) in [("maf_threshold", "maf_min"), ("rand_genes", "rand_regions"), ("gene_idx_start", "region_idx_start"),
                               ("num_top_train_genes", "num_top_train_regions"), ("num_top_val_genes", "num_top_val_regions"), ("split_expr", "split_y_data")] {
            #expect(toml.contains("# note: \(theirs) (SAGE-net's name) read as \(ours)\n"), "\(theirs)")
            #expect(toml.contains("\n\(ours) = "), "\(ours)")
        }
        #expect(toml.contains("# note: scheduler = \"cycle\" (SAGE-net's spelling) read as \"cyclic\""))
        #expect(toml.contains("\nscheduler = \"cyclic\"\n"))
    }

    /// SAGE-net's own trainers: r-SAGE-net patience 10, max_epochs 100 on val_mean_pearson; p-SAGE-net patience 5,
    /// max_epochs 10; what the file or --set says wins, and the resolved file holds what is used.
    @Test func defaultsPerModelAsSAGENetsTrainers() throws {
        let p = try RunConfig(file: nil)
        #expect(p.training.patience == 5 && p.training.maxEpochs == 10 && p.training.monitor == "train_region_pearson_median")
        #expect(!p.resolvedTOML.contains("r-SAGE-net's default"))
        let r = try RunConfig(file: nil, overrides: ["model=\"rsagenet\""])
        #expect(r.training.patience == 10 && r.training.maxEpochs == 100 && r.training.monitor == "val_mean_pearson")
        #expect(r.resolvedTOML.contains("\nmonitor = \"val_mean_pearson\"\n") && r.resolvedTOML.contains("\npatience = 10\n") && r.resolvedTOML.contains("\nmax_epochs = 100\n"))
        #expect(r.resolvedTOML.contains("# note: patience = 10: r-SAGE-net's default"))
        let set = try RunConfig(file: nil, overrides: ["model=\"rsagenet\"", "patience=3", "monitor=\"train_loss\""])
        #expect(set.training.patience == 3 && set.training.monitor == "train_loss" && set.training.maxEpochs == 100 && !set.training.maximize)
        // Every default monitor is a metric its model logs.
        for kind in [SAGEConfig.Kind.psagenet, .rsagenet] {
            #expect(MetricNames.validation(kind).contains(MetricNames.defaultMonitor(kind)))
        }
    }

    /// The model keys' defaults are the engine's SAGEConfig (no copy), and the model group is SAGEConfig.
    @Test func theModelGroupIsTheEnginesSAGEConfig() throws {
        #expect(try RunConfig(file: nil).model == SAGEConfig())
        let c = try RunConfig(file: nil, overrides: ["model=\"rsagenet\"", "pooling_type=\"max\"", "subtract_or_concat=\"concat\"", "block_type=\"transformer\"",
                                                     "hidden_size=64", "dropout=0.25", "increasing_dilation=1", "input_len=1000",
                                                     "int_layers_kernel_number=255"])
        var expected = SAGEConfig(model: .rsagenet)
        expected.poolingType = .max; expected.subtractOrConcat = .concat; expected.blockType = .transformer
        expected.hiddenSize = 64; expected.dropout = 0.25; expected.increasingDilation = true; expected.inputLen = 1000
        expected.intLayersKernelNumber = 255
        #expect(c.model == expected && c.data.inputLen == 1000)
        // The model keys (with input_len) are exactly SAGEConfig's.
        let encoded = try JSONSerialization.jsonObject(with: JSONEncoder().encode(SAGEConfig())) as! [String: Any]
        let modelKeys = ConfigKeys.groups.first(where: { $0.title.hasPrefix("Model") })!.keys.map(\.name) + [ConfigKeys.inputLen.name]
        #expect(Set(encoded.keys) == Set(modelKeys))
        // An inconsistent model is refused when the configuration is built.
        #expect { try RunConfig(file: nil, overrides: ["block_type=\"transformer\"", "int_layers_kernel_number=256", "int_layers_kernel_size=3"]) } throws: {
            "\($0)".contains("must be divisible by nhead")
        }
    }

    /// p-SAGE-net's old tv_* names (and an r-SAGE-net run's old monitor, p-SAGE-net's default it never used) read as
    /// the current ones with a note; a monitor the model does not log is refused with the list when it trains.
    @Test func oneMetricSchemeWithTheOldNamesRead() throws {
        let old = try RunConfig(file: nil, overrides: ["monitor=\"tv_loss_diff\""])
        #expect(old.training.monitor == "train_loss_diff")
        #expect(old.resolvedTOML.contains("# note: monitor = \"tv_loss_diff\" (the name before train_ covered both models) read as \"train_loss_diff\""))
        let dir = try Self.temporaryDirectory("oldrun")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try "model = \"rsagenet\"\nmonitor = \"tv_region_pearson_median\"\npatience = 10\n".write(toFile: dir + "/config.toml", atomically: true, encoding: .utf8)
        let r = try RunConfig(file: dir + "/config.toml")
        #expect(r.training.monitor == "val_mean_pearson")
        #expect(r.resolvedTOML.contains("read as \"val_mean_pearson\", which r-SAGE-net trains on"), "\(r.resolvedTOML.prefix(600))")
        let unlogged = try RunConfig(file: nil, overrides: ["model=\"rsagenet\"", "monitor=\"val_region_pearson_median\""])
        #expect { try unlogged.training.checkedMonitor(for: unlogged.model.model) } throws: {
            "\($0)".contains("--set monitor: monitor 'val_region_pearson_median' is not a metric rsagenet logs; use one of: train_loss, train_loss_ref")
        }
        #expect { try RunConfig(file: nil, overrides: ["monitor=\"test_loss\""]).training.checkedMonitor(for: .psagenet) } throws: { "\($0)".contains("is not a metric psagenet logs") }
        #expect(try RunConfig(file: nil, overrides: ["monitor=\"test_loss\"", "validate_test=true"]).training.checkedMonitor(for: .psagenet) == "test_loss")
        for kind in [SAGEConfig.Kind.psagenet, .rsagenet] {  // every default monitor is one its model logs
            let c = try RunConfig(file: nil, overrides: ["model=\"\(kind.rawValue)\""])
            #expect(try c.training.checkedMonitor(for: kind) == MetricNames.defaultMonitor(kind))
        }
        #expect(MetricNames.current(["tv_loss": 1.0, "val_loss": 2.0, "tv_region_pearson_nan": 3.0]) == ["train_loss": 1.0, "val_loss": 2.0, "train_region_pearson_nan": 3.0])
    }

    /// select-checkpoint on a run written with the old names: the old and the current name pick the same epoch.
    @Test func checkpointSelectionReadsOldMetricNames() throws {
        let dir = try Self.temporaryDirectory("oldckpt")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try FileManager.default.createDirectory(atPath: dir + "/epochs", withIntermediateDirectories: true)
        let lines = [(1, 0.2), (2, 0.5), (3, 0.4)].map { "{\"kind\":\"val\",\"epoch\":\($0.0),\"step\":\($0.0 * 10),\"tv_region_pearson_median\":\($0.1),\"val_loss\":\(1.0 / Double($0.0))}" }
        try (lines.joined(separator: "\n") + "\n").write(toFile: dir + "/metrics.jsonl", atomically: true, encoding: .utf8)
        for e in 1...3 { FileManager.default.createFile(atPath: dir + String(format: "/epochs/epoch-%03d.safetensors", e), contents: Data()) }
        let current = try CheckpointChoice.select(run: dir, metric: "train_region_pearson_median")
        let old = try CheckpointChoice.select(run: dir, metric: "tv_region_pearson_median")
        #expect(current.epoch == 2 && current.value == 0.5 && current.metric == "train_region_pearson_median" && old == current)
        #expect(try CheckpointChoice.select(run: dir, metric: "val_loss").epoch == 3)
    }
}
