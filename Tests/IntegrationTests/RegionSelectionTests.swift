import Foundation
import SAGEEngine
import Testing

/// SAGE-net selects regions from a ranking once per split size: `num_top_train_genes` regions for training and
/// `num_top_val_genes` for validation (ours: num_top_train_regions / num_top_val_regions, SAGE-net's names read as
/// aliases), each then kept to its split's chromosomes; `num_regions` for the test regions.
@Suite struct RegionSelectionTests {
    @Test func trainAndValidationCountsSelectSeparately() throws {
        let dir = try Subprocess.simulatedCohort("select", regions: 30, individuals: 12, inputLen: 300, seed: 4, prepared: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let regions = try String(contentsOfFile: dir + "/regions.csv", encoding: .utf8).split(separator: "\n").dropFirst().map {
            let f = $0.split(separator: ","); return (id: String(f[0]), chr: String(f[1]))
        }
        var rng = SplitMix64(seed: 5)
        let ranked = regions.shuffled(using: &rng)
        var ranking = "region_id,val_pearson\n"
        for (k, r) in ranked.enumerated() { ranking += "\(r.id),\(1 - Double(k) / 100)\n" }
        try ranking.write(toFile: dir + "/ranking.csv", atomically: true, encoding: .utf8)
        let ckpt = dir + "/m.safetensors"
        let made = try Subprocess.alone(["init-model", "--out", ckpt, "--input-len", "300", "--first-layer-kernel-number", "4",
                                         "--int-layers-kernel-number", "4", "--hidden-size", "4", "--n-conv-blocks", "2", "--pooling-size", "5"])
        #expect(made.status == 0, "\(made.combined)")
        func evaluated(_ split: String) throws -> Set<String> {
            let out = dir + "/eval-" + split
            let r = try Subprocess.alone(["evaluate", "--checkpoint", ckpt, "--config", dir + "/sage.toml", "--regions", split,
                                          "--individuals", "all", "--out", out, "--set", "region_ranking=\(dir)/ranking.csv",
                                          "--set", "num_regions=12", "--set", "num_top_train_genes=4", "--set", "num_top_val_regions=24"])
            #expect(r.status == 0, "\(r.combined)")
            return Set(try String(contentsOfFile: out + "/region_correlations.csv", encoding: .utf8).split(separator: "\n").dropFirst()
                .map { String($0.split(separator: ",")[0]) })
        }
        func expected(_ n: Int, chr: String) -> Set<String> { Set(ranked.prefix(n).filter { $0.chr == chr }.map(\.id)) }
        #expect(try evaluated("train") == expected(4, chr: "1"))
        #expect(try evaluated("val") == expected(24, chr: "2"))
        #expect(try evaluated("test") == expected(12, chr: "3"))
        #expect(expected(24, chr: "2") != expected(12, chr: "2") && expected(4, chr: "1") != expected(12, chr: "1"), "the counts must make a difference here")
    }
}
