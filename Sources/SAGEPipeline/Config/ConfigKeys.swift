import SAGEEngine
import SAGEGenome

/// Every key a run configuration (sage.toml) may hold, each declared once: SAGE-net's parameter name, its type,
/// default, allowed values and help, grouped as in the resolved file each run writes. The model's defaults are
/// SAGEConfig's (the engine's, one definition); r-SAGE-net's trainer defaults are declared with their keys. The
/// typed groups (`RunConfig.paths`, `.data`, `.model`, `.splits`, `.training`, `.predixcan`) read these keys.
public enum ConfigKeys {
    /// The engine's hyperparameter defaults (the paper's model).
    static let engine = SAGEConfig()

    /// The range SAGEConfig accepts for one of its integer hyperparameters.
    static func engineRange(_ name: String) -> Allowed {
        let range = engine.integerLimits.first { $0.key == name }!.range
        return .range(Double(range.lowerBound), Double(range.upperBound))
    }

    // MARK: Inputs

    public static let fasta = Key<String?>.path("fasta", "reference FASTA, indexed (.fai; bgzipped also .gzi)")
    public static let vcf = Key<String?>.path("vcf", "phased VCF/BCF, bgzipped and indexed (.tbi/.csi)")
    public static let regions = Key<String?>.path("regions", "regions table: region_id (or gene_id), chr, pos (1-based centre), optional strand")
    public static let expression = Key<String?>.path("expression", "expression CSV: regions x individuals, first column the region id")
    public static let trainIndividuals = Key<String?>.path("train_individuals", "training individuals, one id per line")
    public static let valIndividuals = Key<String?>.path("val_individuals", "validation individuals")
    public static let testIndividuals = Key<String?>.path("test_individuals", "test individuals")
    public static let store = Key<String?>.path("store", "store", "variant store directory written by `sage-mpi prepare`")
    public static let contigPrefix = Key<String?>.text("contig_prefix", "VCF contig prefix (default: detected)")
    public static let regionRanking = Key<String?>.path("region_ranking", "ranking CSV with a val_pearson column (e.g. a PrediXcan summary) to select regions from")

    // MARK: Training cohort

    public static let trainSubs = Key<String?>.path("train_subs", "the training cohort's training individuals, one id per line: y0 and allele frequencies are computed over them (default: train_individuals)")
    public static let trainSubsYData = Key<String?>.path("train_subs_y_data", "the training cohort's expression table, for y0 (and the z-score's sd) (default: expression)")
    public static let trainSubsVCF = Key<String?>.path("train_subs_vcf_file_path", "the training cohort's VCF, for allele frequencies (maf_min, maf_max, majority_seq) (default: vcf)")
    public static let trainSubsContigPrefix = Key<String?>.text("train_subs_contig_prefix", "contig prefix of train_subs_vcf_file_path (default: detected)")

    // MARK: Sequences and targets

    public static let inputLen = Key<Int>.int("input_len", engine.inputLen, "window and model input length", engineRange("input_len"))
    public static let onlySnps = Key<Bool>.flag("only_snps", false, "apply SNPs only")
    public static let mafMin = Key<Double>.number("maf_min", -1, "keep ALT alleles with frequency among training individuals > maf_min", .range(-1, 1))
    public static let mafMax = Key<Double>.number("maf_max", 2, "... and < maf_max", .range(0, 2))
    public static let trueMaf = Key<Bool>.flag("true_maf", false, "filter on min(AF, 1 - AF) instead of SAGE-net's ALT frequency")
    public static let majoritySeq = Key<Bool>.flag("majority_seq", false, "reference channel = majority sequence of the training individuals")
    public static let allowReverseComplement = Key<Bool>.flag("allow_reverse_complement", true, "reverse-complement minus-strand regions")
    public static let medianOrMeanYData = Key<TargetCentre>.choice("median_or_mean_y_data", .mean, "y0 = the mean or the median over the training individuals")
    public static let zscore = Key<Bool>.flag("zscore", true, "y1 = z-score (std over training individuals, ddof 1)")

    // MARK: Model

