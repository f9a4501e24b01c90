import Foundation
import SAGEEngine
import SAGEPipeline

/// A `baseline enformer` directory (see EnformerBaseline): summary.json (mode, individuals, regions, medians) and
/// region_correlations.csv (region_id, chr, split, pearson: per region, across the individuals).
public struct EnformerOutput {
    public let path: String
    public let mode: String, individuals: String
    public let regionPearson: [String: Double]

    public init(path: String) throws {
        self.path = path
        func file(_ name: String) -> String { (path as NSString).appendingPathComponent(name) }
        let summary = FileManager.default.fileExists(atPath: file("summary.json")) ? try readJSONObject(file("summary.json")) : [:]
        mode = summary["mode"] as? String ?? "?"
        individuals = summary["individuals"] as? String ?? "test"
        let r = try CSVTable(path: file("region_correlations.csv"))
        regionPearson = Dictionary(zip(try r.strings("region_id"), try r.numbers("pearson"))) { a, _ in a }
    }
}

/// A `baseline predixcan --apply` directory (see PrediXcanApply): summary.csv (region_id, n_weights,
/// n_missing_variants, pearson: per region, across the other cohort's individuals) and summary.json.
public struct PrediXcanApplyOutput {
    public let path: String
    public let regionPearson: [String: Double]
    public var name: String { (path as NSString).lastPathComponent }

    public init(path: String) throws {
        self.path = path
        let r = try CSVTable(path: (path as NSString).appendingPathComponent("summary.csv"))
        regionPearson = Dictionary(zip(try r.strings("region_id"), try r.numbers("pearson"))) { a, _ in a }
    }
}

/// A `sweep` directory (see Sweep): results.csv (name, the grid's keys, status, best epoch, validation and test
/// medians, seconds, error) and sweep.json (the keys).
public struct SweepOutput {
    public let path: String
    public let keys: [String]
    public let header: [String]
    public let rows: [[String]]
    public var name: String { (path as NSString).lastPathComponent }

    public init(path: String) throws {
        self.path = path
        let plan = try SAGEPipeline.Sweep(directory: path).plan()
        keys = plan.keys
        let table = try CSVTable(path: (path as NSString).appendingPathComponent("results.csv"))
        header = table.header
        rows = table.rows
    }

    /// The column `name` of every row (empty strings where absent).
    public func column(_ name: String) -> [String] {
        guard let k = header.firstIndex(of: name) else { return rows.map { _ in "" } }
        return rows.map { k < $0.count ? $0[k] : "" }
    }
}
