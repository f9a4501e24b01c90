import Foundation
import Logging

/// How rank 0 shows progress on long work: `live`, one line redrawn in place on a terminal (carriage return and
/// clear-to-end-of-line); `plain`, a log line at a bounded rate (Slurm logs, CI, files); `off` (--quiet, other
/// ranks, a log level above info).
public enum ProgressStyle: Sendable {
    case live, plain, off

    /// `live` when standard error is a terminal that understands the escape (TERM set and not "dumb"), else
    /// `plain`; `requested` (SAGE_PROGRESS: live, plain or off) chooses instead, e.g. live under mpirun, whose
    /// ranks write to a pipe even when mpirun itself writes to a terminal.
    public static func resolve(quiet: Bool, rank: Int, level: Logger.Level,
                               requested: String? = ProcessInfo.processInfo.environment["SAGE_PROGRESS"],
                               isTerminal: Bool = isatty(STDERR_FILENO) != 0,
                               term: String? = ProcessInfo.processInfo.environment["TERM"]) -> ProgressStyle {
        if quiet || rank != 0 || level > .info { return .off }
        switch requested {
        case "live": return .live
        case "plain": return .plain
        case "off": return .off
        default: return isTerminal && term != nil && term != "dumb" ? .live : .plain
        }
    }
}

/// Progress of one long task on rank 0 ("prepare: rank 0 120/600 regions (20%), 3.1 regions/s, ETA 2m35s", then
/// the caller's detail, e.g. train's loss and learning rate). `update` is cheap when nothing is drawn (the detail is
/// an autoclosure), so it can be called every item or step. Live: redrawn at most every `liveInterval`
/// seconds and on the last item; log lines printed meanwhile clear the line first (`LiveLine`). Plain: a log
/// line at most every `plainInterval` seconds and on the last item.
public final class ProgressLine {
    /// The command ("train"), whose part this is ("rank 0": its own share of the regions), what is counted.
    public let task: String, scope: String, unit: String
    public private(set) var total: Int
    let style: ProgressStyle, log: RankLog
    let started = Date(), startDone: Int
    var lastDrawn: Date, finishedDrawn = false
    /// Seconds between plain lines (as the commands printed before live lines) and between live redraws.
    public var plainInterval = 5.0, liveInterval = 0.1

    /// `start`: items already done before this process (a resumed run), left out of the rate.
    public init(task: String, scope: String = "", total: Int, unit: String, log: RankLog, start: Int = 0) {
        self.task = task; self.scope = scope; self.total = total; self.unit = unit; self.log = log; self.style = log.progress; startDone = start
        lastDrawn = style == .live ? .distantPast : started  // the first plain line after `plainInterval`, as before
    }

    public func update(_ done: Int, of total: Int? = nil, detail: @autoclosure () -> String = "") {
        guard style != .off else { return }
        if let total { self.total = total }
        let last = done >= self.total
        let interval = style == .live ? liveInterval : plainInterval
        guard (last && !finishedDrawn) || Date().timeIntervalSince(lastDrawn) >= interval else { return }
        lastDrawn = Date()
        if last { finishedDrawn = true }
        let text = line(done: done, detail: detail())
        if style == .live { LiveLine.standardError.show(text) } else { log.root.info("\(text)") }
    }

    /// Ends the live line (the next output starts on a clean line); nothing in plain style.
    public func finish() {
        if style == .live { LiveLine.standardError.clear() }
    }

    /// "task: scope done/total unit (p%), r unit/s, ETA t  detail".
    func line(done: Int, detail: String) -> String {
        let elapsed = Date().timeIntervalSince(started), fresh = Double(max(done - startDone, 0))
        let rate = fresh / max(elapsed, 1e-9)
        let percent = total > 0 ? Int((Double(done) / Double(total) * 100).rounded(.down)) : 100
        var text = "\(task): \(scope.isEmpty ? "" : scope + " ")\(done)/\(total) \(unit) (\(percent)%)"
        if fresh > 0 {
            text += ", \(String(format: rate >= 10 ? "%.0f" : "%.2f", rate)) \(unit)/s"
            if done < total { text += ", ETA \(duration(Double(total - done) / rate))" }
        }
        return detail.isEmpty ? text : text + "  " + detail
    }
}

/// The one live line on standard error: drawn with a carriage return and clear-to-end-of-line, cut to the
/// terminal's width (a wrapped line could not be redrawn in place); cleared before any log line is written.
public final class LiveLine: @unchecked Sendable {
    public static let standardError = LiveLine()
    private let lock = NSLock()
    private var visible = false

    func show(_ text: String) {
        lock.lock(); defer { lock.unlock() }
        let width = Self.terminalColumns()
        let cut = text.count >= width ? String(text.prefix(max(width - 1, 10))) : text
        write("\r" + cut + "\u{1B}[K")
        visible = true
    }

    /// Removes the line, if one is shown (the cursor goes back to the line's start).
    public func clear() {
        lock.lock(); defer { lock.unlock() }
        if visible { write("\r\u{1B}[K"); visible = false }
    }

    private func write(_ s: String) { FileHandle.standardError.write(Data(s.utf8)) }

    static func terminalColumns() -> Int {
        var size = winsize()
        if ioctl(STDERR_FILENO, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 { return Int(size.ws_col) }
        return Int(ProcessInfo.processInfo.environment["COLUMNS"] ?? "") ?? 100
    }
}

/// A duration for people: "42s", "3m07s", "2h05m" ("?" when not finite).
public func duration(_ seconds: Double) -> String {
    guard seconds.isFinite else { return "?" }
    let s = Int(seconds.rounded())
    return s >= 3600 ? String(format: "%dh%02dm", s / 3600, s % 3600 / 60) : s >= 60 ? String(format: "%dm%02ds", s / 60, s % 60) : "\(s)s"
}
