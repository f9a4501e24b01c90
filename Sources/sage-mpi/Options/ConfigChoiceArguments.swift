import ArgumentParser
import SAGEDistributed
import SAGEEngine
import SAGEGenome

// The configuration's enum-valued keys as command-line values: parsed by their TOML spelling, and a value outside
// them refused by ArgumentParser with the list ("Please provide one of 'psagenet' and 'rsagenet'").

extension SAGEConfig.Kind: ExpressibleByArgument {
    public static var allValueStrings: [String] { choices.map(\.rawValue) }
    public var defaultValueDescription: String { rawValue }
}
extension SAGEConfig.DiffMode: ExpressibleByArgument {
    public static var allValueStrings: [String] { choices.map(\.rawValue) }
    public var defaultValueDescription: String { rawValue }
}
extension SAGEConfig.BlockType: ExpressibleByArgument {
    public static var allValueStrings: [String] { choices.map(\.rawValue) }
    public var defaultValueDescription: String { rawValue }
}
extension PoolType: ExpressibleByArgument {
    public static var allValueStrings: [String] { choices.map(\.rawValue) }
    public var defaultValueDescription: String { rawValue }
}
extension MissingDosage: ExpressibleByArgument {
    public static var allValueStrings: [String] { choices.map(\.rawValue) }
    public var defaultValueDescription: String { rawValue }
}
