import Foundation
import SAGEDistributed
import SAGEEngine
import SAGEGenome
import TOMLKit

/// A run configuration: sage.toml (keys in ConfigKeys) with command-line overrides `key=value` on top.
/// Paths are resolved to absolute paths: relative to the file's directory (`--set` values: to the working
/// directory), so a resolved config.toml means the same from anywhere. Every value is checked against its key's
/// kind and allowed values, and an unknown key is an error naming the file and the closest known key.
public struct RunConfig: Sendable {
    public let file: String?
    public private(set) var values: [String: ConfigValue]
    /// Where each value that is not a default came from (the file, or `--set key`), for messages.
    private var origins: [String: String] = [:]
    /// What was read other than as written: SAGE-net's spellings and r-SAGE-net's defaults (in the resolved file).
    public private(set) var notes: [String] = []
    /// How and from which source each key was last written (to refuse both spellings of a key in one source).
    private var spelling: [String: String] = [:], sources: [String: String] = [:]

    public init(file: String?, overrides: [String] = []) throws {
        self.file = file
        values = Dictionary(uniqueKeysWithValues: ConfigKeys.all.map { ($0.name, $0.defaultValue) })
        let workingDirectory = FileManager.default.currentDirectoryPath
        let baseDirectory = absolutePath(file.map { ($0 as NSString).deletingLastPathComponent } ?? workingDirectory)
        for key in ConfigKeys.all where key.kind == .path {  // default paths are relative to the file too
            if case .string(let v) = key.defaultValue { values[key.name] = .string(absolutePath((baseDirectory as NSString).appendingPathComponent(v))) }
        }
        if let file {
            guard let text = try? String(contentsOfFile: file, encoding: .utf8) else { throw ConfigError("\(file): cannot read the configuration") }
            let table: TOMLTable
            do { table = try TOMLTable(string: text) } catch let e as TOMLParseError {
                throw ConfigError("\(file):\(e.source.begin.line):\(e.source.begin.column): \(e.description)")
            }
            for key in table.keys {
                try set(key, table[key]!, from: file, baseDirectory: baseDirectory)
            }
        }
        for override in overrides {
            guard let eq = override.firstIndex(of: "=") else { throw ConfigError("--set \(override): expected key=value") }
            let key = String(override[..<eq]).trimmingCharacters(in: .whitespaces)
            let raw = String(override[override.index(after: eq)...]).trimmingCharacters(in: .whitespaces)
            let parsed = (try? TOMLTable(string: "v = \(raw)"))?["v"] ?? raw
            try set(key, parsed, from: "--set \(key)", baseDirectory: workingDirectory)
        }
        if string("model") == "rsagenet" {
            for (name, value) in ConfigKeys.rsagenetDefaults.sorted(by: { $0.key < $1.key }) where origins[name] == nil {
                values[name] = value
                notes.append("\(name) = \(value): r-SAGE-net's default (SAGE-net's train_rsagenet.py)")
            }
        }
        try checkValues()
        _ = try model()
    }

    /// Every key's allowed values, then the constraints between keys.
    private func checkValues() throws {
        for key in ConfigKeys.all {
            guard let value = values[key.name], let wanted = key.allowed.violation(value) else { continue }
            throw ConfigError("\(origins[key.name] ?? "configuration"): \(key.name) must be \(wanted), got \(value)")
        }
        for (low, high) in [("maf_min", "maf_max"), ("predixcan_maf_min", "predixcan_maf_max")] where double(low) >= double(high) {
            throw ConfigError("\(origins[low] ?? origins[high] ?? "configuration"): \(low) (\(double(low))) must be below \(high) (\(double(high))): no allele could pass")
        }
    }

