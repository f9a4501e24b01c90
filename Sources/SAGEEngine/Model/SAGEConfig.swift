/// Hyperparameters of rSAGEnet / pSAGEnet under SAGE-net's own parameter names (JSON/TOML keys), with
/// SAGE-net's defaults (the paper's model). Missing keys take the defaults.
public struct SAGEConfig: Codable, Sendable, Equatable {
    public enum Kind: String, Codable, Sendable { case rsagenet, psagenet }
    public enum DiffMode: String, Codable, Sendable { case subtract, concat }

    public var model: Kind = .psagenet
    public var inputLen = 40000
    public var firstLayerKernelNumber = 900
    public var intLayersKernelNumber = 256
    public var firstLayerKernelSize = 10
    public var intLayersKernelSize = 5
    public var hiddenSize = 256
    public var nConvBlocks = 5
    public var nDilatedConvBlocks = 0
    public var increasingDilation = false
    public var hLayers = 1
    public var poolingSize = 10
    public var poolingType: PoolType = .avg
    public var batchNorm = true
    public var dropout: Float = 0
    public var splitYData = true
    public var subtractOrConcat: DiffMode = .subtract

    public init(model: Kind = .psagenet) { self.model = model }

    enum CodingKeys: String, CodingKey {
        case model, dropout
        case inputLen = "input_len", firstLayerKernelNumber = "first_layer_kernel_number"
        case intLayersKernelNumber = "int_layers_kernel_number", firstLayerKernelSize = "first_layer_kernel_size"
        case intLayersKernelSize = "int_layers_kernel_size", hiddenSize = "hidden_size", nConvBlocks = "n_conv_blocks"
        case nDilatedConvBlocks = "n_dilated_conv_blocks", increasingDilation = "increasing_dilation"
        case hLayers = "h_layers", poolingSize = "pooling_size", poolingType = "pooling_type", batchNorm = "batch_norm"
        case splitYData = "split_y_data", subtractOrConcat = "subtract_or_concat"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        func get<T: Decodable>(_ key: CodingKeys, _ value: inout T) throws {
            if let v = try c.decodeIfPresent(T.self, forKey: key) { value = v }
        }
        // Booleans may be written as 0/1, as SAGE-net's command line does.
        func getBool(_ key: CodingKeys, _ value: inout Bool) throws {
            if let b = try? c.decodeIfPresent(Bool.self, forKey: key) { value = b }
            else if let i = try c.decodeIfPresent(Int.self, forKey: key) { value = i != 0 }
        }
        try get(.model, &model)
        try get(.inputLen, &inputLen)
        try get(.firstLayerKernelNumber, &firstLayerKernelNumber)
        try get(.intLayersKernelNumber, &intLayersKernelNumber)
        try get(.firstLayerKernelSize, &firstLayerKernelSize)
        try get(.intLayersKernelSize, &intLayersKernelSize)
        try get(.hiddenSize, &hiddenSize)
        try get(.nConvBlocks, &nConvBlocks)
        try get(.nDilatedConvBlocks, &nDilatedConvBlocks)
        try getBool(.increasingDilation, &increasingDilation)
        try get(.hLayers, &hLayers)
        try get(.poolingSize, &poolingSize)
        try get(.poolingType, &poolingType)
        try getBool(.batchNorm, &batchNorm)
        try get(.dropout, &dropout)
        try getBool(.splitYData, &splitYData)
        try get(.subtractOrConcat, &subtractOrConcat)
        try validate()
    }

    /// Rejects sizes the architecture cannot be built with, naming the key.
    public func validate() throws {
        let positive: [(String, Int)] = [("input_len", inputLen), ("first_layer_kernel_number", firstLayerKernelNumber),
            ("int_layers_kernel_number", intLayersKernelNumber), ("first_layer_kernel_size", firstLayerKernelSize),
            ("int_layers_kernel_size", intLayersKernelSize), ("hidden_size", hiddenSize), ("n_conv_blocks", nConvBlocks),
            ("pooling_size", poolingSize)]
        for (key, value) in positive where value < 1 {
            throw SAGEConfigError("\(key) must be at least 1, got \(value)")
        }
        if nDilatedConvBlocks < 0 || hLayers < 0 { throw SAGEConfigError("n_dilated_conv_blocks and h_layers must be >= 0") }
        if !(0..<1).contains(dropout) { throw SAGEConfigError("dropout must be in [0, 1), got \(dropout)") }
    }

    /// Sequence length after each pooling of the convolutional stack (ceil mode): L, ceil(L/p), ...
    public var pooledLengths: [Int] {
        var lengths = [inputLen]
        for _ in 0..<nConvBlocks { lengths.append(pooledLength(lengths.last!, size: poolingSize)) }
        return lengths
    }

    /// Length of the trunk's output; fc0's input is fcDim * int_layers_kernel_number (channel-major flatten).
    public var fcDim: Int { pooledLengths.last! }

    /// The shortest length a batch-norm layer normalises over (nil without batch norm). A channel's training
    /// statistics pool batch x length values: at length 1 a batch of one item leaves one value, which PyTorch
    /// refuses ("Expected more than 1 value per channel when training") and which would normalise to beta.
    public var shortestBatchNormLength: Int? {
        guard batchNorm else { return nil }
        var lengths = Array(pooledLengths.prefix(nConvBlocks))   // the conv blocks' inputs (L[i] for block i)
        if nDilatedConvBlocks > 0 { lengths.append(fcDim) }
        return lengths.min()   // (r-SAGE-net's conv0 batch norm runs at input_len, never the shortest)
    }

    /// Items a process needs in a training batch so that every batch-norm layer sees more than one value per
    /// channel: 2 when some batch norm runs at length 1, else 1.
    public var minimumTrainingBatch: Int { shortestBatchNormLength == 1 ? 2 : 1 }

    /// Dilation of the i-th dilated block: 2, or 2^(i+1) with increasing_dilation.
    public func dilation(ofDilatedBlock i: Int) -> Int { increasingDilation ? 1 << (i + 1) : 2 }

    /// Outputs per item: rSAGEnet 1 (mean), pSAGEnet 2 (mean, difference).
    public var outputCount: Int { model == .psagenet ? 2 : 1 }
}

public struct SAGEConfigError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
}
