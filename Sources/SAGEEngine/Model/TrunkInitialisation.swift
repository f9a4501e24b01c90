extension SAGENet {
    /// SAGE-net's `init_model_from_ref`: the convolutional trunk (conv0, convlayers, dilated_convlayers) from a
    /// checkpoint (an r-SAGE-net's, for p-SAGE-net's `init_from`), tensors matched by name and shape. Unlike
    /// SAGE-net (BUG-4), an r-SAGE-net whose conv0 has batch norm (which p-SAGE-net's lacks) still loads: the
    /// tensors this model lacks are skipped and returned. A shape mismatch, or a file without trunk tensors, is a
    /// SafeTensorsError naming the file.
    public func loadTrunk(from path: String) throws -> (copied: Int, skipped: [String]) {
        let file = try SafeTensors.read(path: path)
        let trunkNames = file.names.filter { $0.hasPrefix("conv0.") || $0.hasPrefix("convlayers.") || $0.hasPrefix("dilated_convlayers.") }
        var copied = 0, skipped: [String] = []
        for name in trunkNames {
            do {
                if try loadTensor(name, from: file, source: path) { copied += 1 } else { skipped.append(name) }
            } catch let error as SafeTensorsError {
                throw SafeTensorsError("\(error.description) (init_from needs the same trunk hyperparameters)")
            }
        }
        guard copied > 0 else { throw SafeTensorsError("\(path): no trunk tensors (conv0.*, convlayers.*) to initialise from") }
        return (copied, skipped)
    }
}
