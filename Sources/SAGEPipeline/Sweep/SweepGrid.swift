import Foundation
import SAGEDistributed
import TOMLKit

/// The runs of a sweep, from a grid file (TOML):
///
///     [grid]                       # every combination of these lists (keys in alphabetical order, the last
///     learning_rate = [1e-3, 5e-4] # varying fastest); a single value is a list of one
///     num_regions = [20, 40]
///
///     [[runs]]                     # and/or explicit runs, after the grid's, each a table of key = value
///     learning_rate = 1e-4
///     seed = 7
///
/// Keys are configuration keys (`sage-mpi config --keys`), gene-set keys (`num_regions`, `region_idx_start`,
/// `rand_regions`, `seed`) like any other; relative paths are relative to the grid file. Each run is the base
/// configuration with its values as `--set` overrides, named `NNN-key=value-...` (its directory under runs/).
public struct SweepGrid: Sendable {
    public struct Run: Sendable, Equatable {
        public let name: String
        /// (key, TOML text of the value) in key order.
        public let values: [(key: String, value: String)]
        public var overrides: [String] { values.map { "\($0.key)=\($0.value)" } }
        public static func == (a: Run, b: Run) -> Bool { a.name == b.name && a.overrides == b.overrides }
    }

    public let runs: [Run]
    /// Every key some run sets, in order of first appearance (the results table's columns).
    public let keys: [String]

    public init(file: String) throws {
        guard let text = try? String(contentsOfFile: file, encoding: .utf8) else { throw ConfigError("\(file): cannot read the grid") }
        let table: TOMLTable
        do { table = try TOMLTable(string: text) } catch let e as TOMLParseError {
            throw ConfigError("\(file):\(e.source.begin.line):\(e.source.begin.column): \(e.description)")
        }
        let base = (absolutePath(file) as NSString).deletingLastPathComponent
        for key in table.keys where key != "grid" && key != "runs" {
            throw ConfigError("\(file): '\(key)' at the top level: put lists of values under [grid] and single runs under [[runs]]")
        }
        func valueText(_ key: String, _ value: TOMLValueConvertible, _ place: String) throws -> String {
            guard let k = ConfigKeys.byName[key] else {
                let guess = ConfigKeys.all.map(\.name).min { editDistance($0, key) < editDistance($1, key) }!
                throw ConfigError("\(file): \(place): unknown key '\(key)'\(editDistance(guess, key) <= 3 ? " (did you mean '\(guess)'?)" : "")")
            }
            if k.kind == .path, let s = value.string, !s.isEmpty, !s.hasPrefix("/") {
                return tomlString(absolutePath((base as NSString).appendingPathComponent(s)))
            }
            guard let t = Self.tomlText(value) else { throw ConfigError("\(file): \(place): \(key) = \(value.debugDescription) is not a value a key takes") }
            return t
        }

        var combinations: [[(key: String, value: String)]] = [[]]
        if let grid = table["grid"] {
            guard let grid = grid.table else { throw ConfigError("\(file): grid must be a table ([grid] with key = [values])") }
            for key in grid.keys.sorted() {
                let value = grid[key]!
                let list: [TOMLValueConvertible] = value.array.map { Array($0) } ?? [value]
                guard !list.isEmpty else { throw ConfigError("\(file): [grid] \(key) is an empty list: no run would have a value") }
                let texts = try list.map { try valueText(key, $0, "[grid]") }
                combinations = combinations.flatMap { c in texts.map { c + [(key, $0)] } }
            }
            if grid.keys.isEmpty { combinations = [] }
        } else {
            combinations = []
        }
        if let explicit = table["runs"] {
            guard let array = explicit.array else { throw ConfigError("\(file): runs must be an array of tables ([[runs]])") }
            for (n, entry) in array.enumerated() {
                guard let run = entry.table else { throw ConfigError("\(file): runs entry \(n + 1) is not a table") }
                combinations.append(try run.keys.sorted().map { ($0, try valueText($0, run[$0]!, "[[runs]] entry \(n + 1)")) })
            }
        }
        guard !combinations.isEmpty else { throw ConfigError("\(file): no runs (give [grid] lists or [[runs]] tables)") }
        var keys: [String] = []
        for c in combinations { for (k, _) in c where !keys.contains(k) { keys.append(k) } }
        self.keys = keys
        runs = combinations.enumerated().map { i, values in
            Run(name: Self.name(index: i, values: values), values: values)
        }
    }

    /// `NNN-key=value-...` (a list's items joined by +, a path's last component), with characters other than letters, digits, `.`, `_`, `=` and `+-` dropped, at most
    /// 96 characters: readable, and unique through its index.
    static func name(index: Int, values: [(key: String, value: String)]) -> String {
        let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._=+-")
        let parts = values.map { "\($0.key)=\(($0.value as NSString).lastPathComponent.replacingOccurrences(of: ", ", with: "+"))" }
        let text = ([String(format: "%03d", index)] + parts).joined(separator: "-").filter { allowed.contains($0) }
        return String(text.prefix(96))
    }

    /// A scalar or list as TOML text (strings quoted), or nil for tables and dates.
    static func tomlText(_ value: TOMLValueConvertible) -> String? {
        if let b = value.bool { return b ? "true" : "false" }
        if let i = value.int { return String(i) }
        if let d = value.double { return "\(d)" }
        if let s = value.string { return tomlString(s) }
        if let a = value.array {
            let items = a.map { tomlText($0) }
            guard items.allSatisfy({ $0 != nil }) else { return nil }
            return "[" + items.map { $0! }.joined(separator: ", ") + "]"
        }
        return nil
    }
}
