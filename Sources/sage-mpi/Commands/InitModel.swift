import ArgumentParser
import SAGEDistributed
import SAGEPipeline
import SAGEEngine

struct InitModel: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init-model",
        abstract: "Write a freshly initialised r-SAGE-net or p-SAGE-net checkpoint (PyTorch's default initialisation).",
        discussion: """
        The file is safetensors with SAGE-net's state_dict names and the hyperparameters as JSON under the \
        "sage_config" metadata key, so PyTorch loads it with load_state_dict(..., strict=True).
        """)

    @OptionGroup var hyperparameters: ModelOptions

    @Option(help: "Output checkpoint path (.safetensors). Written atomically.")
    var out: String

    @Option(help: "Seed of the initialisation.")
    var seed: UInt64 = 0

    @OptionGroup var force: ForceOption

    func run() throws {
        // Ours: a safetensors file (8-byte header length, then JSON) that names sage_config.
        try OutputGuard.checkFile(out, inputs: [], force: force.force, what: "checkpoint") { head in
            head.count > 9 && head[head.startIndex + 8] == UInt8(ascii: "{") && String(decoding: head, as: UTF8.self).contains("sage_config")
        }
        let model = try SAGENet(config: try hyperparameters.config(), seed: seed)
        try model.save(checkpoint: out)
        print("wrote \(out): \(model.config.model.rawValue), \(model.store.parameterCount) parameters")
    }
}
