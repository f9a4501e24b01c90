/// How long a rank waits inside one collective (barrier, allreduce, broadcast, gather, allgather, split) before it
/// ends the whole job, like PyTorch's process-group `timeout`. The clock starts when the rank starts waiting for
/// one MPI call, so each piece of a chunked allreduce gets the whole limit (a long call that keeps progressing
/// never times out). Rank 0 of each communicator knows which ranks have entered which call, so it is
/// the one that reports (naming the ranks that did not arrive); the other ranks wait `grace` longer (rank 1) or
/// twice that (the rest) before ending the job on their own, which happens only when rank 0 itself does not respond.
public struct CollectiveTimeout: Sendable, Equatable {
    /// The environment variable read when `--collective-timeout` is not given.
    public static let environmentKey = "SAGE_COLLECTIVE_TIMEOUT"
    /// PyTorch's default process-group timeout: 30 minutes.
    public static let defaultSeconds = 1800.0
    public static let `default` = CollectiveTimeout(seconds: defaultSeconds)
    /// Never time out (still sleeps instead of spinning during a long wait).
    public static let never = CollectiveTimeout(seconds: nil)

    /// Seconds a rank waits in one collective; nil: forever.
    public let seconds: Double?
    /// Extra seconds rank 1 waits after its own timeout for rank 0 to report (other ranks wait twice as long).
    public let grace: Double

    public init(seconds: Double?, grace: Double = 5) {
        self.seconds = seconds
        self.grace = grace
    }

    /// The timeout from `--collective-timeout` (`option`), else the environment variable, else the default.
    /// 0 means no timeout. Negative, non-finite or unparsable values are errors naming their source.
    public static func resolve(option: Double?, environment: [String: String]) throws -> CollectiveTimeout {
        if let option { return try checked(option, source: "--collective-timeout") }
        guard let text = environment[environmentKey] else { return .default }
        let value = Double(text.trimmingCharacters(in: .whitespaces))
        return try checked(value, source: environmentKey, shown: "'\(text)'")
    }

    private static func checked(_ value: Double?, source: String, shown: String? = nil) throws -> CollectiveTimeout {
        guard let value, value.isFinite, value >= 0 else {
            throw CommunicatorError(call: source, code: nil,
                                    message: "must be a number of seconds, 0 for no limit; got \(shown ?? value.map { "\($0)" } ?? "nothing")")
        }
        return CollectiveTimeout(seconds: value == 0 ? nil : value)
    }

    /// "5 s" or "30 min": the limit as a person reads it.
    var limitText: String {
        guard let seconds else { return "no limit" }
        if seconds >= 120, seconds.truncatingRemainder(dividingBy: 60) == 0 { return "\(Int(seconds) / 60) min" }
        return secondsText(seconds)
    }
}

/// Seconds for a message: "5 s", "2.5 s", "1.3 s" (one decimal unless whole).
func secondsText(_ seconds: Double) -> String {
    let tenths = (seconds * 10).rounded()
    return tenths.truncatingRemainder(dividingBy: 10) == 0 ? "\(Int(tenths / 10)) s" : "\(tenths / 10) s"
}
