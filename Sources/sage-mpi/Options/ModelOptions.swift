import ArgumentParser
import SAGEDistributed
import SAGEEngine
import SAGEPipeline

/// SAGE-net hyperparameters as flags, named and explained as the configuration's model keys (`ConfigKeys`), with the
/// engine's defaults (SAGEConfig: the paper's model). Shared by `bench model`, `bench evaluate`, `bench scaling` and
/// `init-model`. Booleans are 0 or 1, as on SAGE-net's command line.
struct ModelOptions: ParsableArguments {
    private static let defaults = SAGEConfig()
    private typealias K = ConfigKeys
    private static func help<V>(_ key: Key<V>) -> ArgumentHelp { ArgumentHelp(key.key.help.isEmpty ? "\(key.name)." : "\(key.name): \(key.key.help).") }

    @Option(help: help(K.model)) var model = defaults.model
    @Option(help: help(K.inputLen)) var inputLen = defaults.inputLen
    @Option(help: help(K.firstLayerKernelNumber)) var firstLayerKernelNumber = defaults.firstLayerKernelNumber
    @Option(help: help(K.intLayersKernelNumber)) var intLayersKernelNumber = defaults.intLayersKernelNumber
    @Option(help: help(K.firstLayerKernelSize)) var firstLayerKernelSize = defaults.firstLayerKernelSize
    @Option(help: help(K.intLayersKernelSize)) var intLayersKernelSize = defaults.intLayersKernelSize
    @Option(help: help(K.hiddenSize)) var hiddenSize = defaults.hiddenSize
    @Option(help: help(K.nConvBlocks)) var nConvBlocks = defaults.nConvBlocks
    @Option(help: help(K.nDilatedConvBlocks)) var nDilatedConvBlocks = defaults.nDilatedConvBlocks
    @Option(help: help(K.increasingDilation)) var increasingDilation = defaults.increasingDilation ? 1 : 0
    @Option(help: help(K.hLayers)) var hLayers = defaults.hLayers
    @Option(help: help(K.poolingSize)) var poolingSize = defaults.poolingSize
    @Option(help: help(K.poolingType)) var poolingType = defaults.poolingType
    @Option(help: help(K.batchNorm)) var batchNorm = defaults.batchNorm ? 1 : 0
    @Option(help: help(K.dropout)) var dropout = defaults.dropout
    @Option(help: help(K.splitYData)) var splitYData = defaults.splitYData ? 1 : 0
    @Option(help: help(K.subtractOrConcat)) var subtractOrConcat = defaults.subtractOrConcat
    @Option(help: help(K.blockType)) var blockType = defaults.blockType

    func validate() throws { _ = try config() }

    func config() throws -> SAGEConfig {
        func flag(_ value: Int, _ name: String) throws -> Bool {
            guard value == 0 || value == 1 else { throw ValidationError("--\(name.replacingOccurrences(of: "_", with: "-")) must be 0 or 1, got \(value).") }
            return value == 1
        }
        var c = SAGEConfig(model: model)
        c.inputLen = inputLen
        c.firstLayerKernelNumber = firstLayerKernelNumber
        c.intLayersKernelNumber = intLayersKernelNumber
        c.firstLayerKernelSize = firstLayerKernelSize
        c.intLayersKernelSize = intLayersKernelSize
        c.hiddenSize = hiddenSize
        c.nConvBlocks = nConvBlocks
        c.nDilatedConvBlocks = nDilatedConvBlocks
        c.increasingDilation = try flag(increasingDilation, K.increasingDilation.name)
        c.hLayers = hLayers
        c.poolingSize = poolingSize
        c.poolingType = poolingType
        c.batchNorm = try flag(batchNorm, K.batchNorm.name)
        c.dropout = dropout
        c.splitYData = try flag(splitYData, K.splitYData.name)
        c.subtractOrConcat = subtractOrConcat
        c.blockType = blockType
        do { try c.validate() } catch let e as SAGEConfigError { throw ValidationError(e.description) }
        return c
    }
}
