import Foundation
import Testing

/// `evaluate` and `predict` on the variant-sparse path (the default) against `--dense`, on simulated cohorts with
/// SNPs and indels (~10%), plus- and minus-strand regions, at 2 kb and 40 kb, for p-SAGE-net and r-SAGE-net (batch
/// norm on conv0); and the sparse output byte-identical for 1, 2 and 3 ranks.
@Suite(.serialized) struct SparseEvaluateTests {
    /// region|individual -> (pred_mean, pred_diff).
    static func predictions(_ dir: String) throws -> [String: (Double, Double)] {
        var out: [String: (Double, Double)] = [:]
        for line in try String(contentsOfFile: dir + "/predictions.csv", encoding: .utf8).split(separator: "\n").dropFirst() {
            let f = line.split(separator: ",", omittingEmptySubsequences: false)
            out["\(f[0])|\(f[1])"] = (Double(f[5])!, Double(f[6])!)
        }
        return out
    }

    /// The largest |a - b| / max(1, |b|) over both outputs of every item; checks that the items are the same.
    static func maxRelativeError(_ a: [String: (Double, Double)], _ b: [String: (Double, Double)]) -> Double {
        #expect(Set(a.keys) == Set(b.keys) && !a.isEmpty)
        return a.map { key, x in
            let y = b[key] ?? (.nan, .nan)
            return max(abs(x.0 - y.0) / max(1, abs(y.0)), abs(x.1 - y.1) / max(1, abs(y.1)))
        }.max() ?? .nan
    }

    static func checkpoint(_ dir: String, _ model: [String]) throws -> String {
        let path = dir + "/model.safetensors"
        let r = try Subprocess.alone(["init-model", "--out", path, "--seed", "3"] + model)
        #expect(r.status == 0, "\(r.combined)")
        return path
    }

    static func evaluate(_ dir: String, _ checkpoint: String, ranks: Int, out: String, dense: Bool = false) throws {
        let args = ["evaluate", "--checkpoint", checkpoint, "--config", dir + "/sage.toml", "--regions", "all",
                    "--individuals", "all", "--out", dir + "/" + out, "--batch-size", "5"] + (dense ? ["--dense"] : [])
        let r = ranks == 1 ? try Subprocess.alone(args, timeout: 600) : try Subprocess.mpi(ranks, args, timeout: 600)
        #expect(r.status == 0, "\(r.combined)")
    }

    @Test(arguments: [["--model", "psagenet"], ["--model", "rsagenet", "--batch-norm", "1"]])
    func sparseEqualsDenseAt2kbOnAnyNumberOfRanks(model: [String]) throws {
        let dir = try Subprocess.simulatedCohort("sparse2k", regions: 10, individuals: 24, inputLen: 2000, seed: 12, prepared: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let ckpt = try Self.checkpoint(dir, model + ["--input-len", "2000", "--first-layer-kernel-number", "16",
                                                    "--int-layers-kernel-number", "8", "--hidden-size", "8", "--n-conv-blocks", "3"])
        try Self.evaluate(dir, ckpt, ranks: 1, out: "dense", dense: true)
        for ranks in [1, 2, 3] { try Self.evaluate(dir, ckpt, ranks: ranks, out: "sparse\(ranks)") }
        let dense = try Self.predictions(dir + "/dense"), sparse = try Self.predictions(dir + "/sparse1")
        #expect(Self.maxRelativeError(sparse, dense) <= 1e-5)
        #expect(Set(dense.values.map(\.1)).count > dense.count / 2, "pred_diff hardly varies: the comparison would be weak")
        let one = try Data(contentsOf: URL(fileURLWithPath: dir + "/sparse1/predictions.csv"))
        for ranks in [2, 3] {
            #expect(try Data(contentsOf: URL(fileURLWithPath: dir + "/sparse\(ranks)/predictions.csv")) == one, "\(ranks) ranks")
        }
        // The log says which path ran.
        let log = try Subprocess.alone(["evaluate", "--checkpoint", ckpt, "--config", dir + "/sage.toml", "--regions", "test",
                                        "--out", dir + "/logged"])
        #expect(log.combined.contains("variant-sparse inference"))
    }

    @Test func sparseEqualsDenseAt40kbAndOnPredict() throws {
        let dir = try Subprocess.simulatedCohort("sparse40k", regions: 4, individuals: 10, inputLen: 40000, seed: 13, prepared: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let ckpt = try Self.checkpoint(dir, ["--input-len", "40000", "--first-layer-kernel-number", "8", "--int-layers-kernel-number", "4",
                                             "--hidden-size", "8", "--n-conv-blocks", "4", "--pooling-type", "max"])
        try Self.evaluate(dir, ckpt, ranks: 1, out: "dense", dense: true)
        try Self.evaluate(dir, ckpt, ranks: 2, out: "sparse")
        #expect(Self.maxRelativeError(try Self.predictions(dir + "/sparse"), try Self.predictions(dir + "/dense")) <= 1e-5)

        // predict: sparse (shifts found in the bases) against --dense on `sequences` output.
        let fasta = dir + "/items.fa"
        let people = try String(contentsOfFile: dir + "/individuals/train.txt", encoding: .utf8).split(separator: "\n").prefix(4)
        let seq = try Subprocess.alone(["sequences", "--config", dir + "/sage.toml", "--out", fasta] + people.flatMap { ["--individual", String($0)] })
        #expect(seq.status == 0, "\(seq.combined)")
        for dense in [false, true] {
            let r = try Subprocess.mpi(2, ["predict", "--checkpoint", ckpt, "--sequences", fasta, "--out", dir + "/p\(dense).csv"] + (dense ? ["--dense"] : []))
            #expect(r.status == 0, "\(r.combined)")
        }
        func rows(_ path: String) throws -> [[Double]] {
            try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").dropFirst().map { $0.split(separator: ",").dropFirst().map { Double($0)! } }
        }
        let sparse = try rows(dir + "/pfalse.csv"), dense = try rows(dir + "/ptrue.csv")
        #expect(sparse.count == dense.count && !dense.isEmpty)
        let worst = zip(sparse.joined(), dense.joined()).map { abs($0 - $1) / max(1, abs($1)) }.max() ?? .nan
        #expect(worst <= 1e-5)
    }
}
