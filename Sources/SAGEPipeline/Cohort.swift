import Foundation
import SAGEGenome

/// The individuals of a run, from the configuration's split files (each id once; a file may be unset).
public struct Cohort: Sendable, Equatable {
    public var train: [String], val: [String], test: [String]

    public init(config: RunConfig) throws {
        func list(_ path: ConfiguredPath) throws -> [String] { try path.value.map(readIndividualList) ?? [] }
        train = try list(config.paths.trainIndividuals); val = try list(config.paths.valIndividuals); test = try list(config.paths.testIndividuals)
        for (a, b, x, y) in [("train", "val", train, val), ("train", "test", train, test), ("val", "test", val, test)] {
            let shared = Set(x).intersection(y)
            if !shared.isEmpty {
                throw ConfigError("individual(s) in both the \(a) and \(b) lists: \(shared.sorted().prefix(5).joined(separator: ", "))")
            }
        }
    }

    /// Everyone, in train, val, test order.
    public var all: [String] { train + val + test }

    /// The individuals of a named split.
    public func split(_ name: String) throws -> [String] { try pickSplit(name, train, val, test, what: "individual") }
}
