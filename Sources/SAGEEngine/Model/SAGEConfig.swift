/// Hyperparameters of rSAGEnet / pSAGEnet under SAGE-net's own parameter names (JSON/TOML keys), with
/// SAGE-net's defaults (the paper's model). Missing keys take the defaults.
public struct SAGEConfig: Codable, Sendable, Equatable {
    public enum Kind: String, Codable, Sendable { case rsagenet, psagenet }
    public enum DiffMode: String, Codable, Sendable { case subtract, concat }
    /// The last residual block of the convolutional stack: SAGE-net's conv block, or its transformer block
    /// (LayerNorm + one TransformerEncoderLayer, d_model int_layers_kernel_number, nhead int_layers_kernel_size).
    public enum BlockType: String, Codable, Sendable, CaseIterable { case conv, transformer }

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
    public var blockType: BlockType = .conv

    public init(model: Kind = .psagenet) { self.model = model }

    enum CodingKeys: String, CodingKey {
        case model, dropout
        case inputLen = "input_len", firstLayerKernelNumber = "first_layer_kernel_number"
        case intLayersKernelNumber = "int_layers_kernel_number", firstLayerKernelSize = "first_layer_kernel_size"
        case intLayersKernelSize = "int_layers_kernel_size", hiddenSize = "hidden_size", nConvBlocks = "n_conv_blocks"
        case nDilatedConvBlocks = "n_dilated_conv_blocks", increasingDilation = "increasing_dilation"
        case hLayers = "h_layers", poolingSize = "pooling_size", poolingType = "pooling_type", batchNorm = "batch_norm"
        case splitYData = "split_y_data", subtractOrConcat = "subtract_or_concat", blockType = "block_type"
    }

