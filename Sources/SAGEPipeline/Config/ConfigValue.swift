import SAGEEngine

/// A configuration value as TOML holds it (before it is decoded into a typed group; see `ConfigKeys`).
public enum ConfigValue: Sendable, Equatable, CustomStringConvertible {
    case int(Int), double(Double), bool(Bool), string(String), list([String]), none

    /// TOML text of the value.
    public var description: String {
        switch self {
        case .int(let v): "\(v)"
        case .double(let v): "\(v)"
        case .bool(let v): v ? "true" : "false"
        case .string(let v): tomlString(v)
        case .list(let v): "[" + v.map(tomlString).joined(separator: ", ") + "]"
        case .none: "\"\""
        }
    }
}

func tomlString(_ s: String) -> String {
    "\"" + s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
}

/// One key's declaration without its Swift type (`Key<Value>` adds it): SAGE-net's name, the TOML kind, the default,
/// the allowed values and the help `sage-mpi config --keys` prints.
public struct ConfigKey: Sendable {
    public enum Kind: String, Sendable { case int = "an integer", double = "a number", bool = "true/false (or 1/0)", string = "a string", list = "a list of strings", path = "a path" }
    public let name: String, kind: Kind, defaultValue: ConfigValue, help: String
    /// What a value must satisfy beyond its kind (checked once, when a RunConfig is built).
    public var allowed: Allowed = .any
    /// r-SAGE-net's default where SAGE-net's r-SAGE-net trainer differs from its p-SAGE-net trainer (used for a key
    /// left unset when model = "rsagenet"); nil: one default for both.
    public var rsagenetDefault: ConfigValue? = nil

    /// The default for `model`.
    public func defaultValue(for model: SAGEConfig.Kind) -> ConfigValue { model == .rsagenet ? rsagenetDefault ?? defaultValue : defaultValue }
}

/// The values a key accepts. Numeric bounds are inclusive unless `open`.
public enum Allowed: Sendable {
    case any
    case range(Double, Double, openBelow: Bool = false)
    case oneOf([String])

    /// Why `value` is refused, or nil.
    func violation(_ value: ConfigValue) -> String? {
        switch (self, value) {
        case (.range(let lo, let hi, let open), .int(let v)): return Self.outside(Double(v), lo, hi, open, integer: true)
        case (.range(let lo, let hi, let open), .double(let v)): return Self.outside(v, lo, hi, open, integer: false)
        case (.oneOf(let names), .string(let v)) where !names.contains(v): return "one of \(names.joined(separator: ", "))"
        default: return nil
        }
    }

    static func outside(_ v: Double, _ lo: Double, _ hi: Double, _ open: Bool, integer: Bool) -> String? {
        guard !v.isFinite || (open ? v <= lo : v < lo) || v > hi else { return nil }
        return describe(lo, hi, open)
    }

    static func describe(_ lo: Double, _ hi: Double, _ open: Bool) -> String {
        func show(_ x: Double) -> String { x == countLimit ? "2^40" : x == x.rounded() && abs(x) < 1e15 ? String(Int(x)) : "\(x)" }
        if hi > countLimit { return open ? "greater than \(show(lo))" : "at least \(show(lo))" }
        return "\(open ? "in (" : "in [")\(show(lo)), \(show(hi))]"
    }

    /// For `config --keys`.
    public var summary: String? {
        switch self {
        case .any: nil
        case .range(let lo, let hi, let open): Self.describe(lo, hi, open)
        case .oneOf(let names): names.joined(separator: "|")
        }
    }
}

/// An upper bound for counts that keeps their arithmetic and memory finite (real runs are far below); `noLimit`
/// for values whose only bound is their type's (shown as "at least ...").
let countLimit = Double(1 << 40), noLimit = Double.greatestFiniteMagnitude

