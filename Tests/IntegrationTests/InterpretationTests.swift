import Foundation
import SAGEEngine
import Testing

/// `ism` and `variant-effect` on a small simulated cohort with freshly initialised models, checked against
/// independent paths: `predict` on `sequences` output edited by the test (ISM), and `predict` on windows that
/// `bcftools consensus` built from one-record VCFs (variant effects); byte-identical output for 1, 2 and 3 ranks;
/// bad input as one clear error.
@Suite(.serialized) struct InterpretationTests {
    struct Fixture {
        let dir: String
        var config: String { dir + "/sage.toml" }
        var psagenet: String { dir + "/p.safetensors" }
        var rsagenet: String { dir + "/r.safetensors" }
        func path(_ name: String) -> String { dir + "/" + name }
    }

    static let inputLen = 2000

    /// A simulated cohort (30 regions, 20 of them on the minus strand) and a tiny p-SAGE-net and r-SAGE-net.
    static func fixture(prepared: Bool = false) throws -> Fixture {
        let dir = try Subprocess.simulatedCohort("interp", regions: 30, individuals: 40, inputLen: inputLen, seed: 2, prepared: prepared)
        let f = Fixture(dir: dir)
        let model = ["--input-len", "\(inputLen)", "--first-layer-kernel-number", "8", "--int-layers-kernel-number", "6",
                     "--hidden-size", "5", "--n-conv-blocks", "3", "--seed", "3"]
        for (kind, out) in [("psagenet", f.psagenet), ("rsagenet", f.rsagenet)] {
            let made = try Subprocess.alone(["init-model", "--model", kind] + model + ["--out", out])
            guard made.status == 0 else { throw SubprocessError("init-model failed: \(made.combined)") }
        }
        return f
    }

    /// Rows of a CSV (no quoted fields) as column -> value.
    static func csv(_ path: String) throws -> [[String: String]] {
        let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        return lines.dropFirst().map { Dictionary(uniqueKeysWithValues: zip(lines[0], $0)) }
    }

    /// The simulated genome's contigs (FASTA names -> bases).
    static func genome(_ f: Fixture) throws -> [String: [UInt8]] {
        var contigs: [String: [UInt8]] = [:], name = ""
        for line in try String(contentsOfFile: f.path("genome.fa"), encoding: .utf8).split(separator: "\n") {
            if line.hasPrefix(">") { name = String(line.dropFirst().split(separator: " ")[0]) } else { contigs[name, default: []] += Array(line.utf8) }
        }
        return contigs
    }

    static func reverseComplement(_ s: [UInt8]) -> [UInt8] {
        let pairs: [UInt8: UInt8] = [65: 84, 84: 65, 67: 71, 71: 67]
        return s.reversed().map { pairs[$0] ?? $0 }
    }

    /// `predict` on FASTA records (name, sequence); returns per item name (pred_mean, pred_diff or nil).
    static func predict(_ f: Fixture, checkpoint: String, records: [(String, [UInt8])], name: String) throws -> [(Double, Double?)] {
        let fasta = records.map { ">\($0.0)\n\(String(decoding: $0.1, as: UTF8.self))\n" }.joined()
        try fasta.write(toFile: f.path(name + ".fa"), atomically: true, encoding: .utf8)
        let run = try Subprocess.alone(["predict", "--checkpoint", checkpoint, "--sequences", f.path(name + ".fa"), "--out", f.path(name + ".csv"), "--batch-size", "3"])
        guard run.status == 0 else { throw SubprocessError("predict failed: \(run.combined)") }
        return try csv(f.path(name + ".csv")).map { (Double($0["pred_mean"]!)!, $0["pred_diff"].map { Double($0)! }) }
    }

    /// Equal within 1e-6 relative: a substitution moves this tiny model's outputs by ~3e-5 relative, so a wrong
    /// position, base or channel fails, while another batch composition's rounding passes.
    static func close(_ a: Float, _ b: Double) -> Bool { abs(a - Float(b)) <= 1e-6 * abs(Float(b)) }

    /// The first plus-strand region and G0001 (minus strand, its window cut short by the contig's start).
    static func twoRegions(_ f: Fixture) throws -> [[String: String]] {
        let regions = try csv(f.path("regions.csv"))
        return [regions.first { $0["strand"] == "+" }!, regions.first { $0["gene_id"] == "G0001" }!]
    }

