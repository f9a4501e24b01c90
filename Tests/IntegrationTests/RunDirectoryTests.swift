import Foundation
import SAGEEngine
import Testing

/// One run directory, one writer, and a resume that is exact or refused: the lock, --overwrite, resume
/// refusals (checked before anything is written), relative configuration paths, divergence, --max-steps.
@Suite(.serialized) struct RunDirectoryTests {
    static let tiny = TrainingTests.tiny + ["--set", "batch_size=4"]

    static func stepOf(_ run: String) throws -> Int {
        let file = try SafeTensors.read(path: run + "/state.safetensors")
        let json = try #require(file.metadata["train_state"])
        return try #require((try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])?["globalStep"] as? Int)
    }

    static func bytes(_ path: String) -> Data? { FileManager.default.contents(atPath: path) }

    @Test func aRunDirectoryHasOneWriterAndIsNeverReplacedSilently() throws {
        let (dir, config) = try TrainingTests.cohort()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let base = ["train", "--config", config, "--out", dir + "/run"] + Self.tiny
        let first = try Subprocess.alone(base + ["--max-steps", "3"])
        #expect(first.status == 0, "\(first.combined)")
        let state = Self.bytes(dir + "/run/state.safetensors")

        // Again without --resume or --overwrite: refused, nothing touched.
        let again = try Subprocess.alone(base + ["--max-steps", "3"])
        #expect(again.status == 1 && again.stderr.contains("already holds a run") && again.stderr.contains("--resume"), "\(again.stderr)")
        #expect(Self.bytes(dir + "/run/state.safetensors") == state)

        // A second writer while the first runs: refused by the lock, naming the holder.
        let long = Process()
        long.executableURL = URL(fileURLWithPath: Subprocess.sageMPI)
        long.arguments = ["train", "--resume", dir + "/run", "--set", "max_epochs=100000"]
        long.standardError = FileHandle.nullDevice; long.standardOutput = FileHandle.nullDevice
        try long.run()
        // SIGKILL: a test runner's children may inherit a blocked SIGTERM.
        defer { if long.isRunning { kill(long.processIdentifier, SIGKILL) }; long.waitUntilExit() }
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline && !((try? String(contentsOfFile: dir + "/run/.lock", encoding: .utf8)) ?? "").contains("pid \(long.processIdentifier)") {
            Thread.sleep(forTimeInterval: 0.1)
        }
        let second = try Subprocess.alone(["train", "--resume", dir + "/run"])
        #expect(second.status == 1 && second.stderr.contains("is in use by another sage-mpi train (pid \(long.processIdentifier)"), "\(second.stderr)")
        let overwrite = try Subprocess.alone(base + ["--overwrite", "--max-steps", "2"])
        #expect(overwrite.status == 1 && overwrite.stderr.contains("is in use"), "\(overwrite.stderr)")
        kill(long.processIdentifier, SIGKILL); long.waitUntilExit()

        // A lock file that is a link (to a user's file): refused, the file untouched.
        try FileManager.default.removeItem(atPath: dir + "/run/.lock")
        try Data("precious".utf8).write(to: URL(fileURLWithPath: dir + "/precious.txt"))
        try FileManager.default.createSymbolicLink(atPath: dir + "/run/.lock", withDestinationPath: dir + "/precious.txt")
        let linked = try Subprocess.alone(["train", "--resume", dir + "/run"])
        #expect(linked.status == 1 && linked.stderr.contains(".lock: cannot open the run's lock file (it must be a regular file)"), "\(linked.stderr)")
        #expect(Self.bytes(dir + "/precious.txt") == Data("precious".utf8))
        try FileManager.default.removeItem(atPath: dir + "/run/.lock")

        // The lock goes with the process, however it ends. --overwrite
        // removes the old run's files, and only those.
        try Data("mine".utf8).write(to: URL(fileURLWithPath: dir + "/run/notes.txt"))
        let fresh = try Subprocess.alone(base + ["--overwrite", "--max-steps", "2"])
        #expect(fresh.status == 0, "\(fresh.combined)")
        #expect(try Self.stepOf(dir + "/run") == 2)
        #expect(Self.bytes(dir + "/run/notes.txt") == Data("mine".utf8))
    }

