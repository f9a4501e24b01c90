import Foundation
import Testing

/// `sweep` under real mpirun: 4 runs on 2 groups of 2 ranks; a sweep killed mid-run and resumed gives the table
/// (and the checkpoints) of an uninterrupted one; a run equals `train` with the same values on as many ranks; a run
/// that fails is recorded and the others finish; a bad grid is refused before any work.
@Suite(.serialized) struct SweepTests {
    static let tiny = EvaluateCrossCheckTests.tiny + ["--set", "max_epochs=2"]

    static func cohort() throws -> String {
        let dir = try Subprocess.simulatedCohort("sweep", regions: 18, individuals: 30, inputLen: 300, seed: 8, prepared: true)
        try "[grid]\nlearning_rate = [1e-3, 5e-4]\nseed = [1, 2]\n".write(toFile: dir + "/grid.toml", atomically: true, encoding: .utf8)
        return dir
    }

    /// results.csv rows by name, without the seconds column.
    static func table(_ sweep: String) throws -> [String: [String]] {
        let rows = try String(contentsOfFile: sweep + "/results.csv", encoding: .utf8).split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        let seconds = try #require(rows.first?.firstIndex(of: "seconds"))
        return Dictionary(uniqueKeysWithValues: rows.dropFirst().map { r in (r[0], r.enumerated().filter { $0.offset != seconds }.map(\.element)) })
    }

    func sweep(_ dir: String, out: String, _ extra: [String] = []) throws -> Subprocess.Outcome {
        try Subprocess.mpi(4, ["sweep", "--config", dir + "/sage.toml", "--grid", dir + "/grid.toml", "--ranks-per-run", "2", "--out", out] + Self.tiny + extra, timeout: 600)
    }

    @Test func aKilledSweepResumesToTheUninterruptedTableAndARunEqualsTrain() throws {
        let dir = try Self.cohort()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let whole = try sweep(dir, out: dir + "/whole")
        #expect(whole.status == 0, "\(whole.combined)")
        let expected = try Self.table(dir + "/whole")
        #expect(expected.count == 4 && expected.values.allSatisfy { $0.contains("finished") }, "\(expected)")
        let names = expected.keys.sorted()
        #expect(names.first == "000-learning_rate=0.001-seed=1")

        // Run 2 kills its group's rank 0 mid-way through its second epoch (16 steps an epoch): the job ends.
        let killed = try sweep(dir, out: dir + "/killed", ["--kill-run", "2", "--kill-after-steps", "20"])
        #expect(killed.status != 0)
        let partial = try Self.table(dir + "/killed")
        #expect(partial[names[2]]?.contains("pending") == true, "\(partial)")
        #expect(FileManager.default.fileExists(atPath: dir + "/killed/runs/\(names[2])/state.safetensors"), "the interrupted run saved its first epoch")
        let resumed = try Subprocess.mpi(4, ["sweep", "--resume", dir + "/killed"], timeout: 600)
        #expect(resumed.status == 0, "\(resumed.combined)")
        #expect(resumed.stderr.contains("resuming \(names[2])"), "\(resumed.stderr)")
        #expect(try Self.table(dir + "/killed") == expected)
        for name in names {
            let a = FileManager.default.contents(atPath: dir + "/whole/runs/\(name)/best.safetensors")
            #expect(a != nil && a == FileManager.default.contents(atPath: dir + "/killed/runs/\(name)/best.safetensors"), "\(name)")
        }
        // Resuming a finished sweep does nothing and leaves the table as it was.
        let again = try Subprocess.mpi(4, ["sweep", "--resume", dir + "/killed"], timeout: 120)
        #expect(again.status == 0 && again.stderr.contains("4 already recorded"), "\(again.combined)")

        // A sweep's run is `train` with its values on as many ranks.
        let train = try Subprocess.mpi(2, ["train", "--config", dir + "/sage.toml", "--out", dir + "/train", "--set", "learning_rate=0.0005", "--set", "seed=2"] + Self.tiny, timeout: 300)
        #expect(train.status == 0, "\(train.combined)")
        #expect(FileManager.default.contents(atPath: dir + "/train/best.safetensors") == FileManager.default.contents(atPath: dir + "/whole/runs/\(names[3])/best.safetensors"))
    }