    @Test func ismNaiveEqualsPredictOnEditedSequences() throws {
        let f = try Self.fixture()
        defer { try? FileManager.default.removeItem(atPath: f.dir) }
        let regions = try Self.twoRegions(f), W = 12
        #expect(regions[0]["strand"] == "+" && regions[1]["strand"] == "-")
        try (regions.map { $0["gene_id"]! }.joined(separator: "\n") + "\n").write(toFile: f.path("two.txt"), atomically: true, encoding: .utf8)
        let individual = try String(contentsOfFile: f.path("individuals/train.txt"), encoding: .utf8).split(separator: "\n")[0]
        let seqs = try Subprocess.alone(["sequences", "--config", f.config, "--region", regions[0]["gene_id"]!, "--region", regions[1]["gene_id"]!,
                                         "--individual", String(individual), "--out", f.path("s.fa")])
        #expect(seqs.status == 0, "\(seqs.combined)")
        let records = try String(contentsOfFile: f.path("s.fa"), encoding: .utf8).components(separatedBy: ">").dropFirst()
            .map { r -> (String, [UInt8]) in let lines = r.split(separator: "\n"); return (String(lines[0]), Array(lines.dropFirst().joined().utf8)) }
        let genome = try Self.genome(f)
        var rng = SplitMix64(seed: 11)

        for (checkpoint, psagenet) in [(f.psagenet, true), (f.rsagenet, false)] {
            let out = f.path(psagenet ? "ism-p" : "ism-r")
            let run = try Subprocess.alone(["ism", "--checkpoint", checkpoint, "--config", f.config, "--regions", f.path("two.txt"),
                                            "--window", "\(W)", "--raw", "--naive", "--tensors-per-part", "2", "--out", out])
            #expect(run.status == 0, "\(run.combined)")
            let tensors = try ISMOutput(out), index = tensors.index
            #expect(index.count == (psagenet ? 4 : 2))
            // Two tensors per part, whole regions: p-SAGE-net one region (both heads) per part, r-SAGE-net both regions in one.
            #expect(index.map { $0["file"]! } == (psagenet ? ["part-00000.safetensors", "part-00000.safetensors", "part-00001.safetensors", "part-00001.safetensors"]
                                                           : ["part-00000.safetensors", "part-00000.safetensors"]))
            var items: [(String, [UInt8])] = [], expected: [(mean: Float, diff: Float?)] = []
            for region in regions {
                let id = region["gene_id"]!, pos = Int(region["pos"]!)!, minus = region["strand"] == "-"
                let row = index.first { $0["region_id"] == id }!
                #expect(row["shape"] == (psagenet ? "2x4x\(W)" : "1x4x\(W)") && row["strand"] == region["strand"] && row["values"] == "raw")
                let first = Int(row["genome_start"]!)!, last = Int(row["genome_end"]!)!, start = Int(row["model_start"]!)!
                #expect(first == pos - W / 2 && last == first + W - 1)
                // The window's bases in model order are the genome's (minus strand: reverse complement).
                let reference = records.first { $0.0 == "\(id)|reference" }!.1
                let bases = Array(genome["chr" + region["chr"]!]![(first - 1)..<last])
                #expect(Array(reference[start..<(start + W)]) == (minus ? Self.reverseComplement(bases) : bases), "\(id)")
                let mean = try tensors.floats("\(id)/mean", shape: [psagenet ? 2 : 1, 4, W])
                let diff = psagenet ? try tensors.floats("\(id)/diff", shape: [2, 4, W]) : nil
                for _ in 0..<6 {
                    let input = psagenet ? Int.random(in: 0..<2, using: &rng) : 0, b = Int.random(in: 0..<4, using: &rng), k = Int.random(in: 0..<W, using: &rng)
                    var mutant = reference
                    mutant[start + k] = Array("ACGT".utf8)[b]
                    if psagenet {
                        items += [("\(id)|reference", input == 0 ? mutant : reference), ("\(id)|x|maternal", input == 1 ? mutant : reference), ("\(id)|x|paternal", reference)]
                    } else {
                        items.append(("\(id)|\(b)|\(k)", mutant))
                    }
                    let at = (input * 4 + b) * W + k
                    expected.append((mean[at], diff?[at]))
                }
            }
            let predicted = try Self.predict(f, checkpoint: checkpoint, records: items, name: psagenet ? "pp" : "pr")
            #expect(predicted.count == expected.count)
            for (e, p) in zip(expected, predicted) {
                #expect(Self.close(e.mean, p.0), "ism \(e.mean) vs predict \(p.0)")
                if let d = e.diff { #expect(Self.close(d, p.1!), "ism \(d) vs predict \(p.1!)") }
            }
        }

