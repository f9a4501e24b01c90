import CMPI
import Foundation

/// The machinery behind collective timeouts for one MPI communicator (see `CollectiveTimeout`).
///
/// - A control communicator (MPI_Comm_idup of the user's), so control messages never meet collective traffic.
/// - `begin` numbers each collective call (1, 2, ...). Every rank but 0 then sends rank 0 an arrival message of
///   4 Int64 words [call number, signature word 0, signature word 1, flag] from a ring of send slots (flag 1: "my
///   timeout passed in this call"). Rank 0 keeps one persistent receive per other rank posted and files what
///   arrives in an `ArrivalBook` (a different call under the same number ends the job as a mismatch).
/// - `wait` polls a non-blocking collective's request with MPI_Test: in a tight loop for the first second (OpenMPI
///   progresses non-blocking collectives only inside MPI calls, so a large allreduce needs the spin), then with
///   0.5 ms sleeps, so that a long wait does not burn a core.
/// - Past the timeout, rank 0 asks every other rank which call it is waiting in (ping, answered from inside their
///   own waits), prints one report naming the ranks that did not arrive or do not respond, and calls MPI_Abort.
///   Rank 0 also reports when another rank's notice comes in while rank 0 waits in the same call (rank 0 may have
///   entered later): at once if someone is missing, else if the call does not complete within 1 s. The other
///   ranks end the job themselves only after `grace` more, saying that rank 0 did not report.
///
/// - Several non-blocking collectives may be in flight (`begin(_:inFlight:)`, `wait(_:call:in:)`, `completed`):
///   each is numbered when it starts, and a wait reports the call it waits in.
///
/// Cost per call: rank 0 one MPI_Testsome over the other ranks' receives (plus a restart per message), each other
/// rank one MPI_Test and one MPI_Isend of 32 bytes. Used by one thread at a time (MPI_THREAD_SERIALIZED).
final class MPIWatch: @unchecked Sendable {
    let timeout: CollectiveTimeout
    private let control: MPI_Comm
    private let rank: Int
    private let size: Int
    private let names: RankNames

    /// The call this rank is in: the one it waits in, else the last one it began.
    private var position = CallPosition.start
    /// The last call begun (calls are numbered in the order they begin).
    private var latest = CallPosition.start
    /// Calls begun in flight and not yet completed (non-blocking collectives), oldest first.
    private var inFlightCalls: [Int64] = []

    // Ranks other than 0.
    private static let sendSlots = 8
    private let sendWords: UnsafeMutablePointer<Int64>
    private let sendRequests: UnsafeMutablePointer<MPI_Request?>
    private var sends = 0
    /// When the wait this rank last sent a notice for began (MPI_Wtime), so that each wait sends at most one.
    private var noticed = -1.0
    private let pingWord: UnsafeMutablePointer<Int64>
    private let pingRequest: UnsafeMutablePointer<MPI_Request?>
    private let pongWords: UnsafeMutablePointer<Int64>
    private var pingAnswered = false

    // Rank 0.
    private var book: ArrivalBook
    private let arrivalWords: UnsafeMutablePointer<Int64>
    private let arrivals: UnsafeMutablePointer<MPI_Request?>
    private let completed: UnsafeMutablePointer<Int32>
    private var notices: [(rank: Int, position: CallPosition)] = []
    /// The notice of a rank whose timeout passed in the current call although every rank had arrived (someone
    /// may have stopped inside it): from then on each piece of the call gets `hurriedSeconds`, so that rank 0
    /// reports (for that rank) before that rank gives up on rank 0.
    private var hurriedBy: (rank: Int, position: CallPosition)?

    private enum Tag: Int32 { case arrival = 1, ping, pong }
    private static let words = 4
    /// While spinning, the clock is read and control messages are handled once per this many polls.
    private static let pollsPerService = 128
    private static let spinSeconds = 1.0
    private static let sleepMicroseconds: UInt32 = 500
    /// How long rank 0 waits for the other ranks to say where they are before it reports.
    private static let answerSeconds = 0.5
    /// The limit on a piece of a hurried call: once every rank has arrived, a piece takes milliseconds.
    private static let hurriedSeconds = 1.0

    /// Every watch created, so that `MPIRuntime.finalize` can retire their requests.
    nonisolated(unsafe) static var all: [MPIWatch] = []