    public static let model = Key<SAGEConfig.Kind>.choice("model", engine.model, "p-SAGE-net (personal sequences; mean and difference heads) or r-SAGE-net (the reference sequence; mean head)")
    public static let firstLayerKernelNumber = Key<Int>.int("first_layer_kernel_number", engine.firstLayerKernelNumber, "kernels of the first convolution", engineRange("first_layer_kernel_number"))
    public static let intLayersKernelNumber = Key<Int>.int("int_layers_kernel_number", engine.intLayersKernelNumber, "kernels of the residual blocks' convolutions", engineRange("int_layers_kernel_number"))
    public static let firstLayerKernelSize = Key<Int>.int("first_layer_kernel_size", engine.firstLayerKernelSize, "width of the first convolution", engineRange("first_layer_kernel_size"))
    public static let intLayersKernelSize = Key<Int>.int("int_layers_kernel_size", engine.intLayersKernelSize, "width of the residual blocks' convolutions", engineRange("int_layers_kernel_size"))
    public static let hiddenSize = Key<Int>.int("hidden_size", engine.hiddenSize, "width of the fully connected layers", engineRange("hidden_size"))
    public static let nConvBlocks = Key<Int>.int("n_conv_blocks", engine.nConvBlocks, "residual conv blocks, each followed by a pooling", engineRange("n_conv_blocks"))
    public static let nDilatedConvBlocks = Key<Int>.int("n_dilated_conv_blocks", engine.nDilatedConvBlocks, "dilated conv blocks after them", engineRange("n_dilated_conv_blocks"))
    public static let increasingDilation = Key<Bool>.flag("increasing_dilation", engine.increasingDilation, "dilation 2^(i+1) for the i-th dilated block (else 2)")
    public static let hLayers = Key<Int>.int("h_layers", engine.hLayers, "hidden fully connected layers of each head", engineRange("h_layers"))
    public static let poolingSize = Key<Int>.int("pooling_size", engine.poolingSize, "pooling window and stride", engineRange("pooling_size"))
    public static let poolingType = Key<PoolType>.choice("pooling_type", engine.poolingType, "the pooling after each conv block")
    public static let batchNorm = Key<Bool>.flag("batch_norm", engine.batchNorm, "batch norm in the conv blocks")
    public static let dropout = Key<Double>.number("dropout", Double(engine.dropout), "dropout in the fully connected layers, in [0, 1)")
    public static let splitYData = Key<Bool>.flag("split_y_data", engine.splitYData, "y1 = deviation/z-score (else raw y)")
    public static let subtractOrConcat = Key<SAGEConfig.DiffMode>.choice("subtract_or_concat", engine.subtractOrConcat, "the difference head reads personal - reference (subtract) or both (concat) (p-SAGE-net)")
    public static let blockType = Key<SAGEConfig.BlockType>.choice("block_type", engine.blockType, "the last residual block: a conv block, or SAGE-net's transformer block (nhead = int_layers_kernel_size, which must divide int_layers_kernel_number)")

    // MARK: Regions and individuals

    public static let trainRegions = Key<String?>.path("train_regions", "file of training region ids, one per line (instead of train_chrs)")
    public static let valRegions = Key<String?>.path("val_regions", "file of validation region ids (instead of val_chrs)")
    public static let testRegions = Key<String?>.path("test_regions", "file of test region ids (instead of test_chrs)")
    public static let trainChrs = Key<[String]>.list("train_chrs", (1...16).map(String.init), "chromosomes of training regions")
    public static let valChrs = Key<[String]>.list("val_chrs", ["17", "18", "21", "22"], "chromosomes of validation regions")
    public static let testChrs = Key<[String]>.list("test_chrs", ["19", "20"], "chromosomes of test regions")
    public static let numRegions = Key<Int>.int("num_regions", 0, "with region_ranking: how many regions to take (0 = all)", .range(0, countLimit))
    public static let numTopTrainRegions = Key<Int>.int("num_top_train_regions", 0, "with region_ranking: how many to select for the training regions (SAGE-net's num_top_train_genes; 0 = num_regions)", .range(0, countLimit))
    public static let numTopValRegions = Key<Int>.int("num_top_val_regions", 0, "with region_ranking: how many to select for the validation regions (SAGE-net's num_top_val_genes; 0 = num_regions)", .range(0, countLimit))
    public static let regionIdxStart = Key<Int>.int("region_idx_start", 0, "with region_ranking: rank of the first region taken", .range(0, countLimit))
    public static let randRegions = Key<Bool>.flag("rand_regions", false, "with region_ranking: a seeded random num_regions of the top top_regions_to_consider")
    public static let topRegionsToConsider = Key<Int>.int("top_regions_to_consider", 5000, "with rand_regions", .range(-1, countLimit))
    public static let numTrainingSubs = Key<Int>.int("num_training_subs", 0, "train on the first N training individuals (0 = all)", .range(0, countLimit))

    // MARK: Training