        // Zero-centred (the default) = raw minus the mean over the four bases at each position.
        let centred = try Subprocess.alone(["ism", "--checkpoint", f.psagenet, "--config", f.config, "--region", regions[1]["gene_id"]!,
                                            "--window", "\(W)", "--input", "personal", "--out", f.path("ism-c")])
        #expect(centred.status == 0, "\(centred.combined)")
        let raw = try ISMOutput(f.path("ism-p")).floats("\(regions[1]["gene_id"]!)/diff")
        let zc = try ISMOutput(f.path("ism-c")).floats("\(regions[1]["gene_id"]!)/diff", shape: [1, 4, W])
        for k in 0..<W {
            let column = (0..<4).map { raw[(4 + $0) * W + k] }, mean = column.reduce(0, +) / 4
            for b in 0..<4 { #expect(abs(zc[b * W + k] - (column[b] - mean)) <= 1e-6) }
        }
    }

    @Test func variantEffectsEqualPredictOnBcftoolsConsensus() throws {
        let f = try Self.fixture()
        defer { try? FileManager.default.removeItem(atPath: f.dir) }
        let genome = try Self.genome(f), L = Self.inputLen
        let all = try Self.csv(f.path("regions.csv"))
        let regions = [all.first { $0["strand"] == "+" && Int($0["pos"]!)! > L }!, all.first { $0["strand"] == "-" && Int($0["pos"]!)! > L }!]
        var tsv = "region_id\tchr\tpos\tref\talt\n", variants: [(region: [String: String], pos: Int, ref: String, alt: String)] = []
        for region in regions {
            let pos = Int(region["pos"]!)!, chr = genome["chr" + region["chr"]!]!
            func bases(_ p: Int, _ n: Int) -> String { String(decoding: chr[(p - 1)..<(p - 1 + n)], as: UTF8.self) }
            let snp = bases(pos + 10, 1)
            for (p, ref, alt) in [(pos + 10, snp, snp == "A" ? "G" : "A"), (pos - 40, bases(pos - 40, 1), bases(pos - 40, 1) + "GATTACA"),
                                  (pos + 60, bases(pos + 60, 5), bases(pos + 60, 1)), (pos + L / 2 - 2, bases(pos + L / 2 - 2, 2), "T")] {
                variants.append((region, p, ref, alt))
                tsv += "\(region["gene_id"]!)\t\(region["chr"]!)\t\(p)\t\(ref)\t\(alt)\n"
            }
        }
        // Not scored, but reported: a wrong REF, and a REF running past the window's end.
        let r0 = regions[0], p0 = Int(r0["pos"]!)!
        tsv += "\(r0["gene_id"]!)\t\(r0["chr"]!)\t\(p0)\tNNNN\tA\n\(r0["gene_id"]!)\t\(r0["chr"]!)\t\(p0 + L / 2)\tAC\tA\n"
        try tsv.write(toFile: f.path("v.tsv"), atomically: true, encoding: .utf8)
        let run = try Subprocess.alone(["variant-effect", "--checkpoint", f.psagenet, "--config", f.config, "--variants", f.path("v.tsv"), "--naive", "--out", f.path("ve")])
        #expect(run.status == 0, "\(run.combined)")
        #expect(run.stderr.contains("1 REF mismatch(es) and 1 variant(s) outside their region's window were not scored"), "\(run.stderr)")
        let rows = try Self.csv(f.path("ve/variant_effects.csv"))
        #expect(rows.count == variants.count + 2)
        #expect(rows[variants.count]["status"] == "ref_mismatch" && rows[variants.count]["line"] == "\(variants.count + 2)")
        #expect(rows[variants.count + 1]["status"] == "outside_window" && rows[variants.count + 1]["alt_diff"] == "")

        // The same windows from samtools + bcftools consensus on a one-record VCF, then predict.
        var items: [(String, [UInt8])] = []
        for (k, v) in variants.enumerated() {
            let pos = Int(v.region["pos"]!)!, contig = "chr" + v.region["chr"]!, minus = v.region["strand"] == "-"
            let vcf = f.path("one\(k).vcf")
            try "##fileformat=VCFv4.2\n##contig=<ID=\(contig),length=\(genome[contig]!.count)>\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n\(contig)\t\(v.pos)\t.\t\(v.ref)\t\(v.alt)\t.\tPASS\t.\n"
                .write(toFile: vcf, atomically: true, encoding: .utf8)
            _ = try PrediXcanApplyTests.tool(["bcftools", "view", "-Oz", "-o", vcf + ".gz", vcf])
            _ = try PrediXcanApplyTests.tool(["bcftools", "index", "-f", vcf + ".gz"])
            let window = "\(contig):\(pos - L / 2 + 1)-\(pos + L / 2)"
            let reference = Array(try PrediXcanApplyTests.tool(["samtools", "faidx", f.path("genome.fa"), window]).split(separator: "\n").dropFirst().joined().utf8)
            let consensus = try PrediXcanApplyTests.tool(["sh", "-c", "samtools faidx '\(f.path("genome.fa"))' \(window) | bcftools consensus '\(vcf).gz' 2>/dev/null"])
            let haplotype = Array(Array(consensus.split(separator: "\n").dropFirst().joined().utf8).prefix(L))
            #expect(reference.count == L && haplotype.count == L - max(0, v.ref.count - v.alt.count), "\(window)")  // a deletion leaves N padding
            func model(_ s: [UInt8]) -> [UInt8] { minus ? Self.reverseComplement(s) : s }
            items += [("v\(k)|reference", model(reference)), ("v\(k)|x|maternal", model(haplotype)), ("v\(k)|x|paternal", model(haplotype))]
            items += [("r\(k)|reference", model(reference)), ("r\(k)|x|maternal", model(reference)), ("r\(k)|x|paternal", model(reference))]
        }
        let predicted = try Self.predict(f, checkpoint: f.psagenet, records: items, name: "ve")
        for (k, row) in rows.prefix(variants.count).enumerated() {
            #expect(row["status"] == "ok", "\(row)")
            let alt = predicted[2 * k], ref = predicted[2 * k + 1]
            #expect(Self.close(Float(row["alt_mean"]!)!, alt.0) && Self.close(Float(row["alt_diff"]!)!, alt.1!), "\(row) vs \(alt)")
            #expect(Self.close(Float(row["ref_mean"]!)!, ref.0) && Self.close(Float(row["ref_diff"]!)!, ref.1!), "\(row) vs \(ref)")
            #expect(Float(row["delta_mean"]!)! == 0)
        }
        // ism --variant: setting a reference-channel base to itself leaves the reference, so each such raw
        // prediction is the variant's effect row (here an insertion on the plus strand, an SNP on the minus strand).
        for k in [1, 4] {
            let v = variants[k], row = rows[k], id = v.region["gene_id"]!, minus = v.region["strand"] == "-"
            // The check tells the variant's haplotypes from the reference's at this tolerance.
            #expect(!Self.close(Float(row["ref_diff"]!)!, Double(row["alt_diff"]!)!), "\(row)")
            let ism = try Subprocess.alone(["ism", "--checkpoint", f.psagenet, "--config", f.config, "--region", id, "--window", "2", "--raw",
                                            "--input", "reference", "--variant", "\(v.region["chr"]!):\(v.pos):\(v.ref):\(v.alt)", "--out", f.path("ism-v\(k)")])
            #expect(ism.status == 0, "\(ism.combined)")
            let tensors = try ISMOutput(f.path("ism-v\(k)")), index = tensors.index[0]
            let mean = try tensors.floats("\(id)/mean", shape: [1, 4, 2]), diff = try tensors.floats("\(id)/diff", shape: [1, 4, 2])
            for j in 0..<2 {
                let g = minus ? Int(index["genome_end"]!)! - j : Int(index["genome_start"]!)! + j
                let genomeBase = genome["chr" + v.region["chr"]!]![g - 1], base = minus ? Self.reverseComplement([genomeBase])[0] : genomeBase
                let b = Array("ACGT".utf8).firstIndex(of: base)!
                #expect(Self.close(mean[b * 2 + j], Double(row["alt_mean"]!)!) && Self.close(diff[b * 2 + j], Double(row["alt_diff"]!)!), "\(row) vs ism \(mean) \(diff)")
            }
        }
        // The rankings hold the scored variants of each region by |delta_diff|.
        let ranked = try Self.csv(f.path("ve/rankings.csv"))
        #expect(ranked.count == variants.count)
        let deltas = ranked.prefix(4).map { abs(Double($0["delta"]!)!) }
        #expect(deltas == deltas.sorted(by: >))
    }

