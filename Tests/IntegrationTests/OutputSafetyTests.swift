import Foundation
import Testing

/// A user's files are sacred: no command deletes or overwrites what it did not write. Each case points an output
/// at an input or at a user's file and checks the command fails with one clear message and every file is
/// byte-identical afterwards; and that writing through a symbolic link replaces the target whole.
@Suite(.serialized) struct OutputSafetyTests {
    static func cohort(prepared: Bool = false) throws -> String {
        try Subprocess.simulatedCohort("safe", regions: 6, individuals: 20, inputLen: 300, seed: 5, prepared: prepared)
    }

    /// Every regular file under `dir` (relative path -> contents), links not followed.
    static func snapshot(_ dir: String) -> [String: Data] {
        var out: [String: Data] = [:]
        let e = FileManager.default.enumerator(atPath: dir)
        while let name = e?.nextObject() as? String {
            let path = dir + "/" + name
            if let a = try? FileManager.default.attributesOfItem(atPath: path), a[.type] as? FileAttributeType == .typeRegular {
                out[name] = FileManager.default.contents(atPath: path)
            }
        }
        return out
    }

    /// `args` must fail with status 1, a message holding `fragment`, and leave `dir` exactly as it was.
    func refused(_ dir: String, _ args: [String], _ fragment: String, ranks: Int = 1) throws {
        let before = Self.snapshot(dir)
        let run = ranks == 1 ? try Subprocess.alone(args) : try Subprocess.mpi(ranks, args)
        #expect(run.status == 1 && !run.timedOut, "\(args): status \(run.status)")
        #expect(run.stderr.contains(fragment), "\(args): missing '\(fragment)' in: \(run.stderr)")
        #expect(run.stderr.components(separatedBy: "error:").count - 1 <= ranks, "\(args): more than one message per rank: \(run.stderr)")
        let after = Self.snapshot(dir)
        #expect(Set(after.keys) == Set(before.keys), "\(args): files added or removed: \(Set(after.keys).symmetricDifference(before.keys))")
        for (name, data) in before where after[name] != data { Issue.record("\(args): \(name) changed") }
    }

    @Test func prepareNeverReplacesInputsOrUserDirectories() throws {
        let dir = try Self.cohort()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let config = ["prepare", "--config", dir + "/sage.toml"]
        try refused(dir, config + ["--out", dir], "contains an input of this command", ranks: 2)
        try refused(dir, config + ["--out", dir + "/cohort.vcf.gz"], "is an input of this command", ranks: 2)
        try refused(dir, config + ["--out", dir + "/individuals"], "contains an input")
        // A user's directory that is not a store, and a user's directory where the partial store would go.
        try FileManager.default.createDirectory(atPath: dir + "/mine", withIntermediateDirectories: true)
        try Data("notes".utf8).write(to: URL(fileURLWithPath: dir + "/mine/notes.txt"))
        try refused(dir, config + ["--out", dir + "/mine"], "is not a store directory written by sage-mpi")
        try FileManager.default.createDirectory(atPath: dir + "/s.partial", withIntermediateDirectories: true)
        try Data("keep".utf8).write(to: URL(fileURLWithPath: dir + "/s.partial/keep.txt"))
        try refused(dir, config + ["--out", dir + "/s"], "s.partial exists and is not a store directory")
        // Its own store is replaced; an earlier one is rebuilt in place.
        for _ in 0..<2 {
            let run = try Subprocess.alone(config + ["--out", dir + "/s2"])
            #expect(run.status == 0, "\(run.combined)")
        }
        #expect(FileManager.default.fileExists(atPath: dir + "/s2/manifest.json"))
    }

