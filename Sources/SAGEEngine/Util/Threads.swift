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

    /// The thread count a rank uses: an explicit request, else SAGE_NUM_THREADS, else OPENBLAS_NUM_THREADS,
    /// else the CPUs in this process's affinity mask.
    public static func resolve(requested: Int?, environment: [String: String] = ProcessInfo.processInfo.environment) -> Int {
        if let requested, requested > 0 { return requested }
        for key in ["SAGE_NUM_THREADS", "OPENBLAS_NUM_THREADS"] {
            if let text = environment[key], let n = Int(text), n > 0 { return n }
        }
        return availableCPUs
    }
}
