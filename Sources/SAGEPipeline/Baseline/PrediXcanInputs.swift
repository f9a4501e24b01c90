import Foundation
import SAGEEngine
import SAGEGenome

/// What PrediXcan reads, checked up front: the settings, the cohort's rows (train, val, test) with their VCF
/// columns and expression, and the regions to fit (those with an expression row). Per region: the dosage matrix
/// and the targets. One instance per rank (it owns htslib readers).
public final class PrediXcanInputs {
    public let settings: PrediXcanSettings
    public let rows: BaselineRows
    /// Regions to fit, in table order, and the ids of those skipped for want of an expression row.
    public let regions: [Region], withoutExpression: [String]
    /// The CV's rows (a prefix of `rows`), folds and refit rows (see `BaselineRows.crossValidation`).
    public let crossValidation: (rows: Int, folds: [Int], refit: [Int])
    let fasta: FASTAReader, vcf: VCFReader, contigPrefix: String?
    let samples: [Int], expression: ExpressionTable, columns: [Int], expressionRow: [String: Int]

    /// `regionList`: "all" (the regions table) or a file of region ids.
    public init(config: RunConfig, regionList: String = "all") throws {
        settings = config.predixcan
        let source = config.file ?? "configuration"
        let cohort = try Cohort(config: config)
        let other = config.trainingCohort
        let set: [(key: Key<String?>, value: String?)] = [(ConfigKeys.trainSubs, other.trainSubs), (ConfigKeys.trainSubsYData, other.yData), (ConfigKeys.trainSubsVCF, other.vcf)]
        if let key = set.first(where: { $0.value != nil })?.key.name {
            throw ConfigError("\(source): \(key) is set: it describes another cohort's training individuals. Fit PrediXcan on the training cohort's configuration, then apply its weights to this cohort with `baseline predixcan --apply WEIGHTS_DIR`")
        }
        guard !cohort.train.isEmpty else { throw ConfigError("\(source): train_individuals is required for PrediXcan") }
        if settings.selection == .predefined && cohort.val.isEmpty {
            throw ConfigError("\(source): predixcan_cv = predefined selects the penalty on val_individuals; set them, or use --cv kfold:10")
        }
        if case .kfold(let k) = settings.selection, k > cohort.train.count {
            throw ConfigError("--cv kfold:\(k): more folds than the \(cohort.train.count) training individuals")
        }
        rows = BaselineRows(cohort: cohort)
        fasta = try FASTAReader(path: config.paths.fasta.required(for: "for PrediXcan (contig lengths)"))
        let vcf = try VCFReader(path: config.paths.vcf.required(for: "for PrediXcan"))
        self.vcf = vcf
        contigPrefix = config.paths.contigPrefix
        samples = try rows.ids.map { try vcf.sampleIndex(of: $0) }
        let expressionPath = try config.paths.expression.required(for: "for PrediXcan")
        expression = try readExpression(path: expressionPath)
        let column = Dictionary(expression.individuals.enumerated().map { ($1, $0) }, uniquingKeysWith: { a, _ in a })
        let lacking = rows.ids.filter { column[$0] == nil }
        if !lacking.isEmpty {
            throw GenomeError("\(expressionPath): \(lacking.count) individual(s) of the splits have no column: \(lacking.prefix(5).joined(separator: ", "))")
        }
        columns = rows.ids.map { column[$0]! }
        let expressionRow = Dictionary(expression.regionIDs.enumerated().map { ($1, $0) }, uniquingKeysWith: { a, _ in a })
        self.expressionRow = expressionRow
        var table = try readRegions(path: config.paths.regions.required(for: "for PrediXcan"))
        if regionList != "all" {
            let wanted = try readIndividualList(regionList), byID = Dictionary(uniqueKeysWithValues: table.map { ($0.id, $0) })
            table = try wanted.map { id in
                guard let r = byID[id] else { throw GenomeError("\(regionList): region '\(id)' is not in the regions table") }
                return r
            }
        }
        withoutExpression = table.filter { expressionRow[$0.id] == nil }.map(\.id)
        regions = table.filter { expressionRow[$0.id] != nil }
        crossValidation = rows.crossValidation(settings.selection, seed: settings.seed)
    }

    /// Resolves every region's FASTA contig and window (an error names the first bad one), so that a bad row fails a
    /// job before its work starts.
    public func checkWindows() throws {
        for region in regions { _ = try fasta.window(of: region, inputLen: settings.window) }
    }

    /// Dosages (one row per `rows` individual) of the variants overlapping the region's window of predixcan_window
    /// bases (SAGE-net's window, clamped to the contig: `FASTAReader.window(of:inputLen:)`). A contig the VCF lacks
    /// has no variants.
    public func dosages(for region: Region) throws -> DosageMatrix {
        let window = try fasta.window(of: region, inputLen: settings.window).range
        let records = try vcf.records(chr: region.chr, prefix: contigPrefix, window: window) ?? []
        return dosageMatrix(records: records, samples: samples, trainingSamples: Array(samples[rows.train]),
                            filter: settings.filter, missing: settings.missing)
    }

    /// Observed expression of `region` for every row.
    public func targets(for region: Region) -> [Double] {
        let values = expression.values[expressionRow[region.id]!]
        return columns.map { values[$0] }
    }
}