    @Test func aFailingRunIsRecordedAndTheOthersFinish() throws {
        let dir = try Self.cohort()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try "[[runs]]\nseed = 3\n\n[[runs]]\nmonitor = \"val_no_such_metric\"\n\n[[runs]]\nseed = 4\n".write(toFile: dir + "/runs.toml", atomically: true, encoding: .utf8)
        let run = try Subprocess.mpi(2, ["sweep", "--config", dir + "/sage.toml", "--grid", dir + "/runs.toml", "--out", dir + "/s", "--set", "save_all_epochs=true"] + Self.tiny, timeout: 300)
        #expect(run.status == 0, "\(run.combined)")
        let table = try Self.table(dir + "/s")
        #expect(table.keys.sorted() == ["000-seed=3", "001-monitor=val_no_such_metric", "002-seed=4"])
        #expect(table["001-monitor=val_no_such_metric"]?.contains("failed") == true)
        let line = try String(contentsOfFile: dir + "/s/results.csv", encoding: .utf8).split(separator: "\n").first { $0.hasPrefix("001-") }
        #expect(line?.contains("\"") == true && line?.contains("monitor") == true, "the error, quoted: \(line ?? "")")
        #expect(table["000-seed=3"]?.contains("finished") == true && table["002-seed=4"]?.contains("finished") == true)
        #expect(run.stderr.contains("1 failed"))
        // select-checkpoint over the sweep: one row per run that trained.
        let chosen = try Subprocess.alone(["select-checkpoint", dir + "/s", "--metric", "val_loss"])
        let rows = chosen.stdout.split(separator: "\n").dropFirst()
        #expect(chosen.status == 0 && rows.count == 2 && rows.allSatisfy { $0.contains("/epochs/epoch-00") }, "\(chosen.combined)")
    }

    @Test func aBadGridOrRankCountIsRefusedBeforeAnyWork() throws {
        let dir = try Self.cohort()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try "[grid]\nlearning_rat = [1e-3]\n".write(toFile: dir + "/typo.toml", atomically: true, encoding: .utf8)
        let typo = try Subprocess.alone(["sweep", "--config", dir + "/sage.toml", "--grid", dir + "/typo.toml", "--out", dir + "/a"])
        #expect(typo.status == 1 && typo.stderr.contains("did you mean 'learning_rate'"), "\(typo.combined)")
        try "[grid]\nlearning_rate = [1e-3, -1]\n".write(toFile: dir + "/range.toml", atomically: true, encoding: .utf8)
        let range = try Subprocess.alone(["sweep", "--config", dir + "/sage.toml", "--grid", dir + "/range.toml", "--out", dir + "/b"])
        #expect(range.status == 1 && range.stderr.contains("001-learning_rate=-1") && range.stderr.contains("learning_rate must be"), "\(range.combined)")
        let ranks = try Subprocess.mpi(3, ["sweep", "--config", dir + "/sage.toml", "--grid", dir + "/grid.toml", "--ranks-per-run", "2", "--out", dir + "/c"])
        #expect(ranks.status != 0 && ranks.stderr.contains("does not divide the job's 3 ranks"), "\(ranks.combined)")
        for out in ["a", "b"] { #expect(!FileManager.default.fileExists(atPath: dir + "/" + out), "nothing written for a refused grid") }
        // A directory of the user's is never taken over.
        try FileManager.default.createDirectory(atPath: dir + "/mine", withIntermediateDirectories: true)
        try "notes".write(toFile: dir + "/mine/notes.txt", atomically: true, encoding: .utf8)
        let mine = try Subprocess.alone(["sweep", "--config", dir + "/sage.toml", "--grid", dir + "/grid.toml", "--out", dir + "/mine"])
        #expect(mine.status == 1 && (try? String(contentsOfFile: dir + "/mine/notes.txt", encoding: .utf8)) == "notes", "\(mine.combined)")
    }
}
