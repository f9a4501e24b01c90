import Foundation
import Testing
@testable import SAGEGenome

/// The haplotype rule (Haplotype.swift) through both its entries, the store block and VCF records, against an
/// oracle written from SAGE-net's loop, and the carrier / frequency rules (AlleleFrequency.swift).
@Suite struct HaplotypeRuleTests {
    struct Edit { let pos: Int; let ref: [UInt8]; let alt: [UInt8] }

    /// SAGE-net's loop as SAGENET-REFERENCE §2.2 states it: REF checked against the current haplotype at pos + shift.
    static func oracle(_ reference: [UInt8], _ edits: [Edit]) -> (haplotype: [UInt8], shifts: [Int]) {
        var seq = reference, shift = 0, shifts: [Int] = []
        for e in edits {
            let i = e.pos + shift
            guard i >= 0, i + e.ref.count <= seq.count, Array(seq[i..<(i + e.ref.count)]) == e.ref else { continue }
            seq.replaceSubrange(i..<(i + e.ref.count), with: e.alt)
            if e.alt.count != e.ref.count { shift += e.alt.count - e.ref.count; shifts.append(shift) }
        }
        return (seq, shifts)
    }

    /// The store entry: one block with `edits` as haplotype 0, assembled to `limit` bases. A block holds no edit
    /// starting past the window's end (RegionBlock.init refuses one; a window's VCF records never do): those are left out.
    static func store(_ reference: [UInt8], _ edits: [Edit], limit: Int) throws -> (haplotype: [UInt8], shifts: [Int]) {
        let edits = edits.filter { $0.pos <= reference.count }
        var b = RegionBlockBuilder()
        b.reference = reference
        for e in edits { b.addEdit(pos: e.pos, ref: e.ref, alt: e.alt, carriers: 0) }
        b.addHaplotype((0..<Int32(edits.count)).map { $0 })
        let bytes = b.serialized()
        let raw = UnsafeMutableRawPointer.allocate(byteCount: bytes.count, alignment: 8)
        defer { raw.deallocate() }
        raw.copyMemory(from: bytes, byteCount: bytes.count)
        let block = try RegionBlock(base: raw, length: bytes.count, trainingHaplotypes: 2)
        var out = [UInt8](repeating: 0, count: limit), shifts: [Int] = []
        let n = out.withUnsafeMutableBufferPointer { o in
            assembleHaplotype(block, edits: block.edits(ofHaplotype: 0), keep: { _ in true }, into: o.baseAddress!, limit: limit, shifted: { shifts.append($0) })
        }
        return (Array(out.prefix(n)), shifts)
    }

    /// The record entry: each edit a one-ALT record carried by haplotype 0 of sample 0, window at `start`.
    static func records(_ reference: [UInt8], _ edits: [Edit], start: Int = 1000) -> (haplotype: [UInt8], report: HaplotypeReport) {
        let records = edits.map { VariantRecord(contig: "c", pos: start + $0.pos, ref: $0.ref, alts: [$0.alt], genotypes: [1, 0], phased: [true]) }
        var report = HaplotypeReport()
        let h = buildHaplotype(reference: reference, windowStart: start, records: records, sample: 0, haplotype: 0, report: &report)
        return (h, report)
    }

    @Test func anEditOverlappingAnAppliedOneIsCheckedAgainstTheShiftedHaplotype() throws {
        // Deletion AC -> A at 0, then REF A at 1: position 1 of the current haplotype (after the shift of -1) is
        // the A the deletion kept, so it applies (SAGE-net's loop); checked against the reference (C) it would not.
        let reference = Array("ACGTACGTAC".utf8)
        let edits = [Edit(pos: 0, ref: Array("AC".utf8), alt: Array("A".utf8)), Edit(pos: 1, ref: Array("A".utf8), alt: Array("T".utf8))]
        let viaRecords = Self.records(reference, edits)
        #expect(String(decoding: viaRecords.haplotype, as: UTF8.self) == "TGTACGTAC")
        #expect(viaRecords.report.applied == 2 && viaRecords.report.refMismatches == 0)
        let viaStore = try Self.store(reference, edits, limit: 10)
        #expect(viaStore.haplotype == viaRecords.haplotype)
        #expect(viaStore.shifts.suffix(1) == [-1])
    }