    @Test func fileOutputsRefuseInputsAndUsersFilesUnlessForced() throws {
        let dir = try Self.cohort(prepared: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let seq = ["sequences", "--config", dir + "/sage.toml", "--region", "G0001", "--individual", "IND0001"]
        try refused(dir, seq + ["--out", dir + "/genome.fa"], "is an input of this command")
        try refused(dir, seq + ["--out", dir + "/genome.fa.fai"], "is an input of this command")
        try Data("my analysis\n".utf8).write(to: URL(fileURLWithPath: dir + "/notes.txt"))
        try refused(dir, seq + ["--out", dir + "/notes.txt"], "exists and is not a sequences FASTA written by sage-mpi")
        let forced = try Subprocess.alone(seq + ["--out", dir + "/notes.txt", "--force"])
        #expect(forced.status == 0, "\(forced.combined)")
        #expect((try? String(contentsOfFile: dir + "/notes.txt", encoding: .utf8))?.hasPrefix(">G0001|reference") == true)
        let again = try Subprocess.alone(seq + ["--out", dir + "/notes.txt"])  // now its own output: replaced
        #expect(again.status == 0, "\(again.combined)")

        let ckpt = dir + "/m.safetensors"
        let made = try Subprocess.alone(["init-model", "--input-len", "300", "--first-layer-kernel-number", "4", "--int-layers-kernel-number", "4",
                                         "--hidden-size", "4", "--n-conv-blocks", "2", "--pooling-size", "5", "--out", ckpt])
        #expect(made.status == 0, "\(made.combined)")
        try refused(dir, ["init-model", "--out", dir + "/expression.csv"], "exists and is not a checkpoint written by sage-mpi")
        try refused(dir, ["predict", "--checkpoint", ckpt, "--sequences", dir + "/notes.txt", "--out", dir + "/notes.txt"], "is an input")
        try refused(dir, ["predict", "--checkpoint", ckpt, "--sequences", dir + "/notes.txt", "--out", dir + "/regions.csv"],
                    "exists and is not a predictions CSV written by sage-mpi")
        try FileManager.default.createDirectory(atPath: dir + "/mine", withIntermediateDirectories: true)
        try Data("results".utf8).write(to: URL(fileURLWithPath: dir + "/mine/summary.json"))
        try refused(dir, ["evaluate", "--checkpoint", ckpt, "--config", dir + "/sage.toml", "--out", dir + "/mine"],
                    "is not a evaluate directory written by sage-mpi", ranks: 2)
        try refused(dir, ["baseline", "predixcan", "--config", dir + "/sage.toml", "--out", dir + "/mine"],
                    "is not a predixcan directory", ranks: 2)
        try refused(dir, ["simulate", "--out", dir + "/mine"], "is not a simulate directory")
        try refused(dir, ["bench", "predixcan", "--work-dir", dir + "/mine"], "is not a bench-predixcan directory")
        try refused(dir, ["bench", "data", "--work-dir", dir + "/mine"], "is not a bench-data directory")
        // An earlier simulation is sage-mpi's own: simulate may write it again.
        let resim = try Subprocess.alone(["simulate", "--out", dir, "--regions", "6", "--individuals", "20", "--input-len", "300", "--seed", "5"])
        #expect(resim.status == 0, "\(resim.combined)")
    }

    @Test func writingThroughASymlinkReplacesTheTargetWhole() throws {
        let dir = try Self.cohort(prepared: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        // A link to an earlier, longer output: the new text must replace it completely (no old tail), the link stays.
        let seq = ["sequences", "--config", dir + "/sage.toml", "--individual", "IND0001"]
        let long = try Subprocess.alone(seq + ["--out", dir + "/all.fa"])
        #expect(long.status == 0, "\(long.combined)")
        try FileManager.default.createSymbolicLink(atPath: dir + "/link.fa", withDestinationPath: "all.fa")
        let short = try Subprocess.alone(seq + ["--region", "G0002", "--out", dir + "/link.fa"])
        #expect(short.status == 0, "\(short.combined)")
        let text = try String(contentsOfFile: dir + "/all.fa", encoding: .utf8)
        #expect(text.hasPrefix(">G0002|reference") && text.components(separatedBy: ">").count - 1 == 3, "old content left: \(text.prefix(200))")
        #expect((try? FileManager.default.destinationOfSymbolicLink(atPath: dir + "/link.fa")) == "all.fa")

        // An unwritable destination: one line naming the path and the reason.
        let unwritable = try Subprocess.alone(seq + ["--region", "G0002", "--out", "/proc/sage-no-such/x.fa"])
        #expect(unwritable.status == 1 && unwritable.stderr.contains("/proc/sage-no-such/x.fa: cannot create a file in /proc/sage-no-such"), "\(unwritable.stderr)")
        #expect(unwritable.stderr.components(separatedBy: "\n").filter { !$0.isEmpty }.count <= 2, "\(unwritable.stderr)")
        let full = try Subprocess.alone(seq + ["--region", "G0002", "--out", "/dev/full"])
        #expect(full.status == 1 && full.stderr == "Error: /dev/full: cannot write: No space left on device\n", "\(full.stderr)")
    }
}

/// The paths that reach an input or a user's file the long way round: through `..` after a symbolic link, a hard
/// link, the configuration file itself; and standard output, which must stay a stream.
@Suite(.serialized) struct OutputPathTests {
    @Test func linksHardLinksAndTheConfigurationAreInputsToo() throws {
        let dir = try Subprocess.simulatedCohort("paths", regions: 6, individuals: 20, inputLen: 300, seed: 5, prepared: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let safety = OutputSafetyTests()
        let seq = ["sequences", "--config", dir + "/sage.toml", "--region", "G0001", "--individual", "IND0001", "--force"]
        // t/link -> a/b: "t/link/../vcf" is a/vcf for the kernel, though it reads as t/vcf.
        let fm = FileManager.default
        try fm.createDirectory(atPath: dir + "/a/b", withIntermediateDirectories: true)
        try fm.createDirectory(atPath: dir + "/t", withIntermediateDirectories: true)
        try fm.createSymbolicLink(atPath: dir + "/t/link", withDestinationPath: dir + "/a/b")
        try fm.moveItem(atPath: dir + "/individuals/train.txt", toPath: dir + "/a/train.txt")
        try fm.createSymbolicLink(atPath: dir + "/individuals/train.txt", withDestinationPath: dir + "/a/train.txt")
        try safety.refused(dir, seq + ["--out", dir + "/t/link/../train.txt"], "is an input of this command")
        try fm.linkItem(atPath: dir + "/regions.csv", toPath: dir + "/hard.csv")  // a hard link: the same file
        try safety.refused(dir, seq + ["--out", dir + "/hard.csv"], "is an input of this command")
        try safety.refused(dir, seq + ["--out", dir + "/sage.toml"], "is an input of this command")
        try safety.refused(dir, ["prepare", "--config", dir + "/sage.toml", "--out", dir + "/t/link/.."], "contains an input")
    }

    @Test func directoriesThatHoldMoreThanTheirOwnOutputAreNotReplaced() throws {
        let dir = try Subprocess.simulatedCohort("owned", regions: 6, individuals: 20, inputLen: 300, seed: 5, prepared: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let safety = OutputSafetyTests()
        // A user's directory that merely holds a manifest.json, and a real store to which a user added a file.
        try FileManager.default.createDirectory(atPath: dir + "/mine", withIntermediateDirectories: true)
        try Data("{}".utf8).write(to: URL(fileURLWithPath: dir + "/mine/manifest.json"))
        try safety.refused(dir, ["prepare", "--config", dir + "/sage.toml", "--out", dir + "/mine"], "is not a store directory")
        try Data("notes".utf8).write(to: URL(fileURLWithPath: dir + "/store/notes.txt"))
        try safety.refused(dir, ["prepare", "--config", dir + "/sage.toml"], "also holds 'notes.txt', which sage-mpi did not write there")
        try FileManager.default.removeItem(atPath: dir + "/store/notes.txt")
        // An evaluation directory is replaced whole once the new one is complete, and only if it holds nothing else.
        let ckpt = dir + "/m.safetensors"
        let made = try Subprocess.alone(["init-model", "--input-len", "300", "--first-layer-kernel-number", "4", "--int-layers-kernel-number", "4",
                                         "--hidden-size", "4", "--n-conv-blocks", "2", "--pooling-size", "5", "--out", ckpt])
        #expect(made.status == 0, "\(made.combined)")
        let eval = ["evaluate", "--config", dir + "/sage.toml", "--checkpoint", ckpt, "--regions", "all", "--individuals", "val", "--out", dir + "/eval"]
        for _ in 0..<2 { #expect(try Subprocess.alone(eval).status == 0) }
        #expect(!FileManager.default.fileExists(atPath: dir + "/eval.partial"))
        try Data("x".utf8).write(to: URL(fileURLWithPath: dir + "/eval/plot.png"))
        try safety.refused(dir, eval, "also holds 'plot.png'")
    }

    @Test func standardOutputStaysAStream() throws {
        let dir = try Subprocess.simulatedCohort("stdout", regions: 6, individuals: 20, inputLen: 300, seed: 5, prepared: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        // Into a pipe (as `| gzip`): the bytes arrive on the pipe.
        let process = Process(), pipe = Pipe()
        process.executableURL = URL(fileURLWithPath: Subprocess.sageMPI)
        process.arguments = ["sequences", "--config", dir + "/sage.toml", "--region", "G0001", "--individual", "IND0001", "--out", "/dev/stdout"]
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        try process.run()
        let bytes = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        #expect(String(decoding: bytes, as: UTF8.self).hasPrefix(">G0001|reference"), "\(bytes.count) bytes")
        // Into a file the caller opened for appending (as `>> log`): appended, not replaced.
        let log = dir + "/log.txt"
        try Data("earlier\n".utf8).write(to: URL(fileURLWithPath: log))
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        try handle.seekToEnd()
        let append = Process()
        append.executableURL = URL(fileURLWithPath: Subprocess.sageMPI)
        append.arguments = process.arguments
        append.standardOutput = handle
        append.standardError = FileHandle.nullDevice
        try append.run(); append.waitUntilExit()
        try handle.close()
        let text = try String(contentsOfFile: log, encoding: .utf8)
        #expect(append.terminationStatus == 0 && text.hasPrefix("earlier\n>G0001|reference"), "\(text.prefix(60))")
    }
}
