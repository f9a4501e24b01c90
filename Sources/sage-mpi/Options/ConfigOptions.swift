import ArgumentParser
import SAGEPipeline

/// `--config sage.toml` and `--set key=value` overrides (keys: `sage-mpi config --keys`).
struct ConfigOptions: ParsableArguments {
    @Option(help: "Run configuration (TOML; keys are SAGE-net's parameter names, paths relative to the file).") var config: String?
    @Option(name: .customLong("set"), help: ArgumentHelp("Override a configuration key (repeatable), e.g. --set batch_size=8.", valueName: "key=value"))
    var overrides: [String] = []

    func load() throws -> RunConfig { try RunConfig(file: config, overrides: overrides) }
}
