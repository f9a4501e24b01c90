import Foundation
import SAGEDistributed
import SAGEEngine
import SAGEGenome

/// `sage-mpi ism`: exhaustive single-base ISM over regions. Files (in `<out>.partial/`, moved to `out` when complete):
/// - part-00000.safetensors, ...: per region and head a tensor `<region_id>/<head>` (head mean or diff; r-SAGE-net
///   mean only; float32, or float16 with `float16`) of shape (inputs, 4, W): inputs as the index lists them
///   (reference, personal), nucleotides A, C, G, T on the model's strand, positions in model order (for a reversed
///   region the genome positions run downward). The regions, in the order given, are cut into fixed parts of whole
///   regions (`AttributionLayout`'s names and sizing: at most `tensorsPerPart` tensors, at least one region), a
///   region's heads in consecutive tensors of one part; the parts are dealt to ranks, each rank writes its own.
/// - ism_index.csv (rank 0, from the region list): region_id, file (the part beside it), tensor, shape, strand, chr,
///   genome_start, genome_end (1-based inclusive), model_start, model_end (0-based half-open), inputs, values
///   (zero_centred or raw), variant; one row per tensor, in the order of the parts.
/// Identical bytes for any number of ranks: the parts do not depend on it, and each region's items go through the
/// scorer the same way on any rank.
public struct ISMRun {
    public var checkpoint: String, out: String
    public var regions: [Region] = []
    /// 1-based window centre (one region only); default each region's pos.
    public var centre: Int? = nil
    public var width = 150
    public var inputs: [ISMInput] = ISMInput.allCases
    public var variant: VariantRow? = nil
    public var raw = false, naive = false
    /// Tensors stored as float16 (half the bytes; values below 6.1e-5 lose precision).
    public var float16 = false
    public var batchSize = 16
    /// At most this many tensors per part file, whole regions (nil: `AttributionLayout.tensorsPerPart`).
    public var tensorsPerPart: Int? = nil
    public init(checkpoint: String, out: String) { self.checkpoint = checkpoint; self.out = out }

    public static let indexName = "ism_index.csv"
    public static let indexHeader = "region_id,file,tensor,shape,strand,chr,genome_start,genome_end,model_start,model_end,inputs,values,variant"
    /// What `ism` writes at the top of its directory, and ism.safetensors of the single-file layout before parts
    /// (what StagedDirectory may replace).
    static func owns(_ name: String) -> Bool { name == indexName || AttributionLayout.isPartName(name) || name == "ism.safetensors" }

