import Foundation

/// `manifest.json` of a variant store directory: what it was built from, whom and what it holds, where each
/// region's block lives, each part file's size and checksum, and what the data held (counts). Written and read
/// with its own checksum by ManifestFile.swift.
public struct StoreManifest: Codable, Sendable {
    /// Format 2 added the part sizes and checksums and the manifest's own checksum; format 1 had none.
    public static let formatName = "sage-mpi variant store 2"
    public static let formatWithoutChecksums = "sage-mpi variant store 1"
    public var format = StoreManifest.formatName
    public var inputs: StoreInputs
    /// Stored individuals, in store order (haplotype k = 2 x index + 0 maternal / 1 paternal).
    public var individuals: [String]
    /// The individuals carrier counts (allele frequencies) are computed over.
    public var trainingIndividuals: [String]
    public var regions: [StoreRegion]
    public var parts: [StorePart]
    public var report: StoreReport
    /// CRC32C of the manifest file's bytes with these 8 hex digits read as "00000000" (see ManifestFile.swift).
    public var manifestCRC32C = StoreManifest.checksumPlaceholder
    public init(inputs: StoreInputs, individuals: [String], trainingIndividuals: [String], regions: [StoreRegion], parts: [StorePart], report: StoreReport) {
        self.inputs = inputs; self.individuals = individuals; self.trainingIndividuals = trainingIndividuals
        self.regions = regions; self.parts = parts; self.report = report
    }
}

/// One part file of a store (the blocks one rank of `prepare` wrote): its name in the store directory, its size
/// in bytes, and the CRC32C of all of them (8 lowercase hex digits).
public struct StorePart: Codable, Sendable, Equatable {
    public var file: String
    public var bytes: Int
    public var crc32c: String
    public init(file: String, bytes: Int, crc32c: UInt32) {
        self.file = file; self.bytes = bytes; self.crc32c = CRC32C.hex(crc32c)
    }
}

public struct StoreRegion: Codable, Sendable, Equatable {
    public var id: String, chr: String, pos: Int, strand: String?
    public var part: Int, offset: Int, length: Int
    public var region: Region { Region(id: id, chr: chr, pos: pos, strand: strand) }
    public init(id: String, chr: String, pos: Int, strand: String?, part: Int, offset: Int, length: Int) {
        self.id = id; self.chr = chr; self.pos = pos; self.strand = strand; self.part = part; self.offset = offset; self.length = length
    }
}

