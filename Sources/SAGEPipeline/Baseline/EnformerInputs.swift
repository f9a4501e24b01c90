import Foundation
import SAGEGenome

/// Enformer's saved outputs as SAGE-net's `eval_model.py --model_type enformer --enformer_save_mode all_tracks`
/// lays them out under its `enformer_model/` directory (`--features DIR`; SAGENET-REFERENCE §5, §9.2):
/// - `DIR/eval_on_ref_seq/gene_res/{region_id}.npy`: float32 (1, 3, 5313), the reference sequence
///   (`--eval_on_ref_seq 1`);
/// - `DIR/eval_on_individual/.../{split}_subs/gene_res/{region_id}.npy`: float32 (n, 3, 5313), one block per
///   individual of the split in its list's order, each the mean of the two haplotypes' outputs. SAGE-net puts
///   `{variants}/{maf}/{cohort}/` (e.g. `snps_and_indels/no_maf_filter/rosmap/`) between; any such path is found,
///   if exactly one `{split}_subs/gene_res` lies under `eval_on_individual`. SAGE-net's `{split}_subs/sub_list.npy`
///   (a string array), when present, names the rows' individuals, in any order of the split's.
/// Blocks are (bins 447-449) x (tracks of the human head), C order; float64 files are read too.
public struct EnformerFeatureDirectory: Sendable {
    public let root: String
    /// The two `gene_res` directories.
    public let reference: String, individuals: String

    /// `split`: the individuals' split name (train, val, test, all), naming `{split}_subs`.
    public init(root: String, split: String) throws {
        let fm = FileManager.default
        var isDirectory: ObjCBool = false
        guard fm.fileExists(atPath: root, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw GenomeError("\(root): no such directory (give --features the directory SAGE-net's eval_model.py --model_type enformer writes, holding eval_on_ref_seq/ and eval_on_individual/)")
        }
        self.root = root
        func join(_ parts: String...) -> String { parts.reduce(root) { ($0 as NSString).appendingPathComponent($1) } }
        reference = join("eval_on_ref_seq", "gene_res")
        guard fm.fileExists(atPath: reference, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw GenomeError("\(reference): no such directory; the reference sequence's features go there (SAGE-net: eval_model.py --model_type enformer --enformer_save_mode all_tracks --eval_on_ref_seq 1)")
        }
        let base = join("eval_on_individual"), wanted = "\(split)_subs/gene_res"
        // Directories only: a gene_res directory (thousands of files) is matched or not, never listed.
        var found: [String] = []
        if let walk = fm.enumerator(atPath: base) {
            while let relative = walk.nextObject() as? String {
                guard (relative as NSString).lastPathComponent == "gene_res" else { continue }
                if relative == wanted || relative.hasSuffix("/" + wanted) { found.append(relative) }
                walk.skipDescendants()
            }
        }
        found.sort()
        guard found.count == 1 else {
            if found.isEmpty {
                throw GenomeError("\(base): no \(wanted) directory under it; the \(split) individuals' features go there (SAGE-net: eval_model.py --model_type enformer --enformer_save_mode all_tracks --train_val_test \(split)), or choose other individuals with --individuals")
            }
            throw GenomeError("\(base): \(found.count) directories \(wanted) (\(found.joined(separator: ", "))); keep one, or give --features a directory holding only the one you mean")
        }
        individuals = (base as NSString).appendingPathComponent(found[0])
    }

    /// SAGE-net's `sub_list.npy` beside the individuals' `gene_res` (the individuals of its rows), if present.
    public var subList: String { ((individuals as NSString).deletingLastPathComponent as NSString).appendingPathComponent("sub_list.npy") }

    /// Row of each of `ids` (the split's individuals, in list order) in the individuals' files: the rows of
    /// `sub_list.npy` when there is one (it must list the same individuals, in any order), else the list's order.
    public func rows(of ids: [String]) throws -> [Int] {
        guard FileManager.default.fileExists(atPath: subList) else { return Array(ids.indices) }
        let listed = try NPY.readStrings(path: subList)
        var row: [String: Int] = [:]
        for (k, id) in listed.enumerated() {
            if let first = row[id] { throw GenomeError("\(subList): individual '\(id)' on rows \(first) and \(k); each individual has one row") }
            row[id] = k
        }
        let absent = ids.filter { row[$0] == nil }, extra = Set(listed).subtracting(ids)
        guard absent.isEmpty, extra.isEmpty else {
            throw GenomeError("\(subList): the features' rows are \(listed.count) individual(s), not the \(ids.count) of the split (\(absent.isEmpty ? "" : "missing \(absent.prefix(3).joined(separator: ", "))")\(absent.isEmpty || extra.isEmpty ? "" : "; ")\(extra.isEmpty ? "" : "not in the split: \(extra.sorted().prefix(3).joined(separator: ", "))")); were they written for another list of individuals?")
        }
        return ids.map { row[$0]! }
    }

    /// The reference's (3, 5313) block of `region`, as Double.
    public func referenceBlock(_ region: String) throws -> [Double] {
        try read((reference as NSString).appendingPathComponent("\(region).npy"), region: region, rows: 1, what: "the reference sequence")
    }

    /// The (n, 3, 5313) blocks of `region`, one per individual (n = `count`), as Double.
    public func individualBlocks(_ region: String, count: Int) throws -> [Double] {
        try read((individuals as NSString).appendingPathComponent("\(region).npy"), region: region, rows: count, what: "\(count) individual(s)")
    }

