import ArgumentParser
import Foundation
import SAGEDistributed
import SAGEPipeline
import SAGEEngine
import SAGEGenome

struct Predict: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Score sequences from a FASTA file with a checkpoint (r-SAGE-net or p-SAGE-net).",
        discussion: """
        p-SAGE-net reads consecutive triples of records (reference, maternal, paternal), e.g. the output of \
        `sage-mpi sequences`; r-SAGE-net scores each record. Sequences shorter than the model's input_len are \
        N-padded at the end; longer ones are an error. Writes CSV: item,pred_mean[,pred_diff] (p-SAGE-net item = \
        the maternal record's name without "|maternal"). Under mpirun, items are split across ranks. \
        p-SAGE-net items go through the variant-sparse path (the reference once while consecutive items share it, \
        then only what each haplotype's differences change); --dense runs every sequence whole.
        """)

    @Option(help: "Checkpoint (.safetensors with sage_config metadata).")
    var checkpoint: String

    @Option(help: "FASTA file of sequences to score.")
    var sequences: String

    @Option(help: "Output CSV (default: standard output). Written atomically.")
    var out: String?

    @Option(help: "Items per forward pass.")
    var batchSize = 8

    @Flag(help: "p-SAGE-net: run the dense forward on every sequence instead of the variant-sparse path (equal to float rounding; for checking).")
    var dense = false

    @OptionGroup var force: ForceOption
    @OptionGroup var runtime: RuntimeOptions

    func validate() throws {
        if batchSize < 1 { throw ValidationError("--batch-size must be at least 1, got \(batchSize).") }
    }

    func run() throws {
        if let out {
            try OutputGuard.checkFile(out, inputs: [checkpoint, sequences], force: force.force, what: "predictions CSV", isOurs: startsWith("item,pred_mean"))
        }
        try runOnRanks(runtime) { ctx in
            let model = try SAGENet.load(checkpoint: checkpoint)
            let records = try readFASTARecords(path: sequences)
            let (names, items) = try groupItems(records, model: model.config)
            ctx.log.root.info("scoring \(items.count) item(s) with \(model.config.model.rawValue) (input_len \(model.config.inputLen)) on \(ctx.comm.size) rank(s)")
            guard let predictions = try predictInParallel(comm: ctx.comm, model: model, items: items, batchSize: batchSize,
                                                            path: dense ? .dense : .sparse) else { return }
            let count = model.config.outputCount
            var csv = count == 2 ? "item,pred_mean,pred_diff\n" : "item,pred_mean\n"
            for (i, name) in names.enumerated() {
                csv += ([csvField(name)] + (0..<count).map { "\(predictions[i * count + $0])" }).joined(separator: ",") + "\n"
            }
            try writeOutput(csv, to: out)
        }
    }

    /// Items and their names; checks the record count and every length.
    func groupItems(_ records: [FASTARecord], model config: SAGEConfig) throws -> ([String], [[[UInt8]]]) {
        for (i, r) in records.enumerated() where r.sequence.count > config.inputLen {
            throw CommandError("\(sequences): record \(i + 1) '\(r.name)' has \(r.sequence.count) bases, more than the model's input_len \(config.inputLen)")
        }
        guard config.model == .psagenet else { return (records.map(\.name), records.map { [$0.sequence] }) }
        guard records.count % 3 == 0 else {
            throw CommandError("\(sequences): \(records.count) records; a p-SAGE-net checkpoint needs consecutive triples (reference, maternal, paternal)")
        }
        let triples = stride(from: 0, to: records.count, by: 3).map { Array(records[$0..<$0 + 3]) }
        let names = triples.map { t in
            t[1].name.hasSuffix("|maternal") ? String(t[1].name.dropLast("|maternal".count)) : t.map(\.name).joined(separator: ";")
        }
        return (names, triples.map { $0.map(\.sequence) })
    }
}