    public func run(config: RunConfig, comm: any Communicator, log: RankLog, extraInputs: [String] = []) throws {
        let model = try SAGENet.load(checkpoint: checkpoint)
        let inputLen = try checkedInputLen(model: model, config: config, checkpoint: checkpoint)
        let psagenet = model.config.model == .psagenet
        let mutated: [ISMInput] = psagenet ? inputs : [.reference]
        let heads = psagenet ? ["mean", "diff"] : ["mean"]
        if !psagenet && inputs != ISMInput.allCases { log.root.warning("ism: --input applies to p-SAGE-net; r-SAGE-net mutates its one sequence") }
        let fastaPath = try config.paths.fasta.required(for: "(the reference ISM mutates)")
        let fasta = try FASTAReader(path: fastaPath)
        let allowReverse = config.data.sequence.allowReverseComplement
        // Every region's frame and window on every rank first: a bad region or window fails before any work.
        let frames = try regions.map { try RegionFrame(fasta: fasta, region: $0, inputLen: inputLen, allowReverseComplement: allowReverse) }
        let windows = try frames.map { try ISMWindow(frame: $0, centre: centre ?? $0.region.pos, width: width) }
        if let variant, let frame = frames.first {
            let input = try RegionInput(fasta: fasta, frame: frame)
            guard variantStatus(variant, input: input) == .ok else {
                throw ConfigError("\(frame.region.described): --variant \(variant.label) does not apply: \(variantProblem(variant, input: input))")
            }
        }
        let shape = [mutated.count, 4, width]
        let perPart = tensorsPerPart ?? AttributionLayout.tensorsPerPart(bytesPerTensor: mutated.count * 4 * width * (float16 ? 2 : 4))
        let regionsPerPart = max(1, perPart / heads.count)
        let parts = AttributionLayout.parts(of: regions.count, perPart: regionsPerPart)
        let staged = try StagedDirectory(out: out, kind: "ism", inputs: config.inputPaths(except: ["predixcan_out"]) + [checkpoint] + extraInputs,
                                         comm: comm, owns: Self.owns)
        log.root.info("ism: \(model.config.model.rawValue) from \(checkpoint), \(regions.count) region(s) x 4 x \(width) substitutions x \(mutated.count) input(s), \(parts.count) part(s) of up to \(regionsPerPart * heads.count) tensor(s), \(comm.size) rank(s)")
        let mine = Array(share(of: parts.count, for: comm))
        let progress = ProgressLine(task: "ism", scope: "rank 0", total: mine.reduce(0) { $0 + parts[$1].count }, unit: "regions", log: log)
        let metadata = ["format": "sage-mpi ism", "checkpoint": checkpoint, "model": model.config.model.rawValue,
                        "axes": "input, nucleotide (A, C, G, T on the model's strand), position (model order)",
                        "values": raw ? "raw" : "zero_centred", "dtype": float16 ? "F16" : "F32"]
        try staged.collectively {
            let scorer = try makeHaplotypeScorer(model: model, naive: naive, batchSize: batchSize)
            var done = 0
            for p in mine {
                var tensors: [(name: String, shape: [Int], values: [Float])] = []
                for r in parts[p] {
                    let input = try RegionInput(fasta: fasta, frame: frames[r])
                    let values = try inSilicoMutagenesis(input: input, window: windows[r], inputs: mutated, variant: variant, raw: raw, scorer: scorer)
                    for (head, v) in zip(heads, values) { tensors.append(("\(frames[r].region.id)/\(head)", shape, v)) }
                    done += 1
                    progress.update(done)
                }
                _ = try AttributionLayout.writePart(p, tensors: tensors, float16: float16, metadata: metadata, into: staged.partial)
            }
        }
        progress.finish()
        guard comm.rank == 0 else { return }
        // Every rank's rows follow from the region list: nothing but the tensors' files depends on the computation.
        var index = Self.indexHeader + "\n"
        for (p, part) in parts.enumerated() {
            for r in part {
                let frame = frames[r], w = windows[r]
                for head in heads {
                    index += [csvCell(frame.region.id), AttributionLayout.partName(p), csvCell("\(frame.region.id)/\(head)"), shape.map(String.init).joined(separator: "x"),
                              frame.reversed ? "-" : "+", csvCell(frame.contig), "\(w.first)", "\(w.last)", "\(w.modelStart)", "\(w.modelStart + width)",
                              mutated.map(\.rawValue).joined(separator: ";"), raw ? "raw" : "zero_centred", variant?.label ?? ""].joined(separator: ",") + "\n"
                }
            }
        }
        try AtomicFile.write(Data(index.utf8), to: staged.path(Self.indexName))
        try staged.commit()
        log.root.info("ism: wrote \(regions.count * heads.count) tensor(s) in \(parts.count) part(s) to \(out)")
    }
}

/// The model's input_len, refused when the configuration says another (its windows would not be the model's).
func checkedInputLen(model: SAGENet, config: RunConfig, checkpoint: String) throws -> Int {
    let L = model.config.inputLen
    guard config.data.inputLen == L else {
        throw ConfigError("\(checkpoint): the model reads input_len \(L), the configuration says input_len = \(config.data.inputLen); give --set input_len=\(L) (or the configuration it was trained with)")
    }
    return L
}

/// Quotes a CSV field when it holds a comma, quote or line break.
func csvCell(_ s: String) -> String {
    s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" }) ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s
}