    private mutating func set(_ written: String, _ value: TOMLValueConvertible, from origin: String, baseDirectory: String) throws {
        let name = ConfigKeys.aliases[written] ?? written
        // Both spellings from one source (the file, or --set) is ambiguous; a later source overrides as usual.
        let source = origin.hasPrefix("--set") ? "--set" : origin
        if let other = spelling[name], other != written, sources[name] == source {
            throw ConfigError("\(origin): \(written) and \(other) are both set (\(ConfigKeys.aliases[written] != nil ? written : other) is SAGE-net's name for \(name)): keep one")
        }
        spelling[name] = written; sources[name] = source
        if name != written { notes.append("\(written) (SAGE-net's name) read as \(name)") }
        var value = value
        if let s = value.string, let ours = ConfigKeys.valueAliases[name]?[s] {
            notes.append("\(name) = \"\(s)\" (SAGE-net's spelling) read as \"\(ours)\"")
            value = ours
        }
        guard let key = ConfigKeys.byName[name] else {
            let guess = ConfigKeys.all.map(\.name).min { editDistance($0, name) < editDistance($1, name) }!
            throw ConfigError("\(origin): unknown key '\(name)'\(editDistance(guess, name) <= 3 ? " (did you mean '\(guess)'?)" : ""); `sage-mpi config --keys` lists them")
        }
        func bad() -> ConfigError { ConfigError("\(origin): \(name) must be \(key.kind.rawValue), got \(value.debugDescription)") }
        origins[name] = origin
        switch key.kind {
        case .int: guard let v = value.int else { throw bad() }; values[name] = .int(v)
        case .double: guard let v = value.double ?? value.int.map(Double.init) else { throw bad() }; values[name] = .double(v)
        case .bool:
            if let b = value.bool { values[name] = .bool(b) } else if let i = value.int, i == 0 || i == 1 { values[name] = .bool(i == 1) } else { throw bad() }
        case .string: guard let v = value.string else { throw bad() }; values[name] = v.isEmpty ? ConfigValue.none : .string(v)
        case .path:
            guard let v = value.string else { throw bad() }
            values[name] = v.isEmpty ? ConfigValue.none : .string(absolutePath(v.hasPrefix("/") ? v : (baseDirectory as NSString).appendingPathComponent(v)))
        case .list:
            if let array = value.array {
                values[name] = .list(try array.map { element in
                    if let s = element.string { return s }
                    if let i = element.int { return String(i) }
                    throw bad()
                })
            } else if let s = value.string {
                values[name] = .list(s.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty })
            } else { throw bad() }
        }
    }

    // MARK: typed access

    public func int(_ name: String) -> Int { if case .int(let v) = values[name] { return v }; fatalError("config key \(name) is not an integer") }
    public func double(_ name: String) -> Double { if case .double(let v) = values[name] { return v }; fatalError("config key \(name) is not a number") }
    public func bool(_ name: String) -> Bool { if case .bool(let v) = values[name] { return v }; fatalError("config key \(name) is not a boolean") }
    public func list(_ name: String) -> [String] { if case .list(let v) = values[name] { return v }; fatalError("config key \(name) is not a list") }
    public func string(_ name: String) -> String? { if case .string(let v) = values[name] { return v }; return nil }

    /// A path or string the job cannot run without.
    public func required(_ name: String, for purpose: String) throws -> String {
        guard let v = string(name) else { throw ConfigError("\(file ?? "configuration"): '\(name)' is required \(purpose)") }
        return v
    }

    /// The model's hyperparameters (SAGEConfig decodes SAGE-net's keys itself, so one definition of them).
    public func model() throws -> SAGEConfig {
        let modelKeys = ConfigKeys.model.map(\.name) + ["input_len"]
        var json: [String: Any] = [:]
        for name in modelKeys {
            switch values[name]! {
            case .int(let v): json[name] = v
            case .double(let v): json[name] = v
            case .bool(let v): json[name] = v
            case .string(let v): json[name] = v
            default: break
            }
        }
        do {
            return try JSONDecoder().decode(SAGEConfig.self, from: JSONSerialization.data(withJSONObject: json))
        } catch let e as SAGEConfigError {
            throw ConfigError("\(file ?? "configuration"): \(e.description)")
        } catch {
            throw ConfigError("\(file ?? "configuration"): invalid model keys (\(error)); model must be psagenet or rsagenet, pooling_type avg or max, subtract_or_concat subtract or concat")
        }
    }

    public var sequenceOptions: SequenceOptions {
        var o = SequenceOptions()
        o.onlySNPs = bool("only_snps")
        o.frequency = FrequencyFilter(mafMin: double("maf_min"), mafMax: double("maf_max"), trueMAF: bool("true_maf"))
        o.majorityReference = bool("majority_seq")
        o.allowReverseComplement = bool("allow_reverse_complement")
        return o
    }

    /// The resolved configuration as TOML: every key, defaults included, grouped and commented.
    public var resolvedTOML: String {
        var out = "# Resolved configuration written by sage-mpi (every key, defaults included; paths absolute).\n"
        for note in notes { out += "# note: \(note)\n" }
        for group in ConfigKeys.groups {
            out += "\n# \(group.title)\n"
            for key in group.keys {
                let value = values[key.name]!
                if value == .none { out += "# \(key.name) = (unset)\n" } else { out += "\(key.name) = \(value)\n" }
            }
        }
        return out
    }
}

public struct ConfigError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
}
