import Foundation

/// A prepared variant store directory (`sage-mpi prepare`): `manifest.json` plus part files of region blocks,
/// memory-mapped. Regions and individuals are addressed by index (manifest order). Read-only; share freely.
///
/// Opening checks everything before any block is read (StoreIntegrity.swift): the manifest's checksum and
/// contents, each part file's presence, size and CRC32C, and every block's structure. A damaged store is one
/// GenomeError naming the file (and the region, for a block).
public final class VariantStore: @unchecked Sendable {
    public let directory: String
    public let manifest: StoreManifest
    public let blocks: [RegionBlock]
    private let parts: [MappedFile]
    public let regionIndex: [String: Int]
    public let individualIndex: [String: Int]

    public static func manifestPath(_ directory: String) -> String { (directory as NSString).appendingPathComponent("manifest.json") }

    public init(directory: String) throws {
        self.directory = directory
        let path = Self.manifestPath(directory)
        guard let data = FileManager.default.contents(atPath: path) else {
            throw GenomeError("\(directory): not a variant store (no manifest.json); build one with `sage-mpi prepare --config ...`")
        }
        let manifest = try StoreManifest.decode(data, path: path)
        try manifest.checkLayout(path: path)
        self.manifest = manifest
        let parts = try manifest.parts.map { try Self.openPart($0, directory: directory) }
        try Self.checkNoUnlistedParts(directory: directory, manifest: manifest)
        self.parts = parts
        blocks = try manifest.regions.map { r in
            let file = parts[r.part]
            let block: RegionBlock
            do { block = try RegionBlock(base: file.base + r.offset, length: r.length, trainingHaplotypes: 2 * manifest.trainingIndividuals.count) } catch let e as GenomeError {
                throw GenomeError("\(file.path): region \(r.id) (bytes \(r.offset) ..< \(r.offset + r.length)): \(e.description) \(StoreManifest.damaged)")
            }
            guard block.haplotypeCount == 2 * manifest.individuals.count else {
                throw GenomeError("\(file.path): region \(r.id): the block holds \(block.haplotypeCount) haplotypes, the manifest \(manifest.individuals.count) individuals \(StoreManifest.damaged)")
            }
            return block
        }
        regionIndex = Dictionary(manifest.regions.enumerated().map { ($1.id, $0) }, uniquingKeysWith: { a, _ in a })
        individualIndex = Dictionary(manifest.individuals.enumerated().map { ($1, $0) }, uniquingKeysWith: { a, _ in a })
    }

    public var regionCount: Int { manifest.regions.count }
    public var individualCount: Int { manifest.individuals.count }
    public var inputLen: Int { manifest.inputs.inputLen }

    /// Refuses a store built from other inputs than `current`, or that lacks some `individuals`, or counted
    /// frequencies over other training individuals.
    public func check(against current: StoreInputs, individuals: [String], trainingIndividuals: [String]) throws {
        var problems = manifest.inputs.differences(from: current)
        let missing = individuals.filter { individualIndex[$0] == nil }
        if !missing.isEmpty { problems.append("\(missing.count) individual(s) not in the store: \(missing.prefix(5).joined(separator: ", "))") }
        if trainingIndividuals != manifest.trainingIndividuals {
            problems.append("allele frequencies were counted over \(manifest.trainingIndividuals.count) other training individuals")
        }
        if !problems.isEmpty {
            throw GenomeError("\(directory): the store does not match this configuration: \(problems.joined(separator: "; ")). Rebuild it with `sage-mpi prepare`.")
        }
    }

    public func region(_ id: String) throws -> Int {
        guard let r = regionIndex[id] else { throw GenomeError("\(directory): region '\(id)' is not in the store") }
        return r
    }
    public func individual(_ id: String) throws -> Int {
        guard let i = individualIndex[id] else { throw GenomeError("\(directory): individual '\(id)' is not in the store") }
        return i
    }
}
