import Foundation
import SAGEDistributed
import SAGEEngine
import SAGEGenome

/// `sage-mpi attribute`: input-gradient saliency per region, SAGE-net's `save_ref_attribs` (SAGENET-REFERENCE §4.1)
/// over many regions at once, regions dealt to ranks; files in `AttributionLayout`, identical for any number of ranks.
///
/// What is differentiated (eval mode: batch norm on running statistics, no dropout), on the sequences the model
/// reads from the store (`PersonalDataset`, as `evaluate`: the window around pos, reverse-complemented on the minus
/// strand when allow_reverse_complement, N-padded; channel 0 is the majority sequence when majority_seq):
/// - r-SAGE-net (one head, out0): d out0 / d x on the reference. Per individual: of the personal prediction
///   `evaluate` reports, pred_mean = (out0(mat) + out0(pat)) / 2, with respect to each haplotype (half of each
///   haplotype's own d out0 / d x).
/// - p-SAGE-net on the reference, personal = reference (ref = mat = pat = the reference, SAGE-net's
///   ReferenceGenomeDataset(single_seq=False)): output_idx_0 = d out0 / d ref (x[:, 0, 0:4], the only reference copy
///   the model reads); output_idx_1 = d out1 / d mat, the maternal channels alone (x[:, 1, 0:4]): SAGE-net neither adds
///   the paternal gradient (equal to it here, since mat = pat) nor the gradient through the reference pass.
/// - p-SAGE-net per individual (ref = reference, mat and pat = the individual's haplotypes): output_idx_1 =
///   d out1 / d mat and d out1 / d pat, shape (2, 4, L). The mean head reads the reference alone, so it has no
///   per-individual attribution (its reference attribution is every individual's).
/// Then `method` (grad, grad_x_input) and zero-centring, per (4, L) (`AttributionMethod`).
public struct Attribution {
    public var checkpoint: String, out: String
    public var regions = "test"
    /// nil: on the reference; else train, val, test, all or a file of individual ids.
    public var individuals: String?
    public var heads: [OutputHead]?
    public var method = AttributionMethod.grad
    public var zeroCenter = false
    public var float16 = false
    public var batchSize = 8
    /// Tensors per part file (nil: `AttributionLayout.tensorsPerPart`).
    public var tensorsPerPart: Int?
    public init(checkpoint: String, out: String) { self.checkpoint = checkpoint; self.out = out }

    public func run(config: RunConfig, comm: any Communicator, log: RankLog) throws {
        let (model, store) = try openModelAndStore(checkpoint: checkpoint, config: config, purpose: "to attribute")
        let kind = model.config.model
        let heads = try chosenHeads(kind)
        let set = try TrainingSet(config: config, store: store)
        for warning in set.warnings { log.root.warning("\(warning)") }
        let regionList = try pick(regions, split: set.regions, lookup: store.regionIndex, what: "region", store: store)
        let individualList = try individuals.map { try pick($0, split: set.individuals, lookup: store.individualIndex, what: "individual", store: store) }
        let items: [AttributionItem] = regionList.flatMap { r in
            individualList.map { $0.map { AttributionItem(region: r, individual: $0) } } ?? [AttributionItem(region: r, individual: nil)]
        }
        let L = store.inputLen, H = individualList == nil ? 1 : 2
        let perPart = tensorsPerPart ?? AttributionLayout.tensorsPerPart(bytesPerTensor: H * 4 * L * (float16 ? 2 : 4))
        let parts = AttributionLayout.parts(of: items.count, perPart: perPart)
        let dataset = PersonalDataset(store: store, options: config.data.sequence)

        let lists = [regions] + (individuals.map { [$0] } ?? [])
        let staged = try StagedDirectory(out: out, kind: "attribute", inputs: config.inputPaths(except: ["predixcan_out"]) + [checkpoint] + lists.filter { FileManager.default.fileExists(atPath: $0) },
                                         comm: comm, owns: AttributionLayout.owns)
        let directories = heads.map { AttributionLayout.subdirectory(head: $0, model: kind) }
        if comm.rank == 0 {
            for d in directories where !d.isEmpty { try FileManager.default.createDirectory(atPath: staged.path(d), withIntermediateDirectories: true) }
        }
        try comm.barrier()
        log.root.info("attribute: \(kind.rawValue) from \(checkpoint), \(method.rawValue)\(zeroCenter ? ", zero-centred" : ""), head(s) \(heads.map { "out\($0.rawValue)" }.joined(separator: ", ")), on \(regionList.count) region(s)\(individualList.map { " x \($0.count) individual(s)" } ?? " (reference)"), \(parts.count) part(s) of up to \(perPart) tensor(s), \(comm.size) rank(s)")

        let mine = Array(share(of: parts.count, for: comm))
        let progress = ProgressLine(task: "attribute", scope: "rank 0", total: mine.reduce(0) { $0 + parts[$1].count }, unit: "tensors", log: log)
        let metadata = ["format": "sage-mpi attribute", "method": method.rawValue, "zero_center": zeroCenter ? "1" : "0"]
        // Per head, per part of this rank: its index rows.
        var small = 0   // float16: tensors whose every |value| is below its smallest normal number
        let rows: [[String]] = try staged.collectively {
            let engine = try AttributionEngine(model: model, dataset: dataset, batchSize: batchSize, method: method, zeroCenter: zeroCenter)
            var rows = heads.map { _ in [String]() }, done = 0
            for p in mine {
                let values = engine.attributions(items[parts[p]], heads: heads)
                if float16 { small += values.joined().filter { $0.allSatisfy { abs($0) < Float(Float16.leastNormalMagnitude) } }.count }
                for h in heads.indices {
                    let tensors = zip(items[parts[p]], values[h]).map { tensor($0, $1, store: store, dataset: dataset, H: H) }
                    var meta = metadata
                    meta["head"] = "out\(heads[h].rawValue)"
                    rows[h].append(try AttributionLayout.write(part: p, tensors: tensors, float16: float16, metadata: meta,
                                                               into: directories[h].isEmpty ? staged.partial : staged.path(directories[h])))
                }
                done += parts[p].count
                progress.update(done)
            }
            return rows
        }
        progress.finish()
        if float16, case let total = try comm.allreduce(small, op: .sum), total > 0 {
            log.root.warning("attribute: \(total) of \(items.count * heads.count) tensor(s) have every |value| below float16's smallest normal number 6.1e-05: they keep fewer than float16's 11 significant bits (below 6e-08 they become 0); drop --float16 for full precision")
        }
        // Rank 0 puts the rows back in part order: the ranks' shares are consecutive runs of parts, in rank order.
        var gathered: [[String]?] = []
        for h in heads.indices { gathered.append(try comm.gather(string: rows[h].joined(separator: "\u{0}"), root: 0)) }
        guard comm.rank == 0 else { return }
        for (h, byRank) in gathered.enumerated() {
            let blocks = byRank!.map { $0.isEmpty ? [] : $0.split(separator: "\u{0}", omittingEmptySubsequences: false).map(String.init) }
            var index = AttributionLayout.indexHeader + "\n"
            for block in blocks { for row in block { index += row } }
            let dir = directories[h].isEmpty ? staged.partial : staged.path(directories[h])
            try AtomicFile.write(Data(index.utf8), to: (dir as NSString).appendingPathComponent(AttributionLayout.indexName))
        }
        let settings: [String: Any] = [
            "checkpoint": checkpoint, "model": kind.rawValue, "method": method.rawValue, "zero_center": zeroCenter,
            "heads": heads.map { "out\($0.rawValue)" }, "directories": directories.map { $0.isEmpty ? "." : $0 },
            "regions": regions, "individuals": individuals ?? NSNull(), "n_regions": regionList.count,
            "n_individuals": individualList?.count ?? 0, "tensors": items.count, "parts": parts.count,
            "tensors_per_part": perPart, "dtype": float16 ? "float16" : "float32", "input_len": L,
        ]
        try AtomicFile.write(JSONSerialization.data(withJSONObject: settings, options: [.prettyPrinted, .sortedKeys]), to: staged.path(AttributionLayout.settingsName))
        try staged.commit()
        log.root.info("attribute: wrote \(items.count) tensor(s) per head in \(parts.count) part(s) to \(out)")
    }

