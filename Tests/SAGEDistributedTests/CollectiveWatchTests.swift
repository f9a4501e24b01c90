import Testing
@testable import SAGEDistributed

/// The MPI-free parts of the collective timeout: the limit's sources, the signatures ranks send rank 0, rank 0's
/// arrival book and the one report it prints. (Under real mpirun: IntegrationTests/CollectiveTimeoutTests.)
@Suite struct CollectiveWatchTests {
    let allreduce = CollectiveSignature.allreduce(.float32, count: 10, op: .sum)
    let barrier = CollectiveSignature.barrier

    @Test func timeoutComesFromTheOptionThenTheEnvironmentThenTheDefault() throws {
        let key = CollectiveTimeout.environmentKey
        #expect(try CollectiveTimeout.resolve(option: 5, environment: [key: "7"]).seconds == 5)
        #expect(try CollectiveTimeout.resolve(option: nil, environment: [key: " 7.5 "]).seconds == 7.5)
        #expect(try CollectiveTimeout.resolve(option: nil, environment: [:]).seconds == 1800)
        #expect(try CollectiveTimeout.resolve(option: 0, environment: [:]).seconds == nil)
        #expect(try CollectiveTimeout.resolve(option: nil, environment: [key: "0"]) == .never)
        for bad in ["soon", "-1", "inf", "nan", ""] {
            #expect(throws: CommunicatorError.self) { try CollectiveTimeout.resolve(option: nil, environment: [key: bad]) }
        }
        #expect(throws: CommunicatorError.self) { try CollectiveTimeout.resolve(option: -0.5, environment: [:]) }
        #expect(CollectiveTimeout.default.limitText == "30 min")
        #expect(CollectiveTimeout(seconds: 2.5).limitText == "2.5 s")
    }

    @Test func signaturesSurviveTheWire() {
        var all: [CollectiveSignature] = [.barrier, .split]
        for element in [CommElementKind.float32, .float64, .int32, .int64, .uint8] {
            all += ReduceOp.allCases.map { .allreduce(element, count: 10_000_000, op: $0) }
            all += [.broadcast(element, count: 0, root: 0), .broadcast(element, count: 7, root: 63),
                    .gather(element, root: 2), .allgather(element)]
        }
        for signature in all {
            #expect(CollectiveSignature(wire: signature.wire) == signature, "\(signature)")
        }
        #expect(Set(all.map { "\($0.wire)" }).count == all.count, "two signatures share a wire form")
        #expect(CollectiveSignature(wire: (0, -1)) == nil)
        #expect(CollectiveSignature(wire: (99, -1)) == nil)
        #expect(CollectiveSignature(wire: (2 | 1 << 8, 3)) == nil, "an allreduce without a reduction")
        #expect("\(CollectiveSignature.allreduce(.float32, count: 10_000_000, op: .sum))" == "allreduce (sum, 10000000 float32)")
        #expect("\(CollectiveSignature.broadcast(.uint8, count: 5, root: 1))" == "broadcast (root 1, 5 uint8)")
        #expect("\(CollectiveSignature.gather(.int64, root: 0))" == "gather (root 0, int64)")
    }

