import Foundation
import SAGEDistributed
import SAGEGenome
import SAGEEngine

// The text rows one region contributes to each PrediXcan output file, and the per-rank part files they go to.

extension RegionBaseline {
    /// summary.csv before it gained `intercept` (what `--apply` needs besides the weights); a prefix of today's.
    static let earlierSummaryHeader = "region_id,train_pearson,val_pearson,test_pearson,n_features,n_nonzero,alpha,status,unconverged"
    /// intercept: the fitted intercept (the training mean for a region without features), so that
    /// pred = intercept + sum of weight x dosage over weights.csv reproduces predictions.csv.
    static let summaryHeader = earlierSummaryHeader + ",intercept"
    static let weightsHeader = "region_id,chr,pos,ref,alt,weight"
    static let predictionsHeader = "region_id,individual,split,pred"
    static let causalHeader = "region_id,n_causal,n_causal_features,top_is_causal,causal_weight_share"

    /// File name -> this region's rows (each ending in a newline).
    func rows(region: Region, ids: [String], split: (Int) -> String, causal: [String: Set<String>]?) -> [String: String] {
        let weights = fit?.weights ?? []
        let nonzero = weights.indices.filter { weights[$0] != 0 }
        var out: [String: String] = [:]
        out["summary.csv"] = "\(region.id),\(pearson.train),\(pearson.val),\(pearson.test),\(features.count),\(nonzero.count),\(fit.map { "\($0.alpha)" } ?? ""),\(status.rawValue),\(fit?.unconverged ?? 0),\(intercept)\n"
        out["weights.csv"] = nonzero.map { j in
            "\(region.id),\(region.chr),\(features[j].pos),\(features[j].ref),\(features[j].alt),\(weights[j])\n"
        }.joined()
        out["predictions.csv"] = ids.indices.map { "\(region.id),\(ids[$0]),\(split($0)),\(predictions[$0])\n" }.joined()
        if let causal {
            let known = causal[region.id] ?? []
            func isCausal(_ j: Int) -> Bool { known.contains("\(features[j].pos) \(features[j].ref) \(features[j].alt)") }
            let inFeatures = features.indices.filter(isCausal).count
            var top = "", share = ""
            if let best = nonzero.max(by: { abs(weights[$0]) < abs(weights[$1]) }), !known.isEmpty {
                top = isCausal(best) ? "1" : "0"
                let total = nonzero.map { abs(weights[$0]) }.reduce(0, +)
                share = "\(nonzero.filter(isCausal).map { abs(weights[$0]) }.reduce(0, +) / total)"
            }
            out["causal.csv"] = "\(region.id),\(known.count),\(inFeatures),\(top),\(share)\n"
        }
        return out
    }
}

/// One rank's part of each output file (`<name>.part-RRRRR` in the staged directory), and rank 0's join.
struct PartFiles {
    private var handles: [String: FileHandle] = [:]

    init(staged: StagedDirectory, names: [String], part: String) throws {
        for name in names {
            let path = staged.path("\(name).part-\(part)")
            guard FileManager.default.createFile(atPath: path, contents: nil), let h = FileHandle(forWritingAtPath: path) else {
                throw ConfigError("\(path): cannot create")
            }
            handles[name] = h
        }
    }

    func write(_ rows: [String: String]) throws {
        for (name, text) in rows where !text.isEmpty { try handles[name]!.write(contentsOf: Data(text.utf8)) }
    }

    func close() throws { for h in handles.values { try h.close() } }

    /// Rank 0: `name` = header + every rank's part in rank order; the parts are removed.
    static func join(staged: StagedDirectory, name: String, header: String, parts: Int) throws {
        let path = staged.path(name)
        guard FileManager.default.createFile(atPath: path, contents: Data((header + "\n").utf8)), let out = FileHandle(forWritingAtPath: path) else {
            throw ConfigError("\(path): cannot create")
        }
        defer { try? out.close() }
        try out.seekToEnd()
        for r in 0..<parts {
            let partPath = staged.path("\(name).part-\(String(format: "%05d", r))")
            guard let input = FileHandle(forReadingAtPath: partPath) else { throw ConfigError("\(partPath): missing (did rank \(r) write it?)") }
            while let chunk = try input.read(upToCount: 1 << 22), !chunk.isEmpty { try out.write(contentsOf: chunk) }
            try input.close()
            try FileManager.default.removeItem(atPath: partPath)
        }
        try out.synchronize()
    }
}

