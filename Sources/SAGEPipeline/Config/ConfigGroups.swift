import SAGEEngine
import SAGEGenome

// The typed groups a RunConfig is decoded into, once, when it is built (each with its checks); the engine and the
// drivers read these, never a key by name.

/// The input files (absolute paths; nil: unset) and the VCF's contig prefix.
public struct InputPaths: Sendable, Equatable {
    public let fasta, vcf, regions, expression, store: ConfiguredPath
    public let trainIndividuals, valIndividuals, testIndividuals: ConfiguredPath
    public let regionRanking: ConfiguredPath
    /// nil: detected from the VCF.
    public let contigPrefix: String?

    init(_ r: ConfigReader) {
        typealias K = ConfigKeys
        fasta = r.path(K.fasta); vcf = r.path(K.vcf); regions = r.path(K.regions); expression = r.path(K.expression)
        store = r.path(K.store)
        trainIndividuals = r.path(K.trainIndividuals); valIndividuals = r.path(K.valIndividuals); testIndividuals = r.path(K.testIndividuals)
        regionRanking = r.path(K.regionRanking)
        contigPrefix = r[K.contigPrefix]
    }
}

/// SAGE-net's train_subs_* keys: another cohort's training individuals, expression table and VCF, for y0 and the
/// allele frequencies (see `TrainingCohort`); all nil: this cohort's own.
public struct TrainingCohortKeys: Sendable, Equatable {
    public let trainSubs, yData, vcf: String?, contigPrefix: String?

    init(_ r: ConfigReader) throws {
        typealias K = ConfigKeys
        trainSubs = r[K.trainSubs]; yData = r[K.trainSubsYData]; vcf = r[K.trainSubsVCF]; contigPrefix = r[K.trainSubsContigPrefix]
        if trainSubs == nil, yData != nil || vcf != nil {
            throw ConfigError("\(r.origin(yData != nil ? K.trainSubsYData : K.trainSubsVCF)): train_subs_y_data and train_subs_vcf_file_path need train_subs, the training cohort's training individuals (one id per line)")
        }
    }
}

/// How sequences are built from the store and targets from the expression table.
public struct DataSettings: Sendable, Equatable {
    public let inputLen: Int
    /// only_snps, the MAF filter, majority_seq, allow_reverse_complement.
    public let sequence: SequenceOptions
    /// y0: the mean or median over the training individuals.
    public let centre: TargetCentre
    /// y1 a z-score (else a deviation, with split_y_data).
    public let zscore: Bool

    init(_ r: ConfigReader) throws {
        typealias K = ConfigKeys
        inputLen = r[K.inputLen]
        var o = SequenceOptions()
        o.onlySNPs = r[K.onlySnps]
        o.frequency = FrequencyFilter(mafMin: r[K.mafMin], mafMax: r[K.mafMax], trueMAF: r[K.trueMaf])
        o.majorityReference = r[K.majoritySeq]
        o.allowReverseComplement = r[K.allowReverseComplement]
        sequence = o
        centre = r[K.medianOrMeanYData]; zscore = r[K.zscore]
        try checkBelow(r, K.mafMin, K.mafMax)
    }
}

/// `low` must be below `high` (a frequency window that no allele could pass is refused).
func checkBelow(_ r: ConfigReader, _ low: Key<Double>, _ high: Key<Double>) throws {
    guard r[low] >= r[high] else { return }
    throw ConfigError("\(r.origins[low.name] ?? r.origins[high.name] ?? "configuration"): \(low.name) (\(r[low])) must be below \(high.name) (\(r[high])): no allele could pass")
}

/// The named region split of a run (its individuals come from the `*_individuals` files).
public enum SplitName: String, Sendable, CaseIterable { case train, val, test }

/// Which regions belong to a split: the ids of `regionsFile`, else the regions on `chromosomes`.
public struct SplitSource: Sendable, Equatable {
    public let regionsFile: String?
    public let chromosomes: [String]
}

/// How a run's regions are chosen (optionally from a ranking) and split, and how many training individuals it uses.
public struct RegionSplits: Sendable, Equatable {
    public let train, val, test: SplitSource
    /// With region_ranking: how many regions (0 = all), per split (0 = numRegions), from which rank, at random among
    /// the top topRegionsToConsider.
    public let numRegions, numTopTrainRegions, numTopValRegions, regionIdxStart: Int
    public let randRegions: Bool
    public let topRegionsToConsider: Int
    /// Train on the first N training individuals (0 = all).
    public let numTrainingSubs: Int

    public subscript(split: SplitName) -> SplitSource {
        switch split {
        case .train: train
        case .val: val
        case .test: test
        }
    }

    init(_ r: ConfigReader) {
        typealias K = ConfigKeys
        train = SplitSource(regionsFile: r[K.trainRegions], chromosomes: r[K.trainChrs])
        val = SplitSource(regionsFile: r[K.valRegions], chromosomes: r[K.valChrs])
        test = SplitSource(regionsFile: r[K.testRegions], chromosomes: r[K.testChrs])
        numRegions = r[K.numRegions]; numTopTrainRegions = r[K.numTopTrainRegions]; numTopValRegions = r[K.numTopValRegions]
        regionIdxStart = r[K.regionIdxStart]; randRegions = r[K.randRegions]; topRegionsToConsider = r[K.topRegionsToConsider]
        numTrainingSubs = r[K.numTrainingSubs]
    }
}

extension SAGEConfig {
    /// The model group: SAGEConfig from the model keys (whose defaults are SAGEConfig's own), validated.
    init(_ r: ConfigReader) throws {
        typealias K = ConfigKeys
        self.init(model: r[K.model])
        inputLen = r[K.inputLen]
        firstLayerKernelNumber = r[K.firstLayerKernelNumber]; intLayersKernelNumber = r[K.intLayersKernelNumber]
        firstLayerKernelSize = r[K.firstLayerKernelSize]; intLayersKernelSize = r[K.intLayersKernelSize]
        hiddenSize = r[K.hiddenSize]; nConvBlocks = r[K.nConvBlocks]; nDilatedConvBlocks = r[K.nDilatedConvBlocks]
        increasingDilation = r[K.increasingDilation]; hLayers = r[K.hLayers]
        poolingSize = r[K.poolingSize]; poolingType = r[K.poolingType]; batchNorm = r[K.batchNorm]
        dropout = Float(r[K.dropout]); splitYData = r[K.splitYData]
        subtractOrConcat = r[K.subtractOrConcat]; blockType = r[K.blockType]
        do { try validate() } catch let e as SAGEConfigError { throw ConfigError("\(r.file ?? "configuration"): \(e.description)") }
    }
}
