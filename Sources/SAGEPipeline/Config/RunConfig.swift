import Foundation
import SAGEDistributed
import SAGEEngine
import SAGEGenome
import TOMLKit

/// A run configuration: sage.toml (keys in ConfigKeys) with command-line overrides `key=value` on top, decoded once
/// into typed groups (`paths`, `trainingCohort`, `data`, `model`, `splits`, `training`, `predixcan`), each checked
/// as it is built. Paths are resolved to absolute paths: relative to the file's directory (`--set` values: to the
/// working directory), so a resolved config.toml means the same from anywhere. Every value is checked against its
/// key's kind and allowed values, and an unknown key is an error naming the file and the closest known key. Keys
/// left unset take their defaults, r-SAGE-net's own where its trainer differs (patience, max_epochs, monitor).
public struct RunConfig: Sendable {
    public let file: String?
    /// Every key's resolved value (for config.toml, the report's header and the comparison of a resumed run).
    public let values: [String: ConfigValue]
    /// What was read other than as written: SAGE-net's spellings, old metric names and r-SAGE-net's defaults (in the
    /// resolved file).
    public let notes: [String]

    public let paths: InputPaths
    /// SAGE-net's train_subs_* keys (whose y0 and allele frequencies; see TrainingCohort).
    public let trainingCohort: TrainingCohortKeys
    public let data: DataSettings
    /// The model's hyperparameters (input_len is data's).
    public let model: SAGEConfig
    public let splits: RegionSplits
    public let training: TrainingSettings
    public let predixcan: PrediXcanSettings

    public init(file: String?, overrides: [String] = []) throws {
        self.file = file
        var merge = ConfigMerge()
        let workingDirectory = FileManager.default.currentDirectoryPath
        let baseDirectory = absolutePath(file.map { ($0 as NSString).deletingLastPathComponent } ?? workingDirectory)
        for key in ConfigKeys.all where key.kind == .path {  // default paths are relative to the file too
            if case .string(let v) = key.defaultValue { merge.values[key.name] = .string(absolutePath((baseDirectory as NSString).appendingPathComponent(v))) }
        }
        if let file {
            guard let text = try? String(contentsOfFile: file, encoding: .utf8) else { throw ConfigError("\(file): cannot read the configuration") }
            let table: TOMLTable
            do { table = try TOMLTable(string: text) } catch let e as TOMLParseError {
                throw ConfigError("\(file):\(e.source.begin.line):\(e.source.begin.column): \(e.description)")
            }
            for key in table.keys {
                try merge.set(key, table[key]!, from: file, baseDirectory: baseDirectory)
            }
        }
        for override in overrides {
            guard let eq = override.firstIndex(of: "=") else { throw ConfigError("--set \(override): expected key=value") }
            let key = String(override[..<eq]).trimmingCharacters(in: .whitespaces)
            let raw = String(override[override.index(after: eq)...]).trimmingCharacters(in: .whitespaces)
            let parsed = (try? TOMLTable(string: "v = \(raw)"))?["v"] ?? raw
            try merge.set(key, parsed, from: "--set \(key)", baseDirectory: workingDirectory)
        }
        try merge.checkValues()
        let reader = ConfigReader(values: merge.values, origins: merge.origins, file: file)
        let kind = reader[ConfigKeys.model]
        merge.applyModelDefaults(kind)
        let r = ConfigReader(values: merge.values, origins: merge.origins, file: file)
        values = merge.values; notes = merge.notes
        paths = InputPaths(r)
        trainingCohort = try TrainingCohortKeys(r)
        data = try DataSettings(r)
        model = try SAGEConfig(r)
        splits = RegionSplits(r)
        training = try TrainingSettings(r)
        predixcan = try PrediXcanSettings(r)
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

/// The values of a configuration as its sources are read: defaults, then the file, then `--set`.
private struct ConfigMerge {
    var values = Dictionary(uniqueKeysWithValues: ConfigKeys.all.map { ($0.name, $0.defaultValue) })
    /// Where each value that is not a default came from (the file, or `--set key`), for messages.
    var origins: [String: String] = [:]
    var notes: [String] = []
    /// How and from which source each key was last written (to refuse both spellings of a key in one source).
    var spelling: [String: String] = [:], sources: [String: String] = [:]
    /// The string each string key was last written as (before a value alias is applied).
    var writtenStrings: [String: String] = [:]

    /// Every key's allowed values.
    func checkValues() throws {
        for key in ConfigKeys.all {
            guard let value = values[key.name], let wanted = key.allowed.violation(value) else { continue }
            throw ConfigError("\(origins[key.name] ?? "configuration"): \(key.name) must be \(wanted), got \(value)")
        }
    }

    /// r-SAGE-net's trainer defaults for the keys left unset; and the monitor an r-SAGE-net run's config.toml named
    /// before one metric scheme covered both models (p-SAGE-net's default, never used) read as what it trained on.
    mutating func applyModelDefaults(_ model: SAGEConfig.Kind) {
        guard model == .rsagenet else { return }
        for key in ConfigKeys.all where origins[key.name] == nil {
            guard let value = key.rsagenetDefault else { continue }
            values[key.name] = value
            notes.append("\(key.name) = \(value): r-SAGE-net's default (SAGE-net's train_rsagenet.py)")
        }
        let monitor = ConfigKeys.monitor
        if writtenStrings[monitor.name] == MetricNames.oldDefaultMonitor {
            values[monitor.name] = monitor.key.rsagenetDefault!
            notes.removeAll { $0.hasPrefix("monitor = ") }
            notes.append("monitor = \"\(MetricNames.oldDefaultMonitor)\" (p-SAGE-net's default, which r-SAGE-net runs named before the metric names were one scheme) read as \(monitor.key.rsagenetDefault!), which r-SAGE-net trains on")
        }
    }

    mutating func set(_ written: String, _ value: TOMLValueConvertible, from origin: String, baseDirectory: String) throws {
        let name = ConfigKeys.aliases[written] ?? written
        // Both spellings from one source (the file, or --set) is ambiguous; a later source overrides as usual.
        let source = origin.hasPrefix("--set") ? "--set" : origin
        if let other = spelling[name], other != written, sources[name] == source {
            throw ConfigError("\(origin): \(written) and \(other) are both set (\(ConfigKeys.aliases[written] != nil ? written : other) is SAGE-net's name for \(name)): keep one")
        }
        spelling[name] = written; sources[name] = source
        if name != written { notes.append("\(written) (SAGE-net's name) read as \(name)") }
        var value = value
        writtenStrings[name] = value.string
        if let s = value.string, let (ours, why) = ConfigKeys.valueAliases[name]?[s] {
            notes.append("\(name) = \"\(s)\" (\(why)) read as \"\(ours)\"")
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
        case .string:
            guard let v = value.string else { throw bad() }
            if v.isEmpty && key.defaultValue != .none {
                throw ConfigError("\(origin): \(name) cannot be empty\(key.allowed.summary.map { "; use one of \($0.replacingOccurrences(of: "|", with: ", "))" } ?? "")")
            }
            values[name] = v.isEmpty ? ConfigValue.none : .string(v)
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
}

public struct ConfigError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
}
