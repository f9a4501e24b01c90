import ArgumentParser
import SAGEEngine

/// SAGE-net hyperparameters as flags (defaults: the paper's model). Shared by `bench model` and `init-model`.
struct ModelOptions: ParsableArguments {
    @Option(help: "psagenet or rsagenet.") var model = "psagenet"
    @Option(help: "input_len.") var inputLen = 40000
    @Option(help: "first_layer_kernel_number.") var firstLayerKernelNumber = 900
    @Option(help: "int_layers_kernel_number.") var intLayersKernelNumber = 256
    @Option(help: "first_layer_kernel_size.") var firstLayerKernelSize = 10
    @Option(help: "int_layers_kernel_size.") var intLayersKernelSize = 5
    @Option(help: "hidden_size.") var hiddenSize = 256
    @Option(help: "n_conv_blocks.") var nConvBlocks = 5
    @Option(help: "n_dilated_conv_blocks.") var nDilatedConvBlocks = 0
    @Option(help: "increasing_dilation (0 or 1).") var increasingDilation = 0
    @Option(help: "h_layers.") var hLayers = 1
    @Option(help: "pooling_size.") var poolingSize = 10
    @Option(help: "pooling_type: avg or max.") var poolingType = "avg"
    @Option(help: "batch_norm (0 or 1).") var batchNorm = 1
    @Option(help: "dropout.") var dropout: Float = 0
    @Option(help: "split_y_data (0 or 1; p-SAGE-net).") var splitYData = 1
    @Option(help: "subtract_or_concat: subtract or concat (p-SAGE-net).") var subtractOrConcat = "subtract"
    @Option(help: "block_type: conv, or transformer (the last residual block becomes a transformer encoder layer; nhead = int_layers_kernel_size must divide int_layers_kernel_number).")
    var blockType = "conv"

    func validate() throws { _ = try config() }

    func config() throws -> SAGEConfig {
        guard let kind = SAGEConfig.Kind(rawValue: model) else { throw ValidationError("--model must be psagenet or rsagenet, got '\(model)'.") }
        guard let pool = PoolType(rawValue: poolingType) else { throw ValidationError("--pooling-type must be avg or max, got '\(poolingType)'.") }
        guard let diff = SAGEConfig.DiffMode(rawValue: subtractOrConcat) else {
            throw ValidationError("--subtract-or-concat must be subtract or concat, got '\(subtractOrConcat)'.")
        }
        guard let block = SAGEConfig.BlockType(rawValue: blockType) else {
            throw ValidationError("--block-type must be conv or transformer, got '\(blockType)'.")
        }
        var c = SAGEConfig(model: kind)
        c.inputLen = inputLen
        c.firstLayerKernelNumber = firstLayerKernelNumber
        c.intLayersKernelNumber = intLayersKernelNumber
        c.firstLayerKernelSize = firstLayerKernelSize
        c.intLayersKernelSize = intLayersKernelSize
        c.hiddenSize = hiddenSize
        c.nConvBlocks = nConvBlocks
        c.nDilatedConvBlocks = nDilatedConvBlocks
        c.increasingDilation = increasingDilation != 0
        c.hLayers = hLayers
        c.poolingSize = poolingSize
        c.poolingType = pool
        c.batchNorm = batchNorm != 0
        c.dropout = dropout
        c.splitYData = splitYData != 0
        c.subtractOrConcat = diff
        c.blockType = block
        do { try c.validate() } catch let e as SAGEConfigError { throw ValidationError(e.description) }
        return c
    }
}
