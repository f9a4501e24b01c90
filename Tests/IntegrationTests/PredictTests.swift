import Foundation
import Testing

/// `init-model` + `predict`, alone and under mpirun with 2 and 3 ranks: identical predictions for any rank count.
@Suite(.serialized) struct PredictTests {
    static func workspace() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sage-predict-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }

    static func writeFASTA(_ url: URL, items: Int, length: Int) throws {
        var text = "", state: UInt64 = 7
        func base() -> Character {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Array("ACGTN")[Int(state >> 33) % 5]
        }
        for i in 0..<items {
            for role in ["reference", "S\(i)|maternal", "S\(i)|paternal"] {
                text += ">r\(i % 3)|\(role)\n" + String((0..<(length - i % 5)).map { _ in base() }) + "\n"
            }
        }
        try text.write(to: url, atomically: true, encoding: .utf8)
    }

    @Test func predictionsAreIdenticalForOneTwoAndThreeRanks() throws {
        let dir = try Self.workspace()
        defer { try? FileManager.default.removeItem(at: dir) }
        let ckpt = dir.appendingPathComponent("m.safetensors").path, fasta = dir.appendingPathComponent("s.fa")
        let made = try Subprocess.alone(["init-model", "--input-len", "120", "--first-layer-kernel-number", "8",
                                         "--int-layers-kernel-number", "6", "--hidden-size", "5", "--n-conv-blocks", "2",
                                         "--pooling-size", "4", "--out", ckpt, "--seed", "3"])
        #expect(made.status == 0, "\(made.combined)")
        try Self.writeFASTA(fasta, items: 7, length: 120)
        var outputs: [String] = []
        for ranks in [1, 2, 3] {
            let out = dir.appendingPathComponent("p\(ranks).csv").path
            let args = ["predict", "--checkpoint", ckpt, "--sequences", fasta.path, "--out", out, "--batch-size", "2"]
            let run = ranks == 1 ? try Subprocess.alone(args) : try Subprocess.mpi(ranks, args)
            #expect(run.status == 0, "\(run.combined)")
            outputs.append((try? String(contentsOfFile: out, encoding: .utf8)) ?? "")
        }
        let lines = outputs[0].split(separator: "\n")
        #expect(lines.first == "item,pred_mean,pred_diff")
        #expect(lines.count == 8 && lines[1].hasPrefix("r0|S0,"), "\(outputs[0])")
        #expect(outputs[1] == outputs[0] && outputs[2] == outputs[0])
    }

    @Test func badSequencesGiveOneClearErrorAndNoOutput() throws {
        let dir = try Self.workspace()
        defer { try? FileManager.default.removeItem(at: dir) }
        let ckpt = dir.appendingPathComponent("m.safetensors").path
        _ = try Subprocess.alone(["init-model", "--input-len", "50", "--first-layer-kernel-number", "4",
                                  "--int-layers-kernel-number", "3", "--hidden-size", "3", "--n-conv-blocks", "1", "--out", ckpt])
        let long = dir.appendingPathComponent("long.fa")
        try Self.writeFASTA(long, items: 1, length: 60)
        let out = dir.appendingPathComponent("p.csv").path
        let tooLong = try Subprocess.alone(["predict", "--checkpoint", ckpt, "--sequences", long.path, "--out", out])
        #expect(tooLong.status != 0)
        #expect(tooLong.stderr.contains("record 1 'r0|reference' has 60 bases, more than the model's input_len 50"), "\(tooLong.stderr)")
        #expect(!FileManager.default.fileExists(atPath: out))

        let two = dir.appendingPathComponent("two.fa")
        try ">a\nACGT\n>b\nACGT\n".write(to: two, atomically: true, encoding: .utf8)
        let odd = try Subprocess.alone(["predict", "--checkpoint", ckpt, "--sequences", two.path, "--out", out])
        #expect(odd.status != 0 && odd.stderr.contains("2 records; a p-SAGE-net checkpoint needs consecutive triples"), "\(odd.stderr)")

        let missing = try Subprocess.alone(["predict", "--checkpoint", dir.appendingPathComponent("none.safetensors").path,
                                            "--sequences", two.path])
        #expect(missing.status != 0 && missing.stderr.contains("none.safetensors: cannot read the file"), "\(missing.stderr)")
    }
}
