import Foundation
import Testing

/// `sage-mpi preprocess genes` and `preprocess split` through the binary, on a simulated cohort (contigs chr1..chr3
/// of 1,200 bases, samples IND0001..IND0020): the gene table's TSS and strands reach `prepare`'s store, the split
/// is seeded, disjoint and complete and its lists work as the configuration's, and no input or user's file or
/// directory is overwritten.
@Suite(.serialized) struct PreprocessTests {
    static func cohort() throws -> String {
        try Subprocess.simulatedCohort("pre", regions: 6, individuals: 20, inputLen: 300, seed: 5)
    }

    /// A GTF line of a gene.
    static func gene(_ seqname: String, _ start: Int, _ end: Int, _ strand: String, _ id: String, type: String = "protein_coding") -> String {
        "\(seqname)\tHAVANA\tgene\t\(start)\t\(end)\t.\t\(strand)\t.\tgene_id \"\(id)\"; gene_type \"\(type)\"; gene_name \"N\(id.prefix(6))\";"
    }

    /// Genes on the simulator's contigs (both strands, versioned ids), and genes the default filters leave out.
    static let gtf = [
        "##format: gtf",
        gene("chr2", 300, 700, "-", "ENSG00000000021.4"),
        "chr2\tHAVANA\texon\t300\t400\t.\t-\t.\tgene_id \"ENSG00000000021.4\"; transcript_id \"ENST1.1\";",
        gene("chr1", 150, 900, "+", "ENSG00000000011.2"),
        gene("chr3", 20, 1100, "-", "ENSG00000000031.1"),
        gene("chr1", 100, 400, "-", "ENSG00000000012.7"),
        gene("chr3", 500, 600, "+", "ENSG00000000032.1", type: "lncRNA"),
        gene("chrM", 10, 90, "+", "ENSG00000198888.2"),
        gene("chr1_KI270706v1_random", 5, 50, "+", "ENSG00000277401.1"),
        gene("chr3", 20, 1100, "-", "ENSG00000000031.1_PAR_Y"),
    ].joined(separator: "\n") + "\n"

    static func write(_ text: String, _ path: String) throws { try text.write(toFile: path, atomically: true, encoding: .utf8) }
    static func lines(_ path: String) throws -> [String] {
        try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map(String.init)
    }

