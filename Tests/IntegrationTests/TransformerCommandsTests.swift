import Foundation
import SAGEEngine
import Testing

/// block_type = "transformer" through the commands: `init-model --block-type` + `predict` for 1 and 2 ranks, `train`
/// (dropout active: a killed and resumed run equals an uninterrupted one), `evaluate` for 1 and 2 ranks, the errors.
@Suite(.serialized) struct TransformerCommandsTests {
    /// d_model 6, 3 heads: the block runs at length 300 / 5 = 60 in the 2-block trunk.
    static let model = ["block_type=transformer", "first_layer_kernel_number=8", "int_layers_kernel_number=6",
                        "int_layers_kernel_size=3", "hidden_size=8", "n_conv_blocks=2", "pooling_size=5",
                        "checkpoint_every_steps=5", "max_epochs=50", "patience=0", "batch_size=4"].flatMap { ["--set", $0] }

    @Test func initModelAndPredictWithTheFlag() throws {
        let dir = try PredictTests.workspace()
        defer { try? FileManager.default.removeItem(at: dir) }
        let ckpt = dir.appendingPathComponent("m.safetensors").path, fasta = dir.appendingPathComponent("s.fa")
        let made = try Subprocess.alone(["init-model", "--block-type", "transformer", "--input-len", "120",
                                         "--first-layer-kernel-number", "8", "--int-layers-kernel-number", "6",
                                         "--int-layers-kernel-size", "2", "--hidden-size", "5", "--n-conv-blocks", "3",
                                         "--pooling-size", "4", "--out", ckpt, "--seed", "3"])
        #expect(made.status == 0, "\(made.combined)")
        let file = try SafeTensors.read(path: ckpt)
        #expect(file.names.contains("convlayers.4._module.0.2.layers.0.self_attn.in_proj_weight"))
        #expect(try SAGENet.load(checkpoint: ckpt).config.blockType == .transformer)
        try PredictTests.writeFASTA(fasta, items: 5, length: 120)
        var outputs: [String] = []
        for ranks in [1, 2] {
            let out = dir.appendingPathComponent("p\(ranks).csv").path
            let args = ["predict", "--checkpoint", ckpt, "--sequences", fasta.path, "--out", out, "--batch-size", "2"]
            let run = ranks == 1 ? try Subprocess.alone(args) : try Subprocess.mpi(ranks, args)
            #expect(run.status == 0, "\(run.combined)")
            outputs.append((try? String(contentsOfFile: out, encoding: .utf8)) ?? "")
        }
        #expect(outputs[0].split(separator: "\n").count == 6 && outputs[1] == outputs[0], "\(outputs[0])")

        let indivisible = try Subprocess.alone(["init-model", "--block-type", "transformer", "--out", ckpt + ".2"])
        #expect(indivisible.status != 0 && indivisible.stderr.contains("d_model (int_layers_kernel_number = 256) must be divisible by nhead (int_layers_kernel_size = 5)"),
                "\(indivisible.stderr)")
        let unknown = try Subprocess.alone(["init-model", "--block-type", "mamba", "--out", ckpt + ".3"])
        #expect(unknown.status != 0 && unknown.stderr.contains("The value 'mamba' is invalid for '--block-type <block-type>'. Please provide one of 'conv' and 'transformer'."), "\(unknown.stderr)")
    }

    @Test func trainResumeAndEvaluate() throws {
        let dir = try Subprocess.simulatedCohort("transformer", regions: 6, individuals: 24, inputLen: 300, seed: 6)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let config = dir + "/sage.toml"
        let prep = try Subprocess.mpi(2, ["prepare", "--config", config])
        #expect(prep.status == 0, "\(prep.combined)")
        let base = ["train", "--config", config] + Self.model
        // One rank: the state file holds rank 0's dropout generator only, so a resumed multi-rank run with dropout
        // is not exact on the other ranks (for the conv model's dropout too); see the report of this change.
        let whole = try Subprocess.alone(base + ["--out", dir + "/whole", "--max-steps", "12"], timeout: 300)
        #expect(whole.status == 0, "\(whole.combined)")
        let killed = try Subprocess.alone(base + ["--out", dir + "/killed", "--max-steps", "12", "--kill-after-steps", "7", "--kill-rank", "0"], timeout: 300)
        #expect(killed.status != 0)
        let resumed = try Subprocess.alone(["train", "--resume", dir + "/killed", "--max-steps", "12"], timeout: 300)
        #expect(resumed.status == 0, "\(resumed.combined)")
        let a = try TrainingTests.state(dir + "/whole"), b = try TrainingTests.state(dir + "/killed")
        TrainingTests.expectClose(b.params, a.params, rtol: 1e-6, atol: 1e-7, "parameters after kill + resume (transformer dropout on)")

        let checkpoint = dir + "/whole/last.safetensors"
        #expect(try SAGENet.load(checkpoint: checkpoint).config.blockType == .transformer)
        var outputs: [String] = []
        for ranks in [1, 2] {
            let args = ["evaluate", "--checkpoint", checkpoint, "--config", config, "--regions", "all", "--individuals", "val",
                        "--out", dir + "/eval\(ranks)", "--batch-size", "3"]
            let run = ranks == 1 ? try Subprocess.alone(args, timeout: 300) : try Subprocess.mpi(ranks, args, timeout: 300)
            #expect(run.status == 0, "\(run.combined)")
            outputs.append((try? String(contentsOfFile: dir + "/eval\(ranks)/predictions.csv", encoding: .utf8)) ?? "")
        }
        #expect(outputs[0].split(separator: "\n").count > 1 && outputs[1] == outputs[0])

        let bad = try Subprocess.alone(["config", "--config", config, "--set", "block_type=mamba"])
        #expect(bad.status != 0 && bad.stderr.contains("block_type must be one of conv, transformer, got \"mamba\""), "\(bad.stderr)")
    }
}
