import ArgumentParser
import Foundation
import SAGEDistributed
import SAGEPipeline
import SAGEGenome

struct Seqlets: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "seqlets",
        abstract: "Call seqlets (tangermeme's recursive_seqlets) on per-region attributions projected onto the reference, regions across ranks.",
        discussion: """
        SAGE-net's identify_seqlets: each region's attribution DIR/per_region_attribs/{region_id}.npy (p-SAGE-net: \
        DIR/output_idx_{0,1}/per_region_attribs/, chosen with --head), or `sage-mpi attribute`'s index.csv and \
        part-*.safetensors in their place, float32 (4, L) or (1, 4, L), channels A, C, G, T \
        in model coordinates, optionally zero-centred over the four channels, is projected onto the reference the \
        model reads (the configuration's FASTA window of input_len around the region's pos, reverse-complemented for \
        a minus-strand region when allow_reverse_complement; N and padding give 0), and tangermeme's \
        recursive_seqlets runs on it. Regions are split into contiguous blocks across ranks; the output does not \
        depend on the number of ranks. \
        CSV columns: region_id, seqlet (0-based, per region, by p-value), start, end (model coordinates, 0-based \
        half-open, flanks included), attribution (the projected sum over [start, end)), p_value, chr (the FASTA \
        contig), genome_start, genome_end (1-based inclusive, clipped to the window; empty for a span in the \
        padding), strand ('-' when the model reads the reverse complement, else '+').
        """)

    @Option(help: "Attribution directory (per_region_attribs/{region_id}.npy or `attribute`'s index.csv, or output_idx_0|1/ with either).") var attributions: String
    @OptionGroup var config: ConfigOptions
    @Option(help: "p-SAGE-net head: 0 (mean, output_idx_0) or 1 (difference, output_idx_1); required for that layout.") var head: Int?
    @Option(help: "train, val, test (the configuration's <split>_regions file, else the regions on <split>_chrs), all (the regions table), or a file of region ids.")
    var regions = "test"
    @Option(help: "p-value threshold (SAGE-net's; tangermeme's own default is 0.01).") var threshold = 0.05
    @Option(help: "Minimum seqlet length.") var minLen = 4
    @Option(help: "Maximum seqlet length.") var maxLen = 25
    @Option(help: "Histogram bins of the null.") var bins = 1000
    @Option(help: "Positions added on each side of a seqlet (additional_flanks).") var flanks = 0
    @Flag(help: "Subtract the mean over the four channels at each position before projecting (zero_center_attribs).") var zeroCenter = false
    @Option(help: "Output CSV (default: standard output). Written atomically.") var out: String?
    @OptionGroup var force: ForceOption
    @OptionGroup var runtime: RuntimeOptions

    static let header = "region_id,seqlet,start,end,attribution,p_value,chr,genome_start,genome_end,strand"

    var settings: SeqletSettings { SeqletSettings(threshold: threshold, minLength: minLen, maxLength: maxLen, bins: bins, flanks: flanks) }

    func validate() throws {
        if config.config == nil { throw ValidationError("Give --config sage.toml (its FASTA, regions, input_len and allow_reverse_complement give the reference).") }
        if let problem = settings.problem { throw ValidationError("Seqlet settings: \(problem).") }
        if let head, head != 0 && head != 1 { throw ValidationError("--head must be 0 (mean) or 1 (difference), got \(head).") }
    }

    func run() throws {
        let cfg = try config.load()
        let fasta = try cfg.paths.fasta.required(for: "(the reference the attributions are projected onto)")
        let table = try cfg.paths.regions.required(for: "(the regions whose attributions are read)")
        if let out {
            let inputs = [fasta, table, config.config!] + genomeIndexes(of: fasta) + (["train", "val", "test", "all"].contains(regions) ? [] : [regions])
            try OutputGuard.checkFile(out, inputs: inputs, force: force.force, what: "seqlets CSV", isOurs: startsWith(Self.header))
        }
        try runOnRanks(runtime) { ctx in
            let inputLen = cfg.data.inputLen, reverse = cfg.data.sequence.allowReverseComplement
            let selected = try selectSeqletRegions(regions, table: try readRegions(path: table), tablePath: table, config: cfg)
            let directory = try AttributionDirectory(root: attributions, head: head, readTensor: AttributionPartReader().read)
            ctx.log.root.info("seqlets: \(selected.count) region(s), \(directory.layout), on \(ctx.comm.size) rank(s)")
            let mine = share(of: selected.count, for: ctx.comm)
            // Each rank sends its rows, or its first error; rank 0 reports the first error in region order, so the
            // message does not depend on the number of ranks.
            var payload = "ok\n"
            do {
                let reader = try FASTAReader(path: fasta), caller = SeqletCaller(settings: settings)
                for region in selected[mine] {
                    payload += try rows(region, reader: reader, directory: directory, caller: caller, inputLen: inputLen, reverse: reverse)
                }
            } catch {
                payload = "error\n" + errorMessage(error)
            }
            guard let parts = try ctx.comm.gather(string: payload, root: 0) else { return }
            if let failure = parts.first(where: { $0.hasPrefix("error\n") }) { throw CommandError(String(failure.dropFirst("error\n".count))) }
            let body = parts.map { $0.dropFirst("ok\n".count) }.joined()
            try writeOutput(Self.header + "\n" + body, to: out)
            let count = body.reduce(0) { $1 == "\n" ? $0 + 1 : $0 }
            ctx.log.root.info("seqlets: \(count) seqlet(s) in \(selected.count) region(s)\(out.map { " -> \($0)" } ?? "")")
        }
    }

    /// The CSV rows of one region's seqlets.
    func rows(_ region: Region, reader: FASTAReader, directory: AttributionDirectory, caller: SeqletCaller,
              inputLen: Int, reverse allowReverse: Bool) throws -> String {
        let (contig, window, sequence) = try reader.modelReference(of: region, inputLen: inputLen, allowReverseComplement: allowReverse)
        let reversed = region.minusStrand && allowReverse
        let attribution = try directory.read(regionID: region.id, inputLen: inputLen)
        let track = projectAttribution(attribution, onto: sequence, length: inputLen, zeroCenter: zeroCenter)
        let seqlets = track.withUnsafeBufferPointer { caller.call($0) }
        var text = ""
        for (k, s) in seqlets.enumerated() {
            let span = genomeSpan(start: s.start, end: s.end, window: window, reversed: reversed)
            let genome = span.map { "\($0.first),\($0.last)" } ?? ","
            text += "\(csvField(region.id)),\(k),\(s.start),\(s.end),\(s.attribution),\(s.pValue),\(csvField(contig)),\(genome),\(reversed ? "-" : "+")\n"
        }
        return text
    }
}