    /// Duplicates `comm` (collective: every rank of `comm` calls it) and posts the control receives.
    init(comm: MPI_Comm, rank: Int, size: Int, worldRanks: [Int]?, timeout: CollectiveTimeout) throws {
        self.timeout = timeout
        self.rank = rank
        self.size = size
        names = RankNames(worldRanks: worldRanks)
        var duplicate: MPI_Comm? = cmpi_comm_null()
        var request: MPI_Request? = cmpi_request_null()
        try check(MPI_Comm_idup(comm, &duplicate, &request), "MPI_Comm_idup")
        try Self.poll(&request, call: "MPI_Comm_idup") { now, posted in
            if let limit = timeout.seconds, now - posted > limit + timeout.grace {
                abortJob("collective timeout (limit \(timeout.limitText)): creating a \(size)-rank communicator did not complete on every rank")
            }
        }
        guard let duplicate else { throw CommunicatorError(call: "MPI_Comm_idup", code: nil, message: "returned a null communicator") }
        control = duplicate
        try check(MPI_Comm_set_errhandler(control, cmpi_errors_return()), "MPI_Comm_set_errhandler")

        let others = rank == 0 ? size - 1 : 0
        book = ArrivalBook(size: rank == 0 ? size : 0)
        arrivalWords = .allocate(capacity: others * Self.words)
        arrivals = .allocate(capacity: others)
        arrivals.initialize(repeating: cmpi_request_null(), count: others)
        completed = .allocate(capacity: others)
        let slots = rank == 0 ? 0 : Self.sendSlots
        sendWords = .allocate(capacity: slots * Self.words)
        sendRequests = .allocate(capacity: slots)
        sendRequests.initialize(repeating: cmpi_request_null(), count: slots)
        pingWord = .allocate(capacity: 1)
        pongWords = .allocate(capacity: Self.words)
        pingRequest = .allocate(capacity: 1)
        pingRequest.initialize(to: cmpi_request_null())

        if rank == 0 {
            for index in 0..<others {
                try check(MPI_Recv_init(arrivalWords + index * Self.words, Int32(Self.words), cmpi_int64(), Int32(index + 1),
                                        Tag.arrival.rawValue, control, arrivals + index), "MPI_Recv_init")
                try check(MPI_Start(arrivals + index), "MPI_Start")
            }
        } else {
            try check(MPI_Irecv(pingWord, 1, cmpi_int64(), 0, Tag.ping.rawValue, control, pingRequest), "MPI_Irecv")
        }
        Self.all.append(self)
    }

    // MARK: the calls

    /// Enters the next collective call: numbers it and tells rank 0 (or, on rank 0, files it and reads arrivals).
    /// `inFlight`: a non-blocking collective that stays in flight after this returns, until `completed`.
    @discardableResult
    func begin(_ signature: CollectiveSignature, inFlight: Bool = false) throws -> CallPosition {
        latest = CallPosition(sequence: latest.sequence + 1, signature: signature)
        position = latest
        if inFlight { inFlightCalls.append(latest.sequence) }
        if rank == 0 {
            if let mismatch = book.enter(position) { abortJob(mismatch.message(names: names)) }
            drainArrivals(repeating: false)
            let oldest = inFlightCalls.first ?? position.sequence
            notices.removeAll { $0.position.sequence < oldest }
        } else {
            try announce(flag: 0)
        }
        return latest
    }

    /// A call begun in flight has completed.
    func completed(_ call: CallPosition) {
        inFlightCalls.removeAll { $0 == call.sequence }
    }

    /// Waits for a request of the current call, or of `call` begun earlier and still in flight (one piece of it:
    /// the limit applies to each MPI call, so a long chunked allreduce that keeps progressing never times out);
    /// ends the job when its time is up.
    func wait(_ request: inout MPI_Request?, call name: String, in call: CallPosition? = nil) throws {
        let previous = position
        if let call { position = call }
        defer { position = previous }
        try Self.poll(&request, call: name) { now, posted in service(now: now, waited: now - posted, posted: posted) }
    }

