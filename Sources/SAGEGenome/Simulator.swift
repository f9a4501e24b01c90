import Foundation

/// A self-consistent simulated cohort for demos and tests, deterministic for a seed:
/// - `genome.fa` (+ .fai): three contigs ("chr1".."chr3"), GC ~41%, runs of N between and inside some windows;
/// - `cohort.vcf.gz` (+ .tbi): phased, ~`variantsPerKb` sites per kb around every region, ~10% indels, a few
///   multi-allelic sites, a skewed frequency spectrum (many rare sites) and LD from shared founder haplotypes
///   (each individual haplotype copies one of `founders` founder haplotypes per region);
/// - `regions.csv` (gene_id, chr as "1".."3", pos = 1-based TSS, strand +/-; some near contig ends);
/// - `expression.csv` (regions x individuals): a sequence-dependent region mean (GC content of the central 200 bp)
///   + additive effects of 1-3 planted causal variants per region + Gaussian noise (variance explained ~60%);
/// - `truth/causal_variants.csv`, `individuals/{train,val,test}.txt` (70/15/15) and a ready `sage.toml`;
/// - with `secondCohort` > 0, a second cohort in `second/` (SecondCohort.swift);
/// - with `motifs`, three PWMs of its own planted in the reference (1-2 instances in the central half of each
///   region's window, adding their effect to the region's mean): `truth/motifs.meme`, `truth/motif_instances.csv`
///   (SimulatedMotifs.swift). Without it the cohort is byte for byte what it was before the option existed.
public struct CohortSimulator {
    public var individuals = 200
    public var regions = 50
    public var inputLen = 2000
    public var seed: UInt64 = 1
    public var founders = 16
    public var variantsPerKb = 10.0
    /// Individuals of a second cohort written to `second/` (0: none); see SecondCohort.swift.
    public var secondCohort = 0
    /// Plant the simulator's motifs (see the type's comment).
    public var motifs = false
    public init() {}

    struct Site {
        let contig: Int, pos: Int   // 0-based
        let ref: [UInt8], alts: [[UInt8]]
        var founderAlleles: [Int]    // per founder haplotype: 0 = ref, k = alts[k-1]
    }

