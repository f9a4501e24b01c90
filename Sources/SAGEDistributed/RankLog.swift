import Foundation
import Logging

/// Rank-aware loggers over swift-log, with no global state (no LoggingSystem.bootstrap):
/// - `root` prints on rank 0 only, without a prefix: progress and results of the job as a whole.
/// - `all` prints on every rank with a `[rank r/size]` prefix: per-rank facts and errors.
/// Both write whole lines to standard error, so standard output stays free for data.
public struct RankLog: Sendable {
    public let root: Logger
    public let all: Logger
    /// How long work shows its progress (`ProgressLine`): off unless the runtime chose a style for rank 0.
    public let progress: ProgressStyle

    /// `prefix` starts every line (e.g. a sweep group's name, for a communicator that is part of the job).
    public init(rank: Int, size: Int, level: Logger.Level, progress: ProgressStyle = .off, prefix group: String = "") {
        self.progress = rank == 0 ? progress : .off
        let prefix = group + "[rank \(rank)/\(size)] "
        root = Logger(label: "sage-mpi") { _ in
            RankLogHandler(prefix: group, enabled: rank == 0, logLevel: level)
        }
        all = Logger(label: "sage-mpi.rank") { _ in
            RankLogHandler(prefix: prefix, enabled: true, logLevel: level)
        }
    }
}

/// Formats one line per message: `<prefix><level: >message<  key=value ...>`; info and notice carry no level word.
public struct RankLogHandler: LogHandler {
    public var logLevel: Logger.Level
    public var metadata: Logger.Metadata = [:]
    let prefix: String
    let enabled: Bool
    let write: @Sendable (String) -> Void

    public init(prefix: String, enabled: Bool, logLevel: Logger.Level,
                write: @escaping @Sendable (String) -> Void = RankLogHandler.writeToStandardError) {
        self.prefix = prefix
        self.enabled = enabled
        self.logLevel = logLevel
        self.write = write
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        guard enabled else { return }
        write(Self.format(prefix: prefix, level: event.level, message: "\(event.message)",
                          metadata: metadata.merging(event.metadata ?? [:]) { $1 }))
    }

    public static func format(prefix: String, level: Logger.Level, message: String, metadata: Logger.Metadata) -> String {
        let tag = (level == .info || level == .notice) ? "" : "\(level.rawValue): "
        let extra = metadata.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        return prefix + tag + message + (extra.isEmpty ? "" : "  " + extra) + "\n"
    }

    /// One write(2) per line, so lines from concurrent ranks do not interleave mid-line.
    @Sendable public static func writeToStandardError(_ line: String) {
        LiveLine.standardError.clear()  // a live progress line gives way; its task redraws it
        FileHandle.standardError.write(Data(line.utf8))
    }
}