    @Test func aResumeIsCheckedBeforeAnythingIsWritten() throws {
        let (dir, config) = try TrainingTests.cohort()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let run = dir + "/run"
        let first = try Subprocess.alone(["train", "--config", config, "--out", run, "--max-steps", "4"] + Self.tiny)
        #expect(first.status == 0, "\(first.combined)")
        let files = ["config.toml", "state.safetensors", "metrics.jsonl", "run.json", "last.safetensors"].map { run + "/" + $0 }
        let before = files.map(Self.bytes)
        func refusedResume(_ args: [String], _ fragments: [String], ranks: Int = 1) throws {
            let all = ["train", "--resume", run, "--max-steps", "6"] + args
            let r = ranks == 1 ? try Subprocess.alone(all) : try Subprocess.mpi(ranks, all)
            #expect(r.status == 1, "\(args): \(r.combined)")
            for f in fragments { #expect(r.stderr.contains(f), "\(args): missing '\(f)' in \(r.stderr)") }
            #expect(files.map(Self.bytes) == before, "\(args): the run directory changed")
        }
        try refusedResume(["--set", "hidden_size=16"], ["refusing to resume", "hidden_size: 8 -> 16", "--allow-changes"])
        try refusedResume(["--set", "batch_size=5", "--set", "lam_diff=3"], ["batch_size: 4 -> 5", "lam_diff: 10.0 -> 3.0"])
        try refusedResume([], ["ranks: 1 -> 2"], ranks: 2)
        // The expression file changed on disk since the run started.
        let expression = dir + "/expression.csv"
        let original = try #require(Self.bytes(expression))
        var changed = String(decoding: original, as: UTF8.self)
        let last = try #require(changed.lastIndex { $0.isNumber })
        changed.replaceSubrange(last...last, with: changed[last] == "1" ? "2" : "1")
        try changed.write(toFile: expression, atomically: true, encoding: .utf8)
        try refusedResume([], ["expression", "changed since the run started"])
        try original.write(to: URL(fileURLWithPath: expression))
        // The same with --allow-changes goes on (with a warning), and a learning-rate change needs nothing.
        let allowed = try Subprocess.alone(["train", "--resume", run, "--max-steps", "5", "--set", "lam_diff=3", "--allow-changes"])
        #expect(allowed.status == 0 && allowed.stderr.contains("resuming with a change (--allow-changes): lam_diff"), "\(allowed.combined)")
        let lr = try Subprocess.alone(["train", "--resume", run, "--max-steps", "6", "--set", "learning_rate=0.0001"])
        #expect(lr.status == 0, "\(lr.combined)")
        #expect(try Self.stepOf(run) == 6)
        // --max-steps at or below the current step: nothing to do, nothing trained.
        let state = Self.bytes(run + "/state.safetensors")
        let done = try Subprocess.alone(["train", "--resume", run, "--max-steps", "6"])
        #expect(done.status == 0 && done.stderr.contains("at or past --max-steps 6; nothing to do"), "\(done.combined)")
        #expect(Self.bytes(run + "/state.safetensors") == state)
    }

    /// max_epochs may change on resume: a finished run trains on to a raised max_epochs, exactly as if it had been
    /// asked for from the start; at its max_epochs it has nothing to do, and says why.
    @Test func aFinishedRunTrainsOnWhenMaxEpochsIsRaised() throws {
        let (dir, config) = try TrainingTests.cohort()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let one = try Subprocess.alone(["train", "--config", config, "--out", dir + "/extended"] + Self.tiny + ["--set", "max_epochs=1"])
        #expect(one.status == 0, "\(one.combined)")
        let more = try Subprocess.alone(["train", "--resume", dir + "/extended", "--set", "max_epochs=2"])
        #expect(more.status == 0 && more.stderr.contains("had finished after 1 epoch(s); training on to max_epochs 2"), "\(more.combined)")
        let again = try Subprocess.alone(["train", "--resume", dir + "/extended", "--set", "max_epochs=2"])
        #expect(again.status == 0 && again.stderr.contains("it trained its max_epochs 2; nothing to do"), "\(again.combined)")
        let whole = try Subprocess.alone(["train", "--config", config, "--out", dir + "/whole"] + Self.tiny + ["--set", "max_epochs=2"])
        #expect(whole.status == 0, "\(whole.combined)")
        let (a, b) = (try TrainingTests.state(dir + "/extended"), try TrainingTests.state(dir + "/whole"))
        #expect(a.params == b.params && a.buffers == b.buffers, "1 + 1 epochs differ from 2")
    }

    @Test func aRunStartedWithARelativeConfigResumesFromAnywhere() throws {
        let (dir, _) = try TrainingTests.cohort()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let parent = (dir as NSString).deletingLastPathComponent, name = (dir as NSString).lastPathComponent
        // As README and the demo do: a relative --config and --out from the directory above the cohort.
        let first = try Subprocess.alone(["train", "--config", "\(name)/sage.toml", "--out", "\(name)/runs/p", "--max-steps", "3"] + Self.tiny, directory: parent)
        #expect(first.status == 0, "\(first.combined)")
        let resumed = try Subprocess.alone(["train", "--resume", dir + "/runs/p", "--max-steps", "5"], directory: "/")
        #expect(resumed.status == 0, "\(resumed.combined)")
        #expect(try Self.stepOf(dir + "/runs/p") == 5)
        let text = try String(contentsOfFile: dir + "/runs/p/config.toml", encoding: .utf8)
        #expect(text.contains("fasta = \"\(dir)/genome.fa\""), "paths are not absolute: \(text.prefix(400))")
    }

    @Test func aDivergingRunStopsWithTheStepAndKeepsTheLastFiniteState() throws {
        let (dir, config) = try TrainingTests.cohort()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let run = dir + "/run"
        let six = try Subprocess.mpi(2, ["train", "--config", config, "--out", dir + "/six", "--max-steps", "6"] + Self.tiny)
        #expect(six.status == 0, "\(six.combined)")
        let diverged = try Subprocess.mpi(2, ["train", "--config", config, "--out", run, "--nan-at-step", "7", "--kill-rank", "1"] + Self.tiny)
        #expect(diverged.status != 0 && !diverged.timedOut)
        #expect(diverged.stderr.contains("diverged at global step 7") && diverged.stderr.contains("loss NaN"), "\(diverged.stderr)")
        #expect(diverged.stderr.components(separatedBy: "error:").count == 2, "one message: \(diverged.stderr)")
        #expect(try Self.stepOf(run) == 6, "the state before the diverging step")
        // Exactly the state before step 7: what a run stopped after 6 steps saved (the diverging step's batch-norm
        // statistics, counters and dropout draws undone).
        let a = try TrainingTests.state(run), b = try TrainingTests.state(dir + "/six")
        TrainingTests.expectClose(a.params, b.params, rtol: 1e-6, atol: 1e-7, "parameters")
        TrainingTests.expectClose(a.buffers, b.buffers, rtol: 1e-6, atol: 1e-7, "batch-norm running statistics")
        func meta(_ p: String) throws -> NSDictionary {
            let json = try SafeTensors.read(path: p + "/state.safetensors").metadata["train_state"] ?? ""
            return (try JSONSerialization.jsonObject(with: Data(json.utf8)) as? NSDictionary) ?? [:]
        }
        let (m1, m2) = (try meta(run), try meta(dir + "/six"))
        #expect(m1 == m2, "positions, counters and the dropout state: \(m1) vs \(m2)")
        for line in ((try? String(contentsOfFile: run + "/metrics.jsonl", encoding: .utf8)) ?? "").split(separator: "\n") {
            #expect((try? JSONSerialization.jsonObject(with: Data(line.utf8))) != nil, "metrics.jsonl: \(line)")
        }
        let resumed = try Subprocess.mpi(2, ["train", "--resume", run, "--max-steps", "8"])
        #expect(resumed.status == 0, "\(resumed.combined)")
        #expect(try Self.stepOf(run) == 8)
    }
}