    public static let learningRate = Key<Double>.number("learning_rate", 5e-4, "Adam learning rate (cyclic: base lr/2, max 2 lr)", .range(0, 10, openBelow: true))
    public static let weightDecay = Key<Double>.number("weight_decay", 1e-5, "Adam L2 weight decay", .range(0, 10))
    public static let scheduler = Key<Scheduler>.choice("scheduler", .cyclic, "the learning-rate schedule: cyclic (per step), plateau (per epoch, on `monitor`) or none")
    public static let stepSizeUp = Key<Int>.int("step_size_up", 2000, "CyclicLR half period in steps", .range(1, countLimit))
    public static let gradientClipVal = Key<Double>.number("gradient_clip_val", 1, "clip the global gradient norm (0 = off)", .range(0, noLimit))
    public static let batchSize = Key<Int>.int("batch_size", 6, "items per rank per step (at least 2 when a batch norm runs at length 1, unless sync_batchnorm)", .range(1, 1_048_576))
    public static let maxEpochs = Key<Int>.int("max_epochs", 10, "epochs to train at most", .range(1, countLimit)).rsagenet(.int(100))
    public static let seed = Key<Int>.int("seed", 42, "initialisation, shuffling and dropout", .range(0, noLimit))
    public static let lamRef = Key<Double>.number("lam_ref", 1, "weight of the mean head's MSE (p-SAGE-net)", .range(0, noLimit))
    public static let lamDiff = Key<Double>.number("lam_diff", 10, "weight of the difference head's MSE (p-SAGE-net)", .range(0, noLimit))
    public static let syncBatchnorm = Key<Bool>.flag("sync_batchnorm", false, "batch statistics over all ranks (P ranks = 1 rank with the global batch)")
    public static let initFrom = Key<String?>.path("init_from", "r-SAGE-net checkpoint to initialise p-SAGE-net's convolutional trunk from (conv0, convlayers, dilated_convlayers; as SAGE-net's init_model_from_ref)")
    public static let monitor = Key<String>.text("monitor", MetricNames.defaultMonitor(.psagenet), "validation metric for best.safetensors and early stopping (one the model logs: `config --keys` notes, README \"Metrics\")").rsagenet(.string(MetricNames.defaultMonitor(.rsagenet)))
    public static let patience = Key<Int>.int("patience", 5, "early stopping: epochs without improvement of `monitor` before stopping (0 = never stop early)", .range(0, countLimit)).rsagenet(.int(10))
    public static let lrPatience = Key<Int>.int("lr_patience", 5, "plateau scheduler: epochs without improvement of `monitor` before the learning rate is cut by 10x (PyTorch's ReduceLROnPlateau patience)", .range(0, countLimit))
    public static let valEverySteps = Key<Int>.int("val_every_steps", 0, "also validate every N steps (0 = at epoch ends only)", .range(0, countLimit))
    public static let checkpointEverySteps = Key<Int>.int("checkpoint_every_steps", 300, "write last.safetensors + state every N steps", .range(0, countLimit))
    public static let maxValItems = Key<Int>.int("max_val_items", 0, "validate on at most N items per set (0 = all)", .range(0, countLimit))
    public static let validateTest = Key<Bool>.flag("validate_test", false, "also validate on test regions x test individuals (\"test_\" metrics, SAGE-net's test_region_test_sub set): to watch, not to choose by")
    public static let saveAllEpochs = Key<Bool>.flag("save_all_epochs", false, "also keep each epoch's checkpoint as epochs/epoch-NNN.safetensors (SAGE-net's save_all_epochs; choose one afterwards with `sage-mpi select-checkpoint`)")

    // MARK: PrediXcan

    public static let predixcanOut = Key<String?>.path("predixcan_out", "predixcan", "output directory")
    public static let predixcanWindow = Key<Int>.int("predixcan_window", 0, "features from variants within +-window/2 of pos (0 = input_len, as SAGE-net)", .range(0, 100_000_000))
    public static let predixcanMafMin = Key<Double>.number("predixcan_maf_min", 0.01, "keep ALT alleles with frequency among training individuals > this", .range(-1, 1))
    public static let predixcanMafMax = Key<Double>.number("predixcan_maf_max", 2, "... and < this (2 = no upper bound, as SAGE-net)", .range(0, 2))
    public static let predixcanTrueMaf = Key<Bool>.flag("predixcan_true_maf", false, "filter on min(AF, 1 - AF) instead of SAGE-net's ALT frequency")
    public static let predixcanMissing = Key<MissingDosage>.choice("predixcan_missing", .zero, "a missing allele counts zero (SAGE-net) or mean (ALT frequency)")
    public static let predixcanCv = Key<String>.text("predixcan_cv", "predefined", "predefined (validation individuals as the one fold, SAGE-net) or kfold:K over training individuals")
    public static let predixcanL1Ratio = Key<Double>.number("predixcan_l1_ratio", 0.5, "elastic net mixing: 1 = lasso", .range(0, 1))
    public static let predixcanNAlphas = Key<Int>.int("predixcan_n_alphas", 100, "penalties on the path", .range(1, 1_000_000))
    public static let predixcanEps = Key<Double>.number("predixcan_eps", 1e-3, "smallest / largest penalty", .range(0, 1, openBelow: true))
    public static let predixcanTol = Key<Double>.number("predixcan_tol", 1e-4, "coordinate descent tolerance (duality gap / ||y||²)", .range(0, 1, openBelow: true))
    public static let predixcanMaxIter = Key<Int>.int("predixcan_max_iter", 1000, "coordinate descent sweeps per penalty", .range(1, countLimit))

