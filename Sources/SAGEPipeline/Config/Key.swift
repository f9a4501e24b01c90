import SAGEEngine
import SAGEGenome

/// A configuration key with the Swift type its value decodes to: the one declaration of the key (in `ConfigKeys`),
/// which the typed groups read with `ConfigReader` (never by name).
public struct Key<Value: ConfigDecodable>: Sendable {
    public private(set) var key: ConfigKey
    public var name: String { key.name }

    init(_ name: String, _ kind: ConfigKey.Kind, _ defaultValue: ConfigValue, _ help: String, _ allowed: Allowed = .any) {
        key = ConfigKey(name: name, kind: kind, defaultValue: defaultValue, help: help, allowed: allowed)
    }

    /// The same key with r-SAGE-net's own default (SAGE-net's train_rsagenet.py).
    func rsagenet(_ value: ConfigValue) -> Key { var k = self; k.key.rsagenetDefault = value; return k }
}

extension Key where Value == Int {
    static func int(_ name: String, _ value: Int, _ help: String, _ allowed: Allowed = .any) -> Key { Key(name, .int, .int(value), help, allowed) }
}
extension Key where Value == Double {
    static func number(_ name: String, _ value: Double, _ help: String, _ allowed: Allowed = .any) -> Key { Key(name, .double, .double(value), help, allowed) }
}
extension Key where Value == Bool {
    static func flag(_ name: String, _ value: Bool, _ help: String) -> Key { Key(name, .bool, .bool(value), help) }
}
extension Key where Value == [String] {
    static func list(_ name: String, _ value: [String], _ help: String) -> Key { Key(name, .list, .list(value), help) }
}
extension Key where Value == String {
    /// A string that is never unset (an empty value is refused).
    static func text(_ name: String, _ value: String, _ help: String) -> Key { Key(name, .string, .string(value), help) }
}
extension Key where Value == String? {
    /// A path (made absolute against the file's directory), unset by default.
    static func path(_ name: String, _ help: String) -> Key { Key(name, .path, .none, help) }
    /// A path whose default is `value` (relative to the configuration file).
    static func path(_ name: String, _ value: String, _ help: String) -> Key { Key(name, .path, .string(value), help) }
    /// A string, unset by default.
    static func text(_ name: String, _ help: String) -> Key { Key(name, .string, .none, help) }
}
extension Key where Value: ConfigChoice {
    /// One of an enum's values, by its raw value (a refused value is named with the allowed ones).
    static func choice(_ name: String, _ value: Value, _ help: String) -> Key {
        Key(name, .string, .string(value.rawValue), help, .oneOf(Value.choices.map(\.rawValue)))
    }
}

/// A type a configuration value decodes to. A value has been checked against its key's kind when it was read, so
/// `decoded` fails only for a key declared with the wrong type.
public protocol ConfigDecodable: Sendable {
    static func decoded(_ value: ConfigValue) -> Self?
}

extension Int: ConfigDecodable {
    public static func decoded(_ value: ConfigValue) -> Int? { if case .int(let v) = value { v } else { nil } }
}
extension Double: ConfigDecodable {
    public static func decoded(_ value: ConfigValue) -> Double? { if case .double(let v) = value { v } else { nil } }
}
extension String: ConfigDecodable {
    public static func decoded(_ value: ConfigValue) -> String? { if case .string(let v) = value { v } else { nil } }
}
extension Bool: ConfigDecodable {
    public static func decoded(_ value: ConfigValue) -> Bool? { if case .bool(let v) = value { v } else { nil } }
}
extension Array: ConfigDecodable where Element == String {
    public static func decoded(_ value: ConfigValue) -> [String]? { if case .list(let v) = value { v } else { nil } }
}
extension Optional: ConfigDecodable where Wrapped == String {
    /// An unset (or empty) string or path is nil.
    public static func decoded(_ value: ConfigValue) -> String?? {
        switch value {
        case .string(let v): .some(v)
        case .none: .some(nil)
        default: nil
        }
    }
}

/// An enum-valued key: TOML and `--set` hold its raw value; the command line parses it the same way
/// (`ExpressibleByArgument` in the executable). `choices` in the order messages list them.
public protocol ConfigChoice: RawRepresentable<String>, ConfigDecodable {
    static var choices: [Self] { get }
}

extension ConfigChoice {
    public static func decoded(_ value: ConfigValue) -> Self? { if case .string(let v) = value { Self(rawValue: v) } else { nil } }
    /// "a, b or c".
    public static var choiceList: String {
        let names = choices.map(\.rawValue)
        return names.count < 2 ? names.joined() : names.dropLast().joined(separator: ", ") + " or " + names.last!
    }
}

extension ConfigChoice where Self: CaseIterable {
    public static var choices: [Self] { Array(allCases) }
}

extension SAGEConfig.Kind: ConfigChoice { public static var choices: [Self] { [.psagenet, .rsagenet] } }
extension SAGEConfig.DiffMode: ConfigChoice { public static var choices: [Self] { [.subtract, .concat] } }
extension SAGEConfig.BlockType: ConfigChoice {}
extension PoolType: ConfigChoice { public static var choices: [Self] { [.avg, .max] } }
extension TargetCentre: ConfigChoice { public static var choices: [Self] { [.mean, .median] } }
extension MissingDosage: ConfigChoice {}

/// The learning-rate schedule (SAGE-net's `scheduler`; its "cycle" is read as cyclic).
public enum Scheduler: String, Sendable, CaseIterable, ConfigChoice {
    /// CyclicLR per step: base lr/2, max 2 lr, half period step_size_up.
    case cyclic
    /// ReduceLROnPlateau per epoch on `monitor` (lr_patience).
    case plateau
    case none
}

/// The merged values of a configuration, read through typed keys (by the groups' decoders, in this folder).
struct ConfigReader {
    let values: [String: ConfigValue]
    /// Where each value that is not a default came from (the file, or `--set key`).
    let origins: [String: String]
    let file: String?

    subscript<V>(_ key: Key<V>) -> V {
        guard let value = values[key.name], let decoded = V.decoded(value) else { fatalError("config key \(key.name) is declared as \(V.self) but holds \(values[key.name] ?? .none)") }
        return decoded
    }

    /// Where `key`'s value came from (the file, `--set key`), else the configuration file, for messages.
    func origin<V>(_ key: Key<V>) -> String { origins[key.name] ?? file ?? "configuration" }

    func path(_ key: Key<String?>) -> ConfiguredPath { ConfiguredPath(key: key.name, value: self[key], source: file ?? "configuration") }
}

/// A path (or string) key's value with its name, so that a command which cannot run without it says which key to set.
public struct ConfiguredPath: Sendable, Equatable {
    public let key: String
    public let value: String?
    /// The configuration file (for the message).
    let source: String

    /// The value, or a ConfigError naming the key and `purpose` ("to train", "(the reference ISM mutates)").
    public func required(for purpose: String) throws -> String {
        guard let value else { throw ConfigError("\(source): '\(key)' is required \(purpose)") }
        return value
    }
}
