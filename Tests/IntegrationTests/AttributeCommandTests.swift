import Foundation
import Testing
import SAGEEngine

/// `sage-mpi attribute` on a simulated cohort: its tensors for a shuffled subset of regions equal the engine's input
/// gradients on the sequences `sage-mpi sequences` writes (FASTA + VCF, not the store), with SAGE-net's semantics
/// (p-SAGE-net both heads on the reference, r-SAGE-net per individual); the files are byte-identical on 1, 2 and 3
/// ranks; bad input is one clear error and no output. (tools/check_attributions.py does the same against PyTorch.)
@Suite(.serialized) struct AttributeCommandTests {
    static let inputLen = 600

    static func cohort() throws -> String {
        try Subprocess.simulatedCohort("attribute", regions: 12, individuals: 20, inputLen: inputLen, seed: 5, prepared: true)
    }

    static func initModel(_ dir: String, _ model: String) throws -> String {
        let ckpt = dir + "/\(model).safetensors"
        let made = try Subprocess.alone(["init-model", "--model", model, "--input-len", "\(inputLen)", "--first-layer-kernel-number", "6",
                                         "--int-layers-kernel-number", "4", "--hidden-size", "5", "--n-conv-blocks", "2",
                                         "--pooling-size", "8", "--out", ckpt, "--seed", "7"])
        guard made.status == 0 else { throw SubprocessError("init-model: \(made.combined)") }
        return ckpt
    }

    /// index.csv rows as dictionaries (no quoted fields in these ids).
    static func index(_ directory: String) throws -> [[String: String]] {
        let lines = try String(contentsOfFile: directory + "/index.csv", encoding: .utf8).split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        return lines.dropFirst().map { Dictionary(uniqueKeysWithValues: zip(lines[0], $0)) }
    }

    /// The tensor of an index row (float32).
    static func tensor(_ directory: String, _ row: [String: String]) throws -> [Float] {
        try SafeTensors.read(path: directory + "/" + row["file"]!).floats(row["tensor"]!)
    }

