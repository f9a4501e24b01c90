import CHTSlib
import Foundation

/// One VCF record as the haplotype builder needs it. Coordinates 0-based (htslib's `pos`).
public struct VariantRecord: Sendable, Equatable {
    public let contig: String
    public let pos: Int
    public let ref: [UInt8]
    public let alts: [[UInt8]]
    /// Two allele indices per sample (haplotype 0 = maternal, 1 = paternal, as SAGE-net reads GT[0], GT[1]);
    /// -1 = missing allele ('.'), -2 = absent (the second allele of a haploid call, or no GT).
    public let genotypes: [Int32]
    /// Whether each sample's GT was phased ('|'); a haploid or missing call counts as phased.
    public let phased: [Bool]
    /// GT alleles of this record (over all samples) that name no allele of it, e.g. `2|0` with one ALT, or are no
    /// valid GT code at all; each is read as missing (-1) in `genotypes`.
    public var outOfRangeAlleles = 0
    /// 1-based line-ish identity for messages: contig:pos(1-based):REF>ALTs.
    public var label: String { "\(contig):\(pos + 1):\(String(decoding: ref, as: UTF8.self))>\(alts.map { String(decoding: $0, as: UTF8.self) }.joined(separator: ","))" }
}

/// A bgzipped, indexed VCF (.tbi or .csi) or an indexed BCF, read by region through htslib. Only GT is used.
/// Owns its htsFile, header, index and record (freed in deinit). Not thread-safe: one reader per thread.
public final class VCFReader: @unchecked Sendable {
    public let path: String
    public let samples: [String]
    public let contigs: [String]
    private let file: UnsafeMutablePointer<htsFile>
    private let header: UnsafeMutablePointer<bcf_hdr_t>
    private let tabix: UnsafeMutablePointer<tbx_t>?
    private let bcfIndex: OpaquePointer?
    private let record: UnsafeMutablePointer<bcf1_t>
    private var gtBuffer: UnsafeMutablePointer<Int32>? = nil
    private var gtCapacity: Int32 = 0

    public init(path: String) throws {
        self.path = path
        guard FileManager.default.fileExists(atPath: path) else { throw GenomeError("\(path): no such VCF/BCF file") }
        guard let file = hts_open(path, "r") else { throw GenomeError("\(path): htslib could not open it as VCF/BCF") }
        let format = hts_get_format(file).pointee
        // Reading by region needs BGZF: say how to get it rather than that no index exists (none can be made).
        // A gzip file that ends with BGZF's end-of-file block is a BGZF file whose first block header was damaged.
        if format.compression == gzip {
            hts_close(file)
            if HTSLib.endsWithBGZFEOFBlock(path) { throw Self.corrupt(path, "its first BGZF block header is damaged", at: "at its start") }
            throw GenomeError("\(path): compressed with plain gzip, not bgzip, so it cannot be indexed; recompress it with `gunzip -c \(path) | bgzip > \(path).bgz && mv \(path).bgz \(path)`, then `bcftools index -t \(path)`")
        }
        if format.compression == no_compression && format.format == vcf {
            hts_close(file)
            throw GenomeError("\(path): a plain-text VCF, which cannot be indexed; compress it with `bgzip \(path)`, index it with `bcftools index -t \(path).gz` and use \(path).gz")
        }
        guard let header = bcf_hdr_read(file) else {
            let problem = HTSLib.bgzfProblem(chts_bgzf_errcode(file))
            hts_close(file)
            if let problem { throw Self.corrupt(path, problem, at: "while reading its header") }
            if format.compression == bgzf || HTSLib.endsWithBGZFEOFBlock(path) {
                throw Self.corrupt(path, "its first BGZF block is damaged", at: "at its start")
            }
            throw GenomeError("\(path): no valid VCF header (not a VCF/BCF file, or corrupt)")
        }
        let isBCF = format.format == bcf
        // A BGZF file without its end-of-file block was cut short: reading by region would silently miss records.
        if hts_check_EOF(file) == 0 {
            bcf_hdr_destroy(header)
            hts_close(file)
            throw GenomeError("\(path): truncated (no BGZF end-of-file block); the file is incomplete or corrupt: copy or write it again")
        }
        var tabix: UnsafeMutablePointer<tbx_t>? = nil
        var bcfIndex: OpaquePointer? = nil
        do {
            let indexPath = try Self.indexPath(of: path, isBCF: isBCF)
            // An index older than its data describes another file: its offsets would silently skip or misplace records.
            if HTSLib.isOlder(indexPath, than: path) {
                throw GenomeError("\(indexPath) is older than \(path): the index is stale (the VCF changed after it was indexed); re-run \(Self.reindexCommand(indexPath, of: path))")
            }
            if isBCF { bcfIndex = bcf_index_load2(path, indexPath) } else { tabix = tbx_index_load2(path, indexPath) }
            guard tabix != nil || bcfIndex != nil else {
                throw GenomeError("\(indexPath): htslib cannot read this index of \(path) (corrupt?); re-create it with \(Self.reindexCommand(indexPath, of: path))")
            }
        } catch {
            bcf_hdr_destroy(header)
            hts_close(file)
            throw error
        }
        self.file = file
        self.header = header
        self.tabix = tabix
        self.bcfIndex = bcfIndex
        record = bcf_init()
        samples = (0..<Int(chts_bcf_hdr_nsamples(header))).map { String(cString: header.pointee.samples[$0]!) }
        var n: Int32 = 0
        let names = bcf_hdr_seqnames(header, &n)
        contigs = (0..<Int(n)).map { String(cString: names![$0]!) }
        free(names)
    }

