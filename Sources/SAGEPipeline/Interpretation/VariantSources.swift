import Foundation
import SAGEGenome

/// The variants to score, grouped by region (each group is scored on one rank).
public struct VariantGroups: Sendable {
    public var groups: [(region: Region, variants: [VariantRow])] = []
    /// ALT alleles that are not DNA text (symbolic, `*`), not scored (counted for the summary).
    public var symbolicSkipped = 0
    public init() {}

    public var variantCount: Int { groups.reduce(0) { $0 + $1.variants.count } }

    /// The rows of a variant table grouped by region (in the order each region first appears); a region id not
    /// in `table` is an error naming the file and line.
    public static func table(_ rows: [VariantRow], path: String, regions table: [Region], tablePath: String) throws -> VariantGroups {
        let byID = Dictionary(table.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        var order: [String] = [], rowsOf: [String: [VariantRow]] = [:]
        for row in rows {
            guard byID[row.regionID] != nil else {
                throw GenomeError("\(path):\(row.line ?? 0): region '\(row.regionID)' is not in the regions table \(tablePath)")
            }
            if rowsOf[row.regionID] == nil { order.append(row.regionID) }
            rowsOf[row.regionID, default: []].append(row)
        }
        var g = VariantGroups()
        g.groups = order.map { (byID[$0]!, rowsOf[$0]!) }
        return g
    }

    /// Every ALT allele of every record of an indexed VCF/BCF overlapping each region's window.
    public static func vcf(_ path: String, regions: [Region], frames: [RegionFrame], contigPrefix: String?) throws -> VariantGroups {
        let reader = try VCFReader(path: path)
        var g = VariantGroups()
        for (region, frame) in zip(regions, frames) {
            var rows: [VariantRow] = []
            for record in try reader.records(chr: region.chr, prefix: contigPrefix, window: frame.window) ?? [] {
                for alt in record.alts {
                    guard let ref = dnaAllele(String(decoding: record.ref, as: UTF8.self)),
                          let a = dnaAllele(String(decoding: alt, as: UTF8.self)) else { g.symbolicSkipped += 1; continue }
                    rows.append(VariantRow(regionID: region.id, chr: region.chr, pos: record.pos + 1, ref: ref, alt: a))
                }
            }
            g.groups.append((region, rows))
        }
        return g
    }

    /// Every ALT allele of the cohort a region's store block holds that the configuration's only_snps and MAF
    /// window keep (EditFilter, as training applies them), in the block's order.
    public static func cohort(store: VariantStore, options: SequenceOptions, regions: [Region]) throws -> VariantGroups {
        let filter = EditFilter(onlySNPs: options.onlySNPs, frequency: options.frequency,
                                trainingHaplotypes: 2 * store.manifest.trainingIndividuals.count)
        var g = VariantGroups()
        for region in regions {
            let block = store.blocks[try store.region(region.id)]
            var rows: [VariantRow] = []
            for e in 0..<block.editCount where filter.keeps(block, e) {
                rows.append(VariantRow(regionID: region.id, chr: region.chr, pos: block.windowStart + Int(block.editPos[e]) + 1,
                                       ref: Array(block.ref(e)), alt: Array(block.alt(e))))
            }
            g.groups.append((region, rows))
        }
        return g
    }
}
