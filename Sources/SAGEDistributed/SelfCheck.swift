import Foundation

/// Closed-form checks of every collective, run by all ranks of a communicator (`sage-mpi selftest`).
/// Each check fills rank-dependent buffers, runs one collective and compares every element with the value that
/// algebra predicts; the verdict of each check is agreed across ranks (a check fails if it failed anywhere).
public struct SelfCheck {
    public struct Result: Sendable {
        public let name: String
        /// Passed on every rank.
        public let passed: Bool
        /// What was checked and, on this rank, what was seen (values a reader can verify by hand).
        public let detail: String
        public let seconds: Double
    }

    public let comm: any Communicator
    /// Length of the large allreduce buffer (Float32).
    public let largeCount: Int

    public init(comm: any Communicator, largeCount: Int = 10_000_000) {
        self.comm = comm
        self.largeCount = largeCount
    }

    /// The checks' names, in the order `run` runs them.
    public static var checkNames: [String] { SelfCheck(comm: SingleProcessCommunicator(), largeCount: 1).checks.map(\.0) }

    /// Runs all checks in a fixed order. `beforeEach(name)` runs on this rank before each check (used by
    /// failure injection); an error it throws propagates.
    public func run(beforeEach: (String) throws -> Void = { _ in }) throws -> [Result] {
        var results: [Result] = []
        for (name, check) in checks {
            try beforeEach(name)
            let start = DispatchTime.now().uptimeNanoseconds
            let (ok, detail) = try check()
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            let agreed = try comm.allreduce(Int32(ok ? 1 : 0), op: .min) == 1
            results.append(Result(name: name, passed: agreed, detail: ok ? detail : "FAILED on this rank: \(detail)",
                                  seconds: seconds))
        }
        return results
    }

    private var checks: [(String, () throws -> (Bool, String))] {
        [
            ("barrier", barrier),
            ("allreduce.sum.float32.large", allreduceLargeSum),
            ("allreduce.max-min.float64", allreduceMaxMin),
            ("allreduce.sum.int64", allreduceIntSum),
            ("allreduce.int32-uint8", allreduceSmallTypes),
            ("allreduce.in-flight", allreduceInFlight),
            ("broadcast", broadcast),
            ("gather.variable-length", gatherVariable),
            ("allgather.variable-length", allgatherVariable),
            ("split", split),
            ("error.invalid-root", invalidRootError),
        ]
    }

    private var p: Int { comm.size }
    private var r: Int { comm.rank }

    func barrier() throws -> (Bool, String) {
        try comm.barrier()
        return (true, "\(p) ranks")
    }

    /// x_r[i] = (r + 1) + (i mod 7)  =>  sum_r x_r[i] = P(P+1)/2 + P (i mod 7), exact in Float32.
    func allreduceLargeSum() throws -> (Bool, String) {
        let n = largeCount
        var x = [Float](repeating: 0, count: n)
        for i in 0..<n { x[i] = Float(r + 1) + Float(i % 7) }
        try comm.allreduce(&x, op: .sum)
        let base = Float(p * (p + 1) / 2)
        var bad = -1
        for i in 0..<n where x[i] != base + Float(p * (i % 7)) { bad = i; break }
        let detail = "n=\(n) x[0]=\(fmt(x.first)) x[n-1]=\(fmt(x.last))"
        return bad < 0 ? (true, detail) : (false, "x[\(bad)]=\(x[bad]) expected \(base + Float(p * (bad % 7)))")
    }

    /// Three non-blocking allreduces in flight at once (slices of one buffer, as gradient buckets are), a blocking
    /// one started and finished while they are, progress by `test`, then waits in order:
    /// x_r[i] = (r + 1)(1 + i mod 5)  =>  sum = P(P+1)/2 (1 + i mod 5); y_r = r  =>  sum = P(P-1)/2.
    func allreduceInFlight() throws -> (Bool, String) {
        let n = max(3, min(largeCount, 300_000))
        var x = [Float](repeating: 0, count: n)
        for i in 0..<n { x[i] = Float((r + 1) * (1 + i % 5)) }
        var y = [Double(r)]
        let cuts = [0, n / 3, 2 * n / 3, n]
        let tested = try x.withUnsafeMutableBufferPointer { buffer -> Int in
            let pending = try (0..<3).reversed().map { k in
                try comm.startAllreduce(UnsafeMutableBufferPointer(rebasing: buffer[cuts[k]..<cuts[k + 1]]), op: .sum)
            }
            try comm.allreduce(&y, op: .sum)
            let done = try pending.filter { try $0.test() }.count
            for request in pending { try request.wait() }
            return done
        }
        let base = Float(p * (p + 1) / 2)
        var bad = -1
        for i in 0..<n where x[i] != base * Float(1 + i % 5) { bad = i; break }
        let detail = "n=\(n) in 3 slices, \(tested) of 3 complete after one test; x[n-1]=\(fmt(x.last)) y=\(y[0])"
        if bad >= 0 { return (false, "x[\(bad)]=\(x[bad]) expected \(base * Float(1 + bad % 5))") }
        return y[0] == Double(p * (p - 1) / 2) ? (true, detail) : (false, "y=\(y[0]) expected \(p * (p - 1) / 2)")
    }