    /// Polls `request` until it completes: MPI_Test in a tight loop for `spinSeconds`, then with sleeps;
    /// `service(now, posted)` runs every `pollsPerService` polls while spinning and after every poll afterwards
    /// (`posted`: when the poll began, MPI_Wtime).
    private static func poll(_ request: inout MPI_Request?, call: String, service: (Double, Double) -> Void) throws {
        var done: Int32 = 0
        try check(MPI_Test(&request, &done, nil), call)
        if done != 0 { return }
        let posted = MPI_Wtime()
        var spinning = true
        var polls = 0
        while true {
            try check(MPI_Test(&request, &done, nil), call)
            if done != 0 { return }
            if spinning {
                polls &+= 1
                if polls % pollsPerService != 0 { continue }
            }
            let now = MPI_Wtime()
            service(now, posted)
            if spinning {
                spinning = now - posted < spinSeconds
            } else {
                usleep(sleepMicroseconds)
            }
        }
    }

    /// Control work during a wait: arrivals, notices and the deadline on rank 0; pings, the notice and the later
    /// deadline elsewhere.
    private func service(now: Double, waited: Double, posted: Double) {
        if rank == 0 {
            drainArrivals(repeating: true)
            if let notice = notices.first(where: { $0.position.sequence == position.sequence }) {
                if !book.notArrived(at: position.sequence).isEmpty {
                    reportAndAbort(waiter: notice.rank, waited: timeout.seconds ?? waited, asked: notice.position)
                }
                hurriedBy = notice
                notices.removeAll { $0.position.sequence == position.sequence }
            }
            guard let limit = timeout.seconds else { return }
            if let hurriedBy, hurriedBy.position.sequence == position.sequence, waited >= Self.hurriedSeconds {
                reportAndAbort(waiter: hurriedBy.rank, waited: limit, asked: hurriedBy.position)
            }
            if waited >= limit { reportAndAbort(waiter: 0, waited: waited, asked: position) }
        } else {
            answerPing()
            guard let limit = timeout.seconds else { return }
            if waited >= limit, noticed != posted {
                noticed = posted
                do { try announce(flag: 1) } catch { abortJob("collective timeout: could not tell rank 0: \(error)") }
            }
            let extra = timeout.grace * (rank == 1 ? 1 : 2)
            if waited >= limit + extra {
                abortJob(CollectiveReport.rankZeroSilent(limit: timeout, size: size, names: names, rank: rank,
                                                         waited: limit, extra: waited - limit, position: position))
            }
        }
    }

    // MARK: ranks other than 0

    /// Sends rank 0 [call number, signature, flag] from the next send slot (after its previous send completed,
    /// which it has unless rank 0 has not progressed for `sendSlots` calls).
    private func announce(flag: Int64) throws {
        let slot = sends % Self.sendSlots
        sends &+= 1
        let request = sendRequests + slot
        try wait(&request.pointee, call: "MPI_Isend")
        let words = sendWords + slot * Self.words
        let wire = position.signature?.wire ?? (0, -1)
        words[0] = position.sequence
        words[1] = wire.0
        words[2] = wire.1
        words[3] = flag
        try check(MPI_Isend(words, Int32(Self.words), cmpi_int64(), 0, Tag.arrival.rawValue, control, request), "MPI_Isend")
    }

    /// Answers rank 0's one question (it asks only just before it ends the job): the call this rank waits in.
    private func answerPing() {
        guard !pingAnswered else { return }
        var done: Int32 = 0
        guard MPI_Test(pingRequest, &done, nil) == MPI_SUCCESS, done != 0 else { return }
        pingAnswered = true
        let wire = position.signature?.wire ?? (0, -1)
        pongWords[0] = position.sequence
        pongWords[1] = wire.0
        pongWords[2] = wire.1
        pongWords[3] = 0
        var request: MPI_Request? = cmpi_request_null()
        // Freed at once: the job ends within a second, and pongWords lives as long as the watch.
        if MPI_Isend(pongWords, Int32(Self.words), cmpi_int64(), 0, Tag.pong.rawValue, control, &request) == MPI_SUCCESS {
            MPI_Request_free(&request)
        }
    }

    // MARK: rank 0

