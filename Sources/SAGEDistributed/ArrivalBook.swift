/// One rank's place in the sequence of collective calls: the number of the call (1, 2, ... per communicator, the
/// same on every rank when every rank makes the same calls) and what the call is.
struct CallPosition: Equatable, Sendable {
    /// 0: no call yet.
    var sequence: Int64
    var signature: CollectiveSignature?

    static let start = CallPosition(sequence: 0, signature: nil)

    /// "#3, allreduce (sum, 4 float32)" or "none yet".
    var description: String {
        sequence == 0 ? "none yet" : "#\(sequence), \(signature?.description ?? "an unknown call")"
    }
}

/// Rank 0's record of the latest call each rank of one communicator has entered, filled from the arrival message
/// every other rank sends on entering a call. It names the ranks that have not arrived when a call times out, and
/// finds a rank that entered a different call under the same number (a mismatch, which would otherwise deadlock or
/// silently combine unrelated buffers).
struct ArrivalBook {
    /// Index = rank; entry 0 is rank 0's own current call.
    private(set) var latest: [CallPosition]
    /// Rank 0's last `history` calls, index = sequence mod history, to check arrivals that come in late.
    private var own: [CallPosition]
    static let history = 64

    init(size: Int) {
        latest = [CallPosition](repeating: .start, count: size)
        own = [CallPosition](repeating: .start, count: Self.history)
    }

    /// Rank 0 enters a call. Returns a rank already seen in a different call under the same number.
    mutating func enter(_ position: CallPosition) -> CollectiveMismatch? {
        latest[0] = position
        own[Int(position.sequence % Int64(Self.history))] = position
        for rank in latest.indices.dropFirst() where latest[rank].sequence == position.sequence {
            if let mismatch = compare(rank: rank, latest[rank]) { return mismatch }
        }
        return nil
    }

    /// `rank` announced that it entered a call. Returns a mismatch with rank 0's own call of that number, if rank 0
    /// has made it (recently enough to remember).
    mutating func arrived(rank: Int, at position: CallPosition) -> CollectiveMismatch? {
        latest[rank] = position
        return compare(rank: rank, position)
    }

    /// Ranks other than 0 whose latest announced call comes before call `sequence`.
    func notArrived(at sequence: Int64) -> [Int] {
        latest.indices.dropFirst().filter { latest[$0].sequence < sequence }
    }

    private func compare(rank: Int, _ position: CallPosition) -> CollectiveMismatch? {
        let mine = own[Int(position.sequence % Int64(Self.history))]
        guard position.sequence > 0, mine.sequence == position.sequence, mine.signature != position.signature else { return nil }
        return CollectiveMismatch(sequence: position.sequence, rank: rank, theirs: position.signature, ours: mine.signature)
    }
}

/// Two ranks in different collective calls under the same number: a bug in the caller (every rank must make the
/// same calls in the same order), reported instead of a deadlock or a wrong result.
struct CollectiveMismatch: Equatable {
    let sequence: Int64
    let rank: Int
    let theirs: CollectiveSignature?
    let ours: CollectiveSignature?

    func message(names: RankNames) -> String {
        "collective mismatch: call #\(sequence) is \(ours?.description ?? "an unknown call") on \(names(0)) but "
            + "\(theirs?.description ?? "an unknown call") on \(names(rank)); every rank must make the same collective "
            + "calls in the same order, with the same lengths, reductions and roots"
    }
}