    @Test func bookNamesTheRanksBehindAndFindsMismatchesEitherWayRound() {
        var book = ArrivalBook(size: 4)
        #expect(book.enter(CallPosition(sequence: 1, signature: barrier)) == nil)
        #expect(book.arrived(rank: 1, at: CallPosition(sequence: 1, signature: barrier)) == nil)
        #expect(book.arrived(rank: 2, at: CallPosition(sequence: 2, signature: allreduce)) == nil, "ahead of rank 0: not yet comparable")
        #expect(book.notArrived(at: 1) == [3])
        #expect(book.notArrived(at: 2) == [1, 3])
        // Rank 2 announced call 2 as an allreduce of 10 floats; rank 0 makes it a broadcast: found on entering.
        let broadcast = CollectiveSignature.broadcast(.float32, count: 10, root: 0)
        #expect(book.enter(CallPosition(sequence: 2, signature: broadcast))
            == CollectiveMismatch(sequence: 2, rank: 2, theirs: allreduce, ours: broadcast))
        // Rank 3 arrives late at call 2 with another length: found on arrival.
        let longer = CollectiveSignature.broadcast(.float32, count: 11, root: 0)
        #expect(book.arrived(rank: 3, at: CallPosition(sequence: 2, signature: longer))
            == CollectiveMismatch(sequence: 2, rank: 3, theirs: longer, ours: broadcast))
        #expect(book.arrived(rank: 1, at: CallPosition(sequence: 2, signature: broadcast)) == nil)
        // A call rank 0 made more than `history` calls ago is no longer compared.
        for sequence in 3...Int64(3 + ArrivalBook.history) { _ = book.enter(CallPosition(sequence: sequence, signature: barrier)) }
        #expect(book.arrived(rank: 1, at: CallPosition(sequence: 3, signature: allreduce)) == nil)
    }

    @Test func timeoutReportNamesEachRankByWhatRankZeroKnows() {
        let call = CallPosition(sequence: 3, signature: allreduce)
        let earlier = CallPosition(sequence: 2, signature: barrier)
        let later = CallPosition(sequence: 4, signature: barrier)
        // Ranks 1 and 4 never arrived, rank 2 arrived then went silent, rank 3 waits in another call, 5 waits here.
        let latest = [call, earlier, call, later, .start, call]
        let answers: [CallPosition?] = [call, nil, nil, later, nil, call]
        let text = CollectiveReport.timeout(limit: CollectiveTimeout(seconds: 5), size: 6, names: RankNames(worldRanks: nil),
                                            waiter: 0, waited: 5.04, position: call, latest: latest, answers: answers)
        #expect(text.hasPrefix("collective timeout (limit 5 s): rank 0 waited 5 s in call #3, allreduce (sum, 10 float32) on 6 ranks; "), "\(text)")
        #expect(text.contains("rank 1 did not arrive (last call #2, barrier) and does not respond"), "\(text)")
        #expect(text.contains("rank 4 did not arrive (no call yet) and does not respond"), "\(text)")
        #expect(text.contains("rank 2 arrived but does not respond: stopped or killed inside the call"), "\(text)")
        #expect(text.contains("rank 3 is waiting in call #4, barrier"), "\(text)")
        #expect(!text.contains("rank 5"), "\(text)")
        #expect(text.split(separator: "\n").count == 1)

        // Several ranks alike are named together; a sub-communicator names world ranks; a notice's sender is the waiter.
        let grouped = CollectiveReport.timeout(limit: CollectiveTimeout(seconds: 60), size: 3, names: RankNames(worldRanks: [1, 3, 5]),
                                               waiter: 1, waited: 60, position: call, latest: [call, call, earlier],
                                               answers: [call, call, nil])
        #expect(grouped.contains("rank 1 (world rank 3) waited 60 s in call #3"), "\(grouped)")
        #expect(grouped.contains("rank 2 (world rank 5) did not arrive"), "\(grouped)")
        let two = CollectiveReport.timeout(limit: .default, size: 3, names: RankNames(worldRanks: nil), waiter: 0, waited: 1800,
                                           position: call, latest: [call, earlier, earlier], answers: [call, nil, nil])
        #expect(two.contains("(limit 30 min)") && two.contains("ranks 1, 2 did not arrive (last call #2, barrier) and do not respond"), "\(two)")
        let inside = CollectiveReport.timeout(limit: CollectiveTimeout(seconds: 5), size: 2, names: RankNames(worldRanks: nil),
                                              waiter: 0, waited: 5, position: call, latest: [call, call], answers: [call, call])
        #expect(inside.contains("every rank is inside this call"), "\(inside)")
    }

    @Test func rankNamesListAtMostSixteen() {
        let names = RankNames(worldRanks: nil)
        #expect(names([7]) == "rank 7")
        #expect(names(Array(1...20)) == "ranks " + (1...16).map(String.init).joined(separator: ", ") + " and 4 more")
    }
}
