import Foundation
import SAGEGenome

/// A fitted PrediXcan model as `baseline predixcan` wrote it: per region (summary.csv order) its intercept and its
/// non-zero weights (weights.csv order, the fit's feature order). pred = intercept + sum of weight x dosage, the
/// dosage being the number of haplotypes carrying the weight's ALT allele (0/1/2).
struct PrediXcanModel {
    struct Weight { let pos: Int, ref: String, alt: String, value: Double }  // pos 1-based
    struct RegionModel { let id: String, intercept: Double; var chr: String?; var weights: [Weight] }
    let regions: [RegionModel]

    /// Reads `directory`/summary.csv and weights.csv; errors name the file and line.
    init(directory: String) throws {
        func rows(_ name: String, columns: [String]) throws -> (path: String, rows: [(line: Int, fields: [String])]) {
            let path = (directory as NSString).appendingPathComponent(name)
            guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
                throw ConfigError("\(path): cannot read it; --apply takes the output directory of `sage-mpi baseline predixcan`")
            }
            let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
            guard let header = lines.first, !header.isEmpty else { throw ConfigError("\(path): empty; --apply takes the output directory of `sage-mpi baseline predixcan`") }
            if name == "summary.csv", !header.contains("intercept"), header.contains("train_pearson") {
                throw ConfigError("\(path): no intercept column (written by an earlier sage-mpi); fit again with `sage-mpi baseline predixcan` to apply it")
            }
            let index = try columns.map { c in
                guard let i = header.firstIndex(of: c) else { throw ConfigError("\(path): the header has no '\(c)' column (it needs \(columns.joined(separator: ", ")))") }
                return i
            }
            var out: [(Int, [String])] = []
            for (k, fields) in lines.enumerated().dropFirst() where fields != [""] {
                guard fields.count == header.count else { throw ConfigError("\(path):\(k + 1): \(fields.count) fields, the header has \(header.count)") }
                out.append((k + 1, index.map { fields[$0] }))
            }
            return (path, out)
        }
        let summary = try rows("summary.csv", columns: ["region_id", "intercept"])
        var regions: [RegionModel] = [], position: [String: Int] = [:]
        for (line, f) in summary.rows {
            guard let intercept = Double(f[1]), intercept.isFinite else { throw ConfigError("\(summary.path):\(line): intercept '\(f[1])' is not a number") }
            guard position[f[0]] == nil else { throw ConfigError("\(summary.path):\(line): region '\(f[0])' has a second row") }
            position[f[0]] = regions.count
            regions.append(RegionModel(id: f[0], intercept: intercept, chr: nil, weights: []))
        }
        let weights = try rows("weights.csv", columns: ["region_id", "chr", "pos", "ref", "alt", "weight"])
        for (line, f) in weights.rows {
            guard let r = position[f[0]] else { throw ConfigError("\(weights.path):\(line): region '\(f[0])' is not in summary.csv") }
            guard let pos = Int(f[2]), pos >= 1 else { throw ConfigError("\(weights.path):\(line): pos '\(f[2])' is not a 1-based position") }
            guard let value = Double(f[5]), value.isFinite else { throw ConfigError("\(weights.path):\(line): weight '\(f[5])' is not a number") }
            if let chr = regions[r].chr, chr != f[1] {
                throw ConfigError("\(weights.path):\(line): region '\(f[0])' has weights on chromosomes \(chr) and \(f[1])")
            }
            regions[r].chr = f[1]
            regions[r].weights.append(Weight(pos: pos, ref: f[3], alt: f[4], value: value))
        }
        self.regions = regions
    }
}

/// One region's model applied to a cohort's VCF: the dosages of its weights' alleles, matched on (chr, pos, ref,
/// ALT); a weight whose allele no record carries counts dosage 0 and is `missing`. A missing allele ('.') counts 0.
struct AppliedRegion {
    let predictions: [Double]
    let missing: Int

    /// `samples`: VCF sample indices, one prediction each; `contig`: the VCF's contig for the region (nil: absent).
    init(_ model: PrediXcanModel.RegionModel, vcf: VCFReader, contig: String?, samples: [Int]) throws {
        var predictions = [Double](repeating: model.intercept, count: samples.count)
        var missing = 0
        var records: [VariantRecord] = []
        if let contig, let first = model.weights.map(\.pos).min(), let last = model.weights.map(\.pos).max() {
            records = try vcf.records(contig: contig, start: first - 1, end: last)
        }
        // "pos ref alt" -> (record, allele index); the first record carrying an allele wins.
        var alleles: [String: (record: Int, allele: Int32)] = [:]
        for (r, record) in records.enumerated() {
            let ref = String(decoding: record.ref, as: UTF8.self)
            for (k, alt) in record.alts.enumerated() {
                let key = "\(record.pos + 1) \(ref) \(String(decoding: alt, as: UTF8.self))"
                if alleles[key] == nil { alleles[key] = (r, Int32(k + 1)) }
            }
        }
        for w in model.weights {
            guard let hit = alleles["\(w.pos) \(w.ref) \(w.alt)"] else { missing += 1; continue }
            let record = records[hit.record]
            for (i, s) in samples.enumerated() { predictions[i] += w.value * Double(record.copies(of: hit.allele, sample: s)) }
        }
        self.predictions = predictions
        self.missing = missing
    }
}