    /// The index htslib would load for `path`, in its order (hts_idx_check_local): `<path>.csi`, `<stem>.csi`, then
    /// for a VCF `<path>.tbi`, `<stem>.tbi` (stem = the path without its last extension); an error when none exists.
    static func indexPath(of path: String, isBCF: Bool) throws -> String {
        let stem = (path as NSString).deletingPathExtension
        let candidates = [path + ".csi", stem + ".csi"] + (isBCF ? [] : [path + ".tbi", stem + ".tbi"])
        guard let found = candidates.first(where: { FileManager.default.fileExists(atPath: $0) }) else {
            throw GenomeError("\(path): no index; create one with `bcftools index \(isBCF ? "" : "-t ")\(path)` (the VCF must be bgzipped and sorted)")
        }
        return found
    }

    /// How to rebuild `indexPath` of `path` in its kind (.tbi or .csi), overwriting it.
    static func reindexCommand(_ indexPath: String, of path: String) -> String {
        indexPath.hasSuffix(".tbi") ? "`bcftools index -f -t \(path)` (or `tabix -f -p vcf \(path)`)" : "`bcftools index -f \(path)`"
    }

    /// The error for damaged compressed data found `at` some place of `path`.
    static func corrupt(_ path: String, _ problem: String, at place: String) -> GenomeError {
        GenomeError("\(path): the file is corrupt: \(problem) \(place); copy or write it again (`bgzip -t \(path)` tests it)")
    }

    /// The VCF column of sample `id`, or an error naming the file, the id (as `what`) and some samples it has.
    public func sampleIndex(of id: String, what: String = "individual") throws -> Int {
        guard let index = samples.firstIndex(of: id) else {
            throw GenomeError("\(path): \(what) '\(id)' is not a sample of the VCF (it has \(samples.count) samples, e.g. \(samples.prefix(5).joined(separator: ", ")))")
        }
        return index
    }

    deinit {
        free(gtBuffer)
        bcf_destroy(record)
        if let tabix { tbx_destroy(tabix) }
        if let bcfIndex { hts_idx_destroy(bcfIndex) }
        bcf_hdr_destroy(header)
        hts_close(file)
    }