    public static let groups: [(title: String, keys: [ConfigKey])] = [
        ("Inputs (paths relative to this file)", [
            fasta.key, vcf.key, regions.key, expression.key, trainIndividuals.key, valIndividuals.key,
            testIndividuals.key, store.key, contigPrefix.key, regionRanking.key,
        ]),
        ("Training cohort (to evaluate another cohort: SAGE-net's train_subs_*; unset = this cohort's own)", [
            trainSubs.key, trainSubsYData.key, trainSubsVCF.key, trainSubsContigPrefix.key,
        ]),
        ("Sequences and targets", [
            inputLen.key, onlySnps.key, mafMin.key, mafMax.key, trueMaf.key, majoritySeq.key,
            allowReverseComplement.key, medianOrMeanYData.key, zscore.key,
        ]),
        ("Model (SAGE-net hyperparameters)", [
            model.key, firstLayerKernelNumber.key, intLayersKernelNumber.key, firstLayerKernelSize.key,
            intLayersKernelSize.key, hiddenSize.key, nConvBlocks.key, nDilatedConvBlocks.key, increasingDilation.key,
            hLayers.key, poolingSize.key, poolingType.key, batchNorm.key, dropout.key, splitYData.key,
            subtractOrConcat.key, blockType.key,
        ]),
        ("Regions and individuals", [
            trainRegions.key, valRegions.key, testRegions.key, trainChrs.key, valChrs.key, testChrs.key,
            numRegions.key, numTopTrainRegions.key, numTopValRegions.key, regionIdxStart.key, randRegions.key,
            topRegionsToConsider.key, numTrainingSubs.key,
        ]),
        ("Training", [
            learningRate.key, weightDecay.key, scheduler.key, stepSizeUp.key, gradientClipVal.key, batchSize.key,
            maxEpochs.key, seed.key, lamRef.key, lamDiff.key, syncBatchnorm.key, initFrom.key, monitor.key,
            patience.key, lrPatience.key, valEverySteps.key, checkpointEverySteps.key, maxValItems.key,
            validateTest.key, saveAllEpochs.key,
        ]),
        ("PrediXcan baseline (sage-mpi baseline predixcan)", [
            predixcanOut.key, predixcanWindow.key, predixcanMafMin.key, predixcanMafMax.key, predixcanTrueMaf.key,
            predixcanMissing.key, predixcanCv.key, predixcanL1Ratio.key, predixcanNAlphas.key, predixcanEps.key,
            predixcanTol.key, predixcanMaxIter.key,
        ]),
    ]

    /// SAGE-net's own spellings of keys we name otherwise, read as ours (the resolved file notes it).
    public static let aliases: [String: String] = [
        "maf_threshold": "maf_min", "rand_genes": "rand_regions", "gene_idx_start": "region_idx_start",
        "top_genes_to_consider": "top_regions_to_consider", "num_genes": "num_regions",
        "num_top_train_genes": "num_top_train_regions", "num_top_val_genes": "num_top_val_regions",
        "split_expr": "split_y_data",
    ]
    /// SAGE-net's spellings of values (scheduler "cycle"), and the metric names runs logged before one scheme
    /// covered both models (`MetricNames.aliases`), read as ours (noted).
    public static let valueAliases: [String: [String: (value: String, why: String)]] = [
        "scheduler": ["cycle": ("cyclic", "SAGE-net's spelling")],
        "monitor": MetricNames.aliases.mapValues { ($0, "the name before train_ covered both models") },
    ]

    public static let all: [ConfigKey] = groups.flatMap(\.keys)
    public static let byName: [String: ConfigKey] = Dictionary(uniqueKeysWithValues: all.map { ($0.name, $0) })
}
