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
        let destination = try out ?? cfg.required("store", for: "(or give --out)")
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
                    let notes = [key.help, key.allowed.summary.map { "(\($0))" }].compactMap { $0 }.filter { !$0.isEmpty }
                    let rsagenet = ConfigKeys.rsagenetDefaults[key.name].map { ["(r-SAGE-net: \($0))"] } ?? []
                    print("\(key.name) = \(key.defaultValue == .none ? "(unset)" : key.defaultValue.description)\(notes.isEmpty && rsagenet.isEmpty ? "" : "    # " + (notes + rsagenet).joined(separator: " "))")
                }
                print("")
            }
            print("# SAGE-net's spellings also read: " + ConfigKeys.aliases.sorted { $0.key < $1.key }.map { "\($0.key) = \($0.value)" }.joined(separator: ", ") + "; scheduler = \"cycle\" = \"cyclic\"")
            return
        }
        print(try config.load().resolvedTOML, terminator: "")
    }
}