    /// FASTA records of `sequences` output: name -> one-hot (4, inputLen), N and padding 0.25.
    static func oneHots(_ path: String) throws -> [String: [Float]] {
        var result: [String: [Float]] = [:], name = "", bases: [UInt8] = []
        func flush() {
            guard !name.isEmpty else { return }
            var x = [Float](repeating: 0.25, count: 4 * inputLen)
            for (t, b) in bases.enumerated() where t < inputLen {
                if let c = Array("ACGT".utf8).firstIndex(of: b) { for k in 0..<4 { x[k * inputLen + t] = k == c ? 1 : 0 } }
            }
            result[name] = x
        }
        for line in try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n") {
            if line.hasPrefix(">") { flush(); name = String(line.dropFirst()); bases = [] } else { bases += Array(line.utf8) }
        }
        flush()
        return result
    }

    /// The engine's gradients of one item alone: `head` with respect to each input.
    static func engineGradients(_ model: SAGENet, _ inputs: [[Float]], head: OutputHead) -> [[Float]] {
        let buffers = inputs.map { v in let b = FloatBuffer(count: v.count); b.copy(from: v); return b }
        let grads = inputs.map { FloatBuffer(count: $0.count) }
        model.inputGradients(sequences: buffers.map { UnsafePointer($0.pointer) }, batch: 1, head: head, into: grads.map { $0.pointer })
        withExtendedLifetime(buffers) {}
        return grads.map(\.array)
    }

    static func close(_ a: [Float], _ b: [Float]) -> Bool {
        let scale = b.map(abs).max() ?? 0
        return a.count == b.count && scale > 0 && zip(a, b).allSatisfy { abs($0 - $1) <= 1e-4 * scale }
    }

    @Test func equalsTheEngineOnSequencesOutput() throws {
        let dir = try Self.cohort()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let config = dir + "/sage.toml", L = Self.inputLen
        let p = try Self.initModel(dir, "psagenet"), r = try Self.initModel(dir, "rsagenet")
        let table = try String(contentsOfFile: dir + "/regions.csv", encoding: .utf8).split(separator: "\n").dropFirst().map { $0.split(separator: ",").map(String.init) }
        var rng = SplitMix64(seed: 3)
        let chosen = Array(table.shuffled(using: &rng).prefix(5))
        try (chosen.map { $0[0] }.joined(separator: "\n") + "\n").write(toFile: dir + "/some.txt", atomically: true, encoding: .utf8)
        let people = Array(try String(contentsOfFile: dir + "/individuals/test.txt", encoding: .utf8).split(separator: "\n").prefix(2).map(String.init))
        try (people.joined(separator: "\n") + "\n").write(toFile: dir + "/people.txt", atomically: true, encoding: .utf8)
        let common = ["--config", config, "--regions", dir + "/some.txt", "--batch-size", "3", "--tensors-per-part", "2"]
        for args in [["--checkpoint", p, "--out", dir + "/p"], ["--checkpoint", r, "--out", dir + "/r", "--individuals", dir + "/people.txt"]] {
            let run = try Subprocess.alone(["attribute"] + args + common)
            #expect(run.status == 0, "\(run.combined)")
        }
        let seqs = try Subprocess.alone(["sequences", "--config", config, "--out", dir + "/seqs.fa"] + people.flatMap { ["--individual", $0] })
        #expect(seqs.status == 0, "\(seqs.combined)")
        let x = try Self.oneHots(dir + "/seqs.fa")
        let pModel = try SAGENet.load(checkpoint: p), rModel = try SAGENet.load(checkpoint: r)

        for (head, sub) in [(OutputHead.mean, "output_idx_0"), (.diff, "output_idx_1")] {
            let rows = try Self.index(dir + "/p/" + sub)
            #expect(rows.map { $0["region_id"]! } == chosen.map { $0[0] }, "the index keeps the order asked for")
            #expect(rows.map { $0["file"]! } == ["part-00000.safetensors", "part-00000.safetensors", "part-00001.safetensors", "part-00001.safetensors", "part-00002.safetensors"])
            for (row, region) in zip(rows, chosen) {
                #expect(row["shape"] == "1x4x\(L)" && row["strand"] == region[3] && row["individual"] == "")
                let ref = x["\(region[0])|reference"]!
                // personal = reference; out0 by the reference channels, out1 by the maternal ones.
                let g = Self.engineGradients(pModel, [ref, ref, ref], head: head)[head == .mean ? 0 : 1]
                #expect(Self.close(try Self.tensor(dir + "/p/" + sub, row), g), "\(region[0]) \(sub)")
            }
        }
        let rows = try Self.index(dir + "/r")
        #expect(rows.map { "\($0["region_id"]!)|\($0["individual"]!)" } == chosen.flatMap { c in people.map { "\(c[0])|\($0)" } })
        for row in rows {
            let id = row["region_id"]!, s = row["individual"]!
            #expect(row["shape"] == "2x4x\(L)" && row["tensor"] == "\(id)|\(s)")
            let halves = ["maternal", "paternal"].flatMap { hap in
                Self.engineGradients(rModel, [x["\(id)|\(s)|\(hap)"]!], head: .mean)[0].map { $0 / 2 }
            }
            #expect(Self.close(try Self.tensor(dir + "/r", row), halves), "\(id) \(s)")
        }
        // The chain: seqlets reads the index layout (one region, a coarse null: seqlet calling is slow in debug builds).
        try (chosen[0][0] + "\n").write(toFile: dir + "/one.txt", atomically: true, encoding: .utf8)
        let seqlets = try Subprocess.alone(["seqlets", "--attributions", dir + "/p", "--head", "1", "--config", config, "--regions", dir + "/one.txt",
                                            "--bins", "50", "--max-len", "8", "--out", dir + "/seqlets.csv"])
        #expect(seqlets.status == 0 && seqlets.stderr.contains("output_idx_1/index.csv"), "\(seqlets.combined)")
        #expect((try? String(contentsOfFile: dir + "/seqlets.csv", encoding: .utf8))?.hasPrefix("region_id,seqlet,") == true)
    }

    @Test func filesAreIdenticalForOneTwoAndThreeRanks() throws {
        let dir = try Self.cohort()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let p = try Self.initModel(dir, "psagenet")
        try "IND0003\nIND0011\n".write(toFile: dir + "/people.txt", atomically: true, encoding: .utf8)
        for extra in [["--method", "grad_x_input", "--zero-center"], ["--individuals", dir + "/people.txt", "--float16"]] {
            var trees: [[String: Data]] = []
            for ranks in [1, 2, 3] {
                let out = dir + "/a\(ranks)"
                let args = ["attribute", "--checkpoint", p, "--config", dir + "/sage.toml", "--regions", "all", "--out", out,
                            "--batch-size", "2", "--tensors-per-part", "3"] + extra
                let run = ranks == 1 ? try Subprocess.alone(args) : try Subprocess.mpi(ranks, args)
                #expect(run.status == 0, "\(run.combined)")
                var files: [String: Data] = [:]
                for case let name as String in FileManager.default.enumerator(atPath: out)! {
                    var isDirectory: ObjCBool = false
                    if FileManager.default.fileExists(atPath: out + "/" + name, isDirectory: &isDirectory), !isDirectory.boolValue {
                        files[name] = FileManager.default.contents(atPath: out + "/" + name)
                    }
                }
                trees.append(files)
                try? FileManager.default.removeItem(atPath: out)
            }
            #expect(trees[0].keys.filter { $0.hasSuffix(".safetensors") }.count >= 4, "several parts: \(trees[0].keys.sorted())")
            #expect(trees[1] == trees[0] && trees[2] == trees[0], "\(extra): \(trees.map { $0.keys.sorted() })")
        }
    }

    @Test func badInputIsOneClearError() throws {
        let dir = try Self.cohort()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let p = try Self.initModel(dir, "psagenet"), r = try Self.initModel(dir, "rsagenet")
        let config = dir + "/sage.toml", out = dir + "/out"
        func fails(_ args: [String], _ message: String) throws {
            let run = try Subprocess.alone(["attribute", "--config", config, "--out", out] + args)
            #expect(run.status == 1, "\(args): \(run.combined)")
            #expect(run.stderr.contains(message), "\(args): \(run.stderr)")
            #expect(run.stderr.split(separator: "\n").filter { $0.contains("rror") }.count == 1, "\(run.stderr)")
            #expect(!FileManager.default.fileExists(atPath: out) && !FileManager.default.fileExists(atPath: out + ".partial"))
        }
        try "G0001\nNOPE\n".write(toFile: dir + "/bad.txt", atomically: true, encoding: .utf8)
        try fails(["--checkpoint", p, "--regions", dir + "/bad.txt"], "bad.txt: region 'NOPE' is not in the store")
        try "G0001\nG0001\n".write(toFile: dir + "/twice.txt", atomically: true, encoding: .utf8)
        try fails(["--checkpoint", p, "--regions", dir + "/twice.txt"], "twice.txt:2: individual 'G0001' listed twice")
        try Data("not a checkpoint at all".utf8).write(to: URL(fileURLWithPath: dir + "/bad.safetensors"))
        try fails(["--checkpoint", dir + "/bad.safetensors"], "bad.safetensors")
        try fails(["--checkpoint", r, "--head", "diff"], "an r-SAGE-net has one head")
        try fails(["--checkpoint", p, "--head", "mean", "--individuals", "test"], "has no per-individual attribution")
        // A directory of the user's is never replaced.
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        try Data("mine".utf8).write(to: URL(fileURLWithPath: out + "/notes.txt"))
        let run = try Subprocess.alone(["attribute", "--config", config, "--out", out, "--checkpoint", p])
        #expect(run.status == 1 && run.stderr.contains("nothing was changed"), "\(run.stderr)")
        #expect(FileManager.default.contents(atPath: out + "/notes.txt") == Data("mine".utf8))
    }
}