    /// Files every arrival message that has come in (`repeating`: until none is left; else one pass) and restarts
    /// its receive.
    private func drainArrivals(repeating: Bool) {
        guard size > 1 else { return }
        repeat {
            var count: Int32 = 0
            guard MPI_Testsome(Int32(size - 1), arrivals, &count, completed, nil) == MPI_SUCCESS else {
                abortJob("collective watch: MPI_Testsome failed on the arrival messages")
            }
            if count <= 0 { return }  // 0, or MPI_UNDEFINED when no receive is active
            for i in 0..<Int(count) {
                let index = Int(completed[i])
                let words = arrivalWords + index * Self.words
                let from = index + 1
                let arrived = CallPosition(sequence: words[0], signature: CollectiveSignature(wire: (words[1], words[2])))
                let isNotice = words[3] == 1
                guard MPI_Start(arrivals + index) == MPI_SUCCESS else { abortJob("collective watch: MPI_Start failed") }
                if let mismatch = book.arrived(rank: from, at: arrived) { abortJob(mismatch.message(names: names)) }
                if isNotice { notices.append((from, arrived)) }
            }
        } while repeating
    }

    /// Asks every other rank where it is (waiting at most `answerSeconds`), prints the report and ends the job.
    private func reportAndAbort(waiter: Int, waited: Double, asked: CallPosition) -> Never {
        drainArrivals(repeating: true)
        var answers = [CallPosition?](repeating: nil, count: size)
        answers[0] = position
        answers[waiter] = asked
        let others = size - 1
        let question = UnsafeMutablePointer<Int64>.allocate(capacity: 1)
        question.pointee = position.sequence
        let replies = UnsafeMutablePointer<Int64>.allocate(capacity: others * Self.words)
        let requests = UnsafeMutablePointer<MPI_Request?>.allocate(capacity: 2 * others)
        requests.initialize(repeating: cmpi_request_null(), count: 2 * others)
        for index in 0..<others {
            _ = MPI_Irecv(replies + index * Self.words, Int32(Self.words), cmpi_int64(), Int32(index + 1), Tag.pong.rawValue,
                          control, requests + index)
            _ = MPI_Isend(question, 1, cmpi_int64(), Int32(index + 1), Tag.ping.rawValue, control, requests + others + index)
        }
        let until = MPI_Wtime() + Self.answerSeconds
        var pending = Array(1..<size)
        while !pending.isEmpty, MPI_Wtime() < until {
            pending.removeAll { from in
                var done: Int32 = 0
                guard MPI_Test(requests + from - 1, &done, nil) == MPI_SUCCESS, done != 0 else { return false }
                let words = replies + (from - 1) * Self.words
                answers[from] = CallPosition(sequence: words[0], signature: CollectiveSignature(wire: (words[1], words[2])))
                return true
            }
            drainArrivals(repeating: true)
            usleep(Self.sleepMicroseconds)
        }
        abortJob(CollectiveReport.timeout(limit: timeout, size: size, names: names, waiter: waiter, waited: waited,
                                          position: asked, latest: book.latest, answers: answers))
    }

    // MARK: end of the job

    /// Retires the control requests before MPI_Finalize: rank 0 first collects the arrival messages of the last
    /// calls (so none is left unmatched), then cancels its receives; the other ranks complete their sends and
    /// cancel the ping receive. Bounded: gives up after a few seconds (MPI_Finalize then decides).
    func retire() {
        let until = MPI_Wtime() + 5
        if rank == 0 {
            while !book.notArrived(at: latest.sequence).isEmpty, MPI_Wtime() < until {
                drainArrivals(repeating: true)
                usleep(100)
            }
            for index in 0..<max(size - 1, 0) {
                MPI_Cancel(arrivals + index)
                MPI_Wait(arrivals + index, nil)
                MPI_Request_free(arrivals + index)
            }
        } else {
            for slot in 0..<Self.sendSlots {
                var done: Int32 = 0
                while MPI_Test(sendRequests + slot, &done, nil) == MPI_SUCCESS, done == 0, MPI_Wtime() < until { usleep(100) }
            }
            if !pingAnswered {
                MPI_Cancel(pingRequest)
                MPI_Wait(pingRequest, nil)
            }
        }
    }
}

/// Prints `message` as this rank's one error line and ends the whole job (MPI_Abort on the world communicator).
func abortJob(_ message: String) -> Never {
    RankLogHandler.writeToStandardError("\(MPIRuntime.worldPrefix)error: \(message)\n")
    fflush(nil)
    MPI_Abort(cmpi_comm_world(), 1)
    exit(1)
}
