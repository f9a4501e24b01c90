import Foundation
import SAGEGenome

/// Whose numbers a configuration's targets and allele frequencies come from (SAGE-net's `train_subs`,
/// `train_subs_y_data`, `train_subs_vcf_file_path`, SAGENET-REFERENCE §2.4, §9.2). By default the configuration's own
/// training individuals, in its own expression table and VCF. To evaluate a second cohort (GTEx after ROSMAP), the
/// training cohort's: y0 = the mean (or median) of the training cohort's training individuals, and the MAF filter and
/// majority sequence use their allele frequencies, so the model sees what it saw in training. (SAGE-net reads the
/// training individuals' genotypes from the evaluated cohort's record, a KeyError: BUG-10; we look the allele up in
/// the training cohort's VCF by position, REF and ALT, and an allele it lacks has frequency 0.)
public struct TrainingCohort: Sendable, Equatable {
    /// The individuals y0 and frequencies are computed over (ids of `expression`'s columns and `vcf`'s samples).
    public var individuals: [String]
    /// The expression table y0 is computed in (nil: none configured).
    public var expression: String?
    /// The VCF frequencies are counted in, and its contig prefix (nil: detected).
    public var vcf: String?, contigPrefix: String?
    /// Whether `vcf` is another cohort's (train_subs_vcf_file_path set), and whether any train_subs_* key is.
    public var otherVCF: Bool, isOtherCohort: Bool

    public init(config: RunConfig, cohort: Cohort) throws {
        let keys = config.trainingCohort   // (train_subs_y_data and train_subs_vcf_file_path need train_subs: checked there)
        let subs = keys.trainSubs, frequencyVCF = keys.vcf
        individuals = try subs.map(readIndividualList) ?? cohort.train
        expression = keys.yData ?? config.paths.expression.value
        vcf = frequencyVCF ?? config.paths.vcf.value
        otherVCF = frequencyVCF != nil
        contigPrefix = otherVCF ? keys.contigPrefix : config.paths.contigPrefix
        isOtherCohort = subs != nil
    }

    /// One line for logs and summaries: where y0 and the allele frequencies come from.
    public var description: String {
        guard isOtherCohort else { return "y0 and allele frequencies from this cohort's \(individuals.count) training individuals" }
        return "y0 from \(individuals.count) training individuals of \(expression ?? "-"), allele frequencies from them in \(vcf ?? "-") (train_subs)"
    }

    /// For `summary.json`.
    public var record: [String: Any] {
        ["train_subs": individuals.count, "y0_from": expression ?? NSNull(), "allele_frequencies_from": vcf ?? NSNull(), "other_cohort": isOtherCohort]
    }
}
