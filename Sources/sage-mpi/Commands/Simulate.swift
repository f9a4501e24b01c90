import ArgumentParser
import Foundation
import SAGEDistributed
import SAGEPipeline
import SAGEGenome

struct Simulate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write a simulated cohort (genome, phased VCF, regions, expression with planted causal variants, splits, sage.toml).",
        discussion: "Deterministic for a seed; seconds for the defaults. See the files' description in `truth/` and `sage.toml`.")

    @Option(help: "Output directory: new, empty, or an earlier `simulate` output (replaced file by file).") var out: String
    @Option(help: "Individuals.") var individuals = 200
    @Option(help: "Regions (genes).") var regions = 50
    @Option(help: "Window length around each TSS (input_len).") var inputLen = 2000
    @Option(help: "Seed.") var seed: UInt64 = 1
    @Option(help: ArgumentHelp("Also write a second cohort of this many individuals to OUT/second/ (other individuals, VCF contigs without 'chr', a shifted allele-frequency spectrum, SNPs of its own; the same genes and causal variants), with a sage.toml that evaluates it against the first cohort's training individuals.", valueName: "N")) var secondCohort = 0
    @Flag(help: "Also write synthetic Enformer outputs (enformer/, SAGE-net's all_tracks layout, for `baseline enformer`; not Enformer's: see truth/enformer_tracks.csv).")
    var enformerFeatures = false
    @Flag(help: "Also plant motifs of the simulator's own in regions' windows, with effects on expression (truth/motifs.meme, truth/motif_instances.csv), for checking seqlets and motifs against ground truth.")
    var motifs = false

    func validate() throws {
        if individuals < 10 { throw ValidationError("--individuals must be at least 10, got \(individuals).") }
        if regions < 1 { throw ValidationError("--regions must be at least 1, got \(regions).") }
        if inputLen < 100 { throw ValidationError("--input-len must be at least 100, got \(inputLen).") }
        if secondCohort != 0 && secondCohort < 10 { throw ValidationError("--second-cohort must be 0 (none) or at least 10, got \(secondCohort).") }
    }

    func run() throws {
        var sim = CohortSimulator()
        sim.individuals = individuals
        sim.regions = regions
        sim.inputLen = inputLen
        sim.seed = seed
        sim.secondCohort = secondCohort
        sim.motifs = motifs
        let start = Date()
        try OutputGuard.claim(out, kind: "simulate", inputs: [], legacy: Self.isEarlierOutput)
        try sim.write(to: out)
        if enformerFeatures { try EnformerFeatureSimulator(seed: seed).write(cohort: out) }
        print("simulate: wrote \(out) (\(regions) regions x \(individuals) individuals, input_len \(inputLen)\(secondCohort > 0 ? "; second cohort of \(secondCohort) in \(out)/second" : "")\(motifs ? "; motifs planted (truth/motif_instances.csv)" : "")) in \(String(format: "%.1f", Date().timeIntervalSince(start))) s")
    }

    /// A cohort `simulate` wrote before output markers: its sage.toml says so on the first line.
    static func isEarlierOutput(_ directory: String) -> Bool {
        (try? String(contentsOfFile: directory + "/sage.toml", encoding: .utf8))?.hasPrefix("# Simulated cohort written by `sage-mpi simulate") == true
    }
}
