import Foundation

// A second simulated cohort, to evaluate across cohorts as SAGE-net does GTEx after ROSMAP
// (`sage-mpi simulate --second-cohort N`). In `second/` of the simulated directory:
// - `cohort.vcf.gz` (+ .tbi): N other individuals (GTEX-0001, ...) over the same genome, genes and sites, with
//   contigs named "1".."3" (the first cohort's are "chr1".."chr3"); each haplotype copies a founder drawn with
//   region-specific unequal weights (a shifted allele-frequency spectrum), a few SNPs exist only here (absent from
//   the first cohort), and sites no one here carries are left out (as in a real second VCF);
// - `expression.csv`: the same expression model (the region's sequence-dependent mean, the same causal variants and
//   effects, noise of the same sd, centred on the FIRST cohort's mean genetic value) plus a cohort offset of +0.25;
// - `individuals/all.txt` and `sage.toml`, which evaluates everyone here with y0 and allele frequencies from the
//   first cohort's training individuals (train_subs, train_subs_y_data, train_subs_vcf_file_path).
// Drawn from its own random stream: the first cohort is the same with or without it.
extension CohortSimulator {
    static let secondCohortOffset = 0.25

    func writeSecondCohort(to dir: String, genome: [[UInt8]], sites sitesByRegion: [[Site]], plans: [RegionPlan]) throws {
        var rng = SimRandom(seed: seed ^ 0x5EC0_4D00_C040_0001)
        try FileManager.default.createDirectory(atPath: dir + "/individuals", withIntermediateDirectories: true)
        func path(_ name: String) -> String { (dir as NSString).appendingPathComponent(name) }
        let n = secondCohort
        let names = (0..<n).map { String(format: "GTEX-%04d", $0 + 1) }

        // Per region, founder weights exp(1.5 z) (z standard normal): some founders common here, others rare.
        let founderOf: [[[Int]]] = sitesByRegion.indices.map { _ in
            let weights = (0..<founders).map { _ in exp(1.5 * rng.normal()) }, total = weights.reduce(0, +)
            func draw() -> Int {
                var u = rng.uniform() * total
                for (f, w) in weights.enumerated() { u -= w; if u < 0 { return f } }
                return founders - 1
            }
            return (0..<n).map { _ in [draw(), draw()] }
        }

        var vcf = "##fileformat=VCFv4.2\n##source=sage-mpi simulate, second cohort (seed \(seed))\n"
        for (c, seq) in genome.enumerated() { vcf += "##contig=<ID=\(c + 1),length=\(seq.count)>\n" }
        vcf += "##FORMAT=<ID=GT,Number=1,Type=String,Description=\"Phased genotype\">\n"
        vcf += "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\t" + names.joined(separator: "\t") + "\n"
        func line(contig: Int, pos: Int, ref: [UInt8], alts: [[UInt8]], genotypes: [(Int, Int)]) -> String {
            var s = "\(contig + 1)\t\(pos + 1)\t.\t\(String(decoding: ref, as: UTF8.self))\t"
            s += alts.map { String(decoding: $0, as: UTF8.self) }.joined(separator: ",") + "\t.\tPASS\t.\tGT"
            for (a, b) in genotypes { s += "\t\(a)|\(b)" }
            return s + "\n"
        }
        for (r, sites) in sitesByRegion.enumerated() {
            for (k, site) in sites.enumerated() {
                let genotypes = (0..<n).map { i in (site.founderAlleles[founderOf[r][i][0]], site.founderAlleles[founderOf[r][i][1]]) }
                if genotypes.contains(where: { $0.0 != 0 || $0.1 != 0 }) {
                    vcf += line(contig: site.contig, pos: site.pos, ref: site.ref, alts: site.alts, genotypes: genotypes)
                }
                // A SNP only this cohort has, midway to the next site when there is room (records stay 6 bp apart).
                let next = k + 1 < sites.count ? sites[k + 1].pos : site.pos
                let mid = (site.pos + site.ref.count + next) / 2
                if next - site.pos >= 20, rng.uniform() < 0.2, genome[site.contig][mid] != UInt8(ascii: "N") {
                    let refBase = genome[site.contig][mid]
                    let alt = Array("ACGT".utf8).filter { $0 != refBase }[rng.int(3)]
                    let genotypes = (0..<n).map { _ in (rng.uniform() < 0.1 ? 1 : 0, rng.uniform() < 0.1 ? 1 : 0) }
                    if genotypes.contains(where: { $0.0 != 0 || $0.1 != 0 }) {
                        vcf += line(contig: site.contig, pos: mid, ref: [refBase], alts: [[alt]], genotypes: genotypes)
                    }
                }
            }
        }
        try HTSLib.writeBGZF(vcf, to: path("cohort.vcf.gz"))
        try HTSLib.indexVCF(path("cohort.vcf.gz"))

        var expressionCSV = "gene_id," + names.joined(separator: ",") + "\n"
        for (r, plan) in plans.enumerated() {
            let row = (0..<n).map { i -> Double in
                let genetic = plan.causal.reduce(0.0) { g, c in
                    g + c.effect * Double(founderOf[r][i].filter { sitesByRegion[r][c.site].founderAlleles[$0] == 1 }.count)
                }
                return plan.mean + Self.secondCohortOffset + genetic - plan.geneticMean + plan.noiseSD * rng.normal()
            }
            expressionCSV += plan.id + "," + row.map { String(format: "%.5f", $0) }.joined(separator: ",") + "\n"
        }
        try expressionCSV.write(toFile: path("expression.csv"), atomically: true, encoding: .utf8)
        try (names.joined(separator: "\n") + "\n").write(toFile: path("individuals/all.txt"), atomically: true, encoding: .utf8)
        let toml = """
        # Second simulated cohort written by `sage-mpi simulate --seed \(seed) --second-cohort \(n)`: other individuals,
        # the same genome, genes and causal variants (../truth/causal_variants.csv), VCF contigs named 1..3 (the first
        # cohort's: chr1..chr3), a shifted allele-frequency spectrum and a cohort offset of +\(Self.secondCohortOffset) in expression.
        # Everyone here is a test individual; y0 and allele frequencies come from the first cohort's training
        # individuals (SAGE-net's train_subs_*). Evaluate a model trained on ../sage.toml:
        #   sage-mpi prepare --config sage.toml && sage-mpi evaluate --checkpoint RUN/best.safetensors --config sage.toml
        fasta = "../genome.fa"
        vcf = "cohort.vcf.gz"
        regions = "../regions.csv"
        expression = "expression.csv"
        test_individuals = "individuals/all.txt"
        store = "store"
        input_len = \(inputLen)
        train_subs = "../individuals/train.txt"
        train_subs_y_data = "../expression.csv"
        train_subs_vcf_file_path = "../cohort.vcf.gz"

        train_chrs = ["1"]
        val_chrs = ["2"]
        test_chrs = ["3"]

        """
        try toml.write(toFile: path("sage.toml"), atomically: true, encoding: .utf8)
    }
}