    /// The default (variant-sparse) scorer against `--naive` full forwards: ISM of both models and inputs, and every
    /// cohort variant's effect (SNPs and indels), within 1e-6 relative (a substitution moves this model by ~3e-5).
    @Test func sparseScorerEqualsNaive() throws {
        let f = try Self.fixture(prepared: true)
        defer { try? FileManager.default.removeItem(atPath: f.dir) }
        func run(_ args: [String]) throws {
            let r = try Subprocess.alone(args)
            #expect(r.status == 0, "\(r.combined)")
        }
        for (checkpoint, name) in [(f.psagenet, "p"), (f.rsagenet, "r")] {
            for naive in [false, true] {
                let suffix = "\(name)\(naive)", extra = naive ? ["--naive"] : []
                try run(["ism", "--checkpoint", checkpoint, "--config", f.config, "--regions", "test", "--window", "8", "--raw",
                         "--out", f.path("ism-" + suffix)] + extra)
                try run(["variant-effect", "--checkpoint", checkpoint, "--config", f.config, "--all-cohort-variants", "--regions", "test",
                         "--out", f.path("ve-" + suffix)] + extra)
            }
            let sparse = try ISMOutput(f.path("ism-\(name)false")), naive = try ISMOutput(f.path("ism-\(name)true"))
            // --float16: the same values, rounded to half precision (raw predictions are O(0.1), well inside its range).
            try run(["ism", "--checkpoint", checkpoint, "--config", f.config, "--regions", "test", "--window", "8", "--raw", "--float16",
                     "--out", f.path("ism-\(name)16")])
            let half = try ISMOutput(f.path("ism-\(name)16"))
            for key in sparse.tensors.keys {
                let t = try #require(half.tensors[key])
                #expect(t.dtype == .F16 && t.shape == sparse.tensors[key]!.shape)
                let bits = t.bytes.withUnsafeBytes { Array($0.bindMemory(to: UInt16.self)) }
                #expect(bits == (try sparse.floats(key)).map { Float16($0).bitPattern }, "ism --float16 \(key)")
            }
            #expect(sparse.tensors.keys.sorted() == naive.tensors.keys.sorted() && !sparse.tensors.isEmpty)
            for key in naive.tensors.keys {
                for (a, b) in zip(try sparse.floats(key), try naive.floats(key)) { #expect(abs(a - b) <= 1e-6 * max(1, abs(b)), "ism \(key): \(a) vs \(b)") }
            }
            let rows = try Self.csv(f.path("ve-\(name)false/variant_effects.csv")), expected = try Self.csv(f.path("ve-\(name)true/variant_effects.csv"))
            #expect(rows.count == expected.count && rows.count > 50)
            var indels = 0
            for (row, want) in zip(rows, expected) {
                if row["ref"]?.count != row["alt"]?.count { indels += 1 }
                for (column, value) in want {
                    guard let b = Double(value), let a = Double(row[column] ?? "") else { #expect(row[column] == value, "\(column)"); continue }
                    #expect(abs(a - b) <= 1e-6 * max(1, abs(b)), "variant effect \(column): \(a) vs \(b)")
                }
            }
            #expect(indels > 0, "no indel among the cohort's variants")
        }
    }

    @Test func outputsAreIdenticalForOneTwoAndThreeRanks() throws {
        let f = try Self.fixture(prepared: true)
        defer { try? FileManager.default.removeItem(atPath: f.dir) }
        var first: [String: Data] = [:]
        for ranks in [1, 2, 3] {
            let ism = ["ism", "--checkpoint", f.psagenet, "--config", f.config, "--regions", "test", "--window", "3", "--tensors-per-part", "6",
                       "--out", f.path("ism\(ranks)")]
            let effects = ["variant-effect", "--checkpoint", f.psagenet, "--config", f.config, "--all-cohort-variants", "--regions", "test",
                           "--causal", f.path("truth/causal_variants.csv"), "--out", f.path("ve\(ranks)")]
            for args in [ism, effects] {
                let run = ranks == 1 ? try Subprocess.alone(args) : try Subprocess.mpi(ranks, args)
                #expect(run.status == 0, "\(run.combined)")
            }
            // Every file of ism's directory: the parts (dealt to ranks, each writing its own) and the index.
            let ismFiles = try FileManager.default.contentsOfDirectory(atPath: f.path("ism\(ranks)")).sorted().map { "ism\(ranks)/" + $0 }
            #expect(ismFiles.filter { $0.hasSuffix(".safetensors") }.count == 4, "\(ismFiles)")
            for name in ismFiles + ["ve\(ranks)/variant_effects.csv", "ve\(ranks)/rankings.csv", "ve\(ranks)/summary.json"] {
                let data = try Data(contentsOf: URL(fileURLWithPath: f.path(name)))
                let key = name.replacingOccurrences(of: "\(ranks)/", with: "/")
                if ranks == 1 { first[key] = data } else { #expect(data == first[key], "\(name) differs from one rank's") }
            }
            #expect(first.keys.filter { $0.hasPrefix("ism/") }.count == ismFiles.count, "\(ismFiles)")
        }
        let ism = try ISMOutput(f.path("ism1")), index = ism.index
        #expect(index.count == 20)  // 10 test regions x 2 heads
        // Up to 6 tensors per part: 3 whole regions, both heads of a region in one part, in the regions' order.
        #expect(index.map { $0["file"]! } == (0..<20).map { "part-0000\($0 / 6).safetensors" })
        #expect(index.enumerated().allSatisfy { k, row in row["tensor"] == row["region_id"]! + (k % 2 == 0 ? "/mean" : "/diff") && row["region_id"] == index[k - k % 2]["region_id"] })
        #expect(ism.tensors.count == 20 && ism.tensors.values.allSatisfy { $0.shape == [2, 4, 3] && $0.dtype == .F32 })
        // Rerunning into an earlier output replaces it whole: with the default part size, one part and no stale
        // ones; an output of the single-file layout (ism.safetensors) is replaced too.
        try FileManager.default.createDirectory(atPath: f.path("ism-old"), withIntermediateDirectories: true)
        try "ism\n".write(toFile: f.path("ism-old/.sage-mpi-output"), atomically: true, encoding: .utf8)
        try Data([0]).write(to: URL(fileURLWithPath: f.path("ism-old/ism.safetensors")))
        for out in ["ism3", "ism-old"] {
            let again = try Subprocess.alone(["ism", "--checkpoint", f.psagenet, "--config", f.config, "--regions", "test", "--window", "3", "--out", f.path(out)])
            #expect(again.status == 0, "\(again.combined)")
            #expect(try FileManager.default.contentsOfDirectory(atPath: f.path(out)).sorted() == [".sage-mpi-output", "ism_index.csv", "part-00000.safetensors"])
            #expect(try ISMOutput(f.path(out)).tensors.mapValues(\.bytes) == ism.tensors.mapValues(\.bytes))
        }
        let summary = try JSONSerialization.jsonObject(with: first["ve/summary.json"]!) as! [String: Any]
        let causal = summary["causal"] as! [String: Any]
        #expect((causal["regions"] as! Int) == 10 && (summary["ok"] as! Int) > 50, "\(summary)")
        let rankings = try Self.csv(f.path("ve1/rankings.csv"))
        #expect(rankings.allSatisfy { $0["causal"] == "0" || $0["causal"] == "1" } && rankings.contains { $0["causal"] == "1" })
        // The recovery's counts are rankings.csv's own: top-1 and top-3 causal, chance = mean over regions of causal / scored.
        // (Every simulated region has planted variants, so every ranked region counts.)
        let ranked = Dictionary(grouping: rankings, by: { $0["region_id"]! }).values.map { $0.sorted { Int($0["rank"]!)! < Int($1["rank"]!)! } }
        #expect(ranked.count == causal["regions"] as? Int)
        #expect(causal["top1_causal"] as? Int == ranked.filter { $0[0]["causal"] == "1" }.count, "\(causal)")
        #expect(causal["top3_causal"] as? Int == ranked.filter { $0.prefix(3).contains { $0["causal"] == "1" } }.count, "\(causal)")
        let chance = ranked.map { Double($0.filter { $0["causal"] == "1" }.count) / Double($0.count) }.reduce(0, +) / Double(ranked.count)
        let reported = try #require(causal["top1_chance"] as? Double, "\(causal)")
        #expect(abs(reported - chance) < 1e-12 && chance > 0 && chance < 1, "\(reported) vs \(chance)")

        // The cohort's VCF as --variants scores the same alleles the same way (no MAF filter in this configuration).
        let vcf = try Subprocess.alone(["variant-effect", "--checkpoint", f.psagenet, "--config", f.config, "--variants", f.path("cohort.vcf.gz"),
                                        "--regions", "test", "--out", f.path("ve-vcf")])
        #expect(vcf.status == 0, "\(vcf.combined)")
        func keyed(_ path: String) throws -> [String: String] {
            Dictionary(try Self.csv(path).map { ("\($0["region_id"]!) \($0["pos"]!) \($0["ref"]!) \($0["alt"]!)", $0["alt_diff"]!) }, uniquingKeysWith: { a, _ in a })
        }
        let fromVCF = try keyed(f.path("ve-vcf/variant_effects.csv")), fromStore = try keyed(f.path("ve1/variant_effects.csv"))
        #expect(fromStore.count > 50 && fromStore.allSatisfy { fromVCF[$0.key] == $0.value }, "\(fromStore.count) cohort alleles, \(fromVCF.count) from the VCF")
    }

    @Test func badInputGivesOneClearError() throws {
        let f = try Self.fixture()
        defer { try? FileManager.default.removeItem(atPath: f.dir) }
        func effect(_ tsv: String) throws -> Subprocess.Outcome {
            try tsv.write(toFile: f.path("bad.tsv"), atomically: true, encoding: .utf8)
            return try Subprocess.alone(["variant-effect", "--checkpoint", f.psagenet, "--config", f.config, "--variants", f.path("bad.tsv"), "--out", f.path("out")])
        }
        for (tsv, message) in [("region_id\tchr\tpos\tref\talt\nG0001\t1\t600\tA\tC\nG0001\t1\t601\tA\n", "bad.tsv:3: 4 fields, the header has 5"),
                               ("region_id\tchr\tpos\tref\talt\nNOPE\t1\t600\tA\tC\n", "bad.tsv:2: region 'NOPE' is not in the regions table"),
                               ("region_id\tchr\tpos\tref\talt\nG0001\t1\tsix\tA\tC\n", "bad.tsv:2: pos 'six' is not a positive integer"),
                               ("region_id\tchr\tpos\tref\talt\nG0001\t1\t600\tA\t<DEL>\n", "bad.tsv:2: alt '<DEL>' is not a DNA allele"),
                               ("gene\tpos\n", "bad.tsv:1: the header must name region_id (or gene_id), chr, pos, ref and alt")] {
            let run = try effect(tsv)
            #expect(run.status == 1 && run.stderr.contains(message), "\(run.stderr)")
            #expect(run.stderr.split(separator: "\n").filter { $0.contains("rror") }.count == 1, "\(run.stderr)")
            #expect(!FileManager.default.fileExists(atPath: f.path("out")))
        }
        let genome = try Self.genome(f), pos = 4001  // G0002, chr1
        let base = String(decoding: [genome["chr1"]![pos - 1]], as: UTF8.self), wrong = base == "A" ? "C" : "A"
        func ism(_ extra: [String]) throws -> Subprocess.Outcome {
            try Subprocess.alone(["ism", "--checkpoint", f.psagenet, "--config", f.config, "--window", "4", "--out", f.path("ism")] + extra)
        }
        let mismatch = try ism(["--region", "G0002", "--variant", "1:\(pos):\(wrong):G"])
        #expect(!FileManager.default.fileExists(atPath: f.path("ism.partial")) && !FileManager.default.fileExists(atPath: f.path("ism")))
        #expect(mismatch.status == 1 && mismatch.stderr.contains("--variant 1:\(pos):\(wrong):G does not apply: REF '\(wrong)' does not match the reference '\(base)' at chr1:\(pos)"), "\(mismatch.stderr)")
        let outside = try ism(["--region", "G0002", "--center", "9000"])
        #expect(outside.status == 1 && outside.stderr.contains("the ISM window chr1:8998-9001 (centre 9000, width 4) is not inside the model's input chr1:3002-5001"), "\(outside.stderr)")
        let unknown = try ism(["--region", "NOPE"])
        #expect(unknown.status == 1 && unknown.stderr.contains("regions.csv: no region 'NOPE'"), "\(unknown.stderr)")
        let applied = try ism(["--region", "G0002", "--variant", "1:\(pos):\(base):G"])
        #expect(applied.status == 0, "\(applied.combined)")
        #expect(try Self.csv(f.path("ism/ism_index.csv"))[0]["variant"] == "1:\(pos):\(base):G")
        #expect(!FileManager.default.fileExists(atPath: f.path("out")))
    }
}
