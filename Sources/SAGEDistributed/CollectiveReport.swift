import Foundation

/// Ranks of one communicator as a message names them: "rank 1", "ranks 1, 2", with world ranks in a
/// sub-communicator ("rank 1 (world rank 3)").
struct RankNames: Sendable {
    /// World rank of each rank of the communicator; nil for the world communicator itself.
    let worldRanks: [Int]?
    /// Ranks listed before "and N more".
    static let listed = 16

    func callAsFunction(_ ranks: [Int]) -> String {
        let shown = ranks.prefix(Self.listed).map { rank in
            worldRanks.map { "\(rank) (world rank \($0[rank]))" } ?? "\(rank)"
        }
        let more = ranks.count > Self.listed ? " and \(ranks.count - Self.listed) more" : ""
        return (ranks.count == 1 ? "rank " : "ranks ") + shown.joined(separator: ", ") + more
    }

    func callAsFunction(_ rank: Int) -> String { self([rank]) }
}

/// The one message printed before a collective timeout ends the job.
enum CollectiveReport {
    static let hint = "raise --collective-timeout (or SAGE_COLLECTIVE_TIMEOUT) if a rank legitimately needs longer"

    /// Rank 0's report. `waiter` waited `waited` seconds in call `position` (rank 0 itself, or the rank whose
    /// notice rank 0 received); `latest` is rank 0's arrival book; `answers[r]` is the call rank r said it is
    /// waiting in when rank 0 asked, nil if it did not answer (stopped, hung or busy outside any collective).
    static func timeout(limit: CollectiveTimeout, size: Int, names: RankNames, waiter: Int, waited: Double,
                        position: CallPosition, latest: [CallPosition], answers: [CallPosition?]) -> String {
        var problems: [(key: String, ranks: [Int])] = []
        func note(_ rank: Int, _ key: String) {
            if let i = problems.firstIndex(where: { $0.key == key }) { problems[i].ranks.append(rank) } else { problems.append((key, [rank])) }
        }
        for rank in 0..<size where rank != waiter {
            if let answer = answers[rank] {
                if answer != position { note(rank, "are waiting in call \(answer.description)") }
                continue
            }
            let last = latest[rank]
            if last.sequence < position.sequence {
                let seen = last.sequence == 0 ? "no call yet" : "last call \(last.description)"
                note(rank, "did not arrive (\(seen)) and do not respond: stopped, hung or busy outside any collective")
            } else if last.sequence == position.sequence {
                note(rank, "arrived but do not respond: stopped or killed inside the call")
            } else {
                note(rank, "were last seen entering call \(last.description) and do not respond")
            }
        }
        let findings = problems.isEmpty
            ? "every rank is inside this call, so MPI itself does not complete it"
            : problems.map { problem in
                let verb = problem.ranks.count == 1 ? singular(problem.key) : problem.key
                return "\(names(problem.ranks)) \(verb)"
            }.joined(separator: "; ")
        return "collective timeout (limit \(limit.limitText)): \(names(waiter)) waited \(secondsText(waited)) in call "
            + "\(position.description) on \(size) ranks; \(findings). Ending the job; \(hint)."
    }

    /// The report of a rank other than 0 that waited its grace period too without rank 0 (the only rank that knows
    /// who arrived) ending the job.
    static func rankZeroSilent(limit: CollectiveTimeout, size: Int, names: RankNames, rank: Int, waited: Double,
                               extra: Double, position: CallPosition) -> String {
        "collective timeout (limit \(limit.limitText)): \(names(rank)) waited \(secondsText(waited)) in call "
            + "\(position.description) on \(size) ranks, and \(secondsText(extra)) more for rank 0 to report; "
            + "\(names(0)) did not: it is stopped, hung, or busy outside this call. Ending the job; \(hint)."
    }

    /// A finding's verb for one rank: "are waiting" -> "is waiting", "do not respond" -> "does not respond".
    private static func singular(_ plural: String) -> String {
        plural.replacingOccurrences(of: "do not respond", with: "does not respond")
            .replacingOccurrences(of: "are waiting", with: "is waiting")
            .replacingOccurrences(of: "were last seen", with: "was last seen")
    }
}