    @Test func geneTableRoundTripsIntoPrepare() throws {
        let dir = try Self.cohort()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try Self.write(Self.gtf, dir + "/genes.gtf")
        let gz = Process()
        gz.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        gz.arguments = ["bgzip", dir + "/genes.gtf"]  // genes.gtf.gz, BGZF
        try gz.run(); gz.waitUntilExit()
        let run = try Subprocess.alone(["preprocess", "genes", "--gtf", dir + "/genes.gtf.gz", "--chromosomes", "1-3", "--out", dir + "/genes.tsv"])
        #expect(run.status == 0, "\(run.combined)")
        #expect(run.stderr.contains("wrote 4 genes"), "\(run.stderr)")
        #expect(run.stderr.contains("genes.gtf.gz:10: gene 'ENSG00000000031.1_PAR_Y'") && run.stderr.contains("line 5's is kept"), "\(run.stderr)")
        // TSS: the GTF start on +, its end on -; chr without "chr"; by chromosome, then TSS.
        let expected = ["ENSG00000000011 1 150 +", "ENSG00000000012 1 400 -", "ENSG00000000021 2 700 -", "ENSG00000000031 3 1100 -"]
        #expect(try Self.lines(dir + "/genes.tsv") == ["region_id\tgene_name\tchr\tpos\tstrand", "ENSG00000000011\tNENSG00\t1\t150\t+",
                                                        "ENSG00000000012\tNENSG00\t1\t400\t-", "ENSG00000000021\tNENSG00\t2\t700\t-",
                                                        "ENSG00000000031\tNENSG00\t3\t1100\t-"])
        let prep = try Subprocess.alone(["prepare", "--config", dir + "/sage.toml", "--set", "regions=\"\(dir)/genes.tsv\"", "--out", dir + "/genes-store"])
        #expect(prep.status == 0, "\(prep.combined)")
        let manifest = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir + "/genes-store/manifest.json"))) as! [String: Any]
        let regions = (manifest["regions"] as! [[String: Any]]).map { "\($0["id"]!) \($0["chr"]!) \($0["pos"]!) \($0["strand"]!)" }
        #expect(regions == expected)
    }

    @Test func geneTableRefusesInputsUsersFilesAndMalformedLines() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sage-pre-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try Self.write(Self.gtf, dir + "/g.gtf")
        let genes = ["preprocess", "genes", "--gtf", dir + "/g.gtf", "--out"]
        let input = try Subprocess.alone(genes + [dir + "/g.gtf"])
        #expect(input.status == 1 && input.stderr.contains("is an input of this command"), "\(input.combined)")
        try Self.write("my notes\n", dir + "/notes.tsv")
        let users = try Subprocess.alone(genes + [dir + "/notes.tsv"])
        #expect(users.status == 1 && users.stderr.contains("is not a gene table written by sage-mpi") && users.stderr.contains("--force"), "\(users.combined)")
        #expect(try String(contentsOfFile: dir + "/notes.tsv", encoding: .utf8) == "my notes\n")
        #expect(try Subprocess.alone(genes + [dir + "/notes.tsv", "--force"]).status == 0)
        #expect(try Subprocess.alone(genes + [dir + "/notes.tsv"]).status == 0, "its own earlier output is replaced")
        // A malformed line: one error naming the file and line, nothing written.
        try Self.write(Self.gtf.replacingOccurrences(of: "\t150\t900\t", with: "\t150\tnine\t"), dir + "/bad.gtf")
        let bad = try Subprocess.alone(["preprocess", "genes", "--gtf", dir + "/bad.gtf", "--out", dir + "/bad.tsv"])
        #expect(bad.status == 1 && bad.stderr.contains("bad.gtf:4: end 'nine' is not a positive integer"), "\(bad.combined)")
        #expect(bad.stderr.components(separatedBy: "rror:").count == 2, "\(bad.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dir + "/bad.tsv"))
        // The default chromosomes have no gene of this GTF left once chr1..chr3 are not listed.
        let none = try Subprocess.alone(["preprocess", "genes", "--gtf", dir + "/g.gtf", "--chromosomes", "4-22,X,Y", "--out", dir + "/none.tsv"])
        #expect(none.status == 1 && none.stderr.contains("no gene passed the filters"), "\(none.combined)")
    }

    /// The ids of DIR/train.txt, val.txt, test.txt.
    static func parts(_ out: String) throws -> [[String]] { try ["train", "val", "test"].map { try lines(out + "/\($0).txt") } }

    @Test func splitIsSeededDisjointCompleteAndUsable() throws {
        let dir = try Self.cohort()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let split = ["preprocess", "split", "--vcf", dir + "/cohort.vcf.gz", "--expression", dir + "/expression.csv"]
        let all = (1...20).map { String(format: "IND%04d", $0) }
        // NumPy: np.random.seed(17); a = list(range(20)); np.random.shuffle(a) -> [14, 3, 2, 13, 5, 8, 12, 1, 10, 11, 7, 4, 18, 0, 9, 16, 6, 19, 17, 15]
        let numpy = [14, 3, 2, 13, 5, 8, 12, 1, 10, 11, 7, 4, 18, 0, 9, 16, 6, 19, 17, 15].map { all[$0] }
        let run = try Subprocess.alone(split + ["--out", dir + "/split"])
        #expect(run.status == 0, "\(run.combined)")
        #expect(run.stdout.contains("train 16, val 2, test 2 (seed 17)"), "\(run.stdout)")
        let parts = try Self.parts(dir + "/split")
        #expect(parts == [Array(numpy[..<16]), Array(numpy[16..<18]), Array(numpy[18...])])
        let again = try Subprocess.alone(split + ["--out", dir + "/split2"])
        #expect(again.status == 0)
        #expect(try Self.parts(dir + "/split2") == parts, "the same seed gives the same split")
        #expect(try Subprocess.alone(split + ["--out", dir + "/split3", "--seed", "18"]).status == 0)
        #expect(try Self.parts(dir + "/split3")[0] != parts[0])

        // The split lists are the configuration's: prepare stores them, training frequencies over train.txt.
        let prep = try Subprocess.alone(["prepare", "--config", dir + "/sage.toml", "--out", dir + "/store",
                                         "--set", "train_individuals=\"\(dir)/split/train.txt\"", "--set", "val_individuals=\"\(dir)/split/val.txt\"",
                                         "--set", "test_individuals=\"\(dir)/split/test.txt\""])
        #expect(prep.status == 0, "\(prep.combined)")
        let manifest = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir + "/store/manifest.json"))) as! [String: Any]
        #expect(manifest["trainingIndividuals"] as? [String] == parts[0])

        // Individuals in only one input are reported; the intersection (in the list's order) is what is split.
        let expression = try Self.lines(dir + "/expression.csv").map { line -> String in
            let f = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            return (f.prefix(1) + f.dropFirst().prefix(17) + [f[0] == "gene_id" || f[0].isEmpty ? "NEW1" : "0.5"]).joined(separator: ",")
        }
        try Self.write(expression.joined(separator: "\n") + "\n", dir + "/e17.csv")
        try Self.write(all.reversed().joined(separator: "\n") + "\nNOBODY\n", dir + "/list.txt")
        let partial = try Subprocess.alone(["preprocess", "split", "--individuals", dir + "/list.txt", "--expression", dir + "/e17.csv",
                                            "--fractions", "0.5,0.25,0.25", "--out", dir + "/split4"])
        #expect(partial.status == 0, "\(partial.combined)")
        #expect(partial.stdout.contains("17 individuals in both the list (21 ids) and the expression table (18 columns)"), "\(partial.stdout)")
        #expect(partial.stdout.contains("only in the list: 4 (IND0020, IND0019, IND0018, NOBODY)"), "\(partial.stdout)")
        #expect(partial.stdout.contains("only in the expression table: 1 (NEW1)"), "\(partial.stdout)")
        let four = try Self.parts(dir + "/split4")
        #expect(four.map(\.count) == [8, 4, 5])
        #expect(Set(four.joined()) == Set(all.prefix(17)) && four.joined().count == 17, "disjoint and complete")
    }

    @Test func splitRefusesUsersDirectoriesAndInputs() throws {
        let dir = try Self.cohort()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let split = ["preprocess", "split", "--vcf", dir + "/cohort.vcf.gz", "--expression", dir + "/expression.csv", "--out"]
        let before = try Self.parts(dir + "/individuals")
        // The cohort's own individuals/ directory was not written by `preprocess split`.
        let users = try Subprocess.alone(split + [dir + "/individuals"])
        #expect(users.status == 1 && users.stderr.contains("is not a split directory written by sage-mpi"), "\(users.combined)")
        #expect(try Self.parts(dir + "/individuals") == before)
        let inputs = try Subprocess.alone(split + [dir])
        #expect(inputs.status == 1 && inputs.stderr.contains("contains an input of this command"), "\(inputs.combined)")
        let file = try Subprocess.alone(split + [dir + "/expression.csv"])
        #expect(file.status == 1 && file.stderr.contains("is an input of this command"), "\(file.combined)")
        // --force: only train/val/test.txt of a user's directory are replaced, a note beside them is kept.
        try Self.write("keep\n", dir + "/individuals/notes.txt")
        let forced = try Subprocess.alone(split + [dir + "/individuals", "--force"])
        #expect(forced.status == 0, "\(forced.combined)")
        #expect(try String(contentsOfFile: dir + "/individuals/notes.txt", encoding: .utf8) == "keep\n")
        #expect(try Self.parts(dir + "/individuals").map(\.count) == [16, 2, 2])
        #expect(!FileManager.default.fileExists(atPath: dir + "/individuals/.sage-mpi-output"), "a user's directory is not marked")
        // Its own output is replaced; once a user adds a file there, it is refused.
        #expect(try Subprocess.alone(split + [dir + "/mine"]).status == 0)
        #expect(try Subprocess.alone(split + [dir + "/mine", "--seed", "3"]).status == 0)
        try Self.write("x\n", dir + "/mine/extra.txt")
        let foreign = try Subprocess.alone(split + [dir + "/mine"])
        #expect(foreign.status == 1 && foreign.stderr.contains("also holds 'extra.txt'"), "\(foreign.combined)")
    }
}
