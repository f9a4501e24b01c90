import Foundation
import SAGEDistributed
import SAGEEngine
import SAGEGenome

/// `sage-mpi ism`: exhaustive single-base ISM over regions, regions dealt to ranks in contiguous blocks, gathered
/// on rank 0, which writes (in `<out>.partial/`, moved to `out` when complete):
/// - ism.safetensors: per region and head a float32 tensor `<region_id>/<head>` (head mean or diff; r-SAGE-net mean
///   only) of shape (inputs, 4, W): inputs as the index lists them (reference, personal), nucleotides A, C, G, T on
///   the model's strand, positions in model order (for a reversed region the genome positions run downward);
/// - ism_index.csv: region_id, tensor, shape, strand, chr, genome_start, genome_end (1-based inclusive),
///   model_start, model_end (0-based half-open), inputs, values (zero_centred or raw), variant.
/// Identical bytes for any number of ranks: each region's items go through the scorer the same way on any rank.
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
    public init(checkpoint: String, out: String) { self.checkpoint = checkpoint; self.out = out }

    static let files: Set<String> = ["ism.safetensors", "ism_index.csv"]
    public static let indexHeader = "region_id,tensor,shape,strand,chr,genome_start,genome_end,model_start,model_end,inputs,values,variant"

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
        let staged = try StagedDirectory(out: out, kind: "ism", inputs: config.inputPaths(except: ["predixcan_out"]) + [checkpoint] + extraInputs,
                                         comm: comm, owns: Self.files.contains)
        log.root.info("ism: \(model.config.model.rawValue) from \(checkpoint), \(regions.count) region(s) x 4 x \(width) substitutions x \(mutated.count) input(s), \(comm.size) rank(s)")
        let scorer = try makeHaplotypeScorer(model: model, naive: naive, batchSize: batchSize)
        let mine = share(of: regions.count, for: comm)
        let progress = ProgressLine(task: "ism", scope: "rank 0", total: mine.count, unit: "regions", log: log)
        var values: [Float] = []
        for (done, r) in mine.enumerated() {
            let input = try RegionInput(fasta: fasta, frame: frames[r])
            for head in try inSilicoMutagenesis(input: input, window: windows[r], inputs: mutated, variant: variant, raw: raw, scorer: scorer) {
                values += head
            }
            progress.update(done + 1, of: mine.count)
        }
        progress.finish()
        guard let gathered = try comm.gather(values, root: 0) else { return }
        let all = Array(gathered.joined()), size = mutated.count * 4 * width
        var tensors = SafeTensors()
        tensors.metadata = ["format": "sage-mpi ism", "checkpoint": checkpoint, "model": model.config.model.rawValue,
                            "axes": "input, nucleotide (A, C, G, T on the model's strand), position (model order)",
                            "values": raw ? "raw" : "zero_centred", "dtype": float16 ? "F16" : "F32"]
        var index = Self.indexHeader + "\n"
        for (r, frame) in frames.enumerated() {
            let w = windows[r]
            for (h, head) in heads.enumerated() {
                let name = "\(frame.region.id)/\(head)", at = (r * heads.count + h) * size
                let values = Array(all[at..<(at + size)])
                if float16 { tensors.add(name, float16: values, shape: [mutated.count, 4, width]) } else { tensors.add(name, floats: values, shape: [mutated.count, 4, width]) }
                index += [csvCell(frame.region.id), csvCell(name), "\(mutated.count)x4x\(width)", frame.reversed ? "-" : "+", csvCell(frame.contig),
                          "\(w.first)", "\(w.last)", "\(w.modelStart)", "\(w.modelStart + width)", mutated.map(\.rawValue).joined(separator: ";"),
                          raw ? "raw" : "zero_centred", variant?.label ?? ""].joined(separator: ",") + "\n"
            }
        }
        try tensors.write(path: staged.path("ism.safetensors"))
        try AtomicFile.write(Data(index.utf8), to: staged.path("ism_index.csv"))
        try staged.commit()
        log.root.info("ism: wrote \(regions.count * heads.count) tensor(s) to \(out)")
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