    /// The heads asked for, checked against the model and the mode.
    func chosenHeads(_ kind: SAGEConfig.Kind) throws -> [OutputHead] {
        let available: [OutputHead] = kind == .rsagenet ? [.mean] : individuals == nil ? [.mean, .diff] : [.diff]
        guard let heads else { return available }
        for head in heads where !available.contains(head) {
            if kind == .rsagenet { throw ConfigError("\(checkpoint): an r-SAGE-net has one head (mean, out0); there is no difference head to attribute") }
            throw ConfigError("the p-SAGE-net mean head (out0) reads the reference alone, so it has no per-individual attribution: use --head diff with --individuals, or drop --individuals for the reference's")
        }
        return heads
    }

    /// A split name (`split`), or a file of ids one per line (each in the store; `readIndividualList` refuses one twice).
    func pick(_ spec: String, split: (String) throws -> [Int], lookup: [String: Int], what: String, store: VariantStore) throws -> [Int] {
        let list: [Int]
        if ["train", "val", "test", "all"].contains(spec) {
            list = try split(spec)
        } else {
            guard FileManager.default.fileExists(atPath: spec) else { throw ConfigError("\(spec): neither train, val, test, all nor a file of \(what) ids") }
            list = try readIndividualList(spec).map { id in
                guard let k = lookup[id] else { throw ConfigError("\(spec): \(what) '\(id)' is not in the store \(store.directory)") }
                return k
            }
        }
        guard !list.isEmpty else { throw ConfigError("attribute: no \(what)s selected by '\(spec)'") }
        return list
    }

    /// The tensor of one item: name, shape (H, 4, L) and its index row's place fields.
    func tensor(_ item: AttributionItem, _ values: [Float], store: VariantStore, dataset: PersonalDataset, H: Int) -> AttributionTensor {
        let region = store.manifest.regions[item.region], block = store.blocks[item.region]
        let individual = item.individual.map { store.manifest.individuals[$0] } ?? ""
        let n = min(dataset.inputLen, block.reference.count)
        let minus = region.region.minusStrand && dataset.options.allowReverseComplement
        let place = "\(indexField(region.chr)),\(minus ? "-" : "+"),\(block.windowStart + 1),\(block.windowStart + n)"
        return AttributionTensor(name: individual.isEmpty ? region.id : region.id + "|" + individual, regionID: region.id,
                                 individual: individual, shape: [H, 4, dataset.inputLen], values: values, place: place)
    }
}