    public func write(to dir: String) throws {
        precondition(individuals >= 10 && regions >= 1 && inputLen >= 100, "simulate: too small a cohort")
        var rng = SimRandom(seed: seed)
        let fm = FileManager.default
        for sub in ["", "truth", "individuals"] {
            try fm.createDirectory(atPath: (dir as NSString).appendingPathComponent(sub), withIntermediateDirectories: true)
        }
        func path(_ name: String) -> String { (dir as NSString).appendingPathComponent(name) }

        // Genome and region placement: regions spaced 1.5 windows apart; the first of each contig sits near its start.
        let perContig = (regions + 2) / 3, spacing = inputLen * 3 / 2
        var genome: [[UInt8]] = []
        var placed: [(contig: Int, tss: Int, strand: String)] = []  // tss 0-based
        for c in 0..<3 {
            let count = min(perContig, regions - placed.count)
            let length = max(count, 1) * spacing + inputLen
            var seq = (0..<length).map { _ in rng.base() }
            for g in 0..<count {
                let tss = g == 0 ? inputLen / 4 : g * spacing + inputLen / 2
                placed.append((c, tss, rng.uniform() < 0.5 ? "+" : "-"))
                let gap = tss + inputLen / 2 + 20                           // an N run between windows
                if gap + 30 < length { for i in gap..<(gap + 30) { seq[i] = UInt8(ascii: "N") } }
            }
            if count > 1 { let inside = placed[placed.count - 1].tss - inputLen / 3; for i in inside..<(inside + 12) { seq[i] = UInt8(ascii: "N") } }
            genome.append(seq)
        }
        let instances = motifs ? SimulatedMotifs.plant(into: &genome, regions: placed, inputLen: inputLen, seed: seed) : []
        var fasta = ""
        for (c, seq) in genome.enumerated() {
            fasta += ">chr\(c + 1)\n"
            for start in stride(from: 0, to: seq.count, by: 60) { fasta += String(decoding: seq[start..<min(start + 60, seq.count)], as: UTF8.self) + "\n" }
        }
        try fasta.write(toFile: path("genome.fa"), atomically: true, encoding: .utf8)
        try HTSLib.indexFASTA(path("genome.fa"))

        // Sites per window, at least 6 bp apart (no overlapping records), on founder haplotypes.
        var sitesByRegion: [[Site]] = []
        for r in placed {
            let lo = max(0, r.tss - inputLen / 2), hi = min(genome[r.contig].count, r.tss + inputLen / 2)
            var sites: [Site] = []
            var pos = lo + 3
            while true {
                pos += 6 + Int(rng.exponential(mean: 1000 / variantsPerKb))
                guard pos + 8 < hi else { break }
                let refBase = genome[r.contig][pos]
                guard refBase != UInt8(ascii: "N") else { continue }
                let kind = rng.uniform()
                var ref = [refBase], alts: [[UInt8]]
                if kind < 0.05 {                                   // insertion
                    alts = [[refBase] + (0..<(1 + rng.int(5))).map { _ in rng.base() }]
                } else if kind < 0.10 {                            // deletion
                    ref = Array(genome[r.contig][pos..<(pos + 2 + rng.int(4))])
                    guard !ref.contains(UInt8(ascii: "N")) else { continue }
                    alts = [[refBase]]
                } else if kind < 0.13 {                            // multi-allelic SNP
                    let others = Array("ACGT".utf8).filter { $0 != refBase }.shuffled(using: &rng)
                    alts = [[others[0]], [others[1]]]
                } else {
                    alts = [[Array("ACGT".utf8).filter { $0 != refBase }[rng.int(3)]]]
                }
                // Skewed spectrum: frequency u^3 among founders, at least one carrier.
                let carriers = max(1, Int((pow(rng.uniform(), 3) * Double(founders)).rounded()))
                var alleles = [Int](repeating: 0, count: founders)
                for f in (0..<founders).shuffled(using: &rng).prefix(carriers) { alleles[f] = 1 + rng.int(alts.count) }
                sites.append(Site(contig: r.contig, pos: pos, ref: ref, alts: alts, founderAlleles: alleles))
            }
            sitesByRegion.append(sites)
        }

        // Individuals: each haplotype copies one founder per region.
        let sampleNames = (0..<individuals).map { String(format: "IND%04d", $0 + 1) }
        let founderOf = (0..<individuals).map { _ in (0..<placed.count).map { _ in [rng.int(founders), rng.int(founders)] } }

        // VCF, sorted by contig then position (regions are placed in that order).
        var vcf = "##fileformat=VCFv4.2\n##source=sage-mpi simulate (seed \(seed))\n"
        for (c, seq) in genome.enumerated() { vcf += "##contig=<ID=chr\(c + 1),length=\(seq.count)>\n" }
        vcf += "##FORMAT=<ID=GT,Number=1,Type=String,Description=\"Phased genotype\">\n"
        vcf += "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\t" + sampleNames.joined(separator: "\t") + "\n"
        for (r, sites) in sitesByRegion.enumerated() {
            for site in sites {
                vcf += "chr\(site.contig + 1)\t\(site.pos + 1)\t.\t\(String(decoding: site.ref, as: UTF8.self))\t"
                vcf += site.alts.map { String(decoding: $0, as: UTF8.self) }.joined(separator: ",") + "\t.\tPASS\t.\tGT"
                for i in 0..<individuals {
                    vcf += "\t\(site.founderAlleles[founderOf[i][r][0]])|\(site.founderAlleles[founderOf[i][r][1]])"
                }
                vcf += "\n"
            }
        }
        try HTSLib.writeBGZF(vcf, to: path("cohort.vcf.gz"))
        try HTSLib.indexVCF(path("cohort.vcf.gz"))

        // Regions, causal variants and expression.
        var regionsCSV = "gene_id,chr,pos,strand\n", causalCSV = "region_id,chr,pos,ref,alt,effect\n"
        var expression = [[Double]](repeating: [], count: placed.count)
        var plans: [RegionPlan] = []
        for (r, region) in placed.enumerated() {
            let id = String(format: "G%04d", r + 1)
            regionsCSV += "\(id),\(region.contig + 1),\(region.tss + 1),\(region.strand)\n"
            let centre = genome[region.contig][max(0, region.tss - 100)..<min(genome[region.contig].count, region.tss + 100)]
            let gc = Double(centre.filter { $0 == UInt8(ascii: "G") || $0 == UInt8(ascii: "C") }.count) / Double(max(centre.count, 1))
            var mean = 5 + 20 * (gc - 0.41)
            if motifs { mean += instances.filter { $0.region == r }.reduce(0) { $0 + SimulatedMotifs.effects[$1.motif] } }
            let candidates = sitesByRegion[r].indices.filter { sitesByRegion[r][$0].founderAlleles.filter { $0 != 0 }.count >= 2 }
            let causal = Array(candidates.shuffled(using: &rng).prefix(1 + rng.int(3)))
            var genetic = [Double](repeating: 0, count: individuals)
            var effects: [(site: Int, effect: Double)] = []
            for k in causal {
                let site = sitesByRegion[r][k]
                let effect = (rng.uniform() < 0.5 ? -1.0 : 1.0) * (0.5 + 0.5 * rng.uniform())
                effects.append((k, effect))
                causalCSV += "\(id),\(site.contig + 1),\(site.pos + 1),\(String(decoding: site.ref, as: UTF8.self)),"
                causalCSV += "\(String(decoding: site.alts[0], as: UTF8.self)),\(String(format: "%.4f", effect))\n"
                for i in 0..<individuals {
                    let dosage = founderOf[i][r].filter { site.founderAlleles[$0] == 1 }.count
                    genetic[i] += effect * Double(dosage)
                }
            }
            let gMean = genetic.reduce(0, +) / Double(individuals)
            let gVar = genetic.map { ($0 - gMean) * ($0 - gMean) }.reduce(0, +) / Double(individuals)
            let noiseSD = gVar > 1e-9 ? (gVar * 0.4 / 0.6).squareRoot() : 0.5  // no genetic variance (also when every genotype is the same): noise alone
            expression[r] = genetic.map { mean + $0 - gMean + noiseSD * rng.normal() }
            plans.append(RegionPlan(id: id, mean: mean, causal: effects, geneticMean: gMean, noiseSD: noiseSD))
        }
        try regionsCSV.write(toFile: path("regions.csv"), atomically: true, encoding: .utf8)
        try causalCSV.write(toFile: path("truth/causal_variants.csv"), atomically: true, encoding: .utf8)
        if motifs {
            try formatMEME(SimulatedMotifs.pwms).write(toFile: path("truth/motifs.meme"), atomically: true, encoding: .utf8)
            let csv = SimulatedMotifs.instancesCSV(instances, regionIDs: placed.indices.map { String(format: "G%04d", $0 + 1) }, contigs: placed.map(\.contig))
            try csv.write(toFile: path("truth/motif_instances.csv"), atomically: true, encoding: .utf8)
        }
        var expressionCSV = "gene_id," + sampleNames.joined(separator: ",") + "\n"
        for (r, row) in expression.enumerated() {
            expressionCSV += String(format: "G%04d", r + 1) + "," + row.map { String(format: "%.5f", $0) }.joined(separator: ",") + "\n"
        }
        try expressionCSV.write(toFile: path("expression.csv"), atomically: true, encoding: .utf8)

        let order = sampleNames.shuffled(using: &rng)
        let nTrain = individuals * 70 / 100, nVal = individuals * 15 / 100
        for (name, slice) in [("train", order[0..<nTrain]), ("val", order[nTrain..<(nTrain + nVal)]), ("test", order[(nTrain + nVal)...])] {
            try (slice.joined(separator: "\n") + "\n").write(toFile: path("individuals/\(name).txt"), atomically: true, encoding: .utf8)
        }
        let toml = """
        # Simulated cohort written by `sage-mpi simulate --seed \(seed)`; paths are relative to this file.
        fasta = "genome.fa"
        vcf = "cohort.vcf.gz"
        regions = "regions.csv"
        expression = "expression.csv"
        train_individuals = "individuals/train.txt"
        val_individuals = "individuals/val.txt"
        test_individuals = "individuals/test.txt"
        input_len = \(inputLen)

        # Regions on chr1 train, chr2 validate, chr3 test (the simulator's three contigs).
        train_chrs = ["1"]
        val_chrs = ["2"]
        test_chrs = ["3"]

        # A small model for the demo (the paper's model: delete these lines; see `sage-mpi config --keys`).
        first_layer_kernel_number = 64
        int_layers_kernel_number = 32
        hidden_size = 32
        n_conv_blocks = 3
        batch_size = 16
        learning_rate = 0.001
        max_epochs = 6
        patience = 3
        checkpoint_every_steps = 50

        """
        try toml.write(toFile: path("sage.toml"), atomically: true, encoding: .utf8)
        if secondCohort > 0 {
            try writeSecondCohort(to: path("second"), genome: genome, sites: sitesByRegion, plans: plans)
        }
    }

    /// What the expression of a region is made of, for a second cohort drawn from the same model: the
    /// sequence-dependent mean, the causal sites (indices into the region's sites, effect per copy of ALT 1), the
    /// first cohort's mean genetic value and the noise sd.
    struct RegionPlan {
        let id: String, mean: Double
        let causal: [(site: Int, effect: Double)]
        let geneticMean: Double, noiseSD: Double
    }
}

/// The simulator's generator: SplitMix64 (same stream on every platform) with the draws it needs.
struct SimRandom: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed &+ 0x5AE_0000 }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func uniform() -> Double { Double(next() >> 11) * 0x1p-53 }
    mutating func int(_ n: Int) -> Int { Int(next() % UInt64(n)) }
    mutating func exponential(mean: Double) -> Double { -mean * log(1 - uniform()) }
    mutating func normal() -> Double { (-2 * log(1 - uniform())).squareRoot() * cos(2 * .pi * uniform()) }
    /// A base with GC content ~41%.
    mutating func base() -> UInt8 {
        let u = uniform()
        return u < 0.295 ? UInt8(ascii: "A") : u < 0.5 ? UInt8(ascii: "C") : u < 0.705 ? UInt8(ascii: "G") : UInt8(ascii: "T")
    }
}
