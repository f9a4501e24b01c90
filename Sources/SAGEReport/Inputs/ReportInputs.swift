import Foundation
import SAGEDistributed
import SAGEEngine
import SAGEPipeline

/// Everything the report draws, found in the paths given: each directory is recognised by its output marker
/// (`.sage-mpi-output`, naming the command's kind) or, for outputs written before markers, by the files it
/// holds. A directory that is not an output (e.g. a demo's top directory, or runs/) is searched below, a few
/// levels deep; so are a simulated cohort (the demo writes its runs inside it) and a run (evaluations go
/// inside it by default).
///
/// Extension point: a new kind of output (attribution, motifs) gets a reader here
/// and a case in `add`; until then its directories are listed in `notDrawn`, never an error.
public struct ReportInputs {
    public var runs: [RunOutput] = []
    public var evaluations: [EvaluationOutput] = []
    public var predixcan: [PrediXcanOutput] = []
    public var cohorts: [CohortOutput] = []
    public var enformer: [EnformerOutput] = []
    /// PrediXcan weights applied to another cohort (`baseline predixcan --apply`).
    public var applied: [PrediXcanApplyOutput] = []
    public var sweeps: [SweepOutput] = []
    /// Outputs recognised but not drawn by this version: (path, kind).
    public var notDrawn: [(path: String, kind: String)] = []

    /// Kinds whose directories hold nothing to draw (inputs and benchmarks): passed over when searching.
    static let ignoredKinds: Set<String> = ["store", "split", "bench", "bench-data", "bench-predixcan"]
    /// How deep below a given path the search goes.
    static let searchDepth = 3

    public init(paths: [String]) throws {
        guard !paths.isEmpty else { throw ConfigError("report: give at least one run, evaluation or PrediXcan directory") }
        var seen = Set<String>()
        for path in paths {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
                throw ConfigError("\(path): no such directory; give run, evaluation, PrediXcan or simulated-cohort directories")
            }
            guard isDirectory.boolValue else {
                throw ConfigError("\(path) is a file; give the directory that holds it (a run, evaluation, PrediXcan or simulated-cohort directory)")
            }
            let before = count
            try add(path, depth: 0, seen: &seen)
            if count == before {
                throw ConfigError("\(path): holds no output of sage-mpi's train, evaluate, baseline predixcan or simulate (they carry a \(OutputGuard.markerName) file)")
            }
        }
    }

    var count: Int { runs.count + evaluations.count + predixcan.count + cohorts.count + enformer.count + applied.count + sweeps.count + notDrawn.count }

    /// What `path` holds: an output of a known kind, or (searched below) a directory of them.
    mutating func add(_ path: String, depth: Int, seen: inout Set<String>) throws {
        let real = URL(fileURLWithPath: path).resolvingSymlinksInPath().standardizedFileURL.path
        guard seen.insert(real).inserted else { return }
        func has(_ name: String) -> Bool { FileManager.default.fileExists(atPath: (path as NSString).appendingPathComponent(name)) }
        let kind = OutputGuard.marker(of: path) ?? (has("metrics.jsonl") && has("config.toml") ? "run"
            : has("region_correlations.csv") ? "evaluate" : has("summary.csv") && has("weights.csv") ? "predixcan" : nil)
        switch kind {
        case "run":  // evaluate writes beside the checkpoint by default: RUN/eval-<regions>-<individuals>
            runs.append(try RunOutput(path: path))
            try addChildren(of: path, depth: depth, seen: &seen)
        case "evaluate": evaluations.append(try EvaluationOutput(path: path))
        case "predixcan": predixcan.append(try PrediXcanOutput(path: path))
        case "enformer": enformer.append(try EnformerOutput(path: path))
        case "predixcan-apply": applied.append(try PrediXcanApplyOutput(path: path))
        case "sweep": sweeps.append(try SweepOutput(path: path))  // its runs are drawn as its table, not one by one
        case "simulate":
            cohorts.append(try CohortOutput(path: path))
            try addChildren(of: path, depth: depth, seen: &seen)
        case let other? where Self.ignoredKinds.contains(other): return
        case let other?: notDrawn.append((path, other))
        case nil: try addChildren(of: path, depth: depth, seen: &seen)
        }
    }

    mutating func addChildren(of path: String, depth: Int, seen: inout Set<String>) throws {
        guard depth < Self.searchDepth, let names = try? FileManager.default.contentsOfDirectory(atPath: path) else { return }
        for name in names.sorted() where !name.hasPrefix(".") && !name.hasSuffix(".partial") {
            let child = (path as NSString).appendingPathComponent(name)
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: child, isDirectory: &isDirectory), isDirectory.boolValue {
                try add(child, depth: depth + 1, seen: &seen)
            }
        }
    }
}