    /// Records overlapping [start, end) of `contig` (0-based, half-open) in file order. An unknown contig gives an
    /// empty list (the caller decides whether that is an error); records out of order are an error.
    public func records(contig: String, start: Int, end: Int) throws -> [VariantRecord] {
        guard end > start else { return [] }
        let region = "\(contig):\(start + 1)-\(end)"
        let iterator: UnsafeMutablePointer<hts_itr_t>?
        if let tabix { iterator = chts_tbx_itr_querys(tabix, region) } else { iterator = chts_bcf_itr_querys(bcfIndex, header, region) }
        guard let iterator else { return [] }  // contig absent from the index
        defer { hts_itr_destroy(iterator) }
        var line = kstring_t(l: 0, m: 0, s: nil)
        defer { chts_ks_free(&line) }
        var result: [VariantRecord] = []
        while true {
            let rc = tabix.map { chts_tbx_itr_next(file, $0, iterator, &line) } ?? bcf_itr_next(file, iterator, record)
            // A damaged block can end a read early with a partial line (rc >= 0): test the stream's error each time.
            if let problem = HTSLib.bgzfProblem(chts_bgzf_errcode(file)) { throw Self.corrupt(path, problem, at: "while reading \(region)") }
            if rc == -1 { break }
            if rc < -1 { throw GenomeError("\(path): read error in \(region) (truncated or corrupt file?)") }
            if tabix != nil, vcf_parse(&line, header, record) < 0 {
                // vcf_parse cut the line at its tabs (NULs now): put them back for the message.
                let start = UnsafeBufferPointer(start: UnsafeRawPointer(line.s).assumingMemoryBound(to: UInt8.self), count: min(Int(line.l), 80))
                let text = String(decoding: start.map { $0 == 0 ? UInt8(ascii: "\t") : $0 }, as: UTF8.self)
                throw GenomeError("\(path): cannot parse the record \(text.debugDescription)\(line.l > 80 ? "..." : "")")
            }
            let parsed = try decode()
            if let last = result.last, parsed.pos < last.pos {
                throw GenomeError("\(path): records out of order at \(parsed.label) after \(last.label); sort with `bcftools sort`")
            }
            result.append(parsed)
        }
        return result
    }

    /// The allele index (0 = REF) of htslib's GT code `v` = (allele + 1) << 1 | phased, or -1 for a missing allele
    /// ('.', code 0 or 1, or bcf_int32_missing); nil for a code naming no allele of a record with `alleleCount`
    /// alleles (REF included): a larger index, or a negative code other than bcf_int32_missing.
    static func allele(ofGTCode v: Int32, alleleCount: Int32) -> Int32? {
        if v == chts_bcf_int32_missing() || v >> 1 == 0 { return -1 }
        guard v > 0, (v >> 1) - 1 < alleleCount else { return nil }
        return (v >> 1) - 1
    }

    private func decode() throws -> VariantRecord {
        bcf_unpack(record, 1)  // BCF_UN_STR: alleles
        let r = record.pointee
        let alleles = (0..<Int(r.n_allele)).map { i -> [UInt8] in
            Array(UnsafeRawBufferPointer(start: r.d.allele[i]!, count: strlen(r.d.allele[i]!))).map { $0 >= 97 && $0 <= 122 ? $0 - 32 : $0 }
        }
        let contig = String(cString: bcf_hdr_id2name(header, r.rid))
        let n = samples.count
        var genotypes = [Int32](repeating: -2, count: 2 * n)
        var phased = [Bool](repeating: true, count: n)
        var outOfRange = 0
        let count = chts_bcf_get_genotypes(header, record, &gtBuffer, &gtCapacity)
        if count > 0, n > 0 {
            let ploidy = Int(count) / n, end = chts_bcf_int32_vector_end(), alleleCount = Int32(alleles.count)
            for s in 0..<n {
                for h in 0..<min(2, ploidy) {
                    let v = gtBuffer![s * ploidy + h]
                    if v == end { break }
                    guard let allele = Self.allele(ofGTCode: v, alleleCount: alleleCount) else { genotypes[2 * s + h] = -1; outOfRange += 1; continue }
                    genotypes[2 * s + h] = allele
                    if h == 1 && allele >= 0 && (v & 1) == 0 { phased[s] = false }
                }
            }
        }
        var decoded = VariantRecord(contig: contig, pos: Int(r.pos), ref: alleles.first ?? [], alts: Array(alleles.dropFirst()),
                                    genotypes: genotypes, phased: phased)
        decoded.outOfRangeAlleles = outOfRange
        return decoded
    }
}
