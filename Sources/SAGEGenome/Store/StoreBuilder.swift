import Foundation

/// Builds region blocks from a FASTA and a VCF (see RegionBlock.swift): the reference window of `FASTAReader.window(of:inputLen:)`, every
/// ALT allele a stored haplotype carries (with its carrier count among the training individuals), and each
/// haplotype's list of them. One builder per thread (it owns htslib readers).
public final class StoreBuilder {
    public let fasta: FASTAReader, vcf: VCFReader
    public let inputLen: Int, contigPrefix: String?
    /// VCF sample indices of the stored individuals (store order) and of the training individuals (empty when
    /// `trainingFrequencies` counts carriers in another cohort's VCF).
    public let stored: [Int], training: [Int]
    public let trainingFrequencies: TrainingFrequencies?

    /// `trainingFrequencies`: carrier counts from another cohort (train_subs_vcf_file_path); nil = counted among
    /// `trainingIndividuals` in `vcf`.
    public init(fasta: String, vcf: String, inputLen: Int, contigPrefix: String?, individuals: [String], trainingIndividuals: [String],
                trainingFrequencies: TrainingFrequencies? = nil) throws {
        self.fasta = try FASTAReader(path: fasta)
        self.vcf = try VCFReader(path: vcf)
        self.inputLen = inputLen
        self.contigPrefix = contigPrefix
        self.trainingFrequencies = trainingFrequencies
        let reader = self.vcf
        stored = try individuals.map { try reader.sampleIndex(of: $0) }
        training = trainingFrequencies != nil ? [] : try trainingIndividuals.map { try reader.sampleIndex(of: $0, what: "training individual") }
    }

    /// The serialized block of `region` and what its data held.
    public func block(for region: Region) throws -> (bytes: [UInt8], report: StoreReport) {
        var report = StoreReport()
        report.regions = 1
        let (fastaContig, window) = try fasta.window(of: region, inputLen: inputLen)
        var b = RegionBlockBuilder()
        b.windowStart = window.lowerBound
        b.reference = try fasta.fetch(contig: fastaContig, start: window.lowerBound, end: window.upperBound)
        let found = try vcf.records(chr: region.chr, prefix: contigPrefix, window: window)
        if found == nil { report.regionsWithoutVCFContig.append(region.id) }
        let records = found ?? []
        report.records = records.count
        let foreign = try trainingFrequencies?.carriers(chr: region.chr, window: window)
        if foreign != nil { report.allelesAbsentFromTrainingVCF = 0 }
        var haplotypes = [[Int32]](repeating: [], count: 2 * stored.count)
        for record in records {
            if record.pos < window.lowerBound { report.recordsStartingBeforeWindow += 1; continue }
            report.outOfRangeAlleles += record.outOfRangeAlleles
            // Carriers of each ALT among the stored haplotypes (2k + h), and the data's oddities.
            var carriers = [[Int32]](repeating: [], count: record.alts.count)
            for (k, s) in stored.enumerated() {
                for h in 0..<2 {
                    let allele = Int(record.genotypes[2 * s + h])
                    if allele < 0 { report.missingAlleles += 1 } else if allele > 0 && allele <= record.alts.count { carriers[allele - 1].append(Int32(2 * k + h)) }
                }
                if !record.phased[s] && (record.genotypes[2 * s] > 0 || record.genotypes[2 * s + 1] > 0) { report.unphasedCalls += 1 }
            }
            for (a, alt) in record.alts.enumerated() where !carriers[a].isEmpty {
                if isSymbolic(alt) { report.symbolicAllelesSkipped += 1; continue }
                var trainingCarriers = record.carriers(of: Int32(a + 1), among: training)
                if let foreign {
                    let n = foreign[TrainingFrequencies.Allele(pos: record.pos, ref: record.ref, alt: alt)]
                    if n == nil { report.allelesAbsentFromTrainingVCF! += 1 }
                    trainingCarriers = Int(n ?? 0)
                }
                let p = record.pos - window.lowerBound
                if p + record.ref.count > b.reference.count || !b.reference[p..<(p + record.ref.count)].elementsEqual(record.ref) {
                    report.refMismatchEdits += 1
                }
                let e = Int32(b.editPos.count)
                b.addEdit(pos: p, ref: record.ref, alt: alt, carriers: trainingCarriers)
                for k in carriers[a] { haplotypes[Int(k)].append(e) }
            }
        }
        for list in haplotypes { b.addHaplotype(list) }  // edit indices grow with each record: already ascending
        report.edits = b.editPos.count
        report.haplotypeEdits = b.hapEdits.count
        return (b.serialized(), report)
    }

    /// Writes the blocks of `regions` one after another to `path` (through a temporary name) and returns each
    /// region's (offset, length), the summed report, and the part's size and CRC32C (of the bytes as written,
    /// computed as they go out). `progress(done)` is called after each region.
    public func writePart(regions: [Region], to path: String, progress: (Int) -> Void = { _ in })
        throws -> (spans: [(offset: Int, length: Int)], report: StoreReport, part: StorePart) {
        let temporary = path + ".tmp"
        guard FileManager.default.createFile(atPath: temporary, contents: nil), let handle = FileHandle(forWritingAtPath: temporary) else {
            throw GenomeError("\(temporary): cannot create")
        }
        var spans: [(offset: Int, length: Int)] = [], report = StoreReport(), offset = 0, crc = CRC32C()
        do {
            for (i, region) in regions.enumerated() {
                let (bytes, r) = try block(for: region)
                try handle.write(contentsOf: bytes)
                crc.update(bytes)
                spans.append((offset, bytes.count))
                offset += bytes.count
                report.add(r)
                progress(i + 1)
            }
            try handle.synchronize()
            try handle.close()
            guard rename(temporary, path) == 0 else { throw GenomeError("\(path): cannot rename from \(temporary)") }
        } catch {
            try? handle.close()
            unlink(temporary)
            throw error
        }
        return (spans, report, StorePart(file: (path as NSString).lastPathComponent, bytes: offset, crc32c: crc.value))
    }
}