    /// Decodes SAGE-net's keys (unknown keys are ignored, missing ones take the defaults) and validates the result.
    /// A key of the wrong type is a SAGEConfigError naming the key, what it must be and what it holds.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        /// What `key` holds, for the message ("", when it is none of a number, string or boolean).
        func found(_ key: CodingKeys) -> String {
            if let b = try? c.decode(Bool.self, forKey: key) { return ", got \(b)" }
            if let d = try? c.decode(Double.self, forKey: key) { return ", got \(d)" }
            if let s = try? c.decode(String.self, forKey: key) { return ", got \"\(s.prefix(40))\"" }
            return ""
        }
        func get<T: Decodable>(_ key: CodingKeys, _ value: inout T, _ expected: String) throws {
            do {
                if let v = try c.decodeIfPresent(T.self, forKey: key) { value = v }
            } catch {   // a DecodingError, or (swift-foundation) its JSONError for a number no Int holds
                throw SAGEConfigError("\(key.stringValue) must be \(expected)\(found(key))")
            }
        }
        // Booleans may be written as 0/1, as SAGE-net's command line does.
        func getBool(_ key: CodingKeys, _ value: inout Bool) throws {
            if let b = try? c.decodeIfPresent(Bool.self, forKey: key) { value = b; return }
            var i = value ? 1 : 0
            try get(key, &i, "true, false, 0 or 1")
            guard i == 0 || i == 1 else { throw SAGEConfigError("\(key.stringValue) must be true, false, 0 or 1, got \(i)") }
            value = i == 1
        }
        let integer = "an integer"
        try get(.model, &model, "psagenet or rsagenet")
        try get(.inputLen, &inputLen, integer)
        try get(.firstLayerKernelNumber, &firstLayerKernelNumber, integer)
        try get(.intLayersKernelNumber, &intLayersKernelNumber, integer)
        try get(.firstLayerKernelSize, &firstLayerKernelSize, integer)
        try get(.intLayersKernelSize, &intLayersKernelSize, integer)
        try get(.hiddenSize, &hiddenSize, integer)
        try get(.nConvBlocks, &nConvBlocks, integer)
        try get(.nDilatedConvBlocks, &nDilatedConvBlocks, integer)
        try getBool(.increasingDilation, &increasingDilation)
        try get(.hLayers, &hLayers, integer)
        try get(.poolingSize, &poolingSize, integer)
        try get(.poolingType, &poolingType, "avg or max")
        try getBool(.batchNorm, &batchNorm)
        try get(.dropout, &dropout, "a number in [0, 1)")
        try getBool(.splitYData, &splitYData)
        try get(.subtractOrConcat, &subtractOrConcat, "subtract or concat")
        try get(.blockType, &blockType, "conv or transformer")
        try validate()
    }

    /// The range each integer hyperparameter must lie in. Far wider than any SAGE-net variant (the paper's model
    /// is input_len 40000, 900 and 256 kernels of sizes 10 and 5, hidden 256, 5 blocks, pooling 10), and narrow
    /// enough that no size computed from them overflows, so that the memory estimate (`memoryEstimate`) can judge
    /// a configuration before anything is allocated.
    public var integerLimits: [(key: String, value: Int, range: ClosedRange<Int>)] {
        [("input_len", inputLen, 1...10_000_000),
         ("first_layer_kernel_number", firstLayerKernelNumber, 1...4096),
         ("int_layers_kernel_number", intLayersKernelNumber, 1...4096),
         ("first_layer_kernel_size", firstLayerKernelSize, 1...1024),
         ("int_layers_kernel_size", intLayersKernelSize, 1...1024),
         ("hidden_size", hiddenSize, 1...16384),
         ("n_conv_blocks", nConvBlocks, 1...64),
         ("n_dilated_conv_blocks", nDilatedConvBlocks, 0...64),
         ("h_layers", hLayers, 0...64),
         ("pooling_size", poolingSize, 1...1024)]
    }

    /// With increasing_dilation the i-th dilated block has dilation 2^(i+1), so n blocks end at 2^n: at most 2^30
    /// (every tap but the centre reads padding long before; by 2^63 the shift would overflow).
    public static let maxIncreasingDilatedBlocks = 30

    /// Rejects hyperparameters out of range or inconsistent with each other, naming the key and the allowed range.
    public func validate() throws {
        for (key, value, range) in integerLimits where !range.contains(value) {
            throw SAGEConfigError("\(key) must be in \(range.lowerBound)...\(range.upperBound), got \(value)")
        }
        if !(0..<1).contains(dropout) { throw SAGEConfigError("dropout must be in [0, 1), got \(dropout)") }
        if increasingDilation && nDilatedConvBlocks > Self.maxIncreasingDilatedBlocks {
            throw SAGEConfigError("n_dilated_conv_blocks = \(nDilatedConvBlocks) with increasing_dilation gives the last block dilation 2^\(nDilatedConvBlocks); at most \(Self.maxIncreasingDilatedBlocks) blocks (dilation 2^\(Self.maxIncreasingDilatedBlocks)) with increasing_dilation")
        }
        if blockType == .transformer {
            if nConvBlocks < 2 {
                throw SAGEConfigError("block_type = transformer replaces the last residual conv block, and n_conv_blocks = \(nConvBlocks) has none; use n_conv_blocks 2 or more")
            }
            if intLayersKernelNumber % intLayersKernelSize != 0 {
                throw SAGEConfigError("block_type = transformer: d_model (int_layers_kernel_number = \(intLayersKernelNumber)) must be divisible by nhead (int_layers_kernel_size = \(intLayersKernelSize)); SAGE-net's ablation uses 255 and 5")
            }
        }
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
        if hasTransformerBlock { lengths.removeLast() }          // (the transformer block has no batch norm)
        if nDilatedConvBlocks > 0 { lengths.append(fcDim) }
        return lengths.min()   // (r-SAGE-net's conv0 batch norm runs at input_len, never the shortest)
    }

    /// Items a process needs in a training batch so that every batch-norm layer sees more than one value per
    /// channel: 2 when some batch norm runs at length 1, else 1.
    public var minimumTrainingBatch: Int { shortestBatchNormLength == 1 ? 2 : 1 }

    /// Whether block n_conv_blocks - 1 (at length L[n_conv_blocks - 1]) is the transformer block.
    public var hasTransformerBlock: Bool { blockType == .transformer && nConvBlocks >= 2 }

    /// Dilation of the i-th dilated block: 2, or 2^(i+1) with increasing_dilation.
    public func dilation(ofDilatedBlock i: Int) -> Int { increasingDilation ? 1 << (i + 1) : 2 }

    /// Outputs per item: rSAGEnet 1 (mean), pSAGEnet 2 (mean, difference).
    public var outputCount: Int { model == .psagenet ? 2 : 1 }
}

public struct SAGEConfigError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
}
