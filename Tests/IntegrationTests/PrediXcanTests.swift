import Foundation
import Testing

/// `baseline predixcan` under mpirun: the same files for 1, 2 and 3 ranks; the planted causal variants carry the
/// weight on simulated data; a bad region ends the whole job with one message and leaves no output.
@Suite(.serialized) struct PrediXcanJobTests {
    static func cohort(regions: Int = 30) throws -> String {
        try Subprocess.simulatedCohort("pxjob", regions: regions, individuals: 100, inputLen: 3000, seed: 5)
    }

    @Test func sameResultsForOneTwoAndThreeRanksAndCausalVariantsCarryTheWeight() throws {
        let dir = try Self.cohort()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let args = ["baseline", "predixcan", "--config", dir + "/sage.toml", "--causal", dir + "/truth/causal_variants.csv"]
        let one = try Subprocess.alone(args + ["--out", dir + "/np1"])
        #expect(one.status == 0, "\(one.combined)")
        for ranks in [2, 3] {
            let run = try Subprocess.mpi(ranks, args + ["--out", dir + "/np\(ranks)"])
            #expect(run.status == 0, "\(run.combined)")
            for file in ["summary.csv", "weights.csv", "predictions.csv", "causal.csv"] {
                let a = try Data(contentsOf: URL(fileURLWithPath: "\(dir)/np1/\(file)"))
                let b = try Data(contentsOf: URL(fileURLWithPath: "\(dir)/np\(ranks)/\(file)"))
                #expect(a == b, "\(file) differs between 1 and \(ranks) ranks")
            }
        }
        // Each simulated region has 1-3 causal variants explaining ~60% of the variance, without LD between sites:
        // the top-weighted feature should be one of them in most regions.
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir + "/np1/summary.json"))) as! [String: Any]
        let causal = json["causal"] as! [String: Any]
        #expect(causal["regions_scored"] as! Int >= 25)
        #expect(causal["top_feature_causal_fraction"] as! Double >= 0.8, "\(causal)")
        #expect(causal["median_causal_weight_share"] as! Double >= 0.5, "\(causal)")
        #expect((json["val_pearson"] as! [String: Any])["median"] as! Double > 0.5)
        #expect(one.stderr.contains("top-weighted feature causal in"))
    }

    @Test func aRegionOnAnUnknownContigEndsTheJobWithNoOutput() throws {
        let dir = try Self.cohort(regions: 8)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var text = try String(contentsOfFile: dir + "/regions.csv", encoding: .utf8)
        var lines = text.split(separator: "\n").map(String.init)
        var fields = lines[7].split(separator: ",").map(String.init)  // the 7th region: on the last rank's block
        fields[1] = "chr99"
        lines[7] = fields.joined(separator: ",")
        text = lines.joined(separator: "\n") + "\n"
        try text.write(toFile: dir + "/regions.csv", atomically: true, encoding: .utf8)
        let run = try Subprocess.mpi(2, ["baseline", "predixcan", "--config", dir + "/sage.toml", "--out", dir + "/px"])
        #expect(run.status != 0 && !run.timedOut)
        #expect(run.stderr.components(separatedBy: "no contig for chromosome 'chr99'").count == 2, "one message: \(run.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dir + "/px") && !FileManager.default.fileExists(atPath: dir + "/px.partial"))
    }
}
