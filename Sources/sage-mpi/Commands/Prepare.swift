import ArgumentParser
import Foundation
import SAGEDistributed
import SAGEPipeline

struct Prepare: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Build the variant store of a configuration (reads the FASTA and the VCF once).",
        discussion: """
        The store holds, per region, the reference window and, per (individual, haplotype), the ALT alleles that \
        apply, memory-mapped by `train`, `evaluate` and `bench data`. Under mpirun, regions are dealt to ranks in \
        contiguous blocks (the output directory must be on a file system every rank sees). Written to \
        <out>.partial and renamed when complete; an existing store at <out> is replaced only then. The store \
        records its inputs and refuses to be used with different ones.
        """)

    @OptionGroup var config: ConfigOptions
    @Option(help: "Store directory (default: the configuration's `store`).") var out: String?
    @OptionGroup var runtime: RuntimeOptions

    func run() throws {
        let cfg = try config.load()
        let destination = try out ?? cfg.paths.store.required(for: "(or give --out)")
        try runOnRanks(runtime) { ctx in
            _ = try prepareStore(config: cfg, out: destination, comm: ctx.comm, log: ctx.log)
        }
    }
}

struct Config: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print the resolved configuration (every key with its value), or the list of keys.")

    @OptionGroup var config: ConfigOptions
    @Flag(help: "List every key with its default and meaning.") var keys = false

    func run() throws {
        if keys {
            for group in ConfigKeys.groups {
                print("# \(group.title)")
                for key in group.keys {
                    var notes = [key.help, key.allowed.summary.map { "(\($0))" }].compactMap { $0 }.filter { !$0.isEmpty }
                    if let r = key.rsagenetDefault { notes.append("(r-SAGE-net: \(r))") }
                    print("\(key.name) = \(key.defaultValue == .none ? "(unset)" : key.defaultValue.description)\(notes.isEmpty ? "" : "    # " + notes.joined(separator: " "))")
                }
                print("")
            }
            let values = ConfigKeys.valueAliases.sorted { $0.key < $1.key }.flatMap { key, spellings in
                spellings.sorted { $0.key < $1.key }.map { "\(key) = \"\($0.key)\" = \"\($0.value.value)\"" }
            }
            print("# SAGE-net's spellings also read: " + ConfigKeys.aliases.sorted { $0.key < $1.key }.map { "\($0.key) = \($0.value)" }.joined(separator: ", "))
            print("# Values also read (SAGE-net's spellings, and the metric names of runs before one scheme covered both models): " + values.joined(separator: ", "))
            print("# Validation metrics (monitor, select-checkpoint): p-SAGE-net \(MetricNames.validation(.psagenet).joined(separator: ", ")); r-SAGE-net \(MetricNames.validation(.rsagenet).joined(separator: ", ")); with validate_test also test_*")
            return
        }
        print(try config.load().resolvedTOML, terminator: "")
    }
}
