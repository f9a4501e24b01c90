import Foundation
import SAGEDistributed
import SAGEEngine
import SAGEGenome

/// A training run's directory and its one writer. Files: config.toml (resolved), run.json (what the run started
/// from: ranks, batch size, the data files' fingerprints), metrics.jsonl, correlations/, best/last/state
/// .safetensors, the output marker, and `.lock`: an advisory lock (flock) that rank 0 holds for the whole run,
/// released by the kernel when the process ends, however it ends. Only rank 0 calls these.
public final class RunDirectory {
    public let path: String
    private var lockDescriptor: Int32 = -1

    /// The files a run writes (what `--overwrite` removes; nothing else in the directory is touched).
    static let runFiles = ["config.toml", "run.json", "metrics.jsonl", "correlations", "best.safetensors", "last.safetensors", "state.safetensors", "epochs"]
    /// Keys a resume may change without --allow-changes: the learning-rate schedule's, how long to train, and how
    /// often to save (nothing else that decides the parameters, the best checkpoint or when the run stops).
    public static let resumableKeys: Set<String> = Set([ConfigKeys.learningRate.name, ConfigKeys.stepSizeUp.name, ConfigKeys.lrPatience.name,
                                                        ConfigKeys.maxEpochs.name, ConfigKeys.checkpointEverySteps.name])

    public init(path: String) { self.path = path }
    deinit { if lockDescriptor >= 0 { close(lockDescriptor) } }

    public func file(_ name: String) -> String { (path as NSString).appendingPathComponent(name) }

    /// A run directory written before output markers existed.
    static func isEarlierRun(_ directory: String) -> Bool {
        let config = (directory as NSString).appendingPathComponent("config.toml")
        return (try? String(contentsOfFile: config, encoding: .utf8))?.hasPrefix("# Resolved configuration written by sage-mpi") == true
    }

    /// Creates (or reuses) the directory and takes its lock, refusing what is not a run directory of ours or
    /// what another process is running. A fresh run refuses an existing run unless `overwrite`, which then
    /// removes that run's files (and only those); a resume needs an existing run. Returns a warning when the
    /// file system has no locks (the run goes on unlocked).
    @discardableResult
    public func open(resume: Bool, overwrite: Bool, inputs: [String]) throws -> String? {
        let fm = FileManager.default
        try OutputGuard.checkDirectory(path, kind: "run", inputs: inputs, legacy: Self.isEarlierRun)
        do { try fm.createDirectory(atPath: path, withIntermediateDirectories: true) } catch {
            throw OutputError("\(path): cannot create the run directory (\(error.localizedDescription))")
        }
        let warning = try lock()
        // Only now, holding the lock, is what the directory holds settled.
        let holdsRun = fm.fileExists(atPath: file("config.toml")) || fm.fileExists(atPath: file("state.safetensors"))
        if resume && !fm.fileExists(atPath: file("state.safetensors")) {
            throw ConfigError("\(path): no state.safetensors to resume from (the run saved no state yet)")
        }
        if !resume && holdsRun {
            guard overwrite else {
                throw ConfigError("\(path) already holds a run: continue it with `sage-mpi train --resume \(path)`, start over with --overwrite (removes that run's files), or choose another --out")
            }
            for name in Self.runFiles where fm.fileExists(atPath: file(name)) { try fm.removeItem(atPath: file(name)) }
        }
        try OutputGuard.mark(path, kind: "run")
        try fm.createDirectory(atPath: file("correlations"), withIntermediateDirectories: true)
        return warning
    }

    /// flock(LOCK_EX | LOCK_NB) on `.lock` (a regular file, never followed through a link), which then names the
    /// holder (pid, host, start time) for the next one. Held: an error; no locks on this file system (Lustre
    /// without -o flock, NFS without lockd): a warning, and the run goes on unlocked.
    func lock() throws -> String? {
        let lockPath = file(".lock")
        let fd = Foundation.open(lockPath, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0o644)
        guard fd >= 0 else { throw OutputError(lockPath, "cannot open the run's lock file (it must be a regular file)", errno) }
        var info = stat()
        guard fstat(fd, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else {
            close(fd)
            throw ConfigError("\(lockPath) is not a regular file; remove it (sage-mpi creates it)")
        }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            let code = errno
            guard code == EWOULDBLOCK else {
                close(fd)
                return "\(path): the file system does not lock files (\(String(cString: strerror(code)))); this run is not protected against a second writer"
            }
            let holder = (try? String(contentsOfFile: lockPath, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
            close(fd)
            throw ConfigError("\(path) is in use by another sage-mpi train\(holder.isEmpty ? "" : " (\(holder))"): one run directory has one writer; wait for it to finish or choose another --out")
        }
        let holder = "pid \(getpid()) on \(ProcessInfo.processInfo.hostName) since \(ISO8601DateFormatter().string(from: Date()))\n"
        ftruncate(fd, 0)
        _ = holder.withCString { Foundation.write(fd, $0, strlen($0)) }
        lockDescriptor = fd
        return nil
    }
}

/// What a run started from, beyond its configuration: written to run.json at the start, compared on resume.
public struct RunRecord: Codable, Sendable, Equatable {
    public var ranks: Int
    /// The data files by configuration key (their size and modification time).
    public var inputs: [String: FileFingerprint]

    static let dataKeys: [Key<String?>] = {
        typealias K = ConfigKeys
        return [K.fasta, K.vcf, K.regions, K.expression, K.trainIndividuals, K.valIndividuals, K.testIndividuals,
                K.regionRanking, K.trainRegions, K.valRegions, K.testRegions, K.trainSubs, K.trainSubsYData, K.trainSubsVCF]
    }()

    public init(config: RunConfig, ranks: Int) throws {
        self.ranks = ranks
        var inputs: [String: FileFingerprint] = [:]
        for key in Self.dataKeys { if case .string(let p) = config.values[key.name] { inputs[key.name] = try FileFingerprint(path: p) } }
        self.inputs = inputs
    }

    public static func read(_ path: String) throws -> RunRecord? {
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        do { return try JSONDecoder().decode(RunRecord.self, from: Data(contentsOf: URL(fileURLWithPath: path))) } catch {
            throw ConfigError("\(path): cannot read the run's record (\(error.localizedDescription)); resume with --allow-changes to rewrite it")
        }
    }

    /// What changed between a run's start (`saved`, `was`) and its resume (`current`, `self`), except the keys a
    /// resume may change: every differing configuration key, the rank count, and data files changed on disk.
    public func changes(since was: RunRecord?, saved: RunConfig, current: RunConfig) -> [String] {
        var out: [String] = []
        for key in ConfigKeys.all where !RunDirectory.resumableKeys.contains(key.name) && saved.values[key.name] != current.values[key.name] {
            out.append("\(key.name): \(saved.values[key.name].map { "\($0)" } ?? "-") -> \(current.values[key.name].map { "\($0)" } ?? "-")")
        }
        guard let was else { return out + ["run.json is missing (a run from an older sage-mpi): the rank count and the data files cannot be compared"] }
        if was.ranks != ranks { out.append("ranks: \(was.ranks) -> \(ranks) (batch_size is per rank: the global batch would change)") }
        for (key, fingerprint) in inputs.sorted(by: { $0.key < $1.key }) {
            if let old = was.inputs[key], !old.sameFile(as: fingerprint) {
                out.append("\(key) \(fingerprint.path): changed since the run started (size \(old.size) -> \(fingerprint.size) bytes, modified \(Date(timeIntervalSince1970: old.modified)) -> \(Date(timeIntervalSince1970: fingerprint.modified)))")
            }
        }
        return out
    }
}