    @Test func bothEntriesEqualSAGENetsLoopOnRandomEdits() throws {
        var state: UInt64 = 0x5A6E_0015
        func next(_ n: Int) -> Int { state = state &* 6364136223846793005 &+ 1442695040888963407; return Int(state >> 33) % n }
        let bases = Array("ACGT".utf8)
        var generalCases = 0
        for trial in 0..<300 {
            let reference = (0..<(20 + next(60))).map { _ in bases[next(4)] }
            var edits: [Edit] = [], pos = next(4)
            while pos < reference.count + 2 {   // some edits start past the window's end or run past it
                let kind = next(5)
                let rl = kind == 3 ? 2 + next(4) : 1
                // REF: usually the reference's bases (so most apply), sometimes other ones (a mismatch).
                let ref = (0..<rl).map { k in pos + k < reference.count && next(6) > 0 ? reference[pos + k] : bases[next(4)] }
                let alt: [UInt8] = kind == 3 ? [ref[0]] : kind == 4 ? [ref[0]] + (0..<(1 + next(4))).map { _ in bases[next(4)] } : [bases[next(4)]]
                edits.append(Edit(pos: pos, ref: ref, alt: alt))
                pos += next(3) == 0 ? 0 : next(6)   // same position or close: overlaps send the store down the general path
            }
            let expected = Self.oracle(reference, edits)
            let viaRecords = Self.records(reference, edits)
            #expect(viaRecords.haplotype == expected.haplotype, "trial \(trial)")
            #expect(viaRecords.report.applied + viaRecords.report.refMismatches == edits.count, "trial \(trial)")
            for limit in [reference.count / 2, reference.count + 40] {
                let viaStore = try Self.store(reference, edits, limit: limit)
                #expect(viaStore.haplotype == Array(expected.haplotype.prefix(limit)), "trial \(trial) limit \(limit)")
                // Every applied indel's cumulative shift, in order (the general path reports from the first one again).
                #expect(Array(viaStore.shifts.suffix(expected.shifts.count)) == expected.shifts, "trial \(trial)")
                if viaStore.shifts.count > expected.shifts.count { generalCases += 1 }
            }
        }
        #expect(generalCases > 20)   // the general path was exercised
    }

    @Test func carriersCountCalledAllelesOnly() {
        // Samples: 1|., 1|absent (haploid), 0|1, .|.
        let record = VariantRecord(contig: "c", pos: 0, ref: Array("A".utf8), alts: [Array("G".utf8)],
                                   genotypes: [1, -1, 1, -2, 0, 1, -1, -1], phased: [true, true, true, true])
        #expect(record.carriers(of: 1, among: [0, 1, 2, 3]) == 3 && record.carriers(of: 0, among: [0, 1, 2, 3]) == 1)
        #expect(record.copies(of: 1, sample: 0) == 1 && record.copies(of: 1, sample: 3) == 0)
        #expect(record.calledAlleles(among: [0, 1, 2, 3]) == 4)
        #expect(alleleFrequency(record, allele: 1, individuals: [0, 1, 2, 3]) == 3.0 / 8)   // missing in the denominator
    }

    @Test func theMAFWindowOnCarriersIsTheWindowOnFrequencies() {
        let filters = [FrequencyFilter(), FrequencyFilter(mafMin: 0), FrequencyFilter(mafMin: 0.25), FrequencyFilter(mafMax: 0.5),
                       FrequencyFilter(mafMin: 0.1, mafMax: 0.9, trueMAF: true), FrequencyFilter(mafMin: 0.25, trueMAF: true)]
        for filter in filters {
            for haplotypes in [0, 4, 8] {
                for carriers in 0...haplotypes {
                    let f = haplotypes == 0 ? 0 : Double(carriers) / Double(haplotypes)
                    #expect(filter.keeps(carriers: carriers, trainingHaplotypes: haplotypes) == filter.passes(f))
                }
            }
        }
        // Strict bounds: 2 of 8 is not above 0.25; true MAF folds 6 of 8 to 0.25. No training individuals: frequency 0.
        #expect(!FrequencyFilter(mafMin: 0.25).keeps(carriers: 2, trainingHaplotypes: 8))
        #expect(FrequencyFilter(mafMin: 0.25).keeps(carriers: 3, trainingHaplotypes: 8))
        #expect(!FrequencyFilter(mafMin: 0.25, trueMAF: true).keeps(carriers: 6, trainingHaplotypes: 8))
        #expect(!FrequencyFilter(mafMin: 0).keeps(carriers: 0, trainingHaplotypes: 0))
        #expect(FrequencyFilter(mafMax: 0.5).keeps(carriers: 0, trainingHaplotypes: 0))
        // Majority: above one half, not at it.
        #expect(!isMajority(carriers: 4, trainingHaplotypes: 8) && isMajority(carriers: 5, trainingHaplotypes: 8) && !isMajority(carriers: 0, trainingHaplotypes: 0))
    }
}