    func read(_ path: String, region: String, rows: Int, what: String) throws -> [Double] {
        guard FileManager.default.fileExists(atPath: path) else {
            throw GenomeError("\(path): missing; region '\(region)' has no Enformer features here (write them for every region evaluated, or leave it out with --regions)")
        }
        let array = try NPY.read(path: path)
        let expected = [rows, EnformerTracks.bins, EnformerTracks.count]
        guard array.shape.count == 3, array.shape[1] == EnformerTracks.bins, array.shape[2] == EnformerTracks.count else {
            throw GenomeError("\(path): shape \(NPY.shapeText(array.shape)), expected \(NPY.shapeText(expected)) (sequences x Enformer's centre bins 447-449 x the human head's \(EnformerTracks.count) tracks, SAGE-net's all_tracks mode)")
        }
        guard array.shape[0] == rows else {
            throw GenomeError("\(path): \(array.shape[0]) sequence(s), expected \(what) (shape \(NPY.shapeText(expected))); were these features written for another list of individuals?")
        }
        let values = array.doubles
        if let k = values.firstIndex(where: { !$0.isFinite || $0 <= -1 }) {
            let (i, rest) = k.quotientAndRemainder(dividingBy: EnformerTracks.blockSize), (b, t) = rest.quotientAndRemainder(dividingBy: EnformerTracks.count)
            throw GenomeError("\(path): value \(values[k]) at [\(i), \(b), \(t)] (sequence, bin, track); Enformer's outputs are finite and non-negative, ln(p + 1) is undefined here")
        }
        return values
    }
}

/// The cohort side of the Enformer baseline: regions (those with an expression row, each with its split), the
/// individuals whose features are read (a split of the configuration's lists, in the list's order) and their
/// observed expression, and each region's mean expression over the training individuals (SAGE-net's y0).
public struct EnformerCohort: Sendable {
    /// Every region of the table with an expression row, in table order, and its split: "train", "val", "test",
    /// or "" when on none of the splits' chromosomes or lists.
    public let regions: [Region], regionSplit: [String]
    /// The regions to predict and score (`--regions`), as indices into `regions`.
    public let selected: [Int]
    public let individuals: [String]
    /// Per region: observed expression of each individual (row-major regions x individuals), and the training mean.
    public let observed: [Double], mean: [Double]
    /// Region ids dropped for want of an expression row.
    public let withoutExpression: [String]

    /// What fit-head fits on: the training regions, then the validation regions (indices into `regions`).
    public var fitRegions: (train: [Int], val: [Int]) {
        (regions.indices.filter { regionSplit[$0] == "train" }, regions.indices.filter { regionSplit[$0] == "val" })
    }

    /// `split`: the individuals (train, val, test, all); `regionList`: all, train, val, test, or a file of ids.
    public init(config: RunConfig, split: String, regionList: String) throws {
        let source = config.file ?? "configuration"
        let cohort = try Cohort(config: config)
        guard !cohort.train.isEmpty else { throw ConfigError("\(source): train_individuals is required (the mean expression a reference prediction is scored against is over them)") }
        individuals = try cohort.split(split)
        guard !individuals.isEmpty else { throw ConfigError("\(source): no \(split) individuals (set \(split)_individuals, or choose others with --individuals)") }
        let expressionPath = try config.paths.expression.required(for: "to score the Enformer baseline")
        let expression = try readExpression(path: expressionPath)
        let column = Dictionary(expression.individuals.enumerated().map { ($1, $0) }, uniquingKeysWith: { a, _ in a })
        let lacking = (cohort.train + individuals).filter { column[$0] == nil }
        if !lacking.isEmpty {
            throw GenomeError("\(expressionPath): \(lacking.count) individual(s) of the splits have no column: \(lacking.prefix(5).joined(separator: ", "))")
        }
        let row = Dictionary(expression.regionIDs.enumerated().map { ($1, $0) }, uniquingKeysWith: { a, _ in a })
        var table = try readRegions(path: config.paths.regions.required(for: "for the Enformer baseline"))
        withoutExpression = table.filter { row[$0.id] == nil }.map(\.id)
        table.removeAll { row[$0.id] == nil }
        guard !table.isEmpty else { throw GenomeError("\(expressionPath): no region of the regions table has an expression row; do the ids match its first column?") }

        // Each region's split: a `<split>_regions` file, else `<split>_chrs` (as training's TrainingSet).
        func bare(_ chr: String) -> String { chr.hasPrefix("chr") ? String(chr.dropFirst(3)) : chr }
        var split = [String: String]()
        for name in [SplitName.test, .val, .train] {
            if let file = config.splits[name].regionsFile {
                for id in try readIndividualList(file) { split[id] = name.rawValue }
            } else {
                let chrs = Set(config.splits[name].chromosomes.map(bare))
                for r in table where chrs.contains(bare(r.chr)) { split[r.id] = name.rawValue }
            }
        }
        regions = table
        let splits = table.map { split[$0.id] ?? "" }
        regionSplit = splits
        if ["train", "val", "test"].contains(regionList) {
            selected = table.indices.filter { splits[$0] == regionList }
        } else if regionList == "all" {
            selected = Array(table.indices)
        } else {
            let index = Dictionary(uniqueKeysWithValues: table.enumerated().map { ($1.id, $0) })
            selected = try readIndividualList(regionList).map { id in
                guard let k = index[id] else { throw GenomeError("\(regionList): region '\(id)' is not in the regions table with an expression row") }
                return k
            }
        }
        guard !selected.isEmpty else { throw ConfigError("\(source): no \(regionList) regions (with an expression row)") }
        let trainColumns = cohort.train.map { column[$0]! }, columns = individuals.map { column[$0]! }
        mean = table.map { r in let v = expression.values[row[r.id]!]; return trainColumns.reduce(0.0) { $0 + v[$1] } / Double(trainColumns.count) }
        observed = table.flatMap { r in let v = expression.values[row[r.id]!]; return columns.map { v[$0] } }
    }
}