/// Identity of an input file: its size and modification time (the path is informative only, so a moved
/// cohort still matches).
public struct FileFingerprint: Codable, Sendable, Equatable {
    public var path: String, size: Int, modified: Double
    public init(path: String) throws {
        let attributes: [FileAttributeKey: Any]
        do { attributes = try FileManager.default.attributesOfItem(atPath: path) } catch { throw GenomeError("\(path): cannot read (\(error.localizedDescription))") }
        self.path = path
        size = (attributes[.size] as? NSNumber)?.intValue ?? 0
        modified = ((attributes[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0).rounded()
    }
    public func sameFile(as other: FileFingerprint) -> Bool { size == other.size && modified == other.modified }
}

/// Everything a store's contents depend on.
public struct StoreInputs: Codable, Sendable, Equatable {
    public var fasta: FileFingerprint, vcf: FileFingerprint, regions: FileFingerprint
    public var inputLen: Int
    public var contigPrefix: String?
    /// The other cohort's VCF the carrier counts were taken from (train_subs_vcf_file_path) and its contig prefix;
    /// nil when they were counted in `vcf` (and in stores written before the key existed).
    public var frequencyVCF: FileFingerprint?, frequencyContigPrefix: String?
    public init(fasta: String, vcf: String, regions: String, inputLen: Int, contigPrefix: String?,
                frequencyVCF: String? = nil, frequencyContigPrefix: String? = nil) throws {
        self.fasta = try FileFingerprint(path: fasta)
        self.vcf = try FileFingerprint(path: vcf)
        self.regions = try FileFingerprint(path: regions)
        self.inputLen = inputLen
        self.contigPrefix = contigPrefix
        self.frequencyVCF = try frequencyVCF.map(FileFingerprint.init)
        self.frequencyContigPrefix = frequencyVCF == nil ? nil : frequencyContigPrefix
    }

    /// Human-readable differences between what a store was built from (`self`) and `current`; empty if none.
    public func differences(from current: StoreInputs) -> [String] {
        var out: [String] = []
        for (name, built, now) in [("FASTA", fasta, current.fasta), ("VCF", vcf, current.vcf), ("regions table", regions, current.regions)]
        where !built.sameFile(as: now) {
            out.append("the \(name) changed (built from \(built.path), \(built.size) bytes; now \(now.path), \(now.size) bytes, different size or time)")
        }
        if inputLen != current.inputLen { out.append("input_len was \(inputLen), now \(current.inputLen)") }
        if contigPrefix != current.contigPrefix { out.append("contig_prefix was \(contigPrefix ?? "(detected)"), now \(current.contigPrefix ?? "(detected)")") }
        switch (frequencyVCF, current.frequencyVCF) {
        case (nil, nil): break
        case (let built?, let now?):
            if !built.sameFile(as: now) { out.append("the training cohort's VCF changed (built from \(built.path); now \(now.path), different size or time)") }
            if frequencyContigPrefix != current.frequencyContigPrefix { out.append("train_subs_contig_prefix was \(frequencyContigPrefix ?? "(detected)"), now \(current.frequencyContigPrefix ?? "(detected)")") }
        case (nil, let now?): out.append("allele frequencies were counted in this cohort's VCF, now train_subs_vcf_file_path = \(now.path)")
        case (let built?, nil): out.append("allele frequencies were counted in \(built.path) (train_subs_vcf_file_path), now in this cohort's VCF")
        }
        return out
    }
}

/// What the data held; sums over regions. Edits are (record, ALT allele) pairs carried by a stored haplotype.
public struct StoreReport: Codable, Sendable, Equatable {
    public var regions = 0, records = 0, edits = 0, haplotypeEdits = 0
    /// Edits whose REF differs from the reference window (skipped when the haplotype is built).
    public var refMismatchEdits = 0
    public var symbolicAllelesSkipped = 0
    public var recordsStartingBeforeWindow = 0
    public var missingAlleles = 0
    /// GT alleles naming no allele of their record (e.g. `2|0` with one ALT), counted also as missing.
    public var outOfRangeAlleles = 0
    public var unphasedCalls = 0
    public var regionsWithoutVCFContig: [String] = []
    /// With train_subs_vcf_file_path: stored ALT alleles the training cohort's VCF lacks (frequency 0 there);
    /// nil otherwise (and in stores written before).
    public var allelesAbsentFromTrainingVCF: Int?
    public init() {}
    public mutating func add(_ o: StoreReport) {
        regions += o.regions; records += o.records; edits += o.edits; haplotypeEdits += o.haplotypeEdits
        refMismatchEdits += o.refMismatchEdits; symbolicAllelesSkipped += o.symbolicAllelesSkipped
        recordsStartingBeforeWindow += o.recordsStartingBeforeWindow; missingAlleles += o.missingAlleles
        outOfRangeAlleles += o.outOfRangeAlleles
        unphasedCalls += o.unphasedCalls; regionsWithoutVCFContig += o.regionsWithoutVCFContig
        if let n = o.allelesAbsentFromTrainingVCF { allelesAbsentFromTrainingVCF = (allelesAbsentFromTrainingVCF ?? 0) + n }
    }
    public var summary: String {
        var s = "\(regions) regions, \(records) VCF records, \(edits) distinct ALT alleles carried, \(haplotypeEdits) haplotype edits; "
        s += "skipped: \(refMismatchEdits) REF mismatches, \(symbolicAllelesSkipped) symbolic/* alleles, "
        s += "\(recordsStartingBeforeWindow) records starting before their window; \(missingAlleles) missing alleles (read as reference)"
        if outOfRangeAlleles > 0 {
            s += "; warning: \(outOfRangeAlleles) GT allele(s) name no allele of their record (e.g. 2|0 with one ALT), read as missing (reference)"
        }
        if let absent = allelesAbsentFromTrainingVCF {
            s += "; \(absent) of the \(edits) alleles are absent from the training cohort's VCF (frequency 0 there)"
        }
        if unphasedCalls > 0 { s += "; warning: \(unphasedCalls) unphased genotype calls treated as phased (GT[0] maternal, GT[1] paternal)" }
        if !regionsWithoutVCFContig.isEmpty {
            s += "; warning: \(regionsWithoutVCFContig.count) region(s) on a contig the VCF lacks (no variants): \(regionsWithoutVCFContig.prefix(5).joined(separator: ", "))"
        }
        return s
    }
}