/// What summary.csv (and causal.csv) say overall: counts per status, medians of the finite correlations.
struct PrediXcanSummary {
    var json: [String: Any] = [:]
    var line = ""

    init(summaryCSV: String, causalCSV: String?) throws {
        /// The rows of a file we wrote with `header`, and a column's index by its name there.
        func table(_ path: String) throws -> [[String]] {
            let text = try String(contentsOfFile: path, encoding: .utf8)
            return text.split(separator: "\n").dropFirst().map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        }
        func index(_ name: String, in header: String) -> Int { header.split(separator: ",").firstIndex { $0 == name }! }
        let rows = try table(summaryCSV)
        let id = index("region_id", in: RegionBaseline.summaryHeader), status = index("status", in: RegionBaseline.summaryHeader)
        func column(_ name: String) -> [Double] { rows.map { Double($0[index(name, in: RegionBaseline.summaryHeader)]) ?? .nan } }
        func stats(_ v: [Double]) -> [String: Any] {
            let finite = v.filter(\.isFinite)
            return ["median": finite.isEmpty ? NSNull() : median(finite) as Any, "nan": v.count - finite.count]
        }
        let noFeatures = rows.filter { $0[status] == RegionBaseline.Status.noFeatures.rawValue }.map { $0[id] }
        let allZero = rows.filter { $0[status] == RegionBaseline.Status.allZero.rawValue }.map { $0[id] }
        json["n_regions"] = rows.count
        json["n_without_features"] = noFeatures.count
        json["regions_without_features"] = noFeatures
        json["n_all_zero_weights"] = allZero.count
        // Penalty solves that stopped at predixcan_max_iter (scikit-learn's ConvergenceWarning, which SAGE-net hides).
        let unconvergedColumn = index("unconverged", in: RegionBaseline.summaryHeader)
        let unconverged = rows.filter { (Int($0[unconvergedColumn]) ?? 0) > 0 }.map { $0[id] }
        json["n_regions_unconverged"] = unconverged.count
        json["regions_unconverged"] = unconverged
        let train = column("train_pearson"), val = column("val_pearson"), test = column("test_pearson")
        json["train_pearson"] = stats(train); json["val_pearson"] = stats(val); json["test_pearson"] = stats(test)
        func fmt(_ x: Double) -> String { String(format: "%.3f", x) }
        line = "\(rows.count) regions (\(noFeatures.count) without features, \(allZero.count) all-zero\(unconverged.isEmpty ? "" : ", \(unconverged.count) with penalties unconverged after predixcan_max_iter sweeps")), median r train \(fmt(median(train))), val \(fmt(median(val))), test \(fmt(median(test)))"
        if let causalCSV {
            let topColumn = index("top_is_causal", in: RegionBaseline.causalHeader)
            let shareColumn = index("causal_weight_share", in: RegionBaseline.causalHeader)
            let scored = try table(causalCSV).filter { !$0[topColumn].isEmpty }
            let top = scored.filter { $0[topColumn] == "1" }.count
            let share = median(scored.map { Double($0[shareColumn]) ?? .nan })
            json["causal"] = ["regions_scored": scored.count, "top_feature_causal": top,
                              "top_feature_causal_fraction": scored.isEmpty ? NSNull() : Double(top) / Double(scored.count) as Any,
                              "median_causal_weight_share": share.isFinite ? share : NSNull() as Any]
            line += "; top-weighted feature causal in \(top)/\(scored.count) regions, median causal share of |weight| \(fmt(share))"
        }
    }
}
