import Foundation
import SAGEDistributed
import SAGEEngine
import SAGEGenome

/// `sage-mpi prepare`: builds the variant store of a configuration. Regions are dealt to ranks in contiguous
/// blocks; each rank writes its part file into `<out>.partial/` (a file system every rank sees), its CRC32C
/// computed as it goes; rank 0 writes the manifest (each part's size and checksum, and its own checksum) and then
/// renames the directory to `out` (replacing an older store only once the new one is complete). Individuals stored: the train,
/// val and test lists (or every VCF sample when none is set); allele frequencies are counted over the training list, or
/// over train_subs in train_subs_vcf_file_path for a second cohort (see TrainingCohort).
public func prepareStore(config: RunConfig, out: String, comm: any Communicator, log: RankLog) throws -> StoreManifest? {
    let fasta = try config.paths.fasta.required(for: "to prepare a store")
    let vcf = try config.paths.vcf.required(for: "to prepare a store")
    let regionsPath = try config.paths.regions.required(for: "to prepare a store")
    let inputLen = config.data.inputLen
    let contigPrefix = config.paths.contigPrefix
    let cohort = try Cohort(config: config)
    let trainingCohort = try TrainingCohort(config: config, cohort: cohort)
    let regions = try readRegions(path: regionsPath)
    let inputs = try StoreInputs(fasta: fasta, vcf: vcf, regions: regionsPath, inputLen: inputLen, contigPrefix: contigPrefix,
                                 frequencyVCF: trainingCohort.otherVCF ? trainingCohort.vcf : nil, frequencyContigPrefix: trainingCohort.contigPrefix)
    let individuals = try cohort.all.isEmpty ? VCFReader(path: vcf).samples : cohort.all
    let training = trainingCohort.individuals.isEmpty ? individuals : trainingCohort.individuals
    let frequencies = try trainingCohort.otherVCF ? TrainingFrequencies(vcf: trainingCohort.vcf!, contigPrefix: trainingCohort.contigPrefix, trainingIndividuals: training) : nil
    let builder = try StoreBuilder(fasta: fasta, vcf: vcf, inputLen: inputLen, contigPrefix: contigPrefix,
                                   individuals: individuals, trainingIndividuals: training, trainingFrequencies: frequencies)

    let staged = try StagedDirectory(out: out, kind: "store", inputs: config.inputPaths(except: ["store", "predixcan_out"]), comm: comm,
                                     legacy: { (try? String(contentsOfFile: VariantStore.manifestPath($0), encoding: .utf8))?.contains("sage-mpi variant store") == true },
                                     owns: { $0 == "manifest.json" || ($0.hasPrefix("part-") && $0.hasSuffix(".bin")) })
    if comm.rank == 0 {
        log.root.info("prepare: \(regions.count) regions x \(individuals.count) individuals, input_len \(inputLen), on \(comm.size) rank(s)")
        if trainingCohort.otherVCF { log.root.info("prepare: allele frequencies from \(training.count) training individuals (train_subs) in \(trainingCohort.vcf!)") }
    }

    let mine = share(of: regions.count, for: comm)
    let partName = String(format: "part-%05d.bin", comm.rank)
    let started = Date()
    let progress = ProgressLine(task: "prepare", scope: "rank 0", total: mine.count, unit: "regions", log: log)
    let (spans, report, part) = try staged.collectively {
        // Every region's contig and window first, so that a bad row fails the job now rather than after the others' work.
        for region in regions { _ = try builder.fasta.window(of: region, inputLen: inputLen) }
        return try builder.writePart(regions: Array(regions[mine]), to: staged.path(partName)) { done in progress.update(done) }
    }
    progress.finish()
    let summary = PartSummary(regions: zip(regions[mine], spans).map { r, s in
        StoreRegion(id: r.id, chr: r.chr, pos: r.pos, strand: r.strand, part: comm.rank, offset: s.offset, length: s.length)
    }, report: report, part: part)
    try AtomicJSON.write(summary, to: staged.path(partName + ".json"))
    try comm.barrier()

    var manifest: StoreManifest? = nil
    if comm.rank == 0 {
        var all: [StoreRegion] = [], parts: [StorePart] = [], total = StoreReport()
        for r in 0..<comm.size {
            let path = staged.path(String(format: "part-%05d.bin.json", r))
            let gathered = try JSONDecoder().decode(PartSummary.self, from: Data(contentsOf: URL(fileURLWithPath: path)))
            all += gathered.regions
            parts.append(gathered.part)
            total.add(gathered.report)
            try FileManager.default.removeItem(atPath: path)
        }
        let m = StoreManifest(inputs: inputs, individuals: individuals, trainingIndividuals: training, regions: all,
                              parts: parts, report: total)
        try AtomicFile.write(m.encoded(), to: VariantStore.manifestPath(staged.partial))
        try staged.commit()
        log.root.info("prepare: wrote \(out) in \(String(format: "%.1f", Date().timeIntervalSince(started))) s: \(total.summary)")
        manifest = m
    }
    try comm.barrier()
    return manifest
}

/// What one rank wrote, for rank 0 to gather into the manifest: its regions' spans, its report, its part file's
/// size and checksum.
struct PartSummary: Codable {
    var regions: [StoreRegion]
    var report: StoreReport
    var part: StorePart
}

/// JSON (pretty, sorted keys) written atomically.
public enum AtomicJSON {
    public static func write<T: Encodable>(_ value: T, to path: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try AtomicFile.write(encoder.encode(value), to: path)
    }
}