/// The regions `--regions` names: a split (the configuration's `<split>_regions` file of ids, else the table's
/// regions on `<split>_chrs`, in table order), all (the table), or a file of region ids (in its order).
func selectSeqletRegions(_ name: String, table: [Region], tablePath: String, config: RunConfig) throws -> [Region] {
    func bare(_ chr: String) -> String { chr.hasPrefix("chr") ? String(chr.dropFirst(3)) : chr }
    let byID = Dictionary(uniqueKeysWithValues: table.map { ($0.id, $0) })
    func listed(_ file: String) throws -> [Region] {
        try readIndividualList(file).map { id in
            guard let r = byID[id] else { throw GenomeError("\(file): region '\(id)' is not in the regions table \(tablePath)") }
            return r
        }
    }
    switch name {
    case "all": return table
    case "train", "val", "test":
        let split = config.splits[SplitName(rawValue: name)!]
        if let file = split.regionsFile { return try listed(file) }
        let chrs = Set(split.chromosomes.map(bare))
        let picked = table.filter { chrs.contains(bare($0.chr)) }
        if picked.isEmpty {
            throw ConfigError("\(tablePath): no region on the \(name) chromosomes (\(split.chromosomes.joined(separator: ", "))); use --regions all or a file of region ids")
        }
        return picked
    default:
        guard FileManager.default.fileExists(atPath: name) else {
            throw ValidationError("--regions '\(name)' is not train, val, test, all, nor an existing file of region ids.")
        }
        return try listed(name)
    }
}
