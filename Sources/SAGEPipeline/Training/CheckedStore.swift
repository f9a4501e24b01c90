import SAGEDistributed
import SAGEEngine
import SAGEGenome

/// The configuration's variant store, refused unless it was built from this configuration's inputs (FASTA, VCF,
/// regions table, input_len, contig prefix, individuals, and where allele frequencies were counted): what `train` and `evaluate` read.
public func openCheckedStore(config: RunConfig, purpose: String) throws -> VariantStore {
    let store = try VariantStore(directory: config.paths.store.required(for: "\(purpose) (run `sage-mpi prepare` first)"))
    let cohort = try Cohort(config: config)
    let training = try TrainingCohort(config: config, cohort: cohort)
    try store.check(against: StoreInputs(fasta: config.paths.fasta.required(for: purpose), vcf: config.paths.vcf.required(for: purpose),
                                         regions: config.paths.regions.required(for: purpose), inputLen: config.data.inputLen,
                                         contigPrefix: config.paths.contigPrefix,
                                         frequencyVCF: training.otherVCF ? training.vcf : nil, frequencyContigPrefix: training.contigPrefix),
                    individuals: cohort.all, trainingIndividuals: training.individuals)
    return store
}

/// A checkpoint's model and the configuration's checked store, refused unless the model reads the store's windows:
/// what `evaluate` and `attribute` start from.
public func openModelAndStore(checkpoint: String, config: RunConfig, purpose: String) throws -> (model: SAGENet, store: VariantStore) {
    let model = try SAGENet.load(checkpoint: checkpoint)
    let store = try openCheckedStore(config: config, purpose: purpose)
    guard model.config.inputLen == store.inputLen else {
        throw ConfigError("\(checkpoint): the model reads input_len \(model.config.inputLen), the store holds \(store.inputLen)-base windows; prepare a store with input_len = \(model.config.inputLen)")
    }
    return (model, store)
}