    /// x_r[i] = 1000 r + (i mod 13)  =>  max = 1000 (P-1) + (i mod 13), min = i mod 13.
    func allreduceMaxMin() throws -> (Bool, String) {
        let n = 100_003
        var hi = (0..<n).map { Double(1000 * r + $0 % 13) }
        var lo = hi
        try comm.allreduce(&hi, op: .max)
        try comm.allreduce(&lo, op: .min)
        for i in 0..<n where hi[i] != Double(1000 * (p - 1) + i % 13) || lo[i] != Double(i % 13) {
            return (false, "i=\(i) max=\(hi[i]) min=\(lo[i])")
        }
        return (true, "n=\(n) max[1]=\(fmt(hi[1])) min[1]=\(fmt(lo[1]))")
    }

    /// x_r[i] = r i + 2^40  =>  sum = i P(P-1)/2 + P 2^40 (needs 64-bit integers).
    func allreduceIntSum() throws -> (Bool, String) {
        let n = 4099
        var x = (0..<n).map { r * $0 + (1 << 40) }
        try comm.allreduce(&x, op: .sum)
        for i in 0..<n where x[i] != i * p * (p - 1) / 2 + p * (1 << 40) {
            return (false, "x[\(i)]=\(x[i])")
        }
        return (true, "n=\(n) x[1]=\(x[1])")
    }

    /// Int32 sum of (r + 1) = P(P+1)/2; UInt8 max of r = P - 1 (clamped to 255).
    func allreduceSmallTypes() throws -> (Bool, String) {
        var a = [Int32](repeating: Int32(r + 1), count: 1000)
        var b = [UInt8](repeating: UInt8(clamping: r), count: 1000)
        try comm.allreduce(&a, op: .sum)
        try comm.allreduce(&b, op: .max)
        let ok = a.allSatisfy { $0 == Int32(p * (p + 1) / 2) } && b.allSatisfy { $0 == UInt8(clamping: p - 1) }
        return (ok, "int32 sum=\(a[0]) uint8 max=\(b[0])")
    }

    /// Root = last rank fills x[i] = 0.5 i + root; other ranks start from -1. Also a string.
    func broadcast() throws -> (Bool, String) {
        let root = p - 1
        let n = 70_001
        var x = r == root ? (0..<n).map { 0.5 * Double($0) + Double(root) } : [Double](repeating: -1, count: n)
        try comm.broadcast(&x, root: root)
        let text = try comm.broadcast(string: r == root ? "hello from rank \(root)" : "", root: root)
        let ok = (0..<n).allSatisfy { x[$0] == 0.5 * Double($0) + Double(root) } && text == "hello from rank \(root)"
        return (ok, "root=\(root) x[2]=\(fmt(x[2])) string=\"\(text)\"")
    }

    /// Rank q sends 1000 q + 3 values, value j = 10^6 q + j, to rank 0 and then to the last rank.
    func gatherVariable() throws -> (Bool, String) {
        let mine = (0..<(1000 * r + 3)).map { 1_000_000 * r + $0 }
        var ok = true
        var total = 0
        for root in Set([0, p - 1]).sorted() {
            let got = try comm.gather(mine, root: root)
            if r == root {
                guard let got, got.count == p else { return (false, "root \(root) got \(got?.count ?? 0) parts") }
                for q in 0..<p {
                    ok = ok && got[q] == (0..<(1000 * q + 3)).map { 1_000_000 * q + $0 }
                }
                total = got.reduce(0) { $0 + $1.count }
            } else {
                ok = ok && got == nil
            }
        }
        return (ok, r == 0 ? "total=\(total)" : "sent \(mine.count)")
    }

    /// Rank q contributes q + 1 copies of Float(q); rank 2 contributes nothing when present (empty parts work).
    func allgatherVariable() throws -> (Bool, String) {
        let count = r == 2 ? 0 : r + 1
        let got = try comm.allgather([Float](repeating: Float(r), count: count))
        let ok = got.count == p && (0..<p).allSatisfy { q in got[q] == [Float](repeating: Float(q), count: q == 2 ? 0 : q + 1) }
        return (ok, "lengths=\(got.map(\.count))")
    }

    /// color = r mod 2, key = -r: each parity group, in reverse rank order; a sum over the group equals the sum
    /// of the ranks of that parity, and the sub-rank counts down.
    func split() throws -> (Bool, String) {
        let sub = try comm.split(color: r % 2, key: -r)
        let members = stride(from: r % 2, to: p, by: 2).map { $0 }
        let expectedRank = members.count - 1 - members.firstIndex(of: r)!
        let sum = try sub.allreduce(r, op: .sum)
        let ok = sub.size == members.count && sub.rank == expectedRank && sum == members.reduce(0, +)
        return (ok, "color=\(r % 2) subrank=\(sub.rank)/\(sub.size) sum=\(sum)")
    }

    /// A broadcast to a root outside the communicator fails on every rank with a `CommunicatorError`; under MPI
    /// the error comes from MPI itself (our own argument check is bypassed) and carries MPI_Error_string's text.
    func invalidRootError() throws -> (Bool, String) {
        do {
            if let mpi = comm as? MPICommunicator {
                try mpi.broadcastToInvalidRootUnchecked()
            } else {
                var x: [Int32] = [0]
                try comm.broadcast(&x, root: p)
            }
            return (false, "no error for root \(p)")
        } catch let error as CommunicatorError {
            return (!error.message.isEmpty, "\(error)")
        }
    }

    private func fmt<T: CustomStringConvertible>(_ v: T?) -> String { v.map { "\($0)" } ?? "-" }
}
