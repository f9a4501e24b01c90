import Foundation

/// How many threads one rank should use.
public enum ThreadPolicy {
    /// CPUs this process may run on (its affinity mask). Under `mpirun`'s default binding that is the cores of
    /// this rank's binding; without binding, all online CPUs.
    public static var availableCPUs: Int {
        // Linux: the hex mask on the "Cpus_allowed:" line of /proc/self/status (glibc's sched_getaffinity needs
        // _GNU_SOURCE, which Swift's Glibc module does not define).
        if let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
           let line = status.split(separator: "\n").first(where: { $0.hasPrefix("Cpus_allowed:") }) {
            let hex = line.dropFirst("Cpus_allowed:".count).filter { $0.isHexDigit }
            let count = hex.reduce(0) { $0 + (Int(String($1), radix: 16) ?? 0).nonzeroBitCount }
            if count > 0 { return count }
        }
        return ProcessInfo.processInfo.activeProcessorCount
    }

    /// CPUs online on this machine, whatever this process's binding (sysconf _SC_NPROCESSORS_ONLN).
    public static var onlineCPUs: Int {
        max(1, sysconf(Int32(_SC_NPROCESSORS_ONLN)))
    }

    /// The largest thread count accepted: 4 threads per online CPU. More only oversubscribes the cores; a
    /// value beyond it is a typo (or an unset-variable expansion such as 99999999999), not a plan.
    public static func maximumThreads(onlineCPUs: Int = onlineCPUs) -> Int { 4 * onlineCPUs }

    /// The thread count a rank uses: an explicit request, else SAGE_NUM_THREADS, else OPENBLAS_NUM_THREADS,
    /// else the CPUs in this process's affinity mask. The first source that is set decides; a value that is not
    /// a whole number from 1 to `maximumThreads` is an error naming its source, never skipped.
    public static func resolve(requested: Int?, environment: [String: String] = ProcessInfo.processInfo.environment,
                               onlineCPUs: Int = onlineCPUs) throws -> Int {
        let bound = Bound(online: onlineCPUs)
        if let requested { return try bound.check(requested, source: "--threads") }
        for key in ["SAGE_NUM_THREADS", "OPENBLAS_NUM_THREADS"] {
            guard let text = environment[key] else { continue }
            guard let n = Int(text.trimmingCharacters(in: .whitespaces)) else {
                throw ThreadCountError("\(key) must be a whole number of threads from 1 to \(bound.maximum), got '\(text)' (or unset it).")
            }
            return try bound.check(n, source: key)
        }
        return availableCPUs
    }

    private struct Bound {
        let online: Int
        var maximum: Int { maximumThreads(onlineCPUs: online) }

        func check(_ n: Int, source: String) throws -> Int {
            if n < 1 { throw ThreadCountError("\(source) must be at least 1, got \(n).") }
            if n > maximum {
                throw ThreadCountError("\(source) must be at most \(maximum) (4 threads per online CPU; this machine has \(online)), got \(n).")
            }
            return n
        }
    }
}

/// A thread count that is not a number, below 1 or above `ThreadPolicy.maximumThreads()`; names where it came from.
public struct ThreadCountError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
}
