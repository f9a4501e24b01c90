import Foundation

/// The motifs `simulate --motifs` plants: three PWMs of its own (consensus base 0.85, the others 0.05), instances
/// sampled from them in the central half of regions' windows (either strand), each instance adding its motif's
/// effect to the region's mean expression. Drawn from a generator of their own, so the rest of the cohort's draws
/// are those of a cohort without motifs.
struct SimulatedMotifs {
    struct Instance {
        let region: Int, motif: Int
        /// 0-based start on the contig; the planted bases (genome strand).
        let start: Int, bases: [UInt8]
        let minusStrand: Bool
    }

    static let consensus = ["ATGACTCAGCA", "GGGGCGGGGC", "CCAATCAGAG"]
    static let ids = ["SIM_AP1", "SIM_SP1", "SIM_NFY"]
    static let effects = [0.8, -0.6, 0.5]

    /// L x 4 PWMs, position-major A C G T.
    static var pwms: [Motif] {
        zip(ids, consensus).map { id, c in
            Motif(id: id, values: c.utf8.flatMap { b in Array("ACGT".utf8).map { $0 == b ? 0.85 : 0.05 } }, nsites: 20, evalue: 0)
        }
    }

    /// Plants 1-2 instances per region into `genome` (non-overlapping, no N under them) and returns them.
    static func plant(into genome: inout [[UInt8]], regions: [(contig: Int, tss: Int, strand: String)], inputLen: Int, seed: UInt64) -> [Instance] {
        var rng = SimRandom(seed: seed ^ 0x6D6F_7469_6673)
        let pwms = Self.pwms, complement: [UInt8: UInt8] = [65: 84, 67: 71, 71: 67, 84: 65]
        var out: [Instance] = []
        for (r, region) in regions.enumerated() {
            var taken: [Range<Int>] = []
            for _ in 0..<(1 + rng.int(2)) {
                let m = rng.int(pwms.count), length = pwms[m].length
                let lo = max(0, region.tss - inputLen / 4), hi = min(genome[region.contig].count, region.tss + inputLen / 4) - length
                guard hi > lo else { continue }
                var placed: Range<Int>? = nil
                for _ in 0..<20 {
                    let s = lo + rng.int(hi - lo), span = s..<(s + length)
                    if taken.allSatisfy({ !$0.overlaps(span) }) && !genome[region.contig][span].contains(UInt8(ascii: "N")) { placed = span; break }
                }
                guard let span = placed else { continue }
                var bases = (0..<length).map { p -> UInt8 in
                    let u = rng.uniform()
                    var acc = 0.0
                    for a in 0..<4 { acc += pwms[m][p, a]; if u < acc { return Array("ACGT".utf8)[a] } }
                    return UInt8(ascii: "T")
                }
                let minus = rng.uniform() < 0.5
                if minus { bases = bases.reversed().map { complement[$0]! } }
                genome[region.contig].replaceSubrange(span, with: bases)
                taken.append(span)
                out.append(Instance(region: r, motif: m, start: span.lowerBound, bases: bases, minusStrand: minus))
            }
        }
        return out
    }

    /// truth/motif_instances.csv: region_id, motif_id, chr (the regions table's), start, end (1-based inclusive),
    /// strand ('-': the motif's reverse complement reads on the genome's forward strand), effect, sequence (genome strand).
    static func instancesCSV(_ instances: [Instance], regionIDs: [String], contigs: [Int]) -> String {
        var csv = "region_id,motif_id,chr,start,end,strand,effect,sequence\n"
        for i in instances {
            csv += "\(regionIDs[i.region]),\(ids[i.motif]),\(contigs[i.region] + 1),\(i.start + 1),\(i.start + i.bases.count),"
            csv += "\(i.minusStrand ? "-" : "+"),\(effects[i.motif]),\(String(decoding: i.bases, as: UTF8.self))\n"
        }
        return csv
    }
}
